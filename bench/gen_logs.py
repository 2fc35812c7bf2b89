"""Generate a realistic OpenShift router access log of N lines (deterministic for a seed).

Shape: the must-gather ``logs`` sidecar line (kubelet RFC3339Nano, rsyslog time, router pod name twice,
``haproxy[pid]:``) with ``option httplog`` bodies, plus ``option tcplog`` lines from ``public_ssl`` for
passthrough routes, a few IPv6 clients and a few ``Server ... is DOWN`` router messages. Mix per
perf-baseline.md "Test data": 500 namespaces, 5,000 routes, 1–4 pods per route, 3 router pods, ~88%
200 and the usual 3xx/4xx/5xx with their termination states, timers consistent (Ta ≥ TR+Tw+Tc+Tr).

Usage: ``python -m bench.gen_logs N PATH [--seed S] [--outage] [--routes-yaml DUMP]``; ``--outage`` makes
nine answers in ten 5xx (a router-wide outage); ``DUMP`` is an
``oc get routes -A -o yaml``-shaped List of the log's 5,000 routes (the case where the inputs hold
every route the log names, so ``mga analyze`` keeps every request row).
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROUTERS = ["router-default-7d9ff84f-pxrcg", "router-default-7d9ff84f-b2lq9", "router-default-7d9ff84f-zz81k"]
KINDS = ["be_http", "be_edge_http", "be_secure", "be_tcp"]
START = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
OUTCOMES = [  # (weight, status, term, timers kind)
    (880, 200, "--VN", "ok"),
    (30, 304, "--VN", "ok"),
    (35, 404, "--VN", "ok"),
    (10, 301, "--VN", "ok"),
    (10, 401, "--VN", "ok"),
    (5, 500, "--VN", "ok"),
    (6, 502, "SH--", "sh"),
    (2, 502, "PH--", "ph"),
    (8, 503, "SC--", "nosrv"),
    (3, 503, "SC--", "refused"),
    (5, 504, "sH--", "timeout"),
    (6, -1, "CD--", "abort"),
]

OUTAGE_OUTCOMES = [  # a router-wide outage: nine answers in ten are 5xx failed in the router
    (100, 200, "--VN", "ok"),
    (300, 503, "SC--", "nosrv"),
    (300, 502, "SH--", "sh"),
    (200, 504, "sH--", "timeout"),
    (100, 503, "SC--", "refused"),
]


def routes(rng: random.Random) -> list[tuple[str, str, str, list[str], str]]:
    out = []
    for r in range(5000):
        ns = f"ns-{r // 10:03d}-team"
        name = f"route-{r:04d}"
        kind = KINDS[r % 4] if r % 25 else "be_tcp"
        pods = []
        for _ in range(rng.randint(1, 4)):
            h = "".join(rng.choice("0123456789abcdef") for _ in range(10))
            tail = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
            ip = f"10.{128 + rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
            pods.append(f"pod:{name}-{h}-{tail}:{name}:http:{ip}:{rng.choice([8080, 8443, 9090])}")
        out.append((ns, name, kind, pods, f"{name}.apps.example.com"))
    return out


def generate(n: int, path: Path, seed: int = 1, http_only: bool = False, outage: bool = False,
             first_routes: int | None = None) -> None:
    """Write ``n`` lines; ``http_only`` leaves out tcplog lines and router messages (halog misreads them);
    ``outage`` answers with :data:`OUTAGE_OUTCOMES` (90 % 5xx) instead of the usual mix;
    ``first_routes`` sends every request to the first N routes only (one application's routes)."""
    rng = random.Random(seed)
    table = routes(rng)[:first_routes]
    outcomes = OUTAGE_OUTCOMES if outage else OUTCOMES
    weights = [w for w, *_ in outcomes]
    t = START
    with open(path, "w", encoding="ascii") as out:
        for i in range(n):
            t += timedelta(microseconds=rng.randint(100, 2500))
            router = ROUTERS[i % 3]
            ns, name, kind, pods, _ = table[rng.randrange(len(table))]
            client = (
                f"fd01:0:0:{rng.randint(1, 9)}::{rng.randint(1, 999):x}"
                if i % 97 == 0
                else f"10.{rng.randint(128, 131)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
            )
            cport = rng.randint(32768, 60999)
            accept = t - timedelta(milliseconds=rng.randint(0, 60))
            date = accept.strftime("%d/%b/%Y:%H:%M:%S.") + f"{accept.microsecond // 1000:03d}"
            recv = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+00:00"
            kubelet = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}436Z"
            prefix = f"{kubelet} {recv} {router} {router} haproxy[43]: "
            if i % 5003 == 17 and not http_only:
                out.write(
                    f"{prefix}Server {kind}:{ns}:{name}/{pods[0]} is DOWN, reason: Layer4 connection problem, "
                    'info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. '
                    "0 sessions active, 0 requeued, 0 remaining in queue.\n"
                )
                continue
            server = rng.choice(pods)
            if kind == "be_tcp" and http_only:
                kind = "be_edge_http"
            if kind == "be_tcp":
                tt = rng.randint(5, 90000)
                state = "--" if rng.random() > 0.02 else "SC"
                tc = rng.randint(0, 3) if state == "--" else -1
                out.write(
                    f"{prefix}{client}:{cport} [{date}] public_ssl {kind}:{ns}:{name}/{server} "
                    f"{rng.randint(0, 5)}/{tc}/{tt} {rng.randint(0, 90000)} {state} "
                    f"{rng.randint(1, 400)}/{rng.randint(1, 300)}/{rng.randint(0, 20)}/{rng.randint(0, 5)}/"
                    f"{0 if state == '--' else 3} 0/0\n"
                )
                continue
            _, status, term, timers = rng.choices(outcomes, weights)[0]
            tq, tw, tc, tr = rng.randint(0, 20), 0, rng.randint(0, 3), rng.randint(1, 400)
            size = rng.randint(200, 60000)
            retries = "0"
            srv = server
            if timers == "nosrv":
                srv, tw, tc, tr, size = "<NOSRV>", -1, -1, -1, 2656
            elif timers == "refused":
                tw, tc, tr, size, retries = 3006, -1, -1, 2656, "3"
            elif timers in ("sh", "ph"):
                tr, size = -1, 209
            elif timers == "timeout":
                tr, size = -1, 198
            elif timers == "abort":
                tr, size = -1, 0
            ta = (
                max(tq, 0)
                + max(tw, 0)
                + max(tc, 0)
                + (max(tr, 0) if tr >= 0 else (30000 if timers == "timeout" else rng.randint(1, 50)))
            )
            fe = "public" if kind == "be_http" else "fe_sni~"
            method = rng.choice(["GET", "GET", "GET", "POST", "PUT", "HEAD"])
            request = f"{method} /api/v{rng.randint(1, 3)}/items/{rng.randint(1, 99999)} HTTP/1.1"
            out.write(
                f"{prefix}{client}:{cport} [{date}] {fe} {kind}:{ns}:{name}/{srv} {tq}/{tw}/{tc}/{tr}/{ta} "
                f"{status} {size} - - {term} {rng.randint(1, 400)}/{rng.randint(1, 300)}/{rng.randint(0, 20)}/"
                f'{rng.randint(0, 5)}/{retries} 0/0 "{request}"\n'
            )


