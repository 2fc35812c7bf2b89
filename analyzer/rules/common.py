"""Small shared helpers for rules of every family: a route's backends, pods and requests, log summaries.

Rules read the snapshot through these (and the other neutral modules of ``analyzer/rules/``), never
through another rule family's module. Answers several rules need are computed once per analysis
context with :func:`memo`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.model import Evidence

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


def first_service(route: RouteRef) -> str | None:
    """The service of ``spec.to``: the one a route finding names."""
    return route.services[0] if route.services else None


def backend_rows(ctx: Context, route: RouteRef) -> pd.DataFrame:
    r = ctx.routes
    return r[(r["namespace"] == route.namespace) & (r["name"] == route.name)].sort_values("backend_index")


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
    pods = ctx.snap.frame("pods")
    mine = pods[pods["namespace"] == namespace]
    if not selector:
        return mine.iloc[0:0]
    keep = [all(labels_of(lbl).get(k) == v for k, v in selector.items()) for lbl in mine["labels"]]
    return mine[keep]


def route_pods(ctx: Context, route: RouteRef) -> pd.DataFrame:
    """Pods behind a route: selected by its services' selectors, plus endpoint targets (cached per route)."""
    key = ("route_pods", route.namespace, route.name)
    if key not in ctx._cache:
        ctx._cache[key] = _route_pods(ctx, route)
    return ctx._cache[key]


def _route_pods(ctx: Context, route: RouteRef) -> pd.DataFrame:
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


def route_requests(ctx: Context, route: RouteRef) -> pd.DataFrame:
    req = ctx.requests
    if req.empty:
        return req
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
