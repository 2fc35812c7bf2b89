"""The compiled byte searches (``parsers.log_bytes``) against plain Python on random bytes.

They read whole 64-bit words between unaligned ends and near a buffer's end, where a mistake would
drop or invent a byte; each is held to the obvious loop at random offsets and lengths. The bytes are
chosen so that near-misses of each pattern (``0x20`` vs ``0xa0``, ``0x0a`` vs ``0x8a``) and zero
bytes are common.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from parsers import log_bytes, log_scan

pytestmark = pytest.mark.skipif(not log_scan.enabled(), reason="Numba is not installed: the scanner is off")

ALPHABET = b"  ab\xe9\x20\xa0\x00-//\xaf\n\n\x8a\r\x8d"


def _words(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(data, dtype=np.uint8), np.frombuffer(data, dtype=np.uint64, count=len(data) // 8)


@pytest.mark.parametrize("seed", range(5))
def test_spaces_are_every_space_of_the_range_up_to_the_limit(seed):
    """The tokens ``spaces`` gives are those of ``split(" ")``, at any offset and length, until it stops
    past ``limit`` of them."""
    rng = random.Random(seed)
    data = bytes(rng.choice(ALPHABET) for _ in range(4_000))
    array, blocks = _words(data)
    limit = log_scan.MAX_TOKENS - 1
    starts = np.zeros(limit + 2, np.int64)
    ends = np.zeros(limit + 2, np.int64)
    for _ in range(500):
        lo = rng.randrange(0, len(data))
        hi = rng.randrange(lo, min(len(data), lo + rng.choice((7, 30, 300))) + 1)
        count = log_bytes.spaces(array, blocks, lo, hi, starts, ends, limit)
        found = [k for k in range(lo, hi) if data[k] == 32]
        assert count == min(len(found), limit + 1)
        assert ends[:count].tolist() == found[:count]
        assert starts[1 : count + 1].tolist() == [k + 1 for k in found[:count]]


@pytest.mark.parametrize("seed", range(5))
def test_first_is_the_first_such_byte_of_the_range(seed):
    rng = random.Random(seed)
    data = bytes(rng.choice(ALPHABET) for _ in range(2_000))
    array, blocks = _words(data)
    for _ in range(1_000):
        lo = rng.randrange(0, len(data))
        hi = rng.randrange(lo, min(len(data), lo + rng.choice((5, 40, 400))) + 1)
        expected = data.find(b"/", lo, hi)
        assert log_bytes.first(array, blocks, lo, hi, log_bytes.SLASHES, 47) == expected


@pytest.mark.parametrize("seed", range(8))
def test_line_offsets_agree_with_the_newlines_and_bytes_of_the_chunk(seed):
    """Offsets after each newline (and the end of an unterminated last line); the non-ASCII and
    carriage-return flags, also when the only such byte is in the tail past the last whole word."""
    rng = random.Random(seed)
    for _ in range(200):
        size = rng.choice((0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, rng.randrange(0, 3_000)))
        plain = rng.random() < 0.5
        alphabet = b"abc  -\n" if plain else ALPHABET
        data = bytes(rng.choice(alphabet) for _ in range(size))
        if data and rng.random() < 0.3:  # one odd byte, often in the tail
            at = rng.choice((len(data) - 1, rng.randrange(len(data))))
            data = data[:at] + bytes([rng.choice(b"\r\xc3\n")]) + data[at + 1 :]
        offsets, non_ascii, has_return = log_bytes.line_offsets(*_words(data))
        expected = [0, *(k + 1 for k in range(len(data)) if data[k] == 10)]
        if expected[-1] != len(data):
            expected.append(len(data))
        assert offsets.dtype == np.int32
        assert offsets.tolist() == expected
        assert non_ascii == any(b >= 128 for b in data)
        assert has_return == (b"\r" in data)


CHUNKS = [
    b"",
    b"one line without a newline",
    b"a\nb\n",
    b"a\r\nb\r\n",
    b"old\rmac\rendings\r",
    b"mixed\r\nand\rbare\n",
    b"caf\xc3\xa9 ok\n\xe2\x82\xac\n",
    b"bad \xff byte\nnext\n",
    b"\n\n\n",
    b"2024-01-01T00:00:00.000000000Z stdout P part one \n2024-01-01T00:00:00.000000001Z stdout F and two\n",
    b"x" * 61 + b"\n" + b"y" * 7,
]


@pytest.mark.parametrize("chunk", CHUNKS, ids=range(len(CHUNKS)))
def test_chunk_lines_compiled_are_the_numpy_ones(chunk):
    """``chunk_lines(..., compiled=True)`` takes newlines and byte classes from one compiled pass; every
    shape a chunk can have (CR endings, bare CRs, CRI partials, valid and invalid UTF-8, no final newline)
    gives the same lines, numbers and physical count as the numpy path."""
    from parsers import log_lines

    plain = log_lines.chunk_lines(bytearray(chunk), 5)
    fast = log_lines.chunk_lines(bytearray(chunk), 5, compiled=True)
    assert fast.text.to_pylist() == plain.text.to_pylist()
    assert fast.numbers.tolist() == plain.numbers.tolist()
    assert fast.physical == plain.physical


def test_chunk_lines_compiled_on_random_chunks():
    from parsers import log_lines

    rng = random.Random(11)
    for _ in range(300):
        chunk = bytearray(rng.choice(b"ab \n\n\r\xc3\xa9") for _ in range(rng.randrange(0, 200)))
        plain = log_lines.chunk_lines(bytes(chunk), 1)
        fast = log_lines.chunk_lines(chunk, 1, compiled=True)
        assert fast.text.to_pylist() == plain.text.to_pylist()
        assert fast.physical == plain.physical
