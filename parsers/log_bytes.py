"""Compiled byte searches of a log chunk, eight bytes at a time: line ends, spaces, one byte.

A chunk is read as little-endian 64-bit words (``blocks``). The bytes of a word equal to ``c`` are
those where ``word ^ cccccccc`` has a zero byte, and the exact zero-byte test marks them all at once
(the high bit of each such byte, no false positives); LLVM's count-trailing-zeros then gives the
first of them in one instruction. The callers (:mod:`parsers.log_scan`, and
:func:`parsers.log_lines.chunk_lines` when the scanner reads the log) read only ASCII structure
with these; every value they accept is checked byte by byte as before.

Imported only where the compiled scanner runs: importing Numba costs what small logs need not pay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # Numba is a dependency, but a platform without a wheel still gets the Arrow path
    from numba import njit
    from numba.cpython.unsafe.numbers import trailing_zeros  # LLVM's cttz
except ImportError:  # pragma: no cover - exercised only where Numba cannot be installed
    njit = None

LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
HIGH = np.uint64(0x8080808080808080)
BLANKS = np.uint64(0x2020202020202020)
SLASHES = np.uint64(0x2F2F2F2F2F2F2F2F)
NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)
RETURNS = np.uint64(0x0D0D0D0D0D0D0D0D)


def compiled(fn: Any) -> Any:
    """Compiled once and cached next to the module (``NUMBA_CACHE_DIR`` moves the cache)."""
    return njit(nogil=True, cache=True)(fn) if njit is not None else fn


def inlined(fn: Any) -> Any:
    """A helper compiled into its caller: a call to a separate compiled function counts references
    to each array it passes, per call about as much work as a line's checks (measured: the scanner
    4 % faster once its helpers were inlined)."""
    return njit(nogil=True, cache=True, inline="always")(fn) if njit is not None else fn


@inlined
def marked(word: np.uint64, pattern: np.uint64) -> np.uint64:
    """The high bit of each byte of ``word`` equal to ``pattern``'s bytes (the exact zero-byte test)."""
    t = word ^ pattern
    return ~(((t & LOW7) + LOW7) | t | LOW7)


@inlined
def spaces(data: np.ndarray, blocks: np.ndarray, lo: int, hi: int, starts: np.ndarray, ends: np.ndarray,
           limit: int) -> int:
    """The tokens between spaces of ``lo..hi`` into ``starts``/``ends`` (``starts[0]`` set by the caller);
    their count, stopping once it passes ``limit``. A line's 300 bytes cost about 40 word reads."""
    count = 0
    k = lo
    while k < hi:
        if k & 7 or k + 8 > hi:  # the bytes before the first whole word and after the last
            if data[k] == 32:
                ends[count] = k
                count += 1
                starts[count] = k + 1
                if count > limit:
                    return count
            k += 1
            continue
        found = marked(blocks[k >> 3], BLANKS)
        while found:  # lowest byte first
            j = trailing_zeros(found) >> 3
            ends[count] = k + j
            count += 1
            starts[count] = k + j + 1
            if count > limit:
                return count
            found &= found - np.uint64(1)
        k += 8
    return count


@inlined
def first(data: np.ndarray, blocks: np.ndarray, lo: int, hi: int, pattern: np.uint64, byte: int) -> int:
    """The position of the first ``byte`` in ``lo..hi``, -1 if none (``pattern``: that byte eight times)."""
    k = lo
    while k < hi:
        if k & 7 or k + 8 > hi:
            if data[k] == byte:
                return k
            k += 1
            continue
        found = marked(blocks[k >> 3], pattern)
        if found:
            return k + (trailing_zeros(found) >> 3)
        k += 8
    return -1


@compiled
def line_offsets(data: np.ndarray, blocks: np.ndarray) -> tuple[np.ndarray, bool, bool]:
    """Arrow string offsets of the lines of ``data`` (0, then the position after each newline, then the
    end if the last line has none), whether a byte is 128 or more (not plain ASCII) and whether one
    is a carriage return: what :func:`parsers.log_lines.chunk_lines` asks of a chunk, in one pass."""
    n = len(data)
    out = np.empty(n + 2, np.int32)  # the pages past the lines found are never touched
    out[0] = 0
    count = 1
    high = np.uint64(0)
    returns = np.uint64(0)
    for q in range(len(blocks)):
        word = blocks[q]
        high |= word
        returns |= marked(word, RETURNS)
        found = marked(word, NEWLINES)
        while found:
            out[count] = q * 8 + (trailing_zeros(found) >> 3) + 1
            count += 1
            found &= found - np.uint64(1)
    non_ascii = (high & HIGH) != 0
    has_return = returns != 0
    for k in range(len(blocks) * 8, n):
        non_ascii = non_ascii or data[k] >= 128
        has_return = has_return or data[k] == 13
        if data[k] == 10:
            out[count] = k + 1
            count += 1
    if out[count - 1] != n:
        out[count] = n
        count += 1
    return out[:count].copy(), non_ascii, has_return
