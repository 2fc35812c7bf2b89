"""Backend behaviour seen in the access log: too slow, saturated, invalid answers, dropped connections."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common
from parsers.haproxy_config import parse_duration_ms

DEFAULT_SERVER_TIMEOUT_MS = 30_000
NEAR_PAIR_SECONDS = 120  # a restart/deletion this close to a 502 explains it (K601/K602 own it)


def effective_timeout(ctx: Context, route: common.RouteRef) -> tuple[int, str, Evidence | None]:
    """(ms, where it comes from, evidence): route annotation > haproxy.config backend > IngressController > 30s."""
    annotation = route.row["timeout"]
    if isinstance(annotation, str):
        ms = parse_duration_ms(annotation)
        if ms:
            return (
                ms,
                f"route annotation haproxy.router.openshift.io/timeout={annotation}",
                common.route_evidence(ctx, route, "haproxy.router.openshift.io/timeout"),
            )
    backends = ctx.snap.frame("router_backends")
    mine = backends[
        (backends["namespace"] == route.namespace)
        & (backends["route"] == route.name)
        & backends["timeout_server"].notna()
    ]
    if not mine.empty:
        ms = parse_duration_ms(mine.iloc[0]["timeout_server"])
        if ms:
            return (
                ms,
                f"haproxy.config backend timeout server {mine.iloc[0]['timeout_server']}",
                object_evidence(ctx.snap, mine.iloc[0], "timeout server"),
            )
    ics = ctx.snap.frame("ingresscontrollers")
    configured = ics[ics["server_timeout"].notna()] if not ics.empty else ics
    if not configured.empty:
        ms = parse_duration_ms(configured.iloc[0]["server_timeout"])
        if ms:
            return (
                ms,
                f"IngressController {configured.iloc[0]['name']} tuningOptions.serverTimeout "
                f"{configured.iloc[0]['server_timeout']}",
                object_evidence(ctx.snap, configured.iloc[0], "serverTimeout"),
            )
    for defaults in ctx.snap.router_defaults.values():
        ms = parse_duration_ms(defaults.get("timeout server"))
        if ms:
            return ms, f"router default timeout server {defaults.get('timeout server')}", None
    return DEFAULT_SERVER_TIMEOUT_MS, "the router's default timeout server 30s", None


def _share(rows: pd.DataFrame, total: pd.DataFrame) -> float:
    return len(rows) / max(1, len(total))


def _severity(rows: pd.DataFrame, total: pd.DataFrame) -> Severity:
    return Severity.CRITICAL if _share(rows, total) >= 0.5 else Severity.WARNING


@rule(
    code="B501",
    name="backend-slower-than-router-timeout",
    cause="backend-timeout",
    severity=Severity.WARNING,
    needs=("requests",),
    needs_logs=False,
)
def backend_timeout(ctx: Context) -> Iterator[Finding]:
    """Backend answers slower than the router's server timeout (504 sH).

    What it does:
        Counts 504 ``sH`` lines (server timeout while waiting for response headers, ``Tr=-1``, ``Ta`` ≈ the
        timeout) per route, works out the effective ``timeout server`` (route annotation
        ``haproxy.router.openshift.io/timeout``, the backend's rendered ``timeout server``, the
        IngressController's ``tuningOptions.serverTimeout``, the router default 30 s) and compares the
        successful responses' times with it.

    Why it matters:
        The router gives up and answers 504 while the application is still working; clients retry and
        add load.

    Example:
        ``be_edge_http:shop:reports/pod:... 0/0/1/-1/30001 504 198 - - sHNN``.

    Remediation:
        Make the request faster, or raise the route's timeout above the slowest legitimate response.

        Without access logs it checks the route's ``haproxy.router.openshift.io/timeout`` annotation:
        a value the router cannot parse (``2 minutes``, ``30 s``) is silently ignored, so the route
        runs with the default although its owner believes it raised it (info).

    Known problems:
        Without ``option abortonclose`` a client that gave up still shows the server-side 504.

    References:
        router-facts.md §3 (timeouts, annotation syntax), §4.2 (504 sH), §6; OCP docs "Configuring route
        timeouts"; runbook-502.md "Pod taking too long to respond".
    """
    for route in common.routes(ctx):
        annotation = route.row["timeout"]
        if isinstance(annotation, str) and parse_duration_ms(annotation) is None:
            yield Finding(
                code="B501",
                cause="backend-timeout",
                severity=Severity.INFO,
                namespace=route.namespace,
                route=route.name,
                service=route.services[0] if route.services else None,
                title=f"timeout annotation {annotation!r} is not a valid HAProxy time: the router ignores it",
                explanation=(
                    f"haproxy.router.openshift.io/timeout={annotation!r} does not match [1-9][0-9]*(us|ms|s|m|h|d)?; "
                    "the router silently drops invalid values, so this route runs with the default server timeout."
                ),
                evidence=[common.route_evidence(ctx, route, "haproxy.router.openshift.io/timeout")],
                remediation=[
                    f"oc -n {route.namespace} annotate route {route.name} "
                    "haproxy.router.openshift.io/timeout=120s --overwrite"
                ],
            )
        if not ctx.has_logs:
            continue
        req = common.route_requests(ctx, route)
        timeouts = common.select(req, status=504, term="sH")
        if timeouts.empty:
            continue
        limit, origin, cfg_evidence = effective_timeout(ctx, route)
        ok = req[
            (req["status"] < 500).fillna(False).astype(bool)
            & req["Tr"].notna()
            & (req["Tr"] >= 0).fillna(False).astype(bool)
        ]
        slowest = int(ok["Tr"].max()) if not ok.empty else None
        p99 = int(ok["Tr"].quantile(0.99)) if not ok.empty else None
        facts = common.log_facts(ctx, timeouts)
        suggested = max(2 * limit, 2 * (slowest or 0)) // 1000
        evidence = facts["evidence"] + ([cfg_evidence] if cfg_evidence else [])
        yield Finding(
            code="B501",
            cause="backend-timeout",
            severity=_severity(timeouts, req),
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"{len(timeouts)} requests timed out after {limit / 1000:g}s (504) on route {route.name}",
            explanation=(
                f"The router waited {limit / 1000:g}s ({origin}) for response headers and gave up {len(timeouts)} "
                f"times ({_share(timeouts, req):.0%} of the route's requests)."
                + (
                    f" Successful responses took up to {slowest / 1000:.1f}s (p99 {p99 / 1000:.1f}s), close to the "
                    "limit: the backend is slow, not down."
                    if slowest is not None
                    else ""
                )
            ),
            evidence=evidence,
            remediation=[
                f"oc -n {route.namespace} annotate route {route.name} "
                f"haproxy.router.openshift.io/timeout={suggested}s --overwrite  # or make the request faster"
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
        )


@rule(code="B502", name="backend-saturated", cause="backend-saturation", severity=Severity.WARNING, needs=("requests",))
def backend_saturation(ctx: Context) -> Iterator[Finding]:
    """Backend saturated: requests queued or rejected for lack of connections (503 sQ, queues, HPA at max).

    What it does:
        Counts 503 ``sQ`` (queue timeout, ``<NOSRV>``) and requests that waited in a server or backend
        queue (``sq``/``bq`` > 0); cites the route's ``pod-concurrent-connections`` annotation (server
        ``maxconn``) and a HorizontalPodAutoscaler of the route's workload stuck at ``maxReplicas``.
        Without access logs, an HPA at its maximum is reported as info.

    Why it matters:
        Queued requests wait up to the queue timeout (5 s) and then get the router's 503; the
        application cannot take more load.

    Example:
        ``be_http:ns:maxconn/<NOSRV> 0/2001/-1/-1/2001 503 217 - - sQNN 2/2/1/0/0 0/2``.

    Remediation:
        Scale out (raise the HPA maximum), raise or remove ``pod-concurrent-connections``, make the
        application faster.

    Known problems:
        Queueing without a maxconn limit is rare on the router; large ``Tw`` with ``Tc=-1`` is retry
        delay, not queueing.

    References:
        router-facts.md §4.2 (503 sQ), §6 (pod-concurrent-connections); runbook-502.md "Too many connections".
    """
    hpas = ctx.snap.frame("hpas")
    for route in common.routes(ctx):
        req = common.route_requests(ctx, route)
        queued = (
            req.iloc[0:0]
            if req.empty
            else req[
                (req["term"].astype("string") == "sQ").fillna(False).astype(bool)
                | (req["srv_queue"].fillna(0) > 0)
                | (req["backend_queue"].fillna(0) > 0)
            ]
        )
        pods = common.route_pods(ctx, route)
        workload = common.workload_of(ctx, pods)
        at_max = hpas.iloc[0:0]
        if workload and not hpas.empty:
            at_max = hpas[
                (hpas["namespace"] == route.namespace)
                & (hpas["target_name"] == workload[1])
                & (hpas["current_replicas"] >= hpas["max_replicas"]).fillna(False).astype(bool)
            ]
        maxconn = route.row["pod_concurrent_connections"]
        if queued.empty and at_max.empty:
            continue
        evidence: list[Evidence] = []
        facts = common.log_facts(ctx, queued) if not queued.empty else {}
        evidence += facts.get("evidence", [])
        if pd.notna(maxconn):
            evidence.append(common.route_evidence(ctx, route, "pod-concurrent-connections"))
        for _, h in at_max.head(1).iterrows():
            evidence.append(object_evidence(ctx.snap, h, "maxReplicas:"))
        rejected = int((queued["status"] == 503).fillna(False).sum()) if not queued.empty else 0
        severity = Severity.INFO  # an HPA at its maximum with no queueing seen
        if not queued.empty:
            severity = Severity.CRITICAL if rejected >= 0.5 * max(1, len(req)) else Severity.WARNING
        fix = []
        if not at_max.empty:
            h = at_max.iloc[0]
            fix.append(
                f"oc -n {route.namespace} patch hpa {h['name']} --type=merge "
                f'-p \'{{"spec":{{"maxReplicas":{int(h["max_replicas"]) * 2}}}}}\''
            )
        if pd.notna(maxconn):
            fix.append(
                f"oc -n {route.namespace} annotate route {route.name} "
                f"haproxy.router.openshift.io/pod-concurrent-connections={int(maxconn) * 4} --overwrite"
            )
        if workload:
            fix.append(f"oc -n {route.namespace} scale {workload[0]}/{workload[1]} --replicas=<more>")
        yield Finding(
            code="B502",
            cause="backend-saturation",
            severity=severity,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=(
                f"{len(queued)} requests queued, {rejected} rejected with 503 sQ"
                if not queued.empty
                else f"HorizontalPodAutoscaler {at_max.iloc[0]['name']} is at its maximum"
            ),
            explanation=(
                (
                    f"{len(queued)} requests waited in the router's queues for route {route.name}; "
                    f"{rejected} timed out in the queue and got 503."
                    if not queued.empty
                    else ""
                )
                + (
                    f" The per-pod connection limit is {int(maxconn)} (pod-concurrent-connections)."
                    if pd.notna(maxconn)
                    else ""
                )
                + (
                    f" HPA {at_max.iloc[0]['name']} runs {int(at_max.iloc[0]['current_replicas'])} of at most "
                    f"{int(at_max.iloc[0]['max_replicas'])} replicas: it cannot add capacity."
                    if not at_max.empty
                    else ""
                )
            ).strip(),
            evidence=evidence or [common.route_evidence(ctx, route)],
            remediation=fix or [f"oc -n {route.namespace} get hpa"],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            confidence="high" if facts else "medium",
        )


@rule(
    code="B503",
    name="backend-response-rejected",
    cause="invalid-response",
    severity=Severity.WARNING,
    needs=("requests",),
    needs_logs=True,
)
def invalid_response(ctx: Context) -> Iterator[Finding]:
    """The router rejected the backend's response as invalid (502 PH).

    What it does:
        Counts 502 ``PH`` lines (``Tr=-1``, the router's 209-byte 502 page) per route and pod.

    Why it matters:
        The application answered, but HAProxy refused what it sent: invalid or oversized headers,
        a duplicated ``Transfer-Encoding`` (rejected since HAProxy 2.5, OpenShift 4.14), or non-HTTP bytes
        such as a TLS alert.

    Example:
        ``be_http:ns:dupte/pod:...:127.0.0.1:9007 0/0/0/-1/4 502 209 - - PHNN``.

    Remediation:
        Fix the response headers in the application; for large headers raise
        ``tuningOptions.headerBufferBytes``/``headerBufferMaxRewriteBytes`` on the IngressController.

    Known problems:
        The log does not say which header was wrong; reproduce with ``curl -v`` from a router pod.

    References:
        router-facts.md §4.2 (502 PH), §6; KCS 7055002 (duplicate Transfer-Encoding after 4.14); HAProxy
        configuration.txt §8.5.
    """
    for route in common.routes(ctx):
        req = common.route_requests(ctx, route)
        bad = common.select(req, status=502, term="PH")
        if bad.empty:
            continue
        facts = common.log_facts(ctx, bad)
        pods = sorted(bad["pod"].dropna().astype(str).unique())
        yield Finding(
            code="B503",
            cause="invalid-response",
            severity=_severity(bad, req),
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"{len(bad)} responses rejected by the router as invalid (502 PH)",
            explanation=(
                f"The router received responses from {', '.join(pods) or 'the backend'} that it could not accept "
                "(malformed or oversized headers, duplicate Transfer-Encoding, non-HTTP bytes) and answered 502."
            ),
            evidence=facts["evidence"],
            remediation=[
                "oc -n openshift-ingress rsh deploy/router-default curl -sv http://<pod-ip>:<port>/<path>  "
                "# inspect the raw headers",
                "oc -n openshift-ingress-operator patch ingresscontroller/default --type=merge -p "
                '\'{"spec":{"tuningOptions":{"headerBufferBytes":65536}}}\'  # only for large headers',
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
        )


def pod_disruption_times(ctx: Context, namespace: str) -> dict[str, list[pd.Timestamp]]:
    """Per pod, the moments it restarted, was OOM-killed, deleted or killed (for time correlation)."""
    out: dict[str, list[pd.Timestamp]] = {}
    containers = ctx.snap.frame("containers")
    for _, c in containers[containers["namespace"] == namespace].iterrows():
        for col in ("last_finished", "last_started"):
            if pd.notna(c[col]) and col == "last_finished":
                out.setdefault(c["pod"], []).append(c[col])
        if pd.notna(c["state_since"]) and pd.notna(c["restart_count"]) and c["restart_count"] > 0:
            out.setdefault(c["pod"], []).append(c["state_since"])
    pods = ctx.snap.frame("pods")
    for _, p in pods[(pods["namespace"] == namespace) & pods["deleted"].notna()].iterrows():
        out.setdefault(p["name"], []).append(p["deleted"])
    ev = ctx.snap.frame("events")
    kills = ev[(ev["namespace"] == namespace) & ev["reason"].isin(["Killing", "BackOff", "Evicted", "OOMKilling"])]
    for _, e in kills.iterrows():
        for col in ("first_seen", "last_seen"):
            if pd.notna(e[col]):
                out.setdefault(e["involved_name"], []).append(e[col])
    return out


def near_disruption(
    rows: pd.DataFrame, disruptions: dict[str, list[pd.Timestamp]], seconds: int = NEAR_PAIR_SECONDS
) -> pd.Series:
    """For each request row, whether its pod was disrupted within ``seconds`` of it."""
    result = pd.Series(False, index=rows.index)
    window = pd.Timedelta(seconds=seconds)
    for pod, times in disruptions.items():
        mine = (rows["pod"].astype("string") == pod).fillna(False).astype(bool)
        if not mine.any():
            continue
        ts = rows.loc[mine, "ts"]
        hit = pd.Series(False, index=ts.index)
        for t in times:
            hit |= ((ts - t).abs() <= window).fillna(False)
        result.loc[hit.index] = hit
    return result


@rule(
    code="B504",
    name="backend-closes-connections",
    cause="backend-connection-closed",
    severity=Severity.WARNING,
    needs=("requests",),
    needs_logs=True,
)
def backend_connection_closed(ctx: Context) -> Iterator[Finding]:
    """Backend closes connections before answering, with no restart or rollout to explain it (502 SH).

    What it does:
        Counts 502 ``SH`` lines (server closed or reset before sending headers, ``Tr=-1``) whose pod was
        not restarted, OOM-killed, deleted or killed within two minutes (those belong to K601/K602).

    Why it matters:
        The application drops the connection mid-request: an application-side timeout (Ta close to a
        round number such as 30000/60000), a crash of a worker thread, a sidecar resetting, or a keep-alive
        race on a fresh connection.

    Example:
        ``be_http:ns:closenoresp/pod:closenoresp-5c6d:closenoresp:http:127.0.0.1:9003 0/0/0/-1/4 502 209 - - SHNN``.

    Remediation:
        Read the application's logs at those times; align its idle/keep-alive and request timeouts with the
        router (keep-alive above the router's reuse, request timeout below the route timeout).

    Known problems:
        HAProxy ≤ 2.8.9 does not log such failures on reused keep-alive connections at all (router-facts
        §4.3): the real count can be higher than the log shows.

    References:
        router-facts.md §4.2 (502 SH), §4.3, §6 (keep-alive row); haproxy/haproxy#3414.
    """
    for route in common.routes(ctx):
        req = common.route_requests(ctx, route)
        closed = common.select(req, status=502, term="SH")
        if closed.empty:
            continue
        closed = closed[~near_disruption(closed, pod_disruption_times(ctx, route.namespace))]
        if closed.empty:
            continue
        facts = common.log_facts(ctx, closed)
        ta = closed["Ta"].dropna()
        typical = int(ta.median()) if not ta.empty else None
        yield Finding(
            code="B504",
            cause="backend-connection-closed",
            severity=_severity(closed, req),
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"{len(closed)} requests: the backend closed the connection before answering (502 SH)",
            explanation=(
                f"{len(closed)} requests on route {route.name} ended with the server closing the connection before "
                "any response header, and no restart, OOM kill or deletion of the pods explains them."
                + (f" They typically lasted {typical} ms" if typical is not None else "")
                + (
                    ": a round number suggests an application-side timeout."
                    if typical and typical >= 1000 and typical % 1000 < 50
                    else "."
                )
            ),
            evidence=facts["evidence"],
            remediation=[
                f"oc -n {route.namespace} logs --since-time={facts['first_seen']:%Y-%m-%dT%H:%M:%SZ} "
                f"<pod>  # what the application said"
                if facts["first_seen"]
                else f"oc -n {route.namespace} logs <pod>"
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
            confidence="medium",
        )


RULES = [backend_timeout, backend_saturation, invalid_response, backend_connection_closed]
