"""Small shared helpers for rules of every family: a route's backends, pods and requests, log summaries.

Rules read the snapshot through these (and the other neutral modules of ``analyzer/rules/``), never
through another rule family's module. Answers several rules need are computed once per analysis
context with :func:`memo`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.facts import Facts, Where
from analyzer.facts.lines import LineTimes
from analyzer.ledger import router_side_mask
from analyzer.lookup import FAILURES, WHOLE_FRAMES, ColumnCache, FrameIndex, Lookups, Rows, RowView, equals
from analyzer.model import Evidence, IncidentStatus
from parsers.normal_lines import accepted_at
from parsers.nullable import present_where
from parsers.snapshot import Snapshot

T = TypeVar("T")


def memo(ctx: Context, key: tuple, build: Callable[[], T]) -> T:
    """Compute once per analysis context: several rules ask the same question of the same route."""
    if key not in ctx._cache:
        ctx._cache[key] = build()
    return ctx._cache[key]


def no_rows(ctx: Context, rows: pd.DataFrame) -> pd.DataFrame:
    """An empty frame of ``rows``' columns and types, made once per context: an empty slice of the request
    frame's 29 columns cost 0.1 ms, and rules asked one of every route. Callers read it, never change it."""
    return memo(ctx, ("no-rows", tuple(rows.columns), tuple(rows.dtypes)), lambda: rows.iloc[0:0])


@dataclass(frozen=True)
class RouteRef:
    namespace: str
    name: str
    services: tuple[str, ...]
    termination: str
    endpoints_ready: int | None
    endpoints_total: int | None
    row: pd.Series | RowView  # the first backend row of the routes frame (for evidence)


def routes(ctx: Context) -> Iterator[RouteRef]:
    """Every selected route once, with its joined summary (built once per context, shared by all rules)."""
    if "routes" not in ctx._cache:
        ctx._cache["routes"] = list(_route_refs(ctx))
    yield from ctx._cache["routes"]


def _route_refs(ctx: Context) -> Iterator[RouteRef]:
    summary = ctx.route_summary
    if ctx.lookups is not None:
        yield from _indexed_route_refs(ctx, summary)
        return
    else:
        backends = ctx.routes
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


_REF_COLUMNS = ("namespace", "name", "services", "termination", "endpoints_ready", "endpoints_total")


