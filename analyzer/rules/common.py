"""Small shared helpers for rules of every family: a route's backends, pods and requests, log summaries.

Rules read the snapshot through these (and the other neutral modules of ``analyzer/rules/``), never
through another rule family's module. Answers several rules need are computed once per analysis
context with :func:`memo`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.facts import Where
from analyzer.ledger import router_side_mask
from analyzer.lookup import FrameIndex, Lookups
from analyzer.model import Evidence, IncidentStatus

T = TypeVar("T")


def memo(ctx: Context, key: tuple, build: Callable[[], T]) -> T:
    """Compute once per analysis context: several rules ask the same question of the same route."""
    if key not in ctx._cache:
        ctx._cache[key] = build()
    return ctx._cache[key]


@dataclass(frozen=True)
class RouteRef:
    namespace: str
    name: str
    services: tuple[str, ...]
    termination: str
    endpoints_ready: int | None
    endpoints_total: int | None
    row: pd.Series  # the first backend row of the routes frame (for evidence)


def routes(ctx: Context) -> Iterator[RouteRef]:
    """Every selected route once, with its joined summary (built once per context, shared by all rules)."""
    if "routes" not in ctx._cache:
        ctx._cache["routes"] = list(_route_refs(ctx))
    yield from ctx._cache["routes"]


def _route_refs(ctx: Context) -> Iterator[RouteRef]:
    summary = ctx.route_summary
    backends = ctx.routes
    if ctx.lookups is not None:
        index = FrameIndex(backends, ("namespace", "name"))
        order = backends["backend_index"].tolist() if len(backends) else []
    else:
        firsts = (
            {
                key: group.sort_values("backend_index").iloc[0]
                for key, group in backends.groupby(
                    [backends["namespace"].astype("object"), backends["name"].astype("object")]
                )
            }
            if not backends.empty
            else {}
        )
    for _, s in summary.iterrows():
        if ctx.lookups is not None:
            found = _by_backend_index(index.positions((s["namespace"], s["name"])), order)
            first = backends.iloc[found[0]] if found else None
        else:
            first = firsts.get((s["namespace"], s["name"]))
        if first is None:
            continue
        yield RouteRef(
            namespace=s["namespace"],
            name=s["name"],
            services=tuple(s["services"]),
            termination=s["termination"] if isinstance(s["termination"], str) else "none",
            endpoints_ready=None if pd.isna(s["endpoints_ready"]) else int(s["endpoints_ready"]),
            endpoints_total=None if pd.isna(s["endpoints_total"]) else int(s["endpoints_total"]),
            row=first,
        )


def _by_backend_index(positions: list[int], order: list) -> list[int]:
    """Backend row positions in ``backend_index`` order (spec.to first), a missing index last."""
    return sorted(positions, key=lambda p: (order[p] is pd.NA, 0 if order[p] is pd.NA else order[p], p))


def first_service(route: RouteRef) -> str | None:
    """The service of ``spec.to``: the one a route finding names."""
    return route.services[0] if route.services else None


def backend_rows(ctx: Context, route: RouteRef) -> pd.DataFrame:
    r = ctx.routes
    if ctx.lookups is None:
        return r[(r["namespace"] == route.namespace) & (r["name"] == route.name)].sort_values("backend_index")
    memo = ctx.lookups.memo
    key = ("backend-rows", route.namespace, route.name)
    if key not in memo:
        if "backend-index" not in memo:
            memo["backend-index"] = FrameIndex(r, ("namespace", "name"))
            memo["backend-order"] = r["backend_index"].tolist() if len(r) else []
        index: FrameIndex = memo["backend-index"]
        memo[key] = index.take(_by_backend_index(index.positions((route.namespace, route.name)), memo["backend-order"]))
    return memo[key]


def route_backends(ctx: Context, route: RouteRef) -> pd.DataFrame:
    """The route's backend rows (spec.to first, then alternateBackends), computed once."""
    return memo(ctx, ("backends", route.namespace, route.name), lambda: backend_rows(ctx, route))


def whole_frame(ctx: Context, name: str) -> pd.DataFrame:
    """A frame across every namespace: rules run per namespace, but router-wide facts are not namespaced."""
    frames = getattr(ctx.snap, "frames", None)
    found = frames.get(name) if isinstance(frames, dict) else None
    return found if found is not None else ctx.snap.frame(name)


def has_resource(ctx: Context, namespace: str, resource: str) -> bool:
    """True when the inputs held that resource type for the namespace (so absence means absence)."""
    return (namespace, resource) in ctx.snap.collected_resources


