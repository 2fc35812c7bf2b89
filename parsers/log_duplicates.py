"""An access log given twice is read once: the same log, a later and longer copy of it, or its compressed twin.

An engineer passes a must-gather's ``.tar.gz`` and the directory it unpacked to, the same archive twice, the
must-gather together with ``--logs`` on a router log copied out of it, two must-gathers collected an hour apart
(the same router pod's log in both, the newer one the older one's bytes with more lines after them), or a
router log beside its ``.gz``/``.xz``/``.bz2``. Objects are de-duplicated by ``resourceVersion``; a log read
twice would count every request, every 5xx and every affected request it shares twice, with nothing in the
report to say so.

Logs are compared as the parse reads them: decompressed by the parse's own reader
(:func:`parsers.log_stream.open_log_stream`: a compressed file named on the command line, a member of a
compressed archive, a rotated ``.gz``), so a compressed log and its plain twin hold the same bytes. A log is
skipped only once every one of its bytes was compared equal to another's at the same offsets, never on a
digest or a size alone:

- two logs of the same bytes are one: the copy is skipped, naming the log it repeats. The log kept is a plain
  file on disk (read without decompressing, its cited lines quoted by offset, ``parsers.log_quotes``) over a
  log that is decompressed, and otherwise the first given;
- a log whose bytes are the first bytes of a longer log of another input is skipped ("repeats the first N
  bytes of" the longer one), and the longer one is read. Logs of one input are never taken for a longer copy of
  each other (``previous.log``, ``current.log`` and the rotated logs of a pod follow each other);
- logs that agree on a first part and then differ are both read.

Cost. A log is opened only when another log could hold it or be held by it: one of the same listed size (any
input), any log of another input, or in the same input its twin named with a compression suffix
(``router.log`` and ``router.log.gz``). One input whose logs have distinct sizes (the usual ``mga analyze
must-gather``) opens none. Opening reads the first :data:`HEAD` bytes as parsed: one read of a plain file, a
few blocks of a compressed one; a member of a compressed tar costs decompressing the tar up to it (the logs of
an input are opened in archive order: one forward pass). Logs whose first bytes differ cost nothing more. For
a pair whose first bytes agree, a log shorter than :data:`HEAD` is decided by the first bytes alone; two plain
files on disk compare the shorter one's last :data:`HEAD` bytes with the longer one's at the same offsets
first (one seek each), so two big logs that part after a long common start are told apart without reading
them. Otherwise both are read side by side from their start, :data:`CHUNK` bytes at a time (bounded memory),
until they differ or the shorter one ends: a copy is read whole (less than parsing it), and two compressed
logs that part are decompressed up to where they part. The first bytes of the logs opened are held while they
are compared (:data:`HEAD` bytes a log).

A log whose last part is another's first part (two collections whose windows overlap) or that another holds
whole somewhere past its start is :mod:`parsers.log_overlaps`' business, once the copies here are skipped;
two logs whose lines have two shapes (a node's CRI file and a ``current.log``) that start at the same line are
:mod:`parsers.log_same_starts`' (their bytes differ: they are not compared here).
"""

from __future__ import annotations

import lzma
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from parsers.gzip_reader import ERRORS
from parsers.log_stream import open_log_stream
from parsers.sources import MemberTooLarge

HEAD = 64 << 10
CHUNK = 1 << 20
SUFFIXES = (".gz", ".xz", ".bz2")  # what names a compressed twin inside one input

LogJob = tuple[Any, Any, str | None, str | None]  # parsers.log_jobs.LogJob: (source, member, router pod, _)
Duplicate = tuple[Any, Any, str, LogJob]  # (source, member, reason, the log its bytes are read in)
UNREADABLE = (OSError, EOFError, ValueError, lzma.LZMAError, MemberTooLarge, *ERRORS)


@dataclass(frozen=True)
class _Log:
    """An opened log: its position among the jobs, its first bytes as parsed, and what is known of it."""

    k: int
    src: Any
    member: Any
    head: bytes  # the first HEAD bytes as parsed: the whole log when shorter
    stored: str | None  # the compression of a log file named, or of a rotated .gz (None: a plain log, archived or not)
    plain: bool  # a file on disk read as it is stored: sizes, offsets and a seek cost nothing
    length: int | None  # its bytes as parsed, when the listing says so (read as stored or from an archive)


