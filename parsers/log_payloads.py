"""Two logs of one router pod in two line shapes, compared on their lines' payloads.

Used by :mod:`parsers.log_overlaps` (one log's last part the other's first part) and
:mod:`parsers.log_same_starts` (two logs that start at the same line).

The same container's lines reach us wrapped three ways (mustgather-layout.md §4, router-facts.md §1.5): a
node's CRI file (``/var/log/pods/.../0.log``, a must-gather's rotated logs) puts ``<time> stdout F `` in front
of each line; ``oc logs --timestamps`` (a must-gather's ``current.log``) puts the kubelet's time and a space;
``oc logs`` without it gives the bare line. Removed of that prefix, a line is its payload: what the container
wrote, the same in every shape (the sidecar's rsyslog time, host and ``haproxy[pid]:`` tag are payload). The
prefixes removed are the ones the parse reads off: the CRI one as :mod:`parsers.log_lines` takes it
(``<word> stdout|stderr F ``, its ``CRI_FULL_PREFIX``), the kubelet's time as the first word in front of the line.

A log's shape is told by its first line: ``cri`` when it starts ``<word> stdout|stderr F|P ``, ``kubelet``
when it starts with the kubelet's fixed RFC3339Nano time (nine fraction digits, ``Z`` or an offset, a
space), which rsyslog's microsecond receive time never has, ``bare`` otherwise. Every line of a ``cri`` or
``kubelet`` log must carry that prefix: a CRI partial line (``P``: the rest of the line is on the next one)
or a line without the prefix cannot be compared on its payload, and where one is met inside the common
part the pair is not recognised (both logs are read whole, as before).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsers.log_duplicates import CHUNK, UNREADABLE, read_full
from parsers.log_lines import CRI_FULL_PREFIX
from parsers.log_stream import open_log_stream

PREFIXES = {
    "cri": re.compile(rb"^" + CRI_FULL_PREFIX, re.M),  # the prefix the parse reads off (parsers.log_lines)
    "kubelet": re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d) ", re.M),
}
_CRI_ANY = re.compile(rb"\S+ (?:stdout|stderr) [FP] ")  # a CRI line, full or partial: the log's shape
PREFIX_MAX = 128  # bytes a prefix may take: a line whose prefix is longer is not found where it starts
SHAPE_NAMES = {"cri": "CRI lines", "kubelet": "kubelet-timestamped lines", "bare": "lines without a prefix"}


class _Unremovable(Exception):
    """A line whose prefix cannot be removed: a CRI partial line, or a line of another shape."""


def shape_of(head: bytes) -> str:
    """The line shape of a log, told by its first bytes (see the module's text)."""
    if _CRI_ANY.match(head):
        return "cri"
    return "kubelet" if PREFIXES["kubelet"].match(head) else "bare"


def prefixes_removed(here: str, there: str) -> str:
    """What a note adds when two logs' lines were compared without their prefixes: the shape of each
    (``here``: the log the note is about)."""
    return f" once each line's prefix is removed ({SHAPE_NAMES[here]} here, {SHAPE_NAMES[there]} there)"


def payload_of(line: bytes, shape: str) -> bytes | None:
    """One line (its newline kept) without its prefix; None when it has none to remove."""
    if shape == "bare":
        return line
    found = PREFIXES[shape].match(line)
    return line[found.end():] if found else None


def line_places(window: bytes, key: bytes, shape: str, start: int) -> Iterator[int]:
    """Where lines of ``window`` (a log's bytes in ``shape``) whose payload is ``key`` (a whole line, its
    newline kept) start, past the window's first byte: for each place of ``key`` from ``start`` that is
    a line's payload, the offset in ``window`` of that line's first byte."""
    while (i := window.find(key, start)) >= 0:
        start = i + 1
        line = window.rfind(b"\n", max(0, i - PREFIX_MAX - 1), i) + 1
        if line and _prefix_end(window, line, shape) == i:
            yield line


def _prefix_end(data: bytes, at: int, shape: str) -> int:
    """Where the payload of the line starting at ``at`` starts; -1 when its prefix cannot be removed."""
    if shape == "bare":
        return at
    found = PREFIXES[shape].match(data, at)
    return found.end() if found else -1


def payloads_compared(older: tuple[Any, Any], older_shape: str, newer: tuple[Any, Any], newer_shape: str,
                      skip: int) -> tuple[int, int] | None:
    """The older log ((source, member)) from its byte ``skip`` and the newer log from its start, read side by
    side as parsed on their lines' payloads: the bytes of the log that ends first (the older one's from
    ``skip``, or the newer one's) and which one goes on (1: the newer, -1: the older, 0: neither); None if a
    payload differs, a line of the common part cannot be compared (see the module's text), or either log is
    unreadable or cut on the way."""
    try:
        with open_log_stream(*older) as (one, guards), open_log_stream(*newer) as (other, others):
            while skip > 0 and (dropped := len(one.read(min(skip, CHUNK)))):  # read: its guards count every byte
                skip -= dropped
            agreed = _side_by_side(_Side(_payloads(one, older_shape)), _Side(_payloads(other, newer_shape)))
            return None if agreed is None or any(reader.cut is not None for reader in (*guards, *others)) else agreed
    except UNREADABLE:
        return None


class _Side:
    """One log's payloads as they are compared: the bytes not yet compared, and its own bytes read so far."""

    def __init__(self, blocks: Iterator[tuple[bytes, int]]):
        self.blocks = blocks
        self.buf = b""
        self.own = 0
        self.ended = False  # every line read
        self.stuck = False  # the next line cannot be compared

    def fill(self) -> None:
        while not self.buf and not self.ended and not self.stuck:
            try:
                self.buf, own = next(self.blocks)
                self.own += own
            except StopIteration:
                self.ended = True
            except _Unremovable:
                self.stuck = True


def _side_by_side(older: _Side, newer: _Side) -> tuple[int, int] | None:
    while True:
        older.fill()
        newer.fill()
        if older.buf and newer.buf:
            common = min(len(older.buf), len(newer.buf))
            if older.buf[:common] != newer.buf[:common]:
                return None
            older.buf, newer.buf = older.buf[common:], newer.buf[common:]
            continue
        if older.ended and newer.ended:
            return newer.own, 0
        if older.ended or newer.ended:  # the other one goes on: more payload, or a line past the common part
            return (older.own, 1) if older.ended else (newer.own, -1)
        return None  # a line that cannot be compared where both go on


def _payloads(stream: Any, shape: str) -> Iterator[tuple[bytes, int]]:
    """The stream's lines without their prefixes, :data:`CHUNK` bytes of lines at a time, each block with the
    log's own bytes it came from; raises :class:`_Unremovable` once the lines before such a line are given."""
    rest = b""
    while True:
        block = read_full(stream, CHUNK)
        data = rest + block
        cut = data.rfind(b"\n") + 1 if block else len(data)  # at the end, an unterminated last line too
        rest = data[cut:]
        if cut:
            yield from _removed(data[:cut], shape)
        if not block:
            return


def _removed(lines: bytes, shape: str) -> Iterator[tuple[bytes, int]]:
    if shape == "bare":
        yield lines, len(lines)
        return
    out, removed = PREFIXES[shape].subn(b"", lines)
    if removed == lines.count(b"\n") + (not lines.endswith(b"\n")):
        yield out, len(lines)
        return
    at = 0  # a line without the prefix: the lines before it, then the stop (a rare path, line by line)
    while at < len(lines) and _prefix_end(lines, at, shape) >= 0:
        at = lines.find(b"\n", at) + 1 or len(lines)
    if at:
        yield PREFIXES[shape].sub(b"", lines[:at]), at
    raise _Unremovable
