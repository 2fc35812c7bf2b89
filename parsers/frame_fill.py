"""Files' chunk tables written chunk by chunk into one ``requests`` frame, in reading order or by route.

:func:`parsers.log_frames._converted` converts a file's chunk tables column by column: each Arrow column is
dropped once converted, but a chunk's columns lie side by side in the allocator's pages, so freeing one
column of every chunk handed almost nothing back, and the chunk tables and the whole frame were resident
together (at 10M kept rows, 1.2 GiB at the peak for a 0.55 GiB frame). ``mga analyze`` then gathered every
column again in route order (``parsers.log_frames.joined_in_order``): a second frame made column by column,
and with several files each file's frame was made first.

Here the frame's columns are allocated first (their pages are touched only as rows are written) and each
chunk is written into them whole, then dropped: the memory a chunk held goes as the frame grows. Each row
is written straight to its place: one file's in line order, or by route (a counting sort of the
(namespace, route) keys, each route's rows in line order); several files' in time order, or by route in
time order (stable sorts of the rows' times and keys, their positions kept in 32 bits). Those are the
orders ``joined_in_order`` gives, without its gathers. A nullable column's mask is mapped, not allocated, and
only its missing values are written (:func:`_untouched_mask`): most kept columns have none.

Each value is converted by the pandas type of its column (``__from_arrow__``, as ``to_pandas`` does); a name
column's categories are the union of the chunks' dictionaries (what ``to_pandas`` unifies, sorted where
``_converted`` sorts them), several files' joined as ``parsers.log_frames._same_categories`` joins them. So
the frame is the one the files' frames, joined and ordered, make. Tables with other columns (plain text:
``mga routes`` and the library keep the request line as text) are converted by ``_converted`` as before
(:func:`fillable`).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.heap import release_unused
from parsers.kept_line_texts import abnormal_rows

try:  # numpy's switch for asking transparent huge pages of new arrays (``NUMPY_MADVISE_HUGEPAGE``)
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # a numpy without it: the columns are allocated as it allocates them
    def _set_madvise_hugepage(enabled: bool) -> bool:
        return False

_NULL_TICK = np.iinfo(np.int64).min  # NaT
_INTEGERS = {8: pd.Int8Dtype(), 16: pd.Int16Dtype(), 32: pd.Int32Dtype(), 64: pd.Int64Dtype()}
CHUNK_WORKERS = 2  # chunks written at once: numpy's scatters and Arrow's casts release the interpreter lock
_MAPPED_FROM = 1 << 20  # a mask of this many rows or more is mapped, not allocated
QUOTED_COLUMNS = frozenset({"status", "srv_queue", "backend_queue", "term"})  # what ``abnormal_rows`` reads


def _untouched_mask(n: int) -> np.ndarray:
    """``n`` False values whose pages cost no memory until a True is written: a private anonymous mapping
    (read, a page is the kernel's zero page; small pages only), so the mask of a column without a missing
    value costs nothing, read or not (a shared mapping gives every page read a page of its own).

    A nullable integer or boolean column is its values and a byte-a-row mask; the kept rows' masks (11 of
    their 55 bytes a row) were written whole, mostly False. Only a chunk's missing values are written now.
    """
    if n < _MAPPED_FROM or not hasattr(mmap, "MAP_PRIVATE"):  # (Windows maps no private anonymous memory)
        return np.zeros(n, dtype=bool)
    try:
        pages = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE)  # private: a page read, never written, is the zero page
    except OSError:  # no address space left to map: allocated, as before
        return np.zeros(n, dtype=bool)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # a few missing values must not fault in 2 MiB each
        pages.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(pages, dtype=bool)


def fillable(tables: list[pa.Table]) -> bool:
    """Whether every column of ``tables`` is a type written here (timestamps, integers, booleans,
    dictionaries) and the tables agree on their columns."""
    names = tables[0].column_names
    for table in tables:
        if table.column_names != names:
            return False
        for field in table.schema:
            kind = field.type
            if not (pa.types.is_timestamp(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind)
                    or (pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type))):
                return False
    return True


@dataclass
class _Column:
    """One column of the frame being written: its arrays and how a chunk's values become them."""

    name: str
    kind: str  # "ts", "int", "bool" or "cat"
    values: np.ndarray
    mask: np.ndarray | None = None
    dtype: pd.api.extensions.ExtensionDtype | None = None
    categories: pd.Index | None = None
    lookup: pa.Array | None = None  # the categories as Arrow text, to find a chunk's dictionary in

    def array(self) -> pd.api.extensions.ExtensionArray:
        if self.kind == "ts":
            return pd.arrays.DatetimeArray._simple_new(  # type: ignore[attr-defined]
                self.values.view("M8[ns]"), dtype=pd.DatetimeTZDtype(unit="ns", tz="UTC"))
        if self.kind == "int":
            return pd.arrays.IntegerArray(self.values, self.mask)
        if self.kind == "bool":
            return pd.arrays.BooleanArray(self.values, self.mask)
        return pd.Categorical.from_codes(self.values, dtype=pd.CategoricalDtype(self.categories, ordered=False),
                                         validate=False)


