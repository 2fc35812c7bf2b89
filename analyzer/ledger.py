"""The error ledger: every router-side 5xx of a route owned by exactly one finding, or unexplained.

A router-side 5xx is a log line with a 5xx status whose termination state does not start with
``-`` (the application answered) nor ``C``/``c`` (the client went away): report-contract "Error
ledger". The lines of a route are the lines of its own backends plus the ``openshift_default``
lines whose captured ``Host`` header (and path) name it, see :func:`line_routes`.

Findings *claim* lines (``Finding.claims``); when several findings of the route claim one line,
:mod:`analyzer.precedence` says which cause owns it. What no finding claims is grouped by status,
termination state and server and decoded in words (:mod:`analyzer.termination`).

The lines are selected and given their route once (:func:`ledger_lines`: a code per (namespace,
route) pair), owned (:func:`_owners`), then counted route by route in :func:`_tally_owned`, which reads
the rows of the unexplained lines only: in plain Python for the usual few lines, on arrays for a route in
an outage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer import precedence, termination
from analyzer.facts.common import missing
from analyzer.host_routes import default_line_routes
from analyzer.lookup import column_codes
from analyzer.model import ErrorLedger, Finding, LedgerGroup, LedgerShare, RouteResult
from analyzer.scope import rows_at
from parsers.int_codes import dense_codes, group_extremes
from parsers.log_groups import text_codes
from parsers.nullable import present_where
from parsers.term_side import router_side_states

RouteKey = tuple[str, str]


def router_side_mask(requests: pd.DataFrame) -> pd.Series:
    """Lines with a 5xx status that neither the application answered nor the client aborted."""
    if requests.empty:
        return pd.Series(False, index=requests.index, dtype=bool)
    five = present_where(requests["status"], lambda values: (values >= 500) & (values < 600))
    five &= router_side_states(requests["term"])
    return pd.Series(five, index=requests.index, copy=False)


# ------------------------------------------------------------------ which route a line belongs to
ROUTING_COLUMNS = ("namespace", "route", "backend_kind", "request_headers", "path")  # what line_routes reads


def line_routes(requests: pd.DataFrame, routes: pd.DataFrame, mask: pd.Series | None = None) -> pd.DataFrame:
    """The route of each line (own backend, or ``openshift_default`` by Host), for the lines in ``mask``.

    Lines that belong to no route (another frontend's default answers without a captured Host,
    ``be_sni``, router statistics) are left out.
    """
    # only the columns read, of the lines read: masking every column copied nearly the whole frame in an
    # outage, and masking the routing columns of every line, then the lines with a route, twice the lines
    has_route = requests["route"].notna().to_numpy(dtype=bool)
    wanted = np.ones(len(requests), dtype=bool) if mask is None else mask.to_numpy(dtype=bool)
    own = requests.loc[wanted & has_route, ["namespace", "route"]]
    attributed = default_line_routes(  # the default backend's lines name no route of their own
        requests.loc[wanted & ~has_route, [c for c in ROUTING_COLUMNS if c in requests.columns]], routes)
    if attributed.empty:  # the names as they are (categoricals: a code a line, not a text object a line)
        return own
    keys = pd.DataFrame(
        {"namespace": own["namespace"].astype(object), "route": own["route"].astype(object)}, index=own.index
    )
    return pd.concat([keys, attributed]).sort_index(kind="stable")  # lines in frame order (labels ascending)


# ------------------------------------------------------------------ ownership and the ledger
def _owners(lines: pd.DataFrame | pd.Index, findings: Sequence[Finding],
            pairs: tuple[np.ndarray, list[RouteKey]] | None = None, locate: Locate | None = None) -> pd.Series:
    """For each line, the position of the finding that owns it (-1: unexplained).

    ``lines``: the lines' rows (``namespace`` and ``route`` read when ``pairs`` is not given), or their labels.

    A line goes to the claiming finding of its own route whose cause comes first in the precedence
    table, then the first in report order. Findings are taken in report order, each claiming on arrays
    the lines of its own route that no claim of a better or equal rank holds yet (pandas lookups per
    finding cost about 2 ms each, with thousands of findings a second); a finding's route and a line's
    are compared as codes of (namespace, route) pairs (``pairs``: :func:`_route_pairs` of ``lines``,
    when known). ``locate``: :func:`label_locator` of ``lines.index``.

    The memory is two arrays of the lines and one finding's claims at a time: every claim of every
    finding matched at once held five arrays as long as all claims together (a route in an outage has
    millions of claimed lines, several findings claiming each).
    """
    index = lines if isinstance(lines, pd.Index) else lines.index
    values = np.full(len(index), -1, dtype=np.int64)
    claimed = [(pos, f) for pos, f in enumerate(findings) if f.route is not None and len(f.claims)]
    if not claimed or not len(index):
        return pd.Series(values, index=index, dtype="int64")
    locate = locate or label_locator(index)
    line_route, keys = pairs if pairs is not None else _route_pairs(lines)  # type: ignore[arg-type]
    code = {key: c for c, key in enumerate(keys)}
    best = np.full(len(index), np.iinfo(np.int32).max, dtype=np.int32)  # each line's owning rank so far
    for pos, f in claimed:
        route = code.get((f.namespace, f.route))
        if route is None:
            continue
        at = locate(np.asarray(f.claims))  # -1: a claimed line that is not a router-side 5xx
        at = at[at >= 0]
        at = at[line_route[at] == route]  # a finding owns lines of its own route only
        rank = precedence.rank(f.cause)
        at = at[best[at] > rank]  # an equal rank stays with the finding before (report order)
        best[at] = rank
        values[at] = pos
    return pd.Series(values, index=index, dtype="int64", copy=False)  # pandas copies an array by default


Locate = Callable[[np.ndarray], np.ndarray]


def label_locator(index: pd.Index) -> Locate:
    """Positions in ``index`` of the labels asked (-1: absent), as ``index.get_indexer`` gives them.

    The ledger's lines are in frame order, so their labels (the request frame's) are integers in
    increasing order: they are searched (``np.searchsorted``), not hashed. ``get_indexer`` built a hash
    table of every label, kept with the index: hundreds of MB for a route in an outage of millions of
    lines. Any other index is asked through ``get_indexer``.
    """
    values = index.to_numpy()
    if values.dtype.kind not in "iu" or not len(values) or not bool((values[1:] > values[:-1]).all()):
        return index.get_indexer
    low, high = int(values[0]), int(values[-1])
    if low >= 0 and high < 4 * len(values) + (1 << 16):  # labels dense enough: a position per label value
        return _label_map(index, values, high)

    def locate(labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            return index.get_indexer(labels)
        at = np.searchsorted(values, labels)
        inside = at < len(values)
        found = np.zeros(len(labels), dtype=bool)
        found[inside] = values[at[inside]] == labels[inside]
        return np.where(found, at, -1)

    return locate


def _label_map(index: pd.Index, values: np.ndarray, high: int) -> Locate:
    """:func:`label_locator` of increasing labels from 0 to ``high``, a few times as many as the lines (the
    router-side 5xx among the request frame's rows): each label's position read from an array of every
    label value (4 bytes a value), where a binary search per claimed line cost a quarter of a second of a
    3M-line outage's ledgers."""
    position_of = np.full(high + 1, -1, dtype=np.int32 if len(values) < 1 << 31 else np.int64)
    position_of[values] = np.arange(len(values), dtype=position_of.dtype)

    def locate(labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            return index.get_indexer(labels)
        inside = (labels >= 0) & (labels <= high)
        if inside.all():
            return position_of[labels].astype(np.int64, copy=False)
        at = np.full(len(labels), -1, dtype=np.int64)
        at[inside] = position_of[labels[inside]]
        return at

    return locate


def _route_pairs(lines: pd.DataFrame) -> tuple[np.ndarray, list[RouteKey]]:
    """A code per line for its (``namespace``, ``route``) pair, and the pairs by code in name order
    (-1: a line missing either). A categorical column is read through its codes, any other factorized
    once; no line is converted to text. The codes are 32-bit: a pair per line of an outage's millions."""
    ns_codes, namespaces = column_codes(lines["namespace"], factorize=True)  # type: ignore[misc]
    route_codes, names = column_codes(lines["route"], factorize=True)  # type: ignore[misc]
    present = (ns_codes >= 0) & (route_codes >= 0)
    width = max(len(names), 1)
    wide = np.int64 if len(namespaces) * width >= 1 << 31 else np.int32
    pairs, pair_of_line = dense_codes(ns_codes[present].astype(wide) * width + route_codes[present])
    keys = [(namespaces[p // width], names[p % width]) for p in pairs.tolist()]
    ranked = sorted(range(len(keys)), key=lambda c: (str(keys[c][0]), str(keys[c][1])))
    renumber = np.empty(len(keys), dtype=np.int32)
    renumber[ranked] = np.arange(len(keys), dtype=np.int32)
    codes = np.full(len(lines), -1, dtype=np.int32)
    codes[present] = renumber[pair_of_line] if len(keys) else pair_of_line
    return codes, [keys[c] for c in ranked]


ARRAYS_FROM = 2_000  # router-side 5xx lines of one route from which its ledger is counted on arrays


def _tally_owned(owners: np.ndarray, unowned: pd.DataFrame | None, findings: Sequence[Finding]) -> ErrorLedger:
    """The ledger of one route from its lines' owners and the rows of the lines no finding owns (the one
    place lines are grouped; None: there are none): only those rows are read, the others are counted by
    their owners.

    Most routes have a handful of such lines: they are counted in plain Python (the pandas
    ``value_counts`` and ``groupby`` this replaced cost about 7 ms a route, with thousands of routes
    in the inputs a large part of ``mga analyze``, docs/performance.md). A route in an outage has
    hundreds of thousands: from :data:`ARRAYS_FROM` lines they are counted on numpy arrays
    (:func:`_unexplained_by_arrays`), where a Python loop over every line cost seconds.
    """
    ids, counts = np.unique(owners[owners >= 0], return_counts=True)
    shares = [LedgerShare(findings[pos].id, findings[pos].cause, n) for pos, n in zip(ids.tolist(), counts.tolist(),
                                                                                      strict=True)]
    shares.sort(key=lambda s: (-s.requests, s.finding))
    folded = ({} if unowned is None else _unexplained_by_arrays(unowned) if len(owners) >= ARRAYS_FROM
              else _unexplained_in_python(unowned))
    groups = [
        LedgerGroup(status=status, termination=term, server=server, requests=count, first_seen=_ts(first),
                    last_seen=_ts(last), meaning=termination.meaning(term, server), check=termination.check_for(term))
        for (status, term, server), (count, first, last) in folded.items()
    ]
    groups.sort(key=lambda g: (-g.requests, g.status, g.termination, g.server))
    return ErrorLedger(router_side_5xx=len(owners), by_finding=tuple(shares), unexplained_groups=tuple(groups))


Folded = dict[tuple[int, str, str], list]  # (status, state, server) -> [requests, first, last]


def _unexplained_in_python(rest: pd.DataFrame) -> Folded:
    """The unowned lines grouped by status, state (missing: ``--``) and server (missing: ``<NOSRV>``)."""
    folded: Folded = {}
    columns = zip(rest["status"].tolist(), rest["term"].tolist(), rest["server"].tolist(), rest["ts"].tolist(),
                  strict=True)
    for status, term, server, ts in columns:
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
    return folded


def _unexplained_by_arrays(rest: pd.DataFrame) -> Folded:
    """:func:`_unexplained_in_python` on arrays: the same groups, counts and first/last times."""
    if rest.empty:
        return {}
    status = rest["status"].to_numpy(dtype=np.int64)
    term, terms = text_codes(rest["term"], "--")
    server, servers = text_codes(rest["server"], termination.NOSRV)
    key = (status * len(terms) + term.astype(np.int64)) * len(servers) + server.astype(np.int64)
    keys, group = dense_codes(key)
    counts = np.bincount(group, minlength=len(keys))
    stamps = pd.DatetimeIndex(rest["ts"]).as_unit("ns")
    dated = ~stamps.isna()
    ns = stamps.asi8
    first, last = group_extremes(group[dated], len(keys), ns[dated])
    out: Folded = {}
    for k, n, lo, hi, seen in zip(keys.tolist(), counts.tolist(), first.tolist(), last.tolist(),
                                  (first <= last).tolist(), strict=True):
        rest_key, s = divmod(k, len(servers))
        code, t = divmod(rest_key, len(terms))
        at = (pd.Timestamp(lo, tz="UTC"), pd.Timestamp(hi, tz="UTC")) if seen else (None, None)
        out[(code, terms[t], servers[s])] = [n, *at]
    return out


def _ts(value: object) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def build_ledgers(
    requests: pd.DataFrame, routes: pd.DataFrame, findings: Sequence[Finding], wanted: Iterable[RouteKey]
) -> dict[RouteKey, ErrorLedger]:
    """The ledger of each wanted route that has router-side 5xx (routes without any are not listed).

    ``findings`` must be numbered (their ids are cited). Each finding's ``affected_requests`` is
    set to the lines it claims minus those another finding owns, so no line is counted twice.
    """
    return ledgers_of(ledger_lines(requests, routes, wanted), findings)


@dataclass(frozen=True)
class LedgerLines:
    """The router-side 5xx lines of the wanted routes: rows of the request frame, not copied, and the route
    of each as a code into ``routes``."""

    requests: pd.DataFrame  # the request frame (the lines' ts, status, term and server are read from it)
    labels: pd.Index  # the lines' labels in it, in frame order (the findings' claims are such labels)
    codes: np.ndarray  # per line, its route's position in ``routes`` (-1: none)
    routes: list[RouteKey]  # in name order (also routes whose lines were not wanted: no code points there)
    # router-side 5xx of the frame that belong to no route at all (``openshift_default`` answers whose Host the
    # log does not record or that name no route of the inputs): in no route's ledger, counted apart
    no_route: int = 0


TALLIED = ["ts", "status", "term", "server"]  # the columns a route's ledger counts its lines by


def ledger_lines(requests: pd.DataFrame, routes: pd.DataFrame, wanted: Iterable[RouteKey]) -> LedgerLines:
    """What the ledgers are counted from, whatever the findings (``analyzer.run`` counts them twice).

    The lines are located in the request frame, not copied out of it: a copy of their columns, held
    while both countings ran, was one of the analysis' largest arrays on an outage of millions of lines.
    """
    wanted = set(wanted)
    if requests.empty:
        return LedgerLines(requests, pd.Index([], dtype="int64"), np.zeros(0, dtype=np.int32), [])
    mask = router_side_mask(requests)
    keys = line_routes(requests, routes, mask)
    codes, pairs = _route_pairs(keys)
    inside = _in_routes(codes, pairs, wanted)
    labels = keys.index[inside]
    return LedgerLines(requests, labels, codes[inside], pairs, no_route=int(mask.sum()) - len(keys))


def _positions_of(index: pd.Index, labels: pd.Index) -> np.ndarray:
    """The positions of ``labels`` (all present) in ``index``: the labels themselves for the request frame's
    ``RangeIndex`` from 0 (no array of positions beside the labels), else found by ``get_indexer``."""
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return labels.to_numpy()
    return index.get_indexer(labels)


def settle(found: LedgerLines, findings: Sequence[Finding]) -> pd.Series:
    """Each finding's ``affected_requests`` settled by ownership, as :func:`ledgers_of` settles them, without
    counting the ledgers: ``analyzer.run`` settles, drops the findings left with nothing, renumbers, then
    counts. Returns the owner of each line (a position in ``findings``, -1: unexplained)."""
    locate = label_locator(found.labels)
    owner = _owners(found.labels, findings, (found.codes, found.routes), locate)
    _settle_affected(findings, owner, locate)
    return owner  # the map of every label (tens of MB in an outage) goes with ``locate``


def ledgers_of(found: LedgerLines, findings: Sequence[Finding]) -> dict[RouteKey, ErrorLedger]:
    """:func:`build_ledgers` from the lines :func:`ledger_lines` gave (left as they were)."""
    owner = settle(found, findings)
    if not len(found.labels):
        return {}
    columns = found.requests[TALLIED]  # no copy: each route's unowned lines are read from it in turn
    positions = _positions_of(found.requests.index, found.labels)
    owners = owner.to_numpy()
    line_route, keys = found.codes, found.routes
    # a route's unowned lines are a slice of the frame when they are one run of its rows (a route in an
    # outage whose lines are all router-side 5xx and unexplained, in a frame in route order), else taken
    # (most routes: every line owned, no rows to take or read)
    return {
        (str(keys[code][0]), str(keys[code][1])): _tally_owned(
            owners[part], _unowned_rows(columns, positions[part], owners[part]), findings)
        for code, part in _route_parts(line_route)
    }


def _unowned_rows(columns: pd.DataFrame, positions: np.ndarray, owners: np.ndarray) -> pd.DataFrame | None:
    """The rows of a route's lines no finding owns; None when a finding owns each one."""
    unowned = owners < 0
    return rows_at(columns, positions[unowned]) if unowned.any() else None


def _route_parts(line_route: np.ndarray) -> Iterator[tuple[int, slice | np.ndarray]]:
    """Each route's lines (code, their positions in frame order), routes by code; lines without one left out.

    The lines come in route order when the request frame does (``parsers.log_frames.frame_of_files``,
    and no default answer was given a route): each route's lines are then a slice, taken without a copy.
    Else they are gathered by a stable sort (in an outage of 10M lines, three arrays of positions as long
    as the lines, the analysis' peak of memory)."""
    if not len(line_route):
        return
    change = line_route[1:] != line_route[:-1]
    if bool((line_route[1:] >= line_route[:-1]).all()):
        starts = np.concatenate(([0], np.flatnonzero(change) + 1))
        ends = np.append(starts[1:], len(line_route))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if line_route[start] >= 0:
                yield int(line_route[start]), slice(start, end)
        return
    del change
    order = np.argsort(line_route, kind="stable")  # each route's lines together, in frame order, routes by name
    order = order[line_route[order] >= 0]
    bounds = np.flatnonzero(np.diff(line_route[order])) + 1
    for part in np.split(order, bounds):
        if len(part):
            yield int(line_route[part[0]]), part


def _in_routes(codes: np.ndarray, pairs: list[RouteKey], wanted: set[RouteKey]) -> np.ndarray:
    """Which lines (their :func:`_route_pairs` codes) belong to a ``wanted`` route: asked once per distinct
    route, not once per line (a route in an outage has hundreds of thousands of lines)."""
    asked = np.array([key in wanted for key in pairs] + [False], dtype=bool)  # code -1 reads the last
    return asked[codes]


def _settle_affected(findings: Sequence[Finding], owner: pd.Series, locate: Locate | None = None) -> None:
    """A finding affects the lines it claims, less those a finding of higher precedence owns.

    Claims are found by ``locate`` (:func:`label_locator` of the lines' index), made once (``Index.isin``
    hashed every line of the ledger again for each finding: seconds on a route in an outage)."""
    values = owner.to_numpy()
    locate = locate or label_locator(owner.index)
    for pos, f in enumerate(findings):
        if not len(f.claims):
            continue
        at = locate(np.asarray(f.claims)) if len(owner) else np.full(len(f.claims), -1)
        held = values[at[at >= 0]]
        lost = int(((held >= 0) & (held != pos)).sum())
        f.affected_requests = len(f.claims) - lost


def mark_uncounted(findings: list[Finding], routes: list[RouteResult], logs: bool) -> None:
    """Set each finding's ``affected_requests_known``: False where its 0 would mean "not measured", not "none".

    report-contract v1.1 "Verdicts": without access-log coverage counts are unknown, not zero. A
    finding's count is unknown when the inputs hold no access log at all, or when the route it is
    attached to has no access-log line (``requests`` None); a finding that owns lines is counted.
    """
    unmeasured = {(r.namespace, r.name) for r in routes if r.requests is None}
    for f in findings:
        f.affected_requests_known = logs and (
            f.affected_requests > 0 or f.route is None or (f.namespace, f.route) not in unmeasured
        )


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
