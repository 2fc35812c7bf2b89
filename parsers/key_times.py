"""Accept times sorted by key: one integer per line packs a key and a time, sorted once.

A log's counted lines (:mod:`parsers.normal_lines`) are held as each key's accept times, sorted. A chunk's
come sorted from its lines' keys and times (:func:`times_by_key`); a log's are its chunks' joined
(:func:`joined_times`), written into the one array that is sorted, so the chunks' times, a joined copy
and a key per line are never held together at the end of a long log's parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class KeyTimes(Protocol):
    """A part's times: ``stamps[starts[i]:starts[i + 1]]`` are key ``i``'s, sorted."""

    starts: np.ndarray
    stamps: np.ndarray

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
    return sorted_packed(packed, keys, span, low)


def joined_times(parts: Sequence[KeyTimes], part_keys: list[np.ndarray], keys: int,
                 consume: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where each key's times start, and the parts' times sorted by key then time (``part_keys``: each part's
    keys' ids among all keys), as :func:`times_by_key` gives them for one part's lines.

    The packed keys and times are written part by part into one array, each part emptied once copied when
    ``consume`` says so: the array is the only copy of the times, no key per line is formed beside it
    (a part's at a time), and a page of it is taken only as it is written."""
    sizes = [len(p.stamps) for p in parts]
    filled = [p for p, n in zip(parts, sizes, strict=True) if n]
    if not filled:
        return np.zeros(keys + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = min(int(p.stamps.min()) for p in filled)
    span = max(int(p.stamps.max()) for p in filled) - low + 1
    if keys * span >= 1 << 62:
        per_line = np.concatenate([np.repeat(k, np.diff(p.starts)) for k, p in zip(part_keys, parts, strict=True)])
        return times_by_key(per_line, np.concatenate([p.stamps for p in parts]), keys)
    packed = np.empty(sum(sizes), dtype=np.int64)
    at = 0
    for k, p, n in zip(part_keys, parts, sizes, strict=True):
        part = packed[at:at + n]
        part[:] = np.repeat(k.astype(np.int64, copy=False), np.diff(p.starts))
        part *= span
        part += p.stamps
        part -= low
        if consume:
            p.release_times()
        at += n
    return sorted_packed(packed, keys, span, low)


def sorted_packed(packed: np.ndarray, keys: int, span: int, low: int) -> tuple[np.ndarray, np.ndarray]:
    """From ``packed`` (key * ``span`` + time - ``low``, one a line): where each key's times start, and the
    times sorted by key then time, in ``packed``'s own buffer (a stable sort: sorted runs merge cheaply)."""
    packed.sort(kind="stable")
    starts = np.searchsorted(packed, np.arange(keys + 1, dtype=np.int64) * span).astype(np.int64)
    np.remainder(packed, span, out=packed)
    packed += low
    return starts, packed
