"""The archive inputs: a tar (plain, gzip, xz or bz2) and a zip, listed once and read member by member.

Both follow :mod:`parsers.sources`' rules (nothing extracted, links and unsafe names skipped, bytes
capped per member, per run and by ratio). A compressed tar is one stream: it is listed by reading
all of it, and a ``.tar.gz`` through ISA-L's reader (:mod:`parsers.gzip_reader`), five times the
standard library's. A damage says where listing stopped: a decompression error, the ratio guard, or a
block where a tar header should be that is not one (``tarfile`` takes that for the archive's end).

A member's bytes are handed out up to the damage, as a ``.gz`` file's are: a tar member's up to where the
archive ends or its stream fails (:class:`TarMemberData`), a zip member's to its last byte before its
CRC-32 is checked (:class:`ZipMemberData`), so the lines of a log cut there are kept
(:mod:`parsers.log_stream` records the cut, with the member's byte where reading stopped).
"""

from __future__ import annotations

import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from parsers.byte_budget import RATIO_LIMIT, ByteBudget, ratio_allowance
from parsers.gzip_reader import gzip_reader
from parsers.sources import (
    STREAM_CHUNK,
    InputError,
    InputSource,
    Member,
    MemberChecksumError,
    MemberCut,
    MemberUnreadable,
    Within,
    _magic,
    _one_line,
    sniff_compression,
    zlib_error,
)

# A compressed tar's members that the loaders read whole are read while it is listed, which decompresses
# them anyway; the loader's phases (routes and cluster objects, then the namespaces that matter, the
# platform's logs) each decompressed the stream again from its start to read them: a whole pass of the
# archive each (docs/performance.md). Which members: the caller says (``read_whole``), by default the
# object files.
LISTED_SUFFIXES = (".yaml", ".yml", ".json")
LISTED_MEMBER_MAX = 64 << 20  # a larger file is read when asked, as before
LISTED_CAP = 256 << 20  # the bytes kept from the listing, all members together


def _object_file(name: str) -> bool:
    return name.endswith(LISTED_SUFFIXES)


