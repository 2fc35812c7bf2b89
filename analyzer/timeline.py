"""Per-route timelines: requests and 5xx per minute, with what the pods and the router did.

The report draws these; computing them here keeps reports free of analysis. Events come from
pod conditions (not ready since), container last terminations (restart, OOM), deletion
timestamps, Kubernetes events (probe failures, kills, back-off), ReplicaSet creation (rollout),
the router's own messages (server DOWN, no server available, reloads) and configuration changes:
the route's and its services' last edit (``managedFields``, when later than creation) and a
termination change the access log shows (the backend-name prefix changed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.facts.common import distinct_texts
from analyzer.model import TimelineEvent, rfc3339

STATUS_CLASSES = ("2xx", "3xx", "4xx", "502", "503", "504", "5xx_other", "other")
MAX_EVENTS = 200
_OTHER = STATUS_CLASSES.index("other")
# a route's minutes are all zero-filled up to a week; over a longer span, only the gaps up to an hour
MAX_FILLED_SPAN = 7 * 24 * 60
MAX_FILLED_GAP = 60
_NS_PER_MINUTE = 60_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def status_class_codes(status: pd.Series) -> np.ndarray:
    """Each row's position in :data:`STATUS_CLASSES`: buckets the way the report stacks them (TCP
    lines, status <NA>, count as "other")."""
    return status_classes(status.to_numpy(dtype="float64", na_value=np.nan))


def status_classes(s: np.ndarray) -> np.ndarray:
    """:func:`status_class_codes` of statuses as floats (NaN where there is none)."""
    out = np.full(len(s), _OTHER, dtype=np.int64)
    out[(s >= 200) & (s < 300)] = STATUS_CLASSES.index("2xx")
    out[(s >= 300) & (s < 400)] = STATUS_CLASSES.index("3xx")
    out[(s >= 400) & (s < 500)] = STATUS_CLASSES.index("4xx")
    out[(s >= 500) & (s < 600)] = STATUS_CLASSES.index("5xx_other")
    for code in (502, 503, 504):
        out[s == code] = STATUS_CLASSES.index(str(code))
    return out


def per_minute(groups: pd.DataFrame) -> list[dict]:
    """Counts per minute by status class of a route's minute groups (``parsers.log_groups.minute_groups``:
    its dated requests, folded), the minutes without a line zero-filled as :func:`minute_counts` says."""
    if groups.empty:
        return []
    minutes = groups["minute"].to_numpy(dtype="datetime64[ns]").astype(np.int64) // _NS_PER_MINUTE
    return minute_counts(minutes, groups["status"].to_numpy(dtype="float64", na_value=np.nan),
                         groups["requests"].to_numpy(dtype=np.float64))


def minute_counts(minutes: np.ndarray, statuses: np.ndarray, requests: np.ndarray) -> list[dict]:
    """:func:`per_minute` of minute groups given as arrays: each group's minute (whole minutes since the
    epoch), status (NaN for none) and requests.

    Every minute from the first to the last is present (zeros included) when that span is at most
    ``MAX_FILLED_SPAN`` minutes. Over a longer span only the gaps of at most ``MAX_FILLED_GAP`` minutes
    are zero-filled; a longer gap is left out and the minute after it says how many minutes were
    (``gap_before``): one line with an outlying date (a year later, or 2100) would otherwise make a row
    for every minute between, hundreds of thousands to millions of them. The rows are so bounded by the
    minutes that hold lines, not by the span.

    Counted with numpy (one weighted ``bincount`` over row × class): a ``crosstab`` per route cost
    about 10 ms, which with thousands of routes in the inputs was a large share of ``mga analyze``;
    the groups are what the access facts already folded, where counting the route's rows again was
    a pass over every kept line (docs/performance.md). A minute's text is made once for every route.
    """
    if not len(minutes):
        return []
    held, held_of = np.unique(np.asarray(minutes, dtype=np.int64), return_inverse=True)
    steps = np.diff(held)  # from each held minute to the next
    if int(held[-1]) - int(held[0]) >= MAX_FILLED_SPAN:
        steps = np.where(steps <= MAX_FILLED_GAP + 1, steps, 1)  # a longer gap takes no rows
    row_of_held = np.concatenate(([0], np.cumsum(steps)))
    rows = int(row_of_held[-1]) + 1
    width = len(STATUS_CLASSES)
    table = np.bincount(row_of_held[held_of.reshape(-1)] * width + status_classes(statuses),
                        weights=np.asarray(requests, dtype=np.float64),
                        minlength=rows * width).astype(np.int64).reshape(rows, width)
    # each row's minute: the held minute it leads up to, less the rows still to come before it
    upto = np.searchsorted(row_of_held, np.arange(rows))
    row_minutes = (held[upto] - (row_of_held[upto] - np.arange(rows))).tolist()
    gaps = {int(row_of_held[i + 1]): int(held[i + 1] - held[i] - 1)
            for i in np.flatnonzero(np.diff(held) != steps)}
    totals = table.sum(axis=1).tolist()
    out = []
    for k, counts in enumerate(table.tolist()):
        entry = {"minute": _minute_text(row_minutes[k]), "total": totals[k]}
        entry.update(zip(STATUS_CLASSES, counts, strict=True))
        if k in gaps:
            entry["gap_before"] = gaps[k]
        out.append(entry)
    return out


@lru_cache(maxsize=1 << 16)
def _minute_text(minute: int) -> str | None:
    """The RFC3339 text of a minute (whole minutes since the epoch); routes of one log share their minutes."""
    return rfc3339(_EPOCH + timedelta(minutes=minute))


def route_timeline(ctx: Context, namespace: str, route: str, services: list[str]) -> tuple[list[dict],
                                                                                           list[TimelineEvent]]:
    minutes = minute_counts(*ctx.facts.access.route_minutes(namespace, route))
    events = route_events(ctx, namespace, route, services)
    return minutes, events


def _pods_of(ctx: Context, namespace: str, services: list[str], route: str) -> set[str]:
    """The pods behind the route: its services' endpoint pods and the pods its lines name (its rows and its
    counted normal lines, ``parsers.normal_lines``)."""
    counted = {str(p) for p in ctx.normal_lines.distinct(namespace, route, "pod")}
    if ctx.lookups is not None:
        endpoints = ctx.lookups.index("endpoints", "namespace", "service")
        names = ctx.lookups.column("endpoints", "pod")
        pods = {names[p] for p in endpoints.positions_any((namespace, s) for s in services)} - {None, pd.NA}
        placed = ctx.route_lines(namespace, route)
        named = placed[0].distinct("pod", placed[1]) if placed is not None else None
        if named is not None:  # the pods its lines name, read at its positions: its rows are not taken
            return pods | named | counted
        mine = ctx.route_rows(namespace, route)
        if not mine.empty:
            pods |= distinct_texts(mine["pod"])
        return pods | counted
    snap = ctx.snap
    eps = snap.frame("endpoints")
    pods = set(eps[(eps["namespace"] == namespace) & eps["service"].isin(services)]["pod"].dropna())
    req = ctx.requests
    if not req.empty:
        mine = req[(req["namespace"] == namespace) & (req["route"] == route)]
        pods |= distinct_texts(mine["pod"])
    return pods | counted


def _dicts_at(ctx: Context, frame: str, positions: list[int]) -> list[dict]:
    """The frame's rows at ``positions`` as dicts of plain values (what ``iterrows`` gives, without a Series
    per row), read from its columns read once: no rows are taken."""
    if not len(positions):  # a list, or an int64 array from an index grouped by pandas
        return []
    assert ctx.lookups is not None
    columns = list(ctx.snap.frame(frame).columns)
    values = [ctx.lookups.column(frame, c) for c in columns]
    return [dict(zip(columns, (v[p] for v in values), strict=True)) for p in positions]


def _dicts_where(ctx: Context, frame: str, namespace: str, column: str, values: set) -> list[dict]:
    """The rows :func:`_where` selects, as :func:`_dicts_at` gives them (lookups only)."""
    index = ctx.lookups.index(frame, "namespace", column)  # type: ignore[union-attr]
    return _dicts_at(ctx, frame, index.positions_any((namespace, v) for v in values
                                                     if v is not None and v is not pd.NA))


def _where(ctx: Context, frame: str, namespace: str, column: str, values: set) -> pd.DataFrame:
    """Rows of ``frame`` in ``namespace`` whose ``column`` is one of ``values``, in frame order."""
    if ctx.lookups is not None:
        index = ctx.lookups.index(frame, "namespace", column)
        return index.rows_any((namespace, v) for v in values if v is not None and v is not pd.NA)
    df = ctx.snap.frame(frame)
    return df[(df["namespace"] == namespace) & df[column].isin(values)]


def route_events(ctx: Context, namespace: str, route: str, services: list[str]) -> list[TimelineEvent]:
    """Pod, container, event, rollout and router happenings of the route's pods, the first MAX_EVENTS by time."""
    fast = ctx.lookups is not None
    snap = ctx.snap
    pods = _pods_of(ctx, namespace, services, route)
    out: list[TimelineEvent] = []
    mine = None if fast else _where(ctx, "pods", namespace, "name", pods)
    pod_rows = _dicts_where(ctx, "pods", namespace, "name", pods) if fast else None
    for p in pod_rows if pod_rows is not None else (p for _, p in mine.iterrows()):  # type: ignore[union-attr]
        if pd.notna(p["ready"]) and not bool(p["ready"]) and pd.notna(p["ready_since"]):
            out.append(TimelineEvent(p["ready_since"].to_pydatetime(), "not-ready", p["name"],
                                     f"{p['name']} not ready", p["source"], _int(p["line"])))
        if pd.notna(p["deleted"]):
            out.append(TimelineEvent(p["deleted"].to_pydatetime(), "deleted", p["name"],
                                     f"{p['name']} deletion requested", p["source"], _int(p["line"])))
    for c in (_dicts_where(ctx, "containers", namespace, "pod", pods) if fast
              else (c for _, c in _where(ctx, "containers", namespace, "pod", pods).iterrows())):
        if pd.notna(c["last_finished"]):
            kind = "oom" if c["last_reason"] == "OOMKilled" else "restart"
            out.append(TimelineEvent(c["last_finished"].to_pydatetime(), kind, c["pod"],
                                     f"{c['pod']}/{c['name']} terminated: {c['last_reason']} "
                                     f"(exit {c['last_exit_code']})", c["source"], _int(c["line"])))
    for e in (_dicts_where(ctx, "events", namespace, "involved_name", pods) if fast
              else (e for _, e in _where(ctx, "events", namespace, "involved_name", pods).iterrows())):
        ts = e["first_seen"] if pd.notna(e["first_seen"]) else e["last_seen"]
        if pd.isna(ts):
            continue
        kind = {"Unhealthy": "probe-failed", "Killing": "killing", "BackOff": "restart", "Evicted": "evicted",
                "OOMKilling": "oom"}.get(str(e["reason"]), "event")
        out.append(TimelineEvent(ts.to_pydatetime(), kind, e["involved_name"],
                                 f"{e['reason']}: {e['message']}", e["source"], _int(e["line"])))
    owners = ({p["owner_name"] for p in pod_rows if pd.notna(p["owner_name"])} if pod_rows is not None
              else set(mine["owner_name"].dropna()))  # type: ignore[index]
    for r in (_dicts_where(ctx, "replicasets", namespace, "name", owners) if fast
              else (r for _, r in _where(ctx, "replicasets", namespace, "name", owners).iterrows())):
        if pd.notna(r["created"]):
            out.append(TimelineEvent(r["created"].to_pydatetime(), "rollout", None,
                                     f"ReplicaSet {r['name']} created (revision {r['revision']})",
                                     r["source"], _int(r["line"])))
    if fast:
        router = _dicts_at(ctx, "router_events", ctx.lookups.index(  # type: ignore[union-attr]
            "router_events", "namespace", "route").positions((namespace, route)))
    else:
        rev = snap.frame("router_events")
        router = [r for _, r in rev[(rev["namespace"] == namespace) & (rev["route"] == route)].iterrows()]
    for r in router:
        if pd.notna(r["ts"]):
            pod = r["pod"] if pd.notna(r["pod"]) else None
            out.append(TimelineEvent(r["ts"].floor("us").to_pydatetime(), str(r["event"]), pod, str(r["text"]),
                                     r["source"], _int(r["line"])))
    out += config_changes(ctx, namespace, route, services)
    out.sort(key=lambda e: e.ts)
    return out[:MAX_EVENTS]


