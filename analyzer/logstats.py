"""halog-style statistics of the access log, per route rather than per raw backend, in one pass.

``mga logs`` renders these: totals, status and termination-state counts, per-backend and per-server
tables with error counts and Tr/Ta percentiles, and the worst minutes. Counting rules follow halog
where they overlap (status ``-1`` is its own key; a TCP line is a request of its backend but has no
status), so the numbers can be checked against ``halog -st`` / ``halog -srv``.

The statistics are built chunk by chunk (:func:`summarize_chunk` runs on the parsing threads, or on
Dask workers; :class:`LogStats` merges the summaries), so a 10-million-line file never becomes one
frame: what is kept per request is a pair id and two timers (12 bytes), for exact percentiles.
Groups follow pandas ``groupby(..., observed=True)`` semantics: a request without a backend counts
in the totals but in no backend row, one without a server in its backend row but in no server row.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.model import rfc3339
from parsers.arrow_arrays import one_array
from parsers.int_codes import dense_codes

PERCENTILES = (50, 95, 99)
QUANTILES = np.array([p / 100 for p in PERCENTILES])
_PERCENTILE_KEYS = tuple(f"p{p}" for p in PERCENTILES)
WORST_MINUTES = 10
MINUTE_MS = 60_000
STATUS_FOLD_AT = 1 << 20  # (pair, status) entries kept from chunks before they are folded into one
_MINUTE_COLUMNS = ("requests", "errors_5xx", "502", "503", "504")
TIMER_MAX = 0xFFFFFFFF
STATS_COLUMNS = ("backend", "server", "status", "Tc", "Tr", "Ta", "term", "ts")


@dataclass
class ChunkSummary:
    """What one chunk of requests contributes; small except for the timer arrays (a few MB per chunk).

    Pairs are the distinct (backend, server) of the chunk; every per-pair array is indexed by the
    pair's position in ``pairs``.
    """

    rows: int
    pair_backends: pa.Array  # string: the backend of each pair (null: no backend)
    pair_servers: pa.Array  # string: the server of each pair (null: no server)
    pair_keys: pa.Array  # string: backend and server in one unambiguous key (see :func:`_pair_key`)
    pair_rows: np.ndarray
    pair_5xx: np.ndarray
    pair_tc_sum: np.ndarray
    pair_tc_n: np.ndarray
    pair_status: tuple[np.ndarray, np.ndarray, np.ndarray]  # pair, status, count
    tr: tuple[np.ndarray, np.ndarray]  # pair, value (values >= 0 only)
    ta: tuple[np.ndarray, np.ndarray]
    status_counts: dict[int, int]
    term_counts: dict[str, int]
    minutes: np.ndarray  # shape (k, 6): minute (ms since epoch), requests, 5xx, 502, 503, 504
    ts_min: int | None  # ms since epoch
    ts_max: int | None


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary indices (-1 for null) and the dictionary (as strings), whatever the column's encoding."""
    array = one_array(column)
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    indices = pc.fill_null(array.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    names = array.dictionary
    return indices, names if names.type == pa.string() else pc.cast(names, pa.string())


def _pair_key(backends: pa.Array, servers: pa.Array) -> pa.Array:
    """``<b><s><len(backend)>:<backend><server>`` (``b``/``s``: 1 when the name is there): one string per
    pair that no two different (backend, server) pairs share, so the merge looks pairs up once."""
    present = pc.binary_join_element_wise(pc.if_else(pc.is_valid(backends), "1", "0"),
                                          pc.if_else(pc.is_valid(servers), "1", "0"), "")
    backend = pc.fill_null(backends, "")
    length = pc.cast(pc.utf8_length(backend), pa.string())
    return pc.binary_join_element_wise(present, length, ":", backend, pc.fill_null(servers, ""), "")


def _names_at(names: pa.Array, index: np.ndarray) -> pa.Array:
    """``names[index]``, null where ``index`` is -1 (no name)."""
    return pc.take(names, pa.array(index, pa.int64(), mask=index < 0))


def _ints(column: pa.ChunkedArray | pa.Array, missing: int) -> np.ndarray:
    # a frame's integer columns may be narrower than int64 (parsers/log_frames.py): widen before filling
    return pc.fill_null(pc.cast(one_array(column), pa.int64()), missing).to_numpy(zero_copy_only=False).astype(np.int64)


def _timer(column: pa.ChunkedArray | pa.Array, pair: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = _ints(column, -1)
    ok = keep & (values >= 0)
    # HAProxy's timers are 32-bit milliseconds; a larger number (49 days) is stored as the largest
    return pair[ok].astype(np.int32), np.minimum(values[ok], TIMER_MAX)


def _dense(keys: np.ndarray) -> bool:
    """Whether the keys span a range small enough to count them in a table (no sort at all)."""
    return bool(len(keys)) and int(keys.max()) - int(keys.min()) < max(1 << 16, 4 * len(keys))


def _factorized(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``; keys of a small range (minutes, codes) by a table."""
    if not _dense(keys):
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        return unique_keys, inverse.astype(np.int64).reshape(-1)
    low = int(keys.min())
    present = np.zeros(int(keys.max()) - low + 1, np.bool_)
    present[keys - low] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, rank[keys - low]


def _pairs(backend: np.ndarray, server: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``_factorized`` of the pair keys ``(backend + 1) * width + (server + 1)`` (codes, -1 for none).

    A server name nearly always belongs to one backend, so the rows are looked up by their server
    in a table of ``width`` entries, and only the rows whose backend is not their server's first
    one are sorted: 93k rows, 8.6 -> about 3 ms (a sort of all keys, or a hash, costs more).
    """
    keys = (backend + 1) * width + (server + 1)
    if not len(keys):
        return _factorized(keys)
    slot = server + 1
    owner = np.full(width, -2, np.int64)
    owner[slot[::-1]] = backend[::-1]  # the last write wins: each server's first backend
    other = owner[slot] != backend
    used = np.zeros(width, np.bool_)
    used[slot] = True
    servers = np.flatnonzero(used)
    first_keys = (owner[servers] + 1) * width + servers  # keys of (server, its first backend)
    unique_keys = _counted(np.concatenate([first_keys, keys[other]]))[0]
    rank = np.zeros(width, np.int64)
    rank[servers] = np.searchsorted(unique_keys, first_keys)
    pair = rank[slot]
    if other.any():
        pair[other] = np.searchsorted(unique_keys, keys[other])
    return unique_keys, pair


def _counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_counts=True)``: by a table for a small range, else by one sort."""
    if not len(keys):
        return keys.astype(np.int64), np.zeros(0, np.int64)
    if not _dense(keys):
        ordered = np.sort(keys)
        first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        return ordered[first], np.diff(np.r_[first, len(ordered)])
    low = int(keys.min())
    counts = np.bincount(keys - low)
    present = np.flatnonzero(counts)
    return present + low, counts[present]


def _value_counts(column: pa.Array) -> dict[str, int]:
    """How often each value occurs (nulls left out); a dictionary column is counted by its indices,
    without turning every row into a string."""
    if not pa.types.is_dictionary(column.type):
        return {str(v["values"]): int(v["counts"]) for v in pc.value_counts(pc.drop_null(column)).to_pylist()}
    indices = pc.drop_null(column.indices).to_numpy(zero_copy_only=False)
    out: dict[str, int] = {}
    for name, count in zip(column.dictionary.to_pylist(), np.bincount(indices, minlength=len(column.dictionary))
                           .tolist(), strict=True):
        if count and name is not None:  # a dictionary may repeat a value or hold a null
            out[str(name)] = out.get(str(name), 0) + count
    return out


def summarize_chunk(table: pa.Table | None) -> ChunkSummary | None:
    """The statistics of one chunk of ``requests`` rows (Arrow, as the parser hands them over)."""
    if table is None or table.num_rows == 0:
        return None
    n = table.num_rows
    backend, backend_names = _codes(table.column("backend"))
    server, server_names = _codes(table.column("server"))
    width = len(server_names) + 1
    unique_keys, pair = _pairs(backend, server, width)
    # names + [None]: index -1 (no name) picks the None at the end
    pair_backends = _names_at(backend_names, unique_keys // width - 1)
    pair_servers = _names_at(server_names, unique_keys % width - 1)
    pair_keys = _pair_key(pair_backends, pair_servers)
    in_group = backend >= 0  # pandas drops rows whose group key is missing
    npairs = len(unique_keys)

    status = _ints(table.column("status"), np.iinfo(np.int64).min)
    has_status = status != np.iinfo(np.int64).min
    is5xx = has_status & (status >= 500) & (status < 600)
    tc = _ints(table.column("Tc"), -1)
    tc_ok = tc >= 0

    with_status = has_status & in_group
    codes, counts = _counted(status[has_status])
    if with_status.any():  # one entry per (pair, status): the status as its rank among the chunk's codes
        keys, sizes = _counted(pair[with_status] * len(codes) + np.searchsorted(codes, status[with_status]))
        pair_status = (keys // len(codes), codes[keys % len(codes)], sizes)
    else:
        empty = np.zeros(0, np.int64)
        pair_status = (empty, empty, empty)

    ts = one_array(table.column("ts"))  # the parser's accept times are whole milliseconds, a frame's are ns
    ts = pc.cast(ts, pa.timestamp("ms", tz="UTC"), safe=False) if ts.type.unit != "ms" else ts
    ts_ms = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    ts_valid = pc.is_valid(ts).to_numpy(zero_copy_only=False)
    minutes = np.zeros((0, 6), np.int64)
    ts_min = ts_max = None
    if ts_valid.any():
        stamp = ts_ms[ts_valid].astype(np.int64)
        ts_min, ts_max = int(stamp.min()), int(stamp.max())
        minute_keys, minute_of = _factorized(stamp // MINUTE_MS)
        st = status[ts_valid]
        k = len(minute_keys)
        minutes = np.stack(
            [
                minute_keys * MINUTE_MS,
                np.bincount(minute_of, minlength=k),
                np.bincount(minute_of[is5xx[ts_valid]], minlength=k),
                *(np.bincount(minute_of[st == code], minlength=k) for code in (502, 503, 504)),
            ],
            axis=1,
        ).astype(np.int64)

    return ChunkSummary(
        rows=n,
        pair_backends=pair_backends,
        pair_servers=pair_servers,
        pair_keys=pair_keys,
        pair_rows=np.bincount(pair, minlength=npairs),
        pair_5xx=np.bincount(pair, weights=is5xx, minlength=npairs).astype(np.int64),
        pair_tc_sum=np.bincount(pair[tc_ok], weights=tc[tc_ok], minlength=npairs),
        pair_tc_n=np.bincount(pair[tc_ok], minlength=npairs),
        pair_status=pair_status,
        tr=_timer(table.column("Tr"), pair, in_group),
        ta=_timer(table.column("Ta"), pair, in_group),
        status_counts={int(c): int(k) for c, k in zip(codes, counts, strict=True)},
        term_counts=_value_counts(one_array(table.column("term"))),
        minutes=minutes,
        ts_min=ts_min,
        ts_max=ts_max,
    )


def summarize_result(result: Any) -> ChunkSummary | None:
    """The per-chunk hook of ``mga logs`` (a ``haproxy_log.ChunkResult`` in, its summary out).

    A module-level function, not a lambda, so Dask can send it to workers by reference.
    """
    return summarize_chunk(result.table)


def _quantiles(group: np.ndarray, values: np.ndarray, counts: np.ndarray, groups: int) -> np.ndarray:
    """Per group, the linear-interpolation quantiles of :data:`QUANTILES` (NaN for an empty group).

    ``group``/``values`` are sorted by (group, value), each pair once, ``counts`` how often it
    occurred. The arithmetic is pandas' ``GroupBy.quantile`` (``group_quantile``) on the expanded
    values: position ``q * (n - 1)``, then ``v[i] + (v[i+1] - v[i]) * frac``, so results equal the
    frame-based statistics exactly.
    """
    out = np.full((groups, len(QUANTILES)), np.nan)
    if not len(values):
        return out
    ends = np.cumsum(counts)  # expanded index one past each (group, value)
    # groups are sorted: each one's expanded range from its first and last entries, no pass over all
    bounds = np.searchsorted(group, np.arange(groups + 1))
    expanded = np.concatenate([[0], ends])[bounds]
    starts, sizes = expanded[:-1], np.diff(expanded)
    present = sizes > 0
    last = len(values) - 1
    for k, q in enumerate(QUANTILES):
        position = q * (sizes[present] - 1).astype(np.float64)
        index = starts[present] + position.astype(np.int64)
        frac = position % 1
        low = values[np.minimum(np.searchsorted(ends, index, side="right"), last)].astype(np.float64)
        high = values[np.minimum(np.searchsorted(ends, index + 1, side="right"), last)].astype(np.float64)
        out[present, k] = np.where(frac == 0.0, low, low + (high - low) * frac)
    return out


class TimerValues:
    """The exact distribution of one timer per (backend, server) pair, compacted as it grows.

    Values are kept as sorted unique ``pair << 32 | value`` keys with a count each: a busy router
    repeats the same few milliseconds millions of times, so memory follows the distinct values, and
    at worst 16 bytes per request.
    """

    COMPACT_AT = 1 << 23  # raw keys gathered before they are folded into the counted ones (64 MB)

    def __init__(self) -> None:
        self.keys = np.zeros(0, np.int64)
        self.counts = np.zeros(0, np.int64)
        self._raw: list[np.ndarray] = []
        self._raw_rows = 0

    def add(self, pair: np.ndarray, value: np.ndarray) -> None:
        if not len(pair):
            return
        self._raw.append((pair.astype(np.int64) << 32) | value.astype(np.int64))
        self._raw_rows += len(pair)
        if self._raw_rows >= self.COMPACT_AT:
            self.compact()

    def compact(self) -> None:
        """Fold the raw keys into the counted ones: sort and count the new keys, then merge them in.

        The merge looks the new keys up in the sorted counted ones (``searchsorted``), adds the
        counts of those already there and inserts the others in place: linear in the kept keys,
        where sorting everything again at every fold made long logs quadratic.
        """
        if not self._raw:
            return
        raw = np.concatenate(self._raw)
        raw.sort()
        first = np.flatnonzero(np.r_[True, raw[1:] != raw[:-1]])
        new_keys, new_counts = raw[first], np.diff(np.r_[first, len(raw)])
        self.keys, self.counts = _merge_counted(self.keys, self.counts, new_keys, new_counts)
        self._raw, self._raw_rows = [], 0

    def grouped(self, group_of_pair: np.ndarray, groups: int) -> np.ndarray:
        """Quantiles per group, pairs mapped to groups by ``group_of_pair`` (-1: in no group).

        The keys are sorted by (pair, value). When every group holds one pair (servers), the
        quantiles are the pairs' own, taken where the keys lie and then put in group order.
        Otherwise (backends) one sort by (group, value); equal values of two pairs may stay side
        by side.
        """
        self.compact()
        pair = self.keys >> 32
        value = self.keys & TIMER_MAX
        mapped = group_of_pair[group_of_pair >= 0]
        if len(mapped) == len(np.unique(mapped)):
            per_pair = _quantiles(pair, value, self.counts, len(group_of_pair))
            out = np.full((groups, len(QUANTILES)), np.nan)
            has_group = group_of_pair >= 0
            out[group_of_pair[has_group]] = per_pair[has_group]
            return out
        group = group_of_pair[pair]
        counts = self.counts
        if not (group_of_pair >= 0).all():
            keep = np.flatnonzero(group >= 0)
            group, value, counts = group[keep], value[keep], counts[keep]
        return _quantiles(*_sorted_by_group(group, value, counts), groups)


def _packed_fields(*columns: np.ndarray) -> list[int] | None:
    """Bit widths that hold every column's values side by side in one int64 (None: they do not fit,
    or a value is negative)."""
    widths = []
    for column in columns:
        if len(column) and column.min() < 0:
            return None
        widths.append(max(1, int(column.max()).bit_length()) if len(column) else 1)
    return widths if sum(widths) <= 63 else None


def _sorted_by_group(group: np.ndarray, value: np.ndarray, counts: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group, value, count) entries sorted by group, then value; equal (group, value) entries stay
    side by side in any order (their expanded values are the same).

    When the three fit in one int64 they are packed and sorted as plain integers: numpy sorts
    integers several times faster than it arg-sorts them (1.5M entries: 0.08 s against 0.4 s).
    """
    widths = _packed_fields(group, value, counts)
    if widths is None:
        order = np.argsort((group << 32) | value)
        return group[order], value[order], counts[order]
    _, value_bits, count_bits = widths
    packed = (group << (value_bits + count_bits)) | (value << count_bits) | counts
    packed.sort()
    low = (1 << count_bits) - 1
    return packed >> (value_bits + count_bits), (packed >> count_bits) & ((1 << value_bits) - 1), packed & low


def _merge_counted(keys: np.ndarray, counts: np.ndarray, new_keys: np.ndarray, new_counts: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted, distinct key arrays with counts -> one (counts of equal keys added)."""
    if not len(keys):
        return new_keys, new_counts.astype(np.int64)
    at = np.searchsorted(keys, new_keys)
    found = at < len(keys)
    found[found] = keys[at[found]] == new_keys[found]
    counts = counts.copy()
    counts[at[found]] += new_counts[found]  # distinct positions: each key once
    fresh = ~found
    return np.insert(keys, at[fresh], new_keys[fresh]), np.insert(counts, at[fresh], new_counts[fresh])


class Interner:
    """Stable small integer ids for values seen chunk after chunk (null is always -1).

    Ids follow first appearance. A chunk's few thousand values are looked up with Arrow's hash
    kernel (``index_in`` against the values known so far), so names never become Python objects
    on the thread that merges the parsing threads' results; only the new ones are appended.
    (A Python dict that lives as long as the log costs more: every chunk's keys would become
    Python strings first.)
    """

    def __init__(self) -> None:
        self._known: pa.Array | None = None

    @property
    def size(self) -> int:
        return len(self._known) if self._known is not None else 0

    @property
    def values(self) -> list[Any]:
        """The interned values in id order."""
        return self._known.to_pylist() if self._known is not None else []

    def ids(self, values: pa.Array | np.ndarray) -> np.ndarray:
        array = values if isinstance(values, pa.Array) else pa.array(values)
        if self._known is None:
            self._known = pa.array([], array.type)
        found = pc.index_in(array, value_set=self._known)
        new = pc.and_(pc.is_null(found), pc.is_valid(array))
        if pc.any(new).as_py():
            self._known = pa.concat_arrays([self._known, pc.unique(array.filter(new))])
            found = pc.index_in(array, value_set=self._known)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass
class LogStats:
    """Merges :class:`ChunkSummary` objects; :meth:`result` gives the ``mga.logs/v1`` object."""

    rows: int = 0
    _pairs: Interner = field(default_factory=Interner)  # of ChunkSummary.pair_keys
    _pair_backends: list[pa.Array] = field(default_factory=list)  # names of the pairs, in id order
    _pair_servers: list[pa.Array] = field(default_factory=list)
    _pair_totals: np.ndarray = field(default_factory=lambda: np.zeros((4, 0)))  # rows, 5xx, Tc sum, Tc n
    _status_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _status_entries: int = 0
    _tr: TimerValues = field(default_factory=TimerValues)
    _ta: TimerValues = field(default_factory=TimerValues)
    status_counts: dict[int, int] = field(default_factory=dict)
    term_counts: dict[str, int] = field(default_factory=dict)
    _minutes: list[np.ndarray] = field(default_factory=list)
    ts_min: int | None = None
    ts_max: int | None = None

    def add(self, summary: ChunkSummary | None) -> None:
        if summary is None:
            return
        self.rows += summary.rows
        known = self._pairs.size
        to_global = self._pairs.ids(summary.pair_keys)
        n = self._pairs.size
        if n > known:  # the chunk's new pairs, in id order (ids follow first appearance)
            new = pa.array(np.flatnonzero(to_global >= known))
            self._pair_backends.append(summary.pair_backends.take(new))
            self._pair_servers.append(summary.pair_servers.take(new))
        totals = np.zeros((4, n))
        totals[:, : self._pair_totals.shape[1]] = self._pair_totals
        for k, part in enumerate((summary.pair_rows, summary.pair_5xx, summary.pair_tc_sum, summary.pair_tc_n)):
            totals[k] += np.bincount(to_global, weights=part, minlength=n)
        self._pair_totals = totals
        pairs, codes, counts = summary.pair_status
        self._status_parts.append((to_global[pairs], codes, counts))
        self._status_entries += len(pairs)
        if self._status_entries > STATUS_FOLD_AT:  # a long log: keep one entry per (pair, status)
            self._status_parts = [_fold_status(self._status_parts)]
            self._status_entries = len(self._status_parts[0][0])
        self._tr.add(to_global[summary.tr[0]], summary.tr[1])
        self._ta.add(to_global[summary.ta[0]], summary.ta[1])
        for code, count in summary.status_counts.items():
            self.status_counts[code] = self.status_counts.get(code, 0) + count
        for term, count in summary.term_counts.items():
            self.term_counts[term] = self.term_counts.get(term, 0) + count
        if len(summary.minutes):
            self._minutes.append(summary.minutes)
            if len(self._minutes) > 64:  # keep the per-minute parts compact on very long logs
                self._minutes = [_sum_minutes(self._minutes)]
        if summary.ts_min is not None:
            self.ts_min = summary.ts_min if self.ts_min is None else min(self.ts_min, summary.ts_min)
            self.ts_max = summary.ts_max if self.ts_max is None else max(self.ts_max, summary.ts_max)

    # ------------------------------------------------------------------ the result
    def _per_pair(self) -> tuple[np.ndarray, ...]:
        n = self._pairs.size
        totals = np.zeros((4, n))
        totals[:, : self._pair_totals.shape[1]] = self._pair_totals
        return tuple(totals)

    def _pair_names(self) -> tuple[list[str | None], list[str | None]]:
        def names(parts: list[pa.Array]) -> list[str | None]:
            return pa.concat_arrays(parts).to_pylist() if parts else []

        return names(self._pair_backends), names(self._pair_servers)

    def _tables(self, group_of_pair: np.ndarray, groups: int, keys: list[tuple]) -> list[dict[str, Any]]:
        """Rows of one grouping (backends or servers); pairs outside it have group -1."""
        rows, e5xx, tc_sum, tc_n = (np.bincount(group_of_pair[group_of_pair >= 0], weights=t[group_of_pair >= 0],
                                                minlength=groups) for t in self._per_pair())
        status = self._status_by_group(group_of_pair, groups)
        # Python's round() and numpy's both round half to even: the same integers, all at once
        # the two timers side by side: their sorts and searches are numpy's, which release the GIL
        present = np.flatnonzero(rows)  # groups with requests, in group order
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mga-stats") as pool:
            grouped = pool.map(lambda timer: timer.grouped(group_of_pair, groups), (self._tr, self._ta))
            tr, ta = (_int_or_none_rows(np.round(values[present])) for values in grouped)
        counts, errors = rows[present].astype(np.int64).tolist(), e5xx[present].astype(np.int64).tolist()
        # Python's decimal rounding of the mean connect time
        avg_tc = [round(total / n, 1) if n else None for total, n in zip(tc_sum[present].tolist(),
                                                                        tc_n[present].tolist(), strict=True)]
        groups_present = present.tolist()
        return [
            {**dict(keys[g]), "requests": n, "errors_5xx": e, "status_counts": status.get(g, {}),
             "tr": dict(zip(_PERCENTILE_KEYS, r, strict=True)), "ta": dict(zip(_PERCENTILE_KEYS, a, strict=True)),
             "avg_tc": t}
            for g, n, e, r, a, t in zip(groups_present, counts, errors, tr, ta, avg_tc, strict=True)
        ]

    def _status_by_group(self, group_of_pair: np.ndarray, groups: int) -> dict[int, dict[str, int]]:
        """Status counts per group, codes in ascending order: one slice of the folded entries per group.

        Counted in a table of groups x statuses when it is small (a log's statuses are a few dozen):
        the two sorts of every (pair, status) entry this replaces were a quarter of a second at 3M
        lines, after the parse, with one core idle.
        """
        if not self._status_parts:
            return {}
        if len(self._status_parts) > 1:  # entries of a (pair, status) met in several chunks add up below
            self._status_parts = [tuple(np.concatenate(column) for column in zip(*self._status_parts, strict=True))]
        pair, code, count = self._status_parts[0]
        group = group_of_pair[pair]
        keep = group >= 0
        statuses, status_of = dense_codes(code[keep])
        if groups * len(statuses) <= STATUS_TABLE_CELLS:
            table = np.bincount(group[keep] * len(statuses) + status_of, weights=count[keep],
                                minlength=groups * len(statuses)).reshape(groups, len(statuses))
            group, at = np.nonzero(table)  # row-major: by group, then status (ascending)
            code, count = statuses[at], table[group, at].astype(np.int64)
        else:
            group, code, count = _fold_status([(group[keep], code[keep], count[keep])])
        if not len(group):
            return {}
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        text = {c: str(c) for c in np.unique(code).tolist()}
        codes = [text[c] for c in code.tolist()]
        totals = count.tolist()
        bounds = np.r_[starts, len(group)].tolist()
        return {g: dict(zip(codes[bounds[k]:bounds[k + 1]], totals[bounds[k]:bounds[k + 1]], strict=True))
                for k, g in enumerate(group[starts].tolist())}

    def backends(self) -> list[dict[str, Any]]:
        pair_backend, _ = self._pair_names()
        names = sorted({b for b in pair_backend if b is not None})
        index = {name: i for i, name in enumerate(names)}
        group = np.array([index[b] if b is not None else -1 for b in pair_backend], np.int64)
        out = self._tables(group, len(names), [(("backend", name),) for name in names])
        for b in out:
            parts = str(b["backend"]).split(":", 2)
            b["namespace"], b["route"] = (
                (parts[1], parts[2]) if len(parts) == 3 and parts[0].startswith("be_") else (None, None)
            )
        return out

    def servers(self, pod_of: Any) -> list[dict[str, Any]]:
        pairs = list(zip(*self._pair_names(), strict=True))
        keys = sorted(p for p in pairs if p[0] is not None and p[1] is not None)
        index = {key: i for i, key in enumerate(keys)}
        group = np.array([index.get(p, -1) for p in pairs], np.int64)
        out = self._tables(group, len(keys), [(("backend", b), ("server", s)) for b, s in keys])
        for entry in out:
            entry["pod"] = pod_of(entry["server"])
        return out

    def worst_minutes(self, limit: int = WORST_MINUTES) -> list[dict[str, Any]]:
        if not self._minutes:
            return []
        table = _sum_minutes(self._minutes)
        table = table[table[:, 2] > 0]
        order = np.lexsort((table[:, 0], -table[:, 1], -table[:, 2]))[:limit]  # 5xx, then requests, then time
        return [
            {"minute": rfc3339(pd.Timestamp(int(row[0]), unit="ms", tz="UTC")),
             **{name: int(v) for name, v in zip(_MINUTE_COLUMNS, row[1:], strict=True)}}
            for row in table[order]
        ]

    def result(self, *, lines_read: int, unparsed: int, router_messages: int, files: list[dict[str, Any]],
               samples: list[dict[str, Any]], pod_of: Any) -> dict[str, Any]:
        def moment(ms: int | None) -> str | None:
            return None if ms is None else rfc3339(pd.Timestamp(ms, unit="ms", tz="UTC"))

        return {
            "schema": "mga.logs/v1",
            "lines_read": int(lines_read),
            "requests": self.rows,
            "unparsed": int(unparsed),
            "router_messages": int(router_messages),
            "window": {"start": moment(self.ts_min), "end": moment(self.ts_max)},
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "term_counts": dict(sorted(self.term_counts.items())),
            "backends": self.backends(),
            "servers": self.servers(pod_of),
            "worst_minutes": self.worst_minutes(),
            "files": list(files),
            "unparsed_samples": list(samples),
        }


STATUS_TABLE_CELLS = 1 << 22  # groups x statuses counted in a table up to this many cells (32 MB of floats)


def _int_or_none_rows(values: np.ndarray) -> list[list[int | None]]:
    """Rows of whole floats as Python ints, NaN as None (one conversion for the whole matrix)."""
    missing = np.isnan(values)
    out = np.where(missing, 0, values).astype(np.int64).astype(object)
    out[missing] = None
    return out.tolist()


def _fold_status(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(key, status, count) parts -> one entry per (key, status), sorted by key then status (the report's order)."""
    key = np.concatenate([k for k, _, _ in parts])
    code = np.concatenate([c for _, c, _ in parts])
    count = np.concatenate([n for _, _, n in parts])
    if not len(key):
        return key, code, count
    widths = _packed_fields(key, code, count)
    if widths is not None:  # packed and sorted as plain integers (see _sorted_by_group)
        _, code_bits, count_bits = widths
        packed = (key << (code_bits + count_bits)) | (code << count_bits) | count
        packed.sort()
        key, code, count = (packed >> (code_bits + count_bits), (packed >> count_bits) & ((1 << code_bits) - 1),
                            packed & ((1 << count_bits) - 1))
    else:
        order = np.lexsort((code, key))
        key, code, count = key[order], code[order], count[order]
    first = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (code[1:] != code[:-1])])
    return key[first], code[first], np.add.reduceat(count, first)


def _sum_minutes(parts: list[np.ndarray]) -> np.ndarray:
    table = np.concatenate(parts)
    keys, inverse = np.unique(table[:, 0], return_inverse=True)
    inverse = inverse.reshape(-1)
    sums = [np.bincount(inverse, weights=table[:, i], minlength=len(keys)).astype(np.int64) for i in range(1, 6)]
    return np.stack([keys, *sums], axis=1)


def summaries_of_frame(requests: pd.DataFrame, rows_per_chunk: int = 1 << 20) -> Iterable[ChunkSummary | None]:
    """Summaries of an already-built ``requests`` frame (``mga analyze`` has one), in slices."""
    for start in range(0, len(requests), rows_per_chunk):
        part = requests.iloc[start : start + rows_per_chunk]
        yield summarize_chunk(pa.Table.from_pandas(part[list(STATS_COLUMNS)], preserve_index=False))


def log_statistics(parse: Any) -> dict[str, Any]:
    """The ``mga.logs/v1`` object from a combined :class:`~parsers.haproxy_log.LogParse`."""
    from parsers.haproxy_log import server_pod

    stats = LogStats()
    for summary in summaries_of_frame(parse.requests):
        stats.add(summary)
    return stats.result(lines_read=parse.lines_read, unparsed=parse.unparsed, router_messages=len(parse.router_events),
                        files=parse.accounting, samples=parse.unparsed_samples, pod_of=server_pod)
