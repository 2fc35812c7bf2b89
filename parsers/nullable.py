"""A nullable column's own arrays: its values and which of them are missing, read without pandas' masked
operations.

Masks over millions of request rows built with pandas' nullable comparisons made a value array and a mask
array at every step (``(status >= 500).fillna(False)``: four arrays as long as the frame). The column's own
arrays are views; compared in numpy, each step makes one boolean array. The loader's evidence lines, the
ledger's router-side 5xx and the analysis' integer keys read their columns this way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.core.arrays.masked import BaseMaskedArray


def own_arrays(column: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """A nullable (masked) column's values and missing mask as it holds them (views, no copy; a missing
    value's slot holds anything); None for a column of any other kind."""
    array = column.array
    if isinstance(array, BaseMaskedArray):
        return array._data, array._mask
    return None


def present_where(column: pd.Series, holds: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Whether each value of a numeric column is present and ``holds`` of it (a new boolean array). A column
    that is not nullable is read as floats, NaN where missing."""
    parts = own_arrays(column)
    if parts is None:
        values, absent = column.to_numpy(dtype=np.float64, na_value=np.nan), column.isna().to_numpy()
    else:
        values, absent = parts
    out = np.array(holds(values), dtype=bool)
    out &= ~absent
    return out
