"""The error ledger: every router-side 5xx of a route owned by exactly one finding, or unexplained.

A router-side 5xx is a log line with a 5xx status whose termination state does not start with
``-`` (the application answered) nor ``C``/``c`` (the client went away): report-contract "Error
ledger". The lines of a route are the lines of its own backends plus the ``openshift_default``
lines whose captured ``Host`` header (and path) name it, see :func:`line_routes`.

Findings *claim* lines (``Finding.claims``); when several findings of the route claim one line,
:mod:`analyzer.precedence` says which cause owns it. What no finding claims is grouped by status,
termination state and server and decoded in words (:mod:`analyzer.termination`).

All grouping happens in :func:`_tally`, on a frame with one row per router-side 5xx. When the
access log is streamed, that frame can carry a ``count`` per group instead of one row per line
without the rest of the ledger changing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer import precedence, termination
from analyzer.facts.common import missing
from analyzer.host_routes import default_line_routes
from analyzer.model import ErrorLedger, Finding, LedgerGroup, LedgerShare

RouteKey = tuple[str, str]
_OWNER = "owner"  # column: position of the owning finding in the findings list, -1 when unexplained


def router_side_mask(requests: pd.DataFrame) -> pd.Series:
    """Lines with a 5xx status that neither the application answered nor the client aborted."""
    if requests.empty:
        return pd.Series(False, index=requests.index, dtype=bool)
    status = requests["status"]
    five = ((status >= 500) & (status < 600)).fillna(False).astype(bool)
    return (five & _router_side_term(requests["term"])).astype(bool)


def _router_side_term(term: pd.Series) -> pd.Series:
    """Termination states that start with neither ``-`` nor ``C``/``c`` (a missing state counts as ``--``).

    The categorical column is answered per category and read through its codes: converting millions of
    states to text for a few distinct values was a copy of the whole column.
    """
    if isinstance(term.dtype, pd.CategoricalDtype):
        side = np.array([router_side_state(str(t)) for t in term.cat.categories.tolist()] + [False])
        return pd.Series(side[term.cat.codes.to_numpy()], index=term.index)  # code -1 (missing) reads False
    first = term.astype("string").fillna("--").str[:1]
    return ~first.isin(["-", "C", "c"]).fillna(True)


def router_side_state(term: str | None) -> bool:
    """One termination state read as :func:`_router_side_term` reads a column's."""
    return (term if term is not None else "--")[:1] not in ("-", "C", "c")


# ------------------------------------------------------------------ which route a line belongs to
def line_routes(requests: pd.DataFrame, routes: pd.DataFrame, mask: pd.Series | None = None) -> pd.DataFrame:
    """The route of each line (own backend, or ``openshift_default`` by Host), for the lines in ``mask``.

    Lines that belong to no route (another frontend's default answers without a captured Host,
    ``be_sni``, router statistics) are left out.
    """
    rows = requests if mask is None else requests[mask]
    own = rows[rows["route"].notna()]
    keys = pd.DataFrame(
        {"namespace": own["namespace"].astype(object), "route": own["route"].astype(object)}, index=own.index
    )
    attributed = default_line_routes(rows, routes)
    return pd.concat([keys, attributed]) if not attributed.empty else keys


# ------------------------------------------------------------------ ownership and the ledger
def _owners(lines: pd.DataFrame, findings: Sequence[Finding]) -> pd.Series:
    """For each line, the position of the finding that owns it (-1: unexplained).

    A line goes to the claiming finding of its own route whose cause comes first in the precedence
    table, then the first in report order. Every finding's claims are matched in one pass over
    arrays (per finding, pandas lookups cost about 2 ms each, with thousands of findings a second).
    """
    owner = pd.Series(-1, index=lines.index, dtype="int64")
    claimed = [(pos, f) for pos, f in enumerate(findings) if f.route is not None and len(f.claims)]
    if not claimed or lines.empty:
        return owner
    labels = [np.asarray(f.claims.unique()) for _, f in claimed]
    sizes = [len(part) for part in labels]
    at = lines.index.get_indexer(np.concatenate(labels))  # -1: a claimed line that is not a router-side 5xx
    pos = np.repeat([p for p, _ in claimed], sizes)
    rank = np.repeat([precedence.rank(f.cause) for _, f in claimed], sizes)
    namespaces = np.repeat(np.array([f.namespace for _, f in claimed], dtype=object), sizes)
    routes = np.repeat(np.array([f.route for _, f in claimed], dtype=object), sizes)
    found = at >= 0
    at, pos, rank, namespaces, routes = at[found], pos[found], rank[found], namespaces[found], routes[found]
    own_ns = lines["namespace"].astype("string").fillna("\0").to_numpy(dtype=object)[at]
    own_route = lines["route"].astype("string").fillna("\0").to_numpy(dtype=object)[at]
    mine = (own_ns == namespaces) & (own_route == routes)  # a finding owns lines of its own route only
    at, pos, rank = at[mine], pos[mine], rank[mine]
    if not len(at):
        return owner
    order = np.lexsort((pos, rank))  # the best claim first: precedence, then report order
    at, pos = at[order], pos[order]
    first = np.unique(at, return_index=True)[1]  # each line's best claim
    values = owner.to_numpy(copy=True)
    values[at[first]] = pos[first]
    return pd.Series(values, index=lines.index, dtype="int64")


