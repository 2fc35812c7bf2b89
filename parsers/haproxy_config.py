"""The router's rendered ``haproxy.config`` -> backends and servers as they were at gather time.

must-gather copies ``/var/lib/haproxy/conf/haproxy.config`` of each router pod to
``ingress_controllers/<ic>/<router-pod>/haproxy.config`` (mustgather-layout.md §5, §6). It is the
only record of what the router actually served: which backends exist, which servers (pods) each
has, per-route ``timeout server`` overrides, ``maxconn`` (pod-concurrent-connections), TLS to
the backend (``ssl verify``). Names follow router-facts.md §2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from parsers import schema
from parsers.router_names import split_config_backend, split_server

SECTION_KEYWORDS = (
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "peers",
    "resolvers",
    "userlist",
    "program",
    "cache",
    "ring",
    "http-errors",
    "mailers",
)
_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION_RE = re.compile(r"^\s*([0-9]+)(us|ms|s|m|h|d)?\s*$")


def parse_duration_ms(value: str | None) -> int | None:
    """HAProxy time value -> milliseconds (unit-less means ms); None when invalid or empty.

    Route annotations must match ``[1-9][0-9]*(us|ms|s|m|h|d)?``; the router silently ignores
    anything else, so an invalid value yields None here too (router-facts §3).
    """
    if value is None:
        return None
    m = _DURATION_RE.match(str(value))
    if not m:
        return None
    return round(int(m.group(1)) * _UNITS_MS[m.group(2) or "ms"])


@dataclass
class HaproxyConfig:
    backends: pd.DataFrame
    servers: pd.DataFrame
    defaults: dict[str, Any] = field(default_factory=dict)
    frontends: list[str] = field(default_factory=list)


def parse_haproxy_config(
    text: str, *, ingresscontroller: str | None, router_pod: str | None, input: str, source: str
) -> HaproxyConfig:
    backends: list[dict[str, Any]] = []
    servers: list[dict[str, Any]] = []
    defaults: dict[str, Any] = {}
    frontends: list[str] = []
    section, current = None, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        words = line.split()
        keyword = words[0]
        if keyword in SECTION_KEYWORDS and (raw[:1] not in (" ", "\t") or keyword in ("frontend", "backend")):
            section = keyword
            current = None
            if keyword == "backend" and len(words) > 1:
                kind, ns, route = split_config_backend(words[1])
                current = {
                    "ingresscontroller": ingresscontroller,
                    "router_pod": router_pod,
                    "backend": words[1],
                    "backend_kind": kind,
                    "namespace": ns,
                    "route": route,
                    "timeout_server": None,
                    "timeout_tunnel": None,
                    "balance": None,
                    "server_count": 0,
                    "input": input,
                    "source": source,
                    "line": number,
                }
                backends.append(current)
            elif keyword in ("frontend", "listen") and len(words) > 1:
                frontends.append(words[1])
            continue
        if section in ("global", "defaults"):
            _default(defaults, section, words, number)
        elif section == "backend" and current is not None:
            if keyword == "timeout" and len(words) >= 3 and words[1] in ("server", "tunnel"):
                current[f"timeout_{words[1]}"] = words[2]
            elif keyword == "balance":
                current["balance"] = words[1] if len(words) > 1 else ""
            elif keyword == "server" and len(words) >= 3:
                servers.append(_server(words, current, number))
                current["server_count"] += 1
    if defaults:
        defaults["where"] = {"input": input, "source": source}
    return HaproxyConfig(
        backends=schema.conform("router_backends", backends),
        servers=schema.conform("router_servers", servers),
        defaults=defaults,
        frontends=frontends,
    )


def _default(defaults: dict[str, Any], section: str, words: list[str], number: int) -> None:
    """One ``global``/``defaults`` setting; ``defaults["lines"]`` keeps the line of each limit (cited as evidence)."""
    key = words[0]
    if key == "timeout" and len(words) >= 3:
        defaults[f"timeout {words[1]}"] = words[2]
    elif key in ("maxconn", "nbthread", "tune.bufsize", "tune.maxrewrite") and len(words) >= 2:
        defaults[f"{section} {key}"] = words[1]
        defaults.setdefault("lines", {})[f"{section} {key}"] = number
    elif key == "option" and len(words) >= 2:
        defaults.setdefault("options", []).append(" ".join(words[1:]))
    elif key == "log-format":
        defaults["log-format"] = " ".join(words[1:])
    elif key == "balance" and section == "defaults":  # what a backend without its own ``balance`` line uses
        defaults["balance"] = words[1] if len(words) > 1 else ""


def _server(words: list[str], backend: dict[str, Any], number: int) -> dict[str, Any]:
    name, address = words[1], words[2]
    opts = words[3:]
    parsed = split_server(name)
    ip, port = parsed["ip"], parsed["port"]
    host, _, addr_port = address.rpartition(":")
    if ip is None and host:
        ip = host.strip("[]")
    if port is None and addr_port.isdigit():
        port = int(addr_port)

    def option(key: str) -> str | None:
        return opts[opts.index(key) + 1] if key in opts and opts.index(key) + 1 < len(opts) else None

    weight = option("weight")
    maxconn = option("maxconn")
    return {
        "ingresscontroller": backend["ingresscontroller"],
        "router_pod": backend["router_pod"],
        "backend": backend["backend"],
        "namespace": backend["namespace"],
        "route": backend["route"],
        "server": name,
        "pod": parsed["pod"],
        "service": parsed["service"],
        "port_name": parsed["port_name"],
        "ip": ip,
        "port": port,
        "weight": int(weight) if weight and weight.isdigit() else None,
        "check": "check" in opts,
        "maxconn": int(maxconn) if maxconn and maxconn.isdigit() else None,
        "ssl": "ssl" in opts,
        "verify": option("verify"),
        "disabled": "disabled" in opts,
        "input": backend["input"],
        "source": backend["source"],
        "line": number,
    }
