"""What the backend rules share: how large a share of a route's requests a fault hit, and the severity
that follows from it.
"""

from __future__ import annotations

import pandas as pd

from analyzer.facts.lines import LineTimes
from analyzer.model import IncidentStatus, Severity


def share(rows: pd.DataFrame, total: pd.DataFrame) -> float:
    return len(rows) / max(1, len(total))


def severity_by_share(rows: pd.DataFrame, total: pd.DataFrame,
                      status: IncidentStatus = IncidentStatus.UNKNOWN, lines: LineTimes | None = None) -> Severity:
    """Critical when the fault hit at least half of the route's requests from its first failed one on: a
    fault that began mid-window is judged by the stretch it covers, not diluted by the healthy traffic
    before it. A fault over before collection (``status`` ended) is a warning: the route works now.
    ``lines``: the whole frame's times (``Facts.lines``), read at the rows' positions where they can be."""
    if status is IncidentStatus.ENDED:
        return Severity.WARNING
    at = lines.positions(rows) if lines is not None else None
    among = lines.positions(total) if lines is not None else None
    if lines is not None and at is not None and among is not None:
        counted = lines.since_earliest(at, among)
        since = len(total) if counted is None else counted
    else:
        first = rows["ts"].min() if "ts" in rows and not rows.empty else pd.NaT
        # the requests from the first failed one on, counted on the time column (the rows are not copied)
        since = len(total) if pd.isna(first) else int((total["ts"] >= first).fillna(False).astype(bool).sum())
    return Severity.CRITICAL if len(rows) / max(1, since) >= 0.5 else Severity.WARNING
