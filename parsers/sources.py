"""Open every input shape and read its members in place.

An *input* is what the engineer passes on the command line: a directory, a ``.tar`` /
``.tar.gz`` / ``.tgz`` / ``.tar.xz`` / ``.tar.bz2`` / ``.zip`` archive, a single YAML/JSON dump, or a
plain or gzipped log file. Whatever the shape, it is presented as a flat list of :class:`Member`
(regular files, POSIX paths relative to the input) that can be read as bytes or streamed.

Safety rules, because archives come from customers:
- Nothing is extracted. Member names are data; they are never joined onto a filesystem path
  (a directory input is walked, and each file is opened by the path the walk produced).
- Links (symbolic and hard), devices, fifos, absolute names and names with ``..`` are never
  followed; each is recorded in :attr:`InputSource.skipped` with the reason.
- Bytes read into memory are capped per member and per run, and the bytes decompressed from one
  compressed body by ratio (``parsers.byte_budget``); a member over a cap is skipped with the byte
  offset where reading stopped, never kept in part.
- A damaged archive keeps what was readable before the damage and records the damage.

The archives' sources (tar, zip) are :mod:`parsers.archive_sources`; which source a path is,
:func:`parsers.inputs.open_input`.
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from parsers.byte_budget import (
    MEMBER_CAP,
    ByteBudget,
    CappedReader,
    MemberTooLarge,
    RatioGuard,
    not_kept,
)
from parsers.gzip_reader import ERRORS as GZIP_ERRORS
from parsers.gzip_reader import ResumedGzip, gzip_reader

MEMBER_COUNT_CAP = 2_000_000
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # recognised to say so: the standard library (3.11) has no zstd reader
STREAM_CHUNK = 1 << 20


class InputError(Exception):
    """An input that cannot be read at all. The message is one line, shown to the user as is."""


class MemberCut(EOFError):
    """The input ends inside a member's bytes (a cut archive): ``offset``, the member's byte where reading
    stopped (counted from the member's first byte, as every member's offset is)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class MemberChecksumError(zipfile.BadZipFile):
    """A member whose bytes were all read and do not match its recorded CRC-32 (zipfile's own message)."""


class MemberUnreadable(OSError):
    """A member its archive's reader cannot open (a zip member encrypted, compressed by a method ``zipfile``
    lacks, or whose own header is damaged), with the reader's message: an ``OSError``, so every reader of
    members takes it for one unreadable file, as it takes a read error."""


@dataclass(frozen=True)
class Member:
    """A regular file inside an input."""

    name: str  # POSIX path relative to the input, no leading "/" or "./"
    size: int  # declared size in bytes (decompressed)
    key: Any = field(default=None, compare=False, repr=False)  # reader handle (TarInfo, ZipInfo, Path)
    order: int = 0  # position in the archive; reading in this order never seeks backwards


@dataclass(frozen=True)
class Within:
    """Where an archive that is a member of another input is read from: that member's bytes, streamed from the
    outer input (``capped=False``: the outer listing's declared size bounds them), never written to disk."""

    outer: InputSource
    member: Member

    @property
    def size(self) -> int:
        return self.member.size

    def open(self) -> IO[bytes]:
        return self.outer.open(self.member, capped=False)


@dataclass(frozen=True)
class SkippedMember:
    source: str
    reason: str


