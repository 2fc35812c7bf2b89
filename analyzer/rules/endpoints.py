"""Endpoint rules: the route's services have no ready endpoints, and why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common
from analyzer.rules.network import policy_blocks_router
from analyzer.rules.ports import named_target_port_missing
from analyzer.rules.routes import every_weighted_backend_missing, memo, route_backends, target_port_matches_nothing

TEMPLATE_LABELS = ("pod-template-hash", "controller-revision-hash", "deployment", "deploymentconfig",
                   "statefulset.kubernetes.io/pod-name", "pod-template-generation")
NEAR = pd.Timedelta(minutes=2)  # how close a pod change must be to a burst of 503s to be named beside it


@dataclass(frozen=True)
class SelectorMiss:
    service: pd.Series
    selector: dict[str, str]


def _weighted_services(ctx: Context, route: common.RouteRef) -> list[str]:
    rows = route_backends(ctx, route)
    return [str(s) for s, w in zip(rows["service"], rows["weight"], strict=True)
            if isinstance(s, str) and (pd.isna(w) or int(w) > 0)]


def _has_endpoints(ctx: Context, service: str) -> bool:
    with_endpoints = memo(ctx, ("services-with-endpoints",),
                          lambda: frozenset(ctx.snap.frame("endpoints")["service"].dropna()))
    return service in with_endpoints


def selector_misses(ctx: Context, route: common.RouteRef) -> list[SelectorMiss]:
    """The route's weighted services whose selector matches no pod of the (collected) namespace."""
    return memo(ctx, ("selector-misses", route.namespace, route.name), lambda: _selector_misses(ctx, route))


def _selector_misses(ctx: Context, route: common.RouteRef) -> list[SelectorMiss]:
    if not common.has_resource(ctx, route.namespace, "pods"):
        return []
    if ctx.snap.frame("pods").empty:
        return []  # nothing to select at all: scaled to zero or not deployed (E203 says which)
    out = []
    for name in _weighted_services(ctx, route):
        if _has_endpoints(ctx, name):
            continue
        svc = common.service_row(ctx, route.namespace, name)
        if svc is None:
            continue
        selector = common.labels_of(svc["selector"])
        if selector and common.selected_pods(ctx, route.namespace, selector).empty:
            out.append(SelectorMiss(svc, selector))
    return out


def closest_pod(pods: pd.DataFrame, selector: dict[str, str]) -> tuple[pd.Series, dict[str, str]] | None:
    """The pod whose labels come nearest the selector: most equal pairs, then most shared keys."""
    best: tuple[float, pd.Series, dict[str, str]] | None = None
    for _, p in pods.iterrows():
        labels = common.labels_of(p["labels"])
        score = sum(labels.get(k) == v for k, v in selector.items()) + 0.5 * sum(k in labels for k in selector)
        if score > 0 and (best is None or score > best[0]):
            best = (score, p, labels)
    return None if best is None else (best[1], best[2])


