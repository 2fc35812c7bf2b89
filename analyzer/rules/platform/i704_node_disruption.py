"""A node was cordoned, drained, rebooted or not ready while it ran the route's replicas.

## What it does

Reads the node events of `namespaces/default/core/events.yaml` (`NodeNotSchedulable`,
`NodeNotReady`, the machine-config daemon's `Cordon`/`Drain`/`Reboot`, `Rebooted`,
then `NodeReady`/`NodeSchedulable`) and the node objects (`Ready` condition,
`spec.unschedulable`) for the time each node went away and came back. Places each pod of
the route, present or gone from the archive, on its node (the pod's `Scheduled` event, else
its `spec.nodeName`, else its IP in the access log inside a node's pod subnet). Fires when
pods of the route ran on the node when it went away (a cordon alone counts only for pods
stopped during it): critical when every replica running then was on it (the route had
nothing left), warning when replicas elsewhere survived but router-side 5xx hit the evicted
ones. When the route's access log covers the disruption and holds no such 5xx, it stays
silent: the route rode it out. Claims the route's router-side 5xx from the start of the
disruption until the node was back that were sent to the evicted pods, and the `<NOSRV>`
503s when nothing was left. The findings of one node share the incident id
`node-disruption@<start>`.

## Why it matters

A drain (MachineConfig update, cluster upgrade) evicts every pod of the node at once. A
workload with one replica, or all its replicas on that node, has no server until the
replacements are scheduled elsewhere and pass their readiness probe: the router answers 503.

## Example

`Cordon: Cordoned node to apply update` and `Drain: Draining node to update config` on
`worker-1` at 08:39-08:40 while both `web` pods had been `Successfully assigned shop/web-…
to worker-1`; 503 `<NOSRV>` until the replacements were ready on `worker-2`.

## Remediation

Run at least two replicas spread over nodes (`topologySpreadConstraints` or pod
anti-affinity) and add a PodDisruptionBudget with `minAvailable: 1`, so a drain evicts one
replica at a time.

## Known problems

Node events live about three hours: an older drain is seen only in the node's current state.
A pod gone from the archive is placed only by its `Scheduled` event or, when the nodes say
their pod subnets (OVN), by its logged IP. PodDisruptionBudgets (`policy/poddisruptionbudgets.yaml`)
are matched to the pods' labels (the service selector's when no pod is left); the finding names
the ones that select the pods with their terms and `disruptionsAllowed` at collection, or says
that none does or that they were not collected; in those two cases it proposes one. Whether the drain actually waited
for a budget is not in the archive.

## References

report-contract.md (cause `node-disruption`); router-facts.md §8 (node drains and reboots).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.facts import KubeEvent
from analyzer.ledger import router_side_mask
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity, rfc3339
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.platform.shared import moment, node_of_ip, once_per_snapshot, same_node, subnet_needle
from parsers.normal_lines import accepted_at

RULE = rule(
    code="I704",
    name="node-disruption",
    cause="node-disruption",
    severity=Severity.CRITICAL,
)


# Node events that say a node is going away (kubelet and machine-config daemon reasons) and that it is back.
NODE_GOING = ("NodeNotSchedulable", "NodeNotReady", "Cordon", "Drain", "OSUpdateStarted", "OSUpdateStaged", "Reboot",
              "Rebooted", "NodeShutdown")
NODE_BACK = ("NodeReady", "NodeSchedulable")
NODE_CORDON = ("NodeNotSchedulable", "Cordon")
_ASSIGNED = re.compile(r"Successfully assigned (?P<ns>[^/\s]+)/(?P<pod>\S+) to (?P<node>\S+)")


@dataclass(frozen=True)
class NodeDisruption:
    """A node that went away (cordoned, drained, rebooted, not ready) from ``start`` until ``end`` (None: not back)."""

    node: str
    start: datetime
    end: datetime | None
    signs: tuple[KubeEvent, ...]  # the node events that say it went away, oldest first
    back: KubeEvent | None  # the event that says it was back
    node_row: pd.Series | None  # the node object, when it still shows the fault at collection

    @property
    def takes_pods(self) -> bool:
        """Drained, rebooted or not ready: its pods stopped. A cordon alone only keeps new pods away."""
        if self.node_row is not None and self.node_row["ready"] is not True:
            return True
        return any(e.reason not in NODE_CORDON for e in self.signs)


@dataclass(frozen=True)
class PodPlace:
    """Where one pod of a route ran, and since when (its ``Scheduled`` event, else its creation)."""

    name: str
    node: str
    since: datetime | None
    gone: datetime | None  # its last ``Killing`` event, or deletion; None while it runs
    evidence: Evidence


def node_disruptions(ctx: Context) -> list[NodeDisruption]:
    """Every node disruption of the snapshot, computed once: from node events, else the node object's state."""
    return once_per_snapshot(ctx, "node-disruptions", lambda: _node_disruptions(ctx))


