"""Platform rules, part two: the router at its connection limit, nodes going away, pod networks unreachable.

``router-saturation`` (I703), ``node-disruption`` (I704) and ``pod-network-unreachable`` (I705). Each
rule keeps its helpers right below it, so it can move to a module of its own without taking
anything from the others. What every rule needs from the whole snapshot (not only the namespace the
runner hands it) is computed once per snapshot and kept beside the shared facts (:func:`_shared`).
Each cause touches several routes at once: one finding per affected route, all sharing an
``incident`` id (report-contract.md "Cluster context").
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.facts import KubeEvent
from analyzer.ledger import line_routes, router_side_mask
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity, rfc3339
from analyzer.registry import rule
from analyzer.rules import common
from analyzer.rules.routes import whole_frame

_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shared(ctx: Context, key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per snapshot: rules run once per namespace, router-wide facts need not be rebuilt."""
    memo = _SHARED.setdefault(ctx.facts, {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _moment(value: object) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _ic_of(route: common.RouteRef) -> str:
    """The IngressController that admitted the route (the first one named), ``default`` when unknown."""
    routers = route.row.get("admitted_routers")
    names = [n for n in str(routers).split(",") if n] if isinstance(routers, str) else []
    return names[0] if names else "default"


# ====================================================================== I703 router-saturation
DEFAULT_MAXCONN = 50000  # tuningOptions.maxConnections unset or 0: the router's default from 4.12 (router-facts.md §3)
OLD_DEFAULT_MAXCONN = 20000  # ... and up to 4.11
SATURATED = 0.9  # share of maxconn from which the router is at its limit
MIN_ROUTES = 2  # routes of different services failing in the same minutes


@dataclass(frozen=True)
class ConnLimit:
    """The router's connection limit, where it was read, and the line that says it (None for the default)."""

    value: int
    said: str
    evidence: Evidence | None


@dataclass(frozen=True)
class Saturation:
    """Minutes in which a router ran at its connection limit, and the router-side 5xx of routes then."""

    limit: ConnLimit
    start: datetime | None
    end: datetime | None
    peak: pd.Series  # the router-side 5xx logged at the highest actconn
    errors: pd.DataFrame  # those 5xx lines with the ``namespace``/``route`` they belong to
    routes: int


def router_maxconn(ctx: Context) -> ConnLimit | None:
    """The smallest ``global maxconn`` of the collected haproxy.config files, else the IngressController's
    ``tuningOptions.maxConnections``, else the router's default for the cluster's version. None when
    ``maxConnections: -1`` lets HAProxy size the limit itself (no ``maxconn`` line): unknown."""
    found: ConnLimit | None = None
    for pod, defaults in sorted(ctx.snap.router_defaults.items()):
        value = str(defaults.get("global maxconn", ""))
        if not value.isdigit():
            continue
        where = defaults.get("where") or {}
        line = (defaults.get("lines") or {}).get("global maxconn")
        evidence = None
        if where.get("source") and line:
            text = ctx.snap.source_line(where.get("input"), where["source"], int(line))
            evidence = Evidence(source=where["source"], line=int(line), text=(text or f"maxconn {value}").strip(),
                                input=where.get("input"))
        limit = ConnLimit(int(value), f"maxconn {value} in the global section of router {pod}'s haproxy.config",
                          evidence)
        if found is None or limit.value < found.value:
            found = limit
    if found is not None:
        return found
    ics = whole_frame(ctx, "ingresscontrollers")
    if not ics.empty and (ics["max_connections"] == -1).fillna(False).any():
        return None
    tuned = ics[(ics["max_connections"] > 0).fillna(False).astype(bool)] if not ics.empty else ics
    if not tuned.empty:
        row = tuned.sort_values("max_connections").iloc[0]
        value = int(row["max_connections"])
        return ConnLimit(value, f"IngressController {row['name']} tuningOptions.maxConnections {value}",
                         object_evidence(ctx.snap, row, "maxConnections"))
    version = _minor_version(whole_frame(ctx, "clusterversion"))
    value = OLD_DEFAULT_MAXCONN if version is not None and version < (4, 12) else DEFAULT_MAXCONN
    return ConnLimit(value, f"the router's default maxconn {value} (no haproxy.config collected, "
                     "tuningOptions.maxConnections unset)", None)


def _minor_version(cv: pd.DataFrame) -> tuple[int, int] | None:
    """(4, 16) from the ClusterVersion's desired version, when it reads like one."""
    if cv.empty:
        return None
    m = re.match(r"(\d+)\.(\d+)", _text(cv.iloc[0]["version"]))
    return (int(m.group(1)), int(m.group(2))) if m else None


def saturation(ctx: Context) -> Saturation | None:
    """Router saturation across the whole snapshot, computed once, or None."""
    return _shared(ctx, "saturation", lambda: _saturation(ctx))


def _saturation(ctx: Context) -> Saturation | None:
    req = whole_frame(ctx, "requests")
    if req.empty or req["actconn"].isna().all():
        return None
    limit = router_maxconn(ctx)
    if limit is None:
        return None
    busy = (req["actconn"] >= math.ceil(SATURATED * limit.value)).fillna(False).astype(bool)
    if not busy.any():
        return None
    minute = req["ts"].dt.floor("min")
    in_busy = minute.isin(set(minute[busy].dropna())).fillna(False).astype(bool)
    mask = router_side_mask(req) & in_busy
    routes = whole_frame(ctx, "routes")
    keys = line_routes(req, routes, mask)
    if keys.empty:
        return None
    services: dict[tuple[str, str], tuple[str, str]] = {}  # route -> (namespace, service of spec.to)
    for ns, name, svc in routes.sort_values("backend_index")[["namespace", "name", "service"]].itertuples(index=False):
        services.setdefault((str(ns), str(name)), (str(ns), str(svc)))
    affected = set(zip(keys["namespace"].astype(str), keys["route"].astype(str), strict=True))
    if len(affected) < MIN_ROUTES or len({services.get(k, k) for k in affected}) < MIN_ROUTES:
        return None
    errors = req.loc[keys.index].assign(namespace=keys["namespace"].astype(object), route=keys["route"].astype(object))
    loud = errors[busy.loc[errors.index]]
    peak = (loud if not loud.empty else errors).sort_values(["actconn", "ts"], ascending=[False, True]).iloc[0]
    start, end = common.span(req[busy])
    return Saturation(limit, start, end, peak, errors, len(affected))


@rule(code="I703", name="router-saturation", cause="router-saturation", severity=Severity.CRITICAL,
      needs=("requests",))
def router_saturation(ctx: Context) -> Iterator[Finding]:
    """The router ran at its connection limit while routes of unrelated services failed at the same time.

    What it does:
        Reads the ``actconn`` field of every access-log line (connections the HAProxy process held)
        and the router's limit: the smallest ``global maxconn`` of the collected ``haproxy.config``
        files, else the IngressController's ``tuningOptions.maxConnections``, else the router's
        default (20000 up to 4.11, 50000 from 4.12; 50000 when the version is unknown).
        The minutes in which some line shows ``actconn`` at 90 % of that limit or more are the
        router's saturated minutes. Fires (critical) when the router-side 5xx of those minutes belong
        to at least two routes of different services: one finding per such route, claiming that
        route's router-side 5xx of the saturated minutes, all sharing the incident id
        ``router-saturation@<first saturated line>``.

    Why it matters:
        A router at ``maxconn`` stops accepting and queues every connection, whatever route it is
        for: requests wait, time out or fail on backends that are themselves healthy. Scaling or
        fixing one application changes nothing; the router needs more capacity.

    Example:
        ``... be_edge_http:shop:web/pod:web-…:10.128.2.31:8080 0/30000/-1/-1/30001 503 … sQ--
        49873/49850/310/12/0 0/41`` beside 503/504 lines of ``shop/promo`` and ``shop/api`` in the same
        minutes, with ``maxconn 50000`` in the router's haproxy.config.

    Remediation:
        Raise ``tuningOptions.maxConnections`` (and ``threadCount`` if the router's CPU is the limit)
        of the IngressController, or add router replicas; then find what holds so many connections
        (long-lived websockets, slow clients, a retry storm).

    Known problems:
        Saturation is seen only through access-log lines: a router that refused connections at its
        limit logs nothing for them. ``actconn`` is per HAProxy process, the limit per process too;
        with several router pods each is judged against the smallest limit collected. Threads and
        CPU are not measured (no metrics in a must-gather). With ``maxConnections: -1`` HAProxy
        sizes its own limit and nothing says it: the rule stays silent.

    References:
        report-contract.md (cause ``router-saturation``); router-facts.md §1 (the ``actconn/feconn``
        fields), §3 (``maxconn`` defaults and ``maxConnections``).
    """
    found = saturation(ctx)
    if found is None:
        return
    incident = f"router-saturation@{rfc3339(found.start)}" if found.start else "router-saturation"
    for route in common.routes(ctx):
        mine = found.errors[(found.errors["namespace"] == route.namespace) & (found.errors["route"] == route.name)]
        if mine.empty:
            continue
        yield _saturated(ctx, route, found, mine, incident)


def _saturated(ctx: Context, route: common.RouteRef, found: Saturation, mine: pd.DataFrame,
               incident: str) -> Finding:
    peak = found.peak
    evidence = log_evidence(ctx.snap, peak.to_frame().T, limit=1)
    if found.limit.evidence is not None:
        evidence.append(found.limit.evidence)
    evidence += [e for e in log_evidence(ctx.snap, mine, limit=2) if e not in evidence]
    first, last = common.span(mine)
    status, ended = common.incident_status(ctx, route, last)
    share = int(peak["actconn"]) * 100 // max(1, found.limit.value)
    terms = ", ".join(f"{int(s)} {t}" for (s, t), _ in mine.groupby(
        [mine["status"].astype("int64"), mine["term"].astype(str)], sort=True))
    ic = _ic_of(route)
    patch = json.dumps({"spec": {"tuningOptions": {"maxConnections": found.limit.value * 2}}}, separators=(",", ":"))
    return Finding(
        code="I703", cause="router-saturation", severity=Severity.CRITICAL, namespace=route.namespace,
        route=route.name, service=route.services[0] if route.services else None,
        title=f"the router was at its connection limit while route {route.name} and other routes failed",
        explanation=(f"From {common.hhmm(found.start)} to {common.hhmm(found.end)} the router held up to "
                     f"{int(peak['actconn'])} connections ({share}% of {found.limit.said}). In those minutes "
                     f"{len(found.errors)} requests of {found.routes} routes of different services failed in the "
                     f"router; {len(mine)} of them on route {route.name} ({terms}). Unrelated backends failing at "
                     "the same moment while the router runs at its limit: the router, not this route's backend, "
                     "was the bottleneck."),
        evidence=evidence,
        remediation=[f"oc -n openshift-ingress-operator patch ingresscontroller/{ic} --type=merge -p '{patch}'   "
                     "# or add router replicas (spec.replicas) / threads (tuningOptions.threadCount)"],
        diagnostics=["oc -n openshift-ingress adm top pods   # router CPU near its limit?",
                     f"oc -n openshift-ingress-operator get ingresscontroller {ic} "
                     "-o jsonpath='{.spec.tuningOptions}'",
                     "oc -n openshift-ingress rsh deploy/router-default grep -E 'maxconn|nbthread' "
                     "/var/lib/haproxy/conf/haproxy.config"],
        first_seen=first, last_seen=last, affected_requests=len(mine), claims=mine.index,
        began_at=found.start, ended_at=ended, status_at_collection=status, incident=incident,
    )


# ====================================================================== I704 node-disruption
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
    return _shared(ctx, "node-disruptions", lambda: _node_disruptions(ctx))


def _node_disruptions(ctx: Context) -> list[NodeDisruption]:
    nodes = whole_frame(ctx, "nodes")
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
            since = _moment(row["ready_since"]) if row["ready"] is False else _taint_time(row["taints"])
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
            return _moment(pd.to_datetime(t["timeAdded"], utc=True, errors="coerce"))
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
            node, since = str(row["node"]), _moment(row["created"])
            evidence = object_evidence(ctx.snap, row, "nodeName:")
        else:
            placed = _placed_by_ip(ctx, req, name)
            if placed is None:
                continue
            node, evidence, last_line = placed
            out.append(PodPlace(name, node, None, killed.get(name) or last_line, evidence))
            continue
        gone = killed.get(name) or (_moment(row["deleted"]) if row is not None else None)
        out.append(PodPlace(name, node, since, gone, evidence))
    return out


def _placed_by_ip(ctx: Context, req: pd.DataFrame, pod: str) -> tuple[str, Evidence, datetime | None] | None:
    """(node, the node's subnet line, the pod's last log line) for a pod known only by the access log."""
    if req.empty:
        return None
    mine = req[(req["pod"].astype("string") == pod).fillna(False)]
    ips = mine["server_ip"].dropna().astype(str).unique() if not mine.empty else []
    for ip in ips:
        found = node_of_ip(ctx, ip)
        if found is not None:
            node, row = found
            return node, object_evidence(ctx.snap, row, _subnet_needle(row, ip)), _moment(mine["ts"].max())
    return None


def node_subnets(ctx: Context) -> list[tuple[Any, str, pd.Series]]:
    """(pod subnet, node name, node row) of every node that says its pod subnets, computed once."""
    return _shared(ctx, "node-subnets", lambda: _node_subnets(ctx))


def _node_subnets(ctx: Context) -> list[tuple[Any, str, pd.Series]]:
    nodes = whole_frame(ctx, "nodes")
    out = []
    for _, row in nodes.iterrows():
        if pd.isna(row["pod_subnets"]):
            continue
        for cidr in json.loads(str(row["pod_subnets"])):
            try:
                out.append((ipaddress.ip_network(str(cidr), strict=False), str(row["name"]), row))
            except ValueError:
                continue
    return out


def node_of_ip(ctx: Context, ip: str) -> tuple[str, pd.Series] | None:
    """The node whose pod subnet holds ``ip`` (and its row), when the nodes say their subnets."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for net, name, row in node_subnets(ctx):
        if address.version == net.version and address in net:
            return name, row
    return None


def _subnet_needle(row: pd.Series, ip: str) -> str:
    for cidr in json.loads(str(row["pod_subnets"])):
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(str(cidr), strict=False):
                return str(cidr)
        except ValueError:
            continue
    return "node-subnets"


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


@rule(code="I704", name="node-disruption", cause="node-disruption", severity=Severity.CRITICAL,
      needs=("events", "nodes"))
def node_disruption(ctx: Context) -> Iterator[Finding]:
    """A node was cordoned, drained, rebooted or not ready while it ran the route's replicas.

    What it does:
        Reads the node events of ``namespaces/default/core/events.yaml`` (``NodeNotSchedulable``,
        ``NodeNotReady``, the machine-config daemon's ``Cordon``/``Drain``/``Reboot``, ``Rebooted``,
        then ``NodeReady``/``NodeSchedulable``) and the node objects (``Ready`` condition,
        ``spec.unschedulable``) for the time each node went away and came back. Places each pod of
        the route, present or gone from the archive, on its node (the pod's ``Scheduled`` event, else
        its ``spec.nodeName``, else its IP in the access log inside a node's pod subnet). Fires when
        pods of the route ran on the node when it went away (a cordon alone counts only for pods
        stopped during it): critical when every replica running then was on it (the route had
        nothing left), warning when replicas elsewhere survived but router-side 5xx hit the evicted
        ones. When the route's access log covers the disruption and holds no such 5xx, it stays
        silent: the route rode it out. Claims the route's router-side 5xx from the start of the
        disruption until the node was back that were sent to the evicted pods, and the ``<NOSRV>``
        503s when nothing was left. The findings of one node share the incident id
        ``node-disruption@<start>``.

    Why it matters:
        A drain (MachineConfig update, cluster upgrade) evicts every pod of the node at once. A
        workload with one replica, or all its replicas on that node, has no server until the
        replacements are scheduled elsewhere and pass their readiness probe: the router answers 503.

    Example:
        ``Cordon: Cordoned node to apply update`` and ``Drain: Draining node to update config`` on
        ``worker-1`` at 08:39-08:40 while both ``web`` pods had been ``Successfully assigned shop/web-…
        to worker-1``; 503 ``<NOSRV>`` until the replacements were ready on ``worker-2``.

    Remediation:
        Run at least two replicas spread over nodes (``topologySpreadConstraints`` or pod
        anti-affinity) and add a PodDisruptionBudget with ``minAvailable: 1``, so a drain evicts one
        replica at a time.

    Known problems:
        Node events live about three hours: an older drain is seen only in the node's current state.
        A pod gone from the archive is placed only by its ``Scheduled`` event or, when the nodes say
        their pod subnets (OVN), by its logged IP. PodDisruptionBudgets are not read, so the finding
        does not say whether one existed.

    References:
        report-contract.md (cause ``node-disruption``); router-facts.md §8 (node drains and reboots).
    """
    disruptions = node_disruptions(ctx)
    if not disruptions:
        return
    for route in common.routes(ctx):
        places = route_pod_places(ctx, route)
        for d in disruptions:
            on_node = [p for p in places if _same_node(p.node, d.node) and _alive_at(p, d.start)
                       and (d.takes_pods or _stopped_during(p, d))]
            if not on_node:
                continue
            elsewhere = [p for p in places if not _same_node(p.node, d.node) and _alive_at(p, d.start)]
            rows = _evicted_errors(ctx, route, d, {p.name for p in on_node}, nosrv=not elsewhere)
            if rows.empty and (elsewhere or _logged_during(ctx, route, d)):
                continue  # replicas elsewhere carried it, or the route's requests of that time succeeded
            yield _disrupted(ctx, route, d, on_node, elsewhere, rows)


def _stopped_during(place: PodPlace, d: NodeDisruption) -> bool:
    return place.gone is not None and d.start <= place.gone and (d.end is None or place.gone <= d.end)


def _logged_during(ctx: Context, route: common.RouteRef, d: NodeDisruption) -> bool:
    """Whether the route's access log has requests in the disruption (then the log, not the node, tells)."""
    req = common.route_requests(ctx, route)
    if req.empty:
        return False
    ts = req["ts"]
    during = (ts >= pd.Timestamp(d.start)) & ((ts <= pd.Timestamp(d.end)) if d.end else True)
    return bool(during.fillna(False).any())


def _same_node(a: str, b: str) -> bool:
    return a == b or a.split(".", 1)[0] == b.split(".", 1)[0]


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
    workload = common.workload_of(ctx, common.route_pods(ctx, route))
    target = f"{workload[0]}/{workload[1]}" if workload else "deployment/<name>"
    selector = _pod_selector(ctx, route)
    spread = json.dumps({"spec": {"template": {"spec": {"topologySpreadConstraints": [{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector or {"<label>": "<value>"}}}]}}}}, separators=(",", ":"))
    fix = [f"oc -n {route.namespace} scale {target} --replicas=2"] if len(on_node) + len(elsewhere) < 2 else []
    fix += [f"oc -n {route.namespace} patch {target} --type=merge -p '{spread}'   # replicas on different nodes",
            f"oc -n {route.namespace} create poddisruptionbudget {route.name} --min-available=1 --selector="
            + (",".join(f"{k}={v}" for k, v in sorted(selector.items())) if selector else "<the pods' labels>")]
    return Finding(
        code="I704", cause="node-disruption", severity=Severity.CRITICAL if alone else Severity.WARNING,
        namespace=route.namespace, route=route.name, service=route.services[0] if route.services else None,
        title=(f"node {d.node} went away while it ran " + ("every replica" if alone else "replicas")
               + f" of route {route.name}"),
        explanation=(f"Node {d.node} went away at {common.hhmm(d.start)} ({how}); {back}. It ran {names} of route "
                     f"{route.name}" + (", and no other replica was running then: the route had no server until "
                                        "replacements were scheduled elsewhere and became ready" if alone else
                                        f", while {', '.join(p.name for p in elsewhere)} ran elsewhere")
                     + errors + "."),
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


def _pod_selector(ctx: Context, route: common.RouteRef) -> dict[str, str]:
    """The selector of the route's first service: the labels a spread constraint or a PDB must match."""
    row = common.service_row(ctx, route.namespace, route.services[0]) if route.services else None
    return common.labels_of(row["selector"]) if row is not None else {}


# ====================================================================== I705 pod-network-unreachable
_TARGET = re.compile(r"-to-network-check-target-(?P<node>.+)$")
CONNECT_FAILED = ("sC", "SC")  # the router gave up connecting: timeout or refusal at the connection stage
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
    return _shared(ctx, "pod-network-outages", lambda: _outages(ctx))


def logged_outages(ctx: Context) -> list[Outage]:
    """Nodes whose ready pods the router could not connect to, from the access log alone, computed once.

    The connect failures (``sC``/``SC`` on a pod server) of at least two routes of different services
    fall on ready pods of one node, and none of those routes failed to connect to a pod elsewhere.
    """
    return _shared(ctx, "logged-outages", lambda: _logged_outages(ctx))


def _logged_outages(ctx: Context) -> list[Outage]:
    req = whole_frame(ctx, "requests")
    pods = whole_frame(ctx, "pods")
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
        if not _answered_elsewhere(req, node_of, str(node), start, end):
            continue
        out.append(Outage(str(node), start, end, None, lines.drop(columns="_node")))
    return out


def _outages(ctx: Context) -> list[Outage]:
    rows = whole_frame(ctx, "connectivity_outages")
    if rows.empty:
        return []
    pods = whole_frame(ctx, "pods")
    targets = pods[pods["name"].astype("string").str.startswith("network-check-target-").fillna(False)]
    by_ip = {str(p["pod_ip"]): str(p["node"]) for _, p in targets.iterrows() if pd.notna(p["node"])}
    known = [str(n) for n in whole_frame(ctx, "nodes")["name"].dropna()]
    out = []
    for _, r in rows.iterrows():
        ip = _text(r["target"]).rsplit(":", 1)[0]
        m = _TARGET.search(_text(r["check"]))
        node = by_ip.get(ip) or (m.group("node") if m else None)
        if node is None and (found := node_of_ip(ctx, ip)) is not None:
            node = found[0]
        if node:
            node = next((n for n in known if _same_node(n, node)), node)  # the check names the node without domain
            out.append(Outage(node, _moment(r["start"]), _moment(r["end"]), r))
    return out


def _answered_elsewhere(req: pd.DataFrame, node_of: dict[tuple[str, str], str], node: str, start: datetime | None,
                        end: datetime | None) -> bool:
    """Whether pods on another node answered through the router meanwhile (so the router itself could connect)."""
    if start is None or end is None:
        return False
    during = ((req["ts"] >= pd.Timestamp(start)) & (req["ts"] <= pd.Timestamp(end))).fillna(False)
    answered = req[during & ~router_side_mask(req) & (req["server_kind"].astype("string") == "pod").fillna(False)]
    return any(node_of.get((str(ns), str(p)), node) != node
               for ns, p in zip(answered["namespace"], answered["pod"], strict=True))


@rule(code="I705", name="pod-network-unreachable", cause="pod-network-unreachable", severity=Severity.CRITICAL,
      needs=("connectivity_outages", "requests"))
def pod_network_unreachable(ctx: Context) -> Iterator[Finding]:
    """The pod network of the node running the route's pods was unreachable while they were ready.

    What it does:
        Reads the outages of the PodNetworkConnectivityChecks (``pod_network_connectivity_check/``,
        ``status.outages[]``) whose target is a node's ``network-check-target`` pod: the node comes
        from that pod's IP, else from the check's name (``…-to-network-check-target-<node>``). For
        each route with ready pods on that node, claims the router-side 5xx of the outage that
        failed at the connection stage (``sC``/``SC``) on those pods, and the ``<NOSRV>`` 503s when
        every ready pod of the route is on that node. Fires when it claims lines (critical when
        every pod is on the node, else warning), or, without access-log lines of the route, when the
        outage was still going on at collection (warning). Without a check, the access log alone
        names a node when the connect timeouts (``sC``) of at least two routes of different services
        all fall on ready pods of that node, none of theirs elsewhere, while pods on other nodes
        answered through the router. The findings of one outage
        share the incident id ``pod-network-unreachable@<start>``.

    Why it matters:
        The pods are running and ready (the kubelet probes them from their own node), yet the router
        on another node cannot open a connection to them: an SDN/OVN fault, MTU or a broken node
        network. Pod-level checks all pass; the fault is between nodes.

    Example:
        ``outages: - start: "2026-11-20T08:40:00Z" … message: "Connectivity outage detected:
        network-check-target-worker-2: failed to establish a TCP connection to 10.129.2.5:8080: dial
        tcp 10.129.2.5:8080: i/o timeout"`` while ``be_edge_http:shop:web`` logs 503 ``sC--`` on the
        pods of ``worker-2``.

    Remediation:
        Check the node's network (OVN/SDN pods on that node, ``oc adm top node``, the MTU of the
        cluster network) and restart or drain the node whose pod network is unreachable.

    Known problems:
        PodNetworkConnectivityChecks are collected by must-gathers of 4.11 and later only. A check
        tells that a source could not reach the node's target pod, not that the router could; the
        access-log lines are what tie it to the route.

    References:
        report-contract.md (cause ``pod-network-unreachable``); router-facts.md §8 (PodNetworkConnectivityCheck,
        Layer4 timeout).
    """
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
            here = [_same_node(str(n), outage.node) for n in ready["node"].astype("string").fillna("")]
            on_node = ready[here]
            if on_node.empty or (outage.row is None and outage.node in named):
                continue
            every = len(on_node) == len(ready)
            if outage.lines is not None:
                rows = outage.lines[(outage.lines["namespace"] == route.namespace)
                                    & (outage.lines["route"] == route.name)]
            else:
                rows = _unreachable_errors(ctx, route, outage, {str(n) for n in on_node["name"]}, nosrv=every)
            no_lines = common.route_requests(ctx, route).empty
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
    message = _text(outage.row["message"]) if outage.row is not None else ""
    evidence = [_outage_evidence(ctx, outage, message)] if outage.row is not None else []
    evidence += [object_evidence(ctx.snap, p, "nodeName:") for _, p in on_node.head(2).iterrows()]
    evidence += log_evidence(ctx.snap, rows, limit=2)
    first, last = common.span(rows)
    status = common.incident_status(ctx, route, last)
    names = ", ".join(str(n) for n in on_node["name"])
    until = f"until {common.hhmm(outage.end)}" if outage.end else "still at collection"
    errors = (f"; {len(rows)} requests of the route failed in the router at the connection stage in that time"
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
    return Finding(
        code="I705", cause="pod-network-unreachable",
        severity=Severity.CRITICAL if every and len(rows) else Severity.WARNING,
        namespace=route.namespace, route=route.name, service=route.services[0] if route.services else None,
        title=f"the pod network of node {outage.node}, which runs route {route.name}'s pods, was unreachable",
        explanation=(said + f". Ready pods of route {route.name} run there: {names}" + errors + ". The pods pass their "
                     "own probes; the network between the router and that node is what fails."),
        evidence=evidence,
        remediation=[f"restore the pod network of node {outage.node} (its ovnkube-node / sdn pod, the MTU), or "
                     f"oc adm drain {outage.node} --ignore-daemonsets --delete-emptydir-data   # moves the pods"],
        diagnostics=diagnostics,
        first_seen=first, last_seen=last, affected_requests=len(rows), claims=rows.index if len(rows) else NO_CLAIMS,
        began_at=outage.start, ended_at=outage.end if outage.row is not None else status[1],
        status_at_collection=(IncidentStatus.ENDED if outage.end else IncidentStatus.ONGOING) if outage.row is not None
        else status[0],
        incident=f"pod-network-unreachable@{rfc3339(outage.start)}" if outage.start else None,
    )


RULES = [router_saturation, node_disruption, pod_network_unreachable]
