"""Access-log facts: what the router applied to each route, minute by minute.

Everything here reads the snapshot's minute groups (``parsers.log_groups``), the access log folded
to one row per minute x route backend x server x status x termination state (plus the captured
``Host`` and path of ``openshift_default`` lines, the only lines whose route is not in their backend
name). ``mga analyze`` folds them chunk by chunk as the log is parsed; no fact below reads a single row.

- **Configuration epochs**: the backend-name prefix of a line is the TLS termination the router
  applied to that request (router-facts.md §2: ``be_http`` none, ``be_edge_http`` edge,
  ``be_secure`` reencrypt, ``be_tcp`` passthrough). A route edited mid-window shows two epochs,
  e.g. ``be_edge_http`` until 02:07 then ``be_secure``.
- **Servers per minute** of a route backend, and servers whose pod is not in the archive.
- **Default-backend hits**: ``openshift_default`` lines mapped to a route by their captured
  ``Host`` header (or absolute URI) and path with :mod:`analyzer.host_routes`, the same mapping the
  error ledger uses (longest route path first, the oldest route on a tie).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analyzer import host_routes
from analyzer.facts.common import Where, integer, missing, moment, text
from parsers.term_side import router_side_states

TERMINATION_OF_PREFIX = {"be_http": "none", "be_edge_http": "edge", "be_secure": "reencrypt", "be_tcp": "passthrough"}
DEFAULT_BACKEND = "openshift_default"
NOSRV = "<NOSRV>"


@dataclass(frozen=True, slots=True)
class ConfigEpoch:
    """A stretch of the window during which a route was served through one backend (one termination)."""

    namespace: str
    route: str
    backend: str
    backend_kind: str  # be_http | be_edge_http | be_secure | be_tcp
    termination: str | None  # none | edge | reencrypt | passthrough (None for another prefix)
    first_seen: datetime
    last_seen: datetime
    requests: int
    errors: int  # router-side 5xx (status 5xx, termination state not "-" or client-side) in the epoch
    first_line: Where


@dataclass(frozen=True, slots=True)
class MinuteServers:
    """The servers that answered (or were tried for) a route's requests in one minute."""

    minute: datetime
    servers: frozenset[str]
    requests: int


@dataclass(frozen=True, slots=True)
class GoneServer:
    """A server of the log whose pod is not in the archive (deleted before collection)."""

    namespace: str
    route: str
    server: str
    pod: str
    first_seen: datetime
    last_seen: datetime
    requests: int
    errors: int
    first_line: Where


@dataclass(frozen=True, slots=True)
class DefaultBackendHits:
    """``openshift_default`` lines of one captured host and status/termination, and the route they belong to."""

    host: str | None  # the captured Host value (port stripped, lower case); None when nothing was captured
    namespace: str | None  # the route the host and path map to, None when no route matches
    route: str | None
    status: int | None
    term: str
    requests: int
    first_seen: datetime
    last_seen: datetime
    first_line: Where


def router_side_5xx(status: pd.Series, term: pd.Series) -> pd.Series:
    """The contract's router-side 5xx: status 5xx whose termination state starts with neither ``-`` nor ``C``/``c``.

    A categorical state is answered per category and read through its codes (a million groups, a
    few dozen states).
    """
    router_side = pd.Series(router_side_states(term), index=term.index)  # no state logged: not counted
    s = status.astype("Float64")
    return ((s >= 500) & (s < 600) & router_side).fillna(False).astype(bool)


