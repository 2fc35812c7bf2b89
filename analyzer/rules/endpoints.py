"""Endpoint rules: the route's services have no ready endpoints, and why."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common


def _primary_service(ctx: Context, route: common.RouteRef) -> pd.Series | None:
    return common.service_row(ctx, route.namespace, route.services[0]) if route.services else None


def _selector_matches_nothing(ctx: Context, route: common.RouteRef) -> tuple[pd.Series, dict] | None:
    svc = _primary_service(ctx, route)
    if svc is None or not common.has_resource(ctx, route.namespace, "pods"):
        return None
    pods = ctx.snap.frame("pods")
    if not (pods["namespace"] == route.namespace).any():
        return None  # nothing to select at all: scaled to zero or not deployed (E203 says which)
    selector = common.labels_of(svc["selector"])
    if not selector or not common.selected_pods(ctx, route.namespace, selector).empty:
        return None
    return svc, selector


def _not_ready_by_probe(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Selected pods that are Running but not Ready while a readiness probe is defined."""
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return pods
    not_ready = pods[(pods["phase"] == "Running") & (pods["ready"] == False)]  # noqa: E712 - nullable boolean
    if not_ready.empty:
        return not_ready
    containers = ctx.snap.frame("containers")
    probed = containers[
        (containers["namespace"] == route.namespace)
        & containers["pod"].isin(not_ready["name"])
        & containers["readiness_kind"].notna()
        & ~containers["init"].fillna(False).astype(bool)
    ]
    return not_ready[not_ready["name"].isin(probed["pod"])]


