"""Whole-log figures that stay exact when the ``requests`` frame keeps only some rows.

``mga analyze`` keeps full request rows only for the namespaces the inputs hold objects of (the
rows a rule can join to a route, a service or a pod), of no namespace, and a few of the 5xx
answers of the others (see :func:`parsers.log_keep.kept_mask`); the other lines of other routes of
a shared router can never be diagnosed, yet they count in the report's totals: requests and status
counts of the log, its first and last request, the router's connection count per minute, and the
5xx left out, per minute and route (:class:`~parsers.log_left_out.LeftOutFailures`).
:class:`LogTotals` keeps exactly those, folded chunk by chunk while the log streams past, so
its memory grows with namespaces x statuses, distinct ``actconn`` values and minutes, never with
lines.

Counts are exact (no sampling). Times are nanoseconds since the epoch (UTC), as the frame holds
them; rows without an accept time count in the request and status figures only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array
from parsers.int_codes import dense_codes, group_extremes
from parsers.log_left_out import LeftOutFailures

NS_PER_MINUTE = 60 * 1_000_000_000
NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


@dataclass
class LogTotals:
    """Exact whole-log figures of the requests parsed (before any row is left out)."""

    # (namespace or None, status or None) -> requests
    statuses: dict[tuple[str | None, int | None], int] = field(default_factory=dict)
    # namespace or None -> (first, last) accept time of its requests that have one
    times: dict[str | None, tuple[int, int]] = field(default_factory=dict)
    # actconn value -> (requests, first accept time or None, last or None)
    actconn: dict[int, tuple[int, int | None, int | None]] = field(default_factory=dict)
    # minute (start, ns) -> the highest actconn of its requests
    minute_actconn: dict[int, int] = field(default_factory=dict)
    # the 5xx of other namespaces whose rows were not kept, per minute, route, status and state
    left_out: LeftOutFailures = field(default_factory=LeftOutFailures)

    # -- building ---------------------------------------------------------------------------------

    @classmethod
    def of_table(cls, table: pa.Table) -> LogTotals:
        """The figures of one chunk's rows (``CHUNK_SCHEMA``: dictionary namespace, ``ts`` as timestamp)."""
        if table is None or not table.num_rows:
            return cls()
        column = one_array(table.column("namespace"))
        if pa.types.is_dictionary(column.type):
            names = column.dictionary.to_pylist()
            codes = pc.fill_null(column.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            codes, uniques = pd.factorize(pd.Series(column.to_pylist(), dtype=object), use_na_sentinel=True)
            names = list(uniques)
        status, status_ok = _ints(table.column("status"))
        actconn, actconn_ok = _ints(table.column("actconn"))
        ts_column = table.column("ts")
        unit = NS_PER_UNIT[ts_column.type.unit] if pa.types.is_timestamp(ts_column.type) else 1
        ts, ts_ok = _ints(pc.cast(ts_column, pa.int64()))
        return cls._of(names, np.asarray(codes, dtype=np.int64), status, status_ok, ts * unit, ts_ok, actconn,
                       actconn_ok)

    @classmethod
    def of_frame(cls, requests: pd.DataFrame) -> LogTotals:
        """The figures of a ``requests`` frame (snapshots built without a streamed parse)."""
        if requests is None or requests.empty:
            return cls()
        codes, uniques = pd.factorize(requests["namespace"].astype(object), use_na_sentinel=True)
        status, status_ok = _series_ints(requests["status"])
        actconn, actconn_ok = _series_ints(requests["actconn"])
        ts_ok = requests["ts"].notna().to_numpy()
        ts = requests["ts"].array.asi8 if len(requests) else np.empty(0, np.int64)
        return cls._of([str(u) for u in uniques], np.asarray(codes, dtype=np.int64), status, status_ok,
                       np.asarray(ts, dtype=np.int64), ts_ok, actconn, actconn_ok)

    @classmethod
    def _of(cls, names: list, codes: np.ndarray, status: np.ndarray, status_ok: np.ndarray, ts: np.ndarray,
            ts_ok: np.ndarray, actconn: np.ndarray, actconn_ok: np.ndarray) -> LogTotals:
        """The figures of one chunk's columns, grouped by counting over the keys' small ranges (codes,
        statuses, ``actconn`` values, minutes): a chunk is a few hundred thousand rows, and the three pandas
        ``groupby`` this replaces sorted their keys, twice the time (about 0.5 s of CPU at 3M lines)."""
        out = cls()
        name_of = [*names, None]  # code -1 (no namespace) reads the last entry
        spaces, space_of = dense_codes(codes)
        missing_status = int(status[status_ok].min()) - 1 if status_ok.any() else 0  # no status has this value
        values, value_of = dense_codes(np.where(status_ok, status, missing_status))
        counts = np.bincount(space_of.astype(np.int64) * len(values) + value_of)
        for pair in np.flatnonzero(counts):
            space, value = divmod(int(pair), len(values))
            logged = int(values[value])
            key = (name_of[int(spaces[space])], None if logged == missing_status else logged)
            out.statuses[key] = int(counts[pair])
        if ts_ok.any():
            dated = _where(ts_ok)
            first, last = group_extremes(space_of[dated], len(spaces), ts[dated])
            for space in np.flatnonzero(first <= last):
                out.times[name_of[int(spaces[space])]] = (int(first[space]), int(last[space]))
        if actconn_ok.any():
            counted = _where(actconn_ok)
            levels, level_of = dense_codes(actconn[counted])
            requests = np.bincount(level_of, minlength=len(levels))
            seen = _where(ts_ok[counted])
            level_of, at, when = level_of[seen], actconn[counted][seen], ts[counted][seen]
            first, last = group_extremes(level_of, len(levels), when)
            for level in range(len(levels)):
                dated = bool(first[level] <= last[level])
                out.actconn[int(levels[level])] = (int(requests[level]), int(first[level]) if dated else None,
                                                    int(last[level]) if dated else None)
            if len(when):
                minutes, minute_of = dense_codes(np.floor_divide(when, NS_PER_MINUTE))
                _, top = group_extremes(minute_of, len(minutes), at)
                out.minute_actconn = {int(m) * NS_PER_MINUTE: int(v) for m, v in zip(minutes, top, strict=True)}
        return out

    def add(self, other: LogTotals | None) -> LogTotals:
        """Fold ``other`` into this one (chunks, files, inputs); returns ``self``."""
        if other is None:
            return self
        for key, n in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + n
        for key, (lo, hi) in other.times.items():
            seen = self.times.get(key)
            self.times[key] = (lo, hi) if seen is None else (min(seen[0], lo), max(seen[1], hi))
        for value, (n, lo, hi) in other.actconn.items():
            seen_n, seen_lo, seen_hi = self.actconn.get(value, (0, None, None))
            self.actconn[value] = (seen_n + n, _pick(min, seen_lo, lo), _pick(max, seen_hi, hi))
        for minute, top in other.minute_actconn.items():
            self.minute_actconn[minute] = max(top, self.minute_actconn.get(minute, top))
        self.left_out.add(other.left_out)
        return self

    @classmethod
    def merged(cls, parts: Iterable[LogTotals | None]) -> LogTotals:
        out = cls()
        for part in parts:
            out.add(part)
        return out

    # -- reading ----------------------------------------------------------------------------------

    def requests(self, namespaces: frozenset[str] | set[str] | None = None) -> int:
        """Requests parsed, of ``namespaces`` only when given (rows without a namespace then left out)."""
        return sum(n for (ns, _), n in self.statuses.items() if _wanted(ns, namespaces))

    def status_counts(self, namespaces: frozenset[str] | set[str] | None = None) -> dict[int, int]:
        """Requests per logged status, statuses in increasing order (requests without one left out)."""
        counts: dict[int, int] = {}
        for (ns, status), n in self.statuses.items():
            if status is not None and _wanted(ns, namespaces):
                counts[status] = counts.get(status, 0) + n
        return dict(sorted(counts.items()))

    def time_range(self, namespaces: frozenset[str] | set[str] | None = None) -> tuple[int, int] | None:
        """First and last accept time (ns) of the requests that have one, or None."""
        spans = [span for ns, span in self.times.items() if _wanted(ns, namespaces)]
        if not spans:
            return None
        return min(lo for lo, _ in spans), max(hi for _, hi in spans)

    @property
    def has_actconn(self) -> bool:
        """Whether any request logged the router's active connection count."""
        return bool(self.actconn)

    def actconn_at_least(self, limit: int) -> tuple[int, int | None, int | None]:
        """Requests logged while ``actconn >= limit``, and the first and last accept time among them."""
        n, lo, hi = 0, None, None
        for value, (count, first, last) in self.actconn.items():
            if value >= limit:
                n, lo, hi = n + count, _pick(min, lo, first), _pick(max, hi, last)
        return n, lo, hi

    def minutes_with_actconn_at_least(self, limit: int) -> set[int]:
        """Minutes (start, ns) in which some request logged ``actconn >= limit``."""
        return {minute for minute, top in self.minute_actconn.items() if top >= limit}


def _where(mask: np.ndarray) -> slice | np.ndarray:
    """``mask`` as an index: the whole slice when every row is in (most chunks), so nothing is copied."""
    return slice(None) if mask.all() else mask


def _pick(choose, a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)


def _wanted(namespace: str | None, namespaces: frozenset[str] | set[str] | None) -> bool:
    return namespaces is None or (namespace is not None and namespace in namespaces)


def _ints(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An integer column's values (0 where missing) and where they are present."""
    column = one_array(column)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    values = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return values, valid


def _series_ints(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    valid = column.notna().to_numpy()
    values = column.astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    return values, valid
