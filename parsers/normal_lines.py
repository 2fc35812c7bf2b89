"""The normal lines of the routes ``mga analyze`` keeps: counted with their accept times, not kept as rows.

A busy application's router log is mostly answers below 500. Kept as rows of the ``requests``
frame they cost about 44 bytes a line and set the peak of a long log; the rules read them only as
counts (a route's requests, the pods that served it, its answered ``Tr``), as "did anything answer
between these two times", or as "how many lines since this one". Those questions are answered
exactly by a count per key and each line's accept time (8 bytes), which :class:`NormalLines` holds.

A *normal* line (:func:`normal_mask`): it names a namespace, has an accept time, a status from 100
to 499, the termination state ``--``, ``Tc >= 0`` (the router connected to the server) and no
queue (``srv_queue`` and ``backend_queue`` 0 or absent). Every other line stays a row: the 5xx, the
status -1, the client aborts, the queued lines and every line a finding may claim or cite, and the
lines without an accept time (they belong to no minute group). The minute groups
(:mod:`parsers.log_groups`) fold a chunk's rows before the normal ones leave it, so they still count
every line.

Counting is shaping, not diagnosing: what the counts mean is the rules' business.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array
from parsers.int_codes import dense_codes

# the columns a normal line is known by (each a name of the request frame): what a rule may filter its
# counts by; every other column of a normal line is its key's (backend names) or fixed (term "--")
KEY_COLUMNS = ("namespace", "route", "backend", "backend_kind", "server", "server_kind", "pod", "service",
               "port_name", "server_ip", "router_pod", "status")
_TEXT_KEYS = tuple(k for k in KEY_COLUMNS if k != "status")
_NEEDED = ("namespace", "ts", "status", "term", "Tc")
_QUEUES = ("srv_queue", "backend_queue")
# ``MGA_NORMAL_LINES=rows`` keeps every normal line a row (the reference the counted path is compared
# with, ``tests/analyzer/test_normal_lines_differential.py``), ``counted`` counts them
ENVIRONMENT = "MGA_NORMAL_LINES"
COUNTED_BY_DEFAULT = True


def counted() -> bool:
    """Whether ``mga analyze`` counts the normal lines of the routes it keeps instead of keeping their rows."""
    chosen = os.environ.get(ENVIRONMENT, "").strip().lower()
    if chosen in ("rows", "counted"):
        return chosen == "counted"
    return COUNTED_BY_DEFAULT


def normal_mask(table: pa.Table) -> np.ndarray:
    """Which rows of ``table`` (columns of the request frame) are normal lines (see the module's text).

    A table without a column the definition reads has no normal line: its rows all stay rows.
    """
    if not table.num_rows or any(name not in table.column_names for name in _NEEDED):
        return np.zeros(table.num_rows, dtype=bool)
    status = one_array(table.column("status"))
    term = one_array(table.column("term"))
    if pa.types.is_dictionary(term.type):
        term = term.cast(term.type.value_type)
    keep = pc.and_kleene(pc.greater_equal(status, 100), pc.less(status, 500))
    keep = pc.and_kleene(keep, pc.equal(term, "--"))
    keep = pc.and_kleene(keep, pc.greater_equal(one_array(table.column("Tc")), 0))
    keep = pc.and_kleene(keep, one_array(table.column("ts")).is_valid())
    keep = pc.and_kleene(keep, one_array(table.column("namespace")).is_valid())
    for name in _QUEUES:
        if name in table.column_names:
            keep = pc.and_kleene(keep, pc.fill_null(pc.equal(one_array(table.column(name)), 0), True))
    return np.asarray(pc.fill_null(keep, False).to_numpy(zero_copy_only=False), dtype=bool)


def _accept_ms(ts: pa.Array) -> np.ndarray:
    """Accept times as integer milliseconds since the epoch (UTC)."""
    unit = ts.type.unit if pa.types.is_timestamp(ts.type) else "ms"
    values = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if unit == "ms":
        return values
    if unit == "s":
        return values * 1000
    return values // (1000 if unit == "us" else 1_000_000)


def _text_codes(values: pa.Array) -> tuple[np.ndarray, list]:
    """A code per row and the text of each code (a missing value reads None, the last entry)."""
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    names = [*encoded.dictionary.to_pylist(), None]
    codes = pc.fill_null(encoded.indices, len(names) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, names


@dataclass
class NormalLines:
    """The normal lines of a log (or of one chunk): per key (:data:`KEY_COLUMNS`), how many, and each one's
    accept time in milliseconds, sorted; per route, the counted values of ``Tr``.

    ``keys``: one tuple of :data:`KEY_COLUMNS` values per key, sorted; ``times[i]`` the sorted accept
    times of ``keys[i]``. Build a chunk's with :meth:`of_table`, join chunks with :meth:`merged`.
    """

    keys: list[tuple] = field(default_factory=list)
    times: list[np.ndarray] = field(default_factory=list)
    tr: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)  # (namespace, route) -> Tr -> lines
    _by_route: dict[tuple[str, str], list[int]] | None = field(default=None, repr=False, compare=False)

    # --- building ---
    @classmethod
    def of_table(cls, table: pa.Table, mask: np.ndarray | None = None) -> NormalLines:
        """The normal lines among ``table``'s rows (``mask``: which rows are, default :func:`normal_mask`)."""
        mask = normal_mask(table) if mask is None else mask
        if not mask.any():
            return cls()
        read = [c for c in (*KEY_COLUMNS, "ts", "Tr") if c in table.column_names]
        rows = table.select(read) if mask.all() else table.select(read).filter(pa.array(mask))
        absent = [k for k in KEY_COLUMNS if k not in rows.column_names]
        codes: list[np.ndarray] = []
        names: list[list] = []
        for key in KEY_COLUMNS:
            if key in absent:
                codes.append(np.zeros(rows.num_rows, dtype=np.int64))
                names.append([None])
            elif key == "status":
                values = pc.cast(one_array(rows.column(key)), pa.int64()).to_numpy(zero_copy_only=False)
                uniques, inverse = dense_codes(values)
                codes.append(inverse.astype(np.int64))
                names.append([int(v) for v in uniques])
            else:
                c, n = _text_codes(one_array(rows.column(key)))
                codes.append(c)
                names.append(n)
        ms = _accept_ms(one_array(rows.column("ts")))
        key = np.zeros(rows.num_rows, dtype=np.int64)
        for c, n in zip(codes, names, strict=True):  # made dense after each column: never past rows x names
            key = dense_codes(key * len(n) + c)[1].astype(np.int64, copy=False)
        count = int(key.max()) + 1
        first = np.empty(count, dtype=np.int64)
        first[key[::-1]] = np.arange(len(key) - 1, -1, -1)  # each key's first row
        keys = [tuple(n[c[r]] for c, n in zip(codes, names, strict=True)) for r in first.tolist()]
        times = _times_by_key(key, ms, count)
        tr: dict[tuple[str, str], dict[int, int]] = {}
        if "Tr" in rows.column_names:
            tr_values = pc.fill_null(pc.cast(one_array(rows.column("Tr")), pa.int64()), -1).to_numpy(
                zero_copy_only=False)
            ns_at, route_at = KEY_COLUMNS.index("namespace"), KEY_COLUMNS.index("route")
            route_code = codes[ns_at] * len(names[route_at]) + codes[route_at]
            low = int(tr_values.min())
            span = int(tr_values.max()) - low + 1
            # one integer per (route, Tr): a sort of integers, where unique over pairs sorted rows of them
            pairs, counts = np.unique(route_code * span + (tr_values - low), return_counts=True)
            width = len(names[route_at])
            for pair, count in zip(pairs.tolist(), counts.tolist(), strict=True):
                rc, value = divmod(pair, span)
                route = (names[ns_at][rc // width], names[route_at][rc % width])
                tr.setdefault(route, {})[value + low] = count
        order_keys = sorted(range(len(keys)), key=lambda i: _sortable(keys[i]))
        return cls([keys[i] for i in order_keys], [times[i] for i in order_keys], tr)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, mask: np.ndarray | None = None) -> NormalLines:
        """The normal lines among a request frame's rows (tests, and the frame-wide split)."""
        columns = [c for c in (*KEY_COLUMNS, "ts", "term", "Tc", "Tr", *_QUEUES) if c in frame.columns]
        table = pa.Table.from_pandas(frame[columns], preserve_index=False)
        return cls.of_table(table, mask)

    @classmethod
    def merged(cls, parts: Iterable[NormalLines]) -> NormalLines:
        """The parts joined: each key's times from every part, sorted; the ``Tr`` counts added."""
        pieces: dict[tuple, list[np.ndarray]] = {}
        tr: dict[tuple[str, str], dict[int, int]] = {}
        for part in parts:
            for key, times in zip(part.keys, part.times, strict=True):
                pieces.setdefault(key, []).append(times)
            for route, counts in part.tr.items():
                mine = tr.setdefault(route, {})
                for value, count in counts.items():
                    mine[value] = mine.get(value, 0) + count
        keys = sorted(pieces, key=_sortable)
        times = []
        for key in keys:
            joined = pieces.pop(key)
            one = joined[0] if len(joined) == 1 else np.concatenate(joined)
            if len(joined) > 1:
                one.sort(kind="stable")
            times.append(one)
        return cls(keys, times, tr)

    # --- questions ---
    def __len__(self) -> int:
        return sum(len(t) for t in self.times)

    def routes(self) -> list[tuple[str, str]]:
        return sorted(self._routes())

    def _routes(self) -> dict[tuple[str, str], list[int]]:
        if self._by_route is None:
            ns_at, route_at = KEY_COLUMNS.index("namespace"), KEY_COLUMNS.index("route")
            found: dict[tuple[str, str], list[int]] = {}
            for i, key in enumerate(self.keys):
                found.setdefault((key[ns_at], key[route_at]), []).append(i)
            self._by_route = found
        return self._by_route

    def route_keys(self, namespace: str, route: str) -> pd.DataFrame:
        """The route's keys as a frame: :data:`KEY_COLUMNS`, ``requests``, ``first`` and ``last`` (ms)."""
        at = self._routes().get((namespace, route), [])
        frame = pd.DataFrame([self.keys[i] for i in at], columns=list(KEY_COLUMNS))
        frame["requests"] = [len(self.times[i]) for i in at]
        frame["first"] = [int(self.times[i][0]) for i in at]
        frame["last"] = [int(self.times[i][-1]) for i in at]
        return frame

    def count(self, namespace: str, route: str, **where: object) -> int:
        """How many normal lines of the route, among the keys whose columns equal ``where``'s values."""
        return sum(len(self.times[i]) for i in self._matching(namespace, route, where))

    def accept_times(self, namespace: str, route: str, **where: object) -> np.ndarray:
        """The accept times (ms since the epoch, sorted) of the route's normal lines matching ``where``."""
        at = self._matching(namespace, route, where)
        if not at:
            return np.zeros(0, dtype=np.int64)
        if len(at) == 1:
            return self.times[at[0]]
        joined = np.concatenate([self.times[i] for i in at])
        joined.sort(kind="stable")
        return joined

    def count_between(self, namespace: str, route: str, start: object = None, end: object = None, *,
                      after: bool = False, before: bool = False, **where: object) -> int:
        """How many of the route's normal lines (matching ``where``) were accepted from ``start`` to ``end``
        (datetimes or Timestamps; None: open), both included, as ``ts >= start`` and ``ts <= end`` count
        rows; ``after``: ``ts > start`` instead, ``before``: ``ts < end``."""
        low_ms = None if start is None else _ms(start, down=after)
        high_ms = None if end is None else _ms(end, down=not before)
        total = 0
        for i in self._matching(namespace, route, where):
            times = self.times[i]
            low = 0 if low_ms is None else int(np.searchsorted(times, low_ms, side="right" if after else "left"))
            high = len(times) if high_ms is None else int(np.searchsorted(times, high_ms,
                                                                           side="left" if before else "right"))
            total += max(0, high - low)
        return total

    def tr_counts(self, namespace: str, route: str) -> dict[int, int]:
        """The route's normal lines by ``Tr`` value (-1 where none was logged)."""
        return dict(self.tr.get((namespace, route), {}))

    def _matching(self, namespace: str, route: str, where: dict[str, object]) -> list[int]:
        at = self._routes().get((namespace, route), [])
        if not where:
            return at
        checks = [(KEY_COLUMNS.index(column), value) for column, value in where.items()]
        return [i for i in at if all(self.keys[i][k] == v for k, v in checks)]

    def distinct(self, namespace: str, route: str, column: str) -> set:
        """The distinct present values of a key column (:data:`KEY_COLUMNS`) among the route's normal lines, as
        ``set(rows[column].dropna())`` gives them of its rows (the pods that served it, its servers): a
        missing value is no value."""
        at = KEY_COLUMNS.index(column)
        return {self.keys[i][at] for i in self._routes().get((namespace, route), []) if self.keys[i][at] is not None}


    def last_accept_ms(self, namespace: str, route: str, **where: object) -> int | None:
        """The latest accept time (ms since the epoch) of the route's normal lines matching ``where``; None
        where it has none. Each key's times are sorted: the last of each, not a merge of them all."""
        ends = [int(self.times[i][-1]) for i in self._matching(namespace, route, where) if len(self.times[i])]
        return max(ends) if ends else None


def _times_by_key(key: np.ndarray, ms: np.ndarray, keys: int) -> list[np.ndarray]:
    """Each key's accept times, sorted: key and time packed into one integer and sorted once (where the
    product fits 63 bits, as a chunk's span of milliseconds does), else sorted by key then time."""
    if not len(ms):
        return [ms[:0] for _ in range(keys)]
    low = int(ms.min())
    span = int(ms.max()) - low + 1
    if keys * span < 1 << 62:
        packed = key * span + (ms - low)
        packed.sort()
        key_sorted, sorted_ms = np.divmod(packed, span)
        sorted_ms += low
    else:
        order = np.lexsort((ms, key))
        key_sorted, sorted_ms = key[order], ms[order]
    bounds = np.searchsorted(key_sorted, np.arange(keys + 1)).tolist()
    return [sorted_ms[a:b] for a, b in pairwise(bounds)]


def _sortable(key: tuple) -> tuple:
    """A key in a total order: a missing name sorts first, as ``""`` would but apart from it."""
    return tuple((0, "") if v is None else (1, v) for v in key)


def _ms(moment: object, *, down: bool) -> int:
    """A moment as milliseconds since the epoch, rounded down or up to a whole millisecond (the frame's
    times are whole milliseconds: ``ts >= 10:00:00.0004`` holds from 10:00:00.001, ``ts <= ...`` up to
    10:00:00.000); a naive moment is UTC, as the frame's times are."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    ns = int(stamp.value)
    return ns // 1_000_000 if down else -((-ns) // 1_000_000)


def first_accepted_after(lines: NormalLines, namespace: str, route: str, moment: object,
                         **where: object) -> pd.Timestamp | None:
    """The accept time of the route's first normal line (matching ``where``) accepted after ``moment``
    (``ts > moment``, as a row's time compares), as a UTC Timestamp; None when no such line was.

    "Did the servers answer again after the last failure, and from when" is asked of the rows and of
    these lines alike: the earlier of the two answers.
    """
    times = lines.accept_times(namespace, route, **where)
    at = int(np.searchsorted(times, _ms(moment, down=True), side="right")) if len(times) else 0
    return pd.Timestamp(int(times[at]), unit="ms", tz="UTC") if at < len(times) else None
