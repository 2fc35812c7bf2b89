"""A line longer than any router log line: kept as one line of its first bytes, the rest skipped unheld.

HAProxy writes a log line of at most 65535 bytes (``log ... len``), and the kubelet, CRI and rsyslog
prefixes in front of it add a few hundred (router-facts.md §1.4, §1.5). A far longer "line" is not a
router line: after a node crash a log can hold long runs of NUL bytes without a newline, and a binary
blob can be named ``current.log``. Such a line is cut out of the chunks (:func:`parsers.log_lines.chunks`)
as a :class:`LongLine`: its first :data:`LONG_LINE` bytes, its real length, and whether a newline ended it.
It counts as one line, so every later line keeps its true number; its bytes count in the chunk's size, so
the byte offsets where later chunks start stay true (``parsers.log_quotes``); and it is never held whole,
so a 200 MB line costs the memory of a small log, not ten times its size. A container runtime's line
(``<time> stdout F|P <content>``) or one piece of it (``P``) over the cap is cut out the same way; the pieces of
its line before and after it are then lines of their own (not joined to it: ``parsers.cri_runs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

LONG_LINE = 1 << 20  # bytes: sixteen times HAProxy's longest log line, enough to show the line and refuse it
SKIP_BLOCK = 1 << 20  # the rest of a long line is read this much at a time, each block dropped


@dataclass(frozen=True)
class LongLine:
    """One line longer than :data:`LONG_LINE`: its first bytes, its length (its newline aside), and whether a
    newline ended it (the last line of a file may have none)."""

    head: bytes
    length: int
    ends_line: bool

    @property
    def size(self) -> int:
        """The line's bytes in the file, its newline included."""
        return self.length + self.ends_line

    def reason(self) -> str:
        return (f"a line of {self.length:,} bytes, longer than any router log line: "
                f"its first {len(self.head):,} read")

    def sample(self, input: str, source: str) -> dict[str, Any]:
        """The line as an unparsed sample (line 1 of its chunk, shifted with it)."""
        text = self.head[:2000].decode("utf-8", errors="replace").rstrip("\r\n")
        return {"input": input, "source": source, "line": 1, "text": text, "reason": self.reason()}


def first_long(buf: bytes | bytearray) -> int:
    """Where the first line of ``buf`` longer than :data:`LONG_LINE` starts (its last line may not end in
    ``buf``), or -1.

    A line longer than the cap holds a whole aligned window of half the cap, so one search for a newline
    in each window finds every such line; in a log of short lines each search stops within a few hundred
    bytes (32 short searches for a 16 MB chunk)."""
    window = max(1, LONG_LINE // 2)
    at = 0
    while at + window <= len(buf):
        if buf.find(b"\n", at, at + window) >= 0:
            at += window
            continue
        start = buf.rfind(b"\n", 0, at) + 1
        end = buf.find(b"\n", at + window)
        if (len(buf) if end < 0 else end) - start > LONG_LINE:
            return start
        if end < 0:
            return -1
        at = end + 1
    return -1


def read_long_line(buf: bytes | bytearray, start: int, stream: IO[bytes], size: int) -> tuple[LongLine, bytes]:
    """The long line starting at ``start`` of ``buf`` (it ends there or goes on in ``stream``, whose blocks of
    at most ``size`` bytes are read and dropped up to its newline), and the bytes after that newline in what
    was read."""
    head = bytes(memoryview(buf)[start:start + LONG_LINE])
    end = buf.find(b"\n", start)
    if end >= 0:
        return LongLine(head, end - start, True), bytes(memoryview(buf)[end + 1:])
    length = len(buf) - start
    while block := stream.read(min(size, SKIP_BLOCK)):
        end = block.find(b"\n")
        if end >= 0:
            return LongLine(head, length + end, True), bytes(block[end + 1:])
        length += len(block)
    return LongLine(head, length, False), b""
