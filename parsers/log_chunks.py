"""One log file read in newline-aligned chunks, parsed on both cores, in file order.

A :class:`ChunkJob` is everything a chunk needs besides its bytes (small, so it travels to a Dask
worker for free); :func:`parse_chunk` turns one chunk into a :class:`ChunkResult` (request rows,
router messages, unparsed lines with samples); :func:`iter_chunks` runs them two at a time, memory
bounded by a few chunks whatever the file size, and :class:`FileTally` keeps the per-file
accounting while they stream past.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines, normal_lines
from parsers.arrow_arrays import one_array
from parsers.kept_line_texts import TextShare, kept_line_texts
from parsers.log_frames import (
    CHUNK_SCHEMA,
    DICT,
    INTEGER,
    UNANALYZED,
    analysis_columns,
    narrow_dictionaries,
    narrow_integers,
)
from parsers.log_groups import ChunkGroups, chunk_groups
from parsers.log_keep import LeanHint, keep_rows, lean_selection
from parsers.log_layers import _parse_lines, _parse_lines_one_by_one, encoded_like, scanner_on
from parsers.log_rejected import MAX_SAMPLES, compiled_format, sort_rejected
from parsers.log_stream import open_log_stream, raise_if_cut
from parsers.log_totals import LogTotals
from parsers.log_window import in_window, without_unrepresentable_times
from parsers.long_lines import LongLine
from parsers.normal_lines import NormalLines
from parsers.router_names import ROUTE_BACKEND_KINDS, _backend_columns, _server_columns
from parsers.sources import InputSource, Member

WORKERS = min(2, os.cpu_count() or 1)
NARROWED_HERE = tuple(name for name in INTEGER if name != "line")
IN_FLIGHT = 3  # chunks being parsed or waiting at once: memory stays a few chunks, whatever the file size


@contextmanager
def open_log_member(source: InputSource, member: Member, max_log_bytes: int | None = None,
                    read_to: int | None = None) -> Iterator[IO[bytes]]:
    """A member's bytes as a stream, gunzipped when the member is compressed (rotated ``.gz`` files).

    Guarded as ``parsers.log_stream`` says: a cut or damaged stream ends early, and leaving the
    block raises its :class:`LogStreamCut` (an ``OSError``) once the caller has read what was there.
    """
    with open_log_stream(source, member, max_log_bytes, read_to) as (stream, readers):
        yield stream
    raise_if_cut(readers)


def open_job(
    *,
    source: str,
    input: str,
    router_pod: str | None = None,
    log_format: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    stats_only: bool = False,
    namespaces: frozenset[str] | None = None,
    max_log_bytes: int | None = None,
    scanner: bool = True,
    keep_namespaces: frozenset[str] | None = None,
    read_to: int | None = None,
    size: int | None = None,
) -> ChunkJob:
    """The parameters every chunk of one file is parsed with (``size``: the file's bytes as judged before
    reading it, for :meth:`LeanHint.for_file`; None: unknown).

    An IngressController format we cannot read is dropped here: its lines end up unparsed, with why.
    """
    if log_format:
        try:
            compiled_format(log_format)
        except ValueError:
            log_format = None
    return ChunkJob(log_format, router_pod, _utc(since), _utc(until), source, input, stats_only,
                    frozenset(namespaces) if namespaces else None, max_log_bytes, scanner,
                    None if keep_namespaces is None else frozenset(keep_namespaces),
                    count_normal=keep_namespaces is not None and normal_lines.counted(), read_to=read_to,
                    lean=LeanHint.for_file(size, log_lines.chunk_bytes(stats_only)))


@dataclass
class FileTally:
    """Per-file accounting kept while chunks stream past (the ``files`` rows of the report)."""

    job: ChunkJob
    lines_read: int = 0
    requests: int = 0
    router_messages: int = 0
    unparsed: int = 0
    other_namespaces: int = 0
    continued: int = 0  # physical lines that were CRI partial pieces of a line before them
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: ChunkResult) -> None:
        self.lines_read += result.physical
        self.requests += result.requests
        self.router_messages += len(result.events)
        self.unparsed += result.unparsed
        self.other_namespaces += result.other_namespaces
        self.continued += result.continued
        self.samples.extend(result.samples[: max(0, MAX_SAMPLES - len(self.samples))])

    def accounting(self) -> dict[str, Any]:
        return {
            "input": self.job.input,
            "source": self.job.source,
            "lines_read": self.lines_read,
            "requests": self.requests,
            "router_messages": self.router_messages,
            "unparsed": self.unparsed,
            "outside_window": max(0, self.lines_read - self.requests - self.router_messages - self.unparsed
                                  - self.other_namespaces - self.continued),
            **({"other_namespaces": self.other_namespaces} if self.job.namespaces else {}),
            # the pieces a container runtime split a long line into (``stdout P``), joined to it: where they are
            **({"continued": self.continued} if self.continued else {}),
        }


def usable_lines(account: dict[str, Any]) -> int:
    """The router lines of one file's accounting (:meth:`FileTally.accounting`): requests and router
    messages, those left out by ``--since``/``--until`` or the namespaces asked for included. A file
    of lines with none of these is not an access log (every line unparsed)."""
    return sum(int(account.get(key) or 0)
               for key in ("requests", "router_messages", "outside_window", "other_namespaces"))


def iter_chunks(
    stream: IO[bytes], job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """Parsed chunks of one stream, in file order, line numbers counted from the file's start.

    ``after`` runs on the parsing thread right after each chunk (its return value lands in
    ``ChunkResult.extra``): per-chunk aggregation then uses both cores too, and a caller that only
    needs statistics can drop the chunk table at once, so memory follows the chunk, not the file.
    """
    return _parsed_chunks(stream, job, after)


def local_chunks(
    src: InputSource, member: Member, job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """The default :data:`ChunkRunner`: read the member here, parse its chunks on this machine's cores."""
    with open_log_member(src, member, job.max_log_bytes, job.read_to) as stream:
        yield from iter_chunks(stream, job, after)