def service_row(ctx: Context, namespace: str, service: str) -> pd.Series | None:
    if ctx.lookups is not None:
        return ctx.lookups.index("services", "namespace", "name").first((namespace, service))
    svc = ctx.snap.frame("services")
    found = svc[(svc["namespace"] == namespace) & (svc["name"] == service)]
    return None if found.empty else found.iloc[0]


def labels_of(value: object) -> dict[str, str]:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return {}
    return dict(_parse_labels(str(value)))


@functools.lru_cache(maxsize=65536)
def _parse_labels(text: str) -> tuple[tuple[str, str], ...]:
    """Label JSON parsed once per distinct string (the same labels repeat on every pod of a workload)."""
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    return tuple((str(k), str(v)) for k, v in data.items()) if isinstance(data, dict) else ()


def selected_pods(ctx: Context, namespace: str, selector: dict[str, str]) -> pd.DataFrame:
    """Pods of the namespace whose labels contain every selector pair."""
    if ctx.lookups is not None:
        return _selected_pods(ctx.lookups, namespace, selector)
    pods = ctx.snap.frame("pods")
    mine = pods[pods["namespace"] == namespace]
    if not selector:
        return mine.iloc[0:0]
    keep = [all(labels_of(lbl).get(k) == v for k, v in selector.items()) for lbl in mine["labels"]]
    return mine[keep]


def selects_any_pod(ctx: Context, namespace: str, selector: dict[str, str]) -> bool:
    """Whether some pod of the namespace carries every pair of the selector (without building the rows)."""
    if ctx.lookups is not None:
        return bool(_selected_positions(ctx.lookups, namespace, selector))
    return not selected_pods(ctx, namespace, selector).empty


def _selected_pods(lookups: Lookups, namespace: str, selector: dict[str, str]) -> pd.DataFrame:
    key = ("selected-pods", namespace, tuple(sorted(selector.items())))
    if key not in lookups.memo:
        index = lookups.index("pods", "namespace")
        lookups.memo[key] = index.take(_selected_positions(lookups, namespace, selector))
    return lookups.memo[key]


def _selected_positions(lookups: Lookups, namespace: str, selector: dict[str, str]) -> list[int]:
    if not selector:
        return []
    labels = lookups.column("pods", "labels")
    return [
        p
        for p in lookups.index("pods", "namespace").positions((namespace,))
        if all(labels_of(labels[p]).get(k) == v for k, v in selector.items())
    ]


def route_pods(ctx: Context, route: RouteRef) -> pd.DataFrame:
    """Pods behind a route: selected by its services' selectors, plus endpoint targets (cached per route)."""
    key = ("route_pods", route.namespace, route.name)
    if key not in ctx._cache:
        ctx._cache[key] = _route_pods(ctx, route)
    return ctx._cache[key]


def _route_pods(ctx: Context, route: RouteRef) -> pd.DataFrame:
    if ctx.lookups is not None:
        return _route_pods_by_lookup(ctx, ctx.lookups, route)
    frames = []
    eps = ctx.snap.frame("endpoints")
    pods = ctx.snap.frame("pods")
    for svc in route.services:
        row = service_row(ctx, route.namespace, svc)
        if row is not None:
            frames.append(selected_pods(ctx, route.namespace, labels_of(row["selector"])))
        names = eps[(eps["namespace"] == route.namespace) & (eps["service"] == svc)]["pod"].dropna().unique()
        frames.append(pods[(pods["namespace"] == route.namespace) & pods["name"].isin(names)])
    if not frames:
        return pods.iloc[0:0]
    return pd.concat(frames).drop_duplicates(subset=["namespace", "name"])


def _route_pods_by_lookup(ctx: Context, lookups: Lookups, route: RouteRef) -> pd.DataFrame:
    """:func:`_route_pods` by row positions: each service's selected pods, then its endpoint targets, each once."""
    pods = lookups.index("pods", "namespace")
    by_name = lookups.index("pods", "namespace", "name")
    endpoints = lookups.index("endpoints", "namespace", "service")
    endpoint_pods = lookups.column("endpoints", "pod")
    pod_names = lookups.column("pods", "name")
    picked: list[int] = []
    seen: set[str] = set()

    def keep(positions: Iterable[int]) -> None:
        for p in positions:
            if pod_names[p] not in seen:  # drop_duplicates on (namespace, name): the first one stays
                seen.add(pod_names[p])
                picked.append(p)

    for svc in route.services:
        row = service_row(ctx, route.namespace, svc)
        if row is not None:
            keep(_selected_positions(lookups, route.namespace, labels_of(row["selector"])))
        names = {endpoint_pods[p] for p in endpoints.positions((route.namespace, svc))} - {None, pd.NA}
        keep(by_name.positions_any((route.namespace, n) for n in names))
    return pods.take(picked) if picked else pods.empty()


