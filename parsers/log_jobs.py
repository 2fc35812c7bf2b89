"""The log-job plumbing: which access-log members to parse, and running one parse per member.

A log job is one access-log member of an opened input (with the router pod its path names).
:func:`parse_log_jobs` gives one :class:`~parsers.haproxy_log.LogParse` per job for the snapshot;
``mga logs`` uses :func:`load_access_logs` (frames) or :func:`scan_access_logs` (chunk by chunk,
never a frame of the whole file). ``runner`` parses a file's chunks on this machine's threads or
on a Dask cluster; the results are assembled here either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from parsers.collector_pause import objects_frozen
from parsers.inputs import usable_input
from parsers.layout import Index, access_log_members, index_input
from parsers.log_duplicates import distinct_jobs
from parsers.log_overlaps import overlapping_logs
from parsers.log_stream import LogStreamCut
from parsers.nested import HOLDS, open_nested
from parsers.snapshot import Progress, _noop
from parsers.sources import InputError, InputSource, Member, MemberTooLarge

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
    max_log_bytes: int | None = None,
    keep_namespaces: frozenset[str] | None = None,
    origins: list[InputSource] | None = None,
) -> tuple[list[Any], list[tuple[InputSource, Member, str, int | None]]]:
    """Parse every access-log member; returns the parses and the (source, member, reason, offset) of
    the files that could not be read to their end (a file cut part-way keeps its parsed lines).

    ``origins``, when given, gets the opened input of each parse, in the order of the parses: two inputs
    can have one label (the same path given twice, an archive given next to the directory holding it),
    so a parse's ``input`` name alone does not tell whose file it was.

    ``max_log_bytes`` caps the decompressed bytes read per log (None: no cap, see ``parsers.log_stream``).
    ``keep_namespaces``: full rows only for requests of these namespaces or of none (and of the other
    namespaces' 5xx, the busiest of each minute), every request counted in the parse's ``totals``
    (``parsers.log_keep.kept_mask``); None keeps every row.

    ``runner`` parses one file's chunks (``haproxy_log.ChunkRunner``): this machine's threads by
    default, or a Dask cluster; the frames are assembled here either way.
    """
    from parsers import haproxy_log

    jobs, copies = distinct_jobs(jobs)
    jobs, read_to, overlaps = overlapping_logs(jobs, copies)
    run = runner or haproxy_log.local_chunks
    # the lean first pass of kept rows reads with the compiled scanner once the logs are worth its start
    scanner = keep_namespaces is not None and worth_the_scanner(judged_size(m, src) for src, m, _, _ in jobs)
    # analyze reads its rows by route: every file's chunk tables are written in that order at once, by
    # ``haproxy_log.combine`` (``collect``'s ``defer``)
    defer = keep_namespaces is not None
    parses, failures = [], list(overlaps)  # the copies skipped first, then the overlaps
    with _log_pass(scanner):
        for i, (src, member, router_pod, _) in enumerate(jobs):
            report("access logs", i, len(jobs))
            job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                       log_format=log_format, since=since, until=until, namespaces=namespaces,
                                       max_log_bytes=max_log_bytes, keep_namespaces=keep_namespaces,
                                       scanner=scanner, read_to=read_to[i], size=judged_size(member, src))
            stopped: list[tuple[str, int | None]] = []
            parse = haproxy_log.collect(job, _until_stopped(run(src, member, job, None), stopped), defer=defer)
            if stopped:
                reason, offset = stopped[0]
                failures.append((src, member, reason, offset))
            if parse.lines_read or not stopped:  # what was read before the damage is analyzed
                parses.append(parse)
                if origins is not None:
                    origins.append(src)
    report("access logs", len(jobs), len(jobs))
    return parses, failures


@contextmanager
def _log_pass(scanner: bool) -> Iterator[None]:
    """A log pass with the objects alive before it frozen (:mod:`parsers.collector_pause`); the compiled
    scanner (Numba), when the pass uses it, imported first: its objects live as long as the process too."""
    if scanner:
        from parsers.log_layers import scanner_on

        scanner_on(True)
    with objects_frozen():
        yield


def _until_stopped(results: Iterable[Any], stopped: list[tuple[str, int | None]]) -> Iterator[Any]:
    """The chunks of one file until reading stops; why it stopped (and at which byte) goes to ``stopped``.

    No exception class decides the fate of a whole file: the chunks before it are kept.
    """
    try:
        yield from results
    except LogStreamCut as cut:
        stopped.append((f"access log cut: {cut.reason}", cut.offset))
    except (OSError, EOFError, ValueError, MemberTooLarge) as exc:
        stopped.append((f"access log unreadable: {' '.join(str(exc).split())[:200]}", None))


def _log_jobs(paths: Sequence[str], labels: Mapping[str, str] | None = None,
              ) -> tuple[list[LogJob], list[InputSource], list[tuple[str, str]]]:
    """The access-log members of the inputs given to ``mga logs``, in the order given, and the (path, reason)
    of the inputs among several that hold nothing readable (``parsers.inputs.usable_input``), then of the
    archives inside an input that cannot be read in place.

    An archive inside an input (a case portal's zip holding ``must-gather.tar.gz``) is opened as
    ``mga analyze`` opens it (:func:`parsers.nested.open_nested`) and its router logs are read: read as one
    log instead, the tar's bytes gave the log lines and every line of its other files as unparsed ones.
    ``labels``: the name to show for a path instead of itself (standard input spooled to a temporary file).
    """
    jobs: list[LogJob] = []
    sources: list[InputSource] = []
    unusable: list[tuple[str, str]] = []
    try:
        for path in paths:
            src = usable_input(path, len(paths), unusable, as_log=True, label=(labels or {}).get(path))
            if src is None:
                continue
            sources.append(src)
            idx = index_input(src)
            inner, held = open_nested(src, idx, src.budget, None)
            sources.extend(source for source, _ in inner)
            for source, source_idx in [(src, idx), *inner]:
                jobs.extend(_input_jobs(source, source_idx, held if source is src else set(), unusable))
        if unusable and not sources:  # none usable: the first one's reason, as for one input
            raise InputError(unusable[0][1])
    except BaseException:
        for src in sources:
            src.close()
        raise
    return jobs, sources, unusable


def _input_jobs(src: InputSource, idx: Index, held: set[str], skipped: list[tuple[str, str]]) -> list[LogJob]:
    """The log jobs of one opened input: its router logs by path, or, in an input with no must-gather root
    that holds no archive read in place (``held``: the members opened as inputs of their own), every member
    but the archives inside it (a log file whose name says nothing). The archives it holds that cannot be
    read in place (:data:`parsers.nested.HOLDS`) go to ``skipped``, as in ``mga analyze``'s report."""
    archives = {item.source for item in src.skipped if item.reason.startswith(HOLDS)}
    skipped.extend((item.source, item.reason) for item in src.skipped if item.reason.startswith(HOLDS))
    found = access_log_members(src, idx)
    if not found and not idx.roots and not held:
        found = [(m, None) for m in src.members if m.name not in archives]
    return [(src, m, pod, None) for m, pod in found]


def load_access_logs(
    paths: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    log_format: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
    max_log_bytes: int | None = None,
) -> tuple[Any, list[tuple[str, str]]]:
    """Access logs alone, as frames: plain/gzipped log files, or the router logs inside inputs."""
    from parsers import haproxy_log

    jobs, sources, unusable = _log_jobs(paths)
    try:
        parses, failures = parse_log_jobs(jobs, log_format=log_format, since=since, until=until,
                                          report=progress or _noop, runner=runner, max_log_bytes=max_log_bytes)
    finally:
        for src in sources:
            src.close()
    skipped = [*unusable, *((member.name, _with_offset(reason, offset)) for _, member, reason, offset in failures)]
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
    max_log_bytes: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[Any], list[tuple[str, str]]]:
    """Stream the access logs chunk by chunk, never building a frame of the whole file.

    ``after`` runs on the parsing threads for each chunk (see ``haproxy_log.iter_chunks``), and
    ``consume`` on this thread, in file order, with each parsed chunk; the chunk is dropped after.
    ``stats_only`` leaves out the columns derived from backend/server names (see ``ChunkJob``).
    Returns the per-file tallies and the (member, reason) of files that could not be read. A file
    that fails half-way keeps what its earlier chunks gave (they were consumed) and is listed too.
    ``labels``: the names shown for paths instead of themselves (see :func:`_log_jobs`).
    """
    from parsers import haproxy_log

    report = progress or _noop
    run = runner or haproxy_log.local_chunks
    jobs, sources, unusable = _log_jobs(paths, labels)
    tallies: list[Any] = []
    skipped: list[tuple[str, str]] = list(unusable)
    try:
        jobs, copies = distinct_jobs(jobs)
        jobs, read_to, overlaps = overlapping_logs(jobs, copies)
        skipped.extend((member.name, reason) for _, member, reason, _ in overlaps)  # the reason names the byte
        scanner = stats_only and worth_the_scanner(judged_size(m, src) for src, m, _, _ in jobs)
        with _log_pass(scanner):
            for i, (src, member, router_pod, _) in enumerate(jobs):
                report("access logs", i, len(jobs))
                job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                           log_format=log_format, since=since, until=until, stats_only=stats_only,
                                           max_log_bytes=max_log_bytes, scanner=scanner, read_to=read_to[i])
                tally = haproxy_log.FileTally(job)
                try:
                    for result in run(src, member, job, after):
                        tally.add(result)
                        consume(result)
                except LogStreamCut as cut:
                    skipped.append((member.name, _with_offset(f"access log cut: {cut.reason}", cut.offset)))
                    if not tally.lines_read:
                        continue
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


