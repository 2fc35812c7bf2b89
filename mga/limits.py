"""``--max-bytes`` and ``--max-log-bytes``: the byte limits of design.md "Resource limits", as options.

Sizes are written as a number of bytes with an optional binary suffix (``512M``, ``4G``, ``64KiB``):
a limit is about memory, so ``K``/``M``/``G`` are powers of 1024, as ``oc`` and Kubernetes quantities
read ``Ki``/``Mi``/``Gi``.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from mga.console import fail

_SIZE = re.compile(r"(\d+)\s*(?:([KMGT])(?:i?B?)?|B)?", re.IGNORECASE)
_UNITS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}

MaxBytesOpt = Annotated[
    str | None,
    typer.Option(
        "--max-bytes", metavar="SIZE",
        help="most bytes read into memory from the inputs' files in this run (default 4G; each file at most "
             "1G); a file that would pass it is not kept: it is listed in 'skipped' with the byte offset "
             "where reading stopped, and the rest is analyzed",
    ),
]
MaxLogBytesOpt = Annotated[
    str | None,
    typer.Option(
        "--max-log-bytes", metavar="SIZE",
        help="most bytes read from each access log, decompressed (default: no cap, logs are streamed); "
             "past it the log is cut: the lines before are analyzed and the cut is listed in 'skipped' "
             "with the byte offset where reading stopped",
    ),
]


def parse_size(value: str | None, option: str) -> int | None:
    """``value`` in bytes (``4G`` = 4 GiB); None when not given; a usage error (exit 2) when unreadable or 0."""
    if value is None:
        return None
    match = _SIZE.fullmatch(value.strip())
    if not match:
        fail(f"{option}: cannot read size {value!r} (a number of bytes, or with K, M, G or T: 512M, 4G)")
    size = int(match.group(1)) << _UNITS[(match.group(2) or "").upper()]
    if size <= 0:
        fail(f"{option}: the limit must be more than 0 bytes")
    return size
