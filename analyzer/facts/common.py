"""What every fact carries: where in the inputs it was read, and plain conversions of frame values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class Where:
    """The place in the inputs a fact was read from: enough for a rule to cite it as evidence."""

    source: str
    line: int | None
    input: str | None = None


def where(row: Any) -> Where:
    """The provenance columns (``input``, ``source``, ``line``) of a frame row."""
    return Where(source=text(row.get("source")) or "", line=integer(row.get("line")), input=text(row.get("input")))


def distinct_texts(values: pd.Series) -> set[str]:
    """The text of each distinct present value: ``set(values.dropna().astype(str))`` without converting
    every row (a route in an outage has hundreds of thousands of lines naming a few pods). A
    categorical's present codes are read from its codes: its ``unique`` cost 0.4 ms a route."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return coded_texts(values.cat.codes.to_numpy(), values.cat.categories)
    return {str(v) for v in values.dropna().unique()}


def coded_texts(codes: np.ndarray, categories: pd.Index) -> set[str]:
    """The text of each category a present code (``>= 0``) names."""
    return {str(categories[c]) for c in np.unique(codes[codes >= 0]).tolist()}


def column_array(frame: pd.DataFrame, name: str) -> Any:
    """The array a frame holds for column ``name`` (an ``ExtensionArray`` or ndarray), without the ``Series``
    that ``frame[name]`` builds (10 us a column: describing a cited line read ten of them, for thousands of
    findings). Through pandas' ``_get_column_array`` where it has one, else ``frame[name].array``."""
    at = frame.columns.get_loc(name)
    getter = getattr(frame, "_get_column_array", None)
    if getter is None or not isinstance(at, int):
        return frame[name].array
    return getter(at)


def missing(value: Any) -> bool:
    """A frame cell's missing value, whatever the column type: None, ``pd.NA``, ``pd.NaT`` or NaN."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def integer(value: Any) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return int(value)


def moment(value: Any) -> datetime | None:
    """A frame timestamp as a timezone-aware ``datetime`` (``None`` for NaT/NA)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    return value if isinstance(value, datetime) else None


def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as row dicts (facts are built from small, already filtered frames)."""
    return df.to_dict("records") if not df.empty else []
