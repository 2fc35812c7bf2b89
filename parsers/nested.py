"""Archives inside an input, read in place: a case portal's ``.zip`` holding ``must-gather.tar.gz``, a
directory holding one next to other files, a tar holding a ``.tar.gz``.

Without this such an input held no Kubernetes object at all and the run ended in "no Kubernetes objects
found". An input with no must-gather root (``parsers.layout.find_roots``) is looked into: each of its
members that is not a document or a log by name is sniffed by its magic bytes (its name says nothing: a
``.tar.gz`` saved as ``.zip``), and one that is a tar (plain or compressed) or a zip becomes an input of its
own, read from the outer member's stream (:class:`parsers.sources.Within`): nothing is written to disk,
links inside it are skipped as in any archive, its bytes count against the run's byte budget, a compressed
tar inside against its own size by ratio, and the outer member is refused when its declared size passes the
ratio of the outer body it comes out of (a bomb). One level of nesting is read at most: an archive inside
the inner archive is recorded in ``skipped`` with the way to read it. A rotated ``.gz`` access log is a
compressed log, not an archive: it decompresses to text, not to a tar, and keeps being streamed as a log.
"""

from __future__ import annotations

import lzma
from collections.abc import Callable

from parsers.archive_sources import TarSource, ZipSource
from parsers.byte_budget import RATIO_LIMIT, ByteBudget, ratio_allowance
from parsers.layout import Index, _is_log_name, index_input
from parsers.sources import (
    DECOMPRESSORS,
    ZSTD_MAGIC,
    DirectorySource,
    InputError,
    InputSource,
    Member,
    Within,
    _one_line,
    sniff_compression,
    zlib_error,
)

HOLDS = "holds an archive"  # how every skipped entry of an archive inside an input begins (``mga.checks``)
SNIFF_CAP = 256  # members of one input sniffed for an archive, in archive order (a dump of many files)
TAR_MAGIC_AT = 257


def is_tar_header(block: bytes) -> bool:
    """A POSIX/GNU tar header: ``ustar`` at byte 257 of its first block."""
    return block[TAR_MAGIC_AT:TAR_MAGIC_AT + 5] == b"ustar"


def archive_kind(head: bytes, decompressed: Callable[[str], bytes | None]) -> str | None:
    """``zip``, ``tar``, ``zstd`` (read nowhere: the standard library has no zstd reader) or ``damaged`` (a
    gzip, xz or bzip2 body whose first bytes do not decompress) by magic bytes, or None.
    ``decompressed(compression)``: the first bytes of a compressed body, decompressed (None when they are not
    valid), to tell a compressed tar from one compressed file (a rotated log)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if is_tar_header(head):
        return "tar"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    compression = sniff_compression(head)
    if compression is not None:
        inner = decompressed(compression)
        if inner is None:
            return "damaged"
        if is_tar_header(inner):
            return "tar"
    return None


def member_kind(src: InputSource, member: Member) -> str | None:
    """:func:`archive_kind` of one member, its first bytes read from its stream (an unreadable one: None)."""
    def decompressed(compression: str) -> bytes | None:
        try:
            with src.open(member, capped=False) as raw, DECOMPRESSORS[compression](raw) as fh:
                return fh.read(512)
        except (OSError, EOFError, ValueError, lzma.LZMAError, *zlib_error()):
            return None

    try:
        with src.open(member, capped=False) as raw:
            head = raw.read(264)
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return None
    return archive_kind(head, decompressed)


def candidates(idx: Index) -> list[Member]:
    """The members worth sniffing: none when the input has a must-gather root (its archives are its own
    business, not the case's), else the ones that are neither a document nor a log by name."""
    if idx.roots:
        return []
    found = [m for m, place in idx.places if place.category == "other" and not _is_log_name(m.name) and m.size]
    return sorted(found, key=lambda m: m.order)[:SNIFF_CAP]


def pass_it(name: str) -> str:
    return f"pass it directly as an input of its own: {name}"


def open_nested(src: InputSource, idx: Index, budget: ByteBudget, read_whole: Callable[[str], bool] | None,
                depth: int = 0) -> tuple[list[tuple[InputSource, Index]], set[str]]:
    """The archives inside ``src`` opened as inputs of their own (with their indexes), and the names of the
    members they were read from. A member that cannot be read so is a ``skipped`` entry of ``src`` that
    says why and how to read it."""
    opened: list[tuple[InputSource, Index]] = []
    names: set[str] = set()
    for member in candidates(idx):
        kind = member_kind(src, member)
        if kind is None:
            continue
        if kind == "zstd":
            src._skip(member.name, f"{HOLDS} {member.name} inside, zstd-compressed, which this build cannot "
                                   f"decompress: decompress it (zstd -d) and {pass_it('<the file>')}")
            continue
        if kind == "damaged":
            src._skip(member.name, f"{HOLDS} {member.name} inside that cannot be read (its compressed bytes do not "
                                   f"decompress); extract it and {pass_it(member.name)}")
            continue
        if depth:
            src._skip(member.name, f"{HOLDS} {member.name} inside {src.label}, itself an archive inside an input: "
                                   f"one level of nesting is read at most; extract it and {pass_it(member.name)}")
            continue
        refusal = _bomb(src, member)
        if refusal:
            src._skip(member.name, refusal)
            continue
        inner = _open(src, member, kind, budget, read_whole)
        if inner is None:
            continue
        inner_idx = index_input(inner)
        opened.append((inner, inner_idx))
        names.add(member.name)
        open_nested(inner, inner_idx, budget, read_whole, depth + 1)  # records deeper archives, opens none
    return opened, names


def _bomb(src: InputSource, member: Member) -> str | None:
    """Why the outer member's declared size is a decompression bomb (it passes the ratio of a compressed body
    it comes out of, as :meth:`InputSource.read` judges), or None."""
    for _body, stored, what in src.ratio_bodies(member):
        if member.size > ratio_allowance(stored):
            return (f"{HOLDS} {member.name} inside, not read: its {member.size} bytes would pass {RATIO_LIMIT} "
                    f"times the compressed size of {what} ({stored} bytes), a decompression bomb")
    return None


def _open(src: InputSource, member: Member, kind: str, budget: ByteBudget,
          read_whole: Callable[[str], bool] | None) -> InputSource | None:
    label = f"{src.label}/{member.name}" if isinstance(src, DirectorySource) else f"{src.label}:{member.name}"
    within = Within(src, member)
    try:
        inner: InputSource = (TarSource(src.path, label, budget, read_whole, within=within) if kind == "tar"
                              else ZipSource(src.path, label, within=within))
    except InputError as exc:
        src._skip(member.name, f"{HOLDS} {member.name} inside that cannot be read ({_one_line(exc)}); extract it "
                               f"and {pass_it(member.name)}")
        return None
    inner.budget = budget
    return inner
