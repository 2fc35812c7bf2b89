"""Rows of a frame by key, grouped once: the per-route questions rules ask become dictionary lookups.

Filtering a frame (``df[(df.namespace == ns) & (df.name == x)]``) costs about a millisecond per call
on these Arrow-backed frames, whatever their size, and rules ask such questions for every route.
A :class:`FrameIndex` reads the key columns once into Python lists and maps each key to its row
positions; a lookup then takes those rows (in frame order, with their index labels) and keeps the
result, so the same question asked by several rules is answered once. Rows whose key holds a
missing value are never found, as they never equal anything in a comparison filter.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from parsers.int_codes import dense_codes, stable_group_order
from parsers.nullable import own_arrays, present_where

Key = tuple[Hashable, ...]


def equals(column: pd.Series, value: object) -> np.ndarray:
    """``column == value`` with missing values False, as a numpy mask.

    A categorical is compared through its categories (a few) and codes, not converted to text row by
    row: ``astype("string")`` of a route's rows cost more than the rest of a selection.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        matches = np.array([c == value for c in column.cat.categories.tolist()] + [False])
        return matches[column.cat.codes.to_numpy()]  # code -1 (missing) reads the last entry
    return (column == value).fillna(False).to_numpy(dtype=bool)


def starts_with(column: pd.Series, prefixes: tuple[str, ...]) -> np.ndarray:
    """``column.astype("string").str.startswith(prefixes)`` with missing values False, as a numpy mask; a
    categorical is tested through its categories (a route's hundreds of thousands of rows in an outage
    hold a handful of termination states)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        matches = np.array([str(c).startswith(prefixes) for c in column.cat.categories.tolist()] + [False])
        return matches[column.cat.codes.to_numpy()]  # code -1 (missing) reads the last entry
    return column.astype("string").str.startswith(prefixes).fillna(False).to_numpy(dtype=bool)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


class FrameIndex:
    """Row positions of one frame by the values of ``keys`` (a tuple of column names).

    ``among``: the positions (ascending) of the only rows to index; a key of other rows is not found.
    """

    def __init__(self, frame: pd.DataFrame, keys: tuple[str, ...], *, grouped: bool = True,
                 among: np.ndarray | None = None):
        self.frame = frame
        self.keys = keys
        if among is None:
            self._positions = _keyed_positions(frame, keys, grouped)
        else:  # the rows' keys only, indexed as a frame of their own, their positions read back as the frame's
            found = _keyed_positions(frame[list(keys)].take(among), keys, grouped)
            self._positions = {key: _through(among, at) for key, at in found.items()}
        self._rows: dict[Key, pd.DataFrame] = {}
        self._firsts: dict[Key, pd.Series | None] = {}
        self._derived: dict[tuple, Any] = {}  # answers of positions_where and rows_where
        self._column_arrays: list | None = None
        self._empty: pd.DataFrame | None = None

    def positions(self, key: Key) -> Any:
        """Row positions with that key, ascending (a list, or on a large frame an int64 array, or a ``range``
        where the frame is in key order)."""
        return self._positions.get(key, [])

    def positions_any(self, keys: Iterable[Key]) -> list[int]:
        """Positions of rows matching any of ``keys``, in frame order, each once (as ``isin`` keeps them)."""
        found: set[int] = set()
        for key in keys:
            found.update(self._positions.get(key, ()))
        return sorted(found)

    def empty(self) -> pd.DataFrame:
        """No rows of the frame; an empty frame is its own (a namespace's absent part is shared: slicing it
        again for every namespace cost 0.15 ms each)."""
        if self._empty is None:
            self._empty = self.frame if not len(self.frame) else self.frame.iloc[0:0]
        return self._empty

    def take(self, positions: Any) -> pd.DataFrame:
        if not len(positions):
            return self.empty()
        first, last = positions[0], positions[-1]
        if last - first + 1 == len(positions):  # contiguous: a slice shares the frame's buffers
            return self.frame.iloc[first : last + 1]
        return take_rows(self.frame, self._arrays(), positions)

    def _arrays(self) -> list:
        """The frame's column arrays, read once (references, not copies) for :func:`take_rows`."""
        if self._column_arrays is None:
            self._column_arrays = [self.frame[c].array for c in self.frame.columns]
        return self._column_arrays

    def rows(self, key: Key) -> pd.DataFrame:
        """The rows whose key columns equal ``key``, in frame order (computed once per key)."""
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = self.take(self.positions(key))
        return found

    def rows_any(self, keys: Iterable[Key]) -> pd.DataFrame:
        return self.take(self.positions_any(keys))

    def positions_where(self, key: Key, column: str, value: Hashable) -> np.ndarray:
        """Positions of the rows with that key whose ``column`` equals ``value`` (missing values never
        equal), found once per question: only that column is read at the key's positions."""
        memo_key = ("where", key, column, value)
        found = self._derived.get(memo_key)
        if found is None:
            positions = np.asarray(self.positions(key), dtype=np.int64)
            if len(positions):
                positions = positions[equals(self.frame[column].iloc[positions], value)]
            found = self._derived[memo_key] = positions
        return found

    def rows_where(self, key: Key, column: str | None = None, value: Hashable = None) -> pd.DataFrame:
        """``rows(key)`` whose ``column`` equals ``value`` (all of them without a column), in frame
        order with their labels.

        Kept when at most :data:`KEPT_ROWS` rows (rules ask a route the same question several times);
        a larger selection is taken again when asked again, so that a route whose lines are nearly all
        one error keeps one copy of its rows (``rows``), not one more per question."""
        memo_key = ("rows-where", key, column, value)
        found = self._derived.get(memo_key)
        if found is None:
            found = self.take(self.positions(key) if column is None else self.positions_where(key, column, value))
            if len(found) <= KEPT_ROWS:
                self._derived[memo_key] = found
        return found

    def first(self, key: Key) -> pd.Series | None:
        """The first row with that key, as ``rows(key).iloc[0]`` gives it (computed once per key)."""
        found = self._firsts.get(key, False)
        if found is False:
            positions = self.positions(key)
            found = self._firsts[key] = self.frame.iloc[positions[0]] if len(positions) else None
        return found  # type: ignore[return-value]

    def has(self, key: Key) -> bool:
        return key in self._positions


