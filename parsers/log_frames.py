"""The ``requests`` frame: its Arrow shape while chunks are parsed, and the pandas frame they become.

A chunk hands back :data:`CHUNK_SCHEMA` rows (dictionaries for the names that repeat over
millions of rows); :func:`frame_of_files` turns files' chunk tables into the frame declared in
:mod:`parsers.schema`, in reading or route order (``mga analyze``'s rows written chunk by chunk straight to
their places, :mod:`parsers.frame_fill`), and :func:`joined_in_order` joins several files' frames in time or
route order, keeping the categoricals categorical.

The integer columns (timers, counters, status, ports, line numbers) are declared ``Int64``, the
type the parsers read them in (up to 18 digits, ``-1`` for an aborted timer). A file's frame holds
each of them in the narrowest nullable integer type its values fit in (``Int8`` to ``Int64``):
exact whatever the values, 3 to 5 bytes a value instead of 9 on a real log, where timers are
milliseconds and statuses three digits. Frames of several files are joined in the widest type.
The name columns' dictionaries are narrowed the same way in each chunk (8-bit indices for up to 128
names) and widened where the chunks are joined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import schema
from parsers.frame_fill import FileChunks, fillable, filled_frame
from parsers.log_fields import TS_MS, TS_US
from parsers.router_names import DEFAULT_BACKEND

T = TypeVar("T")

REQUEST_COLUMNS = schema.column_names("requests")

# columns that repeat a few values over millions of rows: Arrow dictionaries, pandas categoricals
CATEGORICAL = tuple(name for name, dtype in schema.columns("requests") if dtype == "category")

DICT = pa.dictionary(pa.int32(), pa.string())

# integer columns: each file's frame holds them in the narrowest type their values fit in
INTEGER = tuple(name for name, dtype in schema.columns("requests") if dtype == "Int64")
_NARROWER = ((pa.int8(), 8), (pa.int16(), 16), (pa.int32(), 32))

# Columns of a request no analysis reads: ``mga analyze``'s kept rows leave them out (``mga routes``,
# ``mga logs`` and the library default keep every column). Together with the request line and the captured
# headers of every line but the router's own default answers, they were 55 % of a kept row (about 140 bytes),
# and every frame a rule takes of a route's rows carried them.
UNANALYZED = ("received", "mode", "client_ip", "client_port", "frontend", "bytes", "retries", "redispatched",
              "feconn", "beconn", "srv_conn", "method", "http_version", "server_port", "pid")
# read only on ``openshift_default`` lines (``analyzer.host_routes`` maps them to routes by Host or absolute
# URI; ``analyzer.facts.access`` groups their paths): null on every other kept row, and in analyze's kept rows
# dictionary-encoded (categoricals in the frame): a null text cost 8 bytes a row in the frame (the offsets of
# Arrow-backed strings), a null code 1
DEFAULT_ANSWER_ONLY = ("path", "request_headers")


def narrowest_integer(column: pa.ChunkedArray | pa.Array) -> pa.DataType:
    """The narrowest signed integer type holding every value of ``column`` (``int8`` when all are null)."""
    bounds = pc.min_max(column).as_py()
    low, high = bounds["min"], bounds["max"]
    if low is None:
        return pa.int8()
    for kind, bits in _NARROWER:
        if -(1 << (bits - 1)) <= low and high < (1 << (bits - 1)):
            return kind
    return pa.int64()

def narrow_integers(table: pa.Table, names: Iterable[str] = INTEGER) -> pa.Table:
    """``table`` with each integer column of ``names`` in the narrowest type holding its values.

    Applied to each chunk as it arrives, so a file's chunk tables, all alive until the frame is
    built, take 1 to 4 bytes a value instead of 8 (about 300 MB less at 3M lines).
    """
    for name in names:
        if name not in table.column_names:  # left out of analyze's kept rows (UNANALYZED)
            continue
        column = table.column(name)
        narrow = narrowest_integer(column)
        if narrow != column.type:
            table = table.set_column(table.schema.get_field_index(name), name, pc.cast(column, narrow))
    return table


def narrow_dictionaries(table: pa.Table) -> pa.Table:
    """``table`` with each dictionary column's indices in the narrowest type holding its dictionary.

    Applied to each chunk as it arrives (with :func:`narrow_integers`): the parser encodes names with
    32-bit indices, and a file's chunk tables, all alive until the frame is built, held 4 bytes a
    row for each of the 13 to 15 name columns, more than every other column together (at 10M kept rows,
    about 500 MB more than 8-bit indices). Arrow joins the chunks' dictionaries when the frame is made
    and widens the codes where their union needs it.
    """
    for at, field in enumerate(table.schema):
        if not pa.types.is_dictionary(field.type):
            continue
        column = table.column(at)
        size = max((len(chunk.dictionary) for chunk in column.chunks), default=0)
        narrow = next(kind for kind, bits in (*_NARROWER, (pa.int64(), 64)) if size <= 1 << (bits - 1))
        if narrow != field.type.index_type:
            table = table.set_column(at, field.name, column.cast(pa.dictionary(narrow, field.type.value_type)))
    return table


def _widest(kinds: Iterable[pa.DataType]) -> pa.DataType:
    """The widest of integer types, or of dictionary types that differ in their index type only."""
    return max(kinds, key=lambda kind: (kind.index_type if pa.types.is_dictionary(kind) else kind).bit_width)


def _same_integer_types(tables: list[pa.Table]) -> list[pa.Table]:
    """Chunk tables narrowed apart, cast to the widest type of each integer column and of each dictionary
    column's indices (exact: widening)."""
    widest: dict[str, pa.DataType] = {}
    for table in tables:
        for field in table.schema:
            if field.name in INTEGER or pa.types.is_dictionary(field.type):
                widest[field.name] = _widest((widest.get(field.name, field.type), field.type))
    out = []
    for table in tables:
        for name, kind in widest.items():
            if table.schema.field(name).type != kind:
                table = table.set_column(table.schema.get_field_index(name), name, pc.cast(table.column(name), kind))
        out.append(table)
    return out


