"""The lines of one chunk -> request rows, through three layers, cheapest first (perf-baseline.md §1).

Lines of the usual shapes are tokenised once on spaces (:mod:`parsers.log_shapes`; for
lean parses the compiled scanner :mod:`parsers.log_scan` goes first, and for ``mga analyze``'s lean
pass it also gives the kept rows' other values, :func:`scanned_first`); every other
line is cut at the ``haproxy[pid]: `` tag (:mod:`parsers.log_lines`) and its body split with
Arrow kernels (:mod:`parsers.log_fields`, or a custom :mod:`parsers.log_format`); only what both
reject goes through the lenient regex (:mod:`parsers.log_fallback`). What is left is handed back
as rejected line indices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.log_fallback import regex_bodies
from parsers.log_fields import TS_MS, TS_US, body_table, parse_bodies
from parsers.log_lines import Prefixes
from parsers.log_shapes import _fast_shapes


def _parse_lines(
    text: pa.Array, custom: Any, lean: bool = False, scanner: bool = True, ends: bool = False,
    ascii_only: bool = False,
) -> tuple[pa.Table | None, np.ndarray]:
    """Rows for the lines that are requests (``_row`` = index into ``text``), and the rejected indices.

    ``lean``: only the statistics columns are needed (see :data:`LEAN_COLUMNS`); the compiled
    scanner (:mod:`parsers.log_scan`) takes the lines it can read exactly, the Arrow path the rest.
    ``scanner=False`` keeps the scanner out (and Numba unimported): small logs, see ``ChunkJob.scanner``.
    ``ends``: the lines still end with their terminators (``log_lines.ChunkLines.ends``); ``ascii_only``:
    every byte is known to be ASCII (``log_lines.ChunkLines.ascii``).
    """
    if lean and scanner_on(scanner) and custom is None:
        table, rejected, _, _ = scanned_first(text, ends=ends, ascii_only=ascii_only)
        return table, rejected
    return _parse_lines_arrow(log_lines.trimmed(text, ends), custom, lean)


def scanned_first(text: pa.Array, analysis: bool = False, ends: bool = False, ascii_only: bool = False
                  ) -> tuple[pa.Table | None, np.ndarray, np.ndarray, Any]:
    """The lean parse, the compiled scanner first: (rows, rejected indices, the indices the scanner took,
    and with ``analysis`` the other values of those lines, ``log_scan.AnalysisValues``, else None).

    :func:`with_analysis_values` completes scanned rows with them into the full parse's rows. The
    scanner skips line terminators; with ``ends`` the lines it leaves are trimmed for the Arrow path.
    ``ascii_only``: every byte is known to be ASCII (the scanner then does not look for others).
    """
    scanned, handled, values = _scanned(text, analysis, ascii_only)
    if scanned is None:
        table, rejected = _parse_lines_arrow(log_lines.trimmed(text, ends), None, True)
        return table, rejected, handled, None
    left = np.ones(len(text), dtype=bool)
    left[handled] = False
    rest = np.flatnonzero(left)
    if not len(rest):
        return scanned, rest, handled, values
    table, rejected = _parse_lines_arrow(log_lines.trimmed(pc.take(text, pa.array(rest)), ends), None, True)
    if table is None:
        return scanned, rest[rejected], handled, values
    index = table.schema.get_field_index("_row")
    table = table.set_column(index, "_row", pa.array(rest[table.column("_row").to_numpy()]))
    # one column type to concatenate with the Arrow path's rows
    return pa.concat_tables([_decoded(scanned), table]), rest[rejected], handled, values


def with_analysis_values(rows: pa.Table, values: Any, handled: np.ndarray) -> pa.Table:
    """Lean rows the scanner read (``_row`` among ``handled``) with every value ``mga analyze`` keeps, as
    the full Arrow parse gives them (``received``, the request line and the captured headers stay null)."""
    at = np.searchsorted(handled, rows.column("_row").to_numpy())
    for name, column in values.columns(at).items():
        rows = rows.set_column(rows.schema.get_field_index(name), name, column)
    return rows


def scanner_on(wanted: bool) -> bool:
    """Whether the compiled scanner reads lines: wanted (the log is worth its start) and enabled."""
    return wanted and _scanner().enabled()


def _scanner() -> Any:
    """:mod:`parsers.log_scan`, imported on first use: only lean parses use it, and
    importing Numba costs 0.1 s that small logs need not pay."""
    from parsers import log_scan

    return log_scan


def _scanned_statistics(text: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    """The lean table of the lines :func:`log_scan.scan_statistics` accepts, shaped as :func:`_fast_shapes`'."""
    table, rows, _ = _scanned(text, False)
    return table, rows


