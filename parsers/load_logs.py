"""Loader phase for the router access logs inside the inputs (and ``--logs`` files) -> the snapshot's log frames.

The ``requests`` and ``router_events`` frames, the log accounting, and the raw text of the
abnormal lines that may become evidence (a second, capped pass over only the files that hold them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from parsers.kept_text import Reader
from parsers.log_chunks import usable_lines
from parsers.log_jobs import LogJob, parse_log_jobs
from parsers.log_lines import compiled_loaded, numbered_lines
from parsers.log_quotes import log_reader
from parsers.nullable import present_where
from parsers.snapshot import READ_AS_LOG, InputRecord, Progress, Snapshot
from parsers.sources import InputSource, Member
from parsers.term_side import router_side_states


def _load_logs(
    snap: Snapshot,
    jobs: list[LogJob],
    record_of: dict[int, InputRecord],
    frames: dict[str, pd.DataFrame],
    since: datetime | None,
    until: datetime | None,
    report: Progress,
    runner: Any = None,
    namespaces: frozenset[str] | None = None,
    max_log_bytes: int | None = None,
    keep_namespaces: frozenset[str] | None = None,
) -> None:
    """Parse the log ``jobs`` into the snapshot and count each file read or skipped in the record of the input
    it belongs to (``record_of``: by the ``id`` of the opened input, as two inputs can share a label: the same
    path given twice, or as an input and with ``--logs``)."""
    from parsers import haproxy_log

    origins: list[InputSource] = []
    parses, failures = parse_log_jobs(jobs, log_format=_custom_log_format(frames), since=since, until=until,
                                      report=report, runner=runner, namespaces=namespaces,
                                      max_log_bytes=max_log_bytes, keep_namespaces=keep_namespaces,
                                      origins=origins)
    kept = set()
    position = {id(record): i for i, record in enumerate(snap.inputs)}  # a record's index in ``inputs``
    logs = 0  # files that hold a router line: what makes the snapshot one with access logs
    for parse, src in zip(parses, origins, strict=True):
        lines = 0
        record = record_of.get(id(src))
        for account in parse.accounting:
            kept.add((id(src), account["source"]))
            lines += usable_lines(account)
            unusable = account["lines_read"] and not usable_lines(account)
            if unusable:
                of_input(snap.skipped_inputs, len(snap.skipped), position.get(id(record)))
                snap.skipped.append((account["source"], not_an_access_log(account, parse.unparsed_samples)))
            if record is not None:  # a file read whose lines are all unparsed is skipped whole
                record.files_skipped += bool(unusable)
                record.files_read += not unusable
                if unusable:
                    record.not_what_read_as.append((account["source"], READ_AS_LOG))
        logs += lines > 0
    for src, member, reason, offset in failures:
        owner = record_of.get(id(src))
        of_input(snap.skipped_inputs, len(snap.skipped), position.get(id(owner)) if owner is not None else None)
        snap.skipped.append((member.name, reason, offset))
        if id(src) in record_of and (id(src), member.name) not in kept:  # a cut file was read, in part
            record_of[id(src)].files_skipped += 1
    # in time order as a whole, or (analyze) by route, in time order within each
    combined = haproxy_log.combine(parses, by_time=keep_namespaces is None)
    # the first abnormal lines; the text the chunks handed over is not read again
    snap.log_texts = _evidence_lines(jobs, combined.requests, combined.in_time, combined.texts)
    snap.log_chunk_starts = combined.chunk_starts
    snap.log_readers = _readers(jobs, combined.chunk_starts)
    snap.frames["requests"] = combined.requests
    snap.frames["router_events"] = combined.router_events
    snap.log_lines = combined.lines_read
    snap.log_unparsed = combined.unparsed
    snap.unparsed_samples = list(combined.unparsed_samples)
    snap.log_accounting = list(combined.accounting)
    snap.log_totals = combined.totals
    snap.log_groups = combined.groups
    snap.normal_lines = combined.normal
    snap.access_log_files = logs


def of_input(skipped_inputs: dict[int, int], position: int, index: int | None) -> None:
    """Note that the skipped entry at ``position`` belongs to the input at ``index`` (None: not known)."""
    if index is not None:
        skipped_inputs[position] = index


EVIDENCE_LINE_CAP = 20_000
NOT_AN_ACCESS_LOG = "not an access log"  # the reason's start for a file read whose lines are none a router line


def not_an_access_log(account: dict[str, Any], samples: list[dict[str, Any]]) -> str:
    """The skipped reason of a log file that was read to its end without one router line (a YAML file,
    an application's log given with ``--logs``): how many lines, and why its first one was not read."""
    lines = int(account["lines_read"])
    first = next((s for s in samples if s.get("source") == account["source"]), None)
    why = f" (line {first['line']}: {first['reason']}: {str(first['text'])[:80]!r})" if first else ""
    return f"{NOT_AN_ACCESS_LOG}: {lines} line{'' if lines == 1 else 's'} read, none a router request line{why}"


def _readers(jobs: list[LogJob], parsed: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Reader]:
    """How each parsed log can be read again at the offsets of its bytes as parsed (``log_quotes.log_reader``:
    by offset, or decompressed again in one pass), stamped as it is now: a file changed later is not quoted
    from."""
    out: dict[tuple[str, str], Reader] = {}
    for src, member, _pod, _ in jobs:
        key = (src.label, member.name)
        if key in parsed and key not in out:
            reader = log_reader(src, member)
            if reader is not None:
                out[key] = reader
    return out


def abnormal_lines(requests: pd.DataFrame) -> np.ndarray:
    """The request rows evidence quotes: a 5xx or no response (status -1), queued (``srv_queue`` or
    ``backend_queue`` above 0), or a router-side termination state (``parsers.kept_line_texts.abnormal_rows``
    answers the same of a chunk's Arrow rows)."""
    out = present_where(requests["status"], lambda values: (values >= 500) | (values == -1))
    out |= router_side_states(requests["term"])
    for name in ("srv_queue", "backend_queue"):
        out |= present_where(requests[name], lambda values: values > 0)
    return out


def _evidence_lines(
    jobs: list[tuple[InputSource, Member, str | None, str | None]], requests: pd.DataFrame,
    in_time: np.ndarray | None = None, known: dict[tuple[str, str, int], str] | None = None,
) -> dict[tuple[str, str, int], str]:
    """Keep the raw text of abnormal log lines (5xx, no response, non-normal termination) for evidence.

    The parser keeps fields, not text; a second pass over only the files that hold abnormal lines
    picks their text, capped so a log of millions of errors stays bounded: the first abnormal lines
    in the frame's order, or in ``in_time`` (the rows' positions in reading order: time order of several
    files, line order of one; ``LogParse.in_time``, of every row or of the abnormal ones) when given. ``known``:
    lines whose text the parse handed over (``parsers.kept_line_texts``); only the others are read again.
    """
    from parsers import haproxy_log

    if requests.empty:
        return {}
    abnormal = abnormal_lines(requests)
    located = ("input", "source", "line")
    for name in located:
        abnormal &= requests[name].notna().to_numpy()
    rows = (np.flatnonzero(abnormal) if in_time is None else in_time[abnormal[in_time]])[:EVIDENCE_LINE_CAP]
    wanted: dict[tuple[str, str], set[int]] = {}
    out: dict[tuple[str, str, int], str] = {}
    known = known or {}
    for inp, source, line in zip(*(requests[name].take(rows).tolist() for name in located), strict=True):
        key = (str(inp), str(source), int(line))
        if key in known:
            out[key] = known[key]
        else:
            wanted.setdefault(key[:2], set()).add(key[2])
    for src, member, _pod, _ in jobs:
        lines = wanted.get((src.label, member.name))
        if not lines:
            continue
        try:
            with haproxy_log.open_log_member(src, member) as stream:
                for number, raw in numbered_lines(stream, np.array(sorted(lines), dtype=np.int64),
                                                  compiled=compiled_loaded()):
                    out[(src.label, member.name, number)] = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        except (OSError, EOFError, ValueError):
            continue
    return out


def _custom_log_format(frames: dict[str, pd.DataFrame]) -> str | None:
    """The httpLogFormat of the IngressController, when exactly one format is configured."""
    ics = frames.get("ingresscontrollers")
    if ics is None or ics.empty:
        return None
    formats = {f for f in ics["http_log_format"].dropna().tolist() if f}
    return formats.pop() if len(formats) == 1 else None
