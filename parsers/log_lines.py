"""Physical log lines -> logical lines, and the syslog/kubelet prefix in front of each HAProxy message.

A router log reaches us in several wrappers (router-facts.md §1.4, §1.5): kubelet RFC3339Nano time
in front of the sidecar's rsyslog line (``current.log``), raw CRI ``<ts> stdout F|P <content>`` in
rotated files (``P`` = a partial line continued on the next one), rsyslog ``RSYSLOG_FileFormat``
with the host printed twice, RFC3164 syslog, or bare HAProxy lines. This module cuts byte streams
into newline-aligned chunks, turns a chunk into an Arrow string array (one value per logical
line, with its 1-based physical line number), and splits every line at the ``haproxy[pid]: `` tag
into prefix, body, pid, host and receive time. It never interprets the HAProxy message itself.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import cri_runs, long_lines
from parsers.cri_runs import _CRI_FULL, CRI_FULL_PREFIX, RunTail, join_cri_partials  # noqa: F401 (named through this module too)
from parsers.long_lines import LongLine, first_long, read_long_line

CHUNK_BYTES = 16 << 20  # measured: 6% faster and a quarter less memory than 32 MB on two cores (full columns)
NULL_STR = pa.scalar(None, pa.string())
TAG_RE = re.compile(r"haproxy\[(\d+)\]: ")
_ISO_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)")


def chunk_bytes(stats_only: bool) -> int:
    """Chunk size for a parse: twice :data:`CHUNK_BYTES` when only statistics are kept (``mga logs``),
    whose per-chunk merge then runs half as often (10M lines: 9.0 -> 8.0 s, peak memory 1.25 GiB)."""
    return CHUNK_BYTES * (2 if stats_only else 1)


class ChunkBuffers:
    """The chunks' buffers, taken again once nothing else holds them.

    A fresh 32 MB ``bytearray`` is zero-filled on the reading thread, with the GIL held (and, without
    the allocator settings of ``mga/memory.py``, faulted into memory page by page): reading a 1.1 GB log
    took 0.8–1.0 s into fresh buffers, 0.2 s into one reused buffer (docs/performance.md). A buffer is
    taken again only when its reference count says this pool is its only holder: a chunk waiting for a
    parsing thread, the thread parsing it, and every memoryview, numpy or Arrow array over its bytes
    hold a reference. Otherwise a fresh buffer is made, as before. (Reference counts are CPython's;
    elsewhere every buffer is fresh.)
    """

    KEEP = 6  # the chunks alive at once: IN_FLIGHT being parsed or waiting, the one handed out, the next

    def __init__(self) -> None:
        self._buffers: list[bytearray] = []
        probe = [bytearray(0)]
        # the count of a buffer only this pool holds, measured the way :meth:`take` counts
        self._free = self._counts(probe)[0] if sys.implementation.name == "cpython" else -1

    @staticmethod
    def _counts(buffers: list[bytearray]) -> list[int]:
        return [sys.getrefcount(b) for b in buffers]

    def take(self, size: int) -> bytearray:
        """A buffer of ``size`` bytes (its old bytes left in place: the reader overwrites what it uses)."""
        for at, count in enumerate(self._counts(self._buffers)):
            if count <= self._free:
                buf = self._buffers[at]
                if len(buf) > size:
                    del buf[size:]
                elif len(buf) < size:
                    buf.extend(bytes(size - len(buf)))  # the few bytes a cut at a newline took off
                return buf
        buf = bytearray(size)
        if len(self._buffers) < self.KEEP:
            self._buffers.append(buf)
        return buf


# the first read of a stream, and the read after a short one, go into a buffer of this size: a small log (or the
# end of a log) then costs no chunk-sized buffer, whose allocation was 2 of the 50 ms each small file took
PROBE_BYTES = 256 << 10


def chunks(stream: IO[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes | bytearray | LongLine]:
    """Byte chunks ending on a newline (the last one may not), so no line is ever cut in two; a line longer
    than any router line comes alone, as a :class:`~parsers.long_lines.LongLine` (its head, not its bytes).

    Each chunk is a ``bytearray`` the stream reads straight into, behind the few bytes the previous
    chunk left over: a 16 MB block is never copied to join it to that tail or to cut it (two copies
    of every byte, on the thread that feeds both parsing threads). Buffers no one holds any more
    are read into again (:class:`ChunkBuffers`). The first read, and a read after one that came back
    short, take :data:`PROBE_BYTES`; when they fill it, what they read starts the next chunk. Nor is a
    CRI line in pieces ever cut in two (:func:`parsers.cri_runs.boundary`: the pieces still open at a
    chunk's end go to the next one).
    """
    if not hasattr(stream, "readinto"):
        yield from _chunks_by_read(stream, size)
        return
    buffers = ChunkBuffers()
    rest = b""  # the start of the next line (a long line's rest aside: every line after it, read already)
    tail = False  # the next chunk starts with the rest of a CRI line already full (a ``RunTail``)
    probe = size > PROBE_BYTES  # the next read is into a small buffer: the first one, and one after a short read
    while True:
        want = PROBE_BYTES if probe else size
        buf = buffers.take(len(rest) + want)
        buf[: len(rest)] = rest
        with memoryview(buf) as view:
            got = stream.readinto(view[len(rest) :])
        del buf[len(rest) + got :]
        if not buf:
            break
        if probe and got == want:  # more than a small buffer holds: read on into a chunk of ``size`` bytes
            rest, probe = bytes(buf), False
            continue
        probe = size > PROBE_BYTES and got < want  # a short read: the stream's end is near
        if (long := first_long(buf)) >= 0:  # the lines before it, then the line, its rest unheld
            if long:
                yield _marked(bytes(memoryview(buf)[:long]), tail)
            tail = False
            line, rest = read_long_line(buf, long, stream, size)
            yield line
            continue
        if not got:  # the end of the stream: what is left (``buf`` holds only it), its last line maybe unended
            yield _marked(rest, tail)
            break
        end, after = cri_runs.boundary(buf, cut + 1, tail) if (cut := buf.rfind(b"\n")) >= 0 else (0, False)
        if not end:
            rest = bytes(buf)
            continue
        rest = bytes(memoryview(buf)[end:])
        del buf[end:]
        yield _marked(buf, tail)
        tail = after


def _chunks_by_read(stream: IO[bytes], size: int) -> Iterator[bytes | LongLine]:
    """:func:`chunks` for a stream without ``readinto``."""
    rest = b""
    tail = False
    while True:
        block = stream.read(size)
        data = rest + block
        if not data:
            break
        if (long := first_long(data)) >= 0:
            if long:
                yield _marked(data[:long], tail)
            tail = False
            line, rest = read_long_line(data, long, stream, size)
            yield line
            continue
        if not block:
            yield _marked(data, tail)
            break
        end, after = cri_runs.boundary(data, cut + 1, tail) if (cut := data.rfind(b"\n")) >= 0 else (0, False)
        if not end:
            rest = data
            continue
        yield _marked(data[:end], tail)
        rest = data[end:]
        tail = after


def _marked(chunk: bytes | bytearray, tail: bool) -> bytes | bytearray:
    """``chunk``, as a :class:`~parsers.cri_runs.RunTail` when it starts with the rest of a full CRI line."""
    return RunTail(chunk) if tail else chunk


def numbered_lines(stream: IO[bytes], numbers: np.ndarray, size: int = CHUNK_BYTES,
                   compiled: bool = False) -> Iterator[tuple[int, bytes]]:
    """The lines of ``stream`` numbered ``numbers`` (sorted, each once; from 1, a line ending at each
    newline, the newline kept), in order, reading no further than the last of them.

    Read in blocks whose newlines are found at once (``compiled``: by the compiled pass the chunks'
    lines are found with, :func:`parsers.log_bytes.line_offsets`; else by numpy): to the end of a
    10M-line log, iterating the stream line by line took 5.0 s, this 2.7 s (docs/performance.md).
    """
    at, first = 0, 1  # the next wanted line; the number of the line the next block continues
    carry: list[bytes] = []  # the start of that line, from the blocks before
    while at < len(numbers):
        block = stream.read(size)
        if not block:
            rest = b"".join(carry)
            if rest and numbers[at] == first:  # the last line, without a newline
                yield first, rest
            return
        ends = _newlines(block, compiled)
        if not len(ends):
            if sum(map(len, carry)) <= long_lines.LONG_LINE:  # a longer line is given by its head (parsers.long_lines)
                carry.append(block)
            continue
        last = first + len(ends) - 1  # the lines first..last end in this block
        if numbers[at] <= last:
            while at < len(numbers) and numbers[at] <= last:
                k = int(numbers[at]) - first
                start = int(ends[k - 1]) + 1 if k else 0
                yield int(numbers[at]), (b"".join(carry) if not k else b"") + block[start:int(ends[k]) + 1]
                at += 1
        carry = [block[int(ends[-1]) + 1:]]
        first = last + 1


def _newlines(block: bytes, compiled: bool) -> np.ndarray:
    """The positions of ``block``'s newlines."""
    found = _compiled_offsets(block) if compiled else None
    if found is None:
        return np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    starts = found[0][1:]  # after each newline, then the end when the last line has none
    return (starts[:-1] if block[-1:] != b"\n" else starts) - 1


def compiled_loaded() -> bool:
    """Whether the compiled byte searches are loaded already (a log big enough for the compiled scanner
    was read): a pass that could use them, but does not need them, loads nothing for a small log."""
    module = sys.modules.get("parsers.log_bytes")
    return module is not None and getattr(module, "njit", None) is not None


def physical_lines(chunk: bytes | bytearray) -> int:
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


@dataclass
class ChunkLines:
    """The logical lines of one chunk: text, 1-based physical line numbers, physical line count."""

    text: pa.Array
    numbers: np.ndarray
    physical: int
    # the lines still end with their newline (and any CR before it): read by the compiled scanner,
    # which skips them, and trimmed (:func:`trimmed`) only where lines are taken for anything else
    ends: bool = False
    # every byte of the chunk is ASCII, as the compiled pass that found the line ends saw (False: not
    # known): the compiled scanner then need not look at every byte again
    ascii: bool = False
    # each line is its physical line's bytes, terminators aside (no CRI parts joined, no invalid UTF-8
    # replaced, no lone carriage return read as a line end): the text a second read of the file gives
    verbatim: bool = False

    def taken(self, rows: np.ndarray) -> pa.Array:
        """The text of ``rows`` (indices into :attr:`text`), without line terminators."""
        text = pc.take(self.text, pa.array(rows, pa.int64()))
        return trimmed(text, self.ends)


def trimmed(text: pa.Array, ends: bool = True) -> pa.Array:
    """Lines without their terminators (the trailing CRs and newlines); ``text`` as it is when its
    lines have none (``ends=False``)."""
    return pc.utf8_rtrim(text, characters="\r\n") if ends else text


def chunk_lines(chunk: bytes | bytearray, first_line: int, compiled: bool = False,
                keep_ends: bool = False) -> ChunkLines:
    """One chunk as an Arrow string array, CRI partial lines joined, invalid UTF-8 replaced.

    The common case builds the array straight from the chunk's bytes (offsets from the newline
    positions), with no Python object per line; only chunks with CRI ``P`` lines or invalid UTF-8
    go through a list of lines. ``compiled``: the newlines, non-ASCII bytes and carriage returns are
    found in one compiled pass (:func:`parsers.log_bytes.line_offsets`; for logs the compiled scanner
    reads anyway, as importing Numba costs more than small logs save), not in three numpy passes.
    ``keep_ends``: lines read straight from the chunk keep their terminators (:attr:`ChunkLines.ends`),
    sparing a copy of the chunk when the compiled scanner reads nearly every line.
    """
    found = _compiled_offsets(chunk) if compiled else None
    rewritten = False
    tail = isinstance(chunk, RunTail)  # its first pieces the rest of the chunk before's line
    if (found[2] if found is not None else b"\r" in chunk) and _BARE_CR_RE.search(chunk):
        # old Mac line endings (CR alone): each CR ends a line, so no line hides inside another one
        chunk = _BARE_CR_RE.sub(b"\n", chunk)
        found = None
        rewritten = True
    if tail or (_is_cri(chunk) and (b" stdout P " in chunk or b" stderr P " in chunk)):
        raw = _split(chunk)
        joined, starts = join_cri_partials(raw, tail)
        return ChunkLines(_decode(joined), np.asarray(starts, dtype=np.int64) + first_line, len(raw))
    text = _from_buffer(chunk, found, trim=not keep_ends)
    ends = keep_ends and text is not None
    verbatim = text is not None and not rewritten
    if text is None:
        text = _decode(_split(chunk))
    ascii_only = found is not None and not found[1]
    return ChunkLines(text, np.arange(first_line, first_line + len(text), dtype=np.int64), len(text), ends,
                      ascii_only, verbatim)


_BARE_CR_RE = re.compile(rb"\r(?!\n)")


def _is_cri(chunk: bytes | bytearray) -> bool:
    """Raw CRI files (rotated logs) say so on every line: ``<RFC3339Nano> stdout|stderr F|P ``."""
    head = chunk[:64]
    return b" stdout " in head or b" stderr " in head


def _split(chunk: bytes | bytearray) -> list[bytes]:
    raw = bytes(chunk).split(b"\n")  # bytes lines (a rare path: CRI partial lines, invalid UTF-8)
    if raw and raw[-1] == b"":
        raw.pop()
    return raw


def _compiled_offsets(chunk: bytes | bytearray) -> tuple[np.ndarray, bool, bool] | None:
    """:func:`parsers.log_bytes.line_offsets` of a chunk whose offsets fit Arrow's 32 bits."""
    if not chunk or len(chunk) >= 1 << 31:
        return None
    from parsers import log_bytes

    return log_bytes.line_offsets(np.frombuffer(chunk, dtype=np.uint8),
                                  np.frombuffer(chunk, dtype=np.uint64, count=len(chunk) // 8))


def _from_buffer(chunk: bytes | bytearray, found: tuple[np.ndarray, bool, bool] | None = None,
                 trim: bool = True) -> pa.Array | None:
    """Lines of ``chunk`` without copying them into Python objects; None when the bytes are not UTF-8.

    ``found``: the chunk's :func:`_compiled_offsets`, when they were taken. ``trim=False`` leaves each
    line's terminator on it (no copy of the chunk)."""
    if not chunk:
        return pa.array([], pa.string())
    if len(chunk) >= 1 << 31:
        return None
    data = np.frombuffer(chunk, dtype=np.uint8)
    offsets = found[0] if found is not None else _offsets(data)
    non_ascii = found[1] if found is not None else bool(data.max() >= 128)
    lines = pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(chunk))
    if non_ascii:  # plain ASCII is valid UTF-8 and the offsets are valid by construction: one pass less
        try:
            lines.validate(full=True)
        except pa.ArrowInvalid:
            return None
    return trimmed(lines, trim)


def _offsets(data: np.ndarray) -> np.ndarray:
    """Arrow string offsets of the lines of ``data``: 0, the position after each newline, and the end
    when the last line has none."""
    # newline positions block by block: small temporaries the allocator reuses (one 32 MB mask per
    # chunk would be fresh memory, page-faulted in every time)
    block = 1 << 22
    newlines = np.concatenate([np.flatnonzero(data[i : i + block] == 10) + i for i in range(0, len(data), block)])
    ends_open = not len(data) or data[-1] != 10
    offsets = np.empty(len(newlines) + 1 + ends_open, dtype=np.int32)
    offsets[0] = 0
    offsets[1 : len(newlines) + 1] = newlines + 1
    if ends_open:
        offsets[-1] = len(data)
    return offsets


def _decode(raw_lines: list[bytes]) -> pa.Array:
    """Lines as UTF-8 text without a CR; invalid bytes replaced (only a chunk with bad bytes pays for it)."""
    try:
        text = pa.array(raw_lines, pa.binary()).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pa.array([r.decode("utf-8", errors="replace") for r in raw_lines], pa.string())
    return pc.utf8_rtrim(text, characters="\r")


def nth(lists: pa.Array, i: int) -> pa.Array:
    """Element ``i`` of every list, null where the list is shorter or null (list_element would raise).

    The common case (every list long enough) takes the direct kernel; the padded slice is only
    paid for arrays holding short or null lists.
    """
    shortest = pc.min(pc.list_value_length(lists)).as_py()
    if lists.null_count == 0 and shortest is not None and shortest > i:
        return pc.list_element(lists, i)
    filled = pc.fill_null(lists, pa.scalar([], lists.type))
    return pc.list_flatten(pc.list_slice(filled, i, i + 1, return_fixed_size_list=True))


@dataclass
class Prefixes:
    """What the wrapper in front of each HAProxy message says: the body and where/when it was logged."""

    body: pa.Array
    pid: pa.Array  # int64, null for bare lines
    host: pa.Array  # the syslog hostname (router pod, or node with HostNetwork), null when absent
    received: pa.Array  # timestamp[us, UTC] of the syslog/rsyslog receive time, null when absent


def split_prefix(text: pa.Array) -> Prefixes:
    """Cut lines at the ``haproxy[pid]: `` tag.

    Anchoring on the tag handles every prefix shape at once (kubelet + rsyslog, rsyslog, RFC3164,
    CRI); lines without a tag are bare HAProxy lines whose body is the whole line. Only substring
    kernels are used: a regex over every whole line costs more than the rest of the parse.
    """
    parts = pc.split_pattern(text, "]: ", max_splits=1)
    head, rest = nth(parts, 0), nth(parts, 1)
    tag = pc.split_pattern(head, "haproxy[", max_splits=1, reverse=True)
    pid_text = nth(tag, 1)  # the digits after the last "haproxy[" before "]: "
    tagged = pc.fill_null(pc.and_(pc.is_valid(rest), pc.ascii_is_decimal(pid_text)), False)
    prefix = pc.if_else(tagged, nth(tag, 0), pa.scalar("", pa.string()))
    # an untagged line may still carry the kubelet's time in front of a bare HAProxy line
    lead = pc.split_pattern(text, " ", max_splits=1)
    stamped = pc.and_(pc.invert(tagged), pc.and_(looks_iso(nth(lead, 0)), pc.is_valid(nth(lead, 1))))
    body = pc.if_else(tagged, rest, pc.if_else(stamped, nth(lead, 1), text))
    pid = pc.cast(pc.if_else(tagged, pc.utf8_slice_codeunits(pid_text, 0, 18), NULL_STR), pa.int64())
    # host: the last word of the prefix (rsyslog prints the pod name twice; HostNetwork: the node)
    last_words = pc.split_pattern(pc.utf8_rtrim_whitespace(prefix), " ", max_splits=1, reverse=True)
    host = pc.if_else(pc.equal(pc.list_value_length(last_words), 2), nth(last_words, 1), nth(last_words, 0))
    host = pc.if_else(pc.equal(host, ""), NULL_STR, host)
    words = pc.split_pattern(prefix, " ", max_splits=4)
    received = receive_time([nth(words, i) for i in range(4)] + [pc.if_else(stamped, nth(lead, 0), NULL_STR)])
    return Prefixes(body, pid, host, received)


def receive_time(candidates: list[pa.Array]) -> pa.Array:
    """The syslog receive time among the leading prefix words: the last RFC3339 one.

    kubelet (``current.log``) and CRI (rotated files) put their own time first and rsyslog's
    receive time after it; rsyslog's is the one that belongs to the message.
    """
    chosen = pa.nulls(len(candidates[0]), pa.string()) if candidates else pa.array([], pa.string())
    for word in candidates:
        chosen = pc.if_else(looks_iso(word), word, chosen)
    return iso_to_utc(chosen)


def looks_iso(word: pa.Array) -> pa.Array:
    """``YYYY-MM-DDTHH...`` by position only (cheap); the parse decides the rest."""
    t_at_10 = pc.equal(pc.utf8_slice_codeunits(word, 10, 11), "T")
    dash_at_4 = pc.equal(pc.utf8_slice_codeunits(word, 4, 5), "-")
    return pc.fill_null(pc.and_(t_at_10, dash_at_4), False)


def iso_to_utc(words: pa.Array) -> pa.Array:
    """RFC3339 timestamps (any fraction, ``Z`` or ``+hh:mm``) to ``timestamp[us, UTC]``; anything else null.

    Arrow's ISO-8601 cast does the whole column at memory speed; it refuses the entire array
    when one value is odd (no offset, a broken fraction), and only then the per-part parse runs.
    """
    iso = pc.if_else(looks_iso(words), words, NULL_STR)
    try:
        nanos = pc.cast(iso, pa.timestamp("ns", tz="UTC"))
        return pc.cast(nanos, pa.timestamp("us", tz="UTC"), safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _iso_parts_to_utc(iso)


def _iso_parts_to_utc(iso: pa.Array) -> pa.Array:
    secs = pc.strptime(pc.utf8_slice_codeunits(iso, 0, 19), format="%Y-%m-%dT%H:%M:%S", unit="us", error_is_null=True)
    frac = pc.struct_field(pc.extract_regex(iso, r"^.{19}\.(?P<f>[0-9]{1,6})"), "f")
    micros = pc.cast(pc.utf8_rpad(frac, 6, "0"), pa.int64())
    offset = pc.extract_regex(iso, r"(?P<sign>[+-])(?P<h>[0-9]{2}):?(?P<m>[0-9]{2})$")
    off_min = pc.add(
        pc.multiply(pc.cast(pc.struct_field(offset, "h"), pa.int64()), 60),
        pc.cast(pc.struct_field(offset, "m"), pa.int64()),
    )
    off_min = pc.if_else(pc.equal(pc.struct_field(offset, "sign"), "-"), pc.negate(off_min), off_min)
    total = pc.add(pc.cast(secs, pa.int64()), pc.fill_null(micros, 0))
    total = pc.subtract(total, pc.multiply(pc.fill_null(off_min, 0), 60_000_000))
    return pc.cast(total, pa.timestamp("us", tz="UTC"))


def received_of(text: str) -> pd.Timestamp | None:
    """The receive time of one line (for the few lines handled one by one, e.g. router messages)."""
    found = [m.group(1) for m in _ISO_RE.finditer(text[:120].split("haproxy[", 1)[0])]
    if not found:
        return None
    try:
        ts = pd.Timestamp(found[-1])
    except ValueError:
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def host_of(text: str) -> str | None:
    """The syslog host of one line: the word before the ``haproxy[pid]:`` tag."""
    m = TAG_RE.search(text)
    if not m:
        return None
    words = text[: m.start()].split()
    return words[-1] if words else None
