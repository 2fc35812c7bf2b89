"""How close in time two things must be to belong together: one window, used by every rule.

A request that failed within :data:`NEAR_EVENT` of a pod's restart, deletion or DOWN mark is that
event's doing (pods-restarting, rollout-without-graceful-shutdown), not a fault of its own; a burst
of 503s is told together with the pod changes within the same window. The router needs a reload
(≥ 5 s) and a few health checks to drop a server, and container and event times are rounded to the
second, so two minutes on either side is wide enough without joining unrelated incidents.
"""

from __future__ import annotations

import pandas as pd

NEAR_EVENT = pd.Timedelta(seconds=120)


def near(times: pd.Series, moment: pd.Timestamp, window: pd.Timedelta = NEAR_EVENT) -> pd.Series:
    """For each time, whether it lies within ``window`` of ``moment`` (missing times are not near)."""
    return ((times - moment).abs() <= window).fillna(False).astype(bool)


def near_disruption(
    rows: pd.DataFrame, disruptions: dict[str, list[pd.Timestamp]], window: pd.Timedelta = NEAR_EVENT
) -> pd.Series:
    """For each request row, whether its pod (column ``pod``) was disrupted within ``window`` of it (column ``ts``)."""
    result = pd.Series(False, index=rows.index)
    for pod, times in disruptions.items():
        mine = (rows["pod"].astype("string") == pod).fillna(False).astype(bool)
        if not mine.any():
            continue
        ts = rows.loc[mine, "ts"]
        hit = pd.Series(False, index=ts.index)
        for t in times:
            hit |= near(ts, t, window)
        result.loc[hit.index] = hit
    return result
