"""What the backend rules share: how large a share of a route's requests a fault hit, and the severity
that follows from it.

A route's requests are its rows and, where the normal lines of its log were counted instead of kept
as rows (``parsers.normal_lines``), those too: ``normal`` with the route's (namespace, name).
"""

from __future__ import annotations

import pandas as pd

from analyzer.facts.lines import LineTimes
from analyzer.model import IncidentStatus, Severity
from parsers.normal_lines import NormalLines


def share(rows: pd.DataFrame, total: pd.DataFrame, normal: NormalLines | None = None,
          route: tuple[str, str] | None = None) -> float:
    """``rows``' share of the route's requests: ``total``'s rows and its counted normal lines."""
    return len(rows) / max(1, len(total) + _normal_count(normal, route))


def severity_by_share(rows: pd.DataFrame, total: pd.DataFrame,
                      status: IncidentStatus = IncidentStatus.UNKNOWN, lines: LineTimes | None = None,
                      normal: NormalLines | None = None, route: tuple[str, str] | None = None) -> Severity:
    """Critical when the fault hit at least half of the route's requests from its first failed one on: a
    fault that began mid-window is judged by the stretch it covers, not diluted by the healthy traffic
    before it. A fault over before collection (``status`` ended) is a warning: the route works now.
    ``lines``: the whole frame's times (``Facts.lines``), read at the rows' positions where they can be;
    ``normal`` and ``route``: the route's counted normal lines, accepted at or after that first failure's
    millisecond (``ts >= first``, as the rows are counted)."""
    if status is IncidentStatus.ENDED:
        return Severity.WARNING
    first = _first_time(rows, lines)
    at = lines.positions(rows) if lines is not None else None
    among = lines.positions(total) if lines is not None else None
    if lines is not None and at is not None and among is not None:
        counted = lines.since_earliest(at, among)
        since = len(total) if counted is None else counted
    else:
        # the requests from the first failed one on, counted on the time column (the rows are not copied)
        since = len(total) if pd.isna(first) else int((total["ts"] >= first).fillna(False).astype(bool).sum())
    if pd.isna(first):
        since += _normal_count(normal, route)
    elif normal is not None and route is not None:
        since += normal.count_between(route[0], route[1], first, None)
    return Severity.CRITICAL if len(rows) / max(1, since) >= 0.5 else Severity.WARNING


def _first_time(rows: pd.DataFrame, lines: LineTimes | None) -> pd.Timestamp:
    """The earliest accept time of ``rows`` (NaT where none has one), from the whole frame's times where
    the rows can be placed in them."""
    at = lines.positions(rows) if lines is not None else None
    if lines is not None and at is not None:
        return lines.span(at)[0]
    return rows["ts"].min() if "ts" in rows and not rows.empty else pd.NaT


def _normal_count(normal: NormalLines | None, route: tuple[str, str] | None) -> int:
    """How many counted normal lines the route has (none without them)."""
    return normal.count(*route) if normal is not None and route is not None else 0
