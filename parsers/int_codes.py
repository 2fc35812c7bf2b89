"""Integer keys grouped by counting instead of sorting: the helpers the loader and the analysis use on
millions of request rows, where the keys (minutes of a log, statuses, namespace codes, ``actconn``
values) span a small range and a pandas ``groupby`` or ``np.unique`` would sort copies of every value.
"""

from __future__ import annotations

import numpy as np


def dense_codes(values: np.ndarray, *, narrowest: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for integers that span a small range (minutes of a
    log, HTTP statuses): counted over the range instead of sorted. ``np.unique`` sorts a copy of every
    value and keeps the order and the inverse, three arrays as long as the log (a few hundred MB at
    10M lines, the analysis' peak); this needs one array of the range and the codes. Codes counted over
    a range are 32-bit integers (``narrowest``: 16-bit where their number fits, for a caller that
    only compares and folds them); sorted ones, ``np.intp``.
    """
    if not len(values):
        return np.unique(values, return_inverse=True)
    low, high = int(values.min()), int(values.max())
    if high - low >= max(len(values) // 4, 1 << 16):  # a sparse range: sorting costs less
        return np.unique(values, return_inverse=True)
    # offsets in the narrowest type every value fits (a 16-bit status read as itself, not widened to 64)
    offsets = np.subtract(values, low, dtype=_holding(low, high))
    present = np.zeros(high - low + 1, dtype=bool)
    present[offsets] = True
    code_of = np.cumsum(present) - 1
    if len(code_of) < 1 << 31:  # 32-bit codes: half the bytes of the one array as long as the values
        code_of = code_of.astype(_holding(0, int(code_of[-1])) if narrowest else np.int32)
    return np.flatnonzero(present) + low, code_of[offsets]


def _holding(low: int, high: int) -> type[np.signedinteger]:
    """The narrowest signed type (from 16 bits) holding ``low`` .. ``high`` and their difference."""
    for kind in (np.int16, np.int32):
        bits = np.iinfo(kind).bits - 1
        if low >= -(1 << bits) and high < 1 << bits and high - low < 1 << bits:
            return kind
    return np.int64


INT64_MIN = np.iinfo(np.int64).min
INT64_MAX = np.iinfo(np.int64).max


def group_extremes(groups: np.ndarray, size: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group code ``0 .. size-1``, the lowest and highest of ``values`` (int64); ``INT64_MAX`` and
    ``INT64_MIN`` for a group without a value. Unbuffered ``ufunc.at`` passes, no sort."""
    low = np.full(size, INT64_MAX, dtype=np.int64)
    high = np.full(size, INT64_MIN, dtype=np.int64)
    np.minimum.at(low, groups, values)
    np.maximum.at(high, groups, values)
    return low, high


ORDER_BLOCK = 1 << 20  # rows sorted at a time by :func:`stable_group_order`


def stable_group_order(group_of: np.ndarray, groups: int, rows: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``np.argsort(group_of, kind="stable")`` of small group numbers (``0 .. groups-1``), taken from ``rows``
    when given (``rows[order]``), in 32 bits where the positions fit; and how many rows each group has.

    An index of a request frame keeps these positions for the whole analysis: 8 bytes a row in ``np.intp``,
    and the sort's order and its take from ``rows`` were two such arrays more at once (at 20M rows, 320 MB
    of the analysis' peak), and ``np.bincount`` reads its input as ``np.intp`` (a copy of 8 bytes a row). All
    are done :data:`ORDER_BLOCK` rows at a time, each block's rows placed after the earlier blocks' rows of
    their group (a counting sort of the blocks: stable): only the result is as long as the frame.
    """
    count = len(group_of)
    bound = int(rows[-1]) + 1 if rows is not None and len(rows) else count
    out = np.empty(count, dtype=np.int32 if bound < 1 << 31 else np.intp)
    blocks = range(0, count, ORDER_BLOCK)
    totals = np.zeros(groups, dtype=np.intp)
    for start in blocks:
        totals += np.bincount(group_of[start:start + ORDER_BLOCK], minlength=groups)
    cursor = np.cumsum(totals) - totals  # where each group's rows start
    for start in blocks:
        part = group_of[start:start + ORDER_BLOCK]
        order = np.argsort(part, kind="stable")
        counts = np.bincount(part, minlength=groups)
        present = np.flatnonzero(counts)
        sizes = counts[present]
        runs = np.cumsum(sizes) - sizes  # where each present group's rows start in the sorted block
        places = np.repeat(cursor[present] - runs, sizes) + np.arange(len(part))
        order += start
        out[places] = order if rows is None else rows[order]
        cursor[present] += sizes
    return out, totals
