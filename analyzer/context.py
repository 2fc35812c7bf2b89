"""The analysis context handed to every rule: the snapshot plus joins computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from analyzer import joins
from parsers.snapshot import Snapshot

# a rule's `needs` entry -> (the frame that holds it, the resource names of the files it comes from)
INPUT_FRAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "routes": ("routes", ("routes",)),
    "services": ("services", ("services",)),
    "endpoints": ("endpoints", ("endpoints", "endpointslices")),
    "pods": ("pods", ("pods",)),
    "networkpolicies": ("netpols", ("networkpolicies",)),
}


@dataclass
class Context:
    snap: Snapshot
    route_filter: frozenset[tuple[str, str]] | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def routes(self) -> pd.DataFrame:
        """Route backends (one row per backend) restricted to the selected routes."""
        df = self.snap.frame("routes")
        if self.route_filter is not None and not df.empty:
            keys = list(zip(df["namespace"], df["name"], strict=True))
            df = df[[k in self.route_filter for k in keys]]
        return df

    @cached_property
    def route_summary(self) -> pd.DataFrame:
        summary = joins.route_summary(self.snap)
        if self.route_filter is not None and not summary.empty:
            keys = list(zip(summary["namespace"], summary["name"], strict=True))
            summary = summary[[k in self.route_filter for k in keys]].reset_index(drop=True)
        return summary

    @cached_property
    def requests(self) -> pd.DataFrame:
        return self.snap.frame("requests")

    @property
    def has_logs(self) -> bool:
        return self.snap.has_access_logs

    def has_input(self, name: str) -> bool:
        """Whether the inputs hold ``name`` (a rule's `needs` entry) for this context's namespace.

        A resource counts when its file was read for the namespace, even with no object in it (an empty
        list is an answer), or when objects of it were loaded some other way; ``logs`` when router
        access logs were read at all.
        """
        if name == "logs":
            return self.has_logs
        frame, resources = INPUT_FRAMES[name]
        namespace = getattr(self.snap, "namespace", None)
        collected = self.snap.collected_resources
        if namespace is not None and any((namespace, r) in collected for r in resources):
            return True
        return not self.snap.frame(frame).empty