def distinct_jobs(jobs: Sequence[LogJob]) -> tuple[list[LogJob], list[Duplicate]]:
    """The jobs with each log once (in the order given), and every log skipped with why: a copy of another, or
    the first part of a longer log of another input (see the module's docstring for which one is kept), and the
    job of the log it is read in (:mod:`parsers.log_overlaps` may read that one in part, and says so)."""
    into: dict[int, tuple[int, str, int]] = {}  # skipped -> (the log it is read in, "same"/"start", its bytes)
    kept: list[_Log] = []
    opened = {log.k: log for log in _opened(jobs)}
    for log in sorted(opened.values(), key=lambda log: log.k):
        for other in list(kept):
            relation = _relation(other, log)
            if relation is None:
                continue
            how, size = relation
            if how == "first in second" or (how == "same" and log.plain and not other.plain):
                into[other.k] = (log.k, "start" if how != "same" else how, size)
                kept.remove(other)
            else:
                into[log.k] = (other.k, "start" if how != "same" else how, size)
                break
        if log.k not in into:
            kept.append(log)
    out, copies = [], []
    for k, job in enumerate(jobs):
        if k not in into:
            out.append(job)
            continue
        target, how, size = _final(into, k)
        name, label = jobs[target][1].name, jobs[target][0].label
        if how == "start":
            reason = (f"repeats the first {size} bytes of {name} of {label}, a longer copy of this access log:"
                      " read once")
        else:
            alike = "the same bytes" if opened[k].stored == opened[target].stored else "the same bytes decompressed"
            reason = f"the same access log as {name} of {label} ({alike}): read once"
        copies.append((job[0], job[1], reason, jobs[target]))
    return out, copies


def _final(into: dict[int, tuple[int, str, int]], k: int) -> tuple[int, str, int]:
    """The log that ``k``'s bytes are read in, following the logs skipped in turn, and how (a chain of copies
    is a copy; a longer log on the way makes it a first part)."""
    target, how, size = into[k]
    while target in into:
        target, step, _ = into[target]
        how = "start" if step == "start" else how
    return target, how, size


def _opened(jobs: Sequence[LogJob]) -> list[_Log]:
    """The logs worth comparing, opened to their first bytes; unreadable ones left out (the parse says why)."""
    out = []
    for k in _candidates(jobs):
        src, member = jobs[k][:2]
        head = log_head(src, member)
        if head is None:
            continue
        data, inner = head
        as_stored = not getattr(src, "compression", None) and not inner
        out.append(_Log(k, src, member, data, getattr(src, "compression", None) or ("gz" if inner else None),
                        plain_file(src, member, inner),
                        int(member.size) if as_stored and src.compressed_size(member) is None else None))
    return out


def plain_file(src: Any, member: Any, inner: bool) -> bool:
    """Whether a log is a file on disk read as it is stored (``inner``: its first bytes came out of a rotated
    ``.gz``, :func:`log_head`): the copy kept of two, read without decompressing and quoted by offset."""
    return not getattr(src, "compression", None) and not inner and src.plain_path(member) is not None


def log_head(src: Any, member: Any) -> tuple[bytes, bool] | None:
    """The log's first :data:`HEAD` bytes as parsed, and whether they came out of a rotated ``.gz`` inside the
    input; None when empty, unreadable or cut within them (never the same as another)."""
    try:
        with open_log_stream(src, member) as (stream, readers):
            data = read_full(stream, HEAD)
            cut = any(reader.cut is not None for reader in readers)
            inner = len(readers) > 1  # open_log_stream guards a rotated .gz's output with a reader of its own
    except UNREADABLE:
        return None
    return None if cut or not data else (data, inner)


def _relation(first: _Log, second: _Log) -> tuple[str, int] | None:
    """How two logs' bytes relate: ``same``, ``first in second`` or ``second in first`` (the shorter one is
    where the longer one starts; only across inputs), with the bytes of the shorter one; None: both are read."""
    common = min(len(first.head), len(second.head))
    if first.head[:common] != second.head[:common]:
        return None
    one_input = first.src is second.src
    if one_input and first.length is not None and second.length is not None and first.length != second.length:
        return None
    if min(len(first.head), len(second.head)) < HEAD:  # the shorter one is whole in its first bytes
        how = ("same" if len(first.head) == len(second.head)
               else "first in second" if len(first.head) < len(second.head) else "second in first")
        return (how, common) if how == "same" or not one_input else None
    if first.plain and second.plain and not _ends_agree(first, second):
        return None
    relation = _compare(first, second)
    return relation if relation is None or relation[0] == "same" or not one_input else None


