"""Access-log facts: what the router applied to each route, minute by minute.

Everything here reads :func:`minute_groups`, the access log folded to one row per minute x route
backend x server x status x termination state (plus the captured ``Host`` and path of
``openshift_default`` lines, the only lines whose route is not in their backend name). A streamed
log pass can hand the same groups over without a request frame; no fact below needs a single row.

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
from parsers.int_codes import dense_codes
from parsers.term_side import router_side_states

TERMINATION_OF_PREFIX = {"be_http": "none", "be_edge_http": "edge", "be_secure": "reencrypt", "be_tcp": "passthrough"}
DEFAULT_BACKEND = "openshift_default"
NOSRV = "<NOSRV>"

GROUP_KEYS = ("minute", "namespace", "route", "backend", "backend_kind", "server", "pod", "status", "term",
              "host_capture", "default_path")
NAME_KEYS = ("namespace", "route", "backend", "backend_kind", "server", "pod", "term")
GROUP_COLUMNS = (*GROUP_KEYS, "requests", "first", "last", "input", "source", "line")


def minute_groups(requests: pd.DataFrame) -> pd.DataFrame:
    """The access log as counts per minute and key (:data:`GROUP_KEYS`), with each group's first line.

    ``host_capture``/``default_path`` are filled for ``openshift_default`` lines only, so the group
    count stays that of backends x servers x statuses. ``first``/``last`` are the HAProxy accept
    times of the group's first and last request; ``input``/``source``/``line`` locate its first line
    (the first of the group's lines, in time order, that has one).

    The name columns (:data:`NAME_KEYS`, ``host_capture``, ``default_path``) are categoricals whose
    categories are the texts present, sorted, a missing name reading ``""``: a big log folds into a
    million groups, and a text per group and column was most of their memory. Group on them with
    ``observed=True``; their order is the text order.

    Each line's keys become integer codes ranked in text order (one code per distinct text, a missing
    name sharing the code of ``""`` as the text keys did), folded into one integer per line; the
    lines are sorted once by that integer and time, and the groups are the runs of equal integers,
    in the order of the text keys. No frame of the lines is built: the memory is a few integer
    arrays as long as the log.
    """
    if requests.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS})
    dated = requests["ts"].notna().to_numpy()
    rows = None if dated.all() else np.flatnonzero(dated)
    if rows is not None and not len(rows):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS})

    def column(name: str) -> pd.Series:
        return requests[name] if rows is None else requests[name].take(rows)

    ts = column("ts")
    keys: list[tuple[str, np.ndarray, list]] = []  # (key, each line's code, the value of each code), GROUP_KEYS order
    minutes, minute_codes = dense_codes(ts.array.asi8 // _TICKS_A_MINUTE[ts.dt.unit])  # floor("min"), as a number
    keys.append(("minute", minute_codes.astype(_narrow(len(minutes))), []))
    del minute_codes
    for k in NAME_KEYS:
        keys.append((k, *text_codes(column(k))))
    statuses, status_codes = dense_codes(column("status").fillna(-2).to_numpy(dtype=np.int64))
    # TCP lines have no status: -2 keeps them apart from -1
    keys.insert(GROUP_KEYS.index("status"), ("status", status_codes.astype(_narrow(len(statuses))), []))
    default = pd.Series(column("backend_kind") == DEFAULT_BACKEND).fillna(False).astype(bool).to_numpy()
    keys.append(("host_capture", *_default_codes(column("request_headers"), default)))
    keys.append(("default_path", *_default_codes(column("path"), default, before="?")))
    assert tuple(k for k, _, _ in keys) == GROUP_KEYS
    cardinality = {"minute": len(minutes), "status": len(statuses)}
    line_key = np.zeros(len(ts), dtype=np.int64)
    size = 1
    for k, codes, texts in keys:
        n = cardinality.get(k) or len(texts)
        if size * n >= 1 << 62:  # renumber the keys so far densely (in their order) before they overflow
            uniques, line_key = np.unique(line_key, return_inverse=True)
            size = len(uniques)
        line_key = line_key * n + codes
        size *= n
    by_group, sorted_keys = _group_order(line_key, ts)  # lines by key (the groups' order), then time, then log order
    del line_key
    new_group = np.empty(len(sorted_keys), dtype=bool)
    new_group[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_group[1:])
    del sorted_keys
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(by_group))
    counts = ends - starts
    first_rows, last_rows = by_group[starts], by_group[ends - 1]
    out = pd.DataFrame({"minute": ts.array.take(first_rows).floor("min")})  # the groups' minutes, not every line's
    for k, codes, texts in keys:
        at = codes[first_rows]
        if k == "minute":
            continue
        if k == "status":
            values = statuses[at]
            out[k] = pd.arrays.IntegerArray(values, values == -2)
        else:
            out[k] = pd.Categorical.from_codes(at, categories=pd.Index(texts)).remove_unused_categories()
    out["requests"] = counts.astype(np.int64)
    out["first"] = ts.array.take(first_rows)
    out["last"] = ts.array.take(last_rows)
    for c in ("input", "source", "line"):
        values = column(c)
        out[c] = values.array.take(_first_valid(values, new_group, by_group, first_rows), allow_fill=True)
    return out


def _group_order(line_key: np.ndarray, ts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``np.lexsort((ts, line_key))`` and the keys in that order, or a number in the keys' order per line.

    A group's lines share a minute, so the key, the millisecond within the minute and the line's position
    fold into one 64-bit number per line (group rank, 16 bits of milliseconds, the position): one sort
    of plain integers (vectorised by numpy) gives the lexsort's order, where the lexsort's two stable
    passes over 64-bit keys cost a quarter of a second at 3M lines. The keys' ranks come from a hash
    factorization, not a sort. Times finer than a millisecond, or too many groups and lines for 63
    bits, take the lexsort.
    """
    ticks = ts.array.asi8
    unit = ts.dt.unit
    if len(ticks) < 2 or unit not in _TICKS_A_MS:
        return _lexsorted(line_key, ticks)
    within = ticks % _TICKS_A_MINUTE[unit]
    if _TICKS_A_MS[unit] > 1:
        if (within % _TICKS_A_MS[unit]).any():
            return _lexsorted(line_key, ticks)
        within //= _TICKS_A_MS[unit]
    codes, uniques = pd.factorize(line_key)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[np.argsort(uniques)] = np.arange(len(uniques))
    position_bits = (len(ticks) - 1).bit_length()
    if (len(uniques) - 1).bit_length() + 16 + position_bits > 63:
        return _lexsorted(line_key, ticks)
    folded = rank[codes]
    del codes
    folded <<= 16
    folded |= within
    del within
    folded <<= position_bits
    folded |= np.arange(len(ticks), dtype=np.int64)
    folded.sort()
    by_group = folded & ((1 << position_bits) - 1)
    folded >>= 16 + position_bits
    return by_group, folded