# The ``requests`` frame as Arrow types: what a chunk hands back (input/source are added per file).
_ARROW_TYPES = {"Int64": pa.int64(), "boolean": pa.bool_(), "string": pa.string(), "category": DICT}


def _arrow_type(name: str, dtype: str) -> pa.DataType:
    if name in CATEGORICAL:
        return DICT
    if dtype.startswith("datetime64"):
        return TS_MS if name == "ts" else TS_US
    return _ARROW_TYPES[dtype]


CHUNK_SCHEMA = pa.schema(
    [(name, _arrow_type(name, dtype)) for name, dtype in schema.columns("requests") if name not in ("input", "source")]
)


def analysis_columns(table: pa.Table) -> pa.Table:
    """A chunk's kept rows as ``mga analyze`` reads them: without :data:`UNANALYZED`, and the request
    line and captured headers only on the router's default answers (:data:`DEFAULT_ANSWER_ONLY`), as
    dictionaries (every chunk: the file's chunks are joined column by column, so their types agree)."""
    table = table.drop_columns([name for name in UNANALYZED if name in table.column_names])
    filled = [name for name in DEFAULT_ANSWER_ONLY if table.column(name).null_count < table.num_rows]
    # rows the scanner read whole hold no request line: nothing to blank
    default = (pc.fill_null(pc.equal(pc.cast(table.column("backend_kind"), pa.string()), DEFAULT_BACKEND), False)
               if filled else None)
    blank = default is not None and not pc.all(default).as_py()
    for name in DEFAULT_ANSWER_ONLY:
        column = table.column(name)
        if blank and name in filled:
            column = pc.if_else(default, column, pa.nulls(len(column), column.type))
        if not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        table = table.set_column(table.column_names.index(name), name, column)
    return table