def suggested_selector(selector: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """A selector the closest pod satisfies: the selector's keys it carries, with its values."""
    kept = {k: labels[k] for k in selector if k in labels}
    if kept:
        return kept
    return {k: v for k, v in labels.items() if k not in TEMPLATE_LABELS}


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
        For each weighted service of a route whose selector is set and whose endpoints are empty, looks
        for pods of the namespace whose labels contain every selector pair (only when the namespace's pods
        were collected and it has pods at all). Names the pod whose labels come closest and the selector it
        would match. Critical when the route is left without a ready endpoint, warning when other
        backends still serve it. With access logs, the route's 503 ``<NOSRV>`` answers are counted.

    Why it matters:
        No pod is selected, so the service has no endpoints and the router's backend has no servers:
        every request gets 503 ``<NOSRV>``.

    Example:
        Service selector ``app: profile, tier: web`` while the pods are labelled ``app: profile``.

    Remediation:
        Make the selector match the pod template labels (the command uses the closest pod's labels), or
        fix the labels in the Deployment's pod template.

    Known problems:
        Pods that were not collected cannot be matched; a selector written for pods that do not exist
        yet (scaled to zero) is reported by E203 instead.

    References:
        runbook-502.md step 2; router-facts.md §5 (selector ↔ pod labels), §6 (No ready endpoints / selector
        mismatch); KCS 7013260.
    """
    pods = ctx.snap.frame("pods")
    for route in common.routes(ctx):
        misses = selector_misses(ctx, route)
        if not misses:
            continue
        nosrv = _nosrv(ctx, route)
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        severity = Severity.WARNING if route.endpoints_ready else Severity.CRITICAL
        for miss in misses:
            yield _selector_finding(ctx, route, miss, pods, facts, severity)


def _selector_finding(ctx: Context, route: common.RouteRef, miss: SelectorMiss, pods: pd.DataFrame, facts: dict,
                      severity: Severity) -> Finding:
    svc, selector = miss.service, miss.selector
    sel = ",".join(f"{k}={v}" for k, v in selector.items())
    evidence = [object_evidence(ctx.snap, svc, "selector:")]
    hint = ""
    fix = [f"oc -n {route.namespace} get pods --show-labels"]
    near = closest_pod(pods, selector)
    if near is not None:
        pod, labels = near
        shown = {k: v for k, v in labels.items() if k not in TEMPLATE_LABELS}
        hint = f" The closest pod, {pod['name']}, has labels {shown}."
        key = next((k for k in selector if k in labels), next(iter(shown), None))
        evidence.append(object_evidence(ctx.snap, pod, f"{key}:" if key else "labels:"))
        new = ",".join(f"{k}={v}" for k, v in suggested_selector(selector, labels).items())
        fix.append(f"oc -n {route.namespace} set selector service/{svc['name']} '{new}'")
    else:
        fix.append(f"oc -n {route.namespace} get deployments -o jsonpath='{{..template.metadata.labels}}'")
    return Finding(
        code="E201",
        cause="service-selector-mismatch",
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        service=str(svc["name"]),
        title=f"service {svc['name']} selects no pod ({sel})",
        explanation=(
            f"Service {svc['name']} selects pods with {sel}, and no pod in {route.namespace} has all these "
            f"labels, so its endpoints are empty and the router has no server from it for route {route.name}."
            + hint
            + (f" The access log shows {facts['affected_requests']} 503 <NOSRV> answers on the route." if facts
               else "")
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
    )


def probe_failing_pods(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Route pods that run (containers running, not being deleted) but are not Ready, with a readiness probe."""
    return memo(ctx, ("probe-failing", route.namespace, route.name), lambda: _probe_failing_pods(ctx, route))


def _probe_failing_pods(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return pods
    not_ready = pods[
        (pods["phase"] == "Running").fillna(False)
        & (pods["ready"] == False).fillna(False)  # noqa: E712 - nullable boolean
        & pods["deleted"].isna()
        & ~pods["node"].isin(not_ready_nodes(ctx))  # the node controller marked them, not their probe
    ]
    if not_ready.empty:
        return not_ready
    containers = _probed_containers(ctx, not_ready["name"].tolist())
    running = containers[(containers["state"] == "running").fillna(False)]
    return not_ready[not_ready["name"].isin(running["pod"])]


def not_ready_nodes(ctx: Context) -> set[str]:
    nodes = ctx.snap.frame("nodes")
    return set(nodes[(nodes["ready"] == False).fillna(False)]["name"].dropna())  # noqa: E712 - nullable boolean


def _probed_containers(ctx: Context, pods: list[str]) -> pd.DataFrame:
    c = ctx.snap.frame("containers")
    return c[c["pod"].isin(pods) & c["readiness_kind"].notna() & ~c["init"].fillna(False).astype(bool)]


def _nosrv(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC <NOSRV>: the backend had no usable server (not sQ, a queue timeout)."""
    return common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")


def _probe_events(ctx: Context, pods: list[str]) -> pd.DataFrame:
    ev = ctx.snap.frame("events")
    return ev[
        ev["involved_name"].isin(pods)
        & (ev["reason"] == "Unhealthy")
        & ev["message"].fillna("").str.startswith("Readiness probe failed")
    ]


def _server_errors_on(req: pd.DataFrame, pods: list[str]) -> pd.DataFrame:
    """5xx answered by these pods' servers, client aborts aside."""
    if req.empty:
        return req
    on_pods = req["pod"].astype("string").isin(pods).fillna(False)
    five = req["status"].between(500, 599).fillna(False)
    client = req["term"].astype("string").str.startswith(("C", "c")).fillna(False)
    return req[on_pods & five & ~client]


def _ready_left(ctx: Context, route: common.RouteRef, failing: pd.DataFrame) -> int:
    if route.endpoints_ready is not None:
        return route.endpoints_ready
    pods = common.route_pods(ctx, route)
    others = pods[~pods["name"].isin(failing["name"])]
    return int((others["ready"] == True).fillna(False).sum())  # noqa: E712 - nullable boolean


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
        Finds the route's pods that are ``Running`` with ``Ready=False``, not being deleted, whose probed
        containers are running, cites their not-ready status, the kubelet's ``Unhealthy`` events
        ("Readiness probe failed: ...") and the probe definition. Critical when no ready endpoint
        remains, warning when others still serve. With access logs, counts the router's 503
        ``<NOSRV>`` on the route from the time the pods went not ready, and the 5xx answered by the
        failing pods' servers.

    Why it matters:
        Not-ready pods are removed from the endpoints and from the router's backend. With none left,
        every request gets 503; with some left, capacity drops and the rest may saturate.

    Example:
        ``Readiness probe failed: HTTP probe failed with statuscode: 503`` on both web pods and
        ``be_edge_http:webshop:web/<NOSRV> 0/-1/-1/-1/0 503 2656 - - SCNN`` in the access log.

    Remediation:
        Find out why the health endpoint fails (``oc logs``, dependencies), or fix the probe (path,
        port, timeout, initial delay) so it reflects real readiness.

    Known problems:
        A probe that fails because a dependency is down is doing its job: fix the dependency. Without
        ``Unhealthy`` events (they expire after about 3 hours) the probe is inferred from the pod state
        and the finding says so (medium confidence).

    References:
        runbook-502.md step 3; router-facts.md §2 (only ready addresses become servers), §4.2, §6; KCS 7013260.
    """
    for route in common.routes(ctx):
        failing = probe_failing_pods(ctx, route)
        if failing.empty:
            continue
        yield _probe_finding(ctx, route, failing)


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _probe_finding(ctx: Context, route: common.RouteRef, failing: pd.DataFrame) -> Finding:
    names = failing["name"].tolist()
    events = _probe_events(ctx, names)
    left = _ready_left(ctx, route, failing)
    evidence: list[Evidence] = [object_evidence(ctx.snap, p, "type: Ready") for _, p in failing.head(3).iterrows()]
    evidence += [object_evidence(ctx.snap, e, "Readiness probe failed") for _, e in events.head(2).iterrows()]
    c = _probed_containers(ctx, names).iloc[0]
    evidence.append(object_evidence(ctx.snap, c, "readinessProbe:"))
    evidence.append(object_evidence(ctx.snap, failing.iloc[0], "ready: false"))
    since = failing["ready_since"].min()
    req = common.route_requests(ctx, route)
    nosrv = _nosrv(ctx, route)
    if not nosrv.empty and pd.notna(since):
        nosrv = nosrv[nosrv["ts"] >= since - pd.Timedelta(minutes=1)]
    on_pods = _server_errors_on(req, names)
    counted = pd.concat([nosrv, on_pods]) if not on_pods.empty else nosrv
    facts = common.log_facts(ctx, counted) if not counted.empty else {}
    probe = " ".join(str(x) for x in (c["readiness_kind"], c["readiness_path"], "port", c["readiness_port"])
                     if isinstance(x, str))
    last_msg = events.sort_values("last_seen").iloc[-1]["message"] if not events.empty else None
    agree = ""
    if facts:
        agree = (
            f" The access log agrees: {len(nosrv)} requests got the router's 503 <NOSRV>"
            + (f" and {len(on_pods)} got a 5xx from the failing pods" if not on_pods.empty else "")
            + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    workload = common.workload_of(ctx, failing)
    fix = [f"oc -n {route.namespace} describe pod {names[0]}", f"oc -n {route.namespace} logs {names[0]}"]
    if workload and c["readiness_kind"] == "httpGet":
        fix.append(
            f"oc -n {route.namespace} set probe {workload[0]}/{workload[1]} --readiness "
            f"--get-url=http://:{c['readiness_port']}{_text(c['readiness_path'], '/')} --timeout-seconds=3 "
            "--failure-threshold=3   # only if the probe itself is wrong"
        )
    total = len(common.route_pods(ctx, route))
    return Finding(
        code="E202",
        cause="readiness-probe-failing",
        severity=Severity.CRITICAL if left == 0 else Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        service=route.services[0] if route.services else None,
        title=f"{len(names)} of {total} pods fail their readiness probe ({probe})",
        explanation=(
            (f"Pods {', '.join(names)} are" if len(names) > 1 else f"Pod {names[0]} is")
            + " running but not ready"
            + (f" since {common.fmt_ts(since.to_pydatetime())}" if pd.notna(since) else "")
            + f"; their readiness probe ({probe}) fails"
            + (f': "{last_msg}"' if last_msg else " (no Unhealthy event left in the archive to quote)")
            + f". Not-ready pods are not servers of the router's backend; {left} ready endpoint(s) remain for "
            f"route {route.name}." + agree
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        first_seen=facts.get("first_seen") or (since.to_pydatetime() if pd.notna(since) else None),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="high" if not events.empty else "medium",
    )


def explained_elsewhere(ctx: Context, route: common.RouteRef) -> str | None:
    """Which other rule owns the route's missing endpoints (so E203 stays silent), or None."""
    if every_weighted_backend_missing(ctx, route):
        return "route-service-missing"
    if target_port_matches_nothing(ctx, route):
        return "route-target-port-mismatch"
    weighted = _weighted_services(ctx, route)
    missed = {str(m.service["name"]) for m in selector_misses(ctx, route)}
    if missed and all(s in missed or common.service_row(ctx, route.namespace, s) is None for s in weighted):
        return "service-selector-mismatch"
    if not probe_failing_pods(ctx, route).empty:
        return "readiness-probe-failing"
    if named_target_port_missing(ctx, route):
        return "service-port-mismatch"
    return None


@rule(
    code="E203", name="no-ready-endpoints", cause="no-ready-endpoints", severity=Severity.CRITICAL, needs=("endpoints",)
)
def no_ready_endpoints(ctx: Context) -> Iterator[Finding]:
    """No ready endpoint for another or unknown reason (scaled to zero, pending, node down, transient).

    What it does:
        Fires (critical) when a route has no ready endpoint and none of the causes with their own rule
        explains it (missing service, targetPort mismatch, selector mismatch, failing readiness probe,
        named targetPort absent from the containers): it names what the inputs show instead — workload
        scaled to zero, pods Pending (``FailedScheduling``), node NotReady, containers waiting, pods
        being deleted, no pod at all — or says the reason is unknown. With access logs it also fires
        (warning) for bursts (2 or more) of 503 ``SC`` ``<NOSRV>`` on a route that has ready endpoints
        now: a transient outage that was over by the time the must-gather ran; pod changes near the
        burst are named beside it.

    Why it matters:
        With no server in the backend, every request gets the router's 503 page.

    Example:
        Deployment ``replicas: 0`` behind the route and ``be_edge_http:finance:reports/<NOSRV>
        0/-1/-1/-1/0 503 2656 - - SCNN``; or ``FailedScheduling`` events on the only pod.

    Remediation:
        Scale the workload up, fix scheduling or the node, or look at what happened during the burst.

    Known problems:
        A transient outage's reason may be gone from the archive (events expire after ~3 h). When the
        endpoints were not collected the rule stays silent (the checklist says unknown).

    References:
        router-facts.md §4.2 (503 SC <NOSRV>), §3 (all servers DOWN), §6; KCS 7013260.
    """
    for route in common.routes(ctx):
        if route.endpoints_total is None:
            continue
        nosrv = _nosrv(ctx, route)
        if route.endpoints_ready == 0:
            if not explained_elsewhere(ctx, route):
                yield _zero_ready(ctx, route, nosrv)
        elif len(nosrv) >= 2 and not explained_elsewhere(ctx, route) and not policy_blocks_router(ctx, route):
            yield _transient(ctx, route, nosrv)


def _transient(ctx: Context, route: common.RouteRef, nosrv: pd.DataFrame) -> Finding:
    facts = common.log_facts(ctx, nosrv)
    changes = pod_changes_near(ctx, route, facts["first_seen"], facts["last_seen"])
    eps = ctx.snap.frame("endpoints")
    ready_now = eps[eps["service"].isin(list(route.services)) & (eps["ready"] == True).fillna(False)]  # noqa: E712
    evidence = facts["evidence"]
    if not ready_now.empty:
        evidence = [*evidence, object_evidence(ctx.snap, ready_now.iloc[0], str(ready_now.iloc[0]["ip"]))]
    else:
        evidence = [*evidence, common.route_evidence(ctx, route, "name:")]
    return Finding(
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
            f"has {route.endpoints_ready} ready endpoint(s): a transient outage that ended before the must-gather."
            + (f" Around that time: {'; '.join(changes)}." if changes
               else " Nothing in the archive changed around that time (restart, rollout, all servers DOWN?).")
        ),
        evidence=evidence,
        remediation=[
            f"oc -n {route.namespace} get events --sort-by=.lastTimestamp",
            f"oc -n {route.namespace} get pods -o wide",
        ],
        first_seen=facts["first_seen"],
        last_seen=facts["last_seen"],
        affected_requests=facts["affected_requests"],
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium",
    )


def pod_changes_near(ctx: Context, route: common.RouteRef, first: object, last: object) -> list[str]:
    """Pod starts, restarts and deletions within two minutes of a burst, in words."""
    if first is None or last is None:
        return []
    lo, hi = pd.Timestamp(first) - NEAR, pd.Timestamp(last) + NEAR
    out = []
    pods = common.route_pods(ctx, route)
    for _, p in pods.iterrows():
        for column, what in (("created", "was created"), ("deleted", "was being deleted")):
            if pd.notna(p[column]) and lo <= p[column] <= hi:
                out.append(f"pod {p['name']} {what} at {common.fmt_ts(p[column].to_pydatetime())}")
    containers = ctx.snap.frame("containers")
    for _, c in containers[containers["pod"].isin(pods["name"])].iterrows():
        if pd.notna(c["last_finished"]) and lo <= c["last_finished"] <= hi:
            out.append(f"container {c['pod']}/{c['name']} stopped ({c['last_reason']}) at "
                       f"{common.fmt_ts(c['last_finished'].to_pydatetime())}")
    return out[:4]


def workloads_behind(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Deployments/StatefulSets/DeploymentConfigs whose selector is consistent with a route service's selector."""
    deployments = ctx.snap.frame("deployments")
    if deployments.empty:
        return deployments
    keep = []
    for _, d in deployments.iterrows():
        dsel = _deployment_labels(d["selector"])
        hit = False
        for svc_name in route.services:
            svc = common.service_row(ctx, route.namespace, svc_name)
            ssel = common.labels_of(svc["selector"]) if svc is not None else {}
            shared = set(dsel) & set(ssel)
            if shared and all(dsel[k] == ssel[k] for k in shared):
                hit = True
        keep.append(hit or d["name"] in route.services)
    return deployments[keep]


def _deployment_labels(value: object) -> dict[str, str]:
    """matchLabels of a Deployment selector, or a DeploymentConfig's plain selector map."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return {}
    try:
        data = json.loads(str(value))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    labels = data.get("matchLabels", data if "matchExpressions" not in data else {})
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _zero_ready(ctx: Context, route: common.RouteRef, nosrv: pd.DataFrame) -> Finding:
    reason, evidence, fix = zero_ready_reason(ctx, route)
    eps = ctx.snap.frame("endpoints")
    mine = eps[eps["service"].isin(list(route.services))]
    if not mine.empty:
        not_ready = mine[(mine["ready"] == False).fillna(False)]  # noqa: E712 - nullable boolean
        row = not_ready.iloc[0] if not not_ready.empty else mine.iloc[0]
        evidence.append(object_evidence(ctx.snap, row, str(row["ip"])))
    evidence.append(common.route_evidence(ctx, route, "to:"))
    facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
    unknown = reason == UNKNOWN_REASON
    return Finding(
        code="E203",
        cause="no-ready-endpoints",
        severity=Severity.CRITICAL,
        namespace=route.namespace,
        route=route.name,
        service=route.services[0] if route.services else None,
        title=f"route {route.name} has no ready endpoint: {reason}",
        explanation=(
            f"The services behind route {route.name} "
            + (f"have {route.endpoints_total} endpoint(s) and none is ready" if route.endpoints_total
               else "have no endpoint at all")
            + f" ({reason}). The router's backend has no server, so every request gets its 503 page."
            + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> answers." if facts else "")
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium" if unknown else "high",
    )


UNKNOWN_REASON = "the inputs do not say why"


def first_clause(message: str, limit: int = 100) -> str:
    """The first sentence of a long event message, short enough for a title."""
    head = message.split(". ", 1)[0].rstrip(".")
    return head if len(head) <= limit else head[: limit - 1] + "…"


def zero_ready_reason(ctx: Context, route: common.RouteRef) -> tuple[str, list[Evidence], list[str]]:
    """Why nothing is ready, from the objects: (reason, evidence, remediation)."""
    ns = route.namespace
    fix = [f"oc -n {ns} get endpoints {' '.join(route.services)} -o yaml"]
    pods = common.route_pods(ctx, route)
    scaled = workloads_behind(ctx, route)
    scaled = scaled[(scaled["replicas"] == 0).fillna(False)]
    if not scaled.empty:
        d = scaled.iloc[0]
        kind = {"Deployment": "deployment", "StatefulSet": "statefulset", "DeploymentConfig": "dc"}.get(
            str(d["kind"]), str(d["kind"]).lower())
        return (f"{d['kind']} {d['name']} is scaled to 0 replicas", [object_evidence(ctx.snap, d, "replicas: 0")],
                [*fix, f"oc -n {ns} scale {kind}/{d['name']} --replicas=2"])
    if pods.empty:
        if common.has_resource(ctx, ns, "pods"):
            return "no pod backs the service", [], [*fix, f"oc -n {ns} get deployments,statefulsets,dc"]
        return UNKNOWN_REASON, [], fix
    pending = pods[(pods["phase"] == "Pending").fillna(False)]
    if not pending.empty:
        p = pending.iloc[0]
        evidence = [object_evidence(ctx.snap, p, "phase: Pending")]
        ev = ctx.snap.frame("events")
        sched = ev[(ev["involved_name"] == p["name"]) & (ev["reason"] == "FailedScheduling")]
        if not sched.empty:
            evidence.append(object_evidence(ctx.snap, sched.iloc[0], "message:"))
        message = sched.iloc[0]["message"] if not sched.empty else p["message"]
        detail = f": {first_clause(message)}" if isinstance(message, str) else ""
        return f"pod {p['name']} is Pending{detail}", evidence, [*fix, f"oc -n {ns} describe pod {p['name']}"]
    nodes = ctx.snap.frame("nodes")
    down = nodes[nodes["name"].isin(pods["node"].dropna()) & nodes["name"].isin(not_ready_nodes(ctx))]
    if not down.empty:
        n = down.iloc[0]
        return (f"node {n['name']} is NotReady", [object_evidence(ctx.snap, n, "type: Ready")],
                [*fix, f"oc describe node {n['name']}"])
    deleting = pods[pods["deleted"].notna()]
    if len(deleting) == len(pods):
        p = deleting.iloc[0]
        return (f"every pod is being deleted (pod {p['name']} since "
                f"{common.fmt_ts(p['deleted'].to_pydatetime())})",
                [object_evidence(ctx.snap, p, "deletionTimestamp:")], [*fix, f"oc -n {ns} get pods -o wide"])
    containers = ctx.snap.frame("containers")
    waiting = containers[containers["pod"].isin(pods["name"]) & (containers["state"] == "waiting").fillna(False)]
    if not waiting.empty:
        c = waiting.iloc[0]
        return (f"container {c['pod']}/{c['name']} is waiting ({c['state_reason']})",
                [object_evidence(ctx.snap, c, f"reason: {c['state_reason']}")],
                [*fix, f"oc -n {ns} describe pod {c['pod']}"])
    return UNKNOWN_REASON, [], [*fix, f"oc -n {ns} get pods -o wide"]


RULES = [service_selector_mismatch, readiness_probe_failing, no_ready_endpoints]