def _node_disruptions(ctx: Context) -> list[NodeDisruption]:
    nodes = common.whole_frame(ctx, "nodes")
    by_name = {str(r["name"]): r for _, r in nodes.iterrows()} if not nodes.empty else {}
    events: dict[str, list[KubeEvent]] = {}
    for e in ctx.facts.events(kind="Node"):
        if e.name:
            events.setdefault(e.name, []).append(e)
    out = []
    for name in sorted(set(events) | set(by_name)):
        row = by_name.get(name)
        down_now = row is not None and (row["ready"] is False or bool(row["unschedulable"]) is True)
        going = sorted((e for e in events.get(name, []) if e.reason in NODE_GOING and e.first_seen),
                       key=lambda e: e.first_seen)
        if going:
            start = going[0].first_seen
            last = max(e.last_seen or e.first_seen for e in going)
            back = [e for e in events.get(name, []) if e.reason in NODE_BACK and e.last_seen and e.last_seen >= last]
            came_back = max(back, key=lambda e: e.last_seen) if back and not down_now else None
            out.append(NodeDisruption(name, start, came_back.last_seen if came_back else None, tuple(going),
                                      came_back, row if down_now else None))
        elif down_now and row is not None:
            since = moment(row["ready_since"]) if row["ready"] is False else _taint_time(row["taints"])
            if since is not None:
                out.append(NodeDisruption(name, since, None, (), None, row))
    return out


def _taint_time(taints: object) -> datetime | None:
    """When the ``node.kubernetes.io/unschedulable`` taint was added (the cordon), if written."""
    try:
        items = json.loads(str(taints)) if isinstance(taints, str) else []
    except ValueError:
        return None
    for t in items if isinstance(items, list) else []:
        if isinstance(t, dict) and t.get("key") == "node.kubernetes.io/unschedulable" and t.get("timeAdded"):
            return moment(pd.to_datetime(t["timeAdded"], utc=True, errors="coerce"))
    return None


def route_pod_places(ctx: Context, route: common.RouteRef) -> list[PodPlace]:
    """The route's pods, present or gone, each with its node: its ``Scheduled`` event, else the pod
    object, else the node whose pod subnet holds the pod's IP in the access log.

    Pods gone from the archive count when the route's access-log lines name them or when their name
    starts with the name of the workload that owns the route's present pods. A pod placed by its IP
    alone was gone, at the latest, after its last line in the log.
    """
    present = common.route_pods(ctx, route)
    names = {str(n) for n in present["name"]} if not present.empty else set()
    req = common.route_requests(ctx, route)
    if not req.empty:
        names |= {str(p) for p in req["pod"].dropna().unique()}
    counted = ctx.normal_lines.route_keys(route.namespace, route.name)  # the lines the route's rows leave out
    if not counted.empty:
        names |= {str(p) for p in counted["pod"].dropna().unique()}
    workload = common.workload_of(ctx, present)
    if workload is not None:
        names |= {n for n in _gone_pod_names(ctx, route.namespace) if n.startswith(f"{workload[1]}-")}
    scheduled = _scheduled(ctx, route.namespace)
    rows = {str(r["name"]): r for _, r in present.iterrows()} if not present.empty else {}
    killed = _killed(ctx, route.namespace)
    out = []
    for name in sorted(names):
        row, sched = rows.get(name), scheduled.get(name)
        if sched is not None:
            node, event = sched
            evidence = common.fact_evidence(ctx, event.where, f"to {node}", event.message or "")
            since = event.first_seen
        elif row is not None and pd.notna(row["node"]):
            node, since = str(row["node"]), moment(row["created"])
            evidence = object_evidence(ctx.snap, row, "nodeName:")
        else:
            placed = _placed_by_ip(ctx, req, counted, name)
            if placed is None:
                continue
            node, evidence, last_line = placed
            out.append(PodPlace(name, node, None, killed.get(name) or last_line, evidence))
            continue
        gone = killed.get(name) or (moment(row["deleted"]) if row is not None else None)
        out.append(PodPlace(name, node, since, gone, evidence))
    return out


