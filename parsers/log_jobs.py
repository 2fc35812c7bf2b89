"""The log-job plumbing: which access-log members to parse, and running one parse per member.

A log job is one access-log member of an opened input (with the router pod its path names).
:func:`parse_log_jobs` gives one :class:`~parsers.haproxy_log.LogParse` per job for the snapshot;
``mga logs`` uses :func:`load_access_logs` (frames) or :func:`scan_access_logs` (chunk by chunk,
never a frame of the whole file). ``runner`` parses a file's chunks on this machine's threads or
on a Dask cluster; the results are assembled here either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from parsers.layout import access_log_members, index_input
from parsers.snapshot import Progress, _noop
from parsers.sources import InputSource, Member, MemberTooLarge, open_input

LogJob = tuple[InputSource, Member, str | None, str | None]


def parse_log_jobs(
    jobs: list[LogJob],
    *,
    log_format: str | None,
    since: datetime | None,
    until: datetime | None,
    report: Progress = _noop,
    runner: Any = None,
    namespaces: frozenset[str] | None = None,
) -> tuple[list[Any], list[tuple[InputSource, Member, str]]]:
    """Parse every access-log member; returns the parses and the (source, member, reason) that failed.

    ``runner`` parses one file's chunks (``haproxy_log.ChunkRunner``): this machine's threads by
    default, or a Dask cluster; the frames are assembled here either way.
    """
    from parsers import haproxy_log

    run = runner or haproxy_log.local_chunks
    parses, failures = [], []
    for i, (src, member, router_pod, _) in enumerate(jobs):
        report("access logs", i, len(jobs))
        job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                   log_format=log_format, since=since, until=until, namespaces=namespaces)
        try:
            parses.append(haproxy_log.collect(job, run(src, member, job, None)))
        except (OSError, EOFError, ValueError, MemberTooLarge) as exc:
            failures.append((src, member, f"access log unreadable: {' '.join(str(exc).split())[:200]}"))
    report("access logs", len(jobs), len(jobs))
    return parses, failures


def _log_jobs(paths: Sequence[str]) -> tuple[list[LogJob], list[InputSource]]:
    """The access-log members of the inputs given to ``mga logs``, in the order given."""
    jobs: list[LogJob] = []
    sources = []
    try:
        for path in paths:
            src = open_input(path, as_log=True)
            sources.append(src)
            idx = index_input(src)
            found = access_log_members(src, idx)
            if not found and not idx.roots:
                found = [(m, None) for m in src.members]  # a log file whose name says nothing
            jobs.extend((src, m, pod, None) for m, pod in found)
    except BaseException:
        for src in sources:
            src.close()
        raise
    return jobs, sources


def load_access_logs(
    paths: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    log_format: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
) -> tuple[Any, list[tuple[str, str]]]:
    """Access logs alone, as frames: plain/gzipped log files, or the router logs inside inputs."""
    from parsers import haproxy_log

    jobs, sources = _log_jobs(paths)
    try:
        parses, failures = parse_log_jobs(jobs, log_format=log_format, since=since, until=until,
                                          report=progress or _noop, runner=runner)
    finally:
        for src in sources:
            src.close()
    skipped = [(member.name, reason) for _, member, reason in failures]
    return haproxy_log.combine(parses), skipped


def scan_access_logs(
    paths: Sequence[str],
    consume: Callable[[Any], None],
    *,
    after: Callable[[Any], Any] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    log_format: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
    stats_only: bool = False,
) -> tuple[list[Any], list[tuple[str, str]]]:
    """Stream the access logs chunk by chunk, never building a frame of the whole file.

    ``after`` runs on the parsing threads for each chunk (see ``haproxy_log.iter_chunks``), and
    ``consume`` on this thread, in file order, with each parsed chunk; the chunk is dropped after.
    ``stats_only`` leaves out the columns derived from backend/server names (see ``ChunkJob``).
    Returns the per-file tallies and the (member, reason) of files that could not be read. A file
    that fails half-way keeps what its earlier chunks gave (they were consumed) and is listed too.
    """
    from parsers import haproxy_log

    report = progress or _noop
    run = runner or haproxy_log.local_chunks
    jobs, sources = _log_jobs(paths)
    tallies, skipped = [], []
    try:
        for i, (src, member, router_pod, _) in enumerate(jobs):
            report("access logs", i, len(jobs))
            job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                       log_format=log_format, since=since, until=until, stats_only=stats_only)
            tally = haproxy_log.FileTally(job)
            try:
                for result in run(src, member, job, after):
                    tally.add(result)
                    consume(result)
            except (OSError, EOFError, ValueError, MemberTooLarge) as exc:
                skipped.append((member.name, f"access log unreadable: {' '.join(str(exc).split())[:200]}"))
                if not tally.lines_read:
                    continue
            tallies.append(tally)
        report("access logs", len(jobs), len(jobs))
    finally:
        for src in sources:
            src.close()
    return tallies, skipped
