"""Which request rows ``mga analyze`` keeps whole, and the lean pass that chooses them cheaply.

``mga analyze`` keeps full rows only for requests about the namespaces the inputs hold objects of,
about no namespace, or answered 5xx (:func:`keep_rows`); every request still counts in the chunk's
:class:`~parsers.log_totals.LogTotals`. Parsing a line into all of its columns costs several times
the statistics columns, so a chunk is first read lean (the statistics columns, every field still
checked: the same lines are accepted, see :func:`parsers.log_layers._parse_lines`), counted, and
only the lines to keep, plus the rejected ones (router messages, unparsed lines), are parsed in
full (:func:`lean_selection`). On a router log of thousands of routes beside a must-gather that
holds a few of them, that is a few percent of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.log_fields import TS_MS
from parsers.log_layers import _parse_lines
from parsers.log_totals import LogTotals
from parsers.log_window import in_window, without_unrepresentable_times
from parsers.router_names import _backend_columns


def kept_mask(namespace: pa.Array | pa.ChunkedArray, status: pa.Array | pa.ChunkedArray,
              namespaces: frozenset[str]) -> np.ndarray:
    """Rows about ``namespaces``, about no namespace, or answered 5xx.

    A rule joins a request to the objects of its namespace (route, service, endpoints, pods); the
    other requests of namespaces the inputs hold nothing of can only be counted, which their
    chunk's :class:`LogTotals` does. Kept whatever their namespace: rows naming none
    (``openshift_default`` answers map to routes by their captured Host; TCP and SNI lines), and
    every 5xx, since a router-wide question (the router at its connection limit while routes of
    other services fail) counts and cites the failures of every route of the log.
    """
    if isinstance(namespace, pa.ChunkedArray):
        namespace = namespace.combine_chunks()
    wanted = pa.array(sorted(namespaces), pa.string())
    if pa.types.is_dictionary(namespace.type):
        known = pc.is_in(namespace.dictionary, value_set=wanted).to_numpy(zero_copy_only=False)
        codes = pc.fill_null(namespace.indices, 0).to_numpy(zero_copy_only=False)
        missing = namespace.is_null().to_numpy(zero_copy_only=False)
        mask = (missing | known[codes]) if len(known) else missing
    else:
        mask = pc.fill_null(pc.is_in(namespace, value_set=wanted), True).to_numpy(zero_copy_only=False)
    five = pc.and_(pc.greater_equal(status, 500), pc.less(status, 600))
    return mask | pc.fill_null(five, False).to_numpy(zero_copy_only=False)


def keep_rows(table: pa.Table, namespaces: frozenset[str]) -> pa.Table | None:
    """The rows of ``table`` (``CHUNK_SCHEMA``) that :func:`kept_mask` keeps, in file order; None if none."""
    mask = kept_mask(table.column("namespace"), table.column("status"), namespaces)
    if mask.all():
        return table
    if not mask.any():
        return None
    return table.filter(pa.array(mask))


@dataclass(frozen=True)
class LeanSelection:
    """A chunk read lean: the lines still to parse in full, and every request's figures."""

    lines: log_lines.ChunkLines  # the kept requests' lines and the rejected lines, in file order
    totals: LogTotals
    requests: int  # requests of the chunk (inside the window), kept or not


def lean_selection(lines: log_lines.ChunkLines, namespaces: frozenset[str], scanner: bool,
                   since: pd.Timestamp | None, until: pd.Timestamp | None) -> LeanSelection | None:
    """Read ``lines`` lean, count every request, and pick the lines to parse in full.

    None when the lean pass cannot help (no request in the chunk, or a kernel refused it): the
    caller parses every line in full, as without a selection.
    """
    try:
        lean, rejected = _parse_lines(lines.text, None, True, scanner)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    if lean is None or not lean.num_rows:
        return None
    lean, out_of_range = without_unrepresentable_times(lean)
    if since is not None or until is not None:
        lean = lean.filter(in_window(lean, since, until))
    namespace = _backend_columns(lean.column("backend").combine_chunks())["namespace"]
    counted = pa.table({
        "namespace": namespace,
        "status": pc.cast(lean.column("status"), pa.int64()),
        "actconn": pc.cast(lean.column("actconn"), pa.int64()),
        "ts": pc.cast(lean.column("ts"), TS_MS),
    })
    keep = kept_mask(counted.column("namespace"), counted.column("status"), namespaces)
    rows = lean.column("_row").to_numpy().astype(np.int64)[keep]
    rows = np.union1d(np.union1d(rows, np.asarray(rejected, dtype=np.int64)), out_of_range)
    picked = lines if len(rows) == len(lines.text) else log_lines.ChunkLines(
        pc.take(lines.text, pa.array(rows)), lines.numbers[rows], lines.physical)
    return LeanSelection(picked, LogTotals.of_table(counted), lean.num_rows)