def _placed_by_ip(ctx: Context, req: pd.DataFrame, counted: pd.DataFrame,
                  pod: str) -> tuple[str, Evidence, datetime | None] | None:
    """(node, the node's subnet line, the pod's last log line) for a pod known only by the access log.

    ``req``: the route's rows; ``counted``: the keys of its counted normal lines
    (``NormalLines.route_keys``), which name a pod and its IP as a row does.
    """
    ips, last = _pod_ips(req, counted, pod)
    for ip in ips:
        found = node_of_ip(ctx, ip)
        if found is not None:
            node, row = found
            return node, object_evidence(ctx.snap, row, subnet_needle(row, ip)), last
    return None


def _pod_ips(req: pd.DataFrame, counted: pd.DataFrame, pod: str) -> tuple[list[str], datetime | None]:
    """The IPs the route's lines name for ``pod``, in the order they first appear, and when its last line was.

    Both the rows and the counted normal lines tell: a pod whose every answer was a normal line is as
    well known by its IP as one with rows. The rows' IPs keep the frame's order when no counted line
    names the pod; otherwise each IP is placed by its first line of either kind (the frame orders a
    route's rows by time, so both read the same order).
    """
    mine = req[(req["pod"].astype("string") == pod).fillna(False)] if not req.empty else req
    first: dict[str, int | None] = {}  # ip -> its first row's accept time (ms; None: no time)
    for ip, ts in zip(mine["server_ip"], mine["ts"], strict=True) if not mine.empty else ():
        if pd.notna(ip) and str(ip) not in first:
            first[str(ip)] = None if pd.isna(ts) else pd.Timestamp(ts).value // 1_000_000
    last = mine["ts"].max() if not mine.empty else pd.NaT
    keys = counted[(counted["pod"] == pod).fillna(False).astype(bool)] if not counted.empty else counted
    if keys.empty:
        return list(first), moment(last)
    for ip, at in keys.dropna(subset=["server_ip"]).groupby("server_ip", sort=False)["first"].min().items():
        seen = first.get(str(ip))
        first[str(ip)] = int(at) if seen is None else min(seen, int(at))
    newest = accepted_at(keys["last"].max())
    last = newest if pd.isna(last) else max(pd.Timestamp(last), newest)
    order = sorted(first, key=lambda ip: (first[ip] is None, first[ip] or 0))
    return order, moment(last)


def _gone_pod_names(ctx: Context, namespace: str) -> list[str]:
    """Pods that events of the namespace name but the archive does not hold, read once per namespace."""
    key = ("gone-pod-names", namespace)
    if key not in ctx._cache:
        named = {e.name for e in ctx.facts.events(namespace, kind="Pod") if e.name}
        ctx._cache[key] = sorted(n for n in named if not ctx.facts.objects.pod_exists(namespace, n))
    return ctx._cache[key]


def _killed(ctx: Context, namespace: str) -> dict[str, datetime]:
    """Pod -> its last ``Killing`` event, read once per namespace."""
    key = ("killed", namespace)
    if key not in ctx._cache:
        found: dict[str, datetime] = {}
        for e in ctx.facts.events(namespace, kind="Pod", reason="Killing"):
            if e.name and e.last_seen and (e.name not in found or e.last_seen > found[e.name]):
                found[e.name] = e.last_seen
        ctx._cache[key] = found
    return ctx._cache[key]


def _scheduled(ctx: Context, namespace: str) -> dict[str, tuple[str, KubeEvent]]:
    """Pod -> (node, its ``Scheduled`` event) for the namespace, read once per namespace."""
    key = ("scheduled", namespace)
    if key not in ctx._cache:
        found: dict[str, tuple[str, KubeEvent]] = {}
        for e in ctx.facts.events(namespace, kind="Pod", reason="Scheduled"):
            m = _ASSIGNED.search(e.message or "")
            if m and m.group("pod") == e.name:
                found[e.name] = (m.group("node"), e)
        ctx._cache[key] = found
    return ctx._cache[key]


def _alive_at(place: PodPlace, when: datetime) -> bool:
    return (place.since is None or place.since <= when) and (place.gone is None or place.gone >= when)