def route_requests(ctx: Context, route: RouteRef) -> pd.DataFrame:
    req = ctx.requests
    if req.empty:
        return req
    if ctx.lookups is not None:
        return ctx.lookups.index("requests", "namespace", "route").rows((route.namespace, route.name))
    return req[(req["namespace"] == route.namespace) & (req["route"] == route.name)]


def select(
    req: pd.DataFrame, *, status: int | None = None, term: str | None = None, server_kind: str | None = None
) -> pd.DataFrame:
    if req.empty:
        return req
    keep = pd.Series(True, index=req.index)
    if status is not None:
        keep &= (req["status"] == status).fillna(False).astype(bool)
    if term is not None:
        keep &= (req["term"].astype("string") == term).fillna(False).astype(bool)
    if server_kind is not None:
        keep &= (req["server_kind"].astype("string") == server_kind).fillna(False).astype(bool)
    return req[keep]


def span(rows: pd.DataFrame) -> tuple[datetime | None, datetime | None]:
    if rows.empty or rows["ts"].isna().all():
        return None, None
    return rows["ts"].min().to_pydatetime(), rows["ts"].max().to_pydatetime()


def log_facts(ctx: Context, rows: pd.DataFrame) -> dict:
    """first_seen / last_seen / affected_requests, log evidence and the claims for the rows a finding counts.

    ``claims`` are the rows' labels in the snapshot's ``requests`` frame: the lines the finding explains,
    which the error ledger gives to one finding each (analyzer/precedence.py decides between two).
    """
    first, last = span(rows)
    return {
        "first_seen": first,
        "last_seen": last,
        "affected_requests": len(rows),
        "evidence": log_evidence(ctx.snap, rows),
        "claims": rows.index,
    }


def route_evidence(ctx: Context, route: RouteRef, needle: str | None = None) -> Evidence:
    return object_evidence(ctx.snap, route.row, needle)


def first_text(*values: object, default: str = "") -> str:
    """The first value that is neither missing nor empty, as text.

    Frame cells are ``pd.NA`` when a field is absent, and ``pd.NA or x`` raises instead of giving ``x``.
    """
    for value in values:
        if value is None or (not isinstance(value, (list, dict, tuple)) and pd.isna(value)):
            continue
        if str(value):
            return str(value)
    return default


def fmt_ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "unknown time"


def workload_of(ctx: Context, pods: pd.DataFrame) -> tuple[str, str] | None:
    """(kind, name) of the Deployment/StatefulSet/DeploymentConfig owning these pods, when known."""
    if pods.empty:
        return None
    if ctx.lookups is not None:
        owners = tuple(
            zip(pods["namespace"].tolist(), pods["owner_kind"].tolist(), pods["owner_name"].tolist(), strict=True)
        )
        key = ("workload", owners)
        if key not in ctx.lookups.memo:
            ctx.lookups.memo[key] = _workload_by_lookup(ctx.lookups, owners)
        return ctx.lookups.memo[key]
    rs = ctx.snap.frame("replicasets")
    for _, p in pods.iterrows():
        if p["owner_kind"] in ("ReplicaSet", "ReplicationController"):
            owner = rs[(rs["namespace"] == p["namespace"]) & (rs["name"] == p["owner_name"])]
            if not owner.empty and pd.notna(owner.iloc[0]["owner_name"]):
                kind = "deployment" if owner.iloc[0]["owner_kind"] == "Deployment" else "dc"
                return kind, owner.iloc[0]["owner_name"]
            if p["owner_kind"] == "ReplicaSet" and isinstance(p["owner_name"], str) and "-" in p["owner_name"]:
                return "deployment", p["owner_name"].rsplit("-", 1)[0]
        if p["owner_kind"] == "StatefulSet":
            return "statefulset", p["owner_name"]
    return None