def _code_type(categories: pd.Index) -> type[np.signedinteger]:
    """The codes' type pandas gives a categorical of these categories (``coerce_indexer_dtype``)."""
    size = len(categories)
    return next(kind for kind in (np.int8, np.int16, np.int32, np.int64) if size < np.iinfo(kind).max)


def _categories(tables: list[pa.Table], name: str, sort: bool) -> pd.Index:
    """The union of the chunks' dictionaries of column ``name`` (used or not), in the order ``to_pandas``
    unifies them (first seen first), or sorted."""
    values = [chunk.dictionary for table in tables for chunk in table.column(name).chunks]
    if not values:
        return pd.Index([], dtype="str")
    union = pc.unique(pa.chunked_array(values, type=pa.string()))
    categories = pd.Index(union.to_pylist(), dtype="str")
    return categories.sort_values() if sort and not categories.is_monotonic_increasing else categories


def _codes(chunk: pa.DictionaryArray, categories: pa.Array) -> np.ndarray:
    """``chunk``'s rows as codes of ``categories`` (-1 for a null)."""
    mapping = np.append(pc.index_in(chunk.dictionary, value_set=categories).to_numpy(zero_copy_only=False), -1)
    indices = chunk.indices if chunk.indices.null_count == 0 else pc.fill_null(chunk.indices, -1)
    return mapping[indices.to_numpy()]


@dataclass
class FileChunks:
    """One file's chunk tables as its parse handed them over, and the ``input``/``source`` of its rows."""

    tables: list[pa.Table]
    input: str
    source: str

    @property
    def rows(self) -> int:
        return sum(table.num_rows for table in self.tables)


def _joined(indexes: list[pd.Index]) -> pd.Index:
    """Several files' categories of one column joined as ``parsers.log_frames._same_categories`` joins them
    (``Index.union``, file after file)."""
    out = indexes[0]
    for index in indexes[1:]:
        out = out.union(index)
    return out


def _cat_column(name: str, n: int, categories: pd.Index) -> _Column:
    return _Column(name, "cat", np.empty(n, dtype=_code_type(categories)), categories=categories,
                   lookup=pa.array(categories.tolist(), type=pa.string()))


def _columns(files: list[list[pa.Table]], n: int, sorted_names: frozenset[str]) -> list[_Column]:
    """The frame's columns, allocated (untouched: their pages fault in as rows are written). A name column's
    categories: each file's as one file's frame has them, joined as several files' frames are joined."""
    out = []
    tables = [table for file in files for table in file]
    for at, field in enumerate(tables[0].schema):
        kinds = [table.schema.field(at).type for table in tables]
        kind = field.type
        if pa.types.is_timestamp(kind):
            out.append(_Column(field.name, "ts", np.empty(n, dtype=np.int64)))
        elif pa.types.is_integer(kind):
            bits = max(k.bit_width for k in kinds)
            dtype = _INTEGERS[bits]
            out.append(_Column(field.name, "int", np.empty(n, dtype=dtype.numpy_dtype), _untouched_mask(n),
                               dtype=dtype))
        elif pa.types.is_boolean(kind):
            out.append(_Column(field.name, "bool", np.empty(n, dtype=bool), _untouched_mask(n)))
        else:
            sort = field.name in sorted_names
            out.append(_cat_column(field.name, n, _joined([_categories(file, field.name, sort) for file in files])))
    return out


