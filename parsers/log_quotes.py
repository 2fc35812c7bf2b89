"""The raw text of cited access-log lines the parse did not keep, read back where their chunk starts.

The report quotes each log line a finding cites (its first lines and its last). The parse hands over the
text of the first abnormal lines of each file (:mod:`parsers.kept_line_texts`, ``load_logs._evidence_lines``),
and a finding's last line is most often far beyond them: at 10M lines, every finding's last cited line was
described from its fields instead of quoted. A second pass over the file to find them would read it again
to its end. Instead, the parse records where each chunk of a file starts (its first line's number and
its byte offset, :class:`ChunkStart`), and a cited line is read back from its chunk alone, by offset.

Only files that can be read by offset again, unchanged since they were loaded, are quoted: a plain file,
a file of a directory input, a member of an uncompressed tar (``parsers.kept_text.reader_for``, which never
follows a link and refuses a file changed since; ``parsers.load_logs._readers``). A log decompressed while
read (a rotated ``.gz``, a compressed archive or zip member) has no such offsets: its lines stay described.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from parsers.kept_text import Reader, Unreadable
from parsers.sources import sniff_compression


@dataclass(frozen=True, slots=True)
class ChunkStart:
    """A chunk of a file that starts a line: that line's number (from 1), its byte offset and the chunk's size."""

    line: int
    offset: int
    size: int


def chunk_starts(chunks: Iterable[tuple[int, int, bool]]) -> tuple[ChunkStart, ...]:
    """The chunks that start a line, from each chunk's (physical lines, bytes, whether it ends a line), in file
    order: a chunk follows the bytes of the ones before it, and starts a line when the one before ended one."""
    out = []
    line, offset, begins = 1, 0, True
    for physical, size, ends_line in chunks:
        if begins and size:
            out.append(ChunkStart(line, offset, size))
        line += physical
        offset += size
        begins = ends_line
    return tuple(out)


def quoted_lines(reader: Reader, starts: tuple[ChunkStart, ...], numbers: Iterable[int]) -> dict[int, str]:
    """The text of the lines ``numbers`` (terminators trimmed, invalid UTF-8 replaced), each read from the chunk
    that holds it; a line no recorded chunk holds whole, or an unreadable file, gives nothing."""
    if not starts:
        return {}
    try:
        if sniff_compression(reader.read(0, 8)) is not None:  # decompressed while parsed: offsets do not apply
            return {}
    except Unreadable:
        return {}
    firsts = np.array([s.line for s in starts], dtype=np.int64)
    wanted: dict[int, list[int]] = {}
    for number in sorted(set(numbers)):
        k = int(np.searchsorted(firsts, number, side="right")) - 1
        if k >= 0:
            wanted.setdefault(k, []).append(number)
    out: dict[int, str] = {}
    for k, lines in wanted.items():
        start = starts[k]
        try:
            data = reader.read(start.offset, start.size)
        except Unreadable:
            return out
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        for number in lines:
            j = number - start.line
            if j >= len(ends):  # not a whole line of this chunk
                continue
            begin = int(ends[j - 1]) + 1 if j else 0
            out[number] = data[begin:int(ends[j]) + 1].decode("utf-8", errors="replace").rstrip("\r\n")
    return out