def _keyed_positions(frame: pd.DataFrame, keys: tuple[str, ...], grouped: bool) -> dict[Key, Any]:
    """Each key's row positions: counted on codes, grouped by pandas, or (a small frame) row by row in Python."""
    counted = _counted_positions(frame, keys) if grouped and keys and len(frame) >= COUNTED_ROWS else None
    if counted is not None:
        return counted
    if grouped and keys and len(frame) >= GROUPBY_ROWS:
        return grouped_positions(frame, keys)
    out: dict[Key, Any] = {}
    columns = [frame[k].tolist() for k in keys] if len(frame) else []
    for pos, key in enumerate(zip(*columns, strict=True)):
        if any(_missing(v) for v in key):
            continue
        out.setdefault(key, []).append(pos)
    return out


def _through(rows: np.ndarray, at: Any) -> np.ndarray:
    """Positions among ``rows`` (a ``range``, a list or an array) as the positions in the frame they are."""
    if isinstance(at, range):
        return rows[at.start:at.stop]
    return rows[np.asarray(at, dtype=np.intp)]


FAILURES = "5xx"  # the rows ``Lookups.index(..., among=FAILURES)`` indexes: answered with a 5xx status


def failure_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """The positions of the rows answered with a 5xx status; None where they are half the rows or more (an
    index of every row then costs less than picking them, and finds them the same).

    Rules ask a route for its lines of one 5xx status and termination state (504 ``sH``, 502 ``SH``, 503
    ``SC``). An index of every request row by (namespace, route, status, state) held 4 to 8 bytes of
    positions a row for the whole analysis, and building it took as much again a row: on a busy
    application's log, where every line is kept and a few percent are 5xx, that was for rows no rule asks.
    """
    if not len(frame) or "status" not in frame:
        return None
    failed = present_where(frame["status"], lambda values: (values >= 500) & (values < 600))
    count = int(np.count_nonzero(failed))
    return np.flatnonzero(failed) if 2 * count < len(frame) else None


