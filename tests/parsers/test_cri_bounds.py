"""A container runtime's line in pieces (CRI ``P`` pieces, then the ``F`` piece that ends it) is never split by a
chunk boundary (``parsers.cri_runs``): read in chunks so small that a boundary falls after every physical line,
a log of such lines gives the lines, counts, rows and samples of the same log read in one chunk, on the local
engine and on the Dask engine (its own byte ranges, and the chunks it ships)."""

from __future__ import annotations

import gzip
import io
import logging

import pandas as pd
import pytest

from parsers import cri_runs, log_lines, long_lines
from tests.parsers.conftest import CAP
from tests.parsers.test_long_cri_lines import TIME, cri
from tests.parsers.test_long_lines import lines_of, parse


def pieces(line: bytes, parts: int) -> list[bytes]:
    """A router line as a runtime splits it: ``parts - 1`` ``P`` pieces and the ``F`` piece that ends it."""
    time, payload = line.rstrip(b"\n").split(b" ", 1)
    step = -(-len(payload) // parts)
    cuts = [payload[i:i + step] for i in range(0, len(payload), step)]
    return [time + b" stdout " + (b"F " if i == len(cuts) - 1 else b"P ") + cut + b"\n" for i, cut in enumerate(cuts)]


def runaway(piece: int, count: int) -> list[bytes]:
    """A line of ``count`` pieces of ``piece`` bytes whose joined text passes the cap: its first bytes kept."""
    return [TIME + b" stdout P " + bytes([97 + i % 26]) * piece + b"\n" for i in range(count)] + [
        TIME + b" stdout F the end\n"]


def cri_log(router_lines: list[bytes], cap: int) -> bytes:
    """Router lines as CRI lines, every third one in 2 to 5 pieces, with a line whose pieces pass the cap, one
    holding a piece over the cap, and one ended by a line that is no CRI line."""
    out: list[bytes] = []
    for i, line in enumerate(router_lines):
        out.extend(pieces(line, 2 + i % 4) if i % 3 == 1 else [cri(line)])
        if i == 20:
            out.extend(runaway(cap // 4, 9))
        if i == 40:  # the piece over the cap is cut out alone: the pieces around it are lines of their own
            out.extend([TIME + b" stdout P short\n", TIME + b" stdout P " + b"L" * (cap + 10) + b"\n",
                        TIME + b" stdout P after\n", TIME + b" stdout F end\n"])
        if i == 60:
            out.extend([TIME + b" stdout P open\n", b"garbage that ends it\n"])
    return b"".join(out)


def summary(parsed) -> tuple:
    return (parsed.lines_read, parsed.unparsed, parsed.request_rows, parsed.accounting, parsed.unparsed_samples,
            lines_of(parsed))


@pytest.mark.parametrize("kind", ["plain", "logs"])
@pytest.mark.parametrize("scanner", [True, False], ids=["scanner", "arrow"])
def test_tiny_chunks_give_the_one_chunk_read(tmp_path, monkeypatch, small_cap, router_lines, kind, scanner):
    path = tmp_path / "cri.log"
    path.write_bytes(cri_log(router_lines[:90], CAP))
    whole = parse(path, monkeypatch, chunk=1 << 22, scanner=scanner, kind=kind)
    [account] = whole.accounting
    assert account["continued"] > 60 and whole.request_rows > 80
    for chunk in (1, 64, 333, 1000, 2900):  # a boundary after every line, then inside runs at many places
        got = parse(path, monkeypatch, chunk=chunk, scanner=scanner, kind=kind)
        assert summary(got) == summary(whole), chunk
        pd.testing.assert_frame_equal(got.requests, whole.requests)


def test_analyze_counts_with_tiny_chunks(tmp_path, monkeypatch, small_cap, router_lines):
    path = tmp_path / "cri.log"
    path.write_bytes(cri_log(router_lines[:90], CAP))
    whole = parse(path, monkeypatch, chunk=1 << 22, scanner=False, kind="analyze")
    got = parse(path, monkeypatch, chunk=64, scanner=False, kind="analyze")
    assert (got.lines_read, got.unparsed, got.accounting) == (whole.lines_read, whole.unparsed, whole.accounting)


class _ReadOnly:
    def __init__(self, data: bytes):
        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


@pytest.mark.parametrize("stream", [io.BytesIO, _ReadOnly])
def test_chunks_end_outside_runs_or_after_a_full_line(small_cap, router_lines, stream):
    """Every chunk ends after a line that is no ``P`` piece, or inside a line whose joined text is full already
    (the next chunk then a ``RunTail``); the chunks hold every byte once."""
    data = cri_log(router_lines[:90], CAP)
    for size in (1, 50, 700):
        got = list(log_lines.chunks(stream(data), size))
        assert sum(c.size if isinstance(c, long_lines.LongLine) else len(c) for c in got) == len(data)
        tails = [i for i, c in enumerate(got) if isinstance(c, cri_runs.RunTail)]
        assert tails, size
        for i, chunk in enumerate(got[:-1]):
            if isinstance(chunk, long_lines.LongLine) or isinstance(got[i + 1], long_lines.LongLine):
                continue
            last = bytes(chunk).rstrip(b"\n").rsplit(b"\n", 1)[-1]
            assert (b" stdout P " not in last[:40]) or i + 1 in tails, (size, i, last[:60])


def test_a_runaway_line_of_pieces_is_carried_no_further_than_the_cap(small_cap):
    """A line of 2,000 pieces passes the cap after a few: the chunks stay near their size, the line counted once."""
    data = b"".join(runaway(1000, 2000)) + TIME + b" stdout F next\n"
    got = list(log_lines.chunks(io.BytesIO(data), 8192))
    assert max(len(c) for c in got) <= 8192 + cri_runs.RUN_BYTES * CAP
    lines = [log_lines.chunk_lines(c, 1) for c in got]
    assert sum(len(c.text) for c in lines) == 2 and sum(c.physical for c in lines) == 2002


def test_dask_ranges_start_outside_runs(tmp_path, router_lines):
    pytest.importorskip("distributed", reason="the dask extra (mga[dask]) is not installed")
    from mga.dask_engine import byte_ranges

    path = tmp_path / "cri.log"
    data = cri_log(router_lines[:90], 4096)  # with the cap as shipped: no piece is over it
    path.write_bytes(data)
    for chunk in (1, 100, 1000, 5000):
        ranges = byte_ranges(str(path), len(data), chunk)
        assert b"".join(data[o:o + n] for o, n in ranges) == data
        for offset, _ in ranges[1:]:
            before = data[:offset - 1].rsplit(b"\n", 1)[-1]
            assert b" stdout P " not in before[:40], (chunk, offset)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="the dask extra (mga[dask]) is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_the_dask_engine_with_small_chunks_gives_the_one_chunk_read(client, tmp_path, router_lines):
    """The cap as shipped (the workers are other processes): the long pieces and the runaway line at its scale."""
    from mga.cmd_logs import statistics
    from mga.dask_engine import DaskChunks
    from parsers.log_jobs import load_access_logs

    cap = long_lines.LONG_LINE
    data = cri_log(router_lines[:90], cap)
    assert data.count(b" stdout P ") > 80 and len(data) > 2 * cap
    plain, gz = tmp_path / "cri.log", tmp_path / "other.log.gz"
    plain.write_bytes(data)
    gz.write_bytes(gzip.compress(data.replace(b"garbage", b"rubbish")))  # not the plain log's twin
    for path in (plain, gz):
        whole = statistics([str(path)])
        assert whole["requests"] > 80 and whole["files"][0]["continued"] > 60
        frame, _ = load_access_logs([str(path)])
        for chunk in (16 << 10, 300_000):
            assert statistics([str(path)], runner=DaskChunks(client, chunk)) == whole, (path.name, chunk)
            remote, _ = load_access_logs([str(path)], runner=DaskChunks(client, chunk))
            pd.testing.assert_frame_equal(remote.requests, frame.requests)
