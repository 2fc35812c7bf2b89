"""Where reports and redaction maps may be written, checked before any long work starts.

The rules (issue 13 §6, contract v1.1 exit code 2): the parent directories of an output path are
the user's, but its final component must not be a symlink (a planted link would redirect the write
outside the output directory); the file written must not be one of the inputs; a directory gets
``report.<ext>`` inside it. Files are written to a temporary sibling and renamed into place, so an
interrupted run leaves no partial file and a rename never follows a link. A path that names an existing
device or named pipe (``/dev/null``, a FIFO a reader waits on) is written into as the shell's ``>`` would:
renamed over, the device node itself would be replaced by a regular file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import NoReturn, TypeVar

from mga.console import fail

F = TypeVar("F", bound=StrEnum)


# the report format a file name's extension names (by the format's word), and how a usage error says the file
EXTENSION_FORMATS = {".json": "json", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
FILE_KINDS = {"json": "a JSON", "md": "a Markdown", "html": "an HTML"}


def chosen_format(given: F | None, output: str | None, formats: type[F], default: F, *,
                  format_option: str = "--format", output_option: str = "--output") -> F:
    """The format ``given``, else the one of ``formats`` the file name ``output`` names by its extension
    (``r.json``: json), else ``default``; a format given that the extension contradicts is a usage error (exit 2:
    JSON written into r.md, a table into r.json). Stdout (``-``), an existing directory (``report.<format>`` is
    written in it) and other extensions name none."""
    word = None
    if output is not None and output != "-" and not os.path.isdir(output):
        word = EXTENSION_FORMATS.get(os.path.splitext(output)[1].lower())
    named = formats(word) if word is not None and word in formats.__members__ else None
    if given is not None and named is not None and named != given:
        fail(f"{format_option} {given.value} but {output_option} {output} names {FILE_KINDS[named.value]} file")
    return given or named or default


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(path: str, ext: str, inputs: Iterable[str], option: str = "--output") -> str:
    """The file to write for ``path`` (``-`` stays stdout), or exit 2 with the reason.

    An empty path (``--output "$OUT"`` with the variable unset) is refused, not read as the default."""
    if path == "-":
        return path
    if not path.strip():
        fail(f"{option}: empty path (give a file, a directory, or - for stdout)")
    target = Path(path)
    if target.is_dir() and not target.is_symlink():
        target = target / f"report.{ext}"
    if target.is_symlink():
        fail(f"{option} {target}: is a symbolic link; refusing to write through it")
    if target.exists() and target.is_dir():
        fail(f"{option} {target}: is a directory")
    if _special(target):  # written into, not replaced: only the file itself must be writable
        if not os.access(target, os.W_OK):
            fail(f"{option} {target}: cannot write: permission denied")
        return str(target)
    parent = target.parent
    if not parent.is_dir():
        fail(f"{option} {target}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        fail(f"{option} {target}: directory {parent} is not writable")
    probe_directory(parent, option, target)
    for given in inputs:
        if _same_file(target, Path(given)):
            fail(f"{option} {target}: is one of the inputs; refusing to overwrite it")
    return str(target)


def cannot_write(option: str, target: object, exc: OSError) -> NoReturn:
    """The one-line refusal of an output the system would not let us write (exit 2, no traceback)."""
    fail(f"{option} {target}: cannot write: {exc.strerror or exc}")


def probe_directory(directory: Path, option: str, target: object) -> None:
    """Create and remove a temporary file in ``directory``, as the write will: exit 2 if that fails.

    ``os.access`` answers for the permission bits only: root passes it on ``/sys``, a read-only
    mount or a full quota, and the write would then fail after the whole analysis.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mga-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        cannot_write(option, target, exc)


def check_output_dir(path: str, option: str = "--output-dir") -> Path:
    """A directory to write many files into: created if missing, never through a link, or exit 2; an empty
    path is refused, not read as the current directory."""
    if not path.strip():
        fail(f"{option}: empty path (give a directory)")
    out = Path(path)
    if out.is_symlink():
        fail(f"{option} {path}: is a symbolic link; refusing to write through it")
    if out.exists() and not out.is_dir():
        fail(f"{option} {path}: cannot write: not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        cannot_write(option, path, exc)
    probe_directory(out, option, path)
    return out


@contextmanager
def write_errors_refused(option: str, path: str) -> Iterator[None]:
    """An ``OSError`` while writing ``path`` (disk full, a mount gone read-only) becomes one line + exit 2."""
    try:
        yield
    except OSError as exc:
        cannot_write(option, path, exc)


def check_redact_map(path: str | None, *, redact: bool, force: bool, output: str, inputs: Iterable[str]) -> None:
    """``--redact-map`` only with ``--redact``, never the report itself, never clobbered without ``--force``."""
    if path is None:
        return
    if not redact:
        fail("--redact-map needs --redact: without it there is no token map to write")
    target = Path(path)
    if target.is_symlink():
        fail(f"--redact-map {path}: is a symbolic link; refusing to write through it")
    if output != "-" and _same_file(target, Path(output)):
        fail(f"--redact-map {path}: is the report's own path")
    if target.exists() and not force:
        fail(f"--redact-map {path}: exists; use --force to replace it")
    if not target.parent.is_dir():
        fail(f"--redact-map {path}: directory {target.parent} does not exist")
    for given in inputs:
        if _same_file(target, Path(given)):
            fail(f"--redact-map {path}: is one of the inputs; refusing to overwrite it")


def write_private(path: str, text: str) -> None:
    """Write ``text`` readable by its owner only (0600): the redaction map turns tokens back into names."""
    _write(path, text, 0o600)


def write_report(path: str, text: str) -> None:
    """Write a report atomically (temporary sibling + rename): no partial file, no link followed."""
    _write(path, text, 0o644)


def _special(target: Path) -> bool:
    """Whether ``target`` exists and is neither a regular file nor a directory (a device, a named pipe)."""
    try:
        kind = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


def _write(path: str, text: str, mode: int) -> None:
    target = Path(path)
    if _special(target):  # a device or a pipe: written into, never renamed over
        with target.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode & ~_umask() if mode != 0o600 else 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