def take_rows(frame: pd.DataFrame, arrays: list, positions: Any) -> pd.DataFrame:
    """``frame.iloc[positions]`` (same values, dtypes, labels and order), built from ``arrays`` (the
    frame's column arrays, in column order) each taken at those positions.

    ``iloc`` on a request frame (44 columns, each an extension array in a block of its own) reindexes
    block by block through the block manager, about 30 microseconds a column whatever the rows; the
    arrays' own takes and one frame built from them without checks cost half as much (250 rows of the
    bench log: 1.7 -> 0.8 ms), and rules take a route's rows or a selection of them several times a
    route. ``DataFrame._from_arrays`` is the constructor ``DataFrame(dict)`` ends in, minus the
    checks these arrays (already a frame's columns, one length) pass by construction;
    ``tests/analyzer/test_whole_frame.py`` compares it with ``iloc`` on every frame of the scenarios.
    """
    at = np.asarray(positions, dtype=np.intp)
    return pd.DataFrame._from_arrays(
        [array.take(at) for array in arrays], columns=frame.columns, index=frame.index.take(at),
        verify_integrity=False,
    )


KEPT_ROWS = 10_000  # rows_where keeps a selection of at most this many rows (about 1.5 MB of request rows)
GROUPBY_ROWS = 50_000  # above this, positions are grouped by pandas into int64 arrays (8 bytes a row)
# above this, keys that are all categorical or integer are grouped by their codes (``_counted_positions``): a
# namespace's request rows (a few thousand in a log of thousands of routes) were keyed row by row in Python,
# 1 us a row and key, for every index a rule asked of every namespace
COUNTED_ROWS = 256


