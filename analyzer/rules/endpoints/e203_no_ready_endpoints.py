"""No ready endpoint for another or unknown reason (scaled to zero, pending, node down, transient).

## What it does

Fires (critical) when a route has no ready endpoint and none of the causes with their own rule
explains it (missing service, targetPort mismatch, selector mismatch, failing readiness probe, named
targetPort absent from the containers): it names what the inputs show instead — workload scaled to
zero, pods Pending (`FailedScheduling`), node NotReady (the Node object, or a pod whose last event
is `NodeNotReady`), containers waiting, pods being deleted, no pod at all — or says the reason is
unknown. With access logs it also fires (warning) for bursts (2 or more) of 503 `SC` `<NOSRV>` on a
route that has ready endpoints now: a transient outage that was over by the time the must-gather
ran; pod changes near the burst are named beside it, and so is the route's Deployment scaled
(`ScalingReplicaSet` events from 10 minutes before it, which may date it; a scale to 0 and back asks
no rollout fix); when the log ends while the burst goes on but every ready pod of the route became
`Ready` after its last 503 and before the collection, the fault ended then (`ended_at`, the first of
those transitions); a burst logged after the objects were collected (router logs of a later day) is
told as such, the endpoints the objects show predating it. `<NOSRV>` lines of a `be_secure` backend
whose servers the health checks marked DOWN for a failed TLS handshake (`Layer6`) are P302's and not
counted, nor are those accepted while every pod of the route was down restarting (from a container's
termination to its pod's `Ready` transition): K601's. The first and last of the counted 503s date
the outage (`began_at`, and `ended_at` when the route's requests after the last one succeeded); with
no ready endpoint, the not-ready pods' `Ready` transition dates it when it lies at most 10 minutes
before the first 503.

## Why it matters

With no server in the backend, every request gets the router's 503 page.

## Example

Deployment `replicas: 0` behind the route and `be_edge_http:finance:reports/<NOSRV>
0/-1/-1/-1/0 503 2656 - - SCNN`; or `FailedScheduling` events on the only pod.

## Remediation

Scale the workload up, fix scheduling or the node, or look at what happened during the burst.
A transient outage whose pods were created or deleted around it (replicas replaced together, by
a rollout or a drain) gets the changes that keep one serving: `maxUnavailable: 0` and a
PodDisruptionBudget with `minAvailable: 1`; with no such change in the archive, none is guessed, nor
for a scale to 0 and back (its `ScalingReplicaSet` events): no rollout or drain setting keeps a replica
then.

## Known problems

A transient outage's reason may be gone from the archive (events expire after ~3 h). When the
endpoints were not collected the rule stays silent (the checklist says unknown).

## References

router-facts.md §4.2 (503 SC <NOSRV>), §3 (all servers DOWN), §6; KCS 7013260.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.facts import KubeEvent
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity
from analyzer.rule import rule
from analyzer.rules import backend_services, common, network_policies, target_ports
from analyzer.rules.endpoints import shared
from analyzer.rules.restarts import nosrv_while_down
from analyzer.windows import logged_after_collection
from analyzer.wording import plural

RULE = rule(
    code="E203",
    name="no-ready-endpoints",
    cause="no-ready-endpoints",
    severity=Severity.CRITICAL,
    needs=("endpoints",),
)


def explained_elsewhere(ctx: Context, route: common.RouteRef) -> str | None:
    """Which other rule owns the route's missing endpoints (so E203 stays silent), or None."""
    if backend_services.every_weighted_backend_missing(ctx, route):
        return "route-service-missing"
    if backend_services.target_port_matches_nothing(ctx, route):
        return "route-target-port-mismatch"
    weighted = shared.weighted_services(ctx, route)
    missed = {str(m.service["name"]) for m in shared.selector_misses(ctx, route)}
    if missed and all(s in missed or common.service_row(ctx, route.namespace, s) is None for s in weighted):
        return "service-selector-mismatch"
    if not shared.probe_failing_pods(ctx, route).empty:
        return "readiness-probe-failing"
    if target_ports.named_target_port_missing(ctx, route):
        return "service-port-mismatch"
    return None


