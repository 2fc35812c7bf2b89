"""Each request line's accept time, whether it is a router-side 5xx, and the numbers rules read of it, as
arrays of the whole frame.

Rules ask every route when its latest line and its latest router-side 5xx were logged
(:func:`analyzer.rules.common.incident_status`) and over which span the lines a finding counts were
logged (:func:`analyzer.rules.common.span`). Asked of the route's rows, each question compared and
masked pandas columns: about 0.5 ms a question, most of a route's cost with thousands of routes in
the inputs. Here the time column is read once (a view of its ticks, no copy) and the router-side mask
computed once for the whole frame; a route's lines are then positions into them, found from their
labels (the frame's labels are positions: a ``RangeIndex`` of step 1, which the snapshot's frame and
a namespace's part of it are). Anything else gets None, and the caller asks its rows. A rule's own
definition of which lines count (B502's queued lines) is read the same way (:meth:`LineTimes.mask`), and
so are the numbers a rule reads (B501's response times), what a route's result and its log checks count
(its statuses, termination states, server queues and the pods its lines name: :meth:`LineTimes.values_at`,
:meth:`LineTimes.count_equal`, :meth:`LineTimes.distinct`), its lines placed from its namespace's index
(:meth:`LineTimes.at_labels`, ``analyzer.context.Context.route_lines``). Numbers are read at a route's lines
only: a column of the whole frame as floats is 8 bytes a line, kept for the whole analysis.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analyzer.facts.common import coded_texts

_NAT = np.iinfo(np.int64).min  # the ticks of a missing time (``NaT``)


class LineTimes:
    """The accept times (int64 ticks, ``NaT`` the smallest) and router-side 5xx of a ``requests`` frame, and
    the rule-defined masks and categorical codes asked of it (:meth:`mask`, the codes a view), each read
    once; :meth:`values_at` reads a numeric column at some lines only."""

    def __init__(self, requests: pd.DataFrame):
        ts = requests["ts"]
        self._ticks = ts.array.asi8  # a view of the column's values
        self._unit = ts.dtype.unit
        self._zone = ts.dtype.tz
        index = requests.index
        self._start = int(index.start)  # type: ignore[attr-defined]
        self._requests = requests
        self._router_side: np.ndarray | None = None
        self._columns: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, requests: pd.DataFrame) -> LineTimes | None:
        """The arrays of ``requests``, or None where its labels are not positions or its times not timestamps."""
        index = requests.index
        if not isinstance(index, pd.RangeIndex) or index.step != 1 or "ts" not in requests:
            return None
        if not isinstance(requests["ts"].dtype, pd.DatetimeTZDtype):
            return None
        return cls(requests)

    def positions(self, rows: pd.DataFrame) -> slice | np.ndarray | None:
        """Where ``rows`` (rows of this frame, with its labels) are in the arrays; None if they are not all its rows."""
        index = rows.index
        if isinstance(index, pd.RangeIndex) and index.step == 1:
            first, stop = index.start - self._start, index.stop - self._start
            return slice(first, stop) if 0 <= first <= stop <= len(self._ticks) else None
        if not pd.api.types.is_integer_dtype(index.dtype):
            return None
        at = index.to_numpy(dtype=np.int64) - self._start
        if len(at) and (at.min() < 0 or at.max() >= len(self._ticks)):
            return None
        return at

    def at_labels(self, positions: range | list[int] | np.ndarray, labels: pd.Index) -> slice | np.ndarray | None:
        """Where the rows at ``positions`` of a part of the frame (a namespace's rows, with their ``labels``) are
        in the arrays: a slice for a run of rows labelled in steps of 1; None where the labels are not the
        frame's positions."""
        if isinstance(labels, pd.RangeIndex) and labels.step == 1:
            offset = labels.start - self._start
            if isinstance(positions, range) and positions.step == 1:
                return slice(positions.start + offset, positions.stop + offset)
            return np.asarray(positions, dtype=np.int64) + offset
        if not pd.api.types.is_integer_dtype(labels.dtype):
            return None
        return labels.to_numpy(dtype=np.int64)[np.asarray(positions, dtype=np.int64)] - self._start

    def distinct(self, column: str, at: slice | np.ndarray) -> set[str] | None:
        """The text of each distinct present value of a categorical ``column`` among the lines at ``at``
        (``analyzer.facts.common.distinct_texts`` of those rows); None for a column of another type."""
        if not isinstance(self._requests[column].dtype, pd.CategoricalDtype):
            return None
        return coded_texts(self._codes(column)[at], self._requests[column].cat.categories)

    def count_equal(self, column: str, value: str, at: slice | np.ndarray) -> int:
        """How many lines at ``at`` hold ``value`` in a categorical ``column`` (missing: none), through the codes."""
        categories = self._requests[column].cat.categories
        if value not in categories:
            return 0
        return int(np.count_nonzero(self._codes(column)[at] == categories.get_loc(value)))

    def values_at(self, column: str, at: slice | np.ndarray) -> np.ndarray:
        """A numeric column at ``at`` as floats, NaN where missing (read there only: no array of the whole frame)."""
        return self._requests[column].array[at].to_numpy(dtype="float64", na_value=np.nan)

    def _codes(self, column: str) -> np.ndarray:
        key = f"codes:{column}"
        found = self._columns.get(key)
        if found is None:  # the categorical's own codes, a view (``cat.codes`` copies them)
            found = self._columns[key] = self._requests[column].array.codes
        return found

    def mask(self, name: str, of: Callable[[pd.DataFrame], np.ndarray]) -> np.ndarray:
        """``of(frame)``, a rule's definition of which lines count, applied to the whole frame once by ``name``."""
        key = f"mask:{name}"
        found = self._columns.get(key)
        if found is None:
            found = self._columns[key] = np.asarray(of(self._requests), dtype=bool)
        return found

    def router_side(self) -> np.ndarray:
        """Whether each line is a 5xx neither the application answered nor the client aborted."""
        if self._router_side is None:
            from analyzer.ledger import router_side_mask  # here: analyzer.ledger imports this package


            self._router_side = router_side_mask(self._requests).to_numpy(dtype=bool)
        return self._router_side

    def latest(self, at: slice | np.ndarray, *, router_side: bool = False) -> pd.Timestamp:
        """The latest time of the lines at ``at`` (of their router-side 5xx only), ``NaT`` where none has one."""
        ticks = self._ticks[at]
        if router_side:
            ticks = ticks[self.router_side()[at]]
        return self._moment(int(ticks.max()) if len(ticks) else _NAT)

    def span(self, at: slice | np.ndarray) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The earliest and the latest time of the lines at ``at`` (``NaT`` for both where none has one)."""
        ticks = self._ticks[at]
        dated = ticks[ticks != _NAT]
        if not len(dated):
            return pd.NaT, pd.NaT
        return self._moment(int(dated.min())), self._moment(int(dated.max()))

    def since_earliest(self, at: slice | np.ndarray, among: slice | np.ndarray) -> int | None:
        """How many lines at ``among`` were logged at or after the earliest time of the lines at ``at``
        (None where none of those has a time)."""
        ticks = self._ticks[at]
        dated = ticks[ticks != _NAT]
        if not len(dated):
            return None
        return int(np.count_nonzero(self._ticks[among] >= dated.min()))

    def router_side_gaps(self, at: slice | np.ndarray) -> pd.Series:
        """The gaps between consecutive router-side 5xx among the lines at ``at`` in time order (missing times
        left out), as the ``diff`` of their sorted times gives them, without the first one's NaT: a timedelta
        Series of the time column's unit, whose ``median`` is that of the times' ``diff``."""
        ticks = self._ticks[at][self.router_side()[at]]
        ticks = np.sort(ticks[ticks != _NAT])
        return pd.Series(np.diff(ticks).astype(f"timedelta64[{self._unit}]"))

    def _moment(self, tick: int) -> pd.Timestamp:
        if tick == _NAT:
            return pd.NaT
        return pd.Timestamp(np.datetime64(tick, self._unit)).tz_localize(self._zone)
