"""Which request rows ``mga analyze`` keeps whole, and the lean pass that chooses them cheaply.

``mga analyze`` keeps full rows for the requests about the namespaces the inputs hold objects of
and about no namespace; of the 5xx answers of other namespaces it keeps one row per minute, status
and termination state and counts the others (:func:`kept_mask`). Every request still counts in
the chunk's :class:`~parsers.log_totals.LogTotals`. Parsing a line into all of its columns costs
several times the statistics columns, so a chunk is first read lean (the statistics columns, every
field still checked: the same lines are accepted, see :func:`parsers.log_layers._parse_lines`),
counted, and only the lines to keep, plus the rejected ones (router messages, unparsed lines), are
parsed in full (:func:`lean_selection`). On a router log of thousands of routes beside a
must-gather that holds a few of them, that is a few percent of the lines, even when most of the
router's answers are 5xx. Where the compiled scanner reads a line, it gives every value a kept row
needs at once, so the lines to keep that it read are not parsed again (an outage of the inputs' own
routes keeps nearly every line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.arrow_arrays import one_array, used_only
from parsers.lean_normal import EarlyNormal, counted_normal, may_be_mostly_normal, normal_among
from parsers.log_fields import TS_MS
from parsers.log_layers import _parse_lines, scanned_first, scanner_on, with_analysis_values
from parsers.log_left_out import LeftOutFailures
from parsers.log_totals import NS_PER_MINUTE, NS_PER_UNIT, LogTotals
from parsers.log_window import in_window, without_unrepresentable_times
from parsers.router_names import DEFAULT_BACKEND, _backend_columns


@dataclass(frozen=True)
class Kept:
    """Which rows of a chunk to keep, and the 5xx left out, counted."""

    mask: np.ndarray  # bool per row
    left_out: LeftOutFailures


def kept_mask(table: pa.Table, namespaces: frozenset[str], order: np.ndarray | None = None) -> Kept:
    """Rows about ``namespaces`` or about no namespace; of the other 5xx, the busiest of each minute.

    ``table`` holds ``namespace``, ``route``, ``status``, ``term``, ``actconn`` and ``ts`` (a
    timestamp); ``order`` is each row's place in the file (default: the table's order).

    A rule joins a request to the objects of its namespace (route, service, endpoints, pods); the
    requests of namespaces the inputs hold nothing of can only be counted, which their chunk's
    :class:`LogTotals` does. Kept whatever their namespace: rows naming none (``openshift_default``
    answers map to routes by their captured Host; TCP and SNI lines). The 5xx of the other namespaces
    matter to a router-wide question only (the router at its connection limit while routes of
    other services fail), which counts them per minute and route and cites the one logged at the
    highest ``actconn``: of them one row per (minute, status, termination state) is kept, the one
    with the highest ``actconn`` (then the earliest accept time, then the first in the file), and
    the others are counted in :class:`LeftOutFailures`. Rows without an accept time belong to no
    minute: they count in the status figures only.
    """
    namespace = one_array(table.column("namespace"))
    wanted = pa.array(sorted(namespaces), pa.string())
    if pa.types.is_dictionary(namespace.type):
        known = pc.is_in(namespace.dictionary, value_set=wanted).to_numpy(zero_copy_only=False)
        codes = pc.fill_null(namespace.indices, 0).to_numpy(zero_copy_only=False)
        missing = namespace.is_null().to_numpy(zero_copy_only=False)
        mask = (missing | known[codes]) if len(known) else missing
    else:
        mask = pc.fill_null(pc.is_in(namespace, value_set=wanted), True).to_numpy(zero_copy_only=False)
    status = one_array(table.column("status"))
    five = pc.fill_null(pc.and_(pc.greater_equal(status, 500), pc.less(status, 600)), False)
    ts = one_array(table.column("ts"))
    dated = ts.is_valid().to_numpy(zero_copy_only=False)
    others = np.flatnonzero(five.to_numpy(zero_copy_only=False) & ~mask & dated)
    if not len(others):
        return Kept(mask, LeftOutFailures())
    take = pa.array(others)
    accepted = pc.cast(pc.take(ts, take), pa.int64()).to_numpy()
    unit = NS_PER_UNIT[ts.type.unit] if pa.types.is_timestamp(ts.type) else 1
    minute = accepted * unit // NS_PER_MINUTE * NS_PER_MINUTE
    status_of = pc.fill_null(pc.take(status, take), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    term_codes, term_names = _dictionary(pc.take(one_array(table.column("term")), take))
    actconn = pc.take(one_array(table.column("actconn")), take)
    conn_missing = actconn.is_null().to_numpy(zero_copy_only=False)
    conn = pc.fill_null(actconn, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    at = (order[others] if order is not None else others).astype(np.int64)
    # the busiest row of each (minute, status, state): highest actconn (missing last), earliest, first in file
    ranked = np.lexsort((at, accepted, -conn, conn_missing, term_codes, status_of, minute))
    head = np.ones(len(ranked), bool)
    head[1:] = ((np.diff(minute[ranked]) != 0) | (np.diff(status_of[ranked]) != 0)
                | (np.diff(term_codes[ranked]) != 0))
    mask = mask.copy()
    mask[others[ranked[head]]] = True
    rest = np.sort(ranked[~head])
    if not len(rest):
        return Kept(mask, LeftOutFailures())
    picked = pa.array(others[rest])
    ns_codes, ns_names = _dictionary(pc.take(namespace, picked))
    route_codes, route_names = _dictionary(pc.take(one_array(table.column("route")), picked))
    width = len(route_names)
    pairs, pair_codes = np.unique(ns_codes * width + route_codes, return_inverse=True)
    routes = [(ns_names[p // width], route_names[p % width]) for p in pairs.tolist()]
    left_out = LeftOutFailures.of_codes(minute[rest], pair_codes, routes, status_of[rest], term_codes[rest],
                                        term_names)
    return Kept(mask, left_out)


def _dictionary(values: pa.Array) -> tuple[np.ndarray, list]:
    """A code per value and the values by code; a missing value reads the last entry (None)."""
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    names = [*encoded.dictionary.to_pylist(), None]
    codes = pc.fill_null(encoded.indices, len(names) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, names


def keep_rows(table: pa.Table, namespaces: frozenset[str]) -> tuple[pa.Table | None, LeftOutFailures]:
    """The rows of ``table`` (``CHUNK_SCHEMA``) that :func:`kept_mask` keeps, in file order (None if none),
    and the 5xx it left out, counted."""
    kept = kept_mask(table, namespaces)
    if kept.mask.all():
        return table, kept.left_out
    if not kept.mask.any():
        return None, kept.left_out
    return table.filter(pa.array(kept.mask)), kept.left_out


class LeanHint:
    """Whether reading a file's chunks lean first still pays without the compiled scanner (with it, it
    always does): it does not when nearly every line is kept (the inputs hold the routes of the whole
    log, or one application's outage fills it), since the kept lines are parsed in full anyway, nor for a
    small file read in one chunk (:meth:`for_file`).
    Updated from each chunk's kept share; chunks in flight may read it before or after an update:
    both ways give the same rows and figures, only speed differs.
    """

    FULL_FROM = 0.9  # kept share of a chunk's lines from which the next chunks are parsed in full at once
    # a file of fewer bytes, read in one chunk, is parsed in full at once: below about 300 KB the lean pass's
    # own cost (a dozen kernels a chunk) is more than parsing the lines it leaves out (docs/performance.md)
    SMALL_FILE = 256 << 10

    def __init__(self) -> None:
        self.kept_share = 0.0

    @classmethod
    def for_file(cls, size: int | None, chunk: int) -> LeanHint:
        """The hint a file starts with: parsed in full at once when it is smaller than :data:`SMALL_FILE` and
        than one chunk of ``chunk`` bytes (``size``: its bytes, as judged before reading; None: unknown)."""
        hint = cls()
        if size is not None and 0 < size < min(cls.SMALL_FILE, chunk):
            hint.kept_share = 1.0
        return hint

    def lean_first(self) -> bool:
        return self.kept_share < self.FULL_FROM

    def saw(self, kept: int, lines: int) -> None:
        if lines:
            self.kept_share = kept / lines


@dataclass(frozen=True)
class LeanSelection:
    """A chunk read lean: the lines still to parse in full, and every request's figures."""

    # the kept requests' lines and the rejected lines, in file order; where they are most of the chunk, all of
    # its lines (the others, counted, are read no further: taking the rest was a copy of most of the chunk)
    lines: log_lines.ChunkLines
    totals: LogTotals
    requests: int  # requests of the chunk (inside the window), kept or not
    # kept rows the compiled scanner read whole (``_row``: index into ``lines``), and the indices into
    # ``lines`` of the lines still to parse in full; None: every line of ``lines`` is parsed in full
    scanned: pa.Table | None = None
    to_parse: np.ndarray | None = None
    # the kept normal lines the scanner read, counted and folded instead of parsed (``count_normal``), and
    # whether they were: then no kept row the scanner read is a normal line
    normal: EarlyNormal | None = None
    judged: bool = False

    @property
    def normal_taken(self) -> bool:
        """Whether no kept row of the chunk can be a normal line: the scanner read every one, and the normal
        ones were counted here."""
        return self.judged and self.to_parse is not None and not len(self.to_parse)


def lean_selection(lines: log_lines.ChunkLines, namespaces: frozenset[str], scanner: bool,
                   since: pd.Timestamp | None, until: pd.Timestamp | None, *, count_normal: bool = False,
                   router_pod: str | None = None) -> LeanSelection | None:
    """Read ``lines`` lean, count every request, and pick the lines to parse in full.

    With the compiled scanner on, the lines it reads come with every value ``mga analyze`` keeps
    (``parsers.log_layers.scanned_first``): those kept rows are taken as they are, and only the kept
    lines the Arrow path read lean (and the router's default answers, whose request line is kept)
    are parsed in full. ``count_normal``: the kept normal lines the scanner read are counted and folded
    here (:mod:`parsers.lean_normal`; ``router_pod`` names the router of a line without its host), neither
    kept nor parsed. None when the lean pass cannot help (no request in the chunk, or a kernel
    refused it): the caller parses every line in full, as without a selection.
    """
    scans = scanner_on(scanner)
    try:
        if scans:
            lean, rejected, handled, values = scanned_first(lines.text, analysis=True, ends=lines.ends,
                                                            ascii_only=lines.ascii)
        else:
            lean, rejected = _parse_lines(lines.text, None, True, False, lines.ends)
            handled, values = np.zeros(0, np.int64), None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    if lean is None or not lean.num_rows:
        return None
    scanned_rows = lean.num_rows
    lean, out_of_range = without_unrepresentable_times(lean)
    if since is not None or until is not None:
        lean = lean.filter(in_window(lean, since, until))
    names = _backend_columns(one_array(lean.column("backend")))
    counted = pa.table({
        "namespace": names["namespace"],
        "status": pc.cast(lean.column("status"), pa.int64()),
        "actconn": pc.cast(lean.column("actconn"), pa.int64()),
        "ts": pc.cast(lean.column("ts"), TS_MS),
    })
    place = lean.column("_row").to_numpy().astype(np.int64)
    kept = kept_mask(counted.append_column("route", names["route"]).append_column("term", lean.column("term")),
                     namespaces, place)
    totals = LogTotals.of_table(counted)
    totals.left_out = kept.left_out
    whole = kept.mask & np.isin(place, handled, assume_unique=True) if values is not None else None
    if whole is not None:  # the router's default answers are parsed in full for their request line
        kind = pc.cast(names["backend_kind"], pa.string())
        whole &= ~pc.fill_null(pc.equal(kind, DEFAULT_BACKEND), False).to_numpy(zero_copy_only=False)
    keep, early, judged = kept.mask, None, False
    if whole is not None and count_normal and whole.any() and may_be_mostly_normal(lean, whole):
        scanned_at = np.searchsorted(handled, place)  # each lean row's place among the lines the scanner read
        normal = normal_among(lean, names, values, scanned_at, whole)
        # counted here where most of those lines are normal (a busy application); where most are not (an
        # outage), setting the few normal ones apart first cost more than taking them out at the chunk's end
        if 2 * np.count_nonzero(normal) >= np.count_nonzero(whole):
            early = counted_normal(lean, values, scanned_at, normal, lines.numbers, router_pod)
            keep, whole, judged = keep & ~normal, whole & ~normal, True
    parse = sorted_union(sorted_union(place[keep if whole is None else keep & ~whole],
                                      np.asarray(rejected, dtype=np.int64)), out_of_range)
    if whole is None or not whole.any():
        picked = lines if len(parse) == len(lines.text) else _take(lines, parse)
        return LeanSelection(picked, totals, lean.num_rows, normal=early, judged=judged)
    every_row = bool(whole.all())
    scanned = with_analysis_values(lean if every_row else lean.filter(pa.array(whole)), values, handled)
    # the scanner encoded the names of every row it read: when all of them are kept as they were read, each
    # name is some row's (but where a row's value was blanked to null: the router's host of a line without one)
    compact = every_row and lean.num_rows == scanned_rows
    for name in scanned.column_names:
        column = scanned.column(name)
        if pa.types.is_dictionary(column.type) and not (compact and column.null_count == 0):
            scanned = scanned.set_column(scanned.schema.get_field_index(name), name,
                                         used_only(one_array(column)))
    from_scanner = scanned.column("_row").to_numpy()
    rows = sorted_union(parse, from_scanner)
    if 2 * len(rows) >= len(lines.text):  # most lines used: all of them handed on, not a copy of those
        return LeanSelection(lines, totals, lean.num_rows, scanned, parse, early, judged)
    at = scanned.schema.get_field_index("_row")
    scanned = scanned.set_column(at, "_row", pa.array(np.searchsorted(rows, from_scanner)))
    return LeanSelection(_take(lines, rows), totals, lean.num_rows, scanned, np.searchsorted(rows, parse), early,
                         judged)


def sorted_union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d(a, b)`` (sorted, each value once), cheap when ``a`` and ``b`` are each sorted already
    (row positions are): a stable sort of the two runs merges them in one pass, where ``union1d``'s sort
    of a chunk's 350,000 kept rows cost 20 ms a chunk. Correct for any input, only slower unsorted."""
    joined = np.concatenate((np.asarray(a), np.asarray(b)))
    if not len(joined):
        return joined
    joined.sort(kind="stable")
    first = np.empty(len(joined), dtype=bool)
    first[0] = True
    np.not_equal(joined[1:], joined[:-1], out=first[1:])
    return joined[first]


def _take(lines: log_lines.ChunkLines, rows: np.ndarray) -> log_lines.ChunkLines:
    return log_lines.ChunkLines(pc.take(lines.text, pa.array(rows)), lines.numbers[rows], lines.physical, lines.ends,
                                lines.ascii, lines.verbatim)