@RULE.check
def no_ready_endpoints(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        if route.endpoints_total is None:
            continue
        nosrv = shared.nosrv(ctx, route)
        nosrv = nosrv.drop(common.tls_down_nosrv(ctx, route).index, errors="ignore")  # P302's: TLS checks failed
        nosrv = nosrv.drop(nosrv_while_down(ctx, route).index, errors="ignore")  # K601's: every pod restarting
        if route.endpoints_ready == 0:
            if not explained_elsewhere(ctx, route):
                yield _zero_ready(ctx, route, nosrv)
        elif (len(nosrv) >= 2 and not explained_elsewhere(ctx, route)
              and not network_policies.policy_blocks_router(ctx, route)):
            yield _transient(ctx, route, nosrv)


def _transient(ctx: Context, route: common.RouteRef, nosrv: pd.DataFrame) -> Finding:
    facts = common.log_facts(ctx, nosrv)
    replaced, changes = pod_changes_near(ctx, route, facts["first_seen"], facts["last_seen"])
    scaled = scaling_near(ctx, route, facts["first_seen"], facts["last_seen"])
    if any(_TO_ZERO.search(str(e.message)) for e in scaled):
        replaced = False  # scaled to 0 and back: the new pods came with the scale-up, no rollout or drain to fix
    changes = [*(f"{e.kind} {e.name}: {e.message} at {common.fmt_ts(e.last_seen)}" for e in scaled), *changes][:4]
    eps = ctx.snap.frame("endpoints")
    ready_now = eps[eps["service"].isin(list(route.services)) & (eps["ready"] == True).fillna(False)]  # noqa: E712
    evidence = facts["evidence"]
    if not ready_now.empty:
        evidence = [*evidence, object_evidence(ctx.snap, ready_now.iloc[0], str(ready_now.iloc[0]["ip"]))]
    else:
        evidence = [*evidence, common.route_evidence(ctx, route, "name:")]
    when, said = common.timing(ctx, route, facts, *(e.last_seen for e in scaled), source="the workload's scaling")
    back = ready_again(ctx, route, facts["last_seen"])
    if when["status_at_collection"] is IncidentStatus.ONGOING and back is not None:
        # the log ends while it fails, but the pods the objects show came up after its last 503, before collection
        when = {**when, "status_at_collection": IncidentStatus.ENDED, "ended_at": back}
        said = (f" It began at {common.hhmm(when['began_at'])}; the access log ends while it failed, and the route's "
                f"pods were ready again from {common.hhmm(back)} (their Ready transition).")
    evidence += [common.fact_evidence(ctx, e.where, "reason: ScalingReplicaSet", str(e.message)) for e in scaled[:2]]
    later = logged_after_collection(ctx.snap)  # type: ignore[arg-type]
    collected_before = later[0] if later is not None and facts["first_seen"] > later[0] else None
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=f"{plural(len(nosrv), 'request')} found no server; {route.endpoints_ready} endpoint(s) are ready now",
        explanation=(
            f"Between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])} the router "
            f"had no usable server for route {route.name} (503 <NOSRV>), "
            + (f"but at collection time the route has {route.endpoints_ready} ready endpoint(s): a transient outage "
               "that ended before the must-gather."
               + (f" Around that time: {'; '.join(changes)}." if changes
                  else " Nothing in the archive changed around that time (restart, rollout, all servers DOWN?).")
               if collected_before is None else
               f"after the objects were collected ({common.fmt_ts(collected_before)}): the "
               f"{route.endpoints_ready} ready endpoint(s) they show predate these errors, and what emptied the "
               "backend then is not in the inputs.")
            + said
        ),
        evidence=evidence,
        remediation=_keep_one_serving(ctx, route) if replaced else [],  # unknown cause: nothing to change
        diagnostics=[
            f"oc -n {route.namespace} get events --sort-by=.lastTimestamp",
            f"oc -n {route.namespace} get pods -o wide",
        ],
        first_seen=facts["first_seen"],
        last_seen=facts["last_seen"],
        affected_requests=facts["affected_requests"],
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium",
        **when,
    )


def _keep_one_serving(ctx: Context, route: common.RouteRef) -> list[str]:
    """The changes that keep a replica serving while the others are replaced: a rollout that starts the new
    pods before stopping the old (``maxUnavailable: 0``), and a PodDisruptionBudget so a drain evicts one at a
    time (selecting the pods by the route's service selector)."""
    workload = common.workload_of(ctx, common.route_pods(ctx, route))
    target = f"{workload[0]}/{workload[1]}" if workload else "deployment/DEPLOYMENT"
    service = common.service_row(ctx, route.namespace, route.services[0]) if route.services else None
    selector = common.labels_of(service["selector"]) if service is not None else {}
    labels = ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "LABELS"
    return [
        f"oc -n {route.namespace} patch {target} --type=merge -p "
        '\'{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0}}}}\'   # a rollout starts new pods first'
        + ("" if workload else f"; {common.FILL_IN_WORKLOAD}"),
        f"oc -n {route.namespace} create poddisruptionbudget {route.name} --min-available=1 --selector={labels}"
        "   # a drain evicts one replica at a time" + ("" if selector else "; LABELS: key=value labels of its pods"),
    ]


