"""The analysis context handed to every rule: the snapshot plus joins computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analyzer import joins
from analyzer.facts import Facts
from analyzer.facts.lines import LineTimes
from analyzer.lookup import Lookups, WholeLookups
from analyzer.scope import has_rows
from parsers.normal_lines import NormalLines
from parsers.snapshot import Snapshot

_NO_NORMAL_LINES = NormalLines()

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
    # The route summary of this context's routes when it was computed for the whole snapshot at once.
    summary: pd.DataFrame | None = field(default=None, repr=False)
    # False keeps the per-call frame filters of the helpers (the reference the lookups are tested against).
    indexed: bool = True
    shared_facts: Facts | None = field(default=None, repr=False)  # built once over the whole snapshot
    # The whole snapshot's indexes and columns, shared by every namespace's lookups (None: per namespace).
    whole_lookups: WholeLookups | None = field(default=None, repr=False)
    # The route summary's rows as dicts (namespace, name, host, services, termination, endpoints), when
    # they were read once for the whole snapshot; None: read from ``route_summary``.
    summary_rows: list[dict] | None = field(default=None, repr=False)

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
        if self.summary is not None:
            summary = self.summary
        elif self.indexed:
            summary = joins.route_summary(self.snap)
        else:
            summary = joins.route_summary_by_filters(self.snap)
        if self.route_filter is not None and not summary.empty:
            keys = list(zip(summary["namespace"], summary["name"], strict=True))
            summary = summary[[k in self.route_filter for k in keys]].reset_index(drop=True)
        return summary

    @cached_property
    def facts(self) -> Facts:
        """The dated facts (access-log epochs, router messages, events, pod timelines) of the whole snapshot.

        The runner builds them once and shares them between the per-namespace contexts, so
        ``openshift_default`` lines (which belong to no namespace) are seen by every rule.
        """
        return self.shared_facts if self.shared_facts is not None else Facts(self.snap)

    @cached_property
    def requests(self) -> pd.DataFrame:
        return self.snap.frame("requests")

    @cached_property
    def lookups(self) -> Lookups | None:
        """Row lookups by key for the helpers, or None on the reference path."""
        if not self.indexed:
            return None
        return Lookups(self.snap, self.whole_lookups, getattr(self.snap, "namespace", None))

    def route_rows(self, namespace: str, route: str) -> pd.DataFrame:
        """A route's request rows, in frame order (through the lookups' index, or a filter on the reference
        path); the empty frame itself when there are no requests."""
        req = self.requests
        if req.empty:
            return req
        if self.lookups is not None:
            return self.lookups.index("requests", "namespace", "route").rows((namespace, route))
        return req[(req["namespace"] == namespace) & (req["route"] == route)]

    @property
    def normal_lines(self) -> NormalLines:
        """The normal lines counted instead of kept as rows (``parsers.normal_lines``): a route's lines are
        its rows and these. Empty where every line is a row (``MGA_NORMAL_LINES=rows``, the full frame)."""
        found = getattr(self.snap, "normal_lines", None)
        return found if isinstance(found, NormalLines) else _NO_NORMAL_LINES

    def route_lines(self, namespace: str, route: str) -> tuple[LineTimes, slice | np.ndarray] | None:
        """A route's request lines as positions into the whole frame's arrays (``facts.lines``), found from
        the lookups' index of this context's rows without taking them (a route's rows are a frame of every
        column, taken only to count them and read one or two columns); None where the arrays cannot place
        them (the reference path, labels that are not positions)."""
        lines = self.facts.lines
        if lines is None or self.lookups is None or self.requests.empty:
            return None
        found = self.lookups.index("requests", "namespace", "route").positions((namespace, route))
        at = lines.at_labels(found, self.requests.index)
        return None if at is None else (lines, at)

    def release_requests(self) -> None:
        """Let go of this namespace's request rows: its part of the ``requests`` frame, and each route's
        rows the lookups took. They are copies of the whole frame's rows; with every route of a
        router log in the inputs, keeping them for every namespace until the end held the log's kept
        rows twice more (docs/performance.md, "Routes with traffic"). Asked again, they are taken again.
        """
        self.__dict__.pop("requests", None)
        lookups = self.__dict__.get("lookups")
        if lookups is not None:
            lookups.forget("requests")
        forget = getattr(self.snap, "forget", None)
        if forget is not None:
            forget("requests")

    @property
    def has_logs(self) -> bool:
        return self.snap.has_access_logs

    def has_input(self, name: str) -> bool:
        """Whether the inputs hold ``name`` (a rule's `needs` entry) for this context's namespace.

        A resource counts when its files were read for the namespace without losing an object, even
        with no object in them (an empty list is an answer), or when objects of it were loaded;
        ``logs`` when router access logs were read at all.
        """
        if name == "logs":
            return self.has_logs
        frame, resources = INPUT_FRAMES[name]
        namespace = getattr(self.snap, "namespace", None)
        collected = self.snap.collected_resources
        if namespace is not None and any((namespace, r) in collected for r in resources):
            return True
        return has_rows(self.snap, frame)