@RULE.check
def node_disruption(ctx: Context) -> Iterator[Finding]:
    disruptions = node_disruptions(ctx)
    if not disruptions:
        return
    for route in common.routes(ctx):
        places = route_pod_places(ctx, route)
        for d in disruptions:
            on_node = [p for p in places if same_node(p.node, d.node) and _alive_at(p, d.start)
                       and (d.takes_pods or _stopped_during(p, d))]
            if not on_node:
                continue
            elsewhere = [p for p in places if not same_node(p.node, d.node) and _alive_at(p, d.start)]
            rows = _evicted_errors(ctx, route, d, {p.name for p in on_node}, nosrv=not elsewhere)
            if rows.empty and (elsewhere or _logged_during(ctx, route, d)):
                continue  # replicas elsewhere carried it, or the route's requests of that time succeeded
            yield _disrupted(ctx, route, d, on_node, elsewhere, rows)


def _stopped_during(place: PodPlace, d: NodeDisruption) -> bool:
    return place.gone is not None and d.start <= place.gone and (d.end is None or place.gone <= d.end)


def _logged_during(ctx: Context, route: common.RouteRef, d: NodeDisruption) -> bool:
    """Whether the route's access log has requests in the disruption (then the log, not the node, tells)."""
    req = common.route_requests(ctx, route)
    if not req.empty:
        ts = req["ts"]
        during = (ts >= pd.Timestamp(d.start)) & ((ts <= pd.Timestamp(d.end)) if d.end else True)
        if bool(during.fillna(False).any()):
            return True
    return ctx.normal_lines.count_between(route.namespace, route.name, d.start, d.end) > 0


def _evicted_errors(ctx: Context, route: common.RouteRef, d: NodeDisruption, pods: set[str], *,
                    nosrv: bool) -> pd.DataFrame:
    """Router-side 5xx of the route during the disruption, sent to the evicted pods (or to none, if none was left)."""
    req = common.route_requests(ctx, route)
    if req.empty:
        return req
    ts = req["ts"]
    during = (ts >= pd.Timestamp(d.start)) & ((ts <= pd.Timestamp(d.end)) if d.end else True)
    target = req["pod"].astype("string").isin(pods)
    if nosrv:
        target = target | (req["server_kind"].astype("string") == "nosrv")
    keep = (router_side_mask(req) & during.fillna(False) & target.fillna(False)).astype(bool)
    return req[keep]


def _disrupted(ctx: Context, route: common.RouteRef, d: NodeDisruption, on_node: list[PodPlace],
               elsewhere: list[PodPlace], rows: pd.DataFrame) -> Finding:
    evidence = [common.fact_evidence(ctx, e.where, e.reason or "", e.message or "") for e in d.signs[:2]]
    if d.node_row is not None:
        needle = "unschedulable: true" if bool(d.node_row["unschedulable"]) else "type: Ready"
        evidence.append(object_evidence(ctx.snap, d.node_row, needle))
    evidence += [p.evidence for p in on_node[:2]]
    evidence += log_evidence(ctx.snap, rows, limit=2)
    if d.back is not None:
        evidence.append(common.fact_evidence(ctx, d.back.where, d.back.reason or "", d.back.message or ""))
    first, last = common.span(rows)
    names = ", ".join(p.name for p in on_node)
    how = ", ".join(dict.fromkeys(e.reason for e in d.signs if e.reason)) or "not ready or cordoned at collection"
    alone = not elsewhere
    back = f"it was back at {common.hhmm(d.end)}" if d.end else "it was not back when the inputs were collected"
    errors = f"; {len(rows)} router-side 5xx of the route in that time went to them or found no server" if len(
        rows) else ""
    pods = common.route_pods(ctx, route)
    workload = common.workload_of(ctx, pods)
    target = f"{workload[0]}/{workload[1]}" if workload else "deployment/DEPLOYMENT"
    fill_in = [] if workload else [common.FILL_IN_WORKLOAD]
    selector = _pod_selector(ctx, route)
    budgets = _budgets(ctx, route, pods, selector)
    evidence += [object_evidence(ctx.snap, row, "disruptionsAllowed") for row in (budgets or [])[:1]]
    spread = json.dumps({"spec": {"template": {"spec": {"topologySpreadConstraints": [{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector or {"LABEL": "VALUE"}}}]}}}}, separators=(",", ":"))
    scale = f"oc -n {route.namespace} scale {target} --replicas=2" + "".join(f"   # {n}" for n in fill_in)
    fix = [scale] if len(on_node) + len(elsewhere) < 2 else []
    unlabelled = [] if selector else ["LABEL: VALUE: a label of the route's pods"]
    notes = ["replicas on different nodes", *fill_in, *unlabelled]
    fix += [f"oc -n {route.namespace} patch {target} --type=merge -p '{spread}'   # " + "; ".join(notes)]
    if not budgets:  # none selects the pods, or none was collected (then: if the namespace has none)
        fix.append(f"oc -n {route.namespace} create poddisruptionbudget {route.name} --min-available=1 --selector="
                   + (",".join(f"{k}={v}" for k, v in sorted(selector.items())) if selector
                      else "LABELS   # LABELS: key=value labels of the route's pods"))
    return RULE.finding(
        severity=Severity.CRITICAL if alone else Severity.WARNING,
        namespace=route.namespace, route=route.name, service=common.first_service(route),
        names=common.command_names(ctx, route, d.node),
        title=(f"node {d.node} went away while it ran " + ("every replica" if alone else "replicas")
               + f" of route {route.name}"),
        explanation=(f"Node {d.node} went away at {common.hhmm(d.start)} ({how}); {back}. It ran {names} of route "
                     f"{route.name}" + (", and no other replica was running then: the route had no server until "
                                        "replacements were scheduled elsewhere and became ready" if alone else
                                        f", while {', '.join(p.name for p in elsewhere)} ran elsewhere")
                     + errors + ". " + _budget_sentence(route, budgets)),
        evidence=evidence,
        remediation=fix,
        diagnostics=[f"oc get events -n default --field-selector involvedObject.name={d.node} "
                     "--sort-by=.lastTimestamp",
                     f"oc -n {route.namespace} get pods -o wide",
                     f"oc -n {route.namespace} get pdb"],
        first_seen=first, last_seen=last, affected_requests=len(rows), claims=rows.index if len(rows) else NO_CLAIMS,
        began_at=d.start, ended_at=d.end,
        status_at_collection=IncidentStatus.ENDED if d.end else IncidentStatus.ONGOING,
        incident=f"node-disruption@{rfc3339(d.start)}",
    )


