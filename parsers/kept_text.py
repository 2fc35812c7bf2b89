"""The text of the files read, kept only as far as evidence needs it: a line is re-read by offset.

design.md "Resource limits": bytes are kept only as long as evidence needs them. The loader reads a
YAML/JSON file whole, parses it and hands the bytes to :meth:`KeptTexts.keep`; what stays is an
index of *blocks* (a block ends at the first line end after 64 KiB): each block's first line, byte
offset and CRC-32, 20 bytes per 64 KiB of text. A cited line is then given back by reading its block
again and checking the CRC, so a quote is either the line that was parsed or a note saying it could
not be re-read, never another line.

How a block is read again depends on what the input allows:

- **Random access** (a directory's files, a plain file, a zip member, a member of an uncompressed
  tar): the input is opened again by path and the block read at its offset. Nothing of the text stays
  in memory. Links are not followed: a directory's file is reached one component at a time with
  ``O_NOFOLLOW`` from the input's root, must still be a regular file with the inode, size and
  modification time seen when it was loaded; an archive must be the same file (inode, size,
  modification time) as when it was listed, so the member checks made then (regular file, safe name,
  no link) still hold; the member's bytes are read from the archive, never written to disk. A zip
  member is decompressed from its start up to the block (zip has no index inside a member).
- **Compressed streams** (``.tar.gz``, ``.tar.xz``, ``.tar.bz2``, ``.gz`` …): reading a block again
  would mean decompressing the archive from its start for every quote. Each block is kept instead
  as a zlib level 1 copy (level 1: fast to make, and YAML still shrinks about 5 times: the 1.5 MB kept
  of the aws must-gather take 0.28 MB, docs/performance.md), bounded by :data:`PACKED_CAP` for the
  run. Once that is reached the files that follow keep their index only and their lines are reported
  as not kept, with why.

Only files that yielded something to cite (objects, router configuration rows) are kept
(:func:`parsers.load_snapshot.load_snapshot` decides). :attr:`KeptTexts.kept_bytes` is what all of
this costs in memory (with the :data:`RECENT` blocks read last, reused by the next quotes: a block
read and checked once is given back again even if the file changes later in the run); the loader's
inputs can be closed once loading ends, each re-read opens its own.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

BLOCK = 64 << 10  # a block ends at the first line end after this many bytes
RECENT = 8  # blocks re-read lately, kept for the next quotes (8 x ~64 KiB)
PACKED_CAP = 256 << 20  # zlib copies of compressed inputs' blocks kept per run, all inputs together
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class Unreadable(Exception):
    """A kept file whose block cannot be given back; the message says why, in a few words."""


class Reader:
    """Reads ``length`` bytes at ``offset`` of one member again, or raises :class:`Unreadable`."""

    def read(self, offset: int, length: int) -> bytes:
        raise NotImplementedError

    def read_ranges(self, ranges: Iterable[tuple[int, int]]) -> Iterator[bytes]:
        """:meth:`read` of each (offset, length) in turn; a reader that must pass through the bytes before an
        offset (a compressed member) reads ranges given in ascending order in one pass."""
        for offset, length in ranges:
            yield self.read(offset, length)

    def open_stream(self) -> Any:
        """A context manager giving the member's bytes as one binary stream from its start, checked as
        :meth:`read` checks them (raises :class:`Unreadable`)."""
        raise Unreadable("cannot be read as a stream")


def _same(st: os.stat_result, seen: tuple[int, int, int]) -> bool:
    return (st.st_ino, st.st_size, st.st_mtime_ns) == seen


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class FileReader(Reader):
    """A file of a directory input (``parts`` below ``root``) or a plain file input (``parts`` empty)."""

    root: str
    parts: tuple[str, ...]
    seen: tuple[int, int, int]  # inode, size, mtime (ns) when loaded

    def _open(self) -> int:
        if not self.parts:
            return os.open(self.root, os.O_RDONLY | _NOFOLLOW)
        fd = os.open(self.root, os.O_RDONLY | _DIRECTORY)
        try:
            for part in self.parts[:-1]:  # each directory on the way: never a link
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = inner
            return os.open(self.parts[-1], os.O_RDONLY | _NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)

    def _checked(self) -> int:
        """The file opened, still the regular file seen when loaded (the caller closes the descriptor)."""
        try:
            fd = self._open()
        except OSError as exc:
            raise Unreadable(_why(exc)) from None
        try:
            st = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            raise Unreadable(_why(exc)) from None
        if not stat.S_ISREG(st.st_mode) or not _same(st, self.seen):
            os.close(fd)
            raise Unreadable("the file changed after loading")
        return fd

    def read(self, offset: int, length: int) -> bytes:
        fd = self._checked()
        try:
            return os.pread(fd, length, offset)
        except OSError as exc:
            raise Unreadable(_why(exc)) from None
        finally:
            os.close(fd)

    @contextmanager
    def open_stream(self) -> Iterator[IO[bytes]]:
        with os.fdopen(self._checked(), "rb") as fh:
            yield fh


@dataclass(frozen=True)
class TarMemberReader(Reader):
    """A member of an uncompressed tar: its bytes start at ``data_offset`` of the archive file."""

    archive: str
    seen: tuple[int, int, int]
    data_offset: int
    size: int

    def read(self, offset: int, length: int) -> bytes:
        if offset + length > self.size:
            raise Unreadable("outside the member")
        return FileReader(self.archive, (), self.seen).read(self.data_offset + offset, length)

    @contextmanager
    def open_stream(self) -> Iterator[IO[bytes]]:
        with FileReader(self.archive, (), self.seen).open_stream() as fh:
            try:
                fh.seek(self.data_offset)
            except OSError as exc:
                raise Unreadable(_why(exc)) from None
            yield io.BufferedReader(_Window(fh, self.size))


class _Window(io.RawIOBase):
    """The next ``size`` bytes of a stream, and nothing after them (a tar member's bytes in its archive)."""

    def __init__(self, raw: IO[bytes], size: int):
        super().__init__()
        self._raw, self._left = raw, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[: self._left]
        got = self._raw.readinto(view) or 0  # type: ignore[attr-defined]
        self._left -= got
        return got


@dataclass(frozen=True)
class ZipMemberReader(Reader):
    """A zip member, found again by its name in an unchanged archive and read through :mod:`zipfile`."""

    archive: str
    seen: tuple[int, int, int]
    name: str  # the name as stored (ZipInfo.filename)
    crc: int

    def read(self, offset: int, length: int) -> bytes:
        try:
            with self.open_stream() as member:
                member.seek(offset)
                return member.read(length)
        except _ZIP_ERRORS as exc:
            raise Unreadable(_why(exc)) from None

    @contextmanager
    def open_stream(self) -> Iterator[IO[bytes]]:
        """The member inflated as it is read (``read_ranges``: every range in one pass over it)."""
        try:
            fd = os.open(self.archive, os.O_RDONLY | _NOFOLLOW)
        except OSError as exc:
            raise Unreadable(_why(exc)) from None
        with os.fdopen(fd, "rb") as fh:
            try:
                if not _same(os.fstat(fh.fileno()), self.seen):
                    raise Unreadable("the archive changed after loading")
                zf = zipfile.ZipFile(fh)
                info = zf.getinfo(self.name)
                if self.crc != info.CRC:
                    raise Unreadable("the member changed after loading")
                member = zf.open(info)
            except _ZIP_ERRORS as exc:
                raise Unreadable(_why(exc)) from None
            with zf, member:
                yield member

    def read_ranges(self, ranges: Iterable[tuple[int, int]]) -> Iterator[bytes]:
        try:
            with self.open_stream() as member:
                yield from stream_ranges(member, ranges)
        except _ZIP_ERRORS as exc:
            raise Unreadable(_why(exc)) from None


_ZIP_ERRORS = (OSError, EOFError, KeyError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
               zlib.error)


def stream_ranges(stream: IO[bytes], ranges: Iterable[tuple[int, int]], base: int = 0,
                  size: int | None = None) -> Iterator[bytes]:
    """The bytes of each (offset, length) of a member that starts at ``base`` of ``stream`` (and holds ``size``
    bytes, when known), read going forward only, the bytes between skipped into one buffer (a decompressing
    stream skips as fast as it seeks, and a stream that cannot seek is read too): ranges come in ascending
    order."""
    at, member_at = 0, 0
    scratch = memoryview(bytearray(1 << 20))
    for offset, length in ranges:
        if offset < member_at:
            raise Unreadable("ranges out of order")
        if size is not None and offset + length > size:
            raise Unreadable("outside the member")
        left = base + offset - at
        while left:
            got = stream.readinto(scratch[: min(left, len(scratch))])  # type: ignore[attr-defined]
            if not got:
                raise Unreadable("the stream ends before the range")
            at += got
            left -= got
        data = stream.read(length)
        at += len(data)
        member_at = offset + len(data)
        yield data


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file is gone"
    if isinstance(exc, OSError) and exc.errno in (errno.ELOOP, errno.ENOTDIR):  # O_NOFOLLOW met a link
        return "a link is now in its place"
    return " ".join((str(exc) or exc.__class__.__name__).split())[:200]


def reader_for(src: Any, member: Any) -> Reader | None:
    """How ``member`` of ``src`` (:mod:`parsers.sources`) can be read again by offset; None: it cannot."""
    from parsers.archive_sources import TarSource, ZipSource
    from parsers.sources import DirectorySource, SingleFileSource

    if getattr(src, "within", None) is not None:  # an archive read from another input's member: kept in memory
        return None
    try:
        if isinstance(src, DirectorySource):
            st = os.lstat(member.key)
            return FileReader(str(src.path), tuple(member.name.split("/")), _stamp(st))
        if isinstance(src, SingleFileSource):
            return FileReader(str(member.key), (), _stamp(os.lstat(member.key))) if src.plain_path(member) else None
        if isinstance(src, TarSource):
            if _compressed(src):
                return None
            return TarMemberReader(str(src.path), _stamp(os.stat(src.path)), member.key.offset_data, member.size)
        if isinstance(src, ZipSource):
            return ZipMemberReader(str(src.path), _stamp(os.stat(src.path)), member.key.filename, member.key.CRC)
    except OSError:
        return None
    return None


def _compressed(src: Any) -> bool:
    return archive_compression(src) is not None


def archive_compression(src: Any) -> str | None:
    """How an archive input's file is compressed (``gz``, ``xz`` …; None: a plain tar), read once per input."""
    if not hasattr(src, "_kept_text_compression"):
        from parsers.sources import sniff_compression

        with open(src.path, "rb") as fh:
            src._kept_text_compression = sniff_compression(fh.read(8))
    return src._kept_text_compression


@dataclass
class _Kept:
    """One kept file: its block index and either a reader or the zlib copies of its blocks."""

    first: np.ndarray  # int64, 1-based number of each block's first line
    offsets: np.ndarray  # int64, each block's first byte; one more entry: the file's size
    crcs: np.ndarray  # uint32, CRC-32 of each block
    lines: int  # number of lines (newlines + 1, like ``bytes.split(b"\\n")``)
    reader: Reader | None
    packed: list[bytes] | None
    why_not: str | None = None  # set when neither a reader nor the copies were kept

    @property
    def cost(self) -> int:
        packed = sum(len(p) for p in self.packed) if self.packed else 0
        return int(self.first.nbytes + self.offsets.nbytes + self.crcs.nbytes) + packed


def _blocks(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, end, newlines) of each block of ``data``."""
    pos, size = 0, len(data)
    while pos < size:
        nl = data.find(b"\n", pos + BLOCK - 1) if pos + BLOCK - 1 < size else -1
        end = size if nl < 0 else nl + 1
        yield pos, end, data.count(b"\n", pos, end)
        pos = end


class KeptTexts:
    """What the snapshot keeps of the files it read, keyed by ``(input, source)``."""

    def __init__(self, packed_cap: int | None = None):
        self._files: dict[tuple[str, str], _Kept] = {}
        self.packed_cap = PACKED_CAP if packed_cap is None else packed_cap
        self.packed_bytes = 0
        self._recent: OrderedDict[tuple[tuple[str, str], int], bytes] = OrderedDict()  # checked blocks

    @classmethod
    def in_memory(cls, texts: dict[tuple[str, str], bytes]) -> KeptTexts:
        """Kept as zlib copies (no input to re-read from): for snapshots built without files."""
        kept = cls(packed_cap=1 << 62)
        for key, data in texts.items():
            kept.keep(key, data, None)
        return kept

    def keep(self, key: tuple[str, str], data: bytes, reader: Reader | None) -> None:
        """Index ``data`` (the file's bytes as parsed); keep zlib copies of it when ``reader`` is None."""
        first, offsets, crcs, packed = [], [], [], []
        line, packed_size = 1, 0
        view = memoryview(data)
        for begin, end, newlines in _blocks(data):
            first.append(line)
            offsets.append(begin)
            crcs.append(zlib.crc32(view[begin:end]))
            if reader is None and packed is not None:
                packed.append(zlib.compress(view[begin:end], 1))
                packed_size += len(packed[-1])
                if self.packed_bytes + packed_size > self.packed_cap:
                    packed = None  # over the run's limit: this file keeps its index only
            line += newlines
        offsets.append(len(data))
        why = None
        if reader is None and packed is None:
            why = f"not kept: the run's limit of {self.packed_cap} bytes for compressed inputs' text was reached"
        else:
            self.packed_bytes += packed_size
        self._files[key] = _Kept(np.array(first, dtype=np.int64), np.array(offsets, dtype=np.int64),
                                 np.array(crcs, dtype=np.uint32), line, reader,
                                 packed if reader is None else None, why)

    def __contains__(self, key: object) -> bool:
        return key in self._files

    def __len__(self) -> int:
        return len(self._files)

    @property
    def kept_bytes(self) -> int:
        """Bytes held in memory for all kept files: block indexes, zlib copies and the recent blocks."""
        return sum(entry.cost for entry in self._files.values()) + sum(len(b) for b in self._recent.values())

    def _block(self, key: tuple[str, str], entry: _Kept, i: int) -> bytes:
        """Block ``i``, checked; the last :data:`RECENT` blocks read are reused (rules quote lines of
        the same list file one after another), so a quote rarely opens the input again."""
        found = self._recent.get((key, i))
        if found is not None:
            self._recent.move_to_end((key, i))
            return found
        data = self._read_block(entry, i)
        self._recent[(key, i)] = data
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return data

    def _read_block(self, entry: _Kept, i: int) -> bytes:
        begin, end = int(entry.offsets[i]), int(entry.offsets[i + 1])
        if entry.packed is not None:
            data = zlib.decompress(entry.packed[i])
        elif entry.reader is not None:
            data = entry.reader.read(begin, end - begin)
        else:
            raise Unreadable(entry.why_not or "not kept")
        if len(data) != end - begin or zlib.crc32(data) != int(entry.crcs[i]):
            raise Unreadable("the file changed after loading")
        return data

    def lines(self, key: tuple[str, str], start: int, count: int) -> list[bytes] | None:
        """Lines ``start`` … ``start + count - 1`` (1-based, fewer at the end of the file), without
        their newlines; None when the file is not kept. Raises :class:`Unreadable`."""
        entry = self._files.get(key)
        if entry is None:
            return None
        stop = min(start + count, entry.lines + 1)
        out: list[bytes] = []
        if start < 1 or start >= stop:
            return out
        if not len(entry.first):  # an empty file: one empty line
            return [b""]
        i = int(np.searchsorted(entry.first, start, side="right")) - 1
        line = start
        while line < stop and i < len(entry.first):
            parts = self._block(key, entry, i).split(b"\n")
            base = int(entry.first[i])
            last = i + 1 >= len(entry.first)
            upto = len(parts) if last else len(parts) - 1  # a block's trailing "" is the next block's line
            while line < stop and line - base < upto:
                out.append(parts[line - base])
                line += 1
            i += 1
        return out

    def whole(self, key: tuple[str, str]) -> bytes | None:
        """All bytes of a kept file, every block checked; None when not kept. Raises :class:`Unreadable`."""
        entry = self._files.get(key)
        if entry is None:
            return None
        return b"".join(self._read_block(entry, i) for i in range(len(entry.first)))

    def get(self, key: tuple[str, str]) -> bytes | None:
        """:meth:`whole`, None when it cannot be re-read either (``mga routes`` then says the object is missing)."""
        try:
            return self.whole(key)
        except Unreadable:
            return None

