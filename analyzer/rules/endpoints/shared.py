"""What the endpoint rules share: a route's 503 <NOSRV> answers, its weighted services, the
services whose selector matches no pod and the pods failing their readiness probe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from analyzer.context import Context
from analyzer.rules import common
from analyzer.scope import has_rows


@dataclass(frozen=True)
class SelectorMiss:
    service: pd.Series
    selector: dict[str, str]


def weighted_services(ctx: Context, route: common.RouteRef) -> list[str]:
    services, weights = common.route_backend_values(ctx, route, "service", "weight")
    return [str(s) for s, w in zip(services, weights, strict=True)
            if isinstance(s, str) and (pd.isna(w) or int(w) > 0)]


def _has_endpoints(ctx: Context, service: str) -> bool:
    return service in common.namespace_values(ctx, "endpoints", "service")


def selector_misses(ctx: Context, route: common.RouteRef) -> list[SelectorMiss]:
    """The route's weighted services whose selector matches no pod of the (collected) namespace."""
    return common.memo(ctx, ("selector-misses", route.namespace, route.name), lambda: _selector_misses(ctx, route))


def _selector_misses(ctx: Context, route: common.RouteRef) -> list[SelectorMiss]:
    if not common.has_resource(ctx, route.namespace, "pods"):
        return []
    if not has_rows(ctx.snap, "pods"):
        return []  # nothing to select at all: scaled to zero or not deployed (E203 says which)
    out = []
    for name in weighted_services(ctx, route):
        if _has_endpoints(ctx, name):
            continue
        svc = common.service_row(ctx, route.namespace, name)
        if svc is None:
            continue
        selector = common.labels_of(svc["selector"])
        no_pod = bool(selector) and not common.selects_any_pod(ctx, route.namespace, selector)
        if no_pod and not _scaled_to_zero(ctx, route.namespace, selector):
            out.append(SelectorMiss(svc, selector))
    return out


def _scaled_to_zero(ctx: Context, namespace: str, selector: dict[str, str]) -> bool:
    """A workload scaled to 0 whose pods would carry every label of ``selector`` (its matchLabels hold them).

    Then no pod matches because none runs, not because the selector is wrong: E203 reports it.
    """
    deps = ctx.snap.frame("deployments")
    for _, d in deps[deps["namespace"] == namespace].iterrows():
        if pd.isna(d["replicas"]) or int(d["replicas"]) != 0 or not isinstance(d["selector"], str):
            continue
        try:
            spec = json.loads(d["selector"])
        except ValueError:
            continue
        labels = spec.get("matchLabels", spec) if isinstance(spec, dict) else {}
        if isinstance(labels, dict) and all(labels.get(k) == v for k, v in selector.items()):
            return True
    return False


def probe_failing_pods(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Route pods that run (containers running, not being deleted) but are not Ready, with a readiness probe."""
    return common.memo(ctx, ("probe-failing", route.namespace, route.name), lambda: _probe_failing_pods(ctx, route))


def _probe_failing_pods(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    if ctx.lookups is not None:
        rows = common.route_pod_rows(ctx, route)
        if rows.empty:
            return rows.frame
        phase, ready, deleted, node = (rows.values(c) for c in ("phase", "ready", "deleted", "node"))
        nodes_down = not_ready_nodes(ctx)
        kept = [
            i for i in range(len(rows))
            if isinstance(phase[i], str) and phase[i] == "Running" and ready[i] is False
            and pd.isna(deleted[i]) and node[i] not in nodes_down
        ]
        if not kept:
            return ctx.lookups.index("pods").empty()
        pods = rows.frame
    else:
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
    containers = probed_containers(ctx, not_ready["name"].tolist())
    running = containers[(containers["state"] == "running").fillna(False)]
    node_marked = marked_by_node_controller(ctx, route.namespace)
    return not_ready[not_ready["name"].isin(running["pod"]) & ~not_ready["name"].isin(node_marked)]


def marked_by_node_controller(ctx: Context, namespace: str) -> set[str]:
    """Pods whose last word is a ``NodeNotReady`` event (no ``Unhealthy`` after it): their node went away,
    the node controller marked them not ready, and their probe is not to blame (the archive may hold no
    Node object to say so)."""
    last: dict[str, tuple[pd.Timestamp, str]] = {}
    for e in ctx.facts.events(namespace, kind="Pod", reason=("NodeNotReady", "Unhealthy")):
        if e.name and e.last_seen is not None:
            seen = pd.Timestamp(e.last_seen)
            if e.name not in last or seen >= last[e.name][0]:
                last[e.name] = (seen, str(e.reason))
    return {name for name, (_, reason) in last.items() if reason == "NodeNotReady"}


def not_ready_nodes(ctx: Context) -> set[str]:
    # nodes are not namespaced: the whole snapshot's answer is every namespace's, computed once
    memo = ctx.whole_lookups.memo if ctx.whole_lookups is not None else ctx.lookups.memo if ctx.lookups else None
    if memo is not None and "not-ready-nodes" in memo:
        return set(memo["not-ready-nodes"])
    nodes = ctx.snap.frame("nodes")
    if memo is not None:
        found = set(nodes[(nodes["ready"] == False).fillna(False)]["name"].dropna())  # noqa: E712 - nullable boolean
        memo["not-ready-nodes"] = frozenset(found)
        return found
    return set(nodes[(nodes["ready"] == False).fillna(False)]["name"].dropna())  # noqa: E712 - nullable boolean


def probed_containers(ctx: Context, pods: list[str]) -> pd.DataFrame:
    c = ctx.snap.frame("containers")
    return c[c["pod"].isin(pods) & c["readiness_kind"].notna() & ~c["init"].fillna(False).astype(bool)]


def nosrv(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC <NOSRV>: the backend had no usable server (not sQ, a queue timeout)."""
    return common.route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