def grouped_positions(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[Key, Any]:
    """Positions by key of a large frame (a request log), as ``groupby`` finds them: missing keys left out.

    Python lists of positions cost about 36 bytes a row; the int64 arrays of ``groupby().indices``
    cost 8, which matters for a ``requests`` frame of millions of rows.
    """
    runs = _counted_positions(frame, keys)
    if runs is not None:
        return runs
    grouped = frame.groupby([frame[k] for k in keys], sort=False, observed=True, dropna=True).indices
    return {(k if isinstance(k, tuple) else (k,)): v for k, v in grouped.items()}


def _counted_positions(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[Key, Any] | None:
    """:func:`grouped_positions` by counting: each key column read as integer codes (a categorical's, or an
    integer column's values counted over their range), the codes folded into one group number per row, and
    the rows ordered by group with a stable counting sort. ``groupby`` sorted every row of the requests
    frame by its keys (a 3M-line outage: 0.2 s an index); this reads them in a few passes. None when a key
    column is neither categorical nor integer, or the groups are too many to count (then ``groupby`` finds
    them)."""
    if not len(frame):
        return None
    coded = [column_codes(frame[k]) for k in keys]
    if any(c is None for c in coded):
        return None
    size = 1
    for _, values in coded:  # type: ignore[misc]
        size *= max(len(values), 1)
    if size >= 1 << 62:
        return None
    # the narrowest type the folded key fits (every pass over the rows reads and writes it)
    line_key = np.zeros(len(frame), dtype=np.int16 if size < 1 << 15 else np.int32 if size < 1 << 31 else np.int64)
    missing = None
    for codes, values in coded:  # type: ignore[misc]
        line_key *= max(len(values), 1)
        line_key += codes  # a missing code (-1) leaves a wrong number on a row left out below
        if codes.min() < 0:
            missing = codes < 0 if missing is None else missing | (codes < 0)
    rows = None if missing is None else np.flatnonzero(~missing)
    if rows is not None:
        if not len(rows):
            return {}
        line_key = line_key[rows]
    runs = _runs(line_key, rows)
    if runs is not None:
        return {tuple(values[codes[start]] for codes, values in coded): range(start, end)  # type: ignore[misc]
                for start, end in runs}
    if size <= 1 << 16:  # the folded codes are group numbers already
        groups = size
    else:
        found, line_key = dense_codes(line_key)
        groups = len(found)
        if groups > 1 << 16:
            return None
    # a stable sort of 16-bit integers is a radix sort; group numbers are not negative: a 16-bit key is read as is
    group_of = line_key.view(np.uint16) if line_key.dtype == np.int16 else line_key.astype(np.uint16)
    del line_key
    positions, counts = stable_group_order(group_of, groups, rows)
    ends = np.cumsum(counts)
    out: dict[Key, Any] = {}
    for group in np.flatnonzero(counts).tolist():
        start, end = int(ends[group] - counts[group]), int(ends[group])
        first = positions[start]
        out[tuple(values[codes[first]] for codes, values in coded)] = positions[start:end]  # type: ignore[misc]
    return out


def _runs(line_key: np.ndarray, rows: np.ndarray | None) -> list[tuple[int, int]] | None:
    """The rows of each key as one run of positions (start, end), keys in order, when the frame is in key
    order: the keys of the keyed rows (``rows``, all when None) never decrease and each key's rows follow
    one another. Else None.

    The request frame is in route order (``parsers.log_frames.frame_of_files``): its indexes by route
    are then given as ``range`` objects, not arrays of positions (8 bytes a row: 80 MB for each such index
    of a 10M-line outage, and a sort to find them).
    """
    if not len(line_key) or (len(line_key) > 1 and bool((line_key[1:] < line_key[:-1]).any())):
        return None
    starts = np.flatnonzero(np.r_[True, line_key[1:] != line_key[:-1]])
    ends = np.append(starts[1:], len(line_key))
    if rows is not None:  # positions in the frame, each key's rows next to one another
        starts, last = rows[starts], rows[ends - 1]
        if bool((last - starts + 1 != ends - np.append(0, ends[:-1])).any()):
            return None
        ends = last + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def column_codes(column: pd.Series, *, factorize: bool = False) -> tuple[np.ndarray, list] | None:
    """A key column's integer code per row (-1 where missing) and the value of each code: a categorical's
    own codes, an integer column's values counted over their range; any other column factorized when
    ``factorize``, else None."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # the categorical's own codes, a view (``cat.codes`` copies)
        return column.array.codes, column.cat.categories.tolist()
    if pd.api.types.is_integer_dtype(column.dtype):
        values, codes = dense_codes(_present_or_least(column), narrowest=True)
        if column.hasnans:
            codes[column.isna().to_numpy()] = -1
        return codes, values.tolist()
    if not factorize:
        return None
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, list(uniques)


def _present_or_least(column: pd.Series) -> np.ndarray:
    """An integer column's values, a nullable column's in its own type (a 16-bit status, not widened to 64
    bits: a copy of ten million rows is 20 MB, not 80) with a missing value read as the least present one
    (0 when none is), so that counting them spans only the values present."""
    parts = own_arrays(column)
    if parts is None:  # not nullable (a missing value of an Arrow-backed column reads 0, as it did)
        return column.to_numpy(dtype=np.int64, na_value=0)
    data, absent = parts
    if not absent.any():
        return data
    least = data.min(initial=np.iinfo(data.dtype).max, where=~absent) if not absent.all() else 0
    return np.where(absent, data.dtype.type(least), data)


class NamespaceIndex(FrameIndex):
    """A :class:`FrameIndex` of one namespace's rows, answered by an index of the whole frame keyed by
    namespace first: positions are the whole frame's.

    A namespace's frame is a stable slice of the whole frame, so the rows one key finds here are those
    the namespace's own index finds, in the same order, with the same labels and values; the whole
    frame's keys and columns are read once for every namespace instead of once per namespace.
    """

    def __init__(self, whole: FrameIndex, keys: tuple[str, ...], namespace: str, empty: pd.DataFrame):
        self.frame = whole.frame
        self.keys = keys
        self._whole = whole
        self._prefixed = not keys or keys[0] != "namespace"  # else the key names its namespace itself
        self._namespace = namespace
        self._rows = {}
        self._firsts = {}
        self._derived = {}
        self._empty = empty

    def _arrays(self) -> list:
        return self._whole._arrays()  # positions are the whole frame's, and so are the arrays

    def _whole_key(self, key: Key) -> Key | None:
        if self._prefixed:
            return (self._namespace, *key)
        return key if isinstance(key[0], str) and key[0] == self._namespace else None

    def positions(self, key: Key) -> Any:
        found = self._whole_key(key)
        return [] if found is None else self._whole.positions(found)

    def positions_any(self, keys: Iterable[Key]) -> list[int]:
        found: set[int] = set()
        for key in keys:
            found.update(self.positions(key))
        return sorted(found)

    def has(self, key: Key) -> bool:
        found = self._whole_key(key)
        return found is not None and self._whole.has(found)


# The namespaced frames whose indexes and column lists are read once over the whole snapshot (the object
# frames rules look rows up in); the others are indexed per namespace.
WHOLE_FRAMES = frozenset({
    "pods", "containers", "container_ports", "container_log_lines", "services", "service_ports", "endpoints",
    "events", "replicasets", "deployments", "netpols",
})


class WholeLookups:
    """Indexes (namespace first) and column lists of the whole snapshot's frames, shared by the
    :class:`Lookups` of every namespace."""

    def __init__(self, snap: Any):
        self.snap = snap
        self._indexes: dict[tuple[str, tuple[str, ...]], FrameIndex] = {}
        self._columns: dict[tuple[str, str], list] = {}
        self._empty: dict[str, pd.DataFrame] = {}
        self.memo: dict[Hashable, Any] = {}  # answers that are the same for every namespace

    def values_by_namespace(self, frame: str, column: str) -> dict[str, frozenset]:
        """The present values of ``column`` in each namespace's rows (``part[column].dropna()`` as a set)."""
        key = ("values-by-namespace", frame, column)
        if key not in self.memo:
            found: dict[str, set] = {}
            for ns, value in zip(self.column(frame, "namespace"), self.column(frame, column), strict=True):
                if not _missing(ns) and not _missing(value):
                    found.setdefault(str(ns), set()).add(value)
            self.memo[key] = {ns: frozenset(values) for ns, values in found.items()}
        return self.memo[key]

    def serves(self, frame: str) -> bool:
        """Whether a namespace's rows of ``frame`` are the whole frame's rows of that namespace."""
        df = self.snap.frames.get(frame) if isinstance(getattr(self.snap, "frames", None), dict) else None
        return frame in WHOLE_FRAMES and df is not None and "namespace" in df.columns and not df.empty

    def index(self, frame: str, keys: tuple[str, ...]) -> FrameIndex:
        found = self._indexes.get((frame, keys))
        if found is None:
            found = self._indexes[(frame, keys)] = FrameIndex(self.snap.frame(frame), keys, grouped=False)
        return found

    def column(self, frame: str, column: str) -> list:
        found = self._columns.get((frame, column))
        if found is None:
            found = self._columns[(frame, column)] = self.snap.frame(frame)[column].tolist()
        return found

    def row_cache(self, frame: str) -> ColumnCache:
        """The column lists :class:`RowView` reads for rows of the whole ``frame`` (shared by every namespace)."""
        key = ("row-cache", frame)
        if key not in self._columns:
            self._columns[key] = ColumnCache(self.snap.frame(frame), lambda column: self.column(frame, column))  # type: ignore[assignment]
        return self._columns[key]  # type: ignore[return-value]

    def empty(self, frame: str) -> pd.DataFrame:
        if frame not in self._empty:
            self._empty[frame] = self.snap.frame(frame).iloc[0:0]
        return self._empty[frame]


class Lookups:
    """The :class:`FrameIndex` of each (frame, key columns) a context asks for, built on first use.

    With ``whole`` (and the context's ``namespace``), the frames :meth:`WholeLookups.serves` are
    answered from indexes and columns of the whole snapshot; positions are then the whole frame's.
    """

    def __init__(self, snap: Any, whole: WholeLookups | None = None, namespace: str | None = None):
        self.snap = snap
        self._indexes: dict[tuple[str, tuple[str, ...], str | None], FrameIndex] = {}
        self.memo: dict[Hashable, Any] = {}
        self._whole = whole if namespace is not None else None
        self._namespace = namespace
        self._served: dict[str, bool] = {}

    def _shared(self, frame: str) -> bool:
        if self._whole is None:
            return False
        if frame not in self._served:
            self._served[frame] = self._whole.serves(frame)
        return self._served[frame]

    def forget(self, frame: str) -> None:
        """Drop the indexes of ``frame`` and the rows they took (built again if asked again)."""
        for key in [k for k in self._indexes if k[0] == frame]:
            del self._indexes[key]

    def index(self, frame: str, *keys: str, among: str | None = None) -> FrameIndex:
        """The index of ``frame`` by ``keys``; ``among=FAILURES``: one that finds the keys of the rows answered
        with a 5xx status (:func:`failure_rows`; other keys may not be found)."""
        found = self._indexes.get((frame, keys, among))
        if found is None:
            if self._shared(frame):
                whole = self._whole
                assert whole is not None and self._namespace is not None
                prefixed = keys if keys and keys[0] == "namespace" else ("namespace", *keys)
                found = NamespaceIndex(whole.index(frame, prefixed), keys, self._namespace, whole.empty(frame))
            else:
                df = self.snap.frame(frame)
                rows = failure_rows(df) if among == FAILURES else None
                # every row to index (an outage's 5xx are most rows): the index of every row, not a second one
                shared = among is not None and rows is None
                found = self.index(frame, *keys) if shared else FrameIndex(df, keys, among=rows)
            self._indexes[(frame, keys, among)] = found
        return found

    def take(self, frame: str, positions: list[int]) -> pd.DataFrame:
        """The rows at ``positions`` of a frame (in that order; a shared empty frame for none)."""
        return self.index(frame).take(positions)

    def rows_at(self, frame: str, positions: list[int]) -> Rows:
        """Rows of a frame by position, read column by column; a DataFrame is built only when asked for."""
        return Rows(self, frame, positions)

    def row_view(self, frame: str, position: int) -> RowView:
        """The row of a frame at ``position`` (of the frame :meth:`index` reads), read from its columns."""
        key = ("column-cache", frame)
        if key not in self.memo:
            self.memo[key] = ColumnCache(self.index(frame).frame, lambda column: self.column(frame, column))
        return RowView(self.memo[key].frame, position, self.memo[key])

    def column(self, frame: str, column: str) -> list:
        """One column of a frame as a Python list (read once)."""
        if self._shared(frame):
            return self._whole.column(frame, column)  # type: ignore[union-attr]
        key = ("column", frame, column)
        if key not in self.memo:
            df = self.snap.frame(frame)
            self.memo[key] = df[column].tolist() if len(df) else []
        return self.memo[key]


class Rows:
    """Some rows of one frame, by position: what a rule asks of a route's pods or ports without a DataFrame.

    Taking rows of these Arrow-backed frames costs a pandas take per column (about a millisecond for
    a pods frame), and most per-route questions only test a few values and find nothing. ``values``
    reads a column's values at the positions from the frame's column read once as a Python list
    (the values ``tolist`` gives, as the taken frame's ``tolist`` would); ``frame`` builds the rows
    as :meth:`FrameIndex.take` does, once, for the rule bodies that go on with pandas.
    """

    __slots__ = ("_first", "_frame", "_lookups", "name", "positions")

    def __init__(self, lookups: Lookups, name: str, positions: list[int]):
        self._lookups = lookups
        self.name = name
        self.positions = positions
        self._frame: pd.DataFrame | None = None
        self._first: RowView | None = None

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def empty(self) -> bool:
        return not len(self.positions)

    def values(self, column: str) -> list:
        """The column's values at these rows, in row order."""
        if not len(self.positions):
            return []
        whole = self._lookups.column(self.name, column)
        return [whole[p] for p in self.positions]

    def present(self, column: str) -> list:
        """``frame[column].dropna().tolist()``: the column's values at these rows, missing ones left out."""
        return [v for v in self.values(column) if not _missing(v)]

    def where(self, columns: tuple[str, ...], keep: Callable[[dict], bool]) -> Rows:
        """The rows whose values of ``columns`` (as a dict) ``keep`` accepts, in row order."""
        values = zip(*(self.values(c) for c in columns), strict=True) if len(self.positions) else iter(())
        return Rows(self._lookups, self.name, [
            p for p, row in zip(self.positions, values, strict=False) if keep(dict(zip(columns, row, strict=True)))
        ])

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._lookups.take(self.name, self.positions)
        return self._frame

    def first(self) -> RowView | None:
        """The first row, answering as ``frame.iloc[0]`` does (a :class:`RowView`), or None."""
        if self._first is None and len(self.positions):
            self._first = self._lookups.row_view(self.name, self.positions[0])
        return self._first

    def iterrows(self) -> Iterator[tuple[Hashable, pd.Series]]:
        """``frame.iterrows()``, nothing built for no row."""
        return self.frame.iterrows() if len(self.positions) else iter(())


# How a column's ``tolist`` value becomes the value a row Series (``frame.iloc[i]``) of a frame with text
# columns holds: text (str or NA) and times (Timestamp or NaT) are the same; nullable integers, booleans
# and floats are numpy scalars in a row Series (NA stays NA). Other dtypes are answered by the Series.
_AS_IN_ROW: dict[str, Callable[[Any], Any] | None] = {
    "string": None, "Int64": np.int64, "boolean": np.bool_, "Float64": np.float64,
}


class ColumnCache:
    """The columns of one frame as lists, for the :class:`RowView` of its rows (each column read once)."""

    __slots__ = ("_read", "_values", "frame")

    def __init__(self, frame: pd.DataFrame, read: Callable[[str], list] | None = None):
        self.frame = frame
        self._read = read or (lambda column: frame[column].tolist())
        self._values: dict[str, tuple[list, Callable[[Any], Any] | None] | None] = {}

    def get(self, column: str) -> tuple[list, Callable[[Any], Any] | None] | None:
        """(values, numpy scalar type or None) of a column a row view can answer; None for the others."""
        if column not in self._values:
            dtype = self.frame.dtypes.get(column) if column in self.frame.columns else None
            name = "" if dtype is None else str(dtype)
            listed = name in _AS_IN_ROW or name.startswith("datetime64")
            self._values[column] = (self._read(column), _AS_IN_ROW.get(name)) if listed else None
        return self._values[column]


class RowView:
    """One row of a frame, read from the frame's columns instead of a row Series.

    A row Series (``frame.iloc[i]``) costs about half a millisecond to build on these Arrow-backed
    frames, and rules test one or two of its values for each of thousands of routes. A text, time,
    nullable integer, boolean or float value is read from the column (a list, read once per frame)
    and given as the row Series holds it; any other column, or any other use of the row (``.name``,
    ``.to_dict()``...), builds the Series once and answers from it.
    """

    __slots__ = ("_cache", "_frame", "_position", "_series")

    def __init__(self, frame: pd.DataFrame, position: int, cache: ColumnCache):
        self._frame = frame
        self._position = position
        self._cache = cache
        self._series: pd.Series | None = None

    @property
    def series(self) -> pd.Series:
        if self._series is None:
            self._series = self._frame.iloc[self._position]
        return self._series

    def __getitem__(self, column: str) -> Any:
        found = self._cache.get(column) if isinstance(column, str) else None
        if found is None:
            return self.series[column]
        value = found[0][self._position]
        scalar = found[1]
        return value if scalar is None or value is pd.NA else scalar(value)

    def get(self, column: str, default: Any = None) -> Any:
        if isinstance(column, str) and column in self._frame.columns:
            return self[column]
        return self.series.get(column, default)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.series, name)


def is_text(value: object, text: str) -> bool:
    """``(column == text).fillna(False)`` for one value of a column read with :meth:`Lookups.column`."""
    return isinstance(value, str) and value == text


def column_values(lookups: Lookups, frame: str, *columns: str) -> list[list]:
    """Several columns of a frame as Python lists (each read once)."""
    return [lookups.column(frame, c) for c in columns]


def positions_in(lookups: Lookups, frame: str, namespace: str, column: str, values: Iterable[Hashable]) -> list[int]:
    """Positions of ``frame``'s rows in ``namespace`` whose ``column`` is one of ``values``, in frame order.

    The rows ``df[(df.namespace == namespace) & df[column].isin(values)]`` selects, for the values a
    name can take (missing values match nothing).
    """
    index = lookups.index(frame, "namespace", column)
    return index.positions_any((namespace, v) for v in values if not _missing(v))



def iterrows(frame: pd.DataFrame) -> Iterator[tuple[Hashable, pd.Series]]:
    """``frame.iterrows()``, without its cost on an empty frame (every column is converted even for no row)."""
    return iter(()) if frame.empty else frame.iterrows()


def iterrows_where(
    frame: pd.DataFrame, columns: tuple[str, ...], keep: Callable[[dict], bool]
) -> Iterator[tuple[Hashable, pd.Series]]:
    """``(label, row) for label, row in frame.iterrows() if keep(row)``, for a ``keep`` that reads only ``columns``.

    ``keep`` sees each row's values of those columns as ``iterrows`` gives them (``tolist`` values:
    Python scalars, ``pd.NA``), so it decides exactly as it would on the rows; only the rows it keeps
    are built.
    """
    if frame.empty:
        return iter(())
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    hits = [i for i, row in enumerate(values) if keep(dict(zip(columns, row, strict=True)))]
    return frame.iloc[hits].iterrows() if hits else iter(())
