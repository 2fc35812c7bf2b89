"""A snapshot seen from one namespace: every namespaced frame cut to that namespace.

Rules walk routes, and everything a route depends on lives in its own namespace (its services,
endpoints, pods, events, policies, its log lines). Running the rules namespace by namespace on
pre-split frames keeps each filter small, so the cost grows with the archive, not with
routes × archive. Cluster-level frames (IngressControllers, nodes, namespaces, cluster version)
stay whole.

Each frame is split once for all namespaces into row positions (counted on the namespace column's
integer codes, or ``groupby().indices``; a ``range`` where the frame is in namespace order),
and a namespace's part is taken from those positions the first time a rule asks for it (rows in
their original order, with their original index labels, exactly what a ``groupby`` would give).
Neither the whole frame nor its namespace keys are copied or sorted: with a million log lines in
namespaces the archive has no routes for, only the rows of the namespaces analysed are ever taken.
Namespaces a frame has no rows for share one empty frame. Whether a namespace has rows at all is
answered from the positions, without taking the part (:func:`has_rows`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyzer.lookup import grouped_positions
from parsers import schema
from parsers.snapshot import Snapshot

CLUSTER_FRAMES = frozenset({"ingresscontrollers", "namespaces", "nodes", "clusterversion"})


class FrameSplits:
    """Each namespaced frame split by namespace once.

    ``grouped=True`` keeps the earlier ``groupby`` split (one copy per namespace), the reference the
    sorted slices are tested against.
    """

    def __init__(self, snap: Snapshot, *, grouped: bool = False):
        self.snap = snap
        self.grouped = grouped
        self._splits: dict[str, dict[str, pd.DataFrame]] = {}
        self._positions: dict[str, dict[str, Any]] = {}
        self._empty: dict[str, pd.DataFrame] = {}

    def _split(self, name: str) -> None:
        if name in self._splits:
            return
        df = self.snap.frame(name)
        if "namespace" not in df.columns or df.empty:
            self._splits[name] = {}
        elif self.grouped:
            key = df["namespace"].astype("object")
            self._splits[name] = {str(ns): part for ns, part in df.groupby(key, sort=False)}
        else:
            self._splits[name] = {}
            self._positions[name] = namespace_positions(df)

    def part(self, name: str, namespace: str) -> pd.DataFrame:
        self._split(name)
        found = self._splits[name].get(namespace)
        if found is not None:
            return found
        positions = self._positions.get(name, {}).get(namespace)
        if positions is not None:
            found = self._splits[name][namespace] = rows_at(self.snap.frame(name), positions)
            return found
        if self.grouped:
            return self.snap.frame(name).iloc[0:0] if name in self.snap.frames else schema.empty_frame(name)
        if name not in self._empty:
            whole = self.snap.frames.get(name)
            self._empty[name] = whole.iloc[0:0] if whole is not None else schema.empty_frame(name)
        return self._empty[name]

    def forget(self, name: str, namespace: str) -> None:
        """Drop the namespace's taken part of ``name`` (taken again from the positions if asked again)."""
        if not self.grouped:
            self._splits.get(name, {}).pop(namespace, None)

    def has_rows(self, name: str, namespace: str) -> bool:
        """Whether the namespace's part of ``name`` has rows (``not part(...).empty``), without taking it."""
        self._split(name)
        found = self._splits[name].get(namespace)
        if found is not None:
            return not found.empty
        return namespace in self._positions.get(name, {})  # a namespace's positions are never empty


def namespace_positions(df: pd.DataFrame) -> dict[str, Any]:
    """Ascending row positions of each namespace of ``df``; rows without a namespace belong to none.

    Found as :class:`analyzer.lookup.FrameIndex` finds a large frame's rows by key: a frame in namespace
    order (the request frame, in route order) gives each namespace's rows as a ``range``, where
    ``groupby().indices`` held an array of every row's position for the whole analysis (80 MB at 10M
    rows)."""
    return {str(key[0]): positions for key, positions in grouped_positions(df, ("namespace",)).items()}


def rows_at(df: pd.DataFrame, positions: Any) -> pd.DataFrame:
    """The rows at ascending ``positions``; a contiguous run is a slice sharing the frame's buffers."""
    if not len(positions):
        return df.iloc[0:0]
    first, last = int(positions[0]), int(positions[-1])
    if last - first + 1 == len(positions):
        return df.iloc[first : last + 1]
    return df.iloc[positions]


class ScopedSnapshot:
    """Quacks like a :class:`Snapshot`; ``frame()`` answers for one namespace."""

    def __init__(self, splits: FrameSplits, namespace: str):
        self._splits = splits
        self.namespace = namespace

    def frame(self, name: str) -> pd.DataFrame:
        if name in CLUSTER_FRAMES:
            return self._splits.snap.frame(name)
        return self._splits.part(name, self.namespace)

    def has_rows(self, name: str) -> bool:
        """``not frame(name).empty``, answered from the split's positions (taking a part costs about a
        millisecond on the Arrow-backed frames, and many questions only ask whether there are rows)."""
        if name in CLUSTER_FRAMES:
            return not self._splits.snap.frame(name).empty
        return self._splits.has_rows(name, self.namespace)

    def forget(self, name: str) -> None:
        """Drop this namespace's taken part of ``name`` (see :meth:`FrameSplits.forget`)."""
        if name not in CLUSTER_FRAMES:
            self._splits.forget(name, self.namespace)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._splits.snap, attr)


def has_rows(snap: Any, name: str) -> bool:
    """``not snap.frame(name).empty``; for a :class:`ScopedSnapshot`, without taking the namespace's part."""
    if isinstance(snap, ScopedSnapshot):
        return snap.has_rows(name)
    return not snap.frame(name).empty