class TarSource(InputSource):
    kind_hint = "tar"

    def __init__(self, path: Path, label: str | None = None, budget: ByteBudget | None = None,
                 read_whole: Callable[[str], bool] | None = None, within: Within | None = None):
        super().__init__(path, label)
        self._read_whole = read_whole or _object_file  # which members the listing keeps (by name)
        if budget is not None:  # the run's: what the listing keeps of the object files stays within it
            self.budget = budget
        self.within = within
        self._raw: IO[bytes] | None = None  # the member's stream when the tar is a member of another input
        try:
            compression = sniff_compression(self._head(path))
            self._stored = self._size(path) if compression else None
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read archive: {_one_line(exc)}") from None
        self._gz: IO[bytes] | None = None
        self._stream_error = False  # listing ended on a damaged stream (not on the ratio guard)
        self._listed: dict[int, bytes] = {}  # object files read while listing, by member order, until read
        self._listed_size = 0
        self._holder = self.budget  # the budget told what the listing holds (the caller may set another later)
        self._open(path, fast=compression == "gz")
        self._list()
        if self._stream_error and self._gz is not None:
            # the fast gzip reader hands out nothing of the block it failed in: the members just before the
            # damage would be lost, so a damaged stream is listed (and read) again by the standard library's
            self.close()
            self.members, self.skipped, self.damaged, self.damaged_offset = [], [], None, None
            self._stream_error = False
            self._let_go()
            self._open(path, fast=False)
            self._list()
        if not self.members and self.damaged:
            self.close()
            raise InputError(f"{self.label}: {self.damaged}")

    def _head(self, path: Path) -> bytes:
        if self.within is None:
            return _magic(path)
        with self.within.open() as fh:
            return fh.read(264)

    def _size(self, path: Path) -> int:
        return path.stat().st_size if self.within is None else self.within.size

    def _open(self, path: Path, fast: bool) -> None:
        """The tar, its gzip stream decompressed by ``parsers.gzip_reader`` when ``fast`` (closed by close());
        read from the outer input's member stream when the tar is a member (``within``)."""
        try:
            self._raw = self.within.open() if self.within is not None else None
            where = self._raw if self._raw is not None else str(path)
            self._gz = gzip_reader(where) if fast else None
            if self._gz is not None:
                self._tar = tarfile.open(fileobj=self._gz, mode="r:")  # noqa: SIM115
            elif self._raw is not None:
                self._tar = tarfile.open(fileobj=self._raw, mode="r:*")  # noqa: SIM115
            else:
                self._tar = tarfile.open(str(path), mode="r:*")  # noqa: SIM115
        except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, *zlib_error()) as exc:
            if self._gz is not None:
                self._gz.close()
            if self._raw is not None:
                self._raw.close()
            raise InputError(f"{self.label}: cannot read archive: {_one_line(exc)}") from None

    def _list(self) -> None:
        try:
            while True:
                info = self._tar.next()
                if info is None:
                    break
                if info.issym() or info.islnk():
                    kind = "symbolic" if info.issym() else "hard"
                    self._skip(info.name, f"{kind} link to {info.linkname!r}; not followed")
                elif info.isdir():
                    continue
                elif not info.isfile():
                    self._skip(info.name, "not a regular file")
                else:
                    listed = len(self.members)
                    self._add(info.name, info.size, info)
                    if len(self.members) > listed:
                        self._read_while_listing(self.members[-1])
                if self._stored is not None and self._tar.offset > ratio_allowance(self._stored):
                    self._stop_listing_at(self._tar.offset)
                if self.damaged:
                    break
                if info.isfile():
                    self._pass_data(info)
            if not self.damaged:
                self._check_end()
        except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, *zlib_error()) as exc:
            last = f", reading stopped at member {self.members[-1].name}" if self.members else ""
            self.damaged_offset = self._tar_position()
            at = "" if self.damaged_offset is None else f"; reading stopped at byte {self.damaged_offset} of the tar"
            self.damaged = f"archive damaged after {len(self.members)} members{last}: {_one_line(exc)}{at}"
            self._stream_error = True

    def _pass_data(self, info: tarfile.TarInfo) -> None:
        """Pass a compressed tar's member by reading the bytes the listing did not read, not by ``tarfile``'s
        seek over them: they are decompressed either way, but a seek that meets a damage leaves the stream's
        position where the seek started (the member's first byte), and a read where its good bytes end."""
        stream = self._tar.fileobj
        if self._stored is None or info.sparse or stream.tell() != info.offset_data:
            return
        data = TarMemberData(stream, info.offset_data, info.size)
        scratch = bytearray(min(STREAM_CHUNK, info.size))
        while data.readinto(scratch):
            pass

    def _tar_position(self) -> int | None:
        """The byte of the tar (decompressed, as ``_check_end``'s) up to which the stream was read, or None.

        A decompressing reader (``lzma``, ``bz2``, ``gzip``) counts only the bytes it handed out, so
        after a damaged block this is where the good data ended; the damage itself lies after it, within
        the one block the reader could not decompress. A plain tar's file position may lie past its end (a
        member cut short: ``tarfile`` seeks to where its header says the next one starts): reading stopped
        where the file's bytes end.
        """
        try:
            position = int(self._tar.fileobj.tell())
            if self._stored is None:  # a plain tar: ``tarfile`` seeks past its end without reading a byte there
                position = min(position, self._size(self.path))
            return position
        except (AttributeError, OSError, ValueError, TypeError):
            return None

    def _read_while_listing(self, member: Member) -> None:
        """Keep the bytes of a member the loaders read whole (``read_whole``) as the listing passes them (a
        compressed tar only: a plain one is read at its offsets), within :data:`LISTED_CAP` and what the run's
        byte budget leaves once what every listing holds is set aside (``ByteBudget.held``)."""
        if (self._stored is None or not self._read_whole(member.name)
                or member.size > min(LISTED_MEMBER_MAX, self.member_cap)
                or self._listed_size + member.size > LISTED_CAP
                or self._holder.held + member.size > self._holder.left()):
            return
        with self._open_raw(member) as fh:
            data = fh.read()
        if len(data) == member.size:
            self._listed[member.order] = data
            self._listed_size += len(data)
            self._holder.held += len(data)

    def _listed_bytes(self, member: Member) -> bytes | None:
        data = self._listed.pop(member.order, None)
        if data is not None:
            self._listed_size -= len(data)
            self._holder.held -= len(data)
        return data

    def _let_go(self) -> None:
        """Drop what the listing holds (closed, or listed again)."""
        self._holder.held -= self._listed_size
        self._listed, self._listed_size = {}, 0

    def _check_end(self) -> None:
        """``tarfile`` takes a header block it cannot read (bad checksum, cut short) for the archive's end and
        stops listing without a word: a tar whose middle was damaged listed its first members only, as if
        whole. The archive's end is a block of zeros; any other block where listing stopped is a damage."""
        offset = self._tar.offset
        fileobj = self._tar.fileobj
        fileobj.seek(offset)
        block = fileobj.read(tarfile.BLOCKSIZE)
        if len(block) == tarfile.BLOCKSIZE and not block.strip(b"\0"):
            return
        what = "ends without its end-of-archive block" if len(block) < tarfile.BLOCKSIZE \
            else "holds a block that is not a tar header"
        last = f" after member {self.members[-1].name}" if self.members else ""
        self.damaged_offset = offset
        self.damaged = (f"archive damaged after {len(self.members)} members: at byte {offset} of the tar{last} "
                        f"it {what}; the members after it, if any, were not listed")

    def _stop_listing_at(self, offset: int) -> None:
        """A compressed tar is one stream: the members after a bomb cost its whole decompression to
        reach, so listing stops where the stream passes what the archive's size can explain."""
        self.damaged_offset = offset
        self.damaged = (f"listing stopped at decompressed byte {offset}: the archive decompresses to more than "
                        f"{RATIO_LIMIT} times its size ({self._stored} bytes), a decompression bomb; "
                        f"the members after it were not listed")

    def _open_raw(self, member: Member) -> IO[bytes]:
        info = member.key
        if info.isfile() and not info.sparse:
            return io.BufferedReader(TarMemberData(self._tar.fileobj, info.offset_data, info.size))
        fh = self._tar.extractfile(info)  # a sparse file: its holes are ``tarfile``'s to fill
        if fh is None:
            raise OSError("not a regular file")
        return fh

    def ratio_bodies(self, member: Member) -> list[tuple[object, int, str]]:
        # one compressed stream: every member read counts against the whole archive's size
        return [] if self._stored is None else [("archive", self._stored, "the archive")]

    def close(self) -> None:
        self._let_go()
        self._tar.close()
        if self._gz is not None:
            self._gz.close()
            self._gz = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None