def _ends_agree(first: _Log, second: _Log) -> bool:
    """Whether two plain files agree on the shorter one's last :data:`HEAD` bytes (read at the same offsets of
    both): a cheap no for logs that part after a long common start; False if either is unreadable."""
    if first.length is None or second.length is None:
        return True
    end = min(first.length, second.length)
    try:
        with first.src.open(first.member, capped=False) as one, second.src.open(second.member, capped=False) as other:
            one.seek(end - HEAD)
            other.seek(end - HEAD)
            return read_full(one, HEAD) == read_full(other, HEAD)
    except UNREADABLE:
        return False


def _compare(first: _Log, second: _Log) -> tuple[str, int] | None:
    """Two logs read side by side as parsed, :data:`CHUNK` bytes at a time, until they differ (None) or either
    ends: ``same``, or the shorter one is where the longer one starts, with its bytes; None if either is
    unreadable or cut on the way."""
    agreed = compared((first.src, first.member), (second.src, second.member))
    if agreed is None:
        return None
    size, longer = agreed
    if not longer:
        return "same", size
    return ("first in second" if longer > 0 else "second in first"), size


def compared(first: tuple[Any, Any], second: tuple[Any, Any], skip: int = 0) -> tuple[int, int] | None:
    """Two logs ((source, member) each) read side by side as parsed, the first from its byte ``skip``:
    :func:`side_by_side`'s answer; None if they differ, or either is unreadable or cut on the way."""
    try:
        with open_log_stream(*first) as (one, guards), open_log_stream(*second) as (other, others):
            while skip > 0 and (dropped := len(one.read(min(skip, CHUNK)))):  # read: its guards count every byte
                skip -= dropped
            agreed = side_by_side(one, other)
            return None if agreed is None or any(reader.cut is not None for reader in (*guards, *others)) else agreed
    except UNREADABLE:
        return None


def side_by_side(one: Any, other: Any) -> tuple[int, int] | None:
    """Two streams read side by side, :data:`CHUNK` bytes at a time, until they differ (None) or either ends:
    the bytes they agree on, and which one goes on past them (1: ``other``, -1: ``one``, 0: neither)."""
    size = 0
    while True:
        left, right = read_full(one, CHUNK), read_full(other, CHUNK)
        common = min(len(left), len(right))
        if left[:common] != right[:common]:
            return None
        size += common
        if len(left) != len(right) or not left:
            return size, (len(right) > len(left)) - (len(left) > len(right))


def _candidates(jobs: Sequence[LogJob]) -> list[int]:
    """The jobs worth opening (see the module's docstring), each input's in archive order."""
    sizes: dict[Hashable, int] = {}
    inputs: set[int] = set()
    bare: dict[tuple[int, str], int] = {}  # (input, name without a compression suffix) -> logs
    for src, member, _, _ in jobs:
        size = _size_key(src, member)
        if size is None:
            continue
        sizes[size] = sizes.get(size, 0) + 1
        inputs.add(id(src))
        bare[(id(src), _bare(member.name))] = bare.get((id(src), _bare(member.name)), 0) + 1
    picked = []
    for k, (src, member, _, _) in enumerate(jobs):
        size = _size_key(src, member)
        if size is not None and (sizes[size] > 1 or len(inputs) > 1 or bare[(id(src), _bare(member.name))] > 1):
            picked.append(k)
    first = {}
    for k in picked:
        first.setdefault(id(jobs[k][0]), k)
    return sorted(picked, key=lambda k: (first[id(jobs[k][0])], jobs[k][1].order))


def _bare(name: str) -> str:
    return name[:-len(suffix)] if (suffix := next((s for s in SUFFIXES if name.endswith(s)), "")) else name


def _size_key(src: Any, member: Any) -> Hashable | None:
    """What must be equal for two logs of one input to be compared: the bytes listed, or a compressed file's
    stored size and compression; None for an empty log (nothing to count twice)."""
    if member.size:
        return ("bytes", int(member.size))
    compression = getattr(src, "compression", None)
    stored = src.compressed_size(member) if compression else None
    return ("stored", compression, int(stored)) if stored else None


def read_full(stream: Any, size: int) -> bytes:
    """``size`` bytes of ``stream``, fewer only at its end (a decompressing stream may hand out less a read)."""
    out = bytearray()
    while len(out) < size:
        got = stream.read(size - len(out))
        if not got:
            break
        out += got
    return bytes(out)