def _indexed_route_refs(ctx: Context, summary: pd.DataFrame) -> Iterator[RouteRef]:
    """The route refs from the summary's columns, each with its first backend row as a :class:`RowView`.

    With the whole snapshot's lookups, the rows are those of the whole routes frame (indexed and read
    once for every namespace): a namespace's frame is a stable slice of it, so the first backend row
    of a route is the same row, with the same label. A route filter only drops routes the summary
    has already dropped.
    """
    if summary.empty:
        return
    whole = ctx.whole_lookups
    if whole is not None:
        index = whole.index("routes", ("namespace", "name"))
        order = whole.column("routes", "backend_index")
        columns = whole.row_cache("routes")
        backends = columns.frame
    else:
        backends = ctx.routes  # this namespace's part: taken only without the whole snapshot's lookups
        index = FrameIndex(backends, ("namespace", "name"))
        order = backends["backend_index"].tolist() if len(backends) else []
        columns = ColumnCache(backends)  # shared by the rows of this frame
    if ctx.summary_rows is not None:
        values: Iterable[tuple] = ([row[c] for c in _REF_COLUMNS] for row in ctx.summary_rows)
    else:
        values = zip(*(summary[c].tolist() for c in _REF_COLUMNS), strict=True)
    for ns, name, services, termination, ready, total in values:
        found = _by_backend_index(index.positions((ns, name)), order)
        if not found:
            continue
        yield RouteRef(
            namespace=ns,
            name=name,
            services=tuple(services),
            termination=termination if isinstance(termination, str) else "none",
            endpoints_ready=None if pd.isna(ready) else int(ready),
            endpoints_total=None if pd.isna(total) else int(total),
            row=RowView(backends, found[0], columns),
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
        memo[key] = _backend_index(ctx).take(_backend_positions(ctx, route))
    return memo[key]


def _backend_index(ctx: Context) -> FrameIndex:
    """The context's backend rows (``ctx.routes``) by (namespace, name), built once (lookups only).

    With the whole snapshot's lookups, the whole routes frame's index and columns, shared by every
    namespace: the context's routes are a stable slice of it, and the rows of a selected route are
    the same rows there (a route filter only drops routes the summary has already dropped).
    """
    memo = ctx.lookups.memo  # type: ignore[union-attr]
    if "backend-index" not in memo:
        whole = ctx.whole_lookups
        if whole is not None:
            memo["backend-index"] = whole.index("routes", ("namespace", "name"))
            memo["backend-order"] = whole.column("routes", "backend_index")
        else:
            r = ctx.routes
            memo["backend-index"] = FrameIndex(r, ("namespace", "name"))
            memo["backend-order"] = r["backend_index"].tolist() if len(r) else []
    return memo["backend-index"]


def _backend_positions(ctx: Context, route: RouteRef) -> list[int]:
    """Positions in ``ctx.routes`` of the route's backend rows, spec.to first (lookups only)."""
    index = _backend_index(ctx)
    return _by_backend_index(index.positions((route.namespace, route.name)), ctx.lookups.memo["backend-order"])  # type: ignore[union-attr]


def route_backend_values(ctx: Context, route: RouteRef, *columns: str) -> list[list]:
    """``[route_backends(ctx, route)[c].tolist() for c in columns]``, without taking the rows on the lookup path."""
    if ctx.lookups is None:
        rows = route_backends(ctx, route)
        return [rows[c].tolist() for c in columns]
    positions = _backend_positions(ctx, route)
    out = []
    for c in columns:
        key = ("backend-column", c)
        if key not in ctx.lookups.memo:
            frame = _backend_index(ctx).frame
            if ctx.whole_lookups is not None:  # the index is the whole frame's: so is its column, read once
                ctx.lookups.memo[key] = ctx.whole_lookups.column("routes", c)
            else:
                ctx.lookups.memo[key] = frame[c].tolist() if len(frame) else []
        whole = ctx.lookups.memo[key]
        out.append([whole[p] for p in positions])
    return out


def route_backends(ctx: Context, route: RouteRef) -> pd.DataFrame:
    """The route's backend rows (spec.to first, then alternateBackends), computed once."""
    return memo(ctx, ("backends", route.namespace, route.name), lambda: backend_rows(ctx, route))


def namespace_values(ctx: Context, frame: str, column: str) -> frozenset:
    """``frozenset(ctx.snap.frame(frame)[column].dropna())`` of the context's namespace, computed once per context.

    With the whole snapshot's lookups, the sets of every namespace come from one pass over the whole
    frame's columns (a namespace's rows are its part of the whole frame).
    """
    def build() -> frozenset:
        whole = ctx.whole_lookups
        namespace = getattr(ctx.snap, "namespace", None)
        if ctx.lookups is not None and whole is not None and isinstance(namespace, str) and frame in WHOLE_FRAMES:
            if not whole.serves(frame):  # no rows at all (or no namespace column): every part is empty
                return frozenset()
            return whole.values_by_namespace(frame, column).get(namespace, frozenset())
        return frozenset(ctx.snap.frame(frame)[column].dropna())

    return memo(ctx, ("namespace-values", frame, column), build)


def whole_frame(ctx: Context, name: str) -> pd.DataFrame:
    """A frame across every namespace: rules run per namespace, but router-wide facts are not namespaced."""
    frames = getattr(ctx.snap, "frames", None)
    found = frames.get(name) if isinstance(frames, dict) else None
    return found if found is not None else ctx.snap.frame(name)


def has_resource(ctx: Context, namespace: str, resource: str) -> bool:
    """True when the inputs held that resource type for the namespace, every object of it read (so
    absence means absence): a file of it that could not be parsed, or that lost an item or document,
    leaves it uncollected, as if absent."""
    return (namespace, resource) in ctx.snap.collected_resources


def service_row(ctx: Context, namespace: str, service: str) -> pd.Series | RowView | None:
    """The service's row (its first, should the inputs hold it twice), or None."""
    if ctx.lookups is not None:
        memo = ctx.lookups.memo
        key = ("service-row", namespace, service)
        if key not in memo:
            found = ctx.lookups.index("services", "namespace", "name").positions((namespace, service))
            memo[key] = ctx.lookups.row_view("services", found[0]) if len(found) else None
        return memo[key]
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
    """:func:`_route_pods` by row positions (:func:`route_pod_rows`)."""
    return route_pod_rows(ctx, route).frame


def route_pod_rows(ctx: Context, route: RouteRef) -> Rows:
    """The rows :func:`route_pods` holds, by position: each service's selected pods, then its endpoint
    targets, each pod once (lookups only; cached per route, the frame built on first use)."""
    key = ("route_pod_rows", route.namespace, route.name)
    if key not in ctx._cache:
        assert ctx.lookups is not None
        ctx._cache[key] = ctx.lookups.rows_at("pods", _route_pod_positions(ctx, ctx.lookups, route))
    return ctx._cache[key]


def _route_pod_positions(ctx: Context, lookups: Lookups, route: RouteRef) -> list[int]:
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

    services = lookups.index("services", "namespace", "name")
    selectors = lookups.column("services", "selector")
    for svc in route.services:
        found = services.positions((route.namespace, svc))
        if len(found):  # the service_row's selector
            keep(_selected_positions(lookups, route.namespace, labels_of(selectors[found[0]])))
        names = {endpoint_pods[p] for p in endpoints.positions((route.namespace, svc))} - {None, pd.NA}
        keep(by_name.positions_any((route.namespace, n) for n in names))
    return picked


def route_pod_names(ctx: Context, route: RouteRef) -> list:
    """``route_pods(ctx, route)["name"].tolist()``, without building the rows on the lookup path."""
    if ctx.lookups is None:
        return route_pods(ctx, route)["name"].tolist()
    return route_pod_rows(ctx, route).values("name")


def route_workload(ctx: Context, route: RouteRef) -> tuple[str, str] | None:
    """``workload_of(ctx, route_pods(ctx, route))``, read from the pods' owner columns on the lookup path."""
    if ctx.lookups is None:
        return workload_of(ctx, route_pods(ctx, route))
    rows = route_pod_rows(ctx, route)
    if rows.empty:
        return None
    owners = tuple(zip(rows.values("namespace"), rows.values("owner_kind"), rows.values("owner_name"), strict=True))
    return _workload_memo(ctx.lookups, owners)


# the comment of a fix that names ``deployment/DEPLOYMENT`` because the inputs name no workload of the pods
FILL_IN_WORKLOAD = "DEPLOYMENT: the workload whose pods serve the route"


def ic_of(route: RouteRef) -> str:
    """The IngressController that admitted the route (the first one named), ``default`` when unknown: the
    one a fix of the router's settings patches, whose pods (deployment ``router-<name>``) serve the route."""
    routers = route.row.get("admitted_routers")
    names = [n for n in str(routers).split(",") if n] if isinstance(routers, str) else []
    return names[0] if names else "default"


def command_names(ctx: Context, route: RouteRef, *more: object) -> list[object]:
    """The names from the inputs that a route's commands may hold, for ``Rule.finding``'s ``names``: its pods
    and their nodes, the workload that owns them, its services' selector labels (keys and values), and ``more``.

    Each is quoted where it stands in a command if a shell would not read it as one plain word; a name the
    commands do not hold costs nothing.
    """
    pods = route_pods(ctx, route)
    names: list[object] = [*pods["name"].tolist(), *pods["node"].tolist()] if not pods.empty else []
    names += list(route_workload(ctx, route) or ())
    for service in route.services:
        row = service_row(ctx, route.namespace, service)
        if row is not None:
            names += [word for pair in labels_of(row["selector"]).items() for word in pair]
    return [*names, *more]


def route_requests(ctx: Context, route: RouteRef) -> pd.DataFrame:
    return ctx.route_rows(route.namespace, route.name)


def route_select(
    ctx: Context, route: RouteRef, *, status: int | None = None, term: str | None = None,
    server_kind: str | None = None,
) -> pd.DataFrame:
    """``select(route_requests(ctx, route), ...)``, found on the lookup path through an index of the
    namespace's requests by route, status and termination state.

    Every rule asks a route for its lines of one status and state (504 ``sH``, 502 ``SH``); a boolean
    selection of the route's rows compared three columns and took every column of the matches per
    question. The index reads the key columns once per namespace; a route's lines of one status and
    state are then the rows at their positions (the same rows, labels and order: the route's rows are
    the namespace's in frame order). A server kind is selected among those rows by their positions,
    found once per question (``FrameIndex.rows_where``). A 5xx status is found in an index of the 5xx
    lines only (``lookup.failure_rows``: a busy application's log is mostly answered below 500).
    """
    if ctx.lookups is None or status is None or term is None:
        return select(route_requests(ctx, route), status=status, term=term, server_kind=server_kind)
    among = FAILURES if 500 <= status < 600 else None
    index = ctx.lookups.index("requests", "namespace", "route", "status", "term", among=among)
    key = (route.namespace, route.name, status, term)
    return index.rows_where(key, None if server_kind is None else "server_kind", server_kind)


def select(
    req: pd.DataFrame, *, status: int | None = None, term: str | None = None, server_kind: str | None = None
) -> pd.DataFrame:
    if req.empty:
        return req
    keep = np.ones(len(req), dtype=bool)
    if status is not None:
        keep &= equals(req["status"], status)
    if term is not None:
        keep &= equals(req["term"], term)
    if server_kind is not None:
        keep &= equals(req["server_kind"], server_kind)
    if not keep.any():  # the usual answer: a slice of no rows, not a take of every column
        return req.iloc[0:0]
    return req[keep]


def span(rows: pd.DataFrame) -> tuple[datetime | None, datetime | None]:
    if rows.empty or rows["ts"].isna().all():
        return None, None
    return rows["ts"].min().to_pydatetime(), rows["ts"].max().to_pydatetime()


def line_positions(ctx: Context, rows: pd.DataFrame) -> tuple[LineTimes | None, slice | np.ndarray]:
    """The whole frame's line arrays and where ``rows`` are in them; (None, ...) where they cannot tell."""
    lines = ctx.facts.lines
    at = lines.positions(rows) if lines is not None else None
    return (lines, at) if lines is not None and at is not None else (None, slice(0, 0))


def log_facts(ctx: Context, rows: pd.DataFrame) -> dict:
    """first_seen / last_seen / affected_requests, log evidence and the claims for the rows a finding counts.

    ``claims`` are the rows' labels in the snapshot's ``requests`` frame: the lines the finding explains,
    which the error ledger gives to one finding each (analyzer/precedence.py decides between two).
    The span is read from the whole frame's time array at the rows' positions where it can be.
    """
    lines, at = line_positions(ctx, rows) if len(rows) else (None, slice(0, 0))
    if lines is not None:
        earliest, latest = lines.span(at)
        first, last = (None, None) if earliest is pd.NaT else (earliest.to_pydatetime(), latest.to_pydatetime())
    else:
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
        return _workload_memo(ctx.lookups, owners)
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


def _workload_memo(lookups: Lookups, owners: tuple[tuple, ...]) -> tuple[str, str] | None:
    key = ("workload", owners)
    if key not in lookups.memo:
        lookups.memo[key] = _workload_by_lookup(lookups, owners)
    return lookups.memo[key]


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

    ``ended`` (with ``ended_at`` = the last error) when the route's last lines, after ``last_error``
    and after its last router-side 5xx of any cause, were none of them a router-side 5xx over a quiet
    stretch long enough to tell an end from the pause between two errors of an intermittent fault: at
    least :data:`QUIET_MIN` and three times the median gap between the route's router-side 5xx. A
    later failure of another cause that itself stopped does not keep this one going (the route was
    answering at the end of its log). ``ongoing`` otherwise (the last requests still fail, or too
    little success followed); ``unknown`` without access-log lines of the route or a time for the
    error. A route still failing where the lines read stop well before the inputs were collected is
    ``unknown``, not ``ongoing``: a ``--until`` window that closes before the collection, or access logs
    that end more than :data:`LOG_END_BEFORE_COLLECTION` before it (:func:`unseen_end`).
    """
    status, ended = _status_in_log(ctx, route, last_error)
    if status is IncidentStatus.ONGOING and unseen_end(ctx) is not None:
        return IncidentStatus.UNKNOWN, None
    return status, ended


@dataclass(frozen=True)
class UnseenEnd:
    """Where the access-log lines read stop, well before the inputs were collected: what happened between
    ``at`` and the collection is not in the analysis. ``by_window``: a ``--until`` cut them, else the logs
    themselves end there (an excerpt, a router that stopped logging)."""

    at: datetime
    by_window: bool
    collected: datetime | None


# A must-gather takes its router pods' logs while it runs, and the router logs the ingress canary's checks
# besides the applications' traffic: logs that end more than this before the collection began are an excerpt
# (or a router that stopped logging), not a quiet hour. Longer than a gather of a large cluster takes.
LOG_END_BEFORE_COLLECTION = timedelta(hours=1)


def unseen_end(ctx: Context) -> UnseenEnd | None:
    """The end of the access-log lines read, when it lies well before the inputs' collection: a ``--until``
    before it (or without a known collection time), else the latest accept time of every log read more than
    :data:`LOG_END_BEFORE_COLLECTION` before the collection began. None when the logs reach the collection."""
    return memo(ctx, ("unseen-end",), lambda: _unseen_end(ctx))


def _unseen_end(ctx: Context) -> UnseenEnd | None:
    until, collected = ctx.snap.log_until, ctx.snap.collection_window[0]
    if until is not None and (collected is None or pd.Timestamp(until) < pd.Timestamp(collected)):
        return UnseenEnd(until, True, collected)
    logged = ctx.snap.totals().time_range()
    if logged is None or collected is None:
        return None
    last = pd.Timestamp(logged[1], tz="UTC")
    if pd.Timestamp(collected) - last <= LOG_END_BEFORE_COLLECTION:
        return None
    return UnseenEnd(last.to_pydatetime(), False, collected)


def _status_in_log(
    ctx: Context, route: RouteRef, last_error: datetime | None
) -> tuple[IncidentStatus, datetime | None]:
    """:func:`incident_status` from the route's lines alone (the window not considered)."""
    req = route_requests(ctx, route)
    if last_error is None or (req.empty and not ctx.normal_lines.count(route.namespace, route.name)):
        return IncidentStatus.UNKNOWN, None
    # several findings of a route ask this with their own last error: what the route's lines say is read
    # once per route (its latest line, its latest router-side 5xx; the gaps only if it may have ended)
    last_line, last_failing = memo(ctx, ("incident-last-times", route.namespace, route.name),
                                   lambda: _last_times(ctx, req, route))
    at = pd.Timestamp(last_error)
    if not last_line > at:  # nothing after the error
        return IncidentStatus.ONGOING, None
    # the quiet stretch runs from the route's last router-side 5xx: a later failure of another cause keeps the
    # route failing until then, and once it too is followed by success, this fault was over as well
    quiet_from = last_failing if last_failing > at else at  # NaT compares False: the error itself
    needed = memo(ctx, ("incident-quiet-needed", route.namespace, route.name), lambda: _quiet_needed(ctx, req))
    if last_line - quiet_from < needed:
        return IncidentStatus.ONGOING, None
    return IncidentStatus.ENDED, last_error


def _last_times(ctx: Context, req: pd.DataFrame, route: RouteRef | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The latest accept time of a route's lines, and of its router-side 5xx (NaT where none has one);
    read from the whole frame's time and router-side arrays at the route's positions
    (:class:`analyzer.facts.lines.LineTimes`), else on the route's columns alone. The route's latest line
    may be a counted normal line (``ctx.normal_lines``, of ``route``): never a router-side 5xx."""
    lines, at = line_positions(ctx, req) if len(req) else (None, slice(0, 0))
    if lines is not None:
        last_line, last_failing = lines.latest(at), lines.latest(at, router_side=True)
    elif len(req):
        ts = req["ts"]
        last_line, last_failing = ts.max(), ts[router_side_mask(req).to_numpy(dtype=bool)].max()
    else:
        last_line, last_failing = pd.NaT, pd.NaT
    return _later(last_line, _last_normal(ctx, route)), last_failing


def _last_normal(ctx: Context, route: RouteRef | None) -> pd.Timestamp:
    """The latest accept time of the route's counted normal lines (UTC), NaT where it has none."""
    ms = ctx.normal_lines.last_accept_ms(route.namespace, route.name) if route is not None else None
    return pd.NaT if ms is None else accepted_at(ms)


def _later(one: pd.Timestamp, other: pd.Timestamp) -> pd.Timestamp:
    """The later of two moments, either NaT (missing): the other one."""
    if pd.isna(other):
        return one
    return other if pd.isna(one) or other > one else one


def _quiet_needed(ctx: Context, req: pd.DataFrame) -> timedelta:
    """How long a route must answer without a router-side 5xx for its errors to have ended: at least
    :data:`QUIET_MIN` and three times the median gap between those 5xx (never a counted normal line: a
    route without rows has none)."""
    if req.empty:
        return QUIET_MIN
    lines, at = line_positions(ctx, req)
    if lines is not None:
        gaps = lines.router_side_gaps(at)
    else:
        gaps = req["ts"][router_side_mask(req).to_numpy(dtype=bool)].dropna().sort_values().diff().dropna()
    return max(QUIET_MIN, 3 * gaps.median().to_pytimedelta()) if not gaps.empty else QUIET_MIN


QUIET_MIN = timedelta(minutes=1)  # the shortest run of successful requests after the last error that ends it
LEAD_TIME = timedelta(minutes=10)  # how long before the first error a dated change may be its cause


def incident_timing(
    ctx: Context, route: RouteRef, first_error: datetime | None, last_error: datetime | None,
    *changes: datetime | None,
) -> tuple[datetime | None, IncidentStatus, datetime | None]:
    """``began_at``, ``status_at_collection`` and ``ended_at`` of a finding whose errors span
    ``first_error``..``last_error``.

    ``changes`` are the dated facts the rule read as the fault's start (a route or service edit, a
    policy's creation, the first failed probe, a container's termination): ``began_at`` is the
    earliest of them that lies at most :data:`LEAD_TIME` before the first error (a change after the
    first error did not start it, one long before it did not either: the errors would have come
    earlier), else the first error itself. Without a first error (no access-log line of the
    fault), the latest change, if any. Status and ``ended_at`` as :func:`incident_status`.
    """
    status, ended = incident_status(ctx, route, last_error)
    return began_at(first_error, *changes), status, ended


def began_at(first_error: datetime | None, *changes: datetime | None) -> datetime | None:
    """``began_at`` as :func:`incident_timing` dates it: the earliest change at most :data:`LEAD_TIME` before
    the first error, else that error; without a first error, the latest change (None without either)."""
    dated = [c for c in changes if c is not None]
    if first_error is None:
        return max(dated) if dated else None
    near = [c for c in dated if first_error - LEAD_TIME <= c <= first_error]
    return min(near) if near else first_error


def timing_sentence(began: datetime | None, status: IncidentStatus, ended: datetime | None,
                    source: str | None = None, cut: UnseenEnd | None = None,
                    later_failure: datetime | None = None) -> str:
    """One sentence for an explanation: when the fault began (and from which evidence), whether it was over;
    ``cut``: where the lines read stopped before the collection, which left the status unknown (:func:`unseen_end`);
    ``later_failure``: the route's last router-side 5xx, which an ended fault's sentence names when it came after
    the fault's end (another cause's: "the requests after that succeeded" would not be true of the end)."""
    if began is None:
        return ""
    out = f" It began at {hhmm(began)}" + (f" ({source})" if source else "")
    if status is IncidentStatus.UNKNOWN and cut is not None and cut.by_window:
        return out + (f"; requests still failed at the end of the window (--until {hhmm(cut.at)}): the log lines "
                      "after it were not read, so whether it was over at collection is not known.")
    if status is IncidentStatus.UNKNOWN and cut is not None:
        return out + (f"; requests still failed where the access logs end ({fmt_ts(cut.at)}), "
                      f"{_hours(cut.collected - cut.at)} before the inputs were collected ({fmt_ts(cut.collected)}): "
                      "whether it was over at collection is not known.")
    if status is IncidentStatus.ENDED and later_failure is not None and ended is not None and later_failure > ended:
        return out + (f" and ended at {hhmm(ended)}; the route failed again until {hhmm(later_failure)} (errors "
                      "this finding does not explain), and its requests after that succeeded.")
    if status is IncidentStatus.ENDED:
        return out + f" and ended at {hhmm(ended)}: the route's requests after that succeeded."
    if status is IncidentStatus.ONGOING:
        return out + "; requests still failed at the end of the access log."
    return out + "."


def timing(ctx: Context, route: RouteRef, facts: dict, *changes: datetime | None,
           source: str | None = None) -> tuple[dict[str, Any], str]:
    """The finding fields ``began_at``/``status_at_collection``/``ended_at`` for the errors in ``facts``
    (:func:`log_facts`) and the sentence that says them; ``source`` names the change's evidence, said
    only when a change (not the first error) dates the fault."""
    first, last = facts.get("first_seen"), facts.get("last_seen")
    began, status, ended = incident_timing(ctx, route, first, last, *changes)
    said = source if began is not None and began != first else None
    sentence = timing_sentence(began, status, ended, said, unseen_end(ctx) if last is not None else None,
                               _last_router_side(ctx, route) if status is IncidentStatus.ENDED else None)
    opened = window_cut_start(ctx, route, first) if began is not None and began == first else None
    if opened is not None:
        sentence += (f" The route answered nothing between the window's opening (--since {hhmm(opened)}) and "
                     "that start: the fault may have begun earlier, in lines that were not read.")
    return {"began_at": began, "status_at_collection": status, "ended_at": ended}, sentence


def _last_router_side(ctx: Context, route: RouteRef) -> datetime | None:
    """The accept time of the route's last router-side 5xx (None where it has none), as :func:`incident_status`
    reads it (once per route)."""
    req = route_requests(ctx, route)
    _, last_failing = memo(ctx, ("incident-last-times", route.namespace, route.name),
                           lambda: _last_times(ctx, req, route))
    return None if pd.isna(last_failing) else last_failing.to_pydatetime()


def window_cut_start(ctx: Context, route: RouteRef, first_error: datetime | None) -> datetime | None:
    """The ``--since`` the access-log lines were read from, when the route answered nothing from it until
    ``first_error`` (no line answered 100-499, nor a TCP connection that closed normally, in its rows or its
    counted normal lines): the fault may have begun before the window, in lines that were not read. None
    otherwise."""
    since = ctx.snap.log_since
    if since is None or first_error is None:
        return None
    start, end = pd.Timestamp(since), pd.Timestamp(first_error)
    if ctx.normal_lines.count_between(route.namespace, route.name, start, end, before=True):
        return None  # a counted normal line is an answer by definition (parsers.normal_lines)
    req = route_requests(ctx, route)
    if len(req):
        before = (req["ts"] < end).fillna(False).to_numpy(dtype=bool)
        status = req["status"]
        answered = present_where(status, lambda values: (values >= 100) & (values < 500))
        closed = (status.isna().to_numpy(dtype=bool) & equals(req["term"], "--")
                  & present_where(req["Tc"], lambda values: values >= 0))
        if bool(np.any(before & (answered | closed))):
            return None
    return since


def _hours(gap: timedelta) -> str:
    """A gap of an hour or more in words: ``6 h 16 min``, ``3 days 2 h``."""
    minutes = int(gap.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def restarting_at(facts: Facts, namespace: str, pod: str, moment: datetime, window: pd.Timedelta) -> bool:
    """Whether ``pod`` was restarting its container (not being replaced) around ``moment``.

    The pod is still in the archive, not being deleted and never sent a ``Killing`` event, and a
    container of it restarted: its last termination (``lastState.terminated.finishedAt``) lies within
    ``window`` of ``moment``, or the kubelet's ``BackOff`` events (a crash loop) span it. A health-check
    DOWN of such a pod is its crash, K601's, not a rollout's.
    """
    timeline = facts.pod_timeline(namespace, pod)
    if not timeline.in_archive or timeline.deleted is not None or timeline.last_killed() is not None:
        return False
    at = pd.Timestamp(moment)
    restarted = [c for c in timeline.containers if c.restart_count > 0]
    if not restarted:
        return False
    if any(c.last_finished is not None and abs(pd.Timestamp(c.last_finished) - at) <= window for c in restarted):
        return True
    return any(e.reason == "BackOff" and e.first_seen is not None and e.last_seen is not None
               and pd.Timestamp(e.first_seen) - window <= at <= pd.Timestamp(e.last_seen) + window
               for e in timeline.events)


def last_change(ctx: Context, kind: str, namespace: str, name: str) -> datetime | None:
    """When a route, service or networkpolicy was last edited (``managedFields``), else created."""
    times = ctx.facts.object_times(kind, namespace, name)
    if times is None:
        return None
    return times.last_edited or times.created


def dated_change(ctx: Context, kind: str, namespace: str, name: str, label: str) -> tuple[datetime | None, str]:
    """:func:`last_change` and the words that name its source truthfully: ``"<label>'s last edit,
    managedFields"`` when an edit dated it, ``"<label>'s creation, creationTimestamp"`` when only the
    creation did (an object without ``managedFields`` was never shown to be edited)."""
    times = ctx.facts.object_times(kind, namespace, name)
    if times is None:
        return None, ""
    if times.last_edited is not None:
        return times.last_edited, f"{label}'s last edit, managedFields"
    return times.created, f"{label}'s creation, creationTimestamp" if times.created is not None else ""


def first_event(ctx: Context, namespace: str, pods: Iterable[str], reason: str | tuple[str, ...]) -> datetime | None:
    """The earliest ``first_seen`` of the events with ``reason`` about any of ``pods``."""
    wanted = set(pods)
    times = [e.first_seen for e in ctx.facts.events(namespace, kind="Pod", reason=reason)
             if e.name in wanted and e.first_seen is not None]
    return min(times) if times else None


def fact_evidence(ctx: Context, where: Where, needle: str, fallback: str) -> Evidence:
    """Cite a fact: its kept log line, else the line at or after its object's first line that holds
    ``needle``; ``fallback`` (a part of the line) when the file's text is not kept (log lines), marked to be
    read back from its log once the rules are done (:func:`analyzer.evidence.quote_cited_log_lines`), as a
    cited request line is: a router message is then quoted as it stands in the file, its prefix included."""
    text = ctx.snap.log_text(where.input, where.source, where.line) if where.line else None
    if text is not None:
        return Evidence(source=where.source, line=where.line, text=text, input=where.input)
    if where.line is None or (where.input or "", where.source) not in ctx.snap.texts:
        return Evidence(source=where.source, line=where.line, text=fallback, input=where.input,
                        described=where.line is not None)
    line, found = ctx.snap.find_line(where.input, where.source, where.line, needle)
    return Evidence(source=where.source, line=line, text=found, input=where.input)


# the UTC day the explanations' times of day are read against (:func:`hhmm`): set for one analysis by
# :func:`times_read_against`, unset (no date ever written) outside one
_REFERENCE_DAY: ContextVar[date | None] = ContextVar("reference_day", default=None)


def reference_day(snap: Snapshot) -> date | None:
    """The day a reader takes a bare time of day to be on: the collection's (its start), else the day of the
    last access-log line read; None when the inputs hold neither."""
    collected = snap.collection_window[0] or snap.collection_window[1]
    if collected is not None:
        moment = pd.Timestamp(collected)
        return (moment.tz_convert("UTC") if moment.tzinfo else moment).date()
    logged = snap.totals().time_range() if snap.has_access_logs else None
    return pd.Timestamp(logged[1], tz="UTC").date() if logged is not None else None


@contextmanager
def times_read_against(day: date | None) -> Iterator[None]:
    """Within: :func:`hhmm` writes the date of a time that is not on ``day``."""
    token = _REFERENCE_DAY.set(day)
    try:
        yield
    finally:
        _REFERENCE_DAY.reset(token)


def hhmm(value: datetime | None) -> str:
    """``08:37:00`` style time for explanations (the full time stays in first_seen/began_at), with its date
    (``2026-11-17 08:37:00``) when it is not on the day the analysis reads times against
    (:func:`times_read_against`: the collection's): an outage of the day before, a route created days earlier,
    a log that runs past midnight are not read as the collection day's."""
    if not value:
        return "an unknown time"
    day = _REFERENCE_DAY.get()
    moment = pd.Timestamp(value)
    moment = moment.tz_convert("UTC") if moment.tzinfo else moment
    return moment.strftime("%H:%M:%S" if day is None or moment.date() == day else "%Y-%m-%d %H:%M:%S")


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
    nosrv = down_nosrv(ctx, route, "Layer6")
    return nosrv[(nosrv["backend_kind"].astype("string") == "be_secure").fillna(False).astype(bool)]


def down_nosrv(ctx: Context, route: RouteRef, reason: str, info: str | None = None) -> pd.DataFrame:
    """503 ``<NOSRV>`` on the route from the first health-check DOWN whose reason starts with ``reason``
    (and whose info holds ``info``) until a server of the route is UP again: the backend had no server
    because the checks failed that way, so the cause that explains the checks owns these lines."""
    changes = ctx.facts.server_changes(route.namespace, route.name)
    downs = [c for c in changes if c.state == "DOWN" and c.ts and (c.reason or "").startswith(reason)
             and (info is None or info in (c.info or ""))]
    req = route_requests(ctx, route)
    if not downs or req.empty:
        return no_rows(ctx, req)
    start = min(c.ts for c in downs if c.ts)
    ups = [c.ts for c in changes if c.state == "UP" and c.ts and c.ts > start]
    nosrv = route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
    keep = (nosrv["ts"] >= pd.Timestamp(start)).fillna(False).astype(bool)
    if ups:
        keep &= (nosrv["ts"] < pd.Timestamp(min(ups))).fillna(False).astype(bool)
    return nosrv[keep]
