"""How close in time two things must be to belong together: one window, used by every rule.

A request that failed within :data:`NEAR_EVENT` of a pod's restart, deletion or DOWN mark is that
event's doing (pods-restarting, rollout-without-graceful-shutdown), not a fault of its own; a burst
of 503s is told together with the pod changes within the same window. The router needs a reload
(≥ 5 s) and a few health checks to drop a server, and container and event times are rounded to the
second, so two minutes on either side is wide enough without joining unrelated incidents.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from parsers.snapshot import Snapshot

NEAR_EVENT = pd.Timedelta(seconds=120)


def near_disruption(
    rows: pd.DataFrame, disruptions: dict[str, list[pd.Timestamp]], window: pd.Timedelta = NEAR_EVENT
) -> pd.Series:
    """For each request row, whether its pod (column ``pod``) was disrupted within ``window`` of it (column ``ts``).

    A row is near when some moment of its pod lies in ``[ts - window, ts + window]``: found by binary search in
    the pod's sorted moments, so an outage's rows cost the same whatever the number of restarts and deletions.
    """
    result = np.zeros(len(rows), dtype=bool)
    if rows.empty or not disruptions:
        return pd.Series(result, index=rows.index)
    pods = rows["pod"].astype("string")
    stamps = rows["ts"]
    for pod, times in disruptions.items():
        mine = (pods == pod).fillna(False).to_numpy(dtype=bool)
        moments = pd.DatetimeIndex([t for t in times if pd.notna(t)]).sort_values()
        if not mine.any() or moments.empty:
            continue
        ts = stamps[mine]
        first = moments.searchsorted(ts - window, side="left")
        past = moments.searchsorted(ts + window, side="right")
        result[np.flatnonzero(mine)] = (past > first) & ts.notna().to_numpy(dtype=bool)
    return pd.Series(result, index=rows.index)


# A must-gather reads its router pods' logs while it runs, so none of their lines is much later than its
# ``timestamp`` files; lines later than this after the latest collection time come from logs taken afterwards
# (``--logs`` of another day): the objects beside them predate those requests.
LOGGED_AFTER_COLLECTION = pd.Timedelta(minutes=10)


def logged_after_collection(snap: Snapshot) -> tuple[datetime, datetime] | None:
    """``(collected, last logged)``: the latest collection time of the inputs and the last access-log line read,
    when that line is more than :data:`LOGGED_AFTER_COLLECTION` later (the objects predate the requests);
    None otherwise, or where either time is unknown."""
    collected = snap.collection_window[1]
    logged = snap.totals().time_range() if snap.has_access_logs else None
    if collected is None or logged is None:
        return None
    last = pd.Timestamp(logged[1], tz="UTC")
    if last - pd.Timestamp(collected) <= LOGGED_AFTER_COLLECTION:
        return None
    return pd.Timestamp(collected).to_pydatetime(), last.to_pydatetime()