def config_changes(ctx: Context, namespace: str, route: str, services: list[str]) -> list[TimelineEvent]:
    """Edits of the route and its services, and termination changes seen in the access log, as events.

    An object's last ``managedFields`` time equal to its creation is no change; only the last edit
    is known (earlier edits leave no trace in the object).
    """
    out: list[TimelineEvent] = []
    objects = [("route", route)] + [("service", s) for s in services]
    for kind, name in objects:
        times = ctx.facts.object_times(kind, namespace, name)
        if times is None or times.last_edited is None:
            continue
        if times.created is not None and times.last_edited <= times.created:
            continue
        out.append(TimelineEvent(times.last_edited, "config-change", None,
                                 f"{kind} {name} last edited (managedFields)", times.where.source,
                                 times.where.line))
    if ctx.facts.access.groups.empty:  # no access log: no epochs (asking per route built an empty frame each)
        return out
    for before, after in ctx.facts.termination_changes(namespace, route):
        out.append(TimelineEvent(after.first_seen, "config-change", None,
                                 f"termination {before.termination or before.backend_kind} → "
                                 f"{after.termination or after.backend_kind} (backend name in the access log: "
                                 f"{before.backend_kind} → {after.backend_kind})",
                                 after.first_line.source, after.first_line.line))
    return out


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