@dataclass(frozen=True)
class ChunkJob:
    """Everything a chunk needs besides its bytes (small, so it travels to a worker for free)."""

    log_format: str | None
    router_pod: str | None
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    source: str
    input: str
    # statistics only (``mga logs``): the columns derived from backend and server names (kind,
    # namespace, route, pod, service, port, IP) stay empty; the per-name splitting is a fifth of a chunk
    stats_only: bool = False
    # ``--namespace``: lines about other namespaces' backends are dropped before parsing (see
    # :func:`_about_namespaces`); they count as outside the window/namespaces in the accounting
    namespaces: frozenset[str] | None = None
    # a cap on the decompressed bytes read from this log (None: streamed whole, guarded by ratio)
    max_log_bytes: int | None = None
    # the compiled scanner for statistics-only parses (``parsers.log_scan``); off for small logs,
    # where loading Numba and its cached code (about 0.6 s) costs more than the scanner saves
    scanner: bool = True
    # ``mga analyze``: full rows are kept only for requests of these namespaces and of no namespace
    # (of the others' 5xx, the busiest of each minute); every request still counts in ``totals``
    # (see :mod:`parsers.log_keep`). None: all.
    keep_namespaces: frozenset[str] | None = None
    # whether this file's chunks are still read lean first (:class:`parsers.log_keep.LeanHint`)
    lean: LeanHint = field(default_factory=LeanHint, compare=False, repr=False)
    # how many more kept lines' texts this file's chunks may hand over (:class:`parsers.kept_line_texts.TextShare`)
    texts: TextShare = field(default_factory=TextShare, compare=False, repr=False)
    # ``mga analyze``: the kept rows' normal lines leave the chunk as counts and accept times
    # (:mod:`parsers.normal_lines`), once its minute groups are folded
    count_normal: bool = False
    # the byte this log is read to: its bytes after it begin another input's log, read there
    # (:mod:`parsers.log_overlaps`); None: to its end
    read_to: int | None = None


