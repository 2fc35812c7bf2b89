"""An access log's bytes as one guarded stream: damage and bombs cut it, they never lose it.

Access logs are streamed, so their size is not capped by default (design.md "Resource limits");
what guards them instead is checked here, while the bytes flow:

- a compressed stream whose decompressed size passes 200 times its compressed size once past
  64 MiB is cut (a bomb, not a log);
- a ``.gz`` whose decompressed bytes are gzip again is refused (gzip inside gzip); a rotated
  ``.gz`` member inside a tar is decompressed once, which is normal;
- ``max_log_bytes``, when the user asks for one, cuts after that many decompressed bytes;
- ``read_to`` ends the stream at that byte without a cut: the log's bytes after it are the first bytes of
  another input's log, read there (:mod:`parsers.log_overlaps`);
- a damaged stream (trailing garbage after the gzip data, a truncated ``.gz``, a read error, an archive
  that ends inside the member) ends where the damage starts; a zip member that fails its CRC-32 once all
  its bytes were read ends there too, its lines kept and said to be unverified.

Every cut ends the stream cleanly, so the lines before it are parsed as usual; the reader then
holds a :class:`LogStreamCut` with the reason and the decompressed byte ``offset`` where reading
stopped, which :func:`raise_if_cut` raises after the last chunk so the caller records it.
"""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from parsers.byte_budget import RATIO_FLOOR, RATIO_LIMIT  # the members read whole use the same guard
from parsers.sources import InputSource, Member, MemberChecksumError, MemberTooLarge, sniff_compression

STREAM_BUFFER = 1 << 20
READ_SIZE = 1 << 20


class LogStreamCut(OSError):
    """A log stream that stopped early: ``reason`` and the decompressed byte ``offset`` it stopped at."""

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} (reading stopped at byte {offset}; the lines before were kept)")
        self.reason = reason
        self.offset = offset


class _GuardedReader(io.RawIOBase):
    """Counts the bytes that come out of ``raw``; on damage or a guard, ends the stream and keeps why."""

    def __init__(self, raw: IO[bytes], *, compressed_size: int | None, max_bytes: int | None,
                 stop: int | None = None):
        self._raw = raw
        self._compressed = compressed_size
        # a byte limit under the stop is a cut; at or past it the stream ends at the stop, uncut
        self._max = max_bytes if max_bytes is not None and (stop is None or max_bytes < stop) else None
        self._stop = stop
        self.offset = 0
        self.cut: LogStreamCut | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.cut is not None:
            return 0
        view = memoryview(buffer)
        if self._stop is not None:
            view = view[: max(0, self._stop - self.offset)]
            if not len(view):
                return 0
        if self._max is not None:
            view = view[: max(0, self._max - self.offset)]
            if not len(view):
                return 0
        try:
            # one underlying read at a time: what came before a damaged block is handed out first;
            # read straight into the caller's buffer (a plain file: one copy, with the GIL released)
            n = self._raw.readinto1(view[:READ_SIZE])  # type: ignore[attr-defined]
            if self._max is not None and n and self.offset + n >= self._max and self._raw.read1(1):  # type: ignore[attr-defined]
                # past the limit: the stream ends after the last whole line, where the cut is said to be
                n = bytes(view[:n]).rfind(b"\n") + 1 or n
                self.cut = LogStreamCut(f"the log byte limit ({self._max} bytes) was reached", self.offset + n)
        except MemberChecksumError:  # every byte of the member was read: its lines are kept, unverified
            self.cut = LogStreamCut("the member failed its CRC-32 check once all its bytes were read: its lines "
                                    "are kept but may be damaged", self.offset)
            return 0
        except (OSError, EOFError, zlib.error, lzma.LZMAError, MemberTooLarge, ValueError, tarfile.TarError,
                zipfile.BadZipFile) as exc:
            self.cut = LogStreamCut(f"damaged stream: {' '.join(str(exc).split())[:160]}", self.offset)
            return 0
        self.offset += n
        if (self._compressed is not None and self.offset > RATIO_FLOOR
                and self.offset > RATIO_LIMIT * max(self._compressed, 1)):
            self.cut = LogStreamCut(
                f"decompressed size over {RATIO_LIMIT} times the compressed size "
                f"({self._compressed} bytes): a decompression bomb, not a log", self.offset)
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


@contextmanager
def open_log_stream(source: InputSource, member: Member, max_log_bytes: int | None = None,
                    read_to: int | None = None) -> Iterator[tuple[IO[bytes], list[_GuardedReader]]]:
    """The member's log bytes (gunzipped once when compressed) and the readers that guard them.

    ``read_to``: the stream ends at this byte (as parsed), uncut (see the module's text).

    The outer reader guards the member's bytes as the source hands them (already decompressed for a
    ``.gz`` file given on the command line); the inner one, when the member is a rotated ``.gz``,
    guards what comes out of it.
    """
    outer = getattr(source, "compression", None)  # a .gz/.xz/.bz2 file the source already decompresses
    compressed_size = source.compressed_size(member)  # None: the source hands the bytes as stored
    with source.open(member, capped=False) as raw:
        outer_reader = _GuardedReader(raw, compressed_size=compressed_size, max_bytes=None)
        stream = io.BufferedReader(outer_reader, STREAM_BUFFER)
        inner = sniff_compression(stream.peek(8)[:8])
        if outer and inner:
            outer_reader.cut = LogStreamCut(f"{inner} inside {outer}: nested compression is refused", 0)
            yield io.BufferedReader(io.BytesIO()), [outer_reader]
        elif inner == "gz":  # a rotated .gz: decompressed once, here
            with gzip.GzipFile(fileobj=stream) as gz:
                reader = _GuardedReader(gz, compressed_size=compressed_size or member.size or None,
                                        max_bytes=max_log_bytes, stop=read_to)
                yield io.BufferedReader(reader, STREAM_BUFFER), [reader, outer_reader]
        elif max_log_bytes is not None or read_to is not None:
            # counted from the first byte: the sniffing above already buffered up to STREAM_BUFFER of them
            capped = _GuardedReader(stream, compressed_size=None, max_bytes=max_log_bytes, stop=read_to)
            yield io.BufferedReader(capped, STREAM_BUFFER), [capped, outer_reader]
        else:
            yield stream, [outer_reader]


def raise_if_cut(readers: list[_GuardedReader]) -> None:
    """After the last chunk: raise the cut the stream ended on, if any (the innermost one first)."""
    for reader in readers:
        if reader.cut is not None:
            raise reader.cut
