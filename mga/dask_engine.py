"""``--engine dask`` and ``mga batch``: the same chunk parser and the same analysis, on a Dask cluster.

Nothing here parses or diagnoses: the tasks sent to the workers are the functions the local engine
runs (``parsers.haproxy_log.parse_chunk`` with the same per-chunk hook, ``analyzer.run.analyze``),
and the results are merged by the same code (``haproxy_log.collect``, ``logstats.LogStats``), so the
two engines give the same JSON.

Where the bytes come from:
- a plain, uncompressed log file (given directly or inside a directory input) is cut into byte
  ranges on newline boundaries; each worker reads its own range from the path, so on a real cluster
  the path must be visible to the workers at the same place (shared storage);
- a member of an archive or a gzipped log cannot be read at an offset (nor can a file longer than
  ``--max-log-bytes``, which is cut while streaming): this process streams it, guarded like the local
  engine's stream, and ships each chunk's bytes to a worker, a few chunks in flight at a time.

Results are taken back in file order and line numbers shifted by the lines of the chunks before,
exactly as the local engine does. Requires the ``mga[dask]`` extra (``dask[distributed]``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from parsers import cri_runs, haproxy_log, log_lines, long_lines
from parsers.haproxy_log import ChunkHook, ChunkJob, ChunkResult
from parsers.log_stream import open_log_stream, raise_if_cut
from parsers.long_lines import LongLine
from parsers.sources import InputSource, Member, MemberTooLarge, sniff_compression

CONNECT_TIMEOUT = "15s"  # a scheduler that does not answer by then is reported, not waited for
IN_FLIGHT_PER_WORKER = 2  # shipped chunks per worker thread: memory stays a few chunks on this side


class EngineUnavailable(RuntimeError):
    """Dask is not installed, or the scheduler cannot be reached (the CLI turns it into one line)."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # the extra is optional
        raise EngineUnavailable("--engine dask needs the dask extra: pip install 'mga[dask]'") from exc
    return distributed


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A client of ``scheduler`` (``tcp://host:8786``), or of a LocalCluster of worker processes.

    The local cluster listens on 127.0.0.1 only, speaks TLS with a per-run certificate and keeps its
    scratch space in a temporary directory it removes: triage stays air-gapped and leaves nothing.
    """
    distributed = _distributed()
    import logging

    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise EngineUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    import tempfile

    from distributed.security import Security

    # TLS with a certificate made for this run only: another local user cannot submit work to the
    # scheduler while it runs. The workers' scratch space is a private directory removed afterwards.
    security = Security.temporary()
    import dask

    with tempfile.TemporaryDirectory(prefix="mga-dask-") as scratch, dask.config.set(
        {"temporary-directory": scratch}
    ):
        cluster = distributed.LocalCluster(
            n_workers=workers or max(1, min(os.cpu_count() or 1, 8)),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            protocol="tls://",
            security=security,
            local_directory=scratch,
            dashboard_address="127.0.0.1:0",  # local only, any free port: no clash with a running cluster
            # a task's failure comes back through the client as an exception; what the workers log
            # themselves is their own housekeeping, e.g. at shutdown under load a heartbeat to a scheduler
            # already stopped, logged as an ERROR with a traceback nobody can act on
            silence_logs=logging.CRITICAL,
        )
        try:
            with distributed.Client(cluster, security=security) as client:
                yield client
        finally:
            cluster.close()


# ---------------------------------------------------------------- access logs
def byte_ranges(path: str, size: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """(offset, length) ranges covering the file, each starting at the beginning of a line.

    Boundaries are the first newline at or after every multiple of ``chunk_bytes``, found by small
    reads at those offsets: planning never reads the file through. A boundary after a CRI ``P`` piece
    moves to after the line that ends its run (:func:`parsers.cri_runs.past_open_run`): only a log
    of such pieces has them read.
    """
    starts = [0]
    with open(path, "rb") as fh:
        target = chunk_bytes
        while target < size:
            fh.seek(target)
            pos = target
            while True:
                block = fh.read(1 << 16)
                if not block:
                    pos = size
                    break
                cut = block.find(b"\n")
                if cut >= 0:
                    pos += cut + 1
                    break
                pos += len(block)
            pos = cri_runs.past_open_run(fh, pos, size)  # never between a CRI line's pieces
            if pos >= size:
                break
            if pos > starts[-1]:
                starts.append(pos)
            target = max(target + chunk_bytes, pos)
    ends = [*starts[1:], size]
    return [(a, b - a) for a, b in zip(starts, ends, strict=True) if b > a]


def parse_range(path: str, offset: int, length: int, job: ChunkJob, after: ChunkHook | None, keep: bool,
                chunk_bytes: int = log_lines.CHUNK_BYTES) -> list[ChunkResult]:
    """Worker side: read one byte range of a log file and parse it as a chunk, in file order.

    A range is read in one block, and is one chunk, unless it holds a line longer than any router line
    (``parsers.long_lines``): that line is then a chunk of its own, its rest skipped unheld, between the
    chunks of the lines around it (a range ends on a newline or the file's end: a chunk without a newline
    at its end stands alone too)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags), "rb") as fh:
        fh.seek(offset)
        block = length if length <= chunk_bytes + long_lines.LONG_LINE else chunk_bytes
        return [parse_bytes(chunk, job, after, keep) for chunk in log_lines.chunks(_Range(fh, length), block)]


