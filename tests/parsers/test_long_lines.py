"""A line longer than any router line (``parsers.long_lines``) is one unparsed line of its first bytes: the
lines after it keep their numbers and their quotes, whichever path reads the chunks."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from parsers import log_lines
from parsers.haproxy_log import collect, iter_chunks, open_job, parse_chunk
from parsers.kept_text import FileReader, _stamp
from parsers.log_quotes import quoted_lines
from parsers.long_lines import LongLine, first_long
from tests.parsers.conftest import CAP

BEFORE = 300  # router lines before the long line


def parse(path: Path, monkeypatch, *, chunk: int, scanner: bool, kind: str):
    """One file through the chunk path of ``mga logs`` (statistics), ``mga analyze`` (kept namespaces) or a plain
    parse, with chunks of ``chunk`` bytes and the compiled scanner on or off."""
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", chunk)
    monkeypatch.setenv("MGA_LOG_SCANNER", "numba" if scanner else "arrow")
    job = open_job(source="a.log", input="in", stats_only=kind == "logs",
                   keep_namespaces=frozenset() if kind == "analyze" else None)
    with open(path, "rb") as fh:
        return collect(job, iter_chunks(fh, job))


def lines_of(parsed) -> list[int]:
    return sorted(parsed.requests["line"].tolist()) if len(parsed.requests) else []


@pytest.mark.parametrize("kind", ["plain", "logs", "analyze"])
@pytest.mark.parametrize("scanner", [True, False], ids=["scanner", "arrow"])
@pytest.mark.parametrize("chunk", [8192, 1 << 20], ids=["line-over-many-chunks", "line-inside-a-chunk"])
def test_a_long_line_is_one_unparsed_line_and_the_lines_after_it_keep_their_numbers(
        tmp_path, monkeypatch, small_cap, router_lines, kind, scanner, chunk):
    long_line = b"\x00" * 300_000 + b"\n"  # a node crash's NUL bytes
    path, reference = tmp_path / "long.log", tmp_path / "short.log"
    path.write_bytes(b"".join(router_lines[:BEFORE]) + long_line + b"".join(router_lines[BEFORE:]))
    reference.write_bytes(b"".join(router_lines[:BEFORE]) + b"garbage\n" + b"".join(router_lines[BEFORE:]))
    got = parse(path, monkeypatch, chunk=chunk, scanner=scanner, kind=kind)
    want = parse(reference, monkeypatch, chunk=chunk, scanner=scanner, kind=kind)
    assert got.lines_read == want.lines_read == len(router_lines) + 1
    assert got.unparsed == want.unparsed
    if kind != "analyze":  # (which rows analyze keeps of other namespaces depends on where chunks end)
        assert got.request_rows == want.request_rows and lines_of(got) == lines_of(want)
    text = [b"", *router_lines[:BEFORE], long_line, *router_lines[BEFORE:]]  # by line number
    rows = got.requests
    assert len(rows) and rows["line"].max() > BEFORE + 1
    for row in rows.itertuples():  # each row's backend and server, and its accept time, on its line
        assert f" {row.backend}/{row.server} ".encode() in text[row.line]
        assert row.ts.strftime("%d/%b/%Y:%H:%M:%S.").encode() in text[row.line]
    [sample] = [s for s in got.unparsed_samples if s["line"] == BEFORE + 1]
    assert sample["reason"] == ("a line of 300,000 bytes, longer than any router log line: its first 4,096 read")
    assert sample["text"] == "\x00" * 2000
    # a line after the long one, quoted from its chunk at the offset the chunks' sizes give
    after = [BEFORE + 2, BEFORE + 500, len(router_lines) + 1]
    quoted = quoted_lines(FileReader(str(path), (), _stamp(os.lstat(path))), got.chunk_starts[("in", "a.log")],
                          [BEFORE, BEFORE + 1, *after])
    assert quoted == {n: router_lines[n - 2].decode().rstrip("\n") for n in after} | {
        BEFORE: router_lines[BEFORE - 1].decode().rstrip("\n")}  # the long line itself is never read back


def test_a_real_line_longer_than_the_cap_with_the_cap_as_shipped(tmp_path, monkeypatch, router_lines):
    path = tmp_path / "a.log"
    path.write_bytes(router_lines[0] + b"\x00" * 3_000_000 + b"\n" + router_lines[1])
    parsed = parse(path, monkeypatch, chunk=1 << 20, scanner=False, kind="logs")
    assert (parsed.lines_read, parsed.request_rows, parsed.unparsed) == (3, 2, 1)
    assert parsed.unparsed_samples[0]["line"] == 2
    assert parsed.unparsed_samples[0]["reason"] == (
        "a line of 3,000,000 bytes, longer than any router log line: its first 1,048,576 read")


@pytest.mark.parametrize("scanner", [True, False], ids=["scanner", "arrow"])
def test_a_log_of_one_long_line_without_a_newline(tmp_path, monkeypatch, small_cap, scanner):
    path = tmp_path / "a.log"
    path.write_bytes(b"2026-11-20T08:30:04.288143123Z " + b"x" * 50_000)
    parsed = parse(path, monkeypatch, chunk=8192, scanner=scanner, kind="logs")
    assert (parsed.lines_read, parsed.request_rows, parsed.unparsed) == (1, 0, 1)
    assert parsed.unparsed_samples[0]["reason"].startswith("a line of 50,031 bytes")
    assert parsed.unparsed_samples[0]["text"].startswith("2026-11-20T08:30:04.288143123Z xxx")
    [line] = log_lines.chunks(io.BytesIO(path.read_bytes()), 8192)
    assert line == LongLine(path.read_bytes()[:CAP], 50_031, False) and line.size == 50_031


def test_a_line_is_long_from_one_byte_over_the_cap_wherever_it_starts(small_cap):
    for before in (0, 1, 5, CAP // 2 - 1, CAP // 2, CAP - 3, CAP + 7, 3 * CAP):
        lead = b"ab\n" * (before // 3) + b"c" * (before % 3) + b"\n"
        for tail in (b"\n" + b"ok\n" * 50, b""):  # the line ends in the buffer, or it is its open last line
            assert first_long(lead + b"y" * CAP + tail) == -1
            assert first_long(lead + b"y" * (CAP + 1) + tail) == len(lead)
    assert first_long(b"short\n" * 10_000) == -1


class _ReadOnly:
    """A stream with ``read`` only (no ``readinto``): the fallback path of ``log_lines.chunks``."""

    def __init__(self, data: bytes):
        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


@pytest.mark.parametrize("size", [100, 4096, 1 << 20])
@pytest.mark.parametrize("stream", [io.BytesIO, _ReadOnly])
def test_chunks_give_each_long_line_alone_and_every_byte_counted(small_cap, size, stream):
    lines = [b"a\n" * 3000, b"L" * 10_000 + b"\n", b"b\n" * 10, b"M" * (CAP + 1) + b"\r\n", b"c\n", b"N" * 20_000]
    data = b"".join(lines)
    got = list(log_lines.chunks(stream(data), size))
    long = [c for c in got if isinstance(c, LongLine)]
    assert long == [LongLine(b"L" * CAP, 10_000, True), LongLine(b"M" * CAP, CAP + 2, True),
                    LongLine(b"N" * CAP, 20_000, False)]
    assert sum(c.size if isinstance(c, LongLine) else len(c) for c in got) == len(data)
    assert b"".join(bytes(c) for c in got if not isinstance(c, LongLine)) == lines[0] + lines[2] + lines[4]
    assert all(c.endswith(b"\n") for c in got if not isinstance(c, LongLine))


def test_the_dask_range_reader_cuts_out_a_long_line(tmp_path, small_cap, router_lines):
    pytest.importorskip("distributed", reason="the dask extra (mga[dask]) is not installed")
    from mga.dask_engine import parse_range

    path = tmp_path / "a.log"
    data = b"".join(router_lines[:10]) + b"\x00" * 100_000 + b"\n" + b"".join(router_lines[10:20])
    path.write_bytes(data)
    job = open_job(source="a.log", input="in", stats_only=True)
    results = parse_range(str(path), 0, len(data), job, None, True, chunk_bytes=8192)
    assert [r.physical for r in results] == [10, 1, 10]
    assert sum(r.size for r in results) == len(data)
    assert results[1].samples[0]["reason"].startswith("a line of 100,000 bytes")
    assert [r.requests for r in results] == [parse_chunk(b"".join(router_lines[:10]), job).requests, 0,
                                             parse_chunk(b"".join(router_lines[10:20]), job).requests]


def test_numbered_lines_hold_a_long_line_by_its_head(small_cap):
    data = b"one\n" + b"z" * 50_000 + b"\nthree\n"
    got = dict(log_lines.numbered_lines(io.BytesIO(data), np.array([2, 3]), size=1000))
    assert got[3] == b"three\n" and len(got[2]) < 10_000 and got[2].startswith(b"zzz")