def _scanned(text: pa.Array, analysis: bool, ascii_only: bool = False) -> tuple[pa.Table | None, np.ndarray, Any]:
    found = _scanner().scan_statistics(text, analysis, ascii_only)
    if found is None:
        return None, np.zeros(0, np.int64), None
    columns, rows = found
    n = len(rows)
    if not n:
        return None, rows, None
    values = columns.pop("analysis", None)
    cols = {
        name: pa.array(value[0], pa.int64(), mask=value[1]) if isinstance(value, tuple) else value
        for name, value in columns.items()
    }
    cols["ts"] = pc.cast(pa.array(columns["ts"], pa.int64()), TS_MS)
    encoded = {name: cols.pop(name) for name in SCANNED_DICTIONARIES}
    table = body_table(cols, rows).drop(["_row"])
    for name, array in encoded.items():  # kept dictionary-encoded: ``_finish`` would encode them anyway
        table = table.set_column(table.schema.get_field_index(name), pa.field(name, array.type), array)
    return (
        table.append_column("pid", pa.nulls(n, pa.int64()))
        .append_column("host", pa.nulls(n, pa.string()))
        .append_column("received", pa.nulls(n, TS_US))
        .append_column("_row", pa.array(rows, pa.int64())),
        rows,
        values,
    )


SCANNED_DICTIONARIES = ("backend", "server", "term")


def _decoded(table: pa.Table) -> pa.Table:
    """The scanner's dictionary columns as plain strings (the Arrow path's types)."""
    for name in SCANNED_DICTIONARIES:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.cast(table.column(name), pa.string()))
    return table


def encoded_like(table: pa.Table, like: pa.Table) -> pa.Table:
    """``table`` with its name columns typed as ``like`` holds them (dictionaries or plain strings), to be
    concatenated with ``like``: the few rows parsed in full next to the many the scanner read whole,
    whose names stay encoded (``parsers.log_frames.CHUNK_SCHEMA`` keeps them so)."""
    for field in like.schema:
        own = table.schema.field(field.name).type
        if own == field.type:
            continue
        if pa.types.is_dictionary(field.type) and own == pa.string():
            column = pc.cast(pc.dictionary_encode(table.column(field.name)), field.type)
        elif pa.types.is_dictionary(own) and field.type == pa.string():
            column = pc.cast(table.column(field.name), pa.string())
        else:
            continue
        table = table.set_column(table.schema.get_field_index(field.name), field.name, column)
    return table


# what every request line holds, tagged or bare: the ``[`` of ``haproxy[pid]:`` or of its accept date
REQUEST_MARK = "["
# what every line of the default formats starts with (``parsers.log_fallback.HTTP_RE`` and ``TCP_RE``): an optional
# client address and port, then the accept date in brackets; a body without it is none of them
REQUEST_HEAD = r"^(?:\S*:\d{1,5} )?\[[^\]]+\] "


