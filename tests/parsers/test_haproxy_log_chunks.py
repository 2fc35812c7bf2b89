"""Reading in chunks on two threads gives exactly what one pass over the whole file gives."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest

from bench.gen_logs import generate
from parsers import log_chunks, log_lines
from parsers.haproxy_log import parse_access_log

DOWN = (
    "2026-11-24T00:55:14.619891+00:00 vm vm haproxy[19270]: Server be_http:ns:a/pod:a-1:a:http:127.0.0.1:9002 is DOWN, "
    'reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.'
)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "a.log"
    generate(6000, path, seed=3)  # http and tcp lines, IPv6 clients, two "Server ... is DOWN"
    with open(path, "a") as fh:
        fh.write("not a router line\n" + DOWN + "\n")
    return path


def parse_with(path, monkeypatch, *, chunk: int, workers: int, **kw):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(log_chunks, "WORKERS", workers)
    with open(path, "rb") as fh:
        return parse_access_log(fh, source="a.log", input="in", **kw)


def test_two_threads_and_small_chunks_equal_one_pass(log, monkeypatch):
    whole = parse_with(log, monkeypatch, chunk=64 << 20, workers=1)
    parts = parse_with(log, monkeypatch, chunk=100 * 1024, workers=2)  # ~20 chunks, two parsed at once
    assert parts.lines_read == whole.lines_read == 6002
    assert (parts.unparsed, len(parts.router_events)) == (whole.unparsed, len(whole.router_events)) == (1, 3)
    assert parts.requests["line"].is_monotonic_increasing
    pd.testing.assert_frame_equal(parts.requests, whole.requests, check_categorical=False)
    pd.testing.assert_frame_equal(parts.router_events, whole.router_events)
    assert parts.unparsed_samples == whole.unparsed_samples
    assert parts.unparsed_samples[0]["line"] == 6001


def test_line_numbers_are_those_of_the_file(log, monkeypatch):
    parsed = parse_with(log, monkeypatch, chunk=64 * 1024, workers=2)
    raw = log.read_text().splitlines()
    sample = parsed.requests.iloc[[0, 1234, 4321, len(parsed.requests) - 1]]
    for row in sample.itertuples():
        text = raw[row.line - 1]
        assert f"{row.client_ip}:{row.client_port} " in text and f"/{row.server} " in text
    assert parsed.router_events["line"].tolist()[-1] == 6002


def test_window_is_applied_per_chunk(log, monkeypatch):
    since = datetime(2024, 5, 1, 10, 0, 2, tzinfo=UTC)
    until = datetime(2024, 5, 1, 10, 0, 4, tzinfo=UTC)
    whole = parse_with(log, monkeypatch, chunk=64 << 20, workers=1)
    inside = whole.requests[(whole.requests["ts"] >= since) & (whole.requests["ts"] <= until)]
    parsed = parse_with(log, monkeypatch, chunk=64 * 1024, workers=2, since=since, until=until)
    assert 0 < len(parsed.requests) == len(inside) < len(whole.requests)
    assert parsed.requests["line"].tolist() == inside["line"].tolist()
    assert parsed.accounting[0]["outside_window"] == len(whole.requests) - len(inside)


def test_a_line_longer_than_a_chunk_is_kept_whole(monkeypatch):
    long_line = "x" * 5000
    data = f"{long_line}\n{DOWN}\n".encode()
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 1024)
    result = parse_access_log(io.BytesIO(data), source="a.log", input="in")
    assert (result.lines_read, result.unparsed, len(result.router_events)) == (2, 1, 1)
    assert result.unparsed_samples[0]["text"] == long_line[:2000]


def test_no_trailing_newline_and_empty_input():
    assert parse_access_log(io.BytesIO(b""), source="a", input="in").lines_read == 0
    result = parse_access_log(io.BytesIO(DOWN.encode()), source="a", input="in")
    assert (result.lines_read, len(result.router_events)) == (1, 1)


class _ReadOnly:
    """A stream with ``read`` only (no ``readinto``): the fallback path of ``log_lines.chunks``."""

    def __init__(self, data: bytes):
        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


class _Trickle(io.RawIOBase):
    """A stream whose ``readinto`` returns a few bytes at a time, as a decompressor may."""

    def __init__(self, data: bytes):
        self._io = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with memoryview(buffer) as view:
            return self._io.readinto(view[:7])


@pytest.mark.parametrize("data", [
    b"", b"one", b"one\n", b"a\nbb\nccc\n" * 50, b"x" * 300 + b"\n" + b"y" * 10, b"\n\n\n", b"tail\nno newline",
])
@pytest.mark.parametrize("size", [1, 4, 16, 4096])
def test_chunks_are_the_same_lines_whatever_the_stream(data, size):
    whole = [bytes(c) for c in log_lines.chunks(io.BytesIO(data), size)]
    assert b"".join(whole) == data
    assert all(c.endswith(b"\n") for c in whole[:-1])  # only the last chunk may end without a newline
    assert [bytes(c) for c in log_lines.chunks(_ReadOnly(data), size)] == whole
    assert b"".join(bytes(c) for c in log_lines.chunks(_Trickle(data), size)) == data
