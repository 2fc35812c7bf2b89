"""Names read where they lie in a chunk: byte ranges of its lines turned into Arrow dictionary arrays.

The compiled scanner (:mod:`parsers.log_scan`) finds each name of a line as a byte range of the chunk
(backend/server, termination state, the syslog host). Names are not copied per line: ``string_view``
headers point into the chunk, and Arrow's hash kernel encodes them, copying only the distinct ones.

Most ranges hold one of a few names: a termination state is one of a dozen, a router pod's log names its
host on every line. Those are compared byte by byte against the names met so far (:data:`FEW` at most), in
compiled code, and the hash kernel (a third of the cost of reading a kept line's names) is left to ranges of
many names. Both give the same array: the names in the order they first appear, a code per range.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_bytes

_compile = log_bytes.compiled

DICT = pa.dictionary(pa.int32(), pa.string())
FEW = 16  # distinct names up to which ranges are compared byte by byte


@_compile
def _views(data: np.ndarray, spans: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Arrow ``string_view`` headers (16 bytes each) of the byte ranges ``spans[:, lo]..spans[:, hi]``,
    pointing into buffer 0 (``data``): the values stay where they are, nothing is copied."""
    n = spans.shape[0]
    out = np.zeros(n * 16, np.uint8)
    for i in range(n):
        a, b = spans[i, lo], spans[i, hi]
        length = b - a
        at = i * 16
        out[at] = length & 0xFF
        out[at + 1] = (length >> 8) & 0xFF
        out[at + 2] = (length >> 16) & 0xFF
        out[at + 3] = (length >> 24) & 0xFF
        if length <= 12:
            for k in range(length):
                out[at + 4 + k] = data[a + k]
        else:
            for k in range(4):
                out[at + 4 + k] = data[a + k]
            # buffer index 0 (zeros), then the offset
            out[at + 12] = a & 0xFF
            out[at + 13] = (a >> 8) & 0xFF
            out[at + 14] = (a >> 16) & 0xFF
            out[at + 15] = (a >> 24) & 0xFF
    return out


@_compile
def _few_codes(data: np.ndarray, spans: np.ndarray, lo: int, hi: int, limit: int
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """A code per byte range (the position of its name among the names in the order they first appear)
    and the first range of each name; -1 names once more than ``limit`` distinct names are met."""
    n = spans.shape[0]
    codes = np.empty(n, np.int32)
    first = np.empty(limit, np.int64)
    found = 0
    for i in range(n):
        a = spans[i, lo]
        length = spans[i, hi] - a
        code = -1
        for k in range(found):
            b = spans[first[k], lo]
            if spans[first[k], hi] - b != length:
                continue
            same = True
            for j in range(length):
                if data[a + j] != data[b + j]:
                    same = False
                    break
            if same:
                code = k
                break
        if code < 0:
            if found == limit:
                return codes, first, -1
            first[found] = i
            code = found
            found += 1
        codes[i] = code
    return codes, first, found


def names(data: np.ndarray, buffer: pa.Buffer, spans: np.ndarray, lo: int, hi: int) -> pa.DictionaryArray:
    """The byte ranges ``spans[:, lo]..spans[:, hi]`` of ``data`` (``buffer``'s bytes) as a dictionary array
    of their names, in the order they first appear."""
    if spans.shape[0]:
        codes, first, found = _few_codes(data, spans, lo, hi, FEW)
        if found >= 0:
            values = [bytes(data[spans[i, lo]:spans[i, hi]]) for i in first[:found].tolist()]
            try:
                dictionary = pa.array([v.decode("utf-8") for v in values], pa.string())
            except UnicodeDecodeError:  # left to Arrow, whose string views do not check
                pass
            else:
                return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), dictionary)
    views = pa.py_buffer(_views(data, spans, lo, hi))
    values = pa.Array.from_buffers(pa.string_view(), spans.shape[0], [None, views, buffer])
    return pc.cast(pc.dictionary_encode(values), DICT)


def with_nulls(values: pa.DictionaryArray, missing: np.ndarray) -> pa.DictionaryArray:
    """``values`` with the rows ``missing`` marks null (a line that names no host)."""
    if not missing.any():
        return values
    indices = pa.array(values.indices.to_numpy(zero_copy_only=False), pa.int32(), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, values.dictionary)
