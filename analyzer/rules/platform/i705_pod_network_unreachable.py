"""The pod network of the node running the route's pods was unreachable while they were ready.

## What it does

Reads the outages of the PodNetworkConnectivityChecks (`pod_network_connectivity_check/`,
`status.outages[]`) whose target is a node's `network-check-target` pod: the node comes
from that pod's IP, else from the check's name (`…-to-network-check-target-<node>`). For
each route with ready pods on that node, claims the router-side 5xx of the outage that
failed at the connection stage (`sC`/`SC`) on those pods, and the `<NOSRV>` 503s when
every ready pod of the route is on that node. Fires when it claims lines (critical when
every pod is on the node, else warning), or, without access-log lines of the route, when the
outage was still going on at collection (warning). Without a check, the access log alone
names a node when the connect timeouts (`sC`) of at least two routes of different services
all fall on ready pods of that node, none of theirs elsewhere, while pods on other nodes
answered through the router. The findings of one outage
share the incident id `pod-network-unreachable@<start>`.

## Why it matters

The pods are running and ready (the kubelet probes them from their own node), yet the router
on another node cannot open a connection to them: an SDN/OVN fault, MTU or a broken node
network. Pod-level checks all pass; the fault is between nodes.

## Example

`outages: - start: "2026-11-20T08:40:00Z" … message: "Connectivity outage detected:
network-check-target-worker-2: failed to establish a TCP connection to 10.129.2.5:8080: dial
tcp 10.129.2.5:8080: i/o timeout"` while `be_edge_http:shop:web` logs 503 `sC--` on the
pods of `worker-2`.

## Remediation

Check the node's network (OVN/SDN pods on that node, `oc adm top node`, the MTU of the
cluster network) and restart or drain the node whose pod network is unreachable.

## Known problems

PodNetworkConnectivityChecks are collected by must-gathers of 4.11 and later only. A check
tells that a source could not reach the node's target pod, not that the router could; the
access-log lines are what tie it to the route.

## References

report-contract.md (cause `pod-network-unreachable`); router-facts.md §8 (PodNetworkConnectivityCheck,
Layer4 timeout).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.ledger import router_side_mask
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity, rfc3339
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.platform.shared import moment, node_of_ip, once_per_snapshot, same_node, text
from analyzer.wording import plural

RULE = rule(
    code="I705",
    name="pod-network-unreachable",
    cause="pod-network-unreachable",
    severity=Severity.CRITICAL,
)


_TARGET = re.compile(r"-to-network-check-target-(?P<node>.+)$")
CONNECT_FAILED = ("sC", "SC")  # the router gave up connecting: timeout or refusal at the connection stage
MIN_ROUTES = 2  # routes of different services whose connect timeouts fall on one node
CONNECT_TIMEOUT = "sC"  # what an unreachable pod network looks like without a check: SYNs unanswered


@dataclass(frozen=True)
class Outage:
    """A PodNetworkConnectivityCheck outage towards the pod network of one node."""

    node: str
    start: datetime | None
    end: datetime | None
    row: pd.Series | None  # the check's outage; None when the access log alone shows it
    lines: pd.DataFrame | None = None  # access log alone: the connect failures on the node's pods, by route


def pod_network_outages(ctx: Context) -> list[Outage]:
    """Outages of the checks whose target is a node's ``network-check-target`` pod, computed once."""
    return once_per_snapshot(ctx, "pod-network-outages", lambda: _outages(ctx))


def logged_outages(ctx: Context) -> list[Outage]:
    """Nodes whose ready pods the router could not connect to, from the access log alone, computed once.

    The connect failures (``sC``/``SC`` on a pod server) of at least two routes of different services
    fall on ready pods of one node, and none of those routes failed to connect to a pod elsewhere.
    """
    return once_per_snapshot(ctx, "logged-outages", lambda: _logged_outages(ctx))


