"""A snapshot seen from one namespace: every namespaced frame cut to that namespace.

Rules walk routes, and everything a route depends on lives in its own namespace (its services,
endpoints, pods, events, policies, its log lines). Running the rules namespace by namespace on
pre-split frames keeps each filter small, so the cost grows with the archive, not with
routes × archive. Cluster-level frames (IngressControllers, nodes, namespaces, cluster version)
stay whole.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from parsers import schema
from parsers.snapshot import Snapshot

CLUSTER_FRAMES = frozenset({"ingresscontrollers", "namespaces", "nodes", "clusterversion"})


class FrameSplits:
    """Each namespaced frame split by namespace once."""

    def __init__(self, snap: Snapshot):
        self.snap = snap
        self._splits: dict[str, dict[str, pd.DataFrame]] = {}

    def part(self, name: str, namespace: str) -> pd.DataFrame:
        if name not in self._splits:
            df = self.snap.frame(name)
            if "namespace" not in df.columns or df.empty:
                self._splits[name] = {}
            else:
                key = df["namespace"].astype("object")
                self._splits[name] = {str(ns): part for ns, part in df.groupby(key, sort=False)}
        found = self._splits[name].get(namespace)
        if found is not None:
            return found
        return self.snap.frame(name).iloc[0:0] if name in self.snap.frames else schema.empty_frame(name)


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