def pod_changes_near(ctx: Context, route: common.RouteRef, first: object, last: object) -> tuple[bool, list[str]]:
    """Pod starts, restarts and deletions within two minutes of a burst, in words (at most four), and whether
    a pod was created or deleted among them: replicas replaced together, by a rollout or a drain, rather than
    a container that crashed."""
    if first is None or last is None:
        return False, []
    lo, hi = pd.Timestamp(first) - windows.NEAR_EVENT, pd.Timestamp(last) + windows.NEAR_EVENT
    out = []
    pods = common.route_pods(ctx, route)
    for _, p in pods.iterrows():
        for column, what in (("created", "was created"), ("deleted", "was being deleted")):
            if pd.notna(p[column]) and lo <= p[column] <= hi:
                out.append(f"pod {p['name']} {what} at {common.fmt_ts(p[column].to_pydatetime())}")
    replaced = bool(out)  # the pods' changes come first
    containers = ctx.snap.frame("containers")
    for _, c in containers[containers["pod"].isin(pods["name"])].iterrows():
        if pd.notna(c["last_finished"]) and lo <= c["last_finished"] <= hi:
            out.append(f"container {c['pod']}/{c['name']} stopped ({c['last_reason']}) at "
                       f"{common.fmt_ts(c['last_finished'].to_pydatetime())}")
    return replaced, out[:4]


_TO_ZERO = re.compile(r"\bScaled down replica set \S+ to 0\b")


def scaling_near(ctx: Context, route: common.RouteRef, first: object, last: object) -> list[KubeEvent]:
    """The route's Deployment scaled (``ScalingReplicaSet`` events) from :data:`analyzer.rules.common.LEAD_TIME`
    before a burst to two minutes after it: a scale to 0 empties the backend whatever the pods do."""
    workload = common.route_workload(ctx, route)
    if first is None or last is None or workload is None or workload[0] != "deployment":
        return []
    lo, hi = pd.Timestamp(first) - common.LEAD_TIME, pd.Timestamp(last) + windows.NEAR_EVENT
    found = ctx.facts.events(route.namespace, kind="Deployment", name=workload[1], reason="ScalingReplicaSet")
    return sorted((e for e in found if e.last_seen is not None and lo <= pd.Timestamp(e.last_seen) <= hi),
                  key=lambda e: e.last_seen)


