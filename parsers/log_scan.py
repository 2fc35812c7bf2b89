"""A compiled byte scanner for the statistics columns of the usual router log lines.

``mga logs`` needs eight values of a line (accept time, backend, server, Tc, Tr, Ta, status,
termination state). The Arrow path builds each field as a column with a kernel per step (about 20
kernels a chunk, each a pass over the chunk); halog reads each line once in C. This module does
the same with Numba: each line finds its spaces eight bytes at a time (:mod:`parsers.log_bytes`),
then checks every field of the httplog/tcplog shapes exactly as :func:`parsers.log_fields._fields`
does, with the GIL released so both parsing threads run at once. Names are not copied per line:
``string_view`` headers point into the chunk, and Arrow's dictionary encoding copies only the
distinct ones.

``mga analyze`` reads each line lean first and keeps full rows only for the requests it analyses;
with ``analysis=True`` the scanner also gives the other values such a row holds (:data:`ANALYSIS_VALUES`:
the other timers, queues, the whole termination state, TLS, the syslog host and pid), so a kept line
it read is not parsed a second time.

It is an *accelerator, never a second opinion*: it accepts only lines whose values it can give
identically to the Arrow path (plain ASCII, a date of the strict ``[dd/Mon/yyyy:HH:MM:SS.fff]``
shape, a real calendar day, no negative number but HAProxy's -1s, …) and hands every other line
back, and those go through the Arrow path as before (which leaves the impossible ones unparsed).
``tests/parsers/test_log_scan.py`` compares both on generated and real lines.
``MGA_LOG_SCANNER=arrow`` turns it off; without Numba installed it is off.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_bytes
from parsers.log_bytes import SLASHES, first, spaces
from parsers.log_shapes import HTTP_WORDS, PREFIX_WORDS, TCP_WORDS

# the widest fast shape: 7 CRI prefix words + 12 httplog fields + a 3-word request
MAX_TOKENS = max(PREFIX_WORDS) + max(HTTP_WORDS, TCP_WORDS)
# token count -> prefix words in front of the HAProxy message, and whether it is an httplog line:
# the shapes of ``log_shapes.PREFIX_WORDS`` x (``HTTP_WORDS``, ``TCP_WORDS``), the table the Arrow path uses.
_WORDS_OF_COUNT = np.full(MAX_TOKENS + 1, -1, np.int64)
_HTTP_OF_COUNT = np.zeros(MAX_TOKENS + 1, np.bool_)
for _words in PREFIX_WORDS:
    _WORDS_OF_COUNT[_words + HTTP_WORDS], _HTTP_OF_COUNT[_words + HTTP_WORDS] = _words, True
    _WORDS_OF_COUNT[_words + TCP_WORDS] = _words
_MONTHS = np.frombuffer(b"JanFebMarAprMayJunJulAugSepOctNovDec", dtype=np.uint8).copy()
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
_TAG = np.frombuffer(b"haproxy[", dtype=np.uint8).copy()


def enabled() -> bool:
    """Whether lines go through the scanner first (Numba importable, not turned off)."""
    return log_bytes.njit is not None and os.environ.get("MGA_LOG_SCANNER", "numba").lower() != "arrow"


_compile, _inlined = log_bytes.compiled, log_bytes.inlined


@_inlined
def _digits(data: np.ndarray, start: int, end: int) -> int:
    """1 to 18 ASCII digits (what ``ascii_is_decimal`` + ``utf8_length <= 18`` accept) -> value, else -1."""
    if end - start < 1 or end - start > 18:
        return -1
    value = 0
    for k in range(start, end):
        c = data[k]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (c - 48)
    return value


@_inlined
def _signed(data: np.ndarray, start: int, end: int, lowest: int) -> tuple[bool, int]:
    """Status and bytes: leading ``+`` dropped, one ``-`` allowed, then 1 to 18 digits, a value no lower
    than ``lowest`` (-1 for the status, 0 for bytes: ``log_fields.LOWEST``)."""
    k = start
    while k < end and data[k] == 43:
        k += 1
    negative = k < end and data[k] == 45
    if negative:
        k += 1
    value = _digits(data, k, end)
    if value < 0 or (negative and value > -lowest):
        return False, 0
    return True, -value if negative else value


@_inlined
def _slash_ints(data: np.ndarray, start: int, end: int, width: int, out: np.ndarray, minus_one: int) -> bool:
    """``a/b/c``: exactly ``width`` signed integers, every ``+`` ignored (as the Arrow path removes them).

    Only the first ``minus_one`` parts may be below zero, and then only -1 (the timers of phases never
    reached, ``log_fields.LOWEST``; ``-0`` is 0): checked where a part ends, no second look at the field.
    """
    part = 0
    ndigits = 0
    negative = False
    seen = False
    value = 0
    for k in range(start, end):
        c = data[k]
        if c == 43:  # '+'
            continue
        if c == 47:  # '/'
            if ndigits == 0 or part >= width - 1 or (negative and value > 0 and (part >= minus_one or value > 1)):
                return False
            out[part] = -value if negative else value
            part += 1
            ndigits = 0
            negative = False
            seen = False
            value = 0
            continue
        if c == 45 and not seen:  # '-' first in its part
            negative = True
            seen = True
            continue
        if c < 48 or c > 57:
            return False
        seen = True
        ndigits += 1
        if ndigits > 18:
            return False
        value = value * 10 + (c - 48)
    if ndigits == 0 or part != width - 1 or (negative and value > 0 and (part >= minus_one or value > 1)):
        return False
    out[part] = -value if negative else value
    return True


@_inlined
def _two(data: np.ndarray, k: int) -> int:
    a, b = data[k], data[k + 1]
    if a < 48 or a > 57 or b < 48 or b > 57:
        return -1
    return (a - 48) * 10 + (b - 48)


@_inlined
def _accept_ms(data: np.ndarray, start: int, end: int) -> tuple[bool, int]:
    """``[dd/Mon/yyyy:HH:MM:SS]`` or with ``.fff`` (1 to 9 digits) -> UTC milliseconds.

    Stricter than ``strptime``: two-digit fields, English month abbreviations as HAProxy writes
    them, a real calendar day, no leap second; anything else is left to the Arrow path.
    """
    length = end - start
    if length < 22 or length > 32 or length == 23 or data[start] != 91 or data[end - 1] != 93:
        return False, 0
    millis = 0
    if length > 22:
        if data[start + 21] != 46:  # '.'
            return False, 0
        for k in range(start + 22, end - 1):
            c = data[k]
            if c < 48 or c > 57:
                return False, 0
        for j in range(3):
            k = start + 22 + j
            millis = millis * 10 + (data[k] - 48 if k < end - 1 else 0)
    s = start + 1  # "dd/Mon/yyyy:HH:MM:SS"
    if data[s + 2] != 47 or data[s + 6] != 47 or data[s + 11] != 58 or data[s + 14] != 58 or data[s + 17] != 58:
        return False, 0
    day = _two(data, s)
    century, year2 = _two(data, s + 7), _two(data, s + 9)
    hour, minute, second = _two(data, s + 12), _two(data, s + 15), _two(data, s + 18)
    if day < 1 or century < 19 or century > 29 or year2 < 0 or hour < 0 or hour > 23:
        return False, 0
    if minute < 0 or minute > 59 or second < 0 or second > 59:
        return False, 0
    month = -1
    for m in range(12):
        if data[s + 3] == _MONTHS[3 * m] and data[s + 4] == _MONTHS[3 * m + 1] and data[s + 5] == _MONTHS[3 * m + 2]:
            month = m + 1
            break
    if month < 0:
        return False, 0
    year = century * 100 + year2
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    if day > _DAYS_IN_MONTH[month - 1] + (1 if month == 2 and leap else 0):
        return False, 0
    # days from 1970-01-01 (Howard Hinnant's days_from_civil)
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    mp = month + 9 if month <= 2 else month - 3
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return True, ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis


@_inlined
def _pid(data: np.ndarray, t0: int, t1: int) -> int:
    """The pid of a ``haproxy[pid]:`` tag as the Arrow path reads it (``_prefix_of_tokens``: code units
    8 to 26, trailing ``]``/``:`` trimmed, digits only), -1 when it gives none."""
    start, end = t0 + 8, min(t1, t0 + 26)
    while end > start and (data[end - 1] == 93 or data[end - 1] == 58):
        end -= 1
    return _digits(data, start, end)


_NO_WORDS = np.zeros(0, np.uint64)


@_compile
def _scan(offsets: np.ndarray, data: np.ndarray, blocks: np.ndarray, all_ascii: bool,
          analysis: bool) -> tuple[np.ndarray, ...]:
    """Every line once: the fast shapes' checks, and the statistics values of the accepted lines
    (with ``analysis``, also the other values ``mga analyze`` reads of a request: :data:`ANALYSIS_VALUES`)."""
    n = len(offsets) - 1
    m = n if analysis else 0
    # written for the accepted lines only, read for those only
    extra = np.empty((m, 5), np.int64)  # TR, Tw, srv_queue, backend_queue, pid
    extra_missing = np.empty((m, 2), np.bool_)  # no pid, no host
    tls = np.empty(m, np.bool_)
    extra_spans = np.empty((m, 4), np.int64)  # whole termination state, host: start/end byte offsets
    accepted = np.zeros(n, np.bool_)
    http = np.zeros(n, np.bool_)
    ts = np.zeros(n, np.int64)
    spans = np.zeros((n, 6), np.int64)  # backend, server, term: start/end byte offsets
    timer = np.zeros((n, 3), np.int64)  # Tc, Tr, Ta
    status = np.zeros(n, np.int64)
    actconn = np.zeros(n, np.int64)
    starts = np.zeros(MAX_TOKENS + 1, np.int64)
    ends = np.zeros(MAX_TOKENS + 1, np.int64)
    values = np.zeros(5, np.int64)
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        while hi > lo and (data[hi - 1] == 10 or data[hi - 1] == 13):  # a terminator left on (ChunkLines.ends)
            hi -= 1
        starts[0] = lo
        count = spaces(data, blocks, lo, hi, starts, ends, MAX_TOKENS - 1)
        if count > MAX_TOKENS - 1:
            continue
        if not all_ascii:
            ascii_only = True
            for k in range(lo, hi):
                if data[k] >= 128:
                    ascii_only = False
                    break
            if not ascii_only:
                continue
        ends[count] = hi
        count += 1
        words = _WORDS_OF_COUNT[count]
        if words < 0:
            continue
        is_http = _HTTP_OF_COUNT[count]
        if words:  # the "haproxy[pid]:" tag
            t0, t1 = starts[words - 1], ends[words - 1]
            if t1 - t0 < 10 or data[t1 - 2] != 93 or data[t1 - 1] != 58:
                continue
            tagged = True
            for j in range(8):
                if data[t0 + j] != _TAG[j]:
                    tagged = False
                    break
            if not tagged:
                continue
        b = words  # first body token
        if is_http and (ends[b + 12] == starts[b + 12] or data[starts[b + 12]] != 34):  # request opens with '"'
            continue
        # client ip:port, the port after the last ':'
        colon = -1
        for k in range(ends[b] - 1, starts[b] - 1, -1):
            if data[k] == 58:
                colon = k
                break
        if colon < 0 or _digits(data, colon + 1, ends[b]) < 0:
            continue
        ok, stamp = _accept_ms(data, starts[b + 1], ends[b + 1])
        if not ok:
            continue
        slash = first(data, blocks, starts[b + 3], ends[b + 3], SLASHES, 47)
        if slash < 0:
            continue
        term = b + 9 if is_http else b + 6
        if ends[term] - starts[term] != (4 if is_http else 2):
            continue
        if is_http:
            if not _slash_ints(data, starts[b + 10], ends[b + 10], 5, values, 0):
                continue
            connections = values[0]
            if not _slash_ints(data, starts[b + 11], ends[b + 11], 2, values, 0):
                continue
            queued, backend_queued = values[0], values[1]
            ok, code = _signed(data, starts[b + 5], ends[b + 5], -1)
            if not ok or not _signed(data, starts[b + 6], ends[b + 6], 0)[0]:
                continue
            if not _slash_ints(data, starts[b + 4], ends[b + 4], 5, values, 5):
                continue
            timer[i, 0], timer[i, 1], timer[i, 2] = values[2], values[3], values[4]
            status[i] = code
            if analysis:
                extra[i, 0], extra[i, 1] = values[0], values[1]
        else:
            if not _slash_ints(data, starts[b + 7], ends[b + 7], 5, values, 0):
                continue
            connections = values[0]
            if not _slash_ints(data, starts[b + 8], ends[b + 8], 2, values, 0):
                continue
            queued, backend_queued = values[0], values[1]
            if not _signed(data, starts[b + 5], ends[b + 5], 0)[0]:
                continue
            if not _slash_ints(data, starts[b + 4], ends[b + 4], 3, values, 3):
                continue
            timer[i, 0], timer[i, 2] = values[1], values[2]
            if analysis:
                extra[i, 0], extra[i, 1] = 0, values[0]  # no TR on a tcplog line (a null)
        accepted[i] = True
        http[i] = is_http
        ts[i] = stamp
        actconn[i] = connections
        spans[i, 0], spans[i, 1] = starts[b + 3], slash
        spans[i, 2], spans[i, 3] = slash + 1, ends[b + 3]
        spans[i, 4], spans[i, 5] = starts[term], starts[term] + 2
        if analysis:
            extra[i, 2], extra[i, 3] = queued, backend_queued
            pid = _pid(data, starts[words - 1], ends[words - 1]) if words else -1
            extra[i, 4] = pid
            extra_missing[i, 0] = pid < 0
            extra_missing[i, 1] = words < 2
            if words >= 2:
                extra_spans[i, 2], extra_spans[i, 3] = starts[words - 2], ends[words - 2]
            else:  # no host (a null): an empty range, never read past the chunk
                extra_spans[i, 2], extra_spans[i, 3] = lo, lo
            extra_spans[i, 0], extra_spans[i, 1] = starts[term], ends[term]
            tls[i] = ends[b + 2] > starts[b + 2] and data[ends[b + 2] - 1] == 126  # frontend ends with '~'
    return accepted, http, ts, spans, timer, status, actconn, extra, extra_missing, tls, extra_spans


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


DICT = pa.dictionary(pa.int32(), pa.string())


def _names(data: np.ndarray, buffer: pa.Buffer, spans: np.ndarray, lo: int, hi: int) -> pa.DictionaryArray:
    """The byte ranges as a dictionary array: ``string_view`` headers into the chunk's own buffer,
    encoded by Arrow's hash kernel, so only the distinct names (a few thousand a chunk) are copied."""
    views = pa.py_buffer(_views(data, spans, lo, hi))
    values = pa.Array.from_buffers(pa.string_view(), spans.shape[0], [None, views, buffer])
    return pc.cast(pc.dictionary_encode(values), DICT)