def _write(column: _Column, chunk: pa.Array, rows: slice | np.ndarray) -> None:
    """``chunk``'s values converted by the column's pandas type and written at ``rows``."""
    if column.kind == "ts":
        ticks = pc.fill_null(chunk.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()), _NULL_TICK)
        column.values[rows] = ticks.to_numpy()
    elif column.kind in ("int", "bool"):
        dtype = column.dtype if column.kind == "int" else pd.BooleanDtype()
        converted = dtype.__from_arrow__(chunk)  # type: ignore[union-attr]
        column.values[rows] = converted._data
        if chunk.null_count:  # only the missing values are written: the mask's other pages stay untouched
            missing = converted._mask
            if isinstance(rows, slice):
                column.mask[rows.start + np.flatnonzero(missing)] = True  # type: ignore[index]
            else:
                column.mask[rows[missing]] = True  # type: ignore[index]
    else:
        column.values[rows] = _codes(chunk, column.lookup)  # type: ignore[arg-type]


@dataclass
class _Firsts:
    """A chunk's keys in route order: where its first row of each goes, and how many rows it has of each."""

    first: np.ndarray
    counts: np.ndarray


def _route_keys(table: pa.Table, columns: dict[str, _Column]) -> np.ndarray:
    """A chunk's (namespace, route) keys: the codes of the two in the frame's categories, a missing name last
    (the key ``parsers.log_frames._route_positions`` sorts on)."""
    key = np.zeros(table.num_rows, dtype=np.int64)
    for name in ("namespace", "route"):
        size = len(columns[name].categories) + 1  # type: ignore[arg-type]
        codes = np.concatenate([_codes(chunk, columns[name].lookup) for chunk in table.column(name).chunks]
                               or [np.empty(0, dtype=np.int64)])
        key *= size
        key += np.where(codes < 0, size - 1, codes)
    return key


def _places(tables: list[pa.Table], columns: dict[str, _Column]) -> tuple[np.ndarray, list[_Firsts]]:
    """The distinct route keys of all chunks (sorted) and, per chunk, where its rows of each of its keys start
    in route order: a counting sort, stable (a route's rows in line order, chunk after chunk)."""
    per_chunk = [np.unique(_route_keys(table, columns), return_counts=True) for table in tables]
    distinct = np.unique(np.concatenate([keys for keys, _ in per_chunk])) if per_chunk else np.empty(0, np.int64)
    dense = [np.searchsorted(distinct, keys) for keys, _ in per_chunk]
    totals = np.zeros(len(distinct), dtype=np.int64)
    for ids, (_, counts) in zip(dense, per_chunk, strict=True):
        totals[ids] += counts
    cursor = np.cumsum(totals) - totals  # where each key's rows start
    out = []
    for ids, (_, counts) in zip(dense, per_chunk, strict=True):
        out.append(_Firsts(cursor[ids].copy(), counts))
        cursor[ids] += counts
    return distinct, out