def ready_again(ctx: Context, route: common.RouteRef, last_error: object) -> datetime | None:
    """When the route's pods were ready again after a burst whose last 503 was ``last_error``: the earliest
    ``Ready`` transition of its ready pods, when every one of them lies after that 503 and before the objects
    were collected (the backend was empty until the first of them). None where the objects cannot tell."""
    collected = ctx.snap.collection_window[1]
    pods = common.route_pods(ctx, route)
    if last_error is None or collected is None or pods.empty:
        return None
    ready = pods[(pods["ready"] == True).fillna(False).astype(bool)]  # noqa: E712 - nullable boolean
    since = ready["ready_since"]
    if ready.empty or since.isna().any():
        return None
    first = since.min()
    if not pd.Timestamp(last_error) < first <= pd.Timestamp(collected):
        return None
    return first.to_pydatetime()


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
    reason, evidence, fix, checks = zero_ready_reason(ctx, route)
    eps = ctx.snap.frame("endpoints")
    mine = eps[eps["service"].isin(list(route.services))]
    if not mine.empty:
        not_ready = mine[(mine["ready"] == False).fillna(False)]  # noqa: E712 - nullable boolean
        row = not_ready.iloc[0] if not not_ready.empty else mine.iloc[0]
        evidence.append(object_evidence(ctx.snap, row, str(row["ip"])))
    evidence.append(common.route_evidence(ctx, route, "to:"))
    facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
    unknown = reason == UNKNOWN_REASON
    pods = common.route_pods(ctx, route)
    unready = pods[(pods["ready"] == False).fillna(False)] if not pods.empty else pods  # noqa: E712
    when, said = common.timing(ctx, route, facts, *(t.to_pydatetime() for t in unready.get("ready_since", [])
                                                    if pd.notna(t)), source="the pods' Ready transition")
    return RULE.finding(
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=f"route {route.name} has no ready endpoint: {reason}",
        explanation=(
            f"The services behind route {route.name} "
            + (f"have {route.endpoints_total} endpoint(s) and none is ready" if route.endpoints_total
               else "have no endpoint at all")
            + f" ({reason}). The router's backend has no server, so every request gets its 503 page."
            + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> answers." if facts else "")
            + said
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        diagnostics=checks,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium" if unknown else "high",
        **when,
    )


UNKNOWN_REASON = "the inputs do not say why"


def first_clause(message: str, limit: int = 100) -> str:
    """The first sentence of a long event message, short enough for a title."""
    head = message.split(". ", 1)[0].rstrip(".")
    return head if len(head) <= limit else head[: limit - 1] + "…"


def zero_ready_reason(ctx: Context, route: common.RouteRef) -> tuple[str, list[Evidence], list[str], list[str]]:
    """Why nothing is ready, from the objects: (reason, evidence, remediation, diagnostics).

    The remediation is empty when the inputs do not say what to change.
    """
    ns = route.namespace
    check = f"oc -n {ns} get endpoints {' '.join(route.services)} -o yaml"
    pods = common.route_pods(ctx, route)
    scaled = workloads_behind(ctx, route)
    scaled = scaled[(scaled["replicas"] == 0).fillna(False)]
    if not scaled.empty:
        d = scaled.iloc[0]
        kind = {"Deployment": "deployment", "StatefulSet": "statefulset", "DeploymentConfig": "dc"}.get(
            str(d["kind"]), str(d["kind"]).lower())
        return (f"{d['kind']} {d['name']} is scaled to 0 replicas", [object_evidence(ctx.snap, d, "replicas: 0")],
                [f"oc -n {ns} scale {kind}/{d['name']} --replicas=2"], [check])
    if pods.empty:
        if common.has_resource(ctx, ns, "pods"):
            return ("no pod backs the service", [],
                    [f"# deploy the workload that service {route.services[0] if route.services else ''} selects"],
                    [check, f"oc -n {ns} get deployments,statefulsets,dc"])
        return UNKNOWN_REASON, [], [], [check]
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
        return (f"pod {p['name']} is Pending{detail}", evidence,
                ["# free capacity, or relax the pod's requests, nodeSelector, affinity or tolerations so it schedules"],
                [check, f"oc -n {ns} describe pod {p['name']}"])
    nodes = ctx.snap.frame("nodes")
    down = nodes[nodes["name"].isin(pods["node"].dropna()) & nodes["name"].isin(shared.not_ready_nodes(ctx))]
    if not down.empty:
        n = down.iloc[0]
        return (f"node {n['name']} is NotReady", [object_evidence(ctx.snap, n, "type: Ready")],
                [f"oc adm drain {n['name']} --ignore-daemonsets --delete-emptydir-data   # if the node does not "
                 "come back: its pods start elsewhere"],
                [check, f"oc describe node {n['name']}"])
    marked = sorted(shared.marked_by_node_controller(ctx, ns) & set(pods["name"].astype(str)))
    if marked:
        e = next(e for e in ctx.facts.events(ns, kind="Pod", name=marked[0], reason="NodeNotReady"))
        return (f"the node of pod {marked[0]} stopped reporting (NodeNotReady at {common.fmt_ts(e.last_seen)})",
                [common.fact_evidence(ctx, e.where, "NodeNotReady", f"reason: NodeNotReady ({e.message})")],
                [f"# bring the node back, or delete pod {marked[0]} so it is scheduled on a ready node"],
                [check, f"oc -n {ns} get pods -o wide", "oc get nodes"])
    deleting = pods[pods["deleted"].notna()]
    if len(deleting) == len(pods):
        p = deleting.iloc[0]
        return (f"every pod is being deleted (pod {p['name']} since "
                f"{common.fmt_ts(p['deleted'].to_pydatetime())})",
                [object_evidence(ctx.snap, p, "deletionTimestamp:")], [], [check, f"oc -n {ns} get pods -o wide"])
    containers = ctx.snap.frame("containers")
    waiting = containers[containers["pod"].isin(pods["name"]) & (containers["state"] == "waiting").fillna(False)]
    if not waiting.empty:
        c = waiting.iloc[0]
        return (f"container {c['pod']}/{c['name']} is waiting ({c['state_reason']})",
                [object_evidence(ctx.snap, c, f"reason: {c['state_reason']}")],
                [f"# fix what keeps {c['pod']}/{c['name']} waiting ({c['state_reason']}): image, configuration, crash"],
                [check, f"oc -n {ns} describe pod {c['pod']}"])
    return UNKNOWN_REASON, [], [], [check, f"oc -n {ns} get pods -o wide"]
