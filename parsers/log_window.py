"""Which parsed request rows a chunk keeps by their time.

A time a nanosecond timestamp cannot hold (pandas' ``datetime64[ns]``: the years 1677-2262) makes
its line one unparsed line, not a lost file; ``--since``/``--until`` keep the requests accepted
inside the window. Both the full parse and the lean pass of ``mga analyze`` (:mod:`parsers.log_keep`)
apply them the same way, so the two count the same requests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers.log_fields import TS_MS

# what a datetime64[ns] column holds (pandas): a line dated outside is one unparsed line, not a lost file
NS_TIME_MIN = pa.scalar(pd.Timestamp.min.ceil("ms"), TS_MS)
NS_TIME_MAX = pa.scalar(pd.Timestamp.max.floor("ms"), TS_MS)
OUT_OF_RANGE_REASON = "timestamp outside the years 1677-2262 (not representable)"


def without_unrepresentable_times(table: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The rows whose times a nanosecond timestamp can hold, and the ``_row`` of the others."""
    bad = None
    for name in ("ts", "received"):
        if name not in table.column_names:
            continue
        column = table.column(name)
        # a missing time (``received`` when a line has no container prefix) is no verdict: it must
        # not hide the other column's (a null in pc.or_ makes the whole answer null)
        outside = pc.fill_null(pc.or_(pc.less(column, NS_TIME_MIN), pc.greater(column, NS_TIME_MAX)), False)
        bad = outside if bad is None else pc.or_(bad, outside)
    if bad is None:
        return table, np.empty(0, dtype=np.int64)
    if not pc.any(bad).as_py():
        return table, np.empty(0, dtype=np.int64)
    rows = table.filter(bad).column("_row").to_numpy().astype(np.int64)
    return table.filter(pc.invert(bad)), rows



def in_window(table: pa.Table, since: pd.Timestamp | None, until: pd.Timestamp | None) -> pa.Array:
    """Rows accepted inside ``[since, until]`` (a row without a time is outside any window)."""
    keep = pc.is_valid(table.column("ts"))
    if since is not None:
        keep = pc.and_(keep, pc.greater_equal(table.column("ts"), pa.scalar(since, TS_MS)))
    if until is not None:
        keep = pc.and_(keep, pc.less_equal(table.column("ts"), pa.scalar(until, TS_MS)))
    return pc.fill_null(keep, False)
