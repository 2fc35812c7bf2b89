"""Chunk buffers are read into again only when nothing holds them (``parsers.log_lines.ChunkBuffers``).

Reuse spares zero-filling a fresh 32 MB buffer per chunk; a buffer handed out again while a parsing
thread, a pending chunk or an array over its bytes still held it would change lines under their
reader. These tests hold chunks in every way the parse does and check that their bytes never move.
"""

from __future__ import annotations

import io
import random
import sys

import numpy as np
import pyarrow as pa
import pytest

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