def frame_of_files(files: list[FileChunks], *, by_route: bool = False) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Files' chunk tables -> one ``requests`` frame, and where each row in reading order went (None: the
    frame is in reading order); consumes the tables.

    Reading order is one file's line order, several files' time order (a tie in file then line order).
    ``by_route``: the rows grouped by (namespace, route) as :func:`ordered_by_route` leaves them, each
    route's rows in reading order, as :func:`joined_in_order` joins the files' frames. Tables of
    timestamps, integers, booleans and names (``mga analyze``'s kept rows) are written chunk by chunk
    straight to their places (:func:`parsers.frame_fill.filled_frame`); others are converted file by file
    (:func:`_converted`), then joined and ordered.
    """
    files = [file for file in files if file.rows]
    if not files:
        return empty_requests(), None
    tables = [table for file in files for table in file.tables]
    fill = fillable(tables) and (len(files) == 1 or "ts" in tables[0].column_names)
    del tables  # the chunks must go as they are written
    if fill:
        return filled_frame(files, by_route=by_route, sorted_names=frozenset(CATEGORICAL), finish=_finished)
    frames = [_converted(file.tables, source=file.source, input=file.input) for file in files]
    return joined_in_order(frames, by_route=by_route)


def _to_frame(tables: list[pa.Table], *, source: str, input: str) -> pd.DataFrame:
    """Chunk tables of one file -> the ``requests`` frame in line order (:func:`frame_of_files`)."""
    return frame_of_files([FileChunks(tables, input, source)])[0]


def _converted(tables: list[pa.Table], *, source: str, input: str) -> pd.DataFrame:
    """Chunk tables of one file -> the ``requests`` frame (categoricals for the repetitive names);
    consumes ``tables`` (the list is emptied, so each column's Arrow memory goes as it is converted).

    The chunks come narrowed by :func:`narrow_integers` as they arrived; joined in the widest type of
    each integer column, they are the narrowest type for the whole file, with no second pass.

    Converted column by column (two at a time, :func:`by_column`), each Arrow column dropped and the
    Arrow pool's freed pages handed back as soon as its pandas column exists: converting the whole table
    at once held the Arrow table, the frame and the pool's freed pages together (at 10M kept rows,
    3.0 GiB for a 0.7 GiB frame).
    """
    if not tables:
        return empty_requests()
    table = pa.concat_tables(_same_integer_types(tables))
    tables.clear()
    n = table.num_rows
    pool = pa.default_memory_pool()
    mapping = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
               pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}
    names = table.column_names
    arrow: list[pa.ChunkedArray | None] = list(table.columns)
    del table

    def converted(i: int) -> pd.Series:
        column = arrow[i]
        arrow[i] = None  # the Arrow column goes once its pandas column exists
        out = column.to_pandas(types_mapper=mapping.get)  # type: ignore[union-attr]
        del column
        pool.release_unused()
        return out

    columns: dict[str, pd.Series] = dict(zip(names, by_column(len(names), converted), strict=True))
    for name in ("ts", "received"):
        if name in columns:
            columns[name] = columns[name].astype("datetime64[ns, UTC]")
    for name in CATEGORICAL:  # sorted categories: groupings come out in name order, however chunks fell
        if name not in columns:
            continue
        categories = columns[name].cat.categories
        if not categories.is_monotonic_increasing:
            columns[name] = columns[name].cat.reorder_categories(categories.sort_values())
    return _finished({name: column.array for name, column in columns.items()}, n, source=source, input=input)


def _finished(arrays: dict[str, pd.api.extensions.ExtensionArray], n: int, *, source: str | None = None,
              input: str | None = None) -> pd.DataFrame:
    """Converted columns as a frame, in the schema's order; ``input`` and ``source`` added when given (one
    file's, the same on every row)."""
    same = np.zeros(n, dtype=np.int8)
    if input is not None:
        arrays["input"] = pd.Categorical.from_codes(same, categories=pd.Index([input], dtype="str"))
    if source is not None:
        arrays["source"] = pd.Categorical.from_codes(same, categories=pd.Index([source], dtype="str"))
    names = [name for name in REQUEST_COLUMNS if name in arrays]
    return pd.DataFrame._from_arrays([arrays.pop(name) for name in names], columns=pd.Index(names),
                                     index=pd.RangeIndex(n), verify_integrity=False)


def _concat_requests(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate request frames; categoricals get the union of categories (else pandas makes them text)."""
    if not frames:
        return empty_requests()
    if len(frames) == 1:
        return frames[0]
    frames = [f.copy(deep=False) for f in frames]
    _same_categories(frames)
    return pd.concat(frames, ignore_index=True)


def _same_categories(frames: list[pd.DataFrame]) -> None:
    """Give each categorical column of ``frames`` the union of its categories in every frame, in place.

    The declared categoricals, and analyze's request lines and captures (:data:`DEFAULT_ANSWER_ONLY`); the
    union of sorted categories is sorted, as :func:`_to_frame` leaves them."""
    for name in [*CATEGORICAL, *(n for n in DEFAULT_ANSWER_ONLY if n in frames[0]
                                 and isinstance(frames[0][n].dtype, pd.CategoricalDtype))]:
        if name not in frames[0]:
            continue
        columns = [
            f[name] if isinstance(f[name].dtype, pd.CategoricalDtype) else f[name].astype("category") for f in frames
        ]
        categories = columns[0].cat.categories
        for column in columns[1:]:
            categories = categories.union(column.cat.categories)
        for f, column in zip(frames, columns, strict=True):
            f[name] = column.cat.set_categories(categories)


def joined_in_order(frames: list[pd.DataFrame], *, by_route: bool) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Files' request frames as one frame, in time order or by route; consumes ``frames`` (their columns go).

    ``by_route=False``: the rows in time order (a stable sort: a tie in file order, then line order, rows
    without a time last), as sorting the joined frame by ``ts`` gives; one file's frame is returned as it
    is. ``by_route=True``: grouped by (namespace, route) as :func:`ordered_by_route` leaves them, each
    route's rows in time order (several files) or in line order (one file). The second value: the rows'
    positions in that reading order (time order, or one file's line order), for a caller that wants the
    first lines of a kind (evidence); None when the frame is in it.

    Each column is joined and put in order in one step, two columns at a time (:func:`by_column`), and
    the files' columns are dropped as it is made. Joining the files' frames first, then ordering the
    joined frame, held the files' frames, the joined one and the ordered one together, and ran on one
    core: the 10M-line app outage split over three router logs peaked at 1.8 GiB, against 1.3 GiB in one
    file (docs/performance.md).
    """
    if not frames:
        return empty_requests(), None
    several = len(frames) > 1
    if several and any(list(f.columns) != list(frames[0].columns) for f in frames[1:]):
        frames = [_concat_requests(frames)]  # not expected: the files of one run keep the same columns
    elif several:
        _same_categories(frames)
    names = list(frames[0].columns)
    in_time = _time_positions(frames) if several else None
    order = _route_positions(frames, in_time) if by_route else in_time
    if order is None:  # one file, its rows already in the order asked
        return frames[0], None
    parts: list[list[pd.Series] | None] = [[f[name] for f in frames] for name in names]
    for f in frames:
        for name in names:
            del f[name]

    def joined(i: int) -> pd.api.extensions.ExtensionArray:
        pieces = parts[i]
        parts[i] = None  # the files' columns go once the joined column is made
        column = pieces[0].array if len(pieces) == 1 else pd.concat(pieces, ignore_index=True).array  # type: ignore[index, arg-type]
        del pieces
        return column.take(order)

    frame = pd.DataFrame._from_arrays(by_column(len(names), joined), columns=pd.Index(names),
                                      index=pd.RangeIndex(len(order)), verify_integrity=False)
    if not by_route:
        return frame, None
    where = np.empty(len(order), dtype=np.intp)  # where each row of the files went
    where[order] = np.arange(len(order), dtype=np.intp)
    return frame, where if in_time is None else where[in_time]


def _time_positions(frames: list[pd.DataFrame]) -> np.ndarray:
    """The joined rows' positions in ``sort_values("ts", kind="stable", na_position="last")`` order, without
    joining the frames."""
    ticks = np.concatenate([f["ts"].array.asi8 for f in frames])
    ticks[ticks == np.iinfo(np.int64).min] = np.iinfo(np.int64).max  # missing times (NaT) last, in their order
    return np.argsort(ticks, kind="stable")


def empty_requests() -> pd.DataFrame:
    return schema.empty_frame("requests")


def ordered_by_route(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s rows grouped by (namespace, route), each route's rows in their order; consumes ``frame``.

    The analysis takes each route's rows (and each namespace's) several times; grouped, those rows are
    one stretch of the frame, which pandas slices without copying. On a log whose lines are nearly all a
    few routes', the copies of each route's rows were as large as the frame again. The sort is stable
    (rows without a namespace or route last, in their order): within a route, and so within every
    question the rules ask of a route, the rows are in file order as before. The labels are renumbered
    in the new order (a ``RangeIndex``: the rows' labels are looked up by the ledger, and an index of
    arbitrary integers is hashed for that, hundreds of MB at 10M rows).

    The frame is rebuilt column by column (:func:`joined_in_order`, which joins several files' frames
    this way), each old column dropped as soon as its new one is made: the memory this needs beyond the
    frame is two columns and the order.
    """
    return joined_in_order([frame], by_route=True)[0]


def _route_positions(frames: list[pd.DataFrame], in_time: np.ndarray | None) -> np.ndarray | None:
    """The joined rows' positions grouped by (namespace, route), a missing name last, each route's rows in
    ``in_time``'s order (or the frames' order); None when that is the order they are in (one frame)."""
    if "namespace" not in frames[0] or "route" not in frames[0]:
        return in_time
    count = sum(len(f) for f in frames)
    if in_time is None and count < 2:
        return None
    sizes = [len(frames[0][name].cat.categories) + 1 for name in ("namespace", "route")]  # same in every frame
    # numpy's stable sort of 16-bit integers is a radix sort (one pass, no comparisons); the key is built in
    # the narrowest type that holds it: each pass over ten million rows of 64-bit integers was a fresh 80 MB
    kind = np.uint16 if sizes[0] * sizes[1] < 1 << 16 else np.int64
    key = np.zeros(count, dtype=kind)
    for name, size in zip(("namespace", "route"), sizes, strict=True):
        codes = np.concatenate([f[name].cat.codes.to_numpy() for f in frames])
        key *= kind(size)
        key += np.where(codes < 0, size - 1, codes).astype(kind)  # a missing name sorts last
    if in_time is not None:
        key = key[in_time]
    elif not (key[1:] < key[:-1]).any():
        return None
    order = np.argsort(key, kind="stable")
    del key
    return order if in_time is None else in_time[order]


COLUMN_WORKERS = 2  # the frame's columns converted or gathered at once (both cores; one more column held)


def by_column(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(i)`` for each of ``count`` columns, :data:`COLUMN_WORKERS` at a time, in column order.

    Converting the chunk tables to the frame and putting its rows in route order run once the log is
    parsed, with no parsing thread left to share the cores: one column after another, they were a fifth
    of the 10M-line app outage's run with one core idle. Arrow's conversions and numpy's gathers release
    the interpreter lock, so two columns at a time use both cores (docs/performance.md).
    """
    if count < 2:
        return [work(i) for i in range(count)]
    with ThreadPoolExecutor(max_workers=COLUMN_WORKERS, thread_name_prefix="mga-columns") as pool:
        return list(pool.map(work, range(count)))