def _nosrv(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC <NOSRV>: the backend had no usable server (not sQ, a queue timeout)."""
    return common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")


def _probe_events(ctx: Context, namespace: str, pods: list[str]) -> pd.DataFrame:
    ev = ctx.snap.frame("events")
    return ev[
        (ev["namespace"] == namespace)
        & ev["involved_name"].isin(pods)
        & (ev["reason"] == "Unhealthy")
        & ev["message"].fillna("").str.startswith("Readiness probe failed")
    ]


@rule(
    code="E201",
    name="service-selector-matches-no-pod",
    cause="service-selector-mismatch",
    severity=Severity.CRITICAL,
    needs=("services", "pods"),
)
def service_selector_mismatch(ctx: Context) -> Iterator[Finding]:
    """Service selector matches no pod.

    What it does:
        For each route's primary service with a selector, looks for pods of the namespace whose labels
        contain every selector pair (only when the namespace's pods were collected).

    Why it matters:
        No pod is selected, so the service has no endpoints and the router's backend has no servers:
        every request gets 503 ``<NOSRV>``.

    Example:
        Service selector ``app: frontend, tier: web`` while the pods are labelled ``app: frontend``.

    Remediation:
        Make the selector match the pod template labels (or fix the labels in the Deployment).

    Known problems:
        Pods that exist only in another namespace or were not collected cannot be matched.

    References:
        runbook-502.md step 2; router-facts.md §5 (selector ↔ pod labels), §6.
    """
    for route in common.routes(ctx):
        found = _selector_matches_nothing(ctx, route)
        if found is None:
            continue
        svc, selector = found
        pods = ctx.snap.frame("pods")
        mine = pods[pods["namespace"] == route.namespace]
        closest = max(
            (
                (sum(common.labels_of(lbl).get(k) == v for k, v in selector.items()), name, lbl)
                for name, lbl in zip(mine["name"], mine["labels"], strict=True)
            ),
            default=None,
        )
        hint = ""
        evidence = [object_evidence(ctx.snap, svc, "selector:")]
        if closest is not None and closest[0] > 0:
            hint = f" The closest pod, {closest[1]}, has labels {common.labels_of(closest[2])}."
            prow = mine[mine["name"] == closest[1]].iloc[0]
            evidence.append(object_evidence(ctx.snap, prow, "labels:"))
        nosrv = _nosrv(ctx, route)
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        sel = ",".join(f"{k}={v}" for k, v in selector.items())
        yield Finding(
            code="E201",
            cause="service-selector-mismatch",
            severity=Severity.CRITICAL,
            namespace=route.namespace,
            route=route.name,
            service=svc["name"],
            title=f"service {svc['name']} selects no pod ({sel})",
            explanation=(
                f"Service {svc['name']} selects pods with {sel}, and no pod in {route.namespace} has all these "
                f"labels, so its endpoints are empty and the router has no server for route {route.name}.{hint}"
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} get pods --show-labels",
                f"oc -n {route.namespace} get svc {svc['name']} -o jsonpath='{{.spec.selector}}'",
                f"oc -n {route.namespace} set selector svc/{svc['name']} '<labels the pods carry>'",
            ],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
        )


@rule(
    code="E202",
    name="readiness-probe-failing",
    cause="readiness-probe-failing",
    severity=Severity.CRITICAL,
    needs=("pods", "containers"),
)
def readiness_probe_failing(ctx: Context) -> Iterator[Finding]:
    """Selected pods are running but fail their readiness probe.

    What it does:
        Finds the route's pods that are ``Running`` with ``Ready=False`` while a readiness probe is
        defined, cites the probe, the Ready condition and the kubelet's ``Unhealthy`` events
        ("Readiness probe failed: ..."), and, with access logs, counts the router's 503 ``<NOSRV>``
        on the route from the moment the last ready pod went away.

    Why it matters:
        Not-ready pods are removed from the endpoints and from the router's backend. With none left,
        every request gets 503; with some left, capacity drops and the rest may saturate.

    Example:
        ``Readiness probe failed: HTTP probe failed with statuscode: 503`` on both frontend pods and
        ``be_edge_http:shop:frontend/<NOSRV> 0/-1/-1/-1/0 503 ... SCNN`` in the access log.

    Remediation:
        Find out why the health endpoint fails (``oc logs``, dependencies), or fix the probe (path,
        port, timeout, initial delay) so it reflects real readiness.

    Known problems:
        A probe that fails because a dependency is down is doing its job: fix the dependency.

    References:
        runbook-502.md step 3; router-facts.md §2 (only ready addresses become servers), §6; KCS 7013260.
    """
    containers = ctx.snap.frame("containers")
    for route in common.routes(ctx):
        failing = _not_ready_by_probe(ctx, route)
        if failing.empty:
            continue
        names = failing["name"].tolist()
        events = _probe_events(ctx, route.namespace, names)
        severity = Severity.CRITICAL if not route.endpoints_ready else Severity.WARNING
        evidence: list[Evidence] = []
        for _, p in failing.head(3).iterrows():
            evidence.append(object_evidence(ctx.snap, p, "type: Ready"))
        for _, e in events.head(2).iterrows():
            evidence.append(object_evidence(ctx.snap, e, "Readiness probe failed"))
        c = containers[
            (containers["namespace"] == route.namespace)
            & containers["pod"].isin(names)
            & containers["readiness_kind"].notna()
        ].iloc[0]
        evidence.append(object_evidence(ctx.snap, c, "readinessProbe:"))
        nosrv = _nosrv(ctx, route)
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        since = failing["ready_since"].max()
        probe = f"{c['readiness_kind']} {c['readiness_path'] or ''} port {c['readiness_port']}".replace("  ", " ")
        last_msg = events.sort_values("last_seen").iloc[-1]["message"] if not events.empty else None
        agree = ""
        if facts:
            agree = (
                f" The access log agrees: {facts['affected_requests']} requests got the router's 503 "
                f"<NOSRV> between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
            )
        workload = common.workload_of(ctx, failing)
        fix = [f"oc -n {route.namespace} describe pod {names[0]}", f"oc -n {route.namespace} logs {names[0]}"]
        if workload and c["readiness_kind"] == "httpGet":
            fix.append(
                f"oc -n {route.namespace} set probe {workload[0]}/{workload[1]} --readiness "
                f"--get-url=http://:{c['readiness_port']}{c['readiness_path'] or '/'} --timeout-seconds=3 "
                "--failure-threshold=3  # only if the probe itself is wrong"
            )
        yield Finding(
            code="E202",
            cause="readiness-probe-failing",
            severity=severity,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"{len(names)} of {len(common.route_pods(ctx, route))} pods fail their readiness probe ({probe})",
            explanation=(
                f"Pods {', '.join(names)} are running but not ready"
                + (f" since {common.fmt_ts(since.to_pydatetime())}" if pd.notna(since) else "")
                + f"; their readiness probe ({probe}) fails"
                + (f': "{last_msg}"' if last_msg else "")
                + f". Not-ready pods are not servers of the router's backend; {route.endpoints_ready or 0} ready "
                f"endpoint(s) remain for route {route.name}." + agree
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=fix,
            first_seen=facts.get("first_seen") or (since.to_pydatetime() if pd.notna(since) else None),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            confidence="high" if not events.empty else "medium",
        )


@rule(
    code="E203", name="no-ready-endpoints", cause="no-ready-endpoints", severity=Severity.CRITICAL, needs=("endpoints",)
)
def no_ready_endpoints(ctx: Context) -> Iterator[Finding]:
    """No ready endpoint for another or unknown reason (scaled to zero, pending, node down, transient).

    What it does:
        Fires when a route has no ready endpoint and neither a missing service, a targetPort mismatch, a
        selector mismatch nor a failing readiness probe explains it: the workload is scaled to zero,
        pods are Pending, their node is NotReady, or nothing is known. With access logs it also fires
        (warning) for bursts of 503 ``<NOSRV>`` on a route that has ready endpoints now: a transient
        outage that was over by the time the must-gather ran.

    Why it matters:
        With no server in the backend, every request gets the router's 503 page.

    Example:
        Deployment ``replicas: 0``; or ``FailedScheduling`` events on the only pod.

    Remediation:
        Scale the workload up, fix scheduling, or look at what happened during the burst.

    Known problems:
        A transient outage's reason may be gone from the archive (events expire after ~3 h).

    References:
        router-facts.md §4.2 (503 SC <NOSRV>), §6; KCS 7013260.
    """
    for route in common.routes(ctx):
        if route.endpoints_total is None:
            continue
        explained = (
            _selector_matches_nothing(ctx, route) is not None
            or not _not_ready_by_probe(ctx, route).empty
            or _target_port_mismatch(ctx, route)
            or _service_missing(ctx, route)
        )
        nosrv = _nosrv(ctx, route)
        if route.endpoints_ready == 0 and not explained:
            yield _zero_ready(ctx, route, nosrv)
        elif route.endpoints_ready and not nosrv.empty and not explained:
            facts = common.log_facts(ctx, nosrv)
            yield Finding(
                code="E203",
                cause="no-ready-endpoints",
                severity=Severity.WARNING,
                namespace=route.namespace,
                route=route.name,
                service=route.services[0] if route.services else None,
                title=f"{len(nosrv)} requests found no server; {route.endpoints_ready} endpoint(s) are ready now",
                explanation=(
                    f"Between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])} the router "
                    f"had no usable server for route {route.name} (503 <NOSRV>), but at collection time the route "
                    f"has {route.endpoints_ready} ready endpoint(s): a transient outage (restart, rollout, all "
                    "servers DOWN by health check) that ended before the must-gather."
                ),
                evidence=facts["evidence"] + [common.route_evidence(ctx, route, "name:")],
                remediation=[
                    f"oc -n {route.namespace} get events --sort-by=.lastTimestamp",
                    f"oc -n {route.namespace} get pods -o wide",
                ],
                first_seen=facts["first_seen"],
                last_seen=facts["last_seen"],
                affected_requests=facts["affected_requests"],
                confidence="medium",
            )


def _target_port_mismatch(ctx: Context, route: common.RouteRef) -> bool:
    target = common.backend_rows(ctx, route).iloc[0]["target_port"]
    if not isinstance(target, str):
        return False
    eps = ctx.snap.frame("endpoints")
    mine = eps[(eps["namespace"] == route.namespace) & eps["service"].isin(list(route.services))]
    return not mine.empty and (route.endpoints_total or 0) == 0


def _service_missing(ctx: Context, route: common.RouteRef) -> bool:
    return (
        bool(route.services)
        and common.has_resource(ctx, route.namespace, "services")
        and all(common.service_row(ctx, route.namespace, s) is None for s in route.services)
    )


def _zero_ready(ctx: Context, route: common.RouteRef, nosrv: pd.DataFrame) -> Finding:
    pods = common.route_pods(ctx, route)
    deployments = ctx.snap.frame("deployments")
    workload = common.workload_of(ctx, pods)
    evidence: list[Evidence] = []
    reason = "the inputs do not say why"
    fix = [f"oc -n {route.namespace} get endpoints {route.services[0] if route.services else ''} -o yaml"]
    dep = deployments[
        (deployments["namespace"] == route.namespace)
        & (deployments["name"] == (workload[1] if workload else route.services[0] if route.services else ""))
    ]
    if not dep.empty and dep.iloc[0]["replicas"] == 0:
        reason = f"{dep.iloc[0]['kind']} {dep.iloc[0]['name']} is scaled to 0 replicas"
        evidence.append(object_evidence(ctx.snap, dep.iloc[0], "replicas: 0"))
        fix.append(
            f"oc -n {route.namespace} scale {str(dep.iloc[0]['kind']).lower()}/{dep.iloc[0]['name']} --replicas=2"
        )
    elif not pods.empty and (pods["phase"] == "Pending").any():
        pending = pods[pods["phase"] == "Pending"].iloc[0]
        reason = f"pod {pending['name']} is Pending"
        evidence.append(object_evidence(ctx.snap, pending, "phase: Pending"))
        fix.append(f"oc -n {route.namespace} describe pod {pending['name']}")
    elif not pods.empty:
        nodes = ctx.snap.frame("nodes")
        down = nodes[nodes["name"].isin(pods["node"].dropna()) & (nodes["ready"] == False)]  # noqa: E712
        if not down.empty:
            reason = f"node {down.iloc[0]['name']} is NotReady"
            evidence.append(object_evidence(ctx.snap, down.iloc[0], "type: Ready"))
            fix.append(f"oc describe node {down.iloc[0]['name']}")
    elif pods.empty and common.has_resource(ctx, route.namespace, "pods"):
        reason = "no pod backs the service"
    eps = ctx.snap.frame("endpoints")
    mine = eps[(eps["namespace"] == route.namespace) & eps["service"].isin(list(route.services))]
    if not mine.empty:
        evidence.append(object_evidence(ctx.snap, mine.iloc[0], "notReadyAddresses:"))
    evidence.append(common.route_evidence(ctx, route, "to:"))
    facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
    return Finding(
        code="E203",
        cause="no-ready-endpoints",
        severity=Severity.CRITICAL,
        namespace=route.namespace,
        route=route.name,
        service=route.services[0] if route.services else None,
        title=f"route {route.name} has no ready endpoint: {reason}",
        explanation=(
            f"The services behind route {route.name} have {route.endpoints_total} endpoint(s) and none is ready "
            f"({reason}). The router's backend has no server, so every request gets its 503 page."
            + (f" The access log shows {facts['affected_requests']} such responses." if facts else "")
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        confidence="high" if reason != "the inputs do not say why" else "medium",
    )


RULES = [service_selector_mismatch, readiness_probe_failing, no_ready_endpoints]