def _backend_and_server(data: np.ndarray, buffer: pa.Buffer, spans: np.ndarray) -> dict[str, pa.DictionaryArray]:
    """Backend and server names, from one encoding of the whole ``backend/server`` field: a chunk has a
    few thousand distinct fields, split once each (a fifth less than encoding both names per line).

    Both dictionaries come out in order of first appearance, as encoding each name would give them:
    the fields are in that order, and a name first appears with its first field."""
    fields = _names(data, buffer, spans, 0, 3)
    parts = pc.split_pattern(fields.dictionary, "/", max_splits=1)  # the scanner's slash is the first
    at = fields.indices.to_numpy()
    out = {}
    for k, name in enumerate(("backend", "server")):
        names = pc.dictionary_encode(pc.list_element(parts, k))
        codes = names.indices.to_numpy()[at]
        out[name] = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), names.dictionary)
    return out


def scan_statistics(text: pa.Array, analysis: bool = False, ascii_only: bool = False
                    ) -> tuple[dict[str, Any], np.ndarray] | None:
    """The statistics columns of the lines the scanner accepts, and their indices into ``text``.

    Column names and meanings are those of the lean Arrow path (``ts`` as UTC milliseconds; ``Tr``
    and ``status`` missing on tcplog lines, given as ``(values, missing mask)``; names and
    termination states dictionary-encoded, as the ``requests`` frame keeps them). None when the array
    is not a plain string array read in place (nulls, large offsets) or the platform is big-endian.
    ``analysis`` adds ``"analysis"``: the :class:`AnalysisValues` of those lines, to be turned into
    columns for the few rows that need them. ``ascii_only``: every byte of ``text`` is known to be ASCII
    (``log_lines.ChunkLines.ascii``, from the pass that found the line ends): not looked for again.
    """
    if not pa.types.is_string(text.type) or text.null_count:
        return None
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    if sys.byteorder != "little":  # :func:`log_bytes.spaces` reads a word's bytes lowest first
        return None
    first = int(offsets[0]) if len(offsets) else 0
    used = data[first : offsets[-1]] if len(offsets) else data[:0]
    all_ascii = ascii_only or bool(len(used) == 0 or used.max() < 128)
    blocks = np.frombuffer(buffers[2], dtype=np.uint64, count=len(data) // 8) if len(data) >= 8 else _NO_WORDS
    accepted, http, ts, spans, timer, status, actconn, extra, missing, tls, extra_spans = _scan(
        offsets, data, blocks, all_ascii, analysis)
    rows = np.flatnonzero(accepted)
    if not len(rows):
        return {}, rows
    spans = spans[rows]
    tcp = ~http[rows]
    columns = {
        "ts": ts[rows],
        **_backend_and_server(data, buffers[2], spans),
        "Tc": timer[rows, 0],
        "Tr": (timer[rows, 1], tcp),
        "Ta": timer[rows, 2],
        "status": (status[rows], tcp),
        "term": _names(data, buffers[2], spans, 4, 5),
        "actconn": actconn[rows],
    }
    if analysis:
        columns["analysis"] = AnalysisValues(data, buffers[2], rows, http, extra, missing, tls, extra_spans)
    return columns, rows


# what :class:`AnalysisValues` adds to the statistics columns: the rest of what ``mga analyze`` keeps of a
# request (``parsers.log_frames.analysis_columns``) that a line's own fields give
ANALYSIS_VALUES = ("TR", "Tw", "srv_queue", "backend_queue", "tls", "term_full", "pid", "host")


@dataclass(frozen=True)
class AnalysisValues:
    """The :data:`ANALYSIS_VALUES` of the scanned lines, as plain arrays (one row per scanned line).

    Turned into Arrow columns only for the rows ``mga analyze`` keeps (:meth:`columns`): most lines of a
    shared router's log are counted and left out, and building names for them would cost more than
    scanning them.
    """

    data: np.ndarray
    buffer: pa.Buffer
    rows: np.ndarray  # the scanned lines' indices into the chunk; the arrays below are per chunk line
    http: np.ndarray
    numbers: np.ndarray  # TR, Tw, srv_queue, backend_queue, pid
    missing: np.ndarray  # no pid, no host
    tls: np.ndarray
    spans: np.ndarray  # whole termination state, host: start/end byte offsets

    def columns(self, at: np.ndarray) -> dict[str, pa.Array]:
        """The columns of the scanned rows ``at`` (positions among the scanned lines), as the full Arrow
        parse types them, but for the termination state and the router's host: dictionaries, as the
        frame keeps them (decoding them here only for the chunk's end to encode them again was paid
        for every kept row, and in an outage every line is kept)."""
        lines = self.rows[at]
        numbers, missing, spans = self.numbers[lines], self.missing[lines], self.spans[lines]
        return {
            "TR": pa.array(numbers[:, 0], pa.int64(), mask=~self.http[lines]),
            "Tw": pa.array(numbers[:, 1], pa.int64()),
            "srv_queue": pa.array(numbers[:, 2], pa.int64()),
            "backend_queue": pa.array(numbers[:, 3], pa.int64()),
            "tls": pa.array(self.tls[lines], pa.bool_()),
            "term_full": _names(self.data, self.buffer, spans, 0, 1),
            "pid": pa.array(numbers[:, 4], pa.int64(), mask=missing[:, 0]),
            "host": self._hosts(spans, missing[:, 1]),
        }

    def hosts(self, at: np.ndarray) -> pa.DictionaryArray:
        """The router's host of the scanned rows ``at`` alone (null where a line names none), as :meth:`columns`."""
        lines = self.rows[at]
        return self._hosts(self.spans[lines], self.missing[lines, 1])

    def _hosts(self, spans: np.ndarray, missing: np.ndarray) -> pa.DictionaryArray:
        return _with_nulls(_names(self.data, self.buffer, spans, 2, 3), missing)

    def queues(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``srv_queue`` and ``backend_queue`` of the scanned rows ``at``, as :meth:`columns` gives them."""
        lines = self.rows[at]
        return self.numbers[lines, 2], self.numbers[lines, 3]


def _with_nulls(values: pa.DictionaryArray, missing: np.ndarray) -> pa.DictionaryArray:
    if not missing.any():
        return values
    indices = pa.array(values.indices.to_numpy(zero_copy_only=False), pa.int32(), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, values.dictionary)