def _tally(lines: pd.DataFrame, findings: Sequence[Finding]) -> ErrorLedger:
    """The ledger of one route from its router-side 5xx lines and their owners (the one place lines are grouped).

    A route has a handful of such lines, so they are counted in plain Python: the pandas
    ``value_counts`` and ``groupby`` this replaced cost about 7 ms a route, with thousands of routes
    in the inputs a large part of ``mga analyze`` (docs/performance.md).
    """
    owners = lines[_OWNER].tolist()
    owned = Counter(pos for pos in owners if pos >= 0)
    shares = [LedgerShare(findings[int(pos)].id, findings[int(pos)].cause, int(count)) for pos, count in owned.items()]
    shares.sort(key=lambda s: (-s.requests, s.finding))
    folded: dict[tuple[int, str, str], list] = {}  # (status, state, server) -> [requests, first, last]
    columns = zip(owners, lines["status"].tolist(), lines["term"].tolist(), lines["server"].tolist(),
                  lines["ts"].tolist(), strict=True)
    for owner, status, term, server, ts in columns:
        if owner >= 0:
            continue
        key = (int(status), "--" if missing(term) else str(term),
               termination.NOSRV if missing(server) else str(server))
        entry = folded.get(key)
        if entry is None:
            folded[key] = [1, ts, ts]
            continue
        entry[0] += 1
        if not missing(ts):
            entry[1] = ts if missing(entry[1]) or ts < entry[1] else entry[1]
            entry[2] = ts if missing(entry[2]) or ts > entry[2] else entry[2]
    groups = [
        LedgerGroup(status=status, termination=term, server=server, requests=count, first_seen=_ts(first),
                    last_seen=_ts(last), meaning=termination.meaning(term, server), check=termination.check_for(term))
        for (status, term, server), (count, first, last) in folded.items()
    ]
    groups.sort(key=lambda g: (-g.requests, g.status, g.termination, g.server))
    return ErrorLedger(router_side_5xx=len(lines), by_finding=tuple(shares), unexplained_groups=tuple(groups))


def _ts(value: object) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def build_ledgers(
    requests: pd.DataFrame, routes: pd.DataFrame, findings: Sequence[Finding], wanted: Iterable[RouteKey]
) -> dict[RouteKey, ErrorLedger]:
    """The ledger of each wanted route that has router-side 5xx (routes without any are not listed).

    ``findings`` must be numbered (their ids are cited). Each finding's ``affected_requests`` is
    set to the lines it claims minus those another finding owns, so no line is counted twice.
    """
    wanted = set(wanted)
    if requests.empty:
        return {}
    mask = router_side_mask(requests)
    keys = line_routes(requests, routes, mask)
    keep = [k in wanted for k in zip(keys["namespace"], keys["route"], strict=True)]
    keys = keys[pd.Series(keep, index=keys.index, dtype=bool)]
    lines = requests.loc[keys.index, ["ts", "status", "term", "server"]].assign(
        namespace=keys["namespace"], route=keys["route"]
    )
    owner = _owners(lines, findings)
    lines[_OWNER] = owner
    _settle_affected(findings, owner)
    return {
        (str(ns), str(name)): _tally(group, findings)
        for (ns, name), group in lines.groupby(["namespace", "route"], sort=True)
    }


def _settle_affected(findings: Sequence[Finding], owner: pd.Series) -> None:
    """A finding affects the lines it claims, less those a finding of higher precedence owns."""
    for pos, f in enumerate(findings):
        if not len(f.claims):
            continue
        contested = f.claims[f.claims.isin(owner.index)]
        held = owner.loc[contested] if len(contested) else owner.iloc[0:0]
        lost = int(((held >= 0) & (held != pos)).sum())
        f.affected_requests = len(f.claims) - lost


def without_superseded(findings: Sequence[Finding]) -> list[Finding]:
    """The findings less those that claimed log lines and lost every one to a cause the table puts first.

    Such a finding rests on those lines alone and another cause explains all of them: a backend
    "closing connections" that the TLS mismatch makes fail is not a second fault. Call after
    :func:`build_ledgers` has settled ``affected_requests``.
    """
    return [f for f in findings if not (len(f.claims) and f.affected_requests == 0)]


def empty_ledger() -> ErrorLedger:
    """The ledger of a route with access-log lines and no router-side 5xx."""
    return ErrorLedger(router_side_5xx=0, by_finding=(), unexplained_groups=())


def router_side_5xx_by_route(requests: pd.DataFrame, routes: pd.DataFrame) -> dict[RouteKey, int]:
    """How many router-side 5xx lines each route has (routes without any are not listed)."""
    if requests.empty:
        return {}
    keys = line_routes(requests, routes, router_side_mask(requests))
    counts = keys.groupby(["namespace", "route"], observed=True, dropna=True).size()
    return {(str(ns), str(name)): int(n) for (ns, name), n in counts.items()}
