"""Accept times sorted by key, held as offsets from the earliest: 4 bytes a line.

A log's counted lines (:mod:`parsers.normal_lines`) are held as each key's accept times, sorted. A chunk's
come sorted from its lines' keys and times (:func:`times_by_key`: key and time packed into one integer,
sorted once), then as offsets from its earliest time (:func:`offsets`), 32 bits where the span allows, as
a log's of under 49.7 days does. A log's are its chunks' joined (:func:`joined_times`): each chunk's
offsets written straight to their key's places in the one array that is kept, so the chunks' times, a
joined copy and a key per line are never held together at the end of a long log's parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

_NARROW_MAX = int(np.iinfo(np.uint32).max)  # 49.7 days of milliseconds


class KeyTimes(Protocol):
    """A part's times: ``base + stamps[starts[i]:starts[i + 1]]`` are key ``i``'s, sorted."""

    starts: np.ndarray
    stamps: np.ndarray
    base: int

    def release_times(self) -> None: ...


def times_by_key(key: np.ndarray, ms: np.ndarray, keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each key's times start, and the times sorted by key then time (``key``: each line's key id, ``ms``:
    its accept time); consumes ``key`` and ``ms``, whose buffers are reused where they can be written.

    Key and time are packed into one integer (where the product fits 63 bits, as a log's span of
    milliseconds does) and sorted once, in place: the sorted runs of joined parts merge at little cost.
    """
    if not len(ms):
        return np.zeros(keys + 1, dtype=np.int64), ms
    low = int(ms.min())
    span = int(ms.max()) - low + 1
    if keys * span >= 1 << 62:
        order = np.lexsort((ms, key))
        return np.searchsorted(key[order], np.arange(keys + 1)).astype(np.int64), ms[order]
    packed = key if key.dtype == np.int64 and key.flags.writeable else key.astype(np.int64)
    packed *= span
    if ms.dtype == np.int64 and ms.flags.writeable:
        ms -= low
    else:  # a view of an Arrow buffer
        ms = ms - low
    packed += ms
    del ms
    packed.sort(kind="stable")  # stable: the sorted runs of a chunk's lines merge cheaply
    starts = np.searchsorted(packed, np.arange(keys + 1, dtype=np.int64) * span).astype(np.int64)
    np.remainder(packed, span, out=packed)
    packed += low
    return starts, packed


def offsets(ms: np.ndarray) -> tuple[int, np.ndarray]:
    """(the earliest time, each time's offset from it) in the narrowest type that holds the span: 4 bytes a line
    for up to 49.7 days of milliseconds, 8 beyond. ``ms`` keeps its order."""
    if not len(ms):
        return 0, np.zeros(0, dtype=np.uint32)
    base = int(ms.min())
    kind = np.uint32 if int(ms.max()) - base <= _NARROW_MAX else np.int64
    return base, (ms - base).astype(kind)


def place(times: np.ndarray, offset: int, side: str) -> int:
    """``np.searchsorted(times, offset, side)`` for sorted offsets ``times`` and an offset that may lie outside
    their type (a bound before the log's first millisecond, or after the narrow type's last)."""
    if offset < 0:
        return 0
    if offset > np.iinfo(times.dtype).max:
        return len(times)
    return int(np.searchsorted(times, times.dtype.type(offset), side=side))  # type: ignore[call-overload]


def joined_times(parts: Sequence[KeyTimes], part_keys: list[np.ndarray], keys: int,
                 consume: bool) -> tuple[np.ndarray, int, np.ndarray]:
    """Where each key's times start, the joined times' base and their offsets from it, sorted by key then time
    (``part_keys``: each part's keys' ids among all keys), as :func:`times_by_key` and :func:`offsets` give
    them for one part's lines.

    Each part's offsets are written straight to their key's places in the one array that is kept, the part
    emptied once copied when ``consume`` says so: no joined copy, no key per line and no packed integers are
    held beside the parts (a part's worth at a time). The places of a key follow the parts' order; a key's
    times are sorted again only where two parts' runs of it are out of order (a long request logged late).
    """
    sizes = [len(p.stamps) for p in parts]
    filled = [p for p, n in zip(parts, sizes, strict=True) if n]
    if not filled:
        return np.zeros(keys + 1, dtype=np.int64), 0, np.zeros(0, dtype=np.uint32)
    low = min(p.base + int(p.stamps.min()) for p in filled)
    high = max(p.base + int(p.stamps.max()) for p in filled)
    kind = np.uint32 if high - low <= _NARROW_MAX else np.int64
    lines = np.zeros(keys, dtype=np.int64)
    for k, p in zip(part_keys, parts, strict=True):
        lines[k] += np.diff(p.starts)  # a part names each of its keys once
    starts = np.zeros(keys + 1, dtype=np.int64)
    np.cumsum(lines, out=starts[1:])
    joined = np.empty(int(starts[-1]), dtype=kind)
    free = starts[:-1].copy()  # each key's next place
    for k, p in zip(part_keys, parts, strict=True):
        runs = np.diff(p.starts)
        to = np.repeat(free[k] - p.starts[:-1], runs)
        to += np.arange(len(p.stamps), dtype=np.int64)
        joined[to] = (p.stamps.astype(np.int64) + (p.base - low)).astype(kind, copy=False)
        free[k] += runs
        if consume:
            p.release_times()
    _sort_keys_out_of_order(joined, starts)
    return starts, low, joined


def _sort_keys_out_of_order(joined: np.ndarray, starts: np.ndarray) -> None:
    """Sort, in place, each key's times where one is earlier than the one before it (a stable sort: the
    parts' sorted runs merge cheaply)."""
    if len(joined) < 2:
        return
    down = np.flatnonzero(joined[1:] < joined[:-1]) + 1  # a time earlier than the one before it
    if not len(down):
        return
    key_of = np.searchsorted(starts, down, side="right") - 1
    inside = down != starts[key_of]  # not the first time of its key
    for key in np.unique(key_of[inside]).tolist():
        joined[starts[key]:starts[key + 1]].sort(kind="stable")
