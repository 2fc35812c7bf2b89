"""A snapshot seen from one namespace: every namespaced frame cut to that namespace.

Rules walk routes, and everything a route depends on lives in its own namespace (its services,
endpoints, pods, events, policies, its log lines). Running the rules namespace by namespace on
pre-split frames keeps each filter small, so the cost grows with the archive, not with
routes × archive. Cluster-level frames (IngressControllers, nodes, namespaces, cluster version)
stay whole.

Each frame is split once for all namespaces: one stable sort by namespace, then each namespace's
part is a slice of the sorted frame (rows in their original order, with their original index
labels, exactly what a ``groupby`` would give, without one copy per namespace). Namespaces a
frame has no rows for share one empty frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
        self._empty: dict[str, pd.DataFrame] = {}

    def part(self, name: str, namespace: str) -> pd.DataFrame:
        if name not in self._splits:
            df = self.snap.frame(name)
            if "namespace" not in df.columns or df.empty:
                self._splits[name] = {}
            elif self.grouped:
                key = df["namespace"].astype("object")
                self._splits[name] = {str(ns): part for ns, part in df.groupby(key, sort=False)}
            else:
                self._splits[name] = _sorted_parts(df)
        found = self._splits[name].get(namespace)
        if found is not None:
            return found
        if self.grouped:
            return self.snap.frame(name).iloc[0:0] if name in self.snap.frames else schema.empty_frame(name)
        if name not in self._empty:
            whole = self.snap.frames.get(name)
            self._empty[name] = whole.iloc[0:0] if whole is not None else schema.empty_frame(name)
        return self._empty[name]


def _sorted_parts(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Slices of ``df`` stably sorted by namespace; rows without a namespace belong to none."""
    keys = np.array(["" if v is None or v is pd.NA else str(v) for v in df["namespace"].tolist()], dtype=object)
    valid = np.array([v is not None and v is not pd.NA for v in df["namespace"].tolist()], dtype=bool)
    order = np.argsort(keys, kind="stable")
    order = order[valid[order]]
    if len(order) == 0:
        return {}
    ordered = df.iloc[order]
    sorted_keys = keys[order]
    bounds = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], bounds))
    stops = np.concatenate((bounds, [len(order)]))
    return {str(sorted_keys[a]): ordered.iloc[a:b] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)}


class ScopedSnapshot:
    """Quacks like a :class:`Snapshot`; ``frame()`` answers for one namespace."""

    def __init__(self, splits: FrameSplits, namespace: str):
        self._splits = splits
        self.namespace = namespace

    def frame(self, name: str) -> pd.DataFrame:
        if name in CLUSTER_FRAMES:
            return self._splits.snap.frame(name)
        return self._splits.part(name, self.namespace)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._splits.snap, attr)
