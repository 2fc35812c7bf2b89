"""The service ports a route sends to and the container ports its pods declare: the port rules' facts,
which the endpoint rules read too (a named targetPort no container declares leaves no endpoint).
"""

from __future__ import annotations

import pandas as pd

from analyzer.context import Context
from analyzer.lookup import Lookups, Rows, column_values, is_text, iterrows_where
from analyzer.rules import common


def target_service_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The service ports the route uses (all of them when the route names no targetPort), computed once."""
    return common.memo(ctx, ("target-service-ports", route.namespace, route.name),
                       lambda: _target_service_ports(ctx, route))


def _target_service_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    if ctx.lookups is not None:
        return _target_service_ports_by_lookup(ctx, ctx.lookups, route)
    sp = ctx.snap.frame("service_ports")
    mine = sp[sp["service"].isin(list(route.services))]
    rows = common.route_backends(ctx, route)
    target = rows.iloc[0]["target_port"] if not rows.empty else None
    if isinstance(target, str) and not mine.empty:
        picked = mine[
            (mine["port_name"] == target) | (mine["target_port"] == target) | (mine["port"].astype("string") == target)
        ]
        return picked if not picked.empty else mine
    return mine


def _target_service_ports_by_lookup(ctx: Context, lookups: Lookups, route: common.RouteRef) -> pd.DataFrame:
    """:func:`_target_service_ports` by row positions (:func:`target_port_rows`)."""
    return target_port_rows(ctx, route).frame


def target_port_rows(ctx: Context, route: common.RouteRef) -> Rows:
    """The rows :func:`target_service_ports` holds, by position (lookups only, computed once): the services'
    ports, those matching the route's targetPort if any."""
    return common.memo(ctx, ("target-port-rows", route.namespace, route.name),
                       lambda: _target_port_rows(ctx.lookups, route))  # type: ignore[arg-type]


def _target_port_rows(lookups: Lookups, route: common.RouteRef) -> Rows:
    found = lookups.index("service_ports", "service").positions_any((s,) for s in route.services)
    target = route.row["target_port"]  # the first backend row (spec.to), as route_backends(...).iloc[0]
    if isinstance(target, str) and found:
        port_name, target_port, port = column_values(lookups, "service_ports", "port_name", "target_port", "port")
        picked = [
            p for p in found
            if is_text(port_name[p], target) or is_text(target_port[p], target)
            or (not pd.isna(port[p]) and str(port[p]) == target)
        ]
        return lookups.rows_at("service_ports", picked or found)
    return lookups.rows_at("service_ports", found)


def _declared(ctx: Context, pods: pd.DataFrame) -> pd.DataFrame:
    if ctx.lookups is not None:
        names = pods["name"].tolist()
        return ctx.lookups.take("container_ports", ctx.lookups.index("container_ports", "pod").positions_any(
            (n,) for n in names if isinstance(n, str)))
    cports = ctx.snap.frame("container_ports")
    return cports[cports["pod"].isin(pods["name"])]


def route_declared_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Container ports declared by the route's pods, computed once."""
    if ctx.lookups is not None:
        return declared_port_rows(ctx, route).frame
    return common.memo(ctx, ("declared-ports", route.namespace, route.name),
                lambda: _declared(ctx, common.route_pods(ctx, route)))


def declared_port_rows(ctx: Context, route: common.RouteRef) -> Rows:
    """The rows :func:`route_declared_ports` holds, by position (lookups only, computed once)."""
    def build() -> Rows:
        lookups: Lookups = ctx.lookups  # type: ignore[assignment]
        names = common.route_pod_names(ctx, route)
        return lookups.rows_at("container_ports", lookups.index("container_ports", "pod").positions_any(
            (n,) for n in names if isinstance(n, str)))
    return common.memo(ctx, ("declared-port-rows", route.namespace, route.name), build)


def named_target_port_missing(ctx: Context, route: common.RouteRef) -> list[pd.Series]:
    """Service ports whose *named* targetPort no container of the route's pods declares.

    Kubernetes resolves a named targetPort through the container's ``ports[].name``; with no such name
    the pod gets no endpoint port at all, whatever the application listens on.
    """
    if ctx.lookups is not None:
        if common.route_pod_rows(ctx, route).empty:
            return []
        names = set(declared_port_rows(ctx, route).present("name"))
        return [sp for _, sp in target_port_rows(ctx, route).where(
            ("target_port_is_name", "target_port"), lambda sp: _named_and_undeclared(sp, names)).iterrows()]
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return []
    names = set(route_declared_ports(ctx, route)["name"].dropna())
    return [
        sp for _, sp in iterrows_where(
            target_service_ports(ctx, route), ("target_port_is_name", "target_port"),
            lambda sp: _named_and_undeclared(sp, names),
        )
    ]


def _named_and_undeclared(sp: dict, names: set) -> bool:
    return common.is_true(sp["target_port_is_name"]) and isinstance(sp["target_port"], str) \
        and sp["target_port"] not in names
