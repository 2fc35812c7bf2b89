"""Container restarts of a route's pods, and the ``<NOSRV>`` answers they caused.

Read by the restart rule (K601), which explains those answers, and by the endpoint rule (E203), which
leaves them to it: when the only replica of a route (or every replica at once) is OOM-killed or crashes,
the router's health checks mark its server DOWN and the route's requests get the router's 503
``<NOSRV>`` page until the container is ready again. Those lines name no pod, so joining them to a pod
by their server name (as the 502 ``SH`` in flight are) finds nothing; the termination times and the
pods' ``Ready`` transitions place them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.lookup import iterrows, positions_in
from analyzer.rules import common

# how long before a container's recorded end a ``<NOSRV>`` line may fall and still be its: the router's
# clock and the kubelet's are different machines', and ``finishedAt`` has whole seconds
CLOCK_SLACK = pd.Timedelta(seconds=1)


def restart_times(ctx: Context, namespace: str, pods: list[str]) -> dict[str, list[tuple[pd.Timestamp, pd.Series]]]:
    """Each pod's container terminations the archive holds (``lastState.terminated.finishedAt``, the
    container's row), by pod name."""
    out: dict[str, list[tuple[pd.Timestamp, pd.Series]]] = {}
    if ctx.lookups is not None:  # only the containers that did terminate become rows
        finished = ctx.lookups.column("containers", "last_finished")
        found = positions_in(ctx.lookups, "containers", namespace, "pod", pods)
        mine = ctx.lookups.take("containers", [p for p in found if pd.notna(finished[p])])
    else:
        containers = ctx.snap.frame("containers")
        mine = containers[(containers["namespace"] == namespace) & containers["pod"].isin(pods)]
    for _, c in iterrows(mine):
        if pd.notna(c["last_finished"]):
            out.setdefault(c["pod"], []).append((c["last_finished"], c))
    return out


def down_spans(ctx: Context, route: common.RouteRef) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """When each pod of the route was down restarting: from a container's termination to the pod's ``Ready``
    transition after it (the pod ready now), else for :data:`analyzer.windows.NEAR_EVENT` after it (the
    archive does not say when it came back). A pod that is being deleted is being replaced, not restarted:
    it has no span. Every pod of the route is a key (an empty list: no restart recorded)."""
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return {}
    restarts = restart_times(ctx, route.namespace, [str(n) for n in pods["name"].tolist()])
    spans: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for _, pod in pods.iterrows():
        name = str(pod["name"])
        spans[name] = []
        if pd.notna(pod["deleted"]):
            continue
        back_at = pod["ready_since"] if common.is_true(pod["ready"]) and pd.notna(pod["ready_since"]) else None
        for finished, _ in restarts.get(name, []):
            back = back_at if back_at is not None and back_at >= finished else finished + windows.NEAR_EVENT
            spans[name].append((finished - CLOCK_SLACK, back))
    return spans


def nosrv_while_down(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The route's 503 ``SC`` ``<NOSRV>`` lines accepted while every one of its pods was down restarting
    (:func:`down_spans`): no replica was left to serve, and a restart is why. Empty when a pod of the route
    had no restart then, or the route has no pod."""
    return common.memo(ctx, ("nosrv-while-down", route.namespace, route.name), lambda: _nosrv_while_down(ctx, route))


def _nosrv_while_down(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    nosrv = common.route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
    if nosrv.empty:
        return nosrv
    spans = down_spans(ctx, route)
    if not spans or any(not s for s in spans.values()):
        return nosrv.iloc[0:0]
    ts = nosrv["ts"]
    every = np.ones(len(nosrv), dtype=bool)
    for pod_spans in spans.values():
        down = np.zeros(len(nosrv), dtype=bool)
        for start, end in pod_spans:
            down |= ((ts >= start) & (ts <= end)).fillna(False).to_numpy(dtype=bool)
        every &= down
    return nosrv[every] if every.any() else nosrv.iloc[0:0]