class ZipSource(InputSource):
    kind_hint = "zip"

    def __init__(self, path: Path, label: str | None = None, within: Within | None = None):
        super().__init__(path, label)
        self.within = within
        self._raw: IO[bytes] | None = None
        try:
            self._raw = within.open() if within is not None else None
            self._zip = zipfile.ZipFile(self._raw if self._raw is not None else str(path))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            if self._raw is not None:
                self._raw.close()
            raise InputError(f"{label or path}: cannot read zip archive: {_one_line(exc)}") from None
        for info in infos:
            mode = (info.external_attr >> 16) & 0xFFFF
            file_type = stat.S_IFMT(mode)  # 0 when the writer recorded permissions only
            if info.is_dir():
                continue
            if stat.S_ISLNK(mode):
                self._skip(info.filename, "symbolic link; not followed")
            elif file_type and not stat.S_ISREG(mode):
                self._skip(info.filename, "not a regular file")
            else:
                self._add(info.filename, info.file_size, info)
        self._sharing = Counter(m.key.header_offset for m in self.members)

    def _open_raw(self, member: Member) -> IO[bytes]:
        info = member.key
        try:
            opened = self._zip.open(info)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            # encrypted, a method zipfile lacks, a damaged local header: one unreadable file, the member named
            # by its name (zipfile names it by its ZipInfo's repr when it is encrypted)
            raise MemberUnreadable(str(exc).replace(repr(info), repr(info.filename))) from None
        return ZipMemberData(opened, info.file_size)  # type: ignore[return-value]

    def compressed_size(self, member: Member) -> int | None:
        info = member.key
        return info.compress_size if info.compress_type != zipfile.ZIP_STORED else None

    def ratio_bodies(self, member: Member) -> list[tuple[object, int, str]]:
        # members that share one data offset share one body: each read of it counts against it
        info, stored = member.key, self.compressed_size(member)
        if stored is None:
            return []
        shared = self._sharing[info.header_offset]
        what = f"its stored body, which {shared} members share" if shared > 1 else "its stored body"
        return [(info.header_offset, stored, what)]

    def close(self) -> None:
        self._zip.close()
        if self._raw is not None:
            self._raw.close()
            self._raw = None


