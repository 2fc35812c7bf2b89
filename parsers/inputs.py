"""Which source a path the user typed is: :func:`open_input` looks at it (its first bytes, and a compressed
file's first decompressed ones) and opens it as a directory, an archive, one dump or one log."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parsers.archive_sources import TarSource, ZipSource
from parsers.byte_budget import ByteBudget
from parsers.sources import (
    ZSTD_MAGIC,
    DirectorySource,
    InputError,
    InputSource,
    SingleFileSource,
    _magic,
    _one_line,
    sniff_compression,
    zlib_error,
)


def open_input(path: str | os.PathLike[str], label: str | None = None, *, as_log: bool = False,
               budget: ByteBudget | None = None, read_whole: Callable[[str], bool] | None = None) -> InputSource:
    """Open ``path`` as the right :class:`InputSource`, or raise :class:`InputError` (one line).

    ``as_log``: the user said it is a log (``--logs``): a file that is not an archive is read as a
    log whatever its bytes look like, so garbage lines are counted, not refused. ``budget``: the run's
    byte budget, for a source that reads while it lists (a compressed tar); the caller sets it on the
    others. ``read_whole``: which members (by name) such a source keeps as it lists them, the ones the
    caller will read whole (default: the object files).
    """
    p = Path(path)
    shown = label or str(path)
    if p.is_symlink() and not p.exists():
        raise InputError(f"{shown}: broken symbolic link")
    if p.is_symlink():
        # the path the user typed is theirs (/var/log/containers/*.log are links): follow it here, once;
        # members inside the input are still opened without following links
        p = Path(os.path.realpath(p))
    if not p.exists():
        raise InputError(f"{shown}: no such file or directory")
    if p.is_dir():
        return DirectorySource(p, shown)
    if not p.is_file():
        raise InputError(f"{shown}: not a regular file or directory")
    try:
        head = _magic(p)
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {_one_line(exc)}") from None
    if not head:
        raise InputError(f"{shown}: empty file")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ZipSource(p, shown)
    compression = sniff_compression(head)
    if len(head) >= 262 and head[257:262] == b"ustar":
        return TarSource(p, shown, budget, read_whole)
    if compression:
        # a compressed tar, or one compressed file: look at the decompressed header
        inner = _decompressed_head(p, compression)
        if inner is None:
            raise InputError(f"{shown}: cannot read archive: not valid {compression} data")
        if len(inner) >= 262 and inner[257:262] == b"ustar":
            return TarSource(p, shown, budget, read_whole)
        return SingleFileSource(p, shown, compression)
    if head.startswith(ZSTD_MAGIC):
        raise InputError(f"{shown}: zstd-compressed, which this build cannot decompress: decompress it (zstd -d) "
                         "and pass the result")
    if as_log or _looks_textual(head):
        return SingleFileSource(p, shown)
    raise InputError(f"{shown}: not a directory, archive (.tar, .tar.gz, .tar.xz, .zip), YAML/JSON dump or log file")


def _decompressed_head(p: Path, compression: str) -> bytes | None:
    opener = {"gz": gzip.open, "xz": lzma.open, "bz2": bz2.open}[compression]
    try:
        with opener(p, "rb") as fh:
            return fh.read(512)
    except (OSError, EOFError, lzma.LZMAError, *zlib_error()):
        return None


def _looks_textual(head: bytes) -> bool:
    if b"\x00" in head[:256]:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut by the sniff window


def usable_input(path: str, given: int, unusable: list[tuple[str, str]], **options: Any) -> InputSource | None:
    """``path`` opened (:func:`open_input`), or, when it is one of ``given`` inputs (several), None with its
    (path, reason) added to ``unusable``: one unusable input among several is a skipped entry and the run goes on
    (report-contract v1.1 "Exit codes"); alone, its error stands.

    An empty directory (or archive) among several opens fine and gives nothing: it is as unusable as an empty
    file, so it is closed and said the same way ("holds no file"), by every command that reads inputs. Alone, it
    stays an input: the error of an input with nothing to read is the command's."""
    try:
        src = open_input(path, **options)
    except InputError as exc:
        if given <= 1:
            raise
        unusable.append((options.get("label") or path, str(exc)))
        return None
    if given > 1 and not (src.members or src.skipped or src.damaged):
        unusable.append((src.label, f"{src.label}: holds no file"))
        src.close()
        return None
    return src
