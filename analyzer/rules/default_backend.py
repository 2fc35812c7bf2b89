"""The router's ``openshift_default`` answers: requests no route matched, and those a route's Host names.

Neutral ground for the rules that own such lines: a route no router admitted (R101) and a route
created after the router's last successful reload (I701).
"""

from __future__ import annotations

import pandas as pd

from analyzer.context import Context
from analyzer.host_routes import default_line_routes
from analyzer.rules import common


def default_backend_503s(ctx: Context) -> pd.DataFrame:
    """Requests the router answered from ``openshift_default``: no route matched their host/path."""
    req = common.whole_frame(ctx, "requests")
    if req.empty:
        return req
    kind = req["backend_kind"].astype("string")
    return req[(kind == "openshift_default").fillna(False) & (req["status"] == 503).fillna(False)]


def named_default_503s(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The openshift_default 503s whose captured Host (or absolute URI) names this route: the lines it explains."""
    rows = default_backend_503s(ctx)
    if rows.empty:
        return rows
    named = default_line_routes(rows, common.whole_frame(ctx, "routes"))
    mine = named[(named["namespace"] == route.namespace) & (named["route"] == route.name)]
    return rows.loc[mine.index]


def default_claims(ctx: Context, route: common.RouteRef) -> dict:
    """The route's Host-named openshift_default 503s as finding fields: the lines it owns, their count and span."""
    named = named_default_503s(ctx, route)
    if named.empty:
        return {}
    first, last = common.span(named)
    return {"claims": named.index, "affected_requests": len(named), "first_seen": first, "last_seen": last}
