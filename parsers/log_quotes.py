"""The raw text of cited access-log lines the parse did not keep, read back where their chunk starts.

The report quotes each log line a finding cites (its first lines and its last). The parse hands over the
text of the first abnormal lines of each file (:mod:`parsers.kept_line_texts`, ``load_logs._evidence_lines``),
and a finding's last line is most often far beyond them: at 10M lines, every finding's last cited line was
described from its fields instead of quoted. A second pass over the file to find them would read it again
to its end. Instead, the parse records where each chunk of a file starts (its first line's number and
its byte offset, :class:`ChunkStart`), and a cited line is read back from its chunk alone, by offset.

The chunks' offsets count the log's bytes as parsed, after any decompression. A plain file, a file of a
directory input or a member of an uncompressed tar is read at the offset (``parsers.kept_text.reader_for``,
which never follows a link and refuses a file changed since it was loaded). A log that was decompressed while
parsed is decompressed again from its start, once, every cited chunk read in one forward pass
(:func:`log_reader`): a ``.gz``, ``.xz`` or ``.bz2`` log named on the command line, a member of a ``.tar.gz``,
``.tar.xz`` or ``.tar.bz2``, a rotated ``.gz`` inside an input, a zip member. That costs at most the
decompression of the log up to its last cited chunk, no more than the parse spent decompressing it: with ISA-L
about 0.8 s for a 1.1 GB gzipped log; ``.xz`` and ``.bz2`` are slower to decompress (about 190 and 70 MB/s
here, docs/performance.md), and a finding's evidence is its text, so those are read again too.
"""

from __future__ import annotations

import lzma
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from parsers import long_lines
from parsers.gzip_reader import ERRORS
from parsers.kept_text import (
    FileReader,
    Reader,
    Unreadable,
    _stamp,
    _why,
    archive_compression,
    reader_for,
    stream_ranges,
)
from parsers.sources import DECOMPRESSORS, SingleFileSource, sniff_compression


@dataclass(frozen=True, slots=True)
class ChunkStart:
    """A chunk of a file that starts a line: that line's number (from 1), its byte offset and the chunk's size."""

    line: int
    offset: int
    size: int


def chunk_starts(chunks: Iterable[tuple[int, int, bool]]) -> tuple[ChunkStart, ...]:
    """The chunks that start a line, from each chunk's (physical lines, bytes, whether it ends a line), in file
    order: a chunk follows the bytes of the ones before it, and starts a line when the one before ended one.
    A chunk of one line longer than any router line (``parsers.long_lines``) is passed over: quoting it would
    read it whole, and its head is in the unparsed samples already."""
    out = []
    line, offset, begins = 1, 0, True
    for physical, size, ends_line in chunks:
        if begins and size and not (physical == 1 and size > long_lines.LONG_LINE):
            out.append(ChunkStart(line, offset, size))
        line += physical
        offset += size
        begins = ends_line
    return tuple(out)


@dataclass(frozen=True)
class DecompressedReader(Reader):
    """A log parsed out of a compressed stream, read again by decompressing the stream from its start:
    ``compressed`` gives the compressed bytes (a file, a member of a plain tar or of a zip), ``compression``
    names how (a key of :data:`parsers.sources.DECOMPRESSORS`); the log's bytes start at ``base`` of what they
    decompress to and hold ``size`` bytes (a member of a compressed tar), or are all of it."""

    compressed: Reader
    base: int = 0
    size: int | None = None
    compression: str = "gz"

    def read(self, offset: int, length: int) -> bytes:
        return b"".join(self.read_ranges([(offset, length)]))

    def read_ranges(self, ranges: Iterable[tuple[int, int]]) -> Iterator[bytes]:
        try:
            with self.compressed.open_stream() as raw, DECOMPRESSORS[self.compression](raw) as stream:
                yield from stream_ranges(stream, ranges, self.base, self.size)
        except (OSError, EOFError, ValueError, lzma.LZMAError, *ERRORS) as exc:
            raise Unreadable(_why(exc)) from None


def log_reader(src: Any, member: Any) -> Reader | None:
    """How a parsed log of ``src`` (``parsers.sources``) is read again at the offsets of the bytes as parsed;
    None when it is not (a file that cannot be reached again, a rotated log the parse did not decompress)."""
    from parsers.archive_sources import TarSource

    if getattr(src, "within", None) is not None:  # an archive read from another input's member: no file to reach
        return None
    try:
        if isinstance(src, SingleFileSource) and src.compression:  # a compressed log named on the command line
            if src.compression not in DECOMPRESSORS:
                return None
            return DecompressedReader(FileReader(str(member.key), (), _stamp(os.lstat(member.key))),
                                      compression=src.compression)
        if isinstance(src, TarSource):
            archive = archive_compression(src)
            if archive in DECOMPRESSORS:  # the member's bytes are a range of the decompressed archive
                return DecompressedReader(FileReader(str(src.path), (), _stamp(os.stat(src.path))),
                                          member.key.offset_data, member.size, archive)
            if archive is not None:
                return None
        raw = reader_for(src, member)
        inner = None if raw is None else sniff_compression(raw.read(0, 8))
    except (OSError, Unreadable):
        return None
    if inner is None:
        return raw
    # a rotated log: the parse decompresses a ``.gz`` one only (``log_stream.open_log_stream``)
    return DecompressedReader(raw) if inner == "gz" else None


def quoted_lines(reader: Reader, starts: tuple[ChunkStart, ...], numbers: Iterable[int]) -> dict[int, str]:
    """The text of the lines ``numbers`` (terminators trimmed, invalid UTF-8 replaced), each read from the chunk
    that holds it, the chunks in file order (``reader`` from :func:`log_reader`); a line no recorded chunk
    holds whole, or an unreadable file, gives nothing (from where it became unreadable)."""
    if not starts:
        return {}
    firsts = np.array([s.line for s in starts], dtype=np.int64)
    wanted: dict[int, list[int]] = {}
    for number in sorted(set(numbers)):
        k = int(np.searchsorted(firsts, number, side="right")) - 1
        if k >= 0:
            wanted.setdefault(k, []).append(number)
    out: dict[int, str] = {}
    picked = sorted(wanted.items())
    chunks = reader.read_ranges([(starts[k].offset, starts[k].size) for k, _ in picked])
    try:
        for (k, lines), data in zip(picked, chunks, strict=False):
            _quote(data, starts[k].line, lines, out)
    except Unreadable:
        pass
    finally:
        chunks.close()  # type: ignore[attr-defined]  # a stream left open by a chunk that did not come
    return out


def _quote(data: bytes, first: int, numbers: list[int], out: dict[int, str]) -> None:
    """The lines ``numbers`` of a chunk whose first line is ``first``, into ``out`` (whole lines only)."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    for number in numbers:
        j = number - first
        if j >= len(ends):  # not a whole line of this chunk
            continue
        begin = int(ends[j - 1]) + 1 if j else 0
        out[number] = data[begin:int(ends[j]) + 1].decode("utf-8", errors="replace").rstrip("\r\n")
