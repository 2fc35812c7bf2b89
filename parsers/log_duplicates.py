"""The same access log given twice is read once.

An engineer passes a must-gather's ``.tar.gz`` and the directory it unpacked to, the same archive twice, or the
must-gather together with ``--logs`` on a router log copied out of it. Objects are de-duplicated by
``resourceVersion``; a log read twice would count every request, every 5xx and every affected request twice,
with nothing in the report to say so.

Two logs are the same when they hold the same bytes. The sizes come from the listing (a tar or zip member, a
file): only logs of a size another log also has are opened, to read their first :data:`HEAD` bytes, and only
those whose first bytes agree too are read whole side by side and compared; logs of different sizes cost
nothing, and reading a copy whole costs less than parsing it. A compressed log named on the command line
is listed without its decompressed size: its stored size and compression stand in for it (the same file
twice; a ``.gz`` and its plain twin are not recognised). A log that is a later, longer copy of another (two
must-gathers an hour apart) is not the same log and is read in full.
"""

from __future__ import annotations

import hashlib
import lzma
from collections.abc import Hashable, Sequence
from typing import Any

from parsers.gzip_reader import ERRORS
from parsers.sources import MemberTooLarge

HEAD = 64 << 10
CHUNK = 1 << 20

LogJob = tuple[Any, Any, str | None, str | None]  # parsers.log_jobs.LogJob: (source, member, router pod, _)
Duplicate = tuple[Any, Any, str]  # (source, member, reason)


def distinct_jobs(jobs: Sequence[LogJob]) -> tuple[list[LogJob], list[Duplicate]]:
    """The jobs with each log once (the first given kept, in order), and every later copy with why it is skipped."""
    by_size: dict[Hashable, list[int]] = {}
    for k, (src, member, _, _) in enumerate(jobs):
        size = _size_key(src, member)
        if size is not None:
            by_size.setdefault(size, []).append(k)
    first_of: dict[int, int] = {}
    for positions in by_size.values():
        if len(positions) < 2:
            continue
        by_head: dict[bytes, list[int]] = {}
        for k in positions:
            head = _digest(*jobs[k][:2], HEAD)
            if head is not None:
                by_head.setdefault(head, []).append(k)
        for alike in by_head.values():
            kept: list[int] = []  # the distinct logs among them, by their first position
            for k in alike if len(alike) > 1 else ():
                same = next((j for j in kept if _same_bytes(jobs[j][:2], jobs[k][:2])), None)
                if same is None:
                    kept.append(k)
                else:
                    first_of[k] = same
    kept, copies = [], []
    for k, job in enumerate(jobs):
        if k not in first_of:
            kept.append(job)
            continue
        src, member = job[:2]
        original_src, original = jobs[first_of[k]][:2]
        copies.append((src, member, f"the same access log as {original.name} of {original_src.label} (the same"
                                    " bytes): read once"))
    return kept, copies


def _size_key(src: Any, member: Any) -> Hashable | None:
    """What must be equal for two logs to be compared: the bytes listed, or a compressed file's stored size and
    compression; None for an empty log (nothing to count twice)."""
    if member.size:
        return ("bytes", int(member.size))
    compression = getattr(src, "compression", None)
    stored = src.compressed_size(member) if compression else None
    return ("stored", compression, int(stored)) if stored else None


UNREADABLE = (OSError, EOFError, ValueError, lzma.LZMAError, MemberTooLarge, *ERRORS)


def _digest(src: Any, member: Any, limit: int) -> bytes | None:
    """A digest of the log's first ``limit`` bytes as read (decompressed by its source); None if unreadable
    (the parse then says why)."""
    try:
        with src.open(member, capped=False) as raw:
            return hashlib.blake2b(_read_full(raw, limit), digest_size=16).digest()
    except UNREADABLE:
        return None  # a damaged or unreachable log: never the same as another


def _same_bytes(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Whether two logs read (decompressed by their sources) to the same bytes, compared a chunk at a time;
    False if either is unreadable."""
    try:
        with a[0].open(a[1], capped=False) as one, b[0].open(b[1], capped=False) as other:
            while True:
                left, right = _read_full(one, CHUNK), _read_full(other, CHUNK)
                if left != right:
                    return False
                if not left:
                    return True
    except UNREADABLE:
        return False


def _read_full(stream: Any, size: int) -> bytes:
    """``size`` bytes of ``stream``, fewer only at its end (a decompressing stream may hand out less a read)."""
    out = bytearray()
    while len(out) < size:
        got = stream.read(size - len(out))
        if not got:
            break
        out += got
    return bytes(out)
