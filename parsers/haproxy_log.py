"""OpenShift router (HAProxy) access logs -> the ``requests`` and ``router_events`` frames.

Every line shape of router-facts.md §1: the must-gather sidecar line (kubelet RFC3339Nano, rsyslog
RFC3339 time, the router pod name twice, ``haproxy[pid]:``), rsyslog-only, RFC3164 syslog, CRI
rotated files (``<ts> stdout F|P``), and bare HAProxy lines; default ``option httplog`` and
``option tcplog`` bodies with optional header captures, ``<BADREQ>``, ``<NOSRV>``, ``+N`` retries,
truncated lines, IPv6 clients, both server-name generations; a custom ``httpLogFormat`` through
:mod:`parsers.log_format`. Non-access router messages (server DOWN/UP, no server available,
proxy started/stopped, SSL handshake errors) become ``router_events`` rows, not errors.

This module is the public entry; the work is done by one module per job:
:mod:`parsers.log_chunks` (reading a file in chunks on both cores, per-file accounting),
:mod:`parsers.log_layers` (the three layers a chunk's lines go through, cheapest first),
:mod:`parsers.log_shapes` (the usual line shapes, tokenised once), :mod:`parsers.log_fields`
(the httplog/tcplog fields), :mod:`parsers.log_fallback` (the per-line regex, unparsed reasons),
:mod:`parsers.router_messages` (``router_events``), :mod:`parsers.router_names` (backend and
server names, split once per distinct value) and :mod:`parsers.log_frames` (the ``requests`` frame).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from parsers import kept_line_texts, schema
from parsers.frame_fill import FileChunks
from parsers.log_chunks import (
    MAX_SAMPLES,
    ChunkHook,
    ChunkJob,
    ChunkResult,
    ChunkRunner,
    FileTally,
    iter_chunks,
    local_chunks,
    open_job,
    open_log_member,
    parse_chunk,
)
from parsers.log_frames import _to_frame, empty_requests, frame_of_files, joined_in_order, narrow_integers
from parsers.log_groups import ChunkGroups, merged_groups
from parsers.log_quotes import ChunkStart, chunk_starts
from parsers.log_totals import LogTotals
from parsers.normal_lines import NormalLines
from parsers.router_names import server_pod

__all__ = [
    "MAX_SAMPLES",
    "ChunkHook",
    "ChunkJob",
    "ChunkResult",
    "ChunkRunner",
    "FileTally",
    "LogParse",
    "collect",
    "combine",
    "empty_requests",
    "iter_chunks",
    "local_chunks",
    "open_job",
    "open_log_member",
    "parse_access_log",
    "parse_chunk",
    "server_pod",
]

@dataclass
class LogParse:
    """What one or several log files gave: frames plus the accounting the report shows."""

    requests: pd.DataFrame
    router_events: pd.DataFrame
    lines_read: int = 0
    unparsed: int = 0
    unparsed_samples: list[dict[str, Any]] = field(default_factory=list)
    accounting: list[dict[str, Any]] = field(default_factory=list)
    # every parsed request's whole-log figures, also of the rows ``ChunkJob.keep_namespaces`` left out
    totals: LogTotals = field(default_factory=LogTotals)
    # ``requests`` folded per minute and key: one file's chunk groups (``parsers.log_groups.chunk_groups``,
    # lines counted from the file's start) before :func:`combine`, the joined groups after it; None where
    # the chunks were not folded (``minute_groups`` folds the frame)
    group_parts: list[ChunkGroups] | None = None
    groups: pd.DataFrame | None = None
    # after ``combine(..., by_time=False)``: the rows' positions in reading order (time order of several
    # files, line order of one; the rows are grouped by route), of every row or of the rows the evidence
    # may quote only (``frame_fill.filled_frame``); None when the rows are in that order
    in_time: np.ndarray | None = None
    # the text of kept lines the chunks handed over (``parsers.kept_line_texts``), by (input, source, line)
    texts: dict[tuple[str, str, int], str] = field(default_factory=dict)
    # where each file's chunks start, by (input, source): its lines can be read back by offset
    # (``parsers.log_quotes``)
    chunk_starts: dict[tuple[str, str], tuple[ChunkStart, ...]] = field(default_factory=dict)
    # ``collect(..., defer=True)`` (analyze): the file's chunk tables, not yet made a frame (``requests`` is
    # empty until :func:`combine` writes every file's rows into one frame in route order)
    pending: FileChunks | None = field(default=None, repr=False)
    # the normal lines the chunks counted instead of keeping (``parsers.normal_lines``): a file's chunks' parts
    # before :func:`combine`, every file's joined after it
    normal: NormalLines = field(default_factory=NormalLines, repr=False)

    @property
    def request_rows(self) -> int:
        return len(self.requests) + (self.pending.rows if self.pending is not None else 0)

    @property
    def router_messages(self) -> int:
        return len(self.router_events)


def parse_access_log(
    stream: IO[bytes],
    *,
    source: str,
    input: str,
    router_pod: str | None = None,
    log_format: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> LogParse:
    """Parse one access-log stream into frames (plain bytes; see :func:`open_log_member` for ``.gz``).

    ``router_pod`` names the pod the file belongs to when the lines do not (bare HAProxy lines);
    ``log_format`` is the IngressController's ``httpLogFormat`` when it is customised; ``since`` /
    ``until`` keep requests whose accept time is inside the window (router messages are all kept).
    """
    job = open_job(source=source, input=input, router_pod=router_pod, log_format=log_format, since=since,
                   until=until)
    return collect(job, iter_chunks(stream, job))


def collect(job: ChunkJob, results: Iterable[ChunkResult], *, defer: bool = False) -> LogParse:
    """One file's parsed chunks (in file order, lines shifted) -> frames and accounting.

    Whichever engine parsed the chunks (threads here, Dask workers elsewhere), this is the one place
    that turns them into the ``requests`` frame, so every engine gives the same frame. ``defer``
    (``mga analyze``): the chunk tables are kept (``LogParse.pending``) for :func:`combine`, which writes
    every file's rows straight to their places in route order: a frame of each file, then a second one
    joined and ordered, held the rows twice (and the chunk tables take fewer bytes a row than a frame).
    """
    tally = FileTally(job)
    tables: list[pa.Table] = []
    events: list[dict[str, Any]] = []
    totals = LogTotals()
    parts: list[ChunkGroups] | None = None if job.stats_only else []
    texts: dict[tuple[str, str, int], str] = {}
    sizes: list[tuple[int, int, bool]] = []
    normal_parts: list[NormalLines] = []
    for result in results:
        tally.add(result)
        sizes.append((result.physical, result.size, result.ends_line))
        if result.texts and len(texts) + len(result.texts) <= kept_line_texts.PER_FILE:
            texts.update(((job.input, job.source, line), text) for line, text in result.texts.items())
            job.texts.took(len(result.texts))
        totals.add(result.totals)
        if result.table is not None and result.table.num_rows:
            # in the frame's columns and narrowed by ``parse_chunk``, but for the line numbers, shifted since
            tables.append(narrow_integers(result.table, ("line",)))
        events.extend(result.events)
        if parts is not None:
            parts.extend(g for g in (result.groups, result.normal_groups) if g is not None)
        if result.normal is not None:
            normal_parts.append(result.normal)
    pending = FileChunks(tables, job.input, job.source) if defer else None
    requests = empty_requests() if defer else _to_frame(tables, source=job.source, input=job.input)
    router_events = schema.conform("router_events", events) if events else schema.empty_frame("router_events")
    return LogParse(
        requests=requests,
        router_events=router_events,
        lines_read=tally.lines_read,
        unparsed=tally.unparsed,
        unparsed_samples=tally.samples,
        accounting=[tally.accounting()],
        totals=totals,
        group_parts=parts,
        texts=texts,
        chunk_starts={(job.input, job.source): chunk_starts(sizes)},
        pending=pending,
        normal=NormalLines.merged(normal_parts, consume=True),
    )


def combine(parses: Iterable[LogParse], by_time: bool = True) -> LogParse:
    """Merge the parses of several files (requests sorted by time, categoricals kept categorical); consumes
    the parses' request frames (their columns go as the joined frame is made).

    ``by_time=False`` (analyze): the requests grouped by route, each route's rows in time order (several
    files) or line order (one), and ``in_time`` says their positions in that reading order, for the
    evidence lines. Parses whose chunk tables were kept (``collect(..., defer=True)``) are written into
    one frame in that order (``parsers.log_frames.frame_of_files``); files' frames are joined and ordered
    (``parsers.log_frames.joined_in_order``)."""
    parses = list(parses)
    evs = [p.router_events for p in parses if not p.router_events.empty]
    folded = not any(p.group_parts is None for p in parses if p.request_rows)
    pending = [p.pending for p in parses if p.pending is not None]
    if pending and all(p.requests.empty for p in parses):
        requests, in_time = frame_of_files(pending, by_route=not by_time)
    else:  # files' frames (a parse's kept chunk tables made its frame first, in the parses' order)
        frames = [p.requests if p.pending is None else _to_frame(p.pending.tables, source=p.pending.source,
                                                                 input=p.pending.input) for p in parses]
        requests, in_time = joined_in_order([f for f in frames if not f.empty], by_route=not by_time)
    for p in parses:
        p.pending = None
    groups = _merged_groups(parses, requests) if folded else None
    samples: list[dict[str, Any]] = []
    for p in parses:
        samples.extend(p.unparsed_samples[: max(0, MAX_SAMPLES - len(samples))])
    return LogParse(
        requests=requests,
        router_events=pd.concat(evs, ignore_index=True) if evs else schema.empty_frame("router_events"),
        lines_read=sum(p.lines_read for p in parses),
        unparsed=sum(p.unparsed for p in parses),
        unparsed_samples=samples,
        accounting=[a for p in parses for a in p.accounting],
        totals=LogTotals.merged(p.totals for p in parses),
        groups=groups,
        in_time=in_time,
        texts={key: text for p in parses for key, text in p.texts.items()},
        chunk_starts={key: starts for p in parses for key, starts in p.chunk_starts.items()},
        normal=NormalLines.merged([p.normal for p in parses], consume=True),
    )


def _merged_groups(parses: list[LogParse], requests: pd.DataFrame) -> pd.DataFrame:
    """The files' chunk groups joined (``parsers.log_groups.merged_groups``), files in ``parses`` order as
    their rows were joined (every file with rows folded as it was parsed)."""
    parts = [(i, part) for i, p in enumerate(parses) for part in p.group_parts or ()]
    files = [(p.accounting[0]["input"], p.accounting[0]["source"]) if p.accounting else ("", "") for p in parses]
    return merged_groups(parts, files, requests)