SCANNER_FLOOR = 128 << 20  # log bytes from which the compiled scanner saves more than loading it costs
COMPRESSED_RATIO = 10  # a router log's usual gzip ratio, to judge a .gz by its stored size


def worth_the_scanner(sizes: Iterable[int]) -> bool:
    """Whether logs of these sizes (:func:`judged_size`) are big enough for the compiled scanner to pay
    for its start.

    Loading Numba and the scanner's cached machine code takes about 0.6 s; the scanner saves about
    5 ms a MB over the Arrow path on two parsing threads (docs/performance.md, "Start-up"), so it
    pays from about 128 MB of log. Both give the same statistics, so this decides speed only.
    """
    total = 0
    for size in sizes:
        total += size
        if total >= SCANNER_FLOOR:
            return True
    return False


def judged_size(member: Member, source: InputSource | None = None) -> int:
    """The log bytes a member is judged to hold: its size, times :data:`COMPRESSED_RATIO` when it is stored
    compressed. A rotated ``.gz`` inside an input is listed with its stored size; a ``.gz`` file the user
    named is listed with no size (its own is known only once read), and its source gives the stored one:
    judged by none, a 278 MB gzipped log of 3M lines was parsed without the scanner, 2 times slower."""
    if source is not None and not member.size and (stored := source.compressed_size(member)):
        return stored * COMPRESSED_RATIO
    return member.size * (COMPRESSED_RATIO if member.name.endswith((".gz", ".xz")) else 1)


def _with_offset(reason: str, offset: int | None) -> str:
    """``mga logs`` lists (source, reason) pairs: the byte where reading stopped goes into the reason."""
    return reason if offset is None else f"{reason} (reading stopped at byte {offset})"