def _workload_by_lookup(lookups: Lookups, owners: tuple[tuple, ...]) -> tuple[str, str] | None:
    """:func:`workload_of` over (namespace, owner kind, owner name) of each pod, ReplicaSets looked up by key."""
    replicasets = lookups.index("replicasets", "namespace", "name")
    for namespace, owner_kind, owner_name in owners:
        if owner_kind in ("ReplicaSet", "ReplicationController"):
            owner = replicasets.first((namespace, owner_name)) if not pd.isna(owner_name) else None
            if owner is not None and pd.notna(owner["owner_name"]):
                kind = "deployment" if owner["owner_kind"] == "Deployment" else "dc"
                return kind, owner["owner_name"]
            if owner_kind == "ReplicaSet" and isinstance(owner_name, str) and "-" in owner_name:
                return "deployment", owner_name.rsplit("-", 1)[0]
        if owner_kind == "StatefulSet":
            return "statefulset", owner_name
    return None
# --- judging a stretch of time (v1.1): rules read analyzer/facts, these helpers phrase what they find ---
def incident_status(
    ctx: Context, route: RouteRef, last_error: datetime | None
) -> tuple[IncidentStatus, datetime | None]:
    """Whether the route's errors were still going on at the end of its access log.

    ``ended`` (with ``ended_at`` = the last error) when the route logged requests after ``last_error``
    and none of them is a router-side 5xx; ``ongoing`` when the last requests still fail; ``unknown``
    without access-log lines of the route or a time for the error.
    """
    req = route_requests(ctx, route)
    if req.empty or last_error is None:
        return IncidentStatus.UNKNOWN, None
    after = req[(req["ts"] > pd.Timestamp(last_error)).fillna(False).astype(bool)]
    if after.empty:
        return IncidentStatus.ONGOING, None
    if router_side_mask(after).any():
        return IncidentStatus.ONGOING, None
    return IncidentStatus.ENDED, last_error


def fact_evidence(ctx: Context, where: Where, needle: str, fallback: str) -> Evidence:
    """Cite a fact: its kept log line, else the line at or after its object's first line that holds
    ``needle``; ``fallback`` (a part of the line) when the file's text is not kept (log lines)."""
    text = ctx.snap.log_text(where.input, where.source, where.line) if where.line else None
    if text is not None:
        return Evidence(source=where.source, line=where.line, text=text, input=where.input)
    if where.line is None or (where.input or "", where.source) not in ctx.snap.texts:
        return Evidence(source=where.source, line=where.line, text=fallback, input=where.input)
    line, found = ctx.snap.find_line(where.input, where.source, where.line, needle)
    return Evidence(source=where.source, line=line, text=found, input=where.input)


def hhmm(value: datetime | None) -> str:
    """``~08:37`` style time for explanations (the full time stays in first_seen/began_at)."""
    return value.strftime("%H:%M:%S") if value else "an unknown time"


def is_true(value: object) -> bool:
    """A nullable boolean cell as a plain bool (``<NA>`` is not true)."""
    return value is not None and not pd.isna(value) and bool(value)


def text_or(value: object, default: str) -> str:
    """A cell's text when it is a non-empty string, else ``default``."""
    return value if isinstance(value, str) and value else default


def label_selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).

    ``None`` (the field is absent) selects nothing here; ``{}`` selects everything.
    """
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(str(k)) != str(v):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = str(expr.get("key")), expr.get("operator"), [str(x) for x in expr.get("values") or []]
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def tls_down_nosrv(ctx: Context, route: RouteRef) -> pd.DataFrame:
    """503 ``<NOSRV>`` on the route's ``be_secure`` backend while its servers were DOWN for a failed handshake.

    The health check reports ``Layer6 invalid response, info: "SSL handshake failure"`` when the
    router speaks TLS to a plain-HTTP port (router-facts.md §8); from that DOWN until a server is
    UP again, the backend has no server and every request gets the router's 503. P302 owns these
    lines, and E203 leaves them out.
    """
    changes = ctx.facts.server_changes(route.namespace, route.name)
    downs = [c for c in changes if c.state == "DOWN" and c.ts and (c.reason or "").startswith("Layer6")]
    req = route_requests(ctx, route)
    if not downs or req.empty:
        return req.iloc[0:0]
    start = min(c.ts for c in downs if c.ts)
    ups = [c.ts for c in changes if c.state == "UP" and c.ts and c.ts > start]
    nosrv = select(req, status=503, term="SC", server_kind="nosrv")
    keep = (nosrv["backend_kind"].astype("string") == "be_secure").fillna(False).astype(bool)
    keep &= (nosrv["ts"] >= pd.Timestamp(start)).fillna(False).astype(bool)
    if ups:
        keep &= (nosrv["ts"] < pd.Timestamp(min(ups))).fillna(False).astype(bool)
    return nosrv[keep]