class AccessFacts:
    """Access-log facts over :func:`minute_groups`, built once per snapshot."""

    def __init__(self, groups: pd.DataFrame, routes: pd.DataFrame, existing_pods: set[tuple[str, str]],
                 pod_namespaces: set[str]):
        self._groups = groups
        # router-side 5xx requests of each group (all of its requests or none: a group has one status and
        # state), added to a route's groups when they are taken: a column on the whole frame was a copy of it
        self._errors = (groups["requests"].where(router_side_5xx(groups["status"], groups["term"]), 0).to_numpy()
                        if not groups.empty else np.zeros(0, dtype=np.int64))
        # each route's groups are taken when asked (a log names thousands of routes, an archive a few)
        positions = (groups.groupby(["namespace", "route"], sort=True, observed=True).indices
                     if not groups.empty else {})
        self._route_positions = {(str(ns), str(route)): positions[ns, route] for ns, route in sorted(positions)}
        self._by_route: dict[tuple[str, str], pd.DataFrame] = {}
        self._columns: dict[str, list] = {}  # whole columns of the groups as Python lists, read once
        self._backend_rank: list | None = None  # each group's backend rank (see _sort_ranks), read once
        self._routes = routes
        self._existing_pods = existing_pods
        self._pod_namespaces = pod_namespaces
        self._default_hits: list[DefaultBackendHits] | None = None

    @property
    def groups(self) -> pd.DataFrame:
        """The per-minute groups themselves (for the ledger and the timeline; read-only)."""
        return self._groups

    def route_groups(self, namespace: str, route: str) -> pd.DataFrame:
        """A route's minute groups (with ``error``: their router-side 5xx), empty without any (read-only)."""
        return self._route(namespace, route)

    def _route(self, namespace: str, route: str) -> pd.DataFrame:
        key = (namespace, route)
        found = self._by_route.get(key)
        if found is None:
            positions = self._route_positions.get(key)
            if positions is None:
                return pd.DataFrame()
            found = self._by_route[key] = self._groups.iloc[positions].assign(error=self._errors[positions])
        return found

    def route_epochs(self, namespace: str, route: str) -> list[ConfigEpoch]:
        """The backends a route was served through, in time order, one epoch per uninterrupted stretch.

        Epochs are cut where the backend name changes between consecutive minute groups (ordered by
        their first request), so an edit at 02:07 gives ``be_edge_http`` until 02:07 then ``be_secure``.

        The route's groups are folded per (minute, backend, backend kind) in plain Python: a route
        has a few groups per minute, and a pandas ``groupby`` with its sort cost about 30 ms a route,
        most of ``mga analyze`` for inputs holding every route of a busy log (docs/performance.md).
        Groups are taken in their frame order, ordered by first request then backend (the
        categorical's order, its text order), ties kept in the order they were met.
        """
        positions = self._route_positions.get((namespace, route))
        if positions is None or not len(positions):
            return []
        rows = positions.tolist()  # the route's groups, in frame order
        minute, backend, kind, first, last, requests = (
            [values[p] for p in rows] for values in map(self._column, ("minute", "backend", "backend_kind", "first",
                                                                       "last", "requests")))
        errors = self._errors[positions].tolist()
        backend_rank = [self._backend_ranks()[p] for p in rows]
        folded: dict[tuple, list] = {}  # (minute, backend, kind) -> [first, last, requests, errors, rank], met order
        earliest: dict[tuple, int] = {}  # (minute, backend) -> the row of its earliest first request
        for i, key in enumerate(zip(minute, backend, kind, strict=True)):
            if key[0] is not pd.NaT and not missing(key[1]):
                at = (key[0], key[1])
                best = earliest.get(at)
                if best is None or _time_rank(first[i]) < _time_rank(first[best]):
                    earliest[at] = i
            if any(missing(v) for v in key):
                continue
            entry = folded.get(key)
            if entry is None:
                folded[key] = [first[i], last[i], int(requests[i]), int(errors[i]), backend_rank[i]]
                continue
            entry[0] = _earlier(entry[0], first[i])
            entry[1] = _later(entry[1], last[i])
            entry[2] += int(requests[i])
            entry[3] += int(errors[i])
        ordered = sorted(folded.items(), key=lambda item: (_time_rank(item[1][0]), item[1][4]))
        epochs: list[ConfigEpoch] = []
        for (m, b, k), (first_at, last_at, n, e, _) in ordered:
            previous = epochs[-1] if epochs else None
            if previous is not None and previous.backend == b:
                epochs[-1] = ConfigEpoch(
                    namespace, route, previous.backend, previous.backend_kind, previous.termination,
                    previous.first_seen, max(previous.last_seen, moment(last_at)), previous.requests + n,
                    previous.errors + e, previous.first_line)
                continue
            row = rows[earliest[(m, b)]]
            source, line, origin = (self._column(c)[row] for c in ("source", "line", "input"))
            epochs.append(ConfigEpoch(
                namespace, route, str(b), str(k), TERMINATION_OF_PREFIX.get(str(k)), moment(first_at),
                moment(last_at), n, e, Where(str(source), integer(line), text(origin)),
            ))
        return epochs

    def _column(self, name: str) -> list:
        """A column of the minute groups as a Python list (read once: a route's values are then picked
        by position, where taking the route's groups as a frame cost a few milliseconds a route)."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self._groups[name].tolist()
        return found

    def _backend_ranks(self) -> list:
        """Each group's backend rank in ``sort_values`` order (see :func:`_sort_ranks`), read once."""
        if self._backend_rank is None:
            self._backend_rank = _sort_ranks(self._groups["backend"])
        return self._backend_rank

    def termination_changes(self, namespace: str, route: str) -> list[tuple[ConfigEpoch, ConfigEpoch]]:
        """Consecutive epochs whose termination differs: (before, after) pairs, in time order."""
        epochs = self.route_epochs(namespace, route)
        return [(a, b) for a, b in itertools.pairwise(epochs) if a.termination != b.termination]

    def servers_by_minute(self, namespace: str, route: str) -> list[MinuteServers]:
        """Per minute, the set of real servers (``<NOSRV>`` left out) the route's requests went to."""
        g = self._route(namespace, route)
        out = []
        for minute, m in g.groupby("minute", sort=True):
            servers = frozenset(s for s in m["server"] if s and s != NOSRV)
            out.append(MinuteServers(moment(minute), servers, int(m["requests"].sum())))
        return out

    def gone_servers(self, namespace: str, route: str | None = None) -> list[GoneServer]:
        """Servers named after a pod (``pod:<name>:…``) that the archive does not hold.

        Empty when the namespace's pods were not collected: absence then says nothing.
        """
        if namespace not in self._pod_namespaces:
            return []
        keys = [k for k in self._route_positions if k[0] == namespace and (route is None or k[1] == route)]
        out = []
        for key in keys:
            g = self._route(*key)
            missing = pd.Series([(namespace, p) not in self._existing_pods for p in g["pod"]], index=g.index)
            g = g[(g["pod"] != "") & missing]
            for (server, pod), s in g.groupby(["server", "pod"], sort=True, observed=True):
                first = s.sort_values("first", kind="stable").iloc[0]
                out.append(GoneServer(namespace, key[1], str(server), str(pod), moment(s["first"].min()),
                                      moment(s["last"].max()), int(s["requests"].sum()), int(s["error"].sum()),
                                      Where(str(first["source"]), integer(first["line"]), text(first["input"]))))
        return out

    def default_backend_hits(self, namespace: str | None = None, route: str | None = None) -> list[DefaultBackendHits]:
        """``openshift_default`` groups with the route their captured ``Host`` (and path) maps to.

        ``namespace``/``route`` filter on the mapped route; without filters every hit is returned,
        the unmapped ones (no capture, or a host no route claims) with ``route=None``.
        """
        if self._default_hits is None:
            self._default_hits = self._map_default_hits()
        return [h for h in self._default_hits
                if (namespace is None or h.namespace == namespace) and (route is None or h.route == route)]

    def _map_default_hits(self) -> list[DefaultBackendHits]:
        g = self._groups
        if g.empty:
            return []
        g = g[g["backend_kind"] == DEFAULT_BACKEND]
        table = host_routes.route_table(self._routes)
        merged: dict[tuple, DefaultBackendHits] = {}
        for (capture, path, status, term), s in g.groupby(["host_capture", "default_path", "status", "term"],
                                                         sort=True, dropna=False, observed=True):
            host, match = host_routes.route_named(table, str(capture) if capture else None, str(path))
            first = s.sort_values("first", kind="stable").iloc[0]
            hit = DefaultBackendHits(
                host, match[0] if match else None, match[1] if match else None, integer(status),
                str(term), int(s["requests"].sum()), moment(s["first"].min()), moment(s["last"].max()),
                Where(str(first["source"]), integer(first["line"]), text(first["input"])))
            key = (hit.host, hit.namespace, hit.route, hit.status, hit.term)  # paths folded once mapped
            seen = merged.get(key)
            if seen is not None:
                earliest = seen if seen.first_seen <= hit.first_seen else hit
                hit = DefaultBackendHits(*key, seen.requests + hit.requests, earliest.first_seen,
                                         max(seen.last_seen, hit.last_seen), earliest.first_line)
            merged[key] = hit
        return sorted(merged.values(), key=lambda h: h.first_seen)


def _time_rank(value: Any) -> tuple[int, int]:
    """Sort key of a timestamp as ``sort_values`` orders them: times ascending, missing ones last."""
    return (1, 0) if missing(value) else (0, value.value)


def _earlier(a: Any, b: Any) -> Any:
    """``min`` of two timestamps skipping missing ones (a pandas ``min`` aggregation)."""
    return b if missing(a) else a if missing(b) or a <= b else b


def _later(a: Any, b: Any) -> Any:
    return b if missing(a) else a if missing(b) or a >= b else b


def _sort_ranks(column: pd.Series) -> list:
    """Each row's rank in ``sort_values`` order: a categorical by its codes (missing last), text by itself."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        return np.where(codes < 0, np.iinfo(np.int64).max, codes).tolist()
    return [(1, "") if missing(v) else (0, str(v)) for v in column.tolist()]


