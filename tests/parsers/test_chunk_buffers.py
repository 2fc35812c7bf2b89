"""Chunk buffers are read into again only when nothing holds them (``parsers.log_lines.ChunkBuffers``).

Reuse spares zero-filling a fresh 32 MB buffer per chunk; a buffer handed out again while a parsing
thread, a pending chunk or an array over its bytes still held it would change lines under their
reader. These tests hold chunks in every way the parse does and check that their bytes never move, and
that a small stream is read without a buffer of the chunk's size.
"""

from __future__ import annotations

import io
import random
import sys
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pytest

from parsers import log_lines
from parsers.log_lines import ChunkBuffers, chunks

cpython = pytest.mark.skipif(sys.implementation.name != "cpython", reason="reuse follows CPython's reference counts")


@cpython
def test_a_released_buffer_is_taken_again():
    pool = ChunkBuffers()
    first = pool.take(16)
    address = id(first)
    del first
    again = pool.take(20)
    assert id(again) == address and len(again) == 20


@pytest.mark.parametrize("hold", ["name", "memoryview", "numpy", "arrow", "list"])
def test_a_held_buffer_is_never_taken_again(hold):
    pool = ChunkBuffers()
    buf = pool.take(16)
    buf[:] = b"x" * 16
    holder = {"name": lambda b: b, "memoryview": memoryview, "numpy": lambda b: np.frombuffer(b, np.uint8),
              "arrow": pa.py_buffer, "list": lambda b: [b]}[hold](buf)
    address = id(buf)
    del buf
    for _ in range(10):
        other = pool.take(16)
        assert id(other) != address
        other[:] = b"y" * 16
    assert bytes(holder if hold != "list" else holder[0]) == b"x" * 16


def test_chunks_kept_by_the_reader_keep_their_bytes_while_later_ones_are_read():
    """Some chunks are kept (as the parsing pipeline keeps chunks in flight), the others dropped at once:
    every kept chunk still holds the bytes it was handed out with, and all chunks together are the stream."""
    rng = random.Random(7)
    data = b"".join(b"line %d %s\n" % (k, b"z" * rng.randrange(0, 40)) for k in range(3_000))
    kept, seen = [], []
    for chunk in chunks(io.BufferedReader(io.BytesIO(data)), 256):
        seen.append(bytes(chunk))
        if rng.random() < 0.5:
            kept.append((chunk, bytes(chunk)))
        if len(kept) > 3 and rng.random() < 0.5:
            kept.pop(rng.randrange(len(kept)))
    assert b"".join(seen) == data
    assert all(chunk == copy for chunk, copy in kept)
    assert all(c.endswith(b"\n") for c in seen)


class _Taken(ChunkBuffers):
    """A pool that records the size of every buffer asked of it."""

    sizes: ClassVar[list[int]] = []

    def take(self, size: int) -> bytearray:
        type(self).sizes.append(size)
        return super().take(size)


class _ShortReads(io.RawIOBase):
    """A stream whose reads come back short now and then, mid-stream (as a pipe's may)."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data, self._at, self._rng = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, view) -> int:  # type: ignore[no-untyped-def, override]
        wanted = len(view) if self._rng.random() < 0.7 else self._rng.randrange(1, max(2, len(view)))
        got = self._data[self._at:self._at + wanted]
        view[:len(got)] = got
        self._at += len(got)
        return len(got)


@pytest.mark.parametrize("length", [0, 10_000, log_lines.PROBE_BYTES - 1, log_lines.PROBE_BYTES,
                                    log_lines.PROBE_BYTES + 1, 3 * log_lines.PROBE_BYTES + 17])
@pytest.mark.parametrize("short_reads", [False, True], ids=["full-reads", "short-reads"])
def test_a_small_stream_takes_no_chunk_sized_buffer_and_every_stream_is_cut_at_newlines(length, short_reads,
                                                                                     monkeypatch):
    """The first read, and a read after a short one, go into a buffer of ``PROBE_BYTES``: a stream no longer
    than that is read without a buffer of the chunk's size. Whatever the reads, the chunks are the stream,
    each ending on a newline but the last."""
    monkeypatch.setattr(log_lines, "ChunkBuffers", _Taken)
    _Taken.sizes = []
    rng = random.Random(length)
    lines = []
    while sum(map(len, lines)) < length:
        lines.append(b"line %d %s\n" % (len(lines), b"z" * rng.randrange(0, 300)))
    data = b"".join(lines)[:length]
    size = 1 << 20
    raw = _ShortReads(data, length) if short_reads else io.BytesIO(data)
    got = [bytes(c) for c in chunks(io.BufferedReader(raw, 1 << 16) if short_reads else raw, size)]
    assert b"".join(got) == data
    assert all(c.endswith(b"\n") for c in got[:-1])
    if length <= log_lines.PROBE_BYTES - 1 and not short_reads:
        assert _Taken.sizes and max(_Taken.sizes) < size  # the whole stream, then its end, read into small buffers
    if length > log_lines.PROBE_BYTES and not short_reads:
        assert max(_Taken.sizes) >= size  # a longer one is read in chunks of the size asked


def test_chunks_smaller_than_a_probe_are_read_as_before(monkeypatch):
    """A chunk size no larger than ``PROBE_BYTES`` (the 4 KiB of the chunk-boundary tests) reads every chunk at
    that size behind the previous one's rest, as before the probe existed: no read of another size."""
    monkeypatch.setattr(log_lines, "ChunkBuffers", _Taken)
    _Taken.sizes = []
    data = b"".join(b"l%d\n" % k for k in range(5_000))
    got = [bytes(c) for c in chunks(io.BytesIO(data), 4096)]
    assert b"".join(got) == data and len(got) > len(data) // 4096
    assert all(4096 <= size < 4096 + 8 for size in _Taken.sizes)  # the chunk size and a line's rest at most
