"""A container runtime's line in pieces (CRI ``<time> stdout|stderr P <content>``) is never split by a chunk boundary.

A runtime splits a line over 16 KiB into ``P`` pieces, each continued on the next physical line, the piece
that ends it tagged ``F`` (any line that is not a ``P`` piece ends the run: :func:`join_cri_partials`). The
pieces are joined inside one chunk; a chunk boundary between them would count the line in two parts. So the
chunk readers check the one line before each boundary (a log with no ``P`` piece pays one search and one
match per chunk, nothing per line):

- :func:`boundary` (the chunks of :func:`parsers.log_lines.chunks`, local engine and Dask alike): a run still
  open at the chunk's end is carried into the next chunk. A run whose joined text already holds more than
  :data:`parsers.long_lines.LONG_LINE` bytes takes nothing more (:func:`join_cri_partials`): the chunk then
  ends where it would, and the next one is a :class:`RunTail`, whose leading pieces (and the line that ends
  them) are counted as ``continued``, as one chunk would count them. Memory stays bounded: a run is carried
  while its joined text is under the cap and its bytes under :data:`RUN_BYTES` times the cap;
- :func:`past_open_run` (the byte ranges a Dask worker reads itself, ``mga.dask_engine.byte_ranges``): a
  boundary after a ``P`` piece moves to after the line that ends its run, found by small reads.

A ``P`` piece longer than the cap is cut out as a line of its own (:mod:`parsers.long_lines`): the pieces
around it are not joined to it, on either engine.
"""

from __future__ import annotations

import re
from typing import IO

from parsers import long_lines

CRI_PARTIAL = re.compile(rb"^(\S+) (?:stdout|stderr) P (.*)$")
CRI_FULL_PREFIX = rb"(\S+) (?:stdout|stderr) F "  # a CRI line's time, stream and full-line tag, before its content
_CRI_FULL = re.compile(rb"^" + CRI_FULL_PREFIX + rb"(.*)$")
_PIECE = re.compile(rb"\S+ (?:stdout|stderr) P ")  # a partial piece's prefix, matched at a line's start
RUN_BYTES = 4  # a run carried over a boundary holds at most this many times the cap in bytes (pieces' prefixes)
HEAD = 4096  # bytes of a line read to tell a piece (its time, stream and tag come first)


class RunTail(bytes):
    """A chunk that starts inside a CRI line whose joined text, in the chunk before, is full already: its
    leading ``P`` pieces and the line that ends them are not lines of their own."""


def join_cri_partials(lines: list[bytes], tail: bool = False) -> tuple[list[bytes], list[int]]:
    """Join CRI ``P`` (partial) lines with their continuation; keep the first physical line's index.

    A runtime splits a long line into 16 KiB pieces: a line of 64 MB is 4,000 of them. Each line's pieces are
    gathered in a list and joined once (adding each piece to the line so far copied it again, quadratic in its
    pieces: docs/performance.md), and pieces are added only while the line holds no more than
    :data:`parsers.long_lines.LONG_LINE` bytes: no router line is that long, and such a line is unparsed either
    way (its first bytes shown). ``tail``: the lines are a :class:`RunTail`'s, the first ones the rest of a
    line already full."""
    out: list[bytes] = []
    starts: list[int] = []
    pending: list[bytes] | None = None
    kept = pending_start = 0
    skipping = tail
    for i, line in enumerate(lines):
        m = CRI_PARTIAL.match(line)
        if skipping:  # the rest of the chunk before's line, up to the line that ends it
            skipping = m is not None
            continue
        if m:
            if pending is None:
                pending, pending_start, kept = [line], i, len(line)
            elif kept <= long_lines.LONG_LINE:
                pending.append(m.group(2))
                kept += len(pending[-1])
            continue
        if pending is not None:
            full = _CRI_FULL.match(line)
            if kept <= long_lines.LONG_LINE:
                pending.append(full.group(2) if full else line)
            out.append(b"".join(pending))
            starts.append(pending_start)
            pending = None
            continue
        out.append(line)
        starts.append(i)
    if pending is not None:
        out.append(b"".join(pending))
        starts.append(pending_start)
    return out, starts


def boundary(buf: bytes | bytearray, end: int, tail: bool) -> tuple[int, bool]:
    """Where a chunk of ``buf[:end]`` (``end``: just after a newline) may end so that no CRI line is split,
    and whether the chunk after it is a :class:`RunTail`. ``tail``: ``buf`` is one (its first pieces the rest
    of a full line). 0: the whole buffer is one line still taking pieces: read on.

    Only the line before ``end`` is looked at unless it is a ``P`` piece; then its run is walked back, line
    by line, at most until its joined text passes the cap."""
    cap = long_lines.LONG_LINE
    stop = end - 1  # the newline of the line looked at
    start = buf.rfind(b"\n", 0, stop) + 1
    if _PIECE.match(buf, start, stop) is None:  # the common path: the chunk ends on a whole line
        return end, False
    taken = 0  # what the walked pieces add to the joined text (the first one: more, its prefix too)
    while True:
        m = _PIECE.match(buf, start, stop)
        if m is None:  # the line before the run: the run starts after it
            run = stop + 1
            break
        taken += stop - m.end()
        first = m.end() - start
        if taken > cap or end - start > RUN_BYTES * cap:  # full already: later pieces are only counted
            return end, True
        if start == 0:
            if tail:  # the rest of a full line, all of it
                return end, True
            run = 0
            break
        stop = start - 1
        start = buf.rfind(b"\n", 0, stop) + 1
    if taken + first > cap:
        return end, True
    return run, False


def past_open_run(fh: IO[bytes], pos: int, size: int) -> int:
    """``pos`` (a line's start in the file ``fh`` of ``size`` bytes), or, when the line before it is a
    ``P`` piece, the start of the line after the line that ends its run (or of a piece longer than the
    cap, which a chunk reader cuts out alone)."""
    if not pos or not _is_piece(_line_before(fh, pos)):
        return pos
    at = pos
    while at < size:
        head, after = _line_from(fh, at, size)
        if after - at - 1 > long_lines.LONG_LINE:  # cut out alone: a boundary the chunk reader makes too
            return at
        at = after
        if not _is_piece(head):
            break
    return min(at, size)


def _is_piece(head: bytes | None) -> bool:
    return head is not None and _PIECE.match(head.split(b"\n", 1)[0]) is not None


def _line_before(fh: IO[bytes], pos: int) -> bytes | None:
    """The first bytes of the line that ends at ``pos`` (its newline just before it); None for a line
    longer than the cap (a line of its own, whatever it says)."""
    for back in (HEAD, long_lines.LONG_LINE + 2):
        lo = max(0, pos - 1 - back)
        fh.seek(lo)
        block = fh.read(pos - 1 - lo)
        cut = block.rfind(b"\n")
        if cut >= 0 or lo == 0:
            line = block[cut + 1:]
            return None if len(line) > long_lines.LONG_LINE else line[:HEAD]
    return None


def _line_from(fh: IO[bytes], at: int, size: int) -> tuple[bytes, int]:
    """The first bytes of the line starting at ``at``, and where the line after it starts (``size``
    past the last line)."""
    fh.seek(at)
    head = fh.read(HEAD)
    cut = head.find(b"\n")
    if cut >= 0:
        return head, at + cut + 1
    pos = at + len(head)
    while block := fh.read(1 << 16):
        cut = block.find(b"\n")
        if cut >= 0:
            return head, pos + cut + 1
        pos += len(block)
    return head, max(pos, size) + 1
