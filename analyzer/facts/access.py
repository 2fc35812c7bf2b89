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
from analyzer.facts.common import Where, integer, moment, text
from parsers.term_side import router_side_states

_NS_PER_MINUTE = 60_000_000_000

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
        self._columns: dict[str, Any] = {}  # whole columns of the groups (lists, arrays, codes), read once
        self._routes = routes
        self._existing_pods = existing_pods
        self._pod_namespaces = pod_namespaces
        self._default_hits: list[DefaultBackendHits] | None = None

    @property
    def groups(self) -> pd.DataFrame:
        """The per-minute groups themselves (for the ledger and the timeline; read-only)."""
        return self._groups

    def route_minutes(self, namespace: str, route: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A route's minute groups as arrays, in the groups' order: each group's minute (whole minutes
        since the epoch), status (NaN for none) and requests; empty arrays without any.

        Picked by position from whole columns read once: taking a route's groups as a frame cost about
        1 ms a route, most of a route's timeline with thousands of routes in the inputs.
        """
        minute, status, requests = self._minute_columns()
        positions = self._route_positions.get((namespace, route))
        if positions is None:
            return minute[:0], status[:0], requests[:0]
        at = np.asarray(positions, dtype=np.int64)
        return minute[at], status[at], requests[at]

    def _minute_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        found = self._columns.get("minute-columns")
        if found is None:
            g = self._groups
            if g.empty:
                found = (np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.float64))
            else:
                found = (g["minute"].to_numpy(dtype="datetime64[ns]").astype(np.int64) // _NS_PER_MINUTE,
                         g["status"].to_numpy(dtype="float64", na_value=np.nan),
                         g["requests"].to_numpy(dtype=np.float64))
            self._columns["minute-columns"] = found
        return found

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

        The route's groups are folded per (minute, backend, backend kind) on arrays of their codes and
        times: a pandas ``groupby`` with its sort cost about 30 ms a route (most of ``mga analyze`` for
        inputs holding every route of a busy log), and a loop over the groups in Python 80 ms a route
        of a busy application's 10M-line log (60,000 groups a route; docs/performance.md). Groups are
        taken in their frame order, ordered by first request then backend (the categorical's order, its
        text order), ties kept in the order they were met; each epoch cites the earliest line of its
        first minute and backend. The folds of one epoch are summed on arrays: merging them one by one in
        Python made two timestamps a fold (1.2 s of 5,000 routes with traffic).
        """
        positions = self._route_positions.get((namespace, route))
        if positions is None or not len(positions):
            return []
        at = np.asarray(positions, dtype=np.int64)  # the route's groups, in frame order
        minute, first, last = (self._ticks(name)[0][at] for name in ("minute", "first", "last"))
        backend, backends = self._codes("backend")
        kind, kinds = self._codes("backend_kind")
        backend, kind = backend[at], kind[at]
        folded = _folded(minute, backend, kind, first, last, self._requests()[at], self._errors[at])
        if folded is None:
            return []
        met, first_at, last_at, requests, errors = folded
        earliest = _earliest(minute, backend, first)
        ordered = np.lexsort((met, backend[met], first_at, first_at == _NAT))  # missing first requests last
        # an epoch is a run of consecutive folds through the same backend: its first fold names it, its
        # requests and errors are the run's sums, its last request the run's latest
        codes = backend[met[ordered]]
        heads = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        latest = np.maximum.reduceat(last_at[ordered], heads)  # a missing last is the smallest tick: skipped
        sums = np.add.reduceat(requests[ordered], heads).tolist(), np.add.reduceat(errors[ordered], heads).tolist()
        epochs: list[ConfigEpoch] = []
        for head, last_tick, n, e in zip(heads.tolist(), latest.tolist(), *sums, strict=True):
            k = int(ordered[head])
            i = int(met[k])
            row = int(at[earliest[(int(minute[i]), int(backend[i]))]])
            source, line, origin = (self._column(c)[row] for c in ("source", "line", "input"))
            k_name = kinds[kind[i]]
            epochs.append(ConfigEpoch(
                namespace, route, str(backends[backend[i]]), str(k_name), TERMINATION_OF_PREFIX.get(str(k_name)),
                self._moment("first", first_at[k]), self._moment("last", last_tick), int(n), int(e),
                Where(str(source), integer(line), text(origin)),
            ))
        return epochs

    def _ticks(self, name: str) -> tuple[np.ndarray, str, Any]:
        """A time column of the groups as integer ticks (NaT: the smallest integer), its unit and zone."""
        key = f"ticks:{name}"
        found = self._columns.get(key)
        if found is None:
            times = pd.DatetimeIndex(self._groups[name])
            found = self._columns[key] = (times.asi8, times.unit, times.tz)
        return found

    def _moment(self, name: str, tick: int) -> datetime | None:
        """A tick of a time column back to the ``datetime`` the column's own values give."""
        if tick == _NAT:
            return None
        _, unit, zone = self._ticks(name)
        return moment(pd.Timestamp(int(tick), unit=unit, tz=zone))

    def _codes(self, name: str) -> tuple[np.ndarray, list]:
        """A name column of the groups as codes ranked in ``sort_values`` order (missing: -1) and the
        value of each code: a categorical's own codes, text factorized in sorted order."""
        key = f"codes:{name}"
        found = self._columns.get(key)
        if found is None:
            column = self._groups[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                codes, values = column.cat.codes.to_numpy().astype(np.int64), column.cat.categories.tolist()
            else:
                codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
                codes, values = codes.astype(np.int64), list(uniques)
            found = self._columns[key] = (codes, values)
        return found

    def _requests(self) -> np.ndarray:
        found = self._columns.get("requests-array")
        if found is None:
            found = self._columns["requests-array"] = self._groups["requests"].to_numpy(dtype=np.int64)
        return found

    def _column(self, name: str) -> list:
        """A column of the minute groups as a Python list (read once: a route's values are then picked
        by position, where taking the route's groups as a frame cost a few milliseconds a route)."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self._groups[name].tolist()
        return found

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


_NAT = np.iinfo(np.int64).min  # a missing time's tick (``DatetimeIndex.asi8``)
_LAST = np.iinfo(np.int64).max


def _folded(minute: np.ndarray, backend: np.ndarray, kind: np.ndarray, first: np.ndarray, last: np.ndarray,
            requests: np.ndarray, errors: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """A route's groups folded per (minute, backend, kind), the groups missing one of them left out: for
    each fold, in the order its first group was met, that group's index, the earliest first and latest
    last request (missing ones skipped, as pandas' ``min``/``max``), the requests and the errors."""
    rows = np.flatnonzero((minute != _NAT) & (backend >= 0) & (kind >= 0))
    if not len(rows):
        return None
    order = rows[np.lexsort((rows, kind[rows], backend[rows], minute[rows]))]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = ((np.diff(minute[order]) != 0) | (np.diff(backend[order]) != 0) | (np.diff(kind[order]) != 0))
    at = np.flatnonzero(starts)
    met = order[at]  # each fold's first group met (the smallest index of its run)
    earliest = np.minimum.reduceat(np.where(first[order] == _NAT, _LAST, first[order]), at)
    earliest[earliest == _LAST] = _NAT
    latest = np.maximum.reduceat(last[order], at)  # a missing last is the smallest tick: skipped
    sums = np.add.reduceat(requests[order], at), np.add.reduceat(errors[order], at)
    by_met = np.argsort(met, kind="stable")  # the folds in the order they were met
    return met[by_met], earliest[by_met], latest[by_met], sums[0][by_met], sums[1][by_met]


def _earliest(minute: np.ndarray, backend: np.ndarray, first: np.ndarray) -> dict[tuple[int, int], int]:
    """For each (minute, backend) of a route's groups, the group with the earliest first request (a missing
    one last; ties: the first met)."""
    rows = np.flatnonzero((minute != _NAT) & (backend >= 0))
    missing_first = first[rows] == _NAT
    order = rows[np.lexsort((rows, np.where(missing_first, 0, first[rows]), missing_first, backend[rows],
                             minute[rows]))]
    heads = np.ones(len(order), dtype=bool)
    heads[1:] = (np.diff(minute[order]) != 0) | (np.diff(backend[order]) != 0)
    chosen = order[heads]
    return dict(zip(zip(minute[chosen].tolist(), backend[chosen].tolist(), strict=True), chosen.tolist(),
                    strict=True))