def _logged_outages(ctx: Context) -> list[Outage]:
    req = common.whole_frame(ctx, "requests")
    pods = common.whole_frame(ctx, "pods")
    if req.empty or pods.empty:
        return []
    connect = (router_side_mask(req) & (req["term"].astype("string") == CONNECT_TIMEOUT).fillna(False)
               & (req["server_kind"].astype("string") == "pod").fillna(False)).astype(bool)
    failed = req[connect & req["route"].notna()]
    if failed.empty:
        return []
    ready = pods[pods["ready"].fillna(False).astype(bool) & pods["node"].notna()]
    node_of = {(str(ns), str(n)): str(node) for ns, n, node in ready[["namespace", "name", "node"]].itertuples(
        index=False)}
    nodes = pd.Series([node_of.get((str(ns), str(p))) for ns, p in zip(failed["namespace"], failed["pod"],
                                                                       strict=True)], index=failed.index, dtype=object)
    failed = failed.assign(namespace=failed["namespace"].astype(object), route=failed["route"].astype(object),
                           _node=nodes)
    out = []
    for node, lines in failed[failed["_node"].notna()].groupby("_node"):
        routes = set(zip(lines["namespace"], lines["route"], strict=True))
        services = {(str(ns), str(svc)) for ns, svc in zip(lines["namespace"], lines["service"], strict=True)}
        mine = failed[[k in routes for k in zip(failed["namespace"], failed["route"], strict=True)]]
        if len(routes) < MIN_ROUTES or len(services) < MIN_ROUTES or (mine["_node"] != node).any():
            continue
        start, end = common.span(lines)
        if not _answered_elsewhere(ctx, req, node_of, str(node), start, end):
            continue
        out.append(Outage(str(node), start, end, None, lines.drop(columns="_node")))
    return out


def _outages(ctx: Context) -> list[Outage]:
    rows = common.whole_frame(ctx, "connectivity_outages")
    if rows.empty:
        return []
    pods = common.whole_frame(ctx, "pods")
    targets = pods[pods["name"].astype("string").str.startswith("network-check-target-").fillna(False)]
    by_ip = {str(p["pod_ip"]): str(p["node"]) for _, p in targets.iterrows() if pd.notna(p["node"])}
    known = [str(n) for n in common.whole_frame(ctx, "nodes")["name"].dropna()]
    out = []
    for _, r in rows.iterrows():
        ip = text(r["target"]).rsplit(":", 1)[0]
        m = _TARGET.search(text(r["check"]))
        node = by_ip.get(ip) or (m.group("node") if m else None)
        if node is None and (found := node_of_ip(ctx, ip)) is not None:
            node = found[0]
        if node:
            node = next((n for n in known if same_node(n, node)), node)  # the check names the node without domain
            out.append(Outage(node, moment(r["start"]), moment(r["end"]), r))
    return out


def _answered_elsewhere(ctx: Context, req: pd.DataFrame, node_of: dict[tuple[str, str], str], node: str,
                        start: datetime | None, end: datetime | None) -> bool:
    """Whether pods on another node answered through the router meanwhile (so the router itself could connect).

    An answer is a line the router did not fail (a row, or a counted normal line: those are never
    router-side 5xx) sent to a pod; a pod the inputs do not place counts as on ``node``.
    """
    if start is None or end is None:
        return False
    during = ((req["ts"] >= pd.Timestamp(start)) & (req["ts"] <= pd.Timestamp(end))).fillna(False)
    answered = req[during & ~router_side_mask(req) & (req["server_kind"].astype("string") == "pod").fillna(False)]
    if any(node_of.get((str(ns), str(p)), node) != node
           for ns, p in zip(answered["namespace"], answered["pod"], strict=True)):
        return True
    return _counted_answer_elsewhere(ctx, node_of, node, start, end)


def _counted_answer_elsewhere(ctx: Context, node_of: dict[tuple[str, str], str], node: str, start: datetime,
                              end: datetime) -> bool:
    """Whether a counted normal line of any route was sent to a pod on another node from ``start`` to ``end``."""
    counted = ctx.normal_lines
    for namespace, route in counted.routes():
        for pod in sorted(counted.distinct(namespace, route, "pod")):
            if node_of.get((str(namespace), str(pod)), node) == node:
                continue
            if counted.count_between(namespace, route, start, end, server_kind="pod", pod=pod) > 0:
                return True
    return False


@RULE.check
def pod_network_unreachable(ctx: Context) -> Iterator[Finding]:
    checked = pod_network_outages(ctx)
    logged = logged_outages(ctx)
    if not checked and not logged:
        return
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route)
        if pods.empty:
            continue
        ready = pods[pods["ready"].fillna(False).astype(bool)]
        named: set[str] = set()
        for outage in checked + logged:
            here = [same_node(str(n), outage.node) for n in ready["node"].astype("string").fillna("")]
            on_node = ready[here]
            if on_node.empty or (outage.row is None and outage.node in named):
                continue
            every = len(on_node) == len(ready)
            if outage.lines is not None:
                rows = outage.lines[(outage.lines["namespace"] == route.namespace)
                                    & (outage.lines["route"] == route.name)]
            else:
                rows = _unreachable_errors(ctx, route, outage, {str(n) for n in on_node["name"]}, nosrv=every)
            no_lines = (common.route_requests(ctx, route).empty
                        and not ctx.normal_lines.count(route.namespace, route.name))
            if rows.empty and not (no_lines and outage.end is None and outage.row is not None):
                continue
            named.add(outage.node)
            yield _unreachable(ctx, route, outage, on_node, rows, every)


