"""Rows of a frame by key, grouped once: the per-route questions rules ask become dictionary lookups.

Filtering a frame (``df[(df.namespace == ns) & (df.name == x)]``) costs about a millisecond per call
on these Arrow-backed frames, whatever their size, and rules ask such questions for every route.
A :class:`FrameIndex` reads the key columns once into Python lists and maps each key to its row
positions; a lookup then takes those rows (in frame order, with their index labels) and keeps the
result, so the same question asked by several rules is answered once. Rows whose key holds a
missing value are never found, as they never equal anything in a comparison filter.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

import pandas as pd

Key = tuple[Hashable, ...]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


class FrameIndex:
    """Row positions of one frame by the values of ``keys`` (a tuple of column names)."""

    def __init__(self, frame: pd.DataFrame, keys: tuple[str, ...]):
        self.frame = frame
        self.keys = keys
        self._positions: dict[Key, Any] = {}
        if keys and len(frame) >= GROUPBY_ROWS:
            self._positions = _grouped_positions(frame, keys)
        else:
            columns = [frame[k].tolist() for k in keys] if len(frame) else []
            for pos, key in enumerate(zip(*columns, strict=True)):
                if any(_missing(v) for v in key):
                    continue
                self._positions.setdefault(key, []).append(pos)
        self._rows: dict[Key, pd.DataFrame] = {}
        self._firsts: dict[Key, pd.Series | None] = {}
        self._empty: pd.DataFrame | None = None

    def positions(self, key: Key) -> Any:
        """Row positions with that key, ascending (a list, or an int64 array on a large frame)."""
        return self._positions.get(key, [])

    def positions_any(self, keys: Iterable[Key]) -> list[int]:
        """Positions of rows matching any of ``keys``, in frame order, each once (as ``isin`` keeps them)."""
        found: set[int] = set()
        for key in keys:
            found.update(self._positions.get(key, ()))
        return sorted(found)

    def empty(self) -> pd.DataFrame:
        if self._empty is None:
            self._empty = self.frame.iloc[0:0]
        return self._empty

    def take(self, positions: Any) -> pd.DataFrame:
        if not len(positions):
            return self.empty()
        first, last = positions[0], positions[-1]
        if last - first + 1 == len(positions):  # contiguous: a slice shares the frame's buffers
            return self.frame.iloc[first : last + 1]
        return self.frame.iloc[positions]

    def rows(self, key: Key) -> pd.DataFrame:
        """The rows whose key columns equal ``key``, in frame order (computed once per key)."""
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = self.take(self.positions(key))
        return found

    def rows_any(self, keys: Iterable[Key]) -> pd.DataFrame:
        return self.take(self.positions_any(keys))

    def first(self, key: Key) -> pd.Series | None:
        """The first row with that key, as ``rows(key).iloc[0]`` gives it (computed once per key)."""
        found = self._firsts.get(key, False)
        if found is False:
            positions = self.positions(key)
            found = self._firsts[key] = self.frame.iloc[positions[0]] if len(positions) else None
        return found  # type: ignore[return-value]

    def has(self, key: Key) -> bool:
        return key in self._positions


GROUPBY_ROWS = 50_000  # above this, positions are grouped by pandas into int64 arrays (8 bytes a row)


def _grouped_positions(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[Key, Any]:
    """Positions by key of a large frame (a request log), as ``groupby`` finds them: missing keys left out.

    Python lists of positions cost about 36 bytes a row; the int64 arrays of ``groupby().indices``
    cost 8, which matters for a ``requests`` frame of millions of rows.
    """
    grouped = frame.groupby([frame[k] for k in keys], sort=False, observed=True, dropna=True).indices
    return {(k if isinstance(k, tuple) else (k,)): v for k, v in grouped.items()}


class Lookups:
    """The :class:`FrameIndex` of each (frame, key columns) a context asks for, built on first use."""

    def __init__(self, snap: Any):
        self.snap = snap
        self._indexes: dict[tuple[str, tuple[str, ...]], FrameIndex] = {}
        self.memo: dict[Hashable, Any] = {}

    def index(self, frame: str, *keys: str) -> FrameIndex:
        found = self._indexes.get((frame, keys))
        if found is None:
            found = self._indexes[(frame, keys)] = FrameIndex(self.snap.frame(frame), keys)
        return found

    def take(self, frame: str, positions: list[int]) -> pd.DataFrame:
        """The rows at ``positions`` of a frame (in that order; a shared empty frame for none)."""
        return self.index(frame).take(positions)

    def column(self, frame: str, column: str) -> list:
        """One column of a frame as a Python list (read once)."""
        key = ("column", frame, column)
        if key not in self.memo:
            df = self.snap.frame(frame)
            self.memo[key] = df[column].tolist() if len(df) else []
        return self.memo[key]


def is_text(value: object, text: str) -> bool:
    """``(column == text).fillna(False)`` for one value of a column read with :meth:`Lookups.column`."""
    return isinstance(value, str) and value == text


def column_values(lookups: Lookups, frame: str, *columns: str) -> list[list]:
    """Several columns of a frame as Python lists (each read once)."""
    return [lookups.column(frame, c) for c in columns]


def positions_in(lookups: Lookups, frame: str, namespace: str, column: str, values: Iterable[Hashable]) -> list[int]:
    """Positions of ``frame``'s rows in ``namespace`` whose ``column`` is one of ``values``, in frame order.

    The rows ``df[(df.namespace == namespace) & df[column].isin(values)]`` selects, for the values a
    name can take (missing values match nothing).
    """
    index = lookups.index(frame, "namespace", column)
    return index.positions_any((namespace, v) for v in values if not _missing(v))



def iterrows(frame: pd.DataFrame) -> Iterator[tuple[Hashable, pd.Series]]:
    """``frame.iterrows()``, without its cost on an empty frame (every column is converted even for no row)."""
    return iter(()) if frame.empty else frame.iterrows()


def iterrows_where(
    frame: pd.DataFrame, columns: tuple[str, ...], keep: Callable[[dict], bool]
) -> Iterator[tuple[Hashable, pd.Series]]:
    """``(label, row) for label, row in frame.iterrows() if keep(row)``, for a ``keep`` that reads only ``columns``.

    ``keep`` sees each row's values of those columns as ``iterrows`` gives them (``tolist`` values:
    Python scalars, ``pd.NA``), so it decides exactly as it would on the rows; only the rows it keeps
    are built.
    """
    if frame.empty:
        return iter(())
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    hits = [i for i, row in enumerate(values) if keep(dict(zip(columns, row, strict=True)))]
    return frame.iloc[hits].iterrows() if hits else iter(())
