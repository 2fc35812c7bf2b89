"""Exact counts of the 5xx answers whose rows ``mga analyze`` did not keep.

A router log holds the failures of every route of the router; the inputs usually hold the objects
of a few namespaces. No rule joins a failure of another namespace to a route, a service or a pod:
a router-wide question (rule I703: the router at its connection limit while routes of different
services fail) only counts them per minute and route, and cites the line logged at the highest
connection count. So ``mga analyze`` keeps, of those failures, one row per minute, status and
termination state (the one logged at the highest ``actconn``: see
:func:`parsers.log_keep.kept_mask`), and :class:`LeftOutFailures` counts the others per minute,
route, status and termination state. Memory then grows with those groups, not with the lines,
even when most lines of a log are 5xx.

Groups are held in parallel numpy arrays (about 24 bytes a group) with the route and state names
coded once, folded when many have piled up; counts are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

FOLD_AT = 1 << 18  # groups appended from chunks before they are folded into one set of groups


@dataclass
class LeftOutFailures:
    """5xx answers not kept as rows, counted per (minute, namespace, route, status, termination state)."""

    routes: list[tuple[str, str]] = field(default_factory=list)  # (namespace, route) by code
    terms: list[str | None] = field(default_factory=list)  # termination state (two characters) by code
    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # (minute, route, status, term, count)
    pending: int = 0  # groups in ``parts`` since the last fold

    @classmethod
    def of_codes(cls, minute: np.ndarray, route: np.ndarray, routes: list[tuple[str, str]], status: np.ndarray,
                 term: np.ndarray, terms: list[str | None]) -> LeftOutFailures:
        """Count rows given as codes into ``routes`` and ``terms`` (each value listed once)."""
        out = cls(routes=list(routes), terms=list(terms))
        if len(minute):
            out._append(np.asarray(minute, np.int64), np.asarray(route, np.int64), np.asarray(status, np.int64),
                        np.asarray(term, np.int64), np.ones(len(minute), np.int64))
            out.fold()
        return out

    # -- folding ----------------------------------------------------------------------------------

    @staticmethod
    def _codes(names: list, values: list) -> np.ndarray:
        index = {name: i for i, name in enumerate(names)}
        out = np.empty(len(values), np.int64)
        for i, value in enumerate(values):
            code = index.get(value)
            if code is None:
                code = index[value] = len(names)
                names.append(value)
            out[i] = code
        return out

    def _append(self, minute: np.ndarray, route: np.ndarray, status: np.ndarray, term: np.ndarray,
                count: np.ndarray) -> None:
        self.parts.append((minute, route, status, term, count))
        self.pending += len(minute)
        if self.pending >= FOLD_AT:
            self.fold()

    def fold(self) -> None:
        """Sum the counts of equal groups; groups come out sorted by minute, route, status, state."""
        if not self.parts:
            return
        minute, route, status, term, count = (np.concatenate(column) for column in zip(*self.parts, strict=True))
        order = np.lexsort((term, status, route, minute))
        minute, route, status, term, count = (a[order] for a in (minute, route, status, term, count))
        new = np.ones(len(minute), bool)
        new[1:] = ((minute[1:] != minute[:-1]) | (route[1:] != route[:-1]) | (status[1:] != status[:-1])
                   | (term[1:] != term[:-1]))
        starts = np.flatnonzero(new)
        self.parts = [(minute[starts], route[starts].astype(np.int32), status[starts].astype(np.int16),
                       term[starts].astype(np.int16), np.add.reduceat(count, starts))]
        self.pending = 0

    def add(self, other: LeftOutFailures | None) -> LeftOutFailures:
        """Fold ``other`` into this one (chunks, files); returns ``self``."""
        if other is None or not other.parts:
            return self
        route_map = self._codes(self.routes, other.routes)
        term_map = self._codes(self.terms, other.terms)
        for minute, route, status, term, count in other.parts:
            self._append(minute, route_map[route], status.astype(np.int64), term_map[term], count)
        return self

    # -- reading ----------------------------------------------------------------------------------

    def groups(self, minutes: Iterable[int] | None = None) -> Iterator[tuple[int, str, str, int, str | None, int]]:
        """(minute, namespace, route, status, state, requests) of every group (of ``minutes`` only, when
        given), by minute, then routes in the order they were first counted, then status and state codes."""
        self.fold()
        wanted = None if minutes is None else np.fromiter(minutes, dtype=np.int64)
        for part in self.parts:
            if wanted is not None:
                part = tuple(a[np.isin(part[0], wanted)] for a in part)
            for m, r, s, t, n in zip(*(a.tolist() for a in part), strict=True):
                ns, route = self.routes[r]
                yield m, ns, route, s, self.terms[t], n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LeftOutFailures) and list(self.groups()) == list(other.groups())

    def __bool__(self) -> bool:
        return any(len(part[0]) for part in self.parts)
