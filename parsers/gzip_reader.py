"""Gzip streams read with ISA-L (python-isal's ``igzip``) when it is installed, else with the standard library.

A case arrives as a ``.tar.gz`` must-gather. A compressed tar is one stream: listing its members
decompresses all of it, and each phase that reads members (objects, application logs, access logs)
decompresses it again from its start up to the last member it reads. ``igzip`` is a ``gzip.GzipFile``
(the same interface and seeking) that decompressed a 1.94 GB must-gather in 0.40 s where
``gzip.GzipFile`` took 2.06 s (docs/performance.md, "A compressed must-gather").

It differs on damaged streams: it decompresses a block ahead, and when the block holds the damage it
hands out none of it (the standard library hands out every byte before the damage); a damaged deflate
block raises ``isal_zlib.error``, not ``zlib.error``. So a stream it finds damaged is read again by the
standard library's reader: :class:`parsers.archive_sources.TarSource` lists it again, and a log given as
a ``.gz`` file is read on from the byte where the fast reader stopped (:class:`ResumedGzip`). A rotated
``.gz`` log inside an input keeps the standard library's reader. :data:`ERRORS` names both libraries'
decompression errors.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from typing import IO, Any

try:
    from isal import isal_zlib
    from isal.igzip import IGzipFile as _Reader
except ImportError:  # pragma: no cover - isal is a dependency; a platform without its wheel still reads
    _Reader = gzip.GzipFile  # type: ignore[assignment, misc]
    ERRORS: tuple[type[Exception], ...] = (zlib.error,)
else:
    ERRORS = (zlib.error, isal_zlib.error)

FAST = _Reader is not gzip.GzipFile  # ISA-L's reader is in use


def gzip_reader(source: str | IO[bytes]) -> gzip.GzipFile:
    """A reading ``GzipFile`` of a path or of a binary stream (left open: the caller closes it)."""
    kwargs: dict[str, Any] = {"filename": source} if isinstance(source, str) else {"fileobj": source}
    return _Reader(mode="rb", **kwargs)


class ResumedGzip(io.BufferedIOBase):
    """A gzip file read by the fast reader, and by the standard library's from the same byte on if the
    stream turns out damaged: every byte before the damage is handed out, as the standard library alone
    would, and the error raised is the standard library's.

    ``reopen`` gives the compressed bytes again from their start (a file the user named: opened again by
    the same descriptor's path). The fast reader's bytes were the same as the standard library's up to
    where it failed, so those are skipped (decompressed again once, only for a damaged file).
    """

    def __init__(self, reopen: Callable[[], IO[bytes]]):
        super().__init__()
        self._reopen = reopen
        self._raw = reopen()
        self._reader: gzip.GzipFile = _Reader(fileobj=self._raw, mode="rb")
        self._fast = FAST
        self._given = 0  # decompressed bytes handed out

    def readable(self) -> bool:
        return True

    def _resume(self) -> None:
        """The standard library's reader, at the byte the fast one stopped handing out."""
        self._reader.close()
        self._raw.close()
        self._raw = self._reopen()
        self._reader = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._fast = False
        left = self._given
        while left:
            skipped = len(self._reader.read(min(left, 1 << 20)))
            if not skipped:
                break
            left -= skipped

    def _read(self, read: Callable[[], Any]) -> Any:
        try:
            out = read()
        except (OSError, EOFError, *ERRORS):
            if not self._fast:
                raise
            self._resume()
            out = read()
        self._given += out if isinstance(out, int) else len(out)
        return out

    def read1(self, size: int = -1) -> bytes:
        return self._read(lambda: self._reader.read1(size))

    def read(self, size: int | None = -1) -> bytes:
        return self._read(lambda: self._reader.read(size))

    def readinto1(self, buffer: Any) -> int:
        return self._read(lambda: self._reader.readinto1(buffer))

    def readinto(self, buffer: Any) -> int:
        return self._read(lambda: self._reader.readinto(buffer))

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
            self._raw.close()
        super().close()