def _dense_ids(key: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Each key's position among the ``distinct`` keys, in the narrowest type (numpy's stable sort of 8- and
    16-bit integers is a radix sort)."""
    kind = np.uint8 if len(distinct) <= 1 << 8 else np.uint16 if len(distinct) <= 1 << 16 else np.int64
    if len(distinct) and distinct[-1] < 1 << 20:  # small keys: a table, not a binary search a row
        table = np.zeros(int(distinct[-1]) + 1, dtype=kind)
        table[distinct] = np.arange(len(distinct), dtype=kind)
        return table[key]
    return np.searchsorted(distinct, key).astype(kind, copy=False)


def _chunk_places(key: np.ndarray, distinct: np.ndarray, firsts: _Firsts) -> np.ndarray:
    """Each row's place in route order: a chunk's rows of one key go, in line order, from where its first one
    goes (its keys' runs, once the rows are sorted by key, are its distinct keys in order)."""
    order = np.argsort(_dense_ids(key, distinct), kind="stable")
    runs = np.cumsum(firsts.counts) - firsts.counts  # where each key's run starts among the sorted rows
    out = np.empty(len(key), dtype=np.intp)
    out[order] = np.repeat(firsts.first - runs, firsts.counts) + np.arange(len(key))
    return out


def _route_key_type(columns: dict[str, _Column]) -> type[np.integer]:
    size = (len(columns["namespace"].categories) + 1) * (len(columns["route"].categories) + 1)  # type: ignore[arg-type]
    return np.uint16 if size <= 1 << 16 else np.int64


def _ticks(table: pa.Table) -> np.ndarray:
    """A chunk's accept times in nanoseconds, a missing one the largest (last in time order)."""
    column = table.column("ts").cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
    return pc.fill_null(column, np.iinfo(np.int64).max).to_numpy()


def _time_places(tables: list[pa.Table], columns: dict[str, _Column], *, by_route: bool,
                 quoted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Where each row of several files (file after file, each in line order) goes, and where each row in
    reading order (time order, a tie in file then line order) is then; the second None when the rows go
    in reading order. ``quoted`` (a flag per row, file after file): only the flagged rows' places are given,
    in reading order.

    ``by_route``: grouped by (namespace, route), a missing name last, each route's rows in reading order:
    the order ``parsers.log_frames.joined_in_order`` gives. The sorts' positions are made 32-bit as soon as
    they are found (a 20M-row sort's positions are 160 MB in ``np.intp``).
    """
    count = sum(table.num_rows for table in tables)
    kind = np.int32 if count < 1 << 31 else np.intp
    ticks = np.concatenate([_ticks(table) for table in tables])
    in_time = np.argsort(ticks, kind="stable")
    del ticks
    in_time = in_time.astype(kind)
    order = in_time
    if by_route:
        narrow = _route_key_type(columns)
        key = np.concatenate([_route_keys(table, columns).astype(narrow) for table in tables])[in_time]
        order = in_time[np.argsort(key, kind="stable")]
        del key
    places = np.empty(count, dtype=kind)
    places[order] = np.arange(count, dtype=kind)
    del order
    if not by_route:
        return places, None
    return places, places[in_time if quoted is None else in_time[quoted[in_time]]]


def filled_frame(files: list[FileChunks], *, by_route: bool, sorted_names: frozenset[str],
                 finish: Callable[[dict[str, pd.api.extensions.ExtensionArray], int], pd.DataFrame]
                 ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Files' chunk tables (all :func:`fillable`, with rows) -> one frame, and where each row in reading
    order (line order of one file, time order of several) went (None: the frame is in reading order);
    consumes the files' tables (each chunk dropped once written). Where the tables hold what
    :func:`parsers.kept_line_texts.abnormal_rows` reads (:data:`QUOTED_COLUMNS`), only the rows it flags are
    given, in reading order: the evidence picks its first lines among them (4 bytes a row of the others
    were held from the writing to the evidence lines).

    ``sorted_names``: the name columns whose categories are sorted (the others keep ``to_pandas``' order).
    ``finish`` makes the frame of the written columns and the row count (orders the columns).
    One file: its rows in line order, or (``by_route``) grouped by (namespace, route), a missing name last,
    each route's rows in line order. Several files: in time order, or grouped by route in time order (the
    frames ``parsers.log_frames.joined_in_order`` joins).
    """
    release_unused()  # the parse's freed pages, before the frame's columns are written beside its chunks
    tables = [table for file in files for table in file.tables]
    file_of = [at for at, file in enumerate(files) for _ in file.tables]
    n = sum(table.num_rows for table in tables)
    several = len(files) > 1
    placing = by_route and not several and {"namespace", "route"} <= set(tables[0].column_names)
    # numpy asks for transparent huge pages for arrays from 4 MiB: a row written to each route's stretch of
    # every column then faults in 2 MiB there, and the columns were resident long before they were filled
    # (at 10M rows, the chunks and most of the frame together again); small pages fault in as rows are written
    huge = _set_madvise_hugepage(not (placing or several))
    try:
        columns = {column.name: column for column in _columns([file.tables for file in files], n, sorted_names)}
        labels = {name: _cat_column(name, n, _joined([pd.Index([getattr(file, name)], dtype="str")
                                                      for file in files])) for name in ("input", "source")}
    finally:
        _set_madvise_hugepage(huge)
    file_codes = {name: column.categories.get_indexer([getattr(file, name) for file in files])  # type: ignore[union-attr]
                  for name, column in labels.items()}
    for file in files:
        file.tables.clear()  # the chunks are only in ``tables`` now, each dropped there once written
    starts = np.concatenate([[0], np.cumsum([table.num_rows for table in tables])]).astype(np.int64)
    distinct, firsts = _places(tables, columns) if placing else (np.empty(0, np.int64), [])
    grouped = by_route and {"namespace", "route"} <= set(columns)
    # the rows' places in reading order are read once, for the evidence's first abnormal lines: of the rows
    # it may quote only, where the tables say which (a few percent of a busy application's lines)
    quotable = set(columns) >= QUOTED_COLUMNS
    quoted = (np.concatenate([abnormal_rows(table) for table in tables]) if several and grouped and quotable
              else None)
    places, where = _time_places(tables, columns, by_route=grouped, quoted=quoted) if several else (None, None)
    del quoted
    kind = np.int32 if n < 1 << 31 else np.intp
    if placing and not quotable:  # where each line went (32 bits where they fit)
        where = np.empty(n, dtype=kind)
    placed_quoted: list[np.ndarray] = [np.empty(0, dtype=kind)] * len(tables)
    moved = [False] * len(tables)
    pool = pa.default_memory_pool()

    def write(i: int) -> None:
        table = tables[i]
        tables[i] = None  # type: ignore[call-overload]  # the chunk goes once written
        rows: slice | np.ndarray = slice(int(starts[i]), int(starts[i + 1]))
        if places is not None:
            rows = places[rows]
        elif placing:
            # the keys read again (kept from ``_places``, they were 8 bytes a row beside the chunks)
            rows = _chunk_places(_route_keys(table, columns), distinct, firsts[i])
            if quotable:
                placed_quoted[i] = rows[abnormal_rows(table)].astype(kind)
            else:
                where[starts[i]:starts[i + 1]] = rows  # type: ignore[index]
            moved[i] = not np.array_equal(rows, np.arange(starts[i], starts[i + 1]))
        for name, column in columns.items():
            at = 0
            for chunk in table.column(name).chunks:
                part = rows if isinstance(rows, slice) else rows[at:at + len(chunk)]
                if isinstance(part, slice):
                    part = slice(part.start + at, part.start + at + len(chunk))
                _write(column, chunk, part)
                at += len(chunk)
        for name, column in labels.items():
            column.values[rows] = file_codes[name][file_of[i]]
        del table
        pool.release_unused()

    if len(tables) < 2 or CHUNK_WORKERS < 2:
        for i in range(len(tables)):
            write(i)
    else:
        with ThreadPoolExecutor(max_workers=CHUNK_WORKERS, thread_name_prefix="mga-fill") as workers:
            list(workers.map(write, range(len(tables))))
    release_unused()  # the chunks' pages, before what comes next (the evidence lines) allocates its own
    frame = finish({name: column.array() for name, column in {**columns, **labels}.items()}, n)
    if placing:
        if quotable:
            where = np.concatenate(placed_quoted)
        return frame, where if any(moved) else None
    return frame, where