@dataclass
class ChunkResult:
    table: pa.Table | None  # CHUNK_SCHEMA rows (statistics only); else the frame's columns, integers narrowed
    events: list[dict[str, Any]]
    unparsed: int
    samples: list[dict[str, Any]]
    physical: int
    extra: Any = None  # what the caller's per-chunk hook returned (see :func:`iter_chunks`)
    requests: int = 0  # rows of ``table`` (kept when a statistics-only caller drops the table)
    other_namespaces: int = 0  # lines dropped unparsed: about backends outside ``ChunkJob.namespaces``
    totals: LogTotals | None = None  # every parsed request's whole-log figures (None for statistics only)
    # ``table``'s rows folded per minute and key (``parsers.log_groups.chunk_groups``; None for statistics
    # only, or without a dated row)
    groups: ChunkGroups | None = None
    # the text of kept rows' lines by line number, where the evidence wants it (``parsers.kept_line_texts``)
    texts: dict[int, str] | None = None
    size: int = 0  # the chunk's bytes (where its file's later chunks start: ``parsers.log_quotes``)
    ends_line: bool = True  # whether its last byte is a newline (the next chunk then starts a line)
    # the normal lines taken out of ``table`` (``ChunkJob.count_normal``), counted; None: none taken out
    normal: NormalLines | None = None
    continued: int = 0  # CRI partial lines (``P``) joined to the line they continue: physical, not lines
    # the minute groups of the normal lines the lean read took out (``parsers.lean_normal``); None: none
    normal_groups: ChunkGroups | None = None

    def shifted(self, lines_before: int) -> ChunkResult:
        """The same result for a chunk that starts after ``lines_before`` lines of its file."""
        if not lines_before:
            return self
        table = self.table
        if table is not None:
            index = table.schema.get_field_index("line")
            table = table.set_column(index, "line", pc.add(table.column("line"), lines_before))
        return ChunkResult(
            table,
            [{**e, "line": e["line"] + lines_before} for e in self.events],
            self.unparsed,
            [{**s, "line": s["line"] + lines_before} for s in self.samples],
            self.physical,
            self.extra,
            self.requests,
            self.other_namespaces,
            self.totals,
            None if self.groups is None else self.groups.shifted(lines_before),
            None if self.texts is None else {line + lines_before: text for line, text in self.texts.items()},
            self.size,
            self.ends_line,
            self.normal,  # counts and times: no line numbers
            self.continued,
            None if self.normal_groups is None else self.normal_groups.shifted(lines_before),
        )


# How a file's chunks get parsed: :func:`local_chunks` here, or a Dask cluster (``mga.dask_engine``).
# Yields the file's chunk results in file order, line numbers counted from the file's start.
ChunkHook = Callable[[ChunkResult], Any]

ChunkRunner = Callable[[InputSource, Member, ChunkJob, ChunkHook | None], Iterator[ChunkResult]]


def _parsed_chunks(
    stream: IO[bytes], job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """Chunks parsed in file order, two at a time on two cores.

    Arrow's kernels release the GIL, so two threads keep both cores busy without copying chunks
    or results between processes; at most ``IN_FLIGHT`` chunks are held at once. A chunk numbers
    its lines from 1; they are shifted here, once the lines of the chunks before it are known.
    """
    from collections import deque

    chunks = log_lines.chunks(stream, log_lines.chunk_bytes(job.stats_only))
    lines_before = 0
    if WORKERS < 2:
        for chunk in chunks:
            result = parse_chunk(chunk, job, after)
            yield result.shifted(lines_before)
            lines_before += result.physical
        return
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="mga-log") as pool:
        for chunk in chunks:
            pending.append(pool.submit(parse_chunk, chunk, job, after))
            while len(pending) >= IN_FLIGHT:
                result = pending.popleft().result()
                yield result.shifted(lines_before)
                lines_before += result.physical
        while pending:
            result = pending.popleft().result()
            yield result.shifted(lines_before)
            lines_before += result.physical


