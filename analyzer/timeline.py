"""Per-route timelines: requests and 5xx per minute, with what the pods and the router did.

The report draws these; computing them here keeps reports free of analysis. Events come from
pod conditions (not ready since), container last terminations (restart, OOM), deletion
timestamps, Kubernetes events (probe failures, kills, back-off), ReplicaSet creation (rollout)
and the router's own messages (server DOWN, no server available, reloads).
"""

from __future__ import annotations

import pandas as pd

from analyzer.context import Context
from analyzer.model import TimelineEvent, rfc3339

STATUS_CLASSES = ("2xx", "3xx", "4xx", "502", "503", "504", "5xx_other", "other")
MAX_EVENTS = 200


def status_class(status: pd.Series) -> pd.Series:
    """Bucket statuses the way the report stacks them (TCP lines, status <NA>, count as "other")."""
    s = status.astype("Float64")
    out = pd.Series("other", index=status.index, dtype="object")
    out[(s >= 200) & (s < 300)] = "2xx"
    out[(s >= 300) & (s < 400)] = "3xx"
    out[(s >= 400) & (s < 500)] = "4xx"
    for code in (502, 503, 504):
        out[s == code] = str(code)
    out[(s >= 500) & (s < 600) & ~s.isin([502, 503, 504])] = "5xx_other"
    return out


def per_minute(requests: pd.DataFrame) -> list[dict]:
    """Counts per minute by status class, every minute of the span present (zeros included)."""
    rows = requests[requests["ts"].notna()]
    if rows.empty:
        return []
    minute = rows["ts"].dt.floor("min")
    table = pd.crosstab(minute, status_class(rows["status"]))
    full = pd.date_range(table.index.min(), table.index.max(), freq="min")
    table = table.reindex(full, fill_value=0)
    out = []
    for ts, counts in table.iterrows():
        entry = {"minute": rfc3339(ts.to_pydatetime()), "total": int(counts.sum())}
        entry.update({c: int(counts.get(c, 0)) for c in STATUS_CLASSES})
        out.append(entry)
    return out


def route_timeline(ctx: Context, namespace: str, route: str, services: list[str]) -> tuple[list[dict],
                                                                                           list[TimelineEvent]]:
    req = ctx.requests
    minutes: list[dict] = []
    if not req.empty:
        mine = req[(req["namespace"] == namespace) & (req["route"] == route)]
        minutes = per_minute(mine)
    events = route_events(ctx, namespace, route, services)
    return minutes, events


def _pods_of(ctx: Context, namespace: str, services: list[str], route: str) -> set[str]:
    snap = ctx.snap
    eps = snap.frame("endpoints")
    pods = set(eps[(eps["namespace"] == namespace) & eps["service"].isin(services)]["pod"].dropna())
    req = ctx.requests
    if not req.empty:
        mine = req[(req["namespace"] == namespace) & (req["route"] == route)]
        pods |= set(mine["pod"].dropna().astype(str))
    return pods


def route_events(ctx: Context, namespace: str, route: str, services: list[str]) -> list[TimelineEvent]:
    snap = ctx.snap
    pods = _pods_of(ctx, namespace, services, route)
    out: list[TimelineEvent] = []
    podf = snap.frame("pods")
    mine = podf[(podf["namespace"] == namespace) & podf["name"].isin(pods)]
    for _, p in mine.iterrows():
        if pd.notna(p["ready"]) and not bool(p["ready"]) and pd.notna(p["ready_since"]):
            out.append(TimelineEvent(p["ready_since"].to_pydatetime(), "not-ready", p["name"],
                                     f"{p['name']} not ready", p["source"], _int(p["line"])))
        if pd.notna(p["deleted"]):
            out.append(TimelineEvent(p["deleted"].to_pydatetime(), "deleted", p["name"],
                                     f"{p['name']} deletion requested", p["source"], _int(p["line"])))
    containers = snap.frame("containers")
    cmine = containers[(containers["namespace"] == namespace) & containers["pod"].isin(pods)]
    for _, c in cmine.iterrows():
        if pd.notna(c["last_finished"]):
            kind = "oom" if c["last_reason"] == "OOMKilled" else "restart"
            out.append(TimelineEvent(c["last_finished"].to_pydatetime(), kind, c["pod"],
                                     f"{c['pod']}/{c['name']} terminated: {c['last_reason']} "
                                     f"(exit {c['last_exit_code']})", c["source"], _int(c["line"])))
    ev = snap.frame("events")
    emine = ev[(ev["namespace"] == namespace) & ev["involved_name"].isin(pods)]
    for _, e in emine.iterrows():
        ts = e["first_seen"] if pd.notna(e["first_seen"]) else e["last_seen"]
        if pd.isna(ts):
            continue
        kind = {"Unhealthy": "probe-failed", "Killing": "killing", "BackOff": "restart", "Evicted": "evicted",
                "OOMKilling": "oom"}.get(str(e["reason"]), "event")
        out.append(TimelineEvent(ts.to_pydatetime(), kind, e["involved_name"],
                                 f"{e['reason']}: {e['message']}", e["source"], _int(e["line"])))
    rs = snap.frame("replicasets")
    owners = set(mine["owner_name"].dropna())
    for _, r in rs[(rs["namespace"] == namespace) & rs["name"].isin(owners)].iterrows():
        if pd.notna(r["created"]):
            out.append(TimelineEvent(r["created"].to_pydatetime(), "rollout", None,
                                     f"ReplicaSet {r['name']} created (revision {r['revision']})",
                                     r["source"], _int(r["line"])))
    rev = snap.frame("router_events")
    rmine = rev[(rev["namespace"] == namespace) & (rev["route"] == route)]
    for _, r in rmine.iterrows():
        if pd.notna(r["ts"]):
            pod = r["pod"] if pd.notna(r["pod"]) else None
            out.append(TimelineEvent(r["ts"].floor("us").to_pydatetime(), str(r["event"]), pod, str(r["text"]),
                                     r["source"], _int(r["line"])))
    out.sort(key=lambda e: e.ts)
    return out[:MAX_EVENTS]


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
