"""Joins computed once and rows looked up by key give exactly the per-call frame filters' report.

``analyze(snap, reference=True)`` runs the earlier path (frames split by ``groupby``, the route
summary per namespace, every helper and rule filtering its frame on each call); the default path
joins once and looks rows up. Their contract JSON must be identical on every fixture scenario, on
all scenarios loaded together (namespaces repeated across inputs, duplicate objects, several access
logs), with route and namespace filters, and on a generated must-gather.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer import joins
from analyzer.context import Context
from analyzer.lookup import COUNTED_ROWS, GROUPBY_ROWS, FrameIndex, WholeLookups, _counted_positions, failure_rows
from analyzer.run import analyze
from analyzer.scope import FrameSplits, ScopedSnapshot, has_rows
from bench.gen_mustgather import generate
from parsers import schema
from parsers.load_snapshot import load_snapshot
from parsers.snapshot import Snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs, scenario_snapshot

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def _report(snap: Snapshot, **options: object) -> str:
    return json.dumps(analyze(snap, tool_version="test", now=NOW, **options).to_dict(), sort_keys=True, default=str)


def _same_report(snap: Snapshot, **options: object) -> dict:
    fast = _report(snap, **options)
    reference = _report(snap, reference=True, **options)
    assert fast == reference
    return json.loads(fast)


def _together(scenarios: list[Path]) -> Snapshot:
    inputs: list[str] = []
    logs: list[str] = []
    for scenario in scenarios:
        i, log = scenario_inputs(scenario)
        inputs += i
        logs += log
    return load_snapshot(inputs, logs)


@pytest.fixture(scope="module")
def every_scenario() -> Snapshot:
    return _together(SCENARIO_DIRS)


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_scenario_report_equals_the_reference_path(scenario: Path):
    _same_report(scenario_snapshot(scenario))


def test_every_scenario_at_once_equals_the_reference_path(every_scenario: Snapshot):
    report = _same_report(every_scenario)
    assert report["findings"] and any(r["requests"] for r in report["routes"])  # findings and log lines compared
    assert report["rule_errors"] == []


def test_indexes_grouped_by_pandas_equal_the_reference_path(every_scenario: Snapshot, monkeypatch):
    """Every index built the way large frames (a request log) are, on all scenarios: same report."""
    import analyzer.lookup

    monkeypatch.setattr(analyzer.lookup, "GROUPBY_ROWS", 1)
    assert _same_report(every_scenario)["findings"]


def test_indexes_counted_at_every_size_equal_the_reference_path(every_scenario: Snapshot, monkeypatch):
    """Every index of categorical or integer keys grouped by its codes, however few its rows: same report."""
    import analyzer.lookup

    monkeypatch.setattr(analyzer.lookup, "COUNTED_ROWS", 1)
    assert _same_report(every_scenario)["findings"]


def test_mid_sized_frames_are_counted_with_the_positions_a_row_loop_finds():
    """A frame of :data:`COUNTED_ROWS` rows or more whose keys are categorical or integer is grouped by its
    codes (a namespace's request rows); below that, or with a text key, its keys are read row by row. The
    same rows for every key, missing values never found."""
    rng = np.random.default_rng(11)
    n = COUNTED_ROWS
    frame = pd.DataFrame({
        "namespace": pd.Categorical(rng.choice(["ns-a", "ns-b", None], n, p=[0.5, 0.4, 0.1])),
        "route": pd.Categorical(rng.choice(["r1", "r2", None], n, p=[0.45, 0.45, 0.1])),
        "status": pd.array(rng.choice([200, 503, -1], n), dtype="Int16"),
    })
    frame.loc[rng.random(n) < 0.05, "status"] = pd.NA
    keys = ("namespace", "route", "status")
    expected: dict[tuple, list[int]] = {}
    for pos, key in enumerate(zip(*(frame[k].tolist() for k in keys), strict=True)):
        if not any(pd.isna(v) for v in key):
            expected.setdefault(key, []).append(pos)
    counted, listed = FrameIndex(frame, keys), FrameIndex(frame.iloc[: n - 1], keys)
    text = FrameIndex(frame.assign(route=frame["route"].astype("string")), keys)
    assert set(counted._positions) == set(expected) == set(text._positions)
    assert all(isinstance(v, np.ndarray) for v in counted._positions.values())
    assert all(isinstance(v, list) for v in (*listed._positions.values(), *text._positions.values()))
    for key, positions in expected.items():
        assert list(counted.positions(key)) == positions == text.positions(key)
        assert listed.positions(key) == [p for p in positions if p < n - 1]
        pd.testing.assert_frame_equal(counted.rows(key), frame.iloc[positions])


def test_route_and_namespace_filters_equal_the_reference_path():
    snap = _together(SCENARIO_DIRS[::4])
    routes = snap.frame("routes")
    keys = sorted(set(zip(routes["namespace"], routes["name"], strict=True)))
    some = keys[::3]
    namespaces = sorted({ns for ns, _ in keys})[::2]
    assert len(_same_report(snap, routes=some)["routes"]) == len(some)
    assert _same_report(snap, namespaces=namespaces)["routes"]


def test_generated_must_gather_equals_the_reference_path(tmp_path: Path):
    generate(tmp_path, namespaces=6, pods=8, log_kb=1)
    report = _same_report(load_snapshot([str(tmp_path)], []))
    assert len(report["routes"]) == 24


def test_route_summary_equals_the_per_backend_filters(every_scenario: Snapshot):
    fast = joins.route_summary(every_scenario)
    reference = joins.route_summary_by_filters(every_scenario)
    pd.testing.assert_frame_equal(fast, reference)
    assert fast["endpoints_total"].notna().any()


def test_sorted_namespace_parts_equal_groupby_parts(every_scenario: Snapshot):
    fast, grouped = FrameSplits(every_scenario), FrameSplits(every_scenario, grouped=True)
    for name, frame in every_scenario.frames.items():
        if "namespace" not in frame.columns:
            continue
        for ns in [*frame["namespace"].dropna().unique().tolist(), "no-such-namespace"]:
            pd.testing.assert_frame_equal(fast.part(name, ns), grouped.part(name, ns))


def test_has_rows_answers_as_the_taken_part_without_taking_it(every_scenario: Snapshot):
    """``has_rows`` is ``not part.empty`` on both splits, for every frame (cluster-level and absent ones too)."""
    names = sorted(set(every_scenario.frames) | set(schema.FRAMES))
    present = {str(ns) for f in every_scenario.frames.values() if "namespace" in f.columns
               for ns in f["namespace"].dropna().unique()}
    namespaces = [*sorted(present), "no-such-namespace"]
    for grouped in (False, True):
        splits = FrameSplits(every_scenario, grouped=grouped)
        for ns in namespaces:
            scoped = ScopedSnapshot(splits, ns)
            for name in names:
                answer = has_rows(scoped, name)
                assert answer == (not scoped.frame(name).empty), (grouped, ns, name)
                assert has_rows(every_scenario, name) == (not every_scenario.frame(name).empty)
    fast = FrameSplits(every_scenario)
    some = next(n for n, f in every_scenario.frames.items() if "namespace" in f.columns and len(f))
    ns = str(every_scenario.frames[some]["namespace"].dropna().iloc[0])
    assert fast.has_rows(some, ns) and ns not in fast._splits[some]  # answered, not taken


def test_an_empty_frame_index_answers_with_its_own_frame():
    frame = pd.DataFrame({"namespace": pd.array([], dtype="string"), "name": pd.array([], dtype="string")})
    index = FrameIndex(frame, ("namespace", "name"))
    assert index.rows(("a", "x")) is frame and index.take([]) is frame
    full = FrameIndex(pd.DataFrame({"namespace": ["a"], "name": ["x"]}), ("namespace", "name"))
    assert full.take([]).empty and list(full.take([]).columns) == ["namespace", "name"]


def test_frame_index_keeps_frame_order_and_never_matches_missing_keys():
    frame = pd.DataFrame(
        {
            "namespace": pd.array(["a", "b", "a", None, "a"], dtype="string"),
            "name": pd.array(["x", "x", "y", "x", "x"], dtype="string"),
        },
        index=[10, 11, 12, 13, 14],
    )
    index = FrameIndex(frame, ("namespace", "name"))
    assert index.rows(("a", "x")).index.tolist() == [10, 14]
    assert index.rows_any([("a", "y"), ("a", "x")]).index.tolist() == [10, 12, 14]
    assert index.positions((pd.NA, "x")) == []
    assert index.rows(("c", "x")).empty and list(index.rows(("c", "x")).columns) == ["namespace", "name"]
    assert index.first(("b", "x")).name == 11
    pd.testing.assert_frame_equal(index.take([1, 2, 3]), frame.iloc[[1, 2, 3]])


def test_large_frames_are_grouped_by_pandas_with_the_same_positions():
    n = GROUPBY_ROWS + 1_000
    names = [None if i % 97 == 0 else f"route-{i % 13}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "namespace": pd.Categorical([f"ns-{i % 3}" for i in range(n)]),
            "route": pd.array(names, dtype="string"),
        }
    )
    large = FrameIndex(frame, ("namespace", "route"))
    small = FrameIndex(frame.iloc[:GROUPBY_ROWS - 1], ("namespace", "route"))
    expected: dict[tuple, list[int]] = {}
    for pos, key in enumerate(zip(frame["namespace"].tolist(), names, strict=True)):
        if key[1] is not None:
            expected.setdefault(key, []).append(pos)
    assert set(large._positions) == set(expected)
    for key, positions in expected.items():
        assert large.positions(key).tolist() == positions
        assert small.positions(key) == [p for p in positions if p < GROUPBY_ROWS - 1]
        pd.testing.assert_frame_equal(large.rows(key), frame.iloc[positions])
    assert not len(large.positions(("ns-0", pd.NA)))


@pytest.mark.parametrize("ordered", [True, False])
def test_large_frames_are_grouped_by_counting_with_the_positions_groupby_finds(ordered):
    """Categorical and integer keys are grouped by counting (``_counted_positions``), whether the frame comes
    ordered by its keys (the requests frame, by route) or not; the positions are those of
    ``groupby().indices``, missing values never found; in key order they are ranges. A text key leaves the
    grouping to pandas."""
    rng = np.random.default_rng(7)
    n = GROUPBY_ROWS + 3_000
    frame = pd.DataFrame({
        "namespace": pd.Categorical(rng.choice(["ns-a", "ns-b", None], n, p=[0.5, 0.45, 0.05])),
        "route": pd.Categorical(rng.choice(["r1", "r2", "r3", None], n, p=[0.3, 0.3, 0.3, 0.1])),
        "status": pd.array(rng.choice([200, 503, 504, -1], n), dtype="Int16"),
        "term": pd.Categorical(rng.choice(["----", "sH--", "SC--"], n)),
    })
    frame.loc[rng.random(n) < 0.02, "status"] = pd.NA
    if ordered:  # as ``ordered_by_route`` leaves it: by namespace and route, missing ones last
        frame = frame.sort_values(["namespace", "route"], kind="stable", na_position="last").reset_index(drop=True)
    for keys in (("namespace", "route"), ("namespace", "route", "status", "term"), ("route",)):
        counted = _counted_positions(frame, keys)
        assert counted is not None
        grouped = frame.groupby([frame[k] for k in keys], sort=False, observed=True, dropna=True).indices
        grouped = {(k if isinstance(k, tuple) else (k,)): v for k, v in grouped.items()}
        assert set(counted) == set(grouped)
        index = FrameIndex(frame, keys)
        for key, positions in grouped.items():
            assert list(counted[key]) == positions.tolist()
            assert list(index.positions(key)) == positions.tolist()
            assert index.take(index.positions(key)).equals(frame.iloc[positions])
        # in key order, each key's rows are one run, given as a range (no array of positions)
        in_runs = ordered and keys == ("namespace", "route")
        assert all(isinstance(v, range) == in_runs for v in counted.values()), keys
    assert _counted_positions(frame.assign(route=frame["route"].astype("string")), ("namespace", "route")) is None


@pytest.mark.parametrize("rows", [40, COUNTED_ROWS + 500, GROUPBY_ROWS + 3_000])
@pytest.mark.parametrize("ordered", [True, False])
def test_an_index_of_the_5xx_rows_finds_their_keys_as_the_index_of_every_row(rows, ordered):
    """``route_select`` asks for a 5xx status through an index of the 5xx rows only (``failure_rows``): each
    5xx key's positions are those the index of every row finds, at every size (listed, counted, grouped by
    pandas) and in route order or not; no other key is found. Where the 5xx are half the rows or more, every
    row is indexed (``failure_rows`` is None)."""
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame({
        "namespace": pd.Categorical(rng.choice(["ns-a", "ns-b", None], rows, p=[0.5, 0.45, 0.05])),
        "route": pd.Categorical(rng.choice(["r1", "r2", "r3", None], rows, p=[0.3, 0.3, 0.3, 0.1])),
        "status": pd.array(rng.choice([200, 302, 503, 504, 599, 600, -1], rows,
                                      p=[0.6, 0.1, 0.1, 0.1, 0.02, 0.04, 0.04]), dtype="Int16"),
        "term": pd.Categorical(rng.choice(["----", "sH--", "SC--"], rows)),
    })
    frame.loc[rng.random(rows) < 0.05, "status"] = pd.NA
    if ordered:
        frame = frame.sort_values(["namespace", "route"], kind="stable", na_position="last").reset_index(drop=True)
    keys = ("namespace", "route", "status", "term")
    failed = failure_rows(frame)
    status = frame["status"]
    expected = np.flatnonzero(((status >= 500) & (status < 600)).fillna(False).to_numpy(dtype=bool))
    assert failed is not None and failed.tolist() == expected.tolist()
    every, among = FrameIndex(frame, keys), FrameIndex(frame, keys, among=failed)
    asked = 0
    for key in every._positions:
        if 500 <= key[2] < 600:
            assert list(among.positions(key)) == list(every.positions(key)), key
            pd.testing.assert_frame_equal(among.rows(key), every.rows(key))
            asked += 1
        else:
            assert not among.has(key) and not len(among.positions(key))
    assert asked >= 5  # the comparison really compared 5xx keys
    assert failure_rows(frame.assign(status=pd.array([503] * rows, dtype="Int16"))) is None
    assert failure_rows(frame.iloc[0:0]) is None


def test_where_most_rows_are_5xx_the_index_of_the_5xx_rows_is_the_index_of_every_row():
    """An outage: ``failure_rows`` gives nothing to pick, and the index asked for the 5xx rows is the one of
    every row (not a second one of the same rows); with a few 5xx, it is an index of its own."""
    from analyzer.lookup import FAILURES, Lookups

    class Frames:
        def __init__(self, frame: pd.DataFrame):
            self.frames = {"requests": frame}

        def frame(self, name: str) -> pd.DataFrame:
            return self.frames[name]

    keys = ("namespace", "route", "status", "term")
    outage = pd.DataFrame({"namespace": ["a"] * 4, "route": ["r"] * 4, "term": ["SC--"] * 4,
                           "status": pd.array([503, 503, 503, 200], dtype="Int16")})
    lookups = Lookups(Frames(outage))
    assert lookups.index("requests", *keys, among=FAILURES) is lookups.index("requests", *keys)
    busy = outage.assign(status=pd.array([503, 200, 200, 200], dtype="Int16"))
    lookups = Lookups(Frames(busy))
    failures = lookups.index("requests", *keys, among=FAILURES)
    assert failures is not lookups.index("requests", *keys)
    assert list(failures.positions(("a", "r", 503, "SC--"))) == [0] and not failures.has(("a", "r", 200, "SC--"))


def _same_value(a: object, b: object) -> bool:
    """The same type and value (NA and NaT are themselves; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if a is b:
        return True
    try:
        return bool(a == b) or (a != a and b != b)  # type: ignore[comparison-overlap]
    except TypeError:
        return False


def test_row_views_answer_as_row_series_on_every_frame(every_scenario: Snapshot):
    """Each column of each row, read through a RowView, is the value (and type) ``frame.iloc[i]`` holds."""
    from analyzer.lookup import ColumnCache, RowView

    checked = 0
    for name, frame in every_scenario.frames.items():
        if frame.empty or len(frame.columns) < 2:
            continue
        cache = ColumnCache(frame)
        for position in range(0, len(frame), max(1, len(frame) // 40)):  # up to ~40 rows of each frame
            series = frame.iloc[position]
            view = RowView(frame, position, cache)
            for column in frame.columns:
                assert _same_value(view[column], series[column]), (name, position, column)
                assert _same_value(view.get(column), series.get(column)), (name, position, column)
                checked += 1
            assert view.get("no such column", "x") == "x"
            assert view.name == series.name
    assert checked > 1000


def test_object_fact_records_equal_to_dict_records(every_scenario: Snapshot):
    """The object facts' rows, read column by column, are ``to_dict("records")``'s: values, types, None for NA."""
    from analyzer.facts.objects import _records

    compared = 0
    for name in ("pods", "containers", "routes", "services", "netpols", "replicasets", "events"):
        frame = every_scenario.frame(name)
        expected = frame.to_dict("records")
        got = _records(frame)
        assert len(got) == len(expected) and expected
        for mine, theirs in zip(got, expected, strict=True):
            assert list(mine) == list(theirs)
            for column, value in theirs.items():
                assert _same_value(mine[column], value), (name, column)
                compared += 1
    assert compared > 1000


def test_released_request_rows_are_taken_again_equal(every_scenario: Snapshot):
    """``Context.release_requests`` (the runner calls it after each namespace's rules and route results)
    drops the namespace's part of ``requests`` and the route rows its lookups took; asked again, the
    same rows come back. The whole-report comparisons above run with the releases in place."""
    splits = FrameSplits(every_scenario)
    requests = every_scenario.frame("requests")
    keyed = requests.dropna(subset=["namespace", "route"])
    assert len(keyed)  # the scenarios' logs name routes: the check below really compares rows
    namespace, route = str(keyed["namespace"].iloc[0]), str(keyed["route"].iloc[0])
    ctx = Context(ScopedSnapshot(splits, namespace), whole_lookups=WholeLookups(every_scenario))
    part = ctx.requests
    rows = ctx.lookups.index("requests", "namespace", "route").rows((namespace, route))
    assert len(rows) and namespace in splits._splits["requests"]
    ctx.release_requests()
    assert "requests" not in ctx.__dict__ and namespace not in splits._splits["requests"]
    assert not [k for k in ctx.lookups._indexes if k[0] == "requests"]
    pd.testing.assert_frame_equal(ctx.requests, part)
    again = ctx.lookups.index("requests", "namespace", "route").rows((namespace, route))
    assert again is not rows  # taken again, not kept
    pd.testing.assert_frame_equal(again, rows)


@pytest.mark.parametrize("grouped", [False, True], ids=["listed", "grouped-by-pandas"])
def test_route_select_by_index_equals_the_selection_of_the_route_rows(every_scenario: Snapshot, monkeypatch,
                                                                       grouped: bool):
    """``common.route_select`` finds a route's lines of one status and state through an index (and a
    server kind among them, once per question); the reference path selects them from the route's rows.
    Same rows, labels, order and values for every route, status, state and server kind of the scenarios,
    plus a route and a status and state that log nothing; kept when small, taken again when large."""
    import analyzer.lookup
    from analyzer.rules import common

    if grouped:  # the index of a large frame, and selections too large to keep: taken again when asked again
        monkeypatch.setattr(analyzer.lookup, "GROUPBY_ROWS", 1)
        monkeypatch.setattr(analyzer.lookup, "KEPT_ROWS", 1)
    requests = every_scenario.frame("requests")
    keyed = requests.dropna(subset=["namespace", "route"])
    splits = FrameSplits(every_scenario)
    whole = WholeLookups(every_scenario)
    kinds = [None, *sorted({str(k) for k in requests["server_kind"].dropna()}), "nothing"]
    assert len(kinds) > 3
    found = 0
    for namespace, part in keyed.groupby("namespace", observed=True):
        fast = Context(ScopedSnapshot(splits, str(namespace)), whole_lookups=whole)
        reference = Context(ScopedSnapshot(splits, str(namespace)), indexed=False)
        assert fast.lookups is not None and reference.lookups is None  # the two paths under test
        for name in [*sorted({str(n) for n in part["route"]}), "no-such-route"]:
            route = common.RouteRef(str(namespace), name, (), "", None, None, pd.Series(dtype=object))
            mine = part[part["route"] == name]
            logged = set(zip(mine["status"].tolist(), mine["term"].tolist(), strict=True))
            # every (status, state) the route logs, one no line has, and the 503 SC lines down_nosrv asks for
            asked = {(int(s), str(t)) for s, t in logged if pd.notna(s) and pd.notna(t)} | {(599, "zz"), (503, "SC")}
            for status, term in sorted(asked):
                for kind in kinds:
                    rows = common.route_select(fast, route, status=status, term=term, server_kind=kind)
                    expected = common.route_select(reference, route, status=status, term=term, server_kind=kind)
                    pd.testing.assert_frame_equal(rows, expected)
                    found += len(rows)
                    again = common.route_select(fast, route, status=status, term=term, server_kind=kind)
                    if len(rows) <= analyzer.lookup.KEPT_ROWS:  # asked again: the kept answer
                        assert again is rows
                    else:
                        assert again is not rows
                        pd.testing.assert_frame_equal(again, rows)
    assert found > 100  # the comparison really compared rows


def test_take_rows_equals_iloc_on_every_frame(every_scenario: Snapshot):
    """``lookup.take_rows`` (each column's array taken, one frame built from them) gives what ``iloc``
    gives: values, dtypes, labels and order, on every frame the scenarios load, for positions in and
    out of order, repeated, one row, and on a frame whose labels are not its positions."""
    from analyzer.lookup import take_rows

    rng = np.random.default_rng(7)
    compared = set()
    for name, frame in every_scenario.frames.items():
        if len(frame) < 2:
            continue
        for labelled in (frame, frame.iloc[::-1]):  # the second's labels run backwards
            arrays = [labelled[c].array for c in labelled.columns]
            n = len(labelled)
            for positions in (np.sort(rng.choice(n, min(n, 7), replace=False)), rng.integers(0, n, 9),
                              [n - 1, 0, n - 1], [1]):
                pd.testing.assert_frame_equal(take_rows(labelled, arrays, positions), labelled.iloc[positions])
        compared.add(name)
    assert {"requests", "pods", "routes", "endpoints"} <= compared  # extension, categorical and object columns


def test_rows_in_key_order_split_by_a_row_without_key_are_not_one_run():
    """A row without a key inside a key's rows (a request of no route among a route's, in route order)
    leaves that key's rows apart: they are positions, not a range over the row between them."""
    n = GROUPBY_ROWS + 10
    route = np.array(["r1"] * (n // 2) + ["r2"] * (n - n // 2), dtype=object)
    route[100] = None  # inside r1's rows
    frame = pd.DataFrame({"namespace": pd.Categorical(["ns"] * n), "route": pd.Categorical(route)})
    counted = _counted_positions(frame, ("namespace", "route"))
    assert counted is not None
    assert 100 not in list(counted[("ns", "r1")]) and len(counted[("ns", "r1")]) == n // 2 - 1
    assert list(counted[("ns", "r2")]) == list(range(n // 2, n))
    frame.loc[100, "route"] = "r1"  # the run whole again: ranges
    assert all(isinstance(v, range) for v in _counted_positions(frame, ("namespace", "route")).values())