def _lexsorted(line_key: np.ndarray, ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    by_group = np.lexsort((ticks, line_key))
    return by_group, line_key[by_group]


_TICKS_A_MS = {"ms": 1, "us": 1_000, "ns": 1_000_000}
_TICKS_A_MINUTE = {"s": 60, "ms": 60_000, "us": 60_000_000, "ns": 60_000_000_000}


def _first_valid(values: pd.Series, new_group: np.ndarray, by_group: np.ndarray, first_rows: np.ndarray) -> np.ndarray:
    """Per group, the position of its first line (in ``by_group`` order) where ``values`` is not missing, or -1.

    ``new_group`` marks, in ``by_group`` order, the first line of each group.
    """
    missing = values.isna().to_numpy()
    if not missing.any():
        return first_rows
    kept = np.flatnonzero(~missing[by_group])  # positions in by_group order
    groups, first = np.unique((np.cumsum(new_group) - 1)[kept], return_index=True)
    out = np.full(len(first_rows), -1, dtype=np.int64)
    out[groups] = by_group[kept[first]]
    return out


def text_codes(column: pd.Series, missing: str = "") -> tuple[np.ndarray, list[str]]:
    """Codes for ``column`` as text with missing values as ``missing``, and the sorted texts the codes stand for.

    Two codes never share a text and the codes follow the texts' order, so grouping and sorting on
    the codes group and sort as the text would.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        names = [str(v) for v in column.cat.categories.tolist()]
    else:
        codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        names = [str(v) for v in uniques.tolist()]
    return _ranked(codes, [*names, missing])  # code -1 (missing) reads the last text


def _default_codes(values: pd.Series, default: np.ndarray, before: str | None = None) -> tuple[np.ndarray,
                                                                                             list[str]]:
    """Codes of ``values`` as text on the ``openshift_default`` rows, of ``""`` elsewhere, and their sorted texts.

    Only those rows are converted: on a big log they are few, and converting the whole column to
    strings (then throwing most of it away) was a copy of every path and header capture.
    ``before`` cuts each value at its first occurrence (the query string of a path).
    """
    codes = np.zeros(len(values), dtype=np.int64)
    if not default.any():
        return codes, [""]
    picked = values[default].astype("string")
    if before is not None:
        picked = picked.str.split(before, n=1).str[0]
    picked_codes, uniques = pd.factorize(picked.fillna(""), sort=False)
    codes[default] = picked_codes + 1
    return _ranked(codes, ["", *(str(v) for v in uniques.tolist())])


def _ranked(codes: np.ndarray, texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """``codes`` (positions in ``texts``, -1 the last) renumbered to positions in the sorted distinct texts."""
    ranked = sorted(set(texts))
    rank = {t: i for i, t in enumerate(ranked)}
    renumber = np.array([rank[t] for t in texts], dtype=_narrow(len(ranked)))
    return renumber[codes], ranked


def _narrow(count: int) -> type[np.integer]:
    """The smallest signed integer type numbering ``count`` values (a code array per key stays small)."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if count <= np.iinfo(t).max)


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


