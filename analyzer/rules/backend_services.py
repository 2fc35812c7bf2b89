"""Which services a route's backends name, whether they exist, and whether the router's endpoint filter
leaves any server: questions of the route rules that the endpoint rules ask too (to stay silent).
"""

from __future__ import annotations

import pandas as pd

from analyzer import joins
from analyzer.context import Context
from analyzer.rules import common


def service_names(ctx: Context) -> frozenset[str]:
    return common.namespace_values(ctx, "services", "name")


def weight(value: object) -> int:
    return 100 if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def missing_backends(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Backend rows (spec.to, alternateBackends) naming a service absent from a collected namespace."""
    if not common.has_resource(ctx, route.namespace, "services"):
        return _no_backends(ctx)
    existing = service_names(ctx)
    if ctx.lookups is not None:  # the backend rows are taken only when one names a missing service
        services, kinds = common.route_backend_values(ctx, route, "service", "service_kind")
        hits = [
            i for i, (svc, kind) in enumerate(zip(services, kinds, strict=True))
            if isinstance(svc, str) and (pd.isna(kind) or kind == "Service") and svc not in existing
        ]
        if not hits:
            return _no_backends(ctx)
        return common.route_backends(ctx, route).iloc[hits]
    rows = common.route_backends(ctx, route)
    kind = rows["service_kind"].fillna("Service")
    return rows[rows["service"].notna() & (kind == "Service") & ~rows["service"].isin(existing)]


def _no_backends(ctx: Context) -> pd.DataFrame:
    """No backend row (callers only test ``.empty``): with the whole snapshot's lookups, one empty frame shared
    by every namespace (an empty slice of a namespace's frame cost a millisecond each)."""
    if ctx.whole_lookups is not None:
        return ctx.whole_lookups.empty("routes")
    return common.memo(ctx, ("no-backends",), lambda: ctx.routes.iloc[0:0])


def every_weighted_backend_missing(ctx: Context, route: common.RouteRef) -> bool:
    """No backend with a weight above 0 names an existing service: the route has no server at all."""
    missing = missing_backends(ctx, route)
    if missing.empty:
        return False
    rows = common.route_backends(ctx, route)
    weighted = rows[[weight(w) > 0 for w in rows["weight"]]]
    return weighted.empty or bool(weighted["service"].isin(missing["service"]).all())


def target_port_matches_nothing(ctx: Context, route: common.RouteRef) -> bool:
    """The router's endpoint filter (``endpointsForAlias``) leaves no endpoint although some exist."""
    rows = common.route_backends(ctx, route)
    target = rows.iloc[0]["target_port"] if not rows.empty else None
    if not isinstance(target, str) or not common.has_resource(ctx, route.namespace, "endpoints"):
        return False
    eps = ctx.snap.frame("endpoints")
    services = list(route.services)
    if eps[eps["service"].isin(services)].empty:
        return False
    return all(joins.endpoints_for_backend(eps, route.namespace, s, target).empty for s in services)
