"""The normal lines of the routes ``mga analyze`` keeps: counted with their accept times, not kept as rows.

A busy application's router log is mostly answers below 500 and, for its passthrough routes, TCP
connections that closed normally. Kept as rows of the ``requests`` frame they cost about 44 bytes a
line and set the peak of a long log; the rules read them only as counts (a route's requests, the
pods that served it, its answered ``Tr``), as "did anything answer between these two times", or as
"how many lines since this one". Those questions are answered exactly by a count per key and each
line's accept time (4 bytes, an offset from the log's earliest: :mod:`parsers.key_times`), which
:class:`NormalLines` holds.

A *normal* line (:func:`normal_mask`): it names a namespace, has an accept time, the termination
state ``--``, ``Tc >= 0`` (the router connected to the server) and no queue (``srv_queue`` and
``backend_queue`` 0 or absent), and it is either

- an HTTP line with a status from 100 to 499, or
- a TCP line (``option tcplog``, no status) of a passthrough backend ``be_tcp:<ns>:<route>``
  (router-facts §1.3): its status is held missing in its key, so a question that asks for an answer
  below 500 (:meth:`NormalLines.count` with ``answered``) leaves it out as a status test leaves out
  its row.

Every other line stays a row: the 5xx, the status -1, the client aborts, the queued lines, the TCP
connections the router could not open (``Tc`` -1, ``SC``: ``analyzer.run.tcp_failures``) or that
ended otherwise than ``--``, every line a finding may claim or cite, an HTTP line without a status,
the TCP hop lines of ``be_sni``/``be_no_sni`` (no namespace), and the lines without an accept time
(they belong to no minute group). The minute groups (:mod:`parsers.log_groups`) fold a chunk's rows
before the normal ones leave it, or, where the lean read counts the normal lines it read
(:mod:`parsers.lean_normal`), fold those as a part of their own: they still count every line.

Counting is shaping, not diagnosing: what the counts mean is the rules' business.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array
from parsers.int_codes import dense_codes
from parsers.key_times import joined_times, offsets, place, times_by_key

# the columns a normal line is known by (each a name of the request frame): what a rule may filter its
# counts by. Of its other columns only the accept time and ``Tr`` are kept (counted per route); its state
# is ``--`` by definition, and its other timers and connection counts are no rule's question (the
# router-wide ``actconn`` figures come from every line's totals, ``parsers.log_totals``)
KEY_COLUMNS = ("namespace", "route", "backend", "backend_kind", "server", "server_kind", "pod", "service",
               "port_name", "server_ip", "router_pod", "status")
_NEEDED = ("namespace", "ts", "status", "term", "Tc")
PASSTHROUGH_KIND = "be_tcp"  # the backend kind of a passthrough route: its lines are TCP lines, without status
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
    answered = pc.and_kleene(pc.greater_equal(status, 100), pc.less(status, 500))
    keep = pc.or_kleene(pc.fill_null(answered, False), _passthrough_tcp(table, status))
    keep = pc.and_kleene(keep, pc.equal(term, "--"))
    keep = pc.and_kleene(keep, pc.greater_equal(one_array(table.column("Tc")), 0))
    keep = pc.and_kleene(keep, one_array(table.column("ts")).is_valid())
    keep = pc.and_kleene(keep, one_array(table.column("namespace")).is_valid())
    for name in _QUEUES:
        if name in table.column_names:
            keep = pc.and_kleene(keep, pc.fill_null(pc.equal(one_array(table.column(name)), 0), True))
    return np.asarray(pc.fill_null(keep, False).to_numpy(zero_copy_only=False), dtype=bool)


def _passthrough_tcp(table: pa.Table, status: pa.Array) -> pa.Array:
    """Which rows are TCP lines of a passthrough backend: no status, backend kind ``be_tcp``."""
    if "backend_kind" not in table.column_names:
        return pa.array(np.zeros(table.num_rows, dtype=bool))
    kind = one_array(table.column("backend_kind"))
    if pa.types.is_dictionary(kind.type):  # asked of the few kinds, read through the indices
        passthrough = pc.take(pc.fill_null(pc.equal(kind.dictionary, PASSTHROUGH_KIND), False), kind.indices)
    else:
        passthrough = pc.equal(kind, PASSTHROUGH_KIND)
    return pc.and_(status.is_null(), pc.fill_null(passthrough, False))


def _accept_ms(ts: pa.Array) -> np.ndarray:
    """Accept times as integer milliseconds since the epoch (UTC)."""
    unit = ts.type.unit if pa.types.is_timestamp(ts.type) else "ms"
    values = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if unit == "ms":
        return values
    if unit == "s":
        return values * 1000
    return values // (1000 if unit == "us" else 1_000_000)


class NormalLines:
    """The normal lines of a log (or of one chunk): per key (:data:`KEY_COLUMNS`), how many, and each one's
    accept time in milliseconds, sorted; per key, the counted values of ``Tr``.

    Held as columns, not as an object per key: a router log of thousands of routes has tens of thousands
    of keys of a few lines each. ``codes[name]``: each key's code in that column (32 bits), ``values[name]``
    the value of each code (a missing value first, then in text order), keys in text order (a route's
    keys are next to each other); ``base + stamps[starts[i]:starts[i + 1]]``: key ``i``'s accept times,
    sorted (offsets from ``base``: 4 bytes a line where the log spans under 49.7 days,
    :func:`parsers.key_times.offsets`); ``tr_key``/``tr_value``/``tr_count``: how many lines of the route whose
    first key is ``tr_key[j]`` logged ``Tr`` ``tr_value[j]`` (-1 where none was), sorted by key: counted
    per route (the question asked), a few thousand values for millions of lines. Build a chunk's with
    :meth:`of_table`, join them with :meth:`merged`.
    """

    def __init__(self, codes: dict[str, np.ndarray] | None = None, values: dict[str, np.ndarray] | None = None,
                 starts: np.ndarray | None = None, stamps: np.ndarray | None = None,
                 tr_key: np.ndarray | None = None, tr_value: np.ndarray | None = None,
                 tr_count: np.ndarray | None = None, base: int = 0):
        empty = np.zeros(0, dtype=np.int64)
        self.codes = codes if codes is not None else {k: np.zeros(0, dtype=np.int32) for k in KEY_COLUMNS}
        self.values = values if values is not None else {k: np.array([None], dtype=object) for k in KEY_COLUMNS}
        self.starts = starts if starts is not None else np.zeros(1, dtype=np.int64)
        self.stamps = stamps if stamps is not None else np.zeros(0, dtype=np.uint32)
        self.base = base
        self.tr_key = tr_key if tr_key is not None else empty
        self.tr_value = tr_value if tr_value is not None else empty
        self.tr_count = tr_count if tr_count is not None else empty
        self._by_route: dict[tuple[str, str], range] | None = None

    def column(self, name: str, at: range | None = None) -> np.ndarray:
        """A key column's values (objects, None where missing) of every key, or of the keys ``at``."""
        codes = self.codes[name] if at is None else self.codes[name][at.start:at.stop]
        return self.values[name][codes]

    # --- building ---
    @classmethod
    def of_table(cls, table: pa.Table, mask: np.ndarray | None = None) -> NormalLines:
        """The normal lines among ``table``'s rows (``mask``: which rows are, default :func:`normal_mask`)."""
        mask = normal_mask(table) if mask is None else mask
        if not mask.any():
            return cls()
        read = [c for c in (*KEY_COLUMNS, "ts", "Tr") if c in table.column_names]
        rows = table.select(read) if mask.all() else table.select(read).filter(pa.array(mask))
        by_code: list[np.ndarray] = []  # each column's values by code, codes in text order
        entries: list[np.ndarray] = []  # each line's entry in each column's dictionary
        ranks: list[np.ndarray] = []  # each entry's code
        for name in KEY_COLUMNS:
            if name not in rows.column_names:
                by_code.append(np.array([None], dtype=object))
                entries.append(np.zeros(rows.num_rows, dtype=np.int64))
                ranks.append(np.zeros(1, dtype=np.int64))
                continue
            column = one_array(rows.column(name))
            e, r, v = _dictionary_ranks(pc.cast(column, pa.int64()) if name == "status" else column)
            by_code.append(v)
            entries.append(e)
            ranks.append(r)
        key, codes = _key_ids(entries, ranks)  # key ids in the text order of the key columns, each key's codes
        del entries
        key_codes = {name: c.astype(np.int32) for name, c in zip(KEY_COLUMNS, codes, strict=True)}
        values = dict(zip(KEY_COLUMNS, by_code, strict=True))
        tr = (pc.fill_null(pc.cast(one_array(rows.column("Tr")), pa.int64()), -1).to_numpy(zero_copy_only=False)
              if "Tr" in rows.column_names else np.full(rows.num_rows, -1, dtype=np.int64))
        tallies = _tallies(_route_first(key_codes)[key], tr.astype(np.int64, copy=False), None)
        starts, ms = times_by_key(key, _accept_ms(one_array(rows.column("ts"))), len(codes[0]))  # key consumed
        base, stamps = offsets(ms)
        return cls(key_codes, values, starts, stamps, *tallies, base=base)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, mask: np.ndarray | None = None) -> NormalLines:
        """The normal lines among a request frame's rows (tests build them so)."""
        columns = [c for c in (*KEY_COLUMNS, "ts", "term", "Tc", "Tr", *_QUEUES) if c in frame.columns]
        table = pa.Table.from_pandas(frame[columns], preserve_index=False)
        return cls.of_table(table, mask)

    @classmethod
    def merged(cls, parts: Iterable[NormalLines], *, consume: bool = False) -> NormalLines:
        """The parts joined: each key's times from every part, sorted; the ``Tr`` tallies added.

        ``consume``: each part is emptied once its times are copied (it must not be read afterwards), so a
        long log's chunks' times and the joined ones are never all held at once: that was the peak of a
        busy application's 10M-line log (the parts, a copy of their times joined and a key per line)."""
        parts = [p for p in parts if len(p.starts) > 1]
        if not parts:
            return cls()
        if len(parts) == 1:
            return parts[0]
        codes: list[np.ndarray] = []
        values: dict[str, np.ndarray] = {}
        for name in KEY_COLUMNS:  # each part's codes read as codes of the union of the parts' values
            union = sorted({v for p in parts for v in p.values[name].tolist() if v is not None})
            rank = {v: i + 1 for i, v in enumerate(union)}
            codes.append(np.concatenate([
                np.array([0 if v is None else rank[v] for v in p.values[name].tolist()], dtype=np.int64)[p.codes[name]]
                for p in parts]))
            values[name] = np.array([None, *union], dtype=object)
        gid = _folded(codes)  # each part's keys' ids among all keys, in key order
        first = _first_of_each(gid)
        key_codes = {name: c[first].astype(np.int32) for name, c in zip(KEY_COLUMNS, codes, strict=True)}
        del codes
        at = np.cumsum([0] + [len(p.starts) - 1 for p in parts]).tolist()
        route_first = _route_first(key_codes)
        tallies = _tallies(np.concatenate([route_first[gid[o + p.tr_key]] for o, p in zip(at, parts, strict=False)]),
                           np.concatenate([p.tr_value for p in parts]), np.concatenate([p.tr_count for p in parts]))
        part_keys = [gid[o:o + len(p.starts) - 1] for o, p in zip(at, parts, strict=False)]
        starts, base, stamps = joined_times(parts, part_keys, len(first), consume)
        return cls(key_codes, values, starts, stamps, *tallies, base=base)

    def release_times(self) -> None:
        """Let go of every line (:meth:`merged` with ``consume``, once its times are copied): empty afterwards."""
        NormalLines.__init__(self)

    # --- the lists tests compare ---
    @property
    def keys(self) -> list[tuple]:
        """One tuple of :data:`KEY_COLUMNS` values per key, in key order."""
        return list(zip(*(self.column(k).tolist() for k in KEY_COLUMNS), strict=True))

    @property
    def times(self) -> list[np.ndarray]:
        """Each key's sorted accept times (ms since the epoch)."""
        return [self.stamps[a:b].astype(np.int64) + self.base for a, b in pairwise(self.starts.tolist())]

    @property
    def tr(self) -> dict[tuple[str, str], dict[int, int]]:
        """(namespace, route) -> ``Tr`` value -> lines."""
        out: dict[tuple[str, str], dict[int, int]] = {}
        ns, route = self.column("namespace"), self.column("route")
        for k, v, n in zip(self.tr_key.tolist(), self.tr_value.tolist(), self.tr_count.tolist(), strict=True):
            mine = out.setdefault((ns[k], route[k]), {})
            mine[v] = mine.get(v, 0) + n
        return out

    # --- questions ---
    def __len__(self) -> int:
        return len(self.stamps)

    def routes(self) -> list[tuple[str, str]]:
        return sorted(self._routes())

    def _routes(self) -> dict[tuple[str, str], range]:
        """Each route's keys: a range, keys being in key order and a key starting with namespace and route."""
        if self._by_route is None:
            pair = self.codes["namespace"].astype(np.int64) * len(self.values["route"]) + self.codes["route"]
            bounds = np.flatnonzero(np.diff(pair)) + 1 if len(pair) else np.zeros(0, dtype=np.int64)
            begins = [0, *bounds.tolist()]
            ends = [*bounds.tolist(), len(pair)] if len(pair) else []
            ns, route = self.values["namespace"], self.values["route"]
            ns_codes, route_codes = self.codes["namespace"], self.codes["route"]
            self._by_route = {(ns[ns_codes[b]], route[route_codes[b]]): range(b, e)
                              for b, e in zip(begins, ends, strict=False)}
        return self._by_route

    def route_keys(self, namespace: str, route: str) -> pd.DataFrame:
        """The route's keys as a frame: :data:`KEY_COLUMNS`, ``requests``, ``first`` and ``last`` (ms)."""
        at = self._routes().get((namespace, route), range(0))
        frame = pd.DataFrame({k: self.column(k, at) for k in KEY_COLUMNS})
        begin, end = self.starts[at.start:at.stop], self.starts[at.start + 1:at.stop + 1]
        frame["requests"] = (end - begin).astype(np.int64)
        frame["first"] = self.stamps[begin].astype(np.int64) + self.base
        frame["last"] = self.stamps[end - 1].astype(np.int64) + self.base if len(at) else np.zeros(0, dtype=np.int64)
        return frame

    def count(self, namespace: str, route: str, *, answered: bool = False, **where: object) -> int:
        """How many normal lines of the route, among the keys whose columns equal ``where``'s values;
        ``answered``: only those with a status (answered below 500), as ``status < 500`` counts rows: a
        passthrough route's TCP lines have none."""
        if not where and not answered:
            at = self._routes().get((namespace, route), range(0))
            return int(self.starts[at.stop] - self.starts[at.start]) if len(at) else 0
        return sum(int(self.starts[i + 1] - self.starts[i])
                   for i in self._matching(namespace, route, where, answered=answered))

    def accept_times(self, namespace: str, route: str, *, answered: bool = False, **where: object) -> np.ndarray:
        """The accept times (ms since the epoch, sorted) of the route's normal lines matching ``where``
        (``answered``: with a status, as :meth:`count` says)."""
        at = self._matching(namespace, route, where, answered=answered)
        if not at:
            return np.zeros(0, dtype=np.int64)
        if len(at) == 1:
            return self._times(at[0]).astype(np.int64) + self.base
        joined = np.concatenate([self._times(i).astype(np.int64) + self.base for i in at])
        joined.sort(kind="stable")
        return joined

    def count_between(self, namespace: str, route: str, start: object = None, end: object = None, *,
                      after: bool = False, before: bool = False, answered: bool = False, **where: object) -> int:
        """How many of the route's normal lines (matching ``where``; ``answered``: with a status, as
        :meth:`count` says) were accepted from ``start`` to ``end`` (datetimes or Timestamps; None: open),
        both included, as ``ts >= start`` and ``ts <= end`` count rows; ``after``: ``ts > start`` instead,
        ``before``: ``ts < end``."""
        low_ms = None if start is None else _ms(start, down=after) - self.base
        high_ms = None if end is None else _ms(end, down=not before) - self.base
        total = 0
        for i in self._matching(namespace, route, where, answered=answered):
            times = self._times(i)  # offsets from ``base``, as the bounds now are
            low = 0 if low_ms is None else place(times, low_ms, "right" if after else "left")
            high = len(times) if high_ms is None else place(times, high_ms, "left" if before else "right")
            total += max(0, high - low)
        return total

    def tr_counts(self, namespace: str, route: str) -> dict[int, int]:
        """The route's normal lines by ``Tr`` value (-1 where none was logged)."""
        at = self._routes().get((namespace, route), range(0))
        if not len(at):
            return {}
        lo, hi = np.searchsorted(self.tr_key, [at.start, at.stop]).tolist()
        out: dict[int, int] = {}
        for v, n in zip(self.tr_value[lo:hi].tolist(), self.tr_count[lo:hi].tolist(), strict=True):
            out[v] = out.get(v, 0) + n
        return out

    def _times(self, i: int) -> np.ndarray:
        """Key ``i``'s accept times as offsets from ``base``, sorted (a view)."""
        return self.stamps[self.starts[i]:self.starts[i + 1]]

    def _matching(self, namespace: str, route: str, where: dict[str, object], *, answered: bool = False) -> list[int]:
        """The route's keys whose columns equal ``where``'s values (``answered``: and that hold a status)."""
        at = self._routes().get((namespace, route), range(0))
        if not where and not answered:
            return list(at)
        checks = [(self.column(column, at).tolist(), value) for column, value in where.items()]
        with_status = (self.codes["status"][at.start:at.stop] != 0).tolist() if answered else None
        return [i for j, i in enumerate(at) if all(values[j] == v for values, v in checks)
                and (with_status is None or with_status[j])]

    def distinct(self, namespace: str, route: str, column: str) -> set:
        """The distinct present values of a key column (:data:`KEY_COLUMNS`) among the route's normal lines, as
        ``set(rows[column].dropna())`` gives them of its rows (the pods that served it, its servers): a
        missing value is no value."""
        at = self._routes().get((namespace, route), range(0))
        return {v for v in self.column(column, at).tolist() if v is not None}

    def last_accept_ms(self, namespace: str, route: str, *, answered: bool = False, **where: object) -> int | None:
        """The latest accept time (ms since the epoch) of the route's normal lines matching ``where``
        (``answered``: with a status, as :meth:`count` says); None where it has none. Each key's times are
        sorted: the last of each, not a merge of them all."""
        ends = [int(self.stamps[self.starts[i + 1] - 1]) + self.base
                for i in self._matching(namespace, route, where, answered=answered)
                if self.starts[i + 1] > self.starts[i]]
        return max(ends) if ends else None