class _Range:
    """The next ``left`` bytes of a file, read through ``read`` only."""

    def __init__(self, fh: IO[bytes], left: int):
        self.fh, self.left = fh, left

    def read(self, size: int) -> bytes:
        data = self.fh.read(min(size, self.left))
        self.left -= len(data)
        return data


def parse_bytes(chunk: bytes | bytearray | LongLine, job: ChunkJob, after: ChunkHook | None, keep: bool) -> ChunkResult:
    """Worker side: the local engine's chunk parser; ``keep=False`` drops the table after the hook."""
    result = haproxy_log.parse_chunk(chunk, job, after)
    if not keep:
        result.table = None  # statistics only: the summary travels back, not the rows
    return result


class DaskChunks:
    """A ``haproxy_log.ChunkRunner`` whose chunks are parsed by the workers of a Dask client."""

    def __init__(self, client: Any, chunk_bytes: int | None = None):
        self.client = client
        self.chunk_bytes = chunk_bytes

    def __call__(self, src: InputSource, member: Member, job: ChunkJob, after: ChunkHook | None = None
                 ) -> Iterator[ChunkResult]:
        chunk_bytes = self.chunk_bytes or log_lines.chunk_bytes(job.stats_only)
        keep = after is None  # with a hook the caller wants the hook's value, not the table
        path = src.plain_path(member)
        if path is not None and member.size > src.member_cap:
            raise MemberTooLarge(f"{member.name}: {member.size} bytes exceeds the {src.member_cap >> 20} MiB cap")
        capped = (job.max_log_bytes is not None and member.size > job.max_log_bytes) or job.read_to is not None
        if path is not None and not capped and not _compressed(path):
            futures = [self.client.submit(parse_range, path, offset, length, job, after, keep, chunk_bytes,
                                             pure=False)
                       for offset, length in byte_ranges(path, member.size, chunk_bytes)]
            results: Iterator[ChunkResult] = (result for f in futures for result in f.result())
        else:
            results = self._shipped(src, member, job, after, keep, chunk_bytes)
        lines_before = 0
        for result in results:
            yield result.shifted(lines_before)
            lines_before += result.physical

    def _shipped(self, src: InputSource, member: Member, job: ChunkJob, after: ChunkHook | None, keep: bool,
                 chunk_bytes: int) -> Iterator[ChunkResult]:
        """Stream the member here and ship its chunks; a cut stream keeps every chunk read before it.

        The stream is guarded as ``parsers.log_stream`` says (damage, bombs, ``max_log_bytes``): a cut
        ends it cleanly, the chunks still in flight are taken back, and only then is the
        :class:`~parsers.log_stream.LogStreamCut` raised, with its offset, for the caller to record.
        """
        limit = IN_FLIGHT_PER_WORKER * max(1, sum(self.client.nthreads().values()))
        pending: deque = deque()
        with open_log_stream(src, member, job.max_log_bytes, job.read_to) as (stream, readers):
            for chunk in log_lines.chunks(stream, chunk_bytes):
                pending.append(self.client.submit(parse_bytes, chunk, job, after, keep, pure=False))
                while len(pending) >= limit:
                    yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        raise_if_cut(readers)


def _compressed(path: str) -> bool:
    with open(path, "rb") as fh:
        return sniff_compression(fh.read(8)) is not None


# ---------------------------------------------------------------- many archives
def run_batch(client: Any, paths: list[str], stems: list[str], formats: tuple[str, ...], options: dict[str, Any],
              progress: Callable[[str, int, int], None] | None = None) -> list[dict[str, Any]]:
    """Analyze every input as one element of a Dask bag, one partition each, on the client's cluster.

    Rows come back in the order of ``paths``, whichever worker finished first.
    """
    import dask.bag as db

    from mga.batch import analyze_one

    bag = db.from_sequence(list(zip(paths, stems, strict=True)), npartitions=max(1, len(paths)))
    rows = bag.map(lambda item: analyze_one(item[0], item[1], formats, options))
    futures = client.compute(rows.to_delayed())
    out: list[dict[str, Any]] = []
    for i, future in enumerate(futures):
        if progress:
            progress("analyses", i, len(futures))
        out.extend(future.result())
    if progress:
        progress("analyses", len(futures), len(futures))
    return out