TERMINATION_OF_KIND = {"be_http": None, "be_edge_http": "edge", "be_secure": "reencrypt", "be_tcp": "passthrough"}


def write_routes_dump(path: Path, namespaces: int | None = None) -> None:
    """The log's routes as one ``v1 List`` of Route objects (namespace, name, host, service, termination);
    with ``namespaces``, those of the log's first ``namespaces`` namespaces only (10 routes each)."""
    import json

    items = []
    for ns, name, kind, _pods, host in routes(random.Random(0)):  # names and kinds do not depend on the seed
        if namespaces is not None and int(ns.split("-")[1]) >= namespaces:
            continue
        spec: dict = {"host": host, "to": {"kind": "Service", "name": name, "weight": 100},
                      "port": {"targetPort": "http"}}
        if TERMINATION_OF_KIND[kind]:
            spec["tls"] = {"termination": TERMINATION_OF_KIND[kind]}
        items.append({"apiVersion": "route.openshift.io/v1", "kind": "Route",
                      "metadata": {"name": name, "namespace": ns}, "spec": spec,
                      "status": {"ingress": [{"host": host, "routerName": "default", "conditions": [
                          {"type": "Admitted", "status": "True"}]}]}})
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--http-only", action="store_true", help="no tcplog lines or router messages")
    parser.add_argument("--outage", action="store_true", help="nine answers in ten are 5xx (a router-wide outage)")
    parser.add_argument("--first-routes", type=int, help="every request to the first N routes only")
    parser.add_argument("--routes-yaml", type=Path, help="also write the log's routes as a List dump here")
    parser.add_argument("--routes-namespaces", type=int, help="the dump holds the first N namespaces' routes")
    args = parser.parse_args()
    generate(args.lines, args.path, args.seed, args.http_only, args.outage, args.first_routes)
    if args.routes_yaml:
        write_routes_dump(args.routes_yaml, args.routes_namespaces)


if __name__ == "__main__":
    main()