def _dictionary_ranks(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's entry in the column's dictionary (a missing value the entry after the last), each entry's
    code (codes in the values' text or number order from 1, a missing value 0), and the values by code (None
    at 0): read through the dictionary (a chunk names a few thousand servers in hundreds of thousands of
    lines)."""
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    names = encoded.dictionary.to_pylist()
    present = [i for i in range(len(names)) if names[i] is not None]
    order = sorted(present, key=lambda i: names[i])
    rank = np.zeros(len(names) + 1, dtype=np.int64)  # a missing value (and a null entry) ranks 0
    rank[np.array(order, dtype=np.int64)] = np.arange(1, len(order) + 1)
    # equal texts under two entries (a dictionary need not be unique) share the first one's rank
    seen: dict = {}
    for i in order:
        rank[i] = seen.setdefault(names[i], rank[i])
    indices = pc.fill_null(encoded.indices, len(names)).to_numpy(zero_copy_only=False).astype(np.int64)
    by_rank = np.array([None, *(names[i] for i in order)], dtype=object)
    return indices, rank, by_rank


def _key_ids(entries: list[np.ndarray], ranks: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One dense id per line for its columns' codes (``ranks[k][entries[k]]``), ids in the codes'
    lexicographic order (:func:`_folded` of every line's codes), and each id's code in every column.

    The lines are told apart by their dictionary entries first, folded into one integer and numbered by a
    hash (a few thousand combinations in hundreds of thousands of lines), and only the combinations are
    coded and ordered: coding and ordering every line's twelve columns was a third of the counting."""
    combo = np.zeros(len(entries[0]), dtype=np.int64)
    size = 1
    for entry, rank in zip(entries, ranks, strict=True):
        width = len(rank)  # the entries, the missing one included
        if size * width >= 1 << 62:  # numbered densely before the next column would overflow
            combo, uniques = pd.factorize(combo)
            size = len(uniques)
        combo = combo * width + entry
        size *= width
    combo, _ = pd.factorize(combo)
    first = _first_of_each(combo)  # a line of each combination
    codes = [rank[entry[first]] for entry, rank in zip(entries, ranks, strict=True)]
    key_of = _folded(codes)  # combinations of equal codes (equal texts under two entries) share their key
    one = _first_of_each(key_of)
    return key_of[combo], [c[one] for c in codes]


def _folded(codes: list[np.ndarray]) -> np.ndarray:
    """One dense id per combination of the columns' codes, ids in the combinations' lexicographic order (each
    column's codes made dense with those before it, so no product of all the sizes is ever formed)."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        width = int(c.max()) + 1 if len(c) else 1
        key = dense_codes(key * width + c)[1].astype(np.int64, copy=False)
    return key


def _route_first(key_codes: dict[str, np.ndarray]) -> np.ndarray:
    """For each key (in key order), the first key of its route: the keys of a route are next to each other."""
    ns, route = key_codes["namespace"].astype(np.int64), key_codes["route"].astype(np.int64)
    if not len(ns):
        return np.zeros(0, dtype=np.int64)
    begins = np.flatnonzero(np.r_[True, (ns[1:] != ns[:-1]) | (route[1:] != route[:-1])])
    return np.repeat(begins, np.diff(np.r_[begins, len(ns)])).astype(np.int64)


def _first_of_each(key: np.ndarray) -> np.ndarray:
    """The position of each dense id's first occurrence (ids 0 .. max)."""
    first = np.empty(int(key.max()) + 1 if len(key) else 0, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)
    return first


def _tallies(key: np.ndarray, tr: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]:
    """(key, Tr) pairs and how many lines each (``counts``: of tallies being added up), sorted by key then Tr."""
    if not len(key):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    low = int(tr.min())
    span = int(tr.max()) - low + 1
    packed = key * span + (tr - low)
    if counts is None:  # numbered by a hash, only the distinct pairs sorted (``np.unique`` sorted every line's)
        found, pairs = pd.factorize(packed)
        tally = np.bincount(found, minlength=len(pairs))
        order = np.argsort(pairs)
        pairs, tally = pairs[order], tally[order]
    else:
        pairs, where = np.unique(packed, return_inverse=True)
        tally = np.bincount(where, weights=counts, minlength=len(pairs))
    keys, values = np.divmod(pairs, span)
    return keys, values + low, np.asarray(tally).astype(np.int64)


def _ms(moment: object, *, down: bool) -> int:
    """A moment as milliseconds since the epoch, rounded down or up to a whole millisecond (the frame's
    times are whole milliseconds: ``ts >= 10:00:00.0004`` holds from 10:00:00.001, ``ts <= ...`` up to
    10:00:00.000); a naive moment is UTC, as the frame's times are."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    ns = int(stamp.value)
    return ns // 1_000_000 if down else -((-ns) // 1_000_000)


def accepted_at(ms: int) -> pd.Timestamp:
    """An accept time held in milliseconds since the epoch, as the UTC Timestamp a row's ``ts`` reads."""
    return pd.Timestamp(int(ms), unit="ms", tz="UTC")


def first_accepted_after(lines: NormalLines, namespace: str, route: str, moment: object, *, answered: bool = False,
                         **where: object) -> pd.Timestamp | None:
    """The accept time of the route's first normal line (matching ``where``; ``answered``: with a status, as
    :meth:`NormalLines.count` says) accepted after ``moment`` (``ts > moment``, as a row's time compares), as
    a UTC Timestamp; None when no such line was.

    "Did the servers answer again after the last failure, and from when" is asked of the rows and of
    these lines alike: the earlier of the two answers.
    """
    times = lines.accept_times(namespace, route, answered=answered, **where)
    at = int(np.searchsorted(times, _ms(moment, down=True), side="right")) if len(times) else 0
    return accepted_at(times[at]) if at < len(times) else None