def _clean_name(raw: str) -> str | None:
    """Normalise a member name; None when it is absolute or climbs out with ``..``."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(parts)


class InputSource:
    """One input, presented as members. Subclasses implement listing and opening."""

    kind_hint = "directory"

    def __init__(self, path: Path, label: str | None = None):
        self.path = path
        self.label = label or str(path)
        self.members: list[Member] = []
        self.skipped: list[SkippedMember] = []
        self.damaged: str | None = None  # set when listing stopped early on damage
        self.damaged_offset: int | None = None  # the decompressed byte where listing stopped, when known
        self.member_cap = MEMBER_CAP
        self.budget = ByteBudget()  # the run's: ``load_snapshot`` gives every input of a run the same one
        self.ratio = RatioGuard()  # this input's own: what was decompressed from each compressed body
        self.within: Within | None = None  # set when this input is an archive read from another input's member

    # -- listing -------------------------------------------------------------------------
    def _add(self, raw_name: str, size: int, key: Any) -> None:
        name = _clean_name(raw_name)
        if name is None:
            self.skipped.append(SkippedMember(raw_name, "unsafe member name (absolute or contains '..'); not read"))
            return
        if len(self.members) >= MEMBER_COUNT_CAP:
            if not self.damaged:
                self.damaged = f"more than {MEMBER_COUNT_CAP} members; the rest were not listed"
            return
        self.members.append(Member(name, size, key, len(self.members)))

    def _skip(self, raw_name: str, reason: str) -> None:
        self.skipped.append(SkippedMember(raw_name, reason))

    # -- reading -------------------------------------------------------------------------
    def _open_raw(self, member: Member) -> IO[bytes]:
        raise NotImplementedError

    def open(self, member: Member, *, capped: bool = True) -> IO[bytes]:
        """A binary stream of the member's bytes, capped at the per-member limit.

        ``capped=False`` is for streamed access logs, which are guarded by ratio and nesting
        instead (``parsers.log_stream``), not by size.
        """
        if not capped:  # unbuffered: a damaged block must not take the good bytes before it with it
            return self._open_raw(member)
        if member.size > self.member_cap:
            raise self._over_member_cap(member, member.size)(0)
        return io.BufferedReader(
            CappedReader(self._open_raw(member), self.member_cap, self._over_member_cap(member)), STREAM_CHUNK)

    def _over_member_cap(self, member: Member, size: int | None = None) -> Callable[[int], MemberTooLarge]:
        what = f"{size} bytes, over" if size is not None else "more bytes than"
        return lambda offset: MemberTooLarge(
            f"{member.name}: {what} the per-file cap of {self.member_cap} bytes; {not_kept(offset)}", offset)

    def compressed_size(self, member: Member) -> int | None:
        """The stored (compressed) size of a member this source decompresses itself; None otherwise."""
        return None

    def ratio_bodies(self, member: Member) -> list[tuple[object, int, str]]:
        """The compressed bodies the member's bytes come out of: (key, stored bytes, what it is)."""
        return []

    def read(self, member: Member, limit: int | None = None) -> bytes:
        """All bytes of a member (its first ``limit`` when given), counted against the run's budget
        (:mod:`parsers.byte_budget`) and, when they are decompressed here, against the ratio guard.

        Raises :class:`MemberTooLarge` (with the byte ``offset`` where reading stopped) when the member
        passes the per-file cap, what is left of the budget or of its bodies' ratio allowance: refused
        before reading when its declared size says so, cut while streaming when the bytes turn out to
        be more.
        """
        size = member.size if limit is None else min(member.size, limit)
        left = self.budget.left()
        if size > self.member_cap:
            raise self._over_member_cap(member, size)(0)
        if size > left:
            raise self.budget.refusal(member.name, f"{size} bytes")
        caps = [(self.member_cap, self._over_member_cap(member)),
                (left, lambda offset: self.budget.refusal(member.name, f"more than {left} bytes", offset))]
        bodies = self.ratio_bodies(member)
        for body, stored, what in bodies:
            allowed = self.ratio.left(body, stored)
            if size > allowed:
                raise self.ratio.refusal(member.name, f"{size} bytes", body, stored, what)
            caps.append((allowed, lambda offset, b=body, n=stored, w=what, a=allowed: self.ratio.refusal(
                member.name, f"more than {a} bytes", b, n, w, offset)))
        listed = self._listed_bytes(member)
        if listed is not None:  # read while the input was listed: within every cap, checked above
            data = listed if limit is None else listed[:limit]
        else:
            cap, over = min(caps, key=lambda c: c[0])  # the tightest limit says why it cut
            with io.BufferedReader(CappedReader(self._open_raw(member), cap, over, limit), STREAM_CHUNK) as fh:
                data = fh.read()
        self.budget.take(len(data))
        for body, _, _ in bodies:
            self.ratio.take(body, len(data))
        return data

    def _listed_bytes(self, member: Member) -> bytes | None:
        """The member's bytes when the listing read them already (a compressed tar), handed over once."""
        return None

    def read_many(self, members: Iterable[Member], limit: int | None = None
                  ) -> Iterator[tuple[Member, bytes | None, str | None, int | None]]:
        """Read members (their first ``limit`` bytes when given) in archive order. Yields (member, data,
        None, None) or (member, None, reason, offset): ``offset`` is the member's byte where reading stopped
        when a byte limit or the archive's end cut it, else None."""
        for member in sorted(members, key=lambda m: m.order):
            try:
                yield member, self.read(member, limit), None, None
            except MemberTooLarge as exc:
                yield member, None, str(exc), exc.offset
            except MemberCut as exc:  # the archive ends inside it: where, within the member
                yield member, None, f"unreadable: {_one_line(exc)}", exc.offset
            except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, ValueError,
                    *zlib_error()) as exc:
                yield member, None, f"unreadable: {_one_line(exc)}", None
            except (RuntimeError, NotImplementedError) as exc:  # zipfile: encrypted, unsupported compression
                yield member, None, f"unreadable: {_one_line(exc)}", None

    def plain_path(self, member: Member) -> str | None:
        """The member's own path on this machine when it can be read by offset (uncompressed, not
        inside an archive), so that another process can read a byte range of it; None otherwise."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> InputSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DirectorySource(InputSource):
    kind_hint = "directory"

    def __init__(self, path: Path, label: str | None = None):
        super().__init__(path, label)
        # depth first, names sorted: the members' order is the same on every file system
        pending: list[tuple[str, str]] = [(str(path), "")]
        while pending:
            full_dir, rel_dir = pending.pop()
            try:
                with os.scandir(full_dir) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._skip(rel_dir or ".", f"directory not listed: {_one_line(exc)}")
                continue
            subdirs = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                self._take_entry(entry, rel, subdirs)
            pending.extend(reversed(subdirs))

    def _take_entry(self, entry: os.DirEntry, rel: str, subdirs: list[tuple[str, str]]) -> None:
        """A member, a directory to walk, or a ``skipped`` entry; links are never followed."""
        try:
            if entry.is_symlink():
                target_is_dir = entry.is_dir()  # follows the link only to say what it points at
                self._skip(rel, "symbolic link to a directory; not followed" if target_is_dir
                           else "symbolic link; not followed")
            elif entry.is_dir(follow_symlinks=False):
                subdirs.append((entry.path, rel))
            else:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    self._add(rel, st.st_size, entry.path)
                else:
                    self._skip(rel, "not a regular file")
        except OSError as exc:
            self._skip(rel, f"cannot stat: {_one_line(exc)}")

    def _open_raw(self, member: Member) -> IO[bytes]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(member.key, flags)
        return os.fdopen(fd, "rb")

    def plain_path(self, member: Member) -> str | None:
        return str(member.key)


class SingleFileSource(InputSource):
    """One plain file (a YAML/JSON dump or a log), optionally gzip/xz/bz2-compressed."""

    kind_hint = "file"

    def __init__(self, path: Path, label: str | None = None, compression: str | None = None):
        super().__init__(path, label)
        self._compression = compression
        self.compression = compression  # what this source decompresses itself (None: the bytes as stored)
        name = path.name
        if compression and name.rsplit(".", 1)[-1] in ("gz", "xz", "bz2"):
            name = name.rsplit(".", 1)[0]
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read: {_one_line(exc)}") from None
        self.member_name = name
        if not compression:  # the size on disk is the size read: no bomb to guard against, and logs stream
            self.member_cap = max(self.member_cap, size)
        self._add(name, size if not compression else 0, path)

    def _open_raw(self, member: Member) -> IO[bytes]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        if self._compression == "gz":  # the fast reader, the standard library's from a damage on
            return ResumedGzip(lambda: os.fdopen(os.open(member.key, flags), "rb"))  # type: ignore[return-value]
        raw = os.fdopen(os.open(member.key, flags), "rb")
        if self._compression == "xz":
            return lzma.LZMAFile(raw)  # type: ignore[return-value]
        if self._compression == "bz2":
            return bz2.BZ2File(raw)  # type: ignore[return-value]
        return raw

    def plain_path(self, member: Member) -> str | None:
        return None if self._compression else str(member.key)

    def compressed_size(self, member: Member) -> int | None:
        return self.path.stat().st_size if self._compression else None

    def ratio_bodies(self, member: Member) -> list[tuple[object, int, str]]:
        stored = self.compressed_size(member)
        return [] if stored is None else [("file", stored, "the file")]


def zlib_error() -> tuple[type[Exception], ...]:
    """The gzip readers' decompression errors (the standard library's and ISA-L's)."""
    return GZIP_ERRORS


def _one_line(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())[:300]


def _magic(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(264)


DECOMPRESSORS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gz": gzip_reader,  # ISA-L's reader where installed (parsers.gzip_reader)
    "xz": lzma.LZMAFile,  # type: ignore[dict-item]
    "bz2": bz2.BZ2File,  # type: ignore[dict-item]
}  # a stream's reader by its compression (sniff_compression); each reads concatenated streams on as one


def sniff_compression(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"BZh"):
        return "bz2"
    return None