def parse_chunk(
    chunk: bytes | bytearray | LongLine, job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> ChunkResult:
    """Parse one newline-aligned chunk, its lines numbered from 1 (``after``: see :func:`iter_chunks`)."""
    if isinstance(chunk, LongLine):  # one line no router writes: unparsed, its head shown (parsers.long_lines)
        result = ChunkResult(None, [], 1, [chunk.sample(job.input, job.source)], 1, size=chunk.size,
                             ends_line=chunk.ends_line)
        if after is not None:
            result.extra = after(result)
        return result
    scanner = scanner_on(job.scanner)
    custom = compiled_format(job.log_format) if job.log_format else None
    # read by the scanner for statistics or for ``mga analyze``'s lean pass: lines keep their terminators
    # until taken for anything else (trimming every line was a copy of the chunk, 8 % of an outage's parse)
    lines = log_lines.chunk_lines(chunk, 1, scanner, keep_ends=scanner and custom is None and (
        job.stats_only or job.keep_namespaces is not None))
    continued = lines.physical - len(lines.text)  # CRI partial pieces joined: no line of their own
    dropped = 0
    if job.namespaces:
        before = len(lines.text)
        lines = _about_namespaces(lines, job.namespaces)
        dropped = before - len(lines.text)
    selection = None
    # the scanner gives kept rows whole: reading lean first always pays then (LeanHint: without it)
    if job.keep_namespaces is not None and not job.stats_only and custom is None and (
            scanner or job.lean.lean_first()):
        selection = lean_selection(lines, job.keep_namespaces, job.scanner, job.since, job.until,
                                   count_normal=job.count_normal, router_pod=job.router_pod)
        if selection is not None:
            job.lean.saw(len(selection.lines.text), len(lines.text))
            lines = selection.lines  # the kept requests and the rejected lines, parsed in full below
    to_parse = None if selection is None else selection.to_parse
    text = lines.text if to_parse is None else pc.take(lines.text, pa.array(to_parse))
    try:
        table, rejected = _parse_lines(text, custom, job.stats_only, scanner, lines.ends, lines.ascii)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        # a shape no validation foresaw made a kernel refuse the chunk: keep it, line by line
        table, rejected = _parse_lines_one_by_one(log_lines.trimmed(text, lines.ends))
    if to_parse is not None:  # back to positions in ``lines``, next to the rows the scanner read whole
        rejected = to_parse[np.asarray(rejected, dtype=np.int64)]
        if table is not None:
            at = table.schema.get_field_index("_row")
            table = table.set_column(at, "_row", pa.array(to_parse[table.column("_row").to_numpy()]))
            table = pa.concat_tables([selection.scanned, encoded_like(table, selection.scanned)])
        else:
            table = selection.scanned
    out = None
    out_of_range: frozenset[int] = frozenset()
    if table is not None and table.num_rows:
        table, dropped_rows = without_unrepresentable_times(table)
        if len(dropped_rows):
            out_of_range = frozenset(dropped_rows.tolist())
            rejected = np.union1d(np.asarray(rejected, dtype=np.int64), dropped_rows)
        if table.num_rows:
            out = _finish(table, lines.numbers, job)
    events, samples, unparsed = sort_rejected(lines, rejected, job.log_format, job.input, job.source, job.router_pod,
                                              out_of_range)
    requests = out.num_rows if out is not None else 0
    totals = None
    if selection is not None:  # counted lean, before the lines left out were dropped
        requests, totals = selection.requests, selection.totals
    elif out is not None and not job.stats_only:
        totals = LogTotals.of_table(out)
    if out is not None and job.keep_namespaces is not None and not job.stats_only and selection is None:
        parsed = out.num_rows
        out, left_out = keep_rows(out, job.keep_namespaces)  # (a selection parsed only the rows it kept)
        job.lean.saw(out.num_rows if out is not None else 0, parsed)
        if totals is not None:
            totals.left_out = left_out
    texts = None
    if out is not None and job.keep_namespaces is not None and not job.stats_only:
        texts = kept_line_texts(out, lines, job.texts)
    if out is not None and out.num_rows and not job.stats_only:
        # the frame's columns and types, here on the parsing thread (and on a Dask worker), not on the
        # thread that joins the chunks: a quarter of a second at 3M kept rows done one chunk after another
        # (``line`` once its chunk's place in the file is known: :func:`parsers.haproxy_log.collect`)
        out = narrow_dictionaries(
            narrow_integers(out if job.keep_namespaces is None else analysis_columns(out), NARROWED_HERE))
    groups = chunk_groups(out) if out is not None and out.num_rows and not job.stats_only else None
    normal = None
    # folded above with every kept row; the normal ones go (none left where the lean read took those it read)
    if groups is not None and job.count_normal and not (selection is not None and selection.normal_taken):
        out, normal = _without_normal_lines(out)
    early = selection.normal if selection is not None else None  # the ones the lean read took out
    if early is not None:
        normal = early.lines if normal is None else NormalLines.merged([early.lines, normal])
    result = ChunkResult(out, events, unparsed, samples, lines.physical, None, requests, dropped, totals, groups,
                         texts, len(chunk), chunk[-1:] == b"\n", normal, continued,
                         early.groups if early is not None else None)
    if after is not None:
        result.extra = after(result)
    return result


def _without_normal_lines(table: pa.Table) -> tuple[pa.Table | None, NormalLines | None]:
    """``table`` without its normal lines (None if none is left), and those lines counted (None: none)."""
    mask = normal_lines.normal_mask(table)
    if not mask.any():
        return table, None
    counted = NormalLines.of_table(table, mask)
    if mask.all():
        return None, counted
    return table.filter(pa.array(~mask)), counted


def _about_namespaces(lines: log_lines.ChunkLines, namespaces: frozenset[str]) -> log_lines.ChunkLines:
    """Keep the lines that may concern ``namespaces``: a line naming a route backend (``be_http:``,
    ``be_edge_http:``, ``be_secure:``, ``be_tcp:``) is kept only when it names one of them
    (``:<ns>:``); lines without one (``openshift_default``, ``be_sni``, router messages, anything
    unparseable) are all kept. Substring tests per line, far cheaper than parsing a million lines
    for ten routes."""
    route_line = pc.match_substring_regex(lines.text, r" (?:" + "|".join(ROUTE_BACKEND_KINDS) + r"):")
    keep = pc.invert(pc.fill_null(route_line, False))
    for ns in sorted(namespaces):
        keep = pc.or_(keep, pc.fill_null(pc.match_substring(lines.text, f":{ns}:"), False))
    mask = keep.to_numpy(zero_copy_only=False)
    if mask.all():
        return lines
    return log_lines.ChunkLines(lines.text.filter(keep), lines.numbers[mask], lines.physical, lines.ends,
                                lines.ascii, lines.verbatim)




def _finish(table: pa.Table, numbers: np.ndarray, job: ChunkJob) -> pa.Table | None:
    """Body + prefix columns of one chunk -> :data:`CHUNK_SCHEMA` (names split, window applied)."""
    if job.since is not None or job.until is not None:
        table = table.filter(in_window(table, job.since, job.until))
        if not table.num_rows:
            return None
    rows = table.column("_row").to_numpy()
    if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # file order, whichever path parsed a line
        table = table.take(pc.sort_indices(table.column("_row")))
    cols: dict[str, Any] = {name: table.column(name) for name in table.column_names}
    cols["line"] = pa.array(numbers[table.column("_row").to_numpy()], pa.int64())
    host = table.column("host")
    cols["router_pod"] = pc.fill_null(host, job.router_pod) if job.router_pod else host
    if not job.stats_only:
        cols.update(_backend_columns(table.column("backend")))
        cols.update(_server_columns(table.column("server")))
    n = table.num_rows
    # analyze's rows lose these (``analysis_columns``): not typed and encoded only to be dropped
    dropped = UNANALYZED if job.keep_namespaces is not None and not job.stats_only else ()
    arrays = []
    for f in CHUNK_SCHEMA:
        value = cols[f.name] if f.name in cols and f.name not in dropped else pa.nulls(n, f.type)
        value = one_array(value)
        if f.type == DICT and not pa.types.is_dictionary(value.type):
            value = pc.dictionary_encode(value)
        arrays.append(value if value.type == f.type else pc.cast(value, f.type))
    return pa.Table.from_arrays(arrays, schema=CHUNK_SCHEMA)


def _utc(moment: datetime | None) -> pd.Timestamp | None:
    if moment is None:
        return None
    ts = pd.Timestamp(moment)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
