"""A busy application's normal lines taken out where the log is read lean, before any kept row is built.

``mga analyze`` counts the normal lines of the routes it keeps instead of keeping them as rows
(:mod:`parsers.normal_lines`). They were counted at the end of a chunk's parse: every kept line was
first built into a row of every column the frame keeps (the scanner's values turned into Arrow columns,
the names split, the integers narrowed), folded into the minute groups, and only then were the normal
ones taken out again. In a busy application's log nearly every line is normal, so most of that work
was done for rows no one kept (docs/performance.md, "thirteenth round": 8-10 % of the analysis' CPU).

Here the lines the compiled scanner read whole are judged normal or not from what the lean read holds
(:func:`parsers.normal_lines.normal_mask` itself, on those columns), and the normal ones are shaped
only into what their two readers take: :meth:`NormalLines.of_table` (the key columns, the accept time,
``Tr``) and :func:`parsers.log_groups.chunk_groups` (the names, status, termination state, time and
line number). Their minute groups are a part of their own, joined with the kept rows' groups the way
chunks' groups are joined (``parsers.log_groups.merged_groups``: a group met in several parts adds their
requests and is located by its earliest line), so the groups and the counts are those of folding every
kept line at once. This is done where most of a chunk's kept lines the scanner read are normal
(``parsers.log_keep.lean_selection`` asks :func:`may_be_mostly_normal`, then counts); in an outage's chunk,
mostly 5xx, the few normal lines are taken out at the chunk's end as before. Shaping, not diagnosing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array, used_only
from parsers.log_fields import TS_MS
from parsers.log_groups import ChunkGroups, chunk_groups
from parsers.normal_lines import NormalLines, normal_mask
from parsers.router_names import _backend_columns, _server_columns


@dataclass(frozen=True)
class EarlyNormal:
    """The normal lines of a chunk taken out of its lean read: counted, and folded per minute and key."""

    lines: NormalLines
    groups: ChunkGroups | None


def normal_among(lean: pa.Table, names: dict[str, pa.Array], values: object, scanned_at: np.ndarray,
                 candidates: np.ndarray) -> np.ndarray:
    """Which rows of ``lean`` are normal lines among the ``candidates`` (a mask over ``lean``'s rows: kept rows
    the scanner read whole); ``names`` are the backend names split for every lean row, ``values`` the
    scanner's :class:`parsers.log_scan.AnalysisValues`, ``scanned_at`` each lean row's place among the lines
    the scanner read (meaningful for those only). Judged on the whole lean read (its columns as they are, no
    copy), the queues read from the scanner's values at the candidates."""
    at = np.flatnonzero(candidates)
    if not len(at):
        return np.zeros(lean.num_rows, dtype=bool)
    queues = np.zeros((2, lean.num_rows), dtype=np.int64)  # a row not judged holds none: the mask drops it
    queues[0, at], queues[1, at] = values.queues(scanned_at[at])  # type: ignore[attr-defined]
    judged = pa.table({
        "namespace": names["namespace"],
        "backend_kind": names["backend_kind"],
        **{name: lean.column(name) for name in ("ts", "status", "term", "Tc")},
        "srv_queue": queues[0],
        "backend_queue": queues[1],
    })
    return normal_mask(judged) & candidates


def may_be_mostly_normal(lean: pa.Table, candidates: np.ndarray) -> bool:
    """Whether the ``candidates`` (a mask over ``lean``'s rows) may be mostly normal lines: at least half of them
    answered below 500 or hold no status (a TCP line), which every normal line does. Asked before
    :func:`normal_among`, so an outage's chunk, its lines mostly 5xx, is not judged line by line for nothing."""
    below = pc.fill_null(pc.less(one_array(lean.column("status")), 500), True)
    return 2 * np.count_nonzero(below.to_numpy(zero_copy_only=False) & candidates) >= np.count_nonzero(candidates)


def counted_normal(lean: pa.Table, values: object, scanned_at: np.ndarray, normal: np.ndarray, numbers: np.ndarray,
                   router_pod: str | None) -> EarlyNormal | None:
    """The ``normal`` rows of ``lean`` (a mask over its rows) counted and folded, their line numbers read from
    ``numbers`` (the chunk's, by ``_row``), their router pod the line's host or ``router_pod``."""
    at = np.flatnonzero(normal)
    if not len(at):
        return None
    take = pa.array(at)
    rows = lean.select(["backend", "server", "status", "term", "ts", "Tr", "_row"]).take(take)
    backend, server = (_used_names(one_array(rows.column(name))) for name in ("backend", "server"))
    host = values.hosts(scanned_at[at])  # type: ignore[attr-defined]
    n = rows.num_rows
    table = pa.table({
        "backend": backend,
        **_backend_columns(backend),  # namespace, route, backend_kind: split once per name used
        "server": server,
        **_server_columns(server),
        "router_pod": pc.fill_null(host, router_pod) if router_pod else host,
        "status": rows.column("status"),
        "term": rows.column("term"),
        "ts": pc.cast(rows.column("ts"), TS_MS),
        "Tr": rows.column("Tr"),
        "request_headers": pa.nulls(n, pa.string()),  # read of the router's default answers only: none here
        "path": pa.nulls(n, pa.string()),
        "line": pa.array(numbers[rows.column("_row").to_numpy()], pa.int64()),
    })
    return EarlyNormal(NormalLines.of_table(table, np.ones(n, dtype=bool)), chunk_groups(table))


def _used_names(values: pa.Array) -> pa.DictionaryArray:
    """A name column as a dictionary of the names its rows use (the scanner's dictionaries hold every name of
    the chunk, and the names split from them would be each name's; the lean read's text, where the Arrow
    path read some of the chunk's lines, encoded)."""
    return used_only(values) if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