class TarMemberData(io.RawIOBase):
    """A tar member's bytes, read from the archive's (decompressed) stream one read of the stream at a time.

    ``tarfile``'s own member reader asks the stream for every byte a read wants at once, and drops them all
    when fewer come (the archive ends inside the member) or the stream fails part-way (a damaged compressed
    block): a log member of a cut tar lost every line of the read that met the cut, all of them when that
    read was its first. Here a read hands out what one read of the stream gave; the read after the last
    good byte raises :class:`~parsers.sources.MemberCut` with the member's byte where the archive ends, or
    the decompressor's own error, as a ``.gz`` file's reader does.
    """

    def __init__(self, stream: IO[bytes], start: int, size: int):
        super().__init__()
        self._stream, self._start, self._size = stream, start, size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = min(max(0, base + offset), self._size)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[: self._size - self._pos]
        if not len(view):
            return 0
        at = self._start + self._pos
        if self._stream.tell() != at:  # other members' reads share the stream
            self._stream.seek(at)
        read = getattr(self._stream, "readinto1", None) or self._stream.readinto  # type: ignore[attr-defined]
        n = read(view)
        if not n:
            raise MemberCut(f"unexpected end of data: the archive ends at byte {self._pos} of this member's "
                            f"{self._size} bytes", self._pos)
        self._pos += n
        return n

    def readall(self) -> bytes:
        out = bytearray()
        piece = bytearray(min(STREAM_CHUNK, self._size - self._pos))
        while n := self.readinto(piece):
            out += memoryview(piece)[:n]
        return bytes(out)


class ZipMemberData(io.BufferedIOBase):
    """A zip member's bytes, its CRC-32 checked once the last of them was handed out.

    ``zipfile`` checks the CRC-32 within the read that reaches the member's end and, when it fails, raises
    instead of returning that read's bytes: a log member read in large pieces lost the lines of its last
    piece (all of them when it was read in one). The bytes are the member's, only their check failed; here
    they are all handed out, and the read after the last one raises
    :class:`~parsers.sources.MemberChecksumError` (``zipfile``'s error and message): a log's reader records
    it as a cut at the member's end, its lines kept but said to be unverified, and a member read whole is
    unreadable as before. A seek reads up to its target (as ``zipfile``'s does), so every byte is checked.
    """

    def __init__(self, member: zipfile.ZipExtFile, size: int):
        super().__init__()
        self._member, self._size = member, size
        self.name = member.name
        self._expected: int | None = getattr(member, "_expected_crc", None)
        if self._expected is not None:
            member._expected_crc = None  # type: ignore[attr-defined]  # checked here, after the bytes are out
        self._crc = 0
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._member.seekable()

    def tell(self) -> int:
        return self._pos

    def _took(self, n: int, asked: int | None) -> int:
        self._pos += n
        if not n and asked != 0 and self._expected is not None and self._crc != self._expected:
            raise MemberChecksumError(f"Bad CRC-32 for file {self.name!r}")
        return n

    def read(self, size: int | None = -1) -> bytes:
        data = self._member.read(size)
        self._crc = zlib.crc32(data, self._crc)
        self._took(len(data), size)
        if size is None or size < 0:  # to the end in one read: checked now
            self._took(0, None)
        return data

    def read1(self, size: int = -1) -> bytes:
        data = self._member.read1(size)
        self._crc = zlib.crc32(data, self._crc)
        self._took(len(data), size)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = self._member.readinto(view)
        self._crc = zlib.crc32(view[:n], self._crc)
        return self._took(n, len(view))

    def readinto1(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._member.read1(len(view))
        view[: len(data)] = data
        self._crc = zlib.crc32(data, self._crc)
        return self._took(len(data), len(view))

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("underlying stream is not seekable")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = max(0, base + offset)
        if target < self._pos:  # from the start again, as zipfile does
            self._member.seek(0)
            self._crc, self._pos = 0, 0
        while self._pos < target and self.read(min(STREAM_CHUNK, target - self._pos)):
            pass
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._member.close()
        super().close()