def _parse_lines_arrow(text: pa.Array, custom: Any, lean: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """:func:`_parse_lines` with Arrow kernels only: the usual shapes tokenised at once, then the rest.

    Without a custom format, a line without a ``[`` holds neither a ``haproxy[pid]:`` tag nor an accept date,
    so no request: such lines are rejected by one substring test before any shape is tried (a file of empty or
    application lines given as a router log cost each of its lines every kernel, hundreds of bytes a line)."""
    if custom is None and len(text):
        bracketed = pc.fill_null(pc.match_substring(text, REQUEST_MARK), False)
        if not pc.all(bracketed).as_py():
            mask = bracketed.to_numpy(zero_copy_only=False)
            kept, refused = np.flatnonzero(mask), np.flatnonzero(~mask)
            if not len(kept):
                return None, refused
            table, rejected = _parse_lines_arrow(pc.take(text, pa.array(kept)), custom, lean)
            if table is not None:
                table = table.set_column(table.schema.get_field_index("_row"), "_row",
                                         pa.array(kept[table.column("_row").to_numpy()]))
            return table, np.sort(np.concatenate([refused, kept[np.asarray(rejected, dtype=np.int64)]]))
    tables: list[pa.Table] = []
    rest = np.arange(len(text), dtype=np.int64)
    if custom is None:
        fast, handled = _fast_shapes(text, lean)
        if fast is not None:
            tables.append(fast)
            rest = np.setdiff1d(rest, handled, assume_unique=True)
    rejected = rest
    if len(rest):
        subset = pc.take(text, pa.array(rest)) if len(rest) < len(text) else text
        prefixes = log_lines.split_prefix(subset)
        table, still = _parse_bodies_all_ways(prefixes.body, custom)
        if table is not None:
            tables.append(_with_prefix(table, prefixes, rest))
        rejected = rest[still]
    if not tables:
        return None, rejected
    return pa.concat_tables(tables), rejected


def _parse_lines_one_by_one(text: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    prefixes = log_lines.split_prefix(text)
    table, rejected = regex_bodies(prefixes.body, np.arange(len(text), dtype=np.int64))
    if table is None:
        return None, rejected
    return _with_prefix(table, prefixes, np.arange(len(text), dtype=np.int64)), rejected


def _parse_bodies_all_ways(body: pa.Array, custom: Any) -> tuple[pa.Table | None, np.ndarray]:
    """Custom format (when set), then the default formats vectorised, then the per-line regex.

    Without a custom format, a body that does not start as a request line does (:data:`REQUEST_HEAD`) is
    rejected by one vectorised test, not tried in every shape: a file of application lines or of empty lines
    given as a router log cost each of its lines every shape's kernels, then the per-line regex."""
    if custom is not None or not len(body):
        return _parse_bodies_every_way(body, custom)
    possible = pc.fill_null(pc.match_substring_regex(body, REQUEST_HEAD), False)
    if pc.all(possible).as_py():
        return _parse_bodies_every_way(body, None)
    mask = possible.to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(mask)
    refused = np.flatnonzero(~mask)
    if not len(candidates):
        return None, refused
    table, still = _parse_bodies_every_way(pc.take(body, pa.array(candidates)), None)
    if table is not None:
        table = table.set_column(table.schema.get_field_index("_row"), "_row",
                                 pa.array(candidates[table.column("_row").to_numpy()]))
    return table, np.sort(np.concatenate([refused, candidates[np.asarray(still, dtype=np.int64)]]))


def _parse_bodies_every_way(body: pa.Array, custom: Any) -> tuple[pa.Table | None, np.ndarray]:
    """Every body tried in the custom format (when set), then the default formats vectorised, then the
    per-line regex."""
    tables = []
    rest = np.arange(len(body), dtype=np.int64)
    parsers: list[Callable[[pa.Array], tuple[pa.Table | None, np.ndarray]]] = [parse_bodies]
    if custom is not None:
        parsers.insert(0, custom.parse)
    for parse in [*parsers, lambda b: regex_bodies(b, np.arange(len(b), dtype=np.int64))]:
        if not len(rest):
            break
        subset = pc.take(body, pa.array(rest)) if len(rest) < len(body) else body
        table, rejected = parse(subset)
        if table is not None and table.num_rows:
            rows = rest[table.column("_row").to_numpy()]
            tables.append(table.set_column(table.schema.get_field_index("_row"), "_row", pa.array(rows)))
        rest = rest[np.asarray(rejected, dtype=np.int64)]
    if not tables:
        return None, rest
    return pa.concat_tables(tables), rest


def _with_prefix(table: pa.Table, prefixes: Prefixes, rows_in_text: np.ndarray) -> pa.Table:
    local = table.column("_row")
    return (
        table.drop(["_row"])
        .append_column("pid", pc.take(prefixes.pid, local))
        .append_column("host", pc.take(prefixes.host, local))
        .append_column("received", pc.take(prefixes.received, local))
        .append_column("_row", pa.array(rows_in_text[local.to_numpy()], pa.int64()))
    )