def _budgets(ctx: Context, route: common.RouteRef, pods: pd.DataFrame,
             selector: dict[str, str]) -> list[pd.Series] | None:
    """The PodDisruptionBudgets that select the route's pods; None when the namespace's were not collected.

    A pod's own labels when the archive has one, else the service selector's (every pod the
    service sends to carries at least those).
    """
    if not common.has_resource(ctx, route.namespace, "poddisruptionbudgets"):
        return None
    pod_labels = (common.labels_of(value) for value in pods["labels"]) if len(pods) else iter(())
    labels = next((found for found in pod_labels if found), selector)
    found = []
    for _, row in ctx.snap.frame("pdbs").iterrows():
        if row["namespace"] != route.namespace or not isinstance(row["selector"], str):
            continue
        try:
            chosen = json.loads(row["selector"])
        except ValueError:
            continue
        if isinstance(chosen, dict) and labels and common.label_selector_matches(chosen, labels):
            found.append(row)
    return found


def _budget_sentence(route: common.RouteRef, budgets: list[pd.Series] | None) -> str:
    """What the PodDisruptionBudgets say: none collected, none selecting the pods, or each one's terms."""
    if budgets is None:
        return (f"The PodDisruptionBudgets of namespace {route.namespace} were not collected, so whether one "
                "limited the eviction is unknown.")
    if not budgets:
        return (f"No PodDisruptionBudget of namespace {route.namespace} selects these pods: a drain may evict all "
                "of them at once.")
    terms = []
    for row in budgets:
        limit = (f"minAvailable {row['min_available']}" if isinstance(row["min_available"], str)
                 else f"maxUnavailable {row['max_unavailable']}" if isinstance(row["max_unavailable"], str)
                 else "no limit")
        allowed = row["disruptions_allowed"]
        terms.append(f"{row['name']} ({limit}" + (f", {int(allowed)} disruptions allowed at collection)"
                                                   if not pd.isna(allowed) else ")"))
    return ("PodDisruptionBudget " + ", ".join(terms) + " selects these pods: a drain through the eviction API "
            "respects it, a node that fails or reboots without a drain does not.")


def _pod_selector(ctx: Context, route: common.RouteRef) -> dict[str, str]:
    """The selector of the route's first service: the labels a spread constraint or a PDB must match."""
    row = common.service_row(ctx, route.namespace, route.services[0]) if route.services else None
    return common.labels_of(row["selector"]) if row is not None else {}
