"""A route's ledger counted in plain Python or on arrays equals the pandas ``value_counts``/``groupby`` it replaced.

The reference below is the earlier implementation, kept as the specification: shares per owning
finding (most lines first, then finding id), the unexplained lines grouped by status, termination
state (missing: ``--``) and server (missing: ``<NOSRV>``), each with its first and last time.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from analyzer import ledger, precedence, termination
from analyzer.model import ErrorLedger, Evidence, Finding, LedgerGroup, LedgerShare, Severity

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def tally(lines: pd.DataFrame, findings: list[Finding]) -> ErrorLedger:
    """A route's ledger as ``ledger.ledgers_of`` counts it: the owners of its lines, the unowned lines' rows."""
    owners = lines["owner"].to_numpy(dtype="int64")
    unowned = ledger._unowned_rows(lines, np.arange(len(lines)), owners)  # None when every line is owned
    assert (unowned is None) == bool((owners >= 0).all())
    return ledger._tally_owned(owners, unowned, findings)


def reference_tally(lines: pd.DataFrame, findings: list[Finding]) -> ErrorLedger:
    shares: list[LedgerShare] = []
    owned = lines[lines["owner"] >= 0]
    for pos, count in owned["owner"].value_counts().items():
        f = findings[int(pos)]
        shares.append(LedgerShare(f.id, f.cause, int(count)))
    shares.sort(key=lambda s: (-s.requests, s.finding))
    groups: list[LedgerGroup] = []
    rest = lines[lines["owner"] < 0]
    if not rest.empty:
        keyed = rest.assign(
            _status=rest["status"].astype("int64"),
            _term=rest["term"].astype("string").fillna("--").astype(object),
            _server=rest["server"].astype("string").fillna(termination.NOSRV).astype(object),
        )
        for (status, term, server), g in keyed.groupby(["_status", "_term", "_server"], sort=True):
            groups.append(LedgerGroup(
                status=int(status), termination=str(term), server=str(server), requests=len(g),
                first_seen=ledger._ts(g["ts"].min()), last_seen=ledger._ts(g["ts"].max()),
                meaning=termination.meaning(str(term), str(server)), check=termination.check_for(str(term))))
        groups.sort(key=lambda g: (-g.requests, g.status, g.termination, g.server))
    return ErrorLedger(router_side_5xx=len(lines), by_finding=tuple(shares), unexplained_groups=tuple(groups))


def findings(n: int) -> list[Finding]:
    causes = ["backend-timeout", "no-ready-endpoints", "backend-connection-closed"]
    out = []
    for k in range(n):
        f = Finding(code="B501", cause=causes[k % 3], severity=Severity.WARNING, namespace="shop",
                    title="t", explanation="e", remediation=[], route="web",
                    evidence=[Evidence(source="s", line=1, text="x")])
        f.id = f"F{k + 1:03d}-B501"
        out.append(f)
    return out


def lines(seed: int, categorical: bool, n: int | None = None) -> pd.DataFrame:
    rng = random.Random(seed)
    n = n or rng.randint(1, 60)
    frame = pd.DataFrame({
        "ts": pd.Series([None if rng.random() < 0.1 else T0 + timedelta(seconds=rng.randint(0, 900))
                         for _ in range(n)], dtype="datetime64[ns, UTC]"),
        "status": pd.Series([rng.choice((502, 503, 504)) for _ in range(n)], dtype="Int16"),
        "term": [rng.choice(("SC", "SH", "sH", "PH", None)) for _ in range(n)],
        "server": [rng.choice(("pod:web-1:web:http:10.0.0.1:8080", "<NOSRV>", None)) for _ in range(n)],
        "owner": [rng.choice((-1, -1, 0, 1, 2)) for _ in range(n)],
    })
    frame.index = rng.sample(range(max(10_000, 2 * n)), n)  # the lines' labels in the whole requests frame
    assert frame["status"].notna().all() and frame["ts"].notna().any()
    if categorical:
        frame = frame.astype({"term": "category", "server": "category"})
    return frame


@pytest.mark.parametrize("arrays", [False, True], ids=["python", "arrays"])
@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("seed", range(20))
def test_tally_equals_the_pandas_reference(seed: int, categorical: bool, arrays: bool, monkeypatch):
    """Both ways of counting (plain Python for a few lines, arrays for many) equal the reference."""
    if arrays:
        monkeypatch.setattr(ledger, "ARRAYS_FROM", 0)
    frame, found = lines(seed, categorical), findings(3)
    got = tally(frame, found)
    assert got == reference_tally(frame, found)
    assert got.explained + got.unexplained == got.router_side_5xx == len(frame)


@pytest.mark.parametrize("categorical", [True, False])
def test_a_route_in_an_outage_is_counted_on_arrays_as_the_reference_counts_it(categorical: bool):
    """A route with more router-side 5xx than ``ARRAYS_FROM`` (the arrays path by default), plain text
    ``<NOSRV>`` and missing servers in one group, a group without any time."""
    frame, found = lines(5, False, n=3 * ledger.ARRAYS_FROM), findings(3)
    frame.loc[frame.index[:7], ["term", "server"]] = ["LR", None]  # one group of its own ...
    frame.loc[frame.index[:7], "ts"] = pd.NaT  # ... without a time
    frame.loc[frame.index[:7], ["owner", "status"]] = [-1, 503]
    if categorical:
        frame = frame.astype({"term": "category", "server": "category"})
    got = tally(frame, found)
    assert got == reference_tally(frame, found)
    lonely = next(g for g in got.unexplained_groups if g.termination == "LR")
    assert lonely.requests == 7 and lonely.first_seen is None and lonely.last_seen is None
    assert any(g.server == termination.NOSRV and g.requests > 7 for g in got.unexplained_groups)


def reference_owners(lines: pd.DataFrame, found: list[Finding]) -> pd.Series:
    """The earlier ownership: per finding, its claims on lines of its own route, best (rank, position) wins."""
    claims = []
    for pos, f in enumerate(found):
        if f.route is None or not len(f.claims):
            continue
        mine = f.claims.unique()
        mine = mine[mine.isin(lines.index)]
        if not len(mine):
            continue
        ok = (lines.loc[mine, "namespace"] == f.namespace) & (lines.loc[mine, "route"] == f.route)
        mine = mine[ok.to_numpy()]
        if len(mine):
            claims.append(pd.DataFrame({"line": mine, "rank": precedence.rank(f.cause), "pos": pos}))
    owner = pd.Series(-1, index=lines.index, dtype="int64")
    if claims:
        ranked = pd.concat(claims, ignore_index=True).sort_values(["rank", "pos"], kind="stable")
        first = ranked.drop_duplicates(subset="line", keep="first")
        owner.loc[first["line"].to_numpy()] = first["pos"].to_numpy()
    return owner


def test_owners_equal_the_pandas_reference():
    owned = []
    for seed in range(40):
        rng = random.Random(seed)
        frame = lines(seed, categorical=bool(seed % 2))
        frame["namespace"] = [rng.choice(("shop", "shop", "bank")) for _ in range(len(frame))]
        frame["route"] = pd.Series([rng.choice(("web", "web", "api", None)) for _ in range(len(frame))],
                                   dtype="category" if seed % 2 else object).to_numpy()
        found = findings(rng.randint(0, 8))
        labels = [*frame.index.tolist(), 99_999, 100_000]  # claims of lines that are not router-side 5xx too
        for f in found:
            f.namespace, f.route = rng.choice((("shop", "web"), ("shop", "api"), ("bank", "web"), ("shop", None)))
            f.cause = rng.choice(("backend-timeout", "no-ready-endpoints", "backend-connection-closed"))
            f.claims = pd.Index([rng.choice(labels) for _ in range(rng.randint(0, 30))], dtype="int64")
        got = ledger._owners(frame, found)
        assert got.equals(reference_owners(frame, found)), seed
        owned.append(int((got >= 0).sum()))
    assert sum(n > 0 for n in owned) >= 20  # lines were really given owners, not only -1 compared


def test_lines_of_wanted_routes_equal_the_per_line_reference():
    """``_in_routes`` asks once per distinct route what the earlier code asked per line."""
    rng = random.Random(3)
    namespaces = ["shop", "bank", None, "shop-2"]
    routes = ["web", "api", None, "web-2"]
    for _ in range(30):
        n = rng.randint(0, 300)
        keys = pd.DataFrame({"namespace": [rng.choice(namespaces) for _ in range(n)],
                             "route": [rng.choice(routes) for _ in range(n)]}, dtype=object)
        wanted = {(ns, r) for ns in namespaces for r in routes if ns and r and rng.random() < 0.4}
        reference = [k in wanted for k in zip(keys["namespace"], keys["route"], strict=True)]
        assert ledger._in_routes(*ledger._route_pairs(keys), wanted).tolist() == reference


def test_settled_affected_requests_equal_the_isin_reference():
    """Claims found through the lines' index engine: the same count as ``isin`` + ``loc`` per finding."""
    for seed in range(20):
        rng = random.Random(seed)
        frame = lines(seed, categorical=False)
        owner = frame["owner"].astype("int64")
        found = findings(4)
        for f in found:  # claims: some lines of the ledger (repeated too), some that are not router-side 5xx
            picked = rng.sample(list(frame.index), rng.randint(0, len(frame)))
            f.claims = pd.Index(picked + picked[:2] + [10**7 + rng.randint(0, 9) for _ in range(rng.randint(0, 3))])
        expected = []
        for pos, f in enumerate(found):
            contested = f.claims[f.claims.isin(owner.index)]
            held = owner.loc[contested] if len(contested) else owner.iloc[0:0]
            expected.append(len(f.claims) - int(((held >= 0) & (held != pos)).sum()) if len(f.claims) else None)
        ledger._settle_affected(found, owner)
        assert [f.affected_requests if len(f.claims) else None for f in found] == expected
