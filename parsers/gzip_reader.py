"""Gzip streams read with ISA-L (python-isal's ``igzip``) when it is installed, else with the standard library.

A case arrives as a ``.tar.gz`` must-gather. A compressed tar is one stream: listing its members
decompresses all of it, and each phase that reads members (objects, application logs, access logs)
decompresses it again from its start up to the last member it reads. ``igzip`` is a ``gzip.GzipFile``
(the same interface and seeking) that decompressed a 1.94 GB must-gather in 0.40 s where
``gzip.GzipFile`` took 2.06 s (docs/performance.md, "A compressed must-gather").

It differs on damaged streams: it decompresses a block ahead, and when the block holds the damage it
hands out none of it (the standard library hands out every byte before the damage); a damaged deflate
block raises ``isal_zlib.error``, not ``zlib.error``. So only :class:`parsers.archive_sources.TarSource` uses it,
and lists a stream it found damaged again with the standard library's reader; a log given as a ``.gz``
file, or a rotated ``.gz`` log inside an input, keeps the standard library's, which keeps every line
before a damage. :data:`ERRORS` names both libraries' decompression errors.
"""

from __future__ import annotations

import gzip
import zlib
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