def _unreachable_errors(ctx: Context, route: common.RouteRef, outage: Outage, pods: set[str], *,
                        nosrv: bool) -> pd.DataFrame:
    req = common.route_requests(ctx, route)
    if req.empty or outage.start is None:
        return req.iloc[0:0]
    ts = req["ts"]
    during = (ts >= pd.Timestamp(outage.start)) & ((ts <= pd.Timestamp(outage.end)) if outage.end else True)
    target = req["pod"].astype("string").isin(pods)
    if nosrv:
        target = target | (req["server_kind"].astype("string") == "nosrv")
    connect = req["term"].astype("string").isin(CONNECT_FAILED)
    keep = router_side_mask(req) & during.fillna(False) & target.fillna(False) & connect.fillna(False)
    return req[keep.astype(bool)]


def _outage_evidence(ctx: Context, outage: Outage, message: str) -> Evidence:
    """The outage's ``start:`` line (quoted as oc writes it, or not), else its message, else the check."""
    stamp = rfc3339(outage.start)
    needles = [f'start: "{stamp}"', f"start: '{stamp}'", f"start: {stamp}"] if stamp else []
    for needle in [*needles, message[:80]] if message else needles:
        found = object_evidence(ctx.snap, outage.row, needle)
        if needle in found.text:
            return found
    return object_evidence(ctx.snap, outage.row, "outages:")


def _unreachable(ctx: Context, route: common.RouteRef, outage: Outage, on_node: pd.DataFrame, rows: pd.DataFrame,
                 every: bool) -> Finding:
    message = text(outage.row["message"]) if outage.row is not None else ""
    evidence = [_outage_evidence(ctx, outage, message)] if outage.row is not None else []
    evidence += [object_evidence(ctx.snap, p, "nodeName:") for _, p in on_node.head(2).iterrows()]
    evidence += log_evidence(ctx.snap, rows, limit=2)
    first, last = common.span(rows)
    status = common.incident_status(ctx, route, last)
    names = ", ".join(str(n) for n in on_node["name"])
    until = f"until {common.hhmm(outage.end)}" if outage.end else "still at collection"
    errors = (f"; {plural(len(rows), 'request')} of the route failed in the router at the connection stage in that time"
              if len(rows) else "; the route has no access-log lines to show its requests")
    if outage.row is not None:
        said = (f"From {common.hhmm(outage.start)} {until}, connectivity check {outage.row['check']} could not "
                f"reach the pod network of node {outage.node}"
                + (f" (the outage record says: {message})" if message else ""))
        diagnostics = [f"oc -n openshift-network-diagnostics get podnetworkconnectivitycheck {outage.row['check']} "
                       "-o yaml"]
    else:
        routes = outage.lines[["namespace", "route"]].drop_duplicates() if outage.lines is not None else []
        said = (f"From {common.hhmm(outage.start)} to {common.hhmm(outage.end)} the router failed to connect to "
                f"ready pods on node {outage.node} for {len(routes)} routes of different services, and to no pod of "
                "theirs on another node (no PodNetworkConnectivityCheck outage in the inputs says more)")
        diagnostics = ["oc -n openshift-network-diagnostics get podnetworkconnectivitychecks -o yaml | "
                       "grep -B3 -A8 'outages:'   # collected by must-gathers of 4.11+"]
    diagnostics.append(f"oc get pods -A -o wide --field-selector spec.nodeName={outage.node} | grep -E 'ovnkube|sdn'")
    return RULE.finding(
        severity=Severity.CRITICAL if every and len(rows) else Severity.WARNING,
        namespace=route.namespace, route=route.name, service=common.first_service(route),
        names=common.command_names(ctx, route, outage.node, outage.row["check"] if outage.row is not None else None),
        title=f"the pod network of node {outage.node}, which runs route {route.name}'s pods, was unreachable",
        explanation=(said + f". Ready pods of route {route.name} run there: {names}" + errors + ". The pods pass their "
                     "own probes; the network between the router and that node is what fails."),
        evidence=evidence,
        remediation=[f"# restore the pod network of node {outage.node} (its ovnkube-node / sdn pod, the MTU), or:",
                     f"oc adm drain {outage.node} --ignore-daemonsets --delete-emptydir-data   # moves the pods"],
        diagnostics=diagnostics,
        first_seen=first, last_seen=last, affected_requests=len(rows), claims=rows.index if len(rows) else NO_CLAIMS,
        began_at=outage.start, ended_at=outage.end if outage.row is not None else status[1],
        status_at_collection=(IncidentStatus.ENDED if outage.end else IncidentStatus.ONGOING) if outage.row is not None
        else status[0],
        incident=f"pod-network-unreachable@{rfc3339(outage.start)}" if outage.start else None,
    )
