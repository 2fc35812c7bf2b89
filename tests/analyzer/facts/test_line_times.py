"""A route's line times read from the whole frame's arrays (``analyzer.facts.lines.LineTimes``) equal what
its rows say, and the analysis gives the same report with the arrays as without them."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from analyzer.facts import Facts
from analyzer.facts.lines import LineTimes
from analyzer.ledger import router_side_mask
from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs, scenario_snapshot


def same(a: object, b: object) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def reference(rows: pd.DataFrame) -> dict:
    """The answers asked of the rows themselves (what the rules read before the arrays)."""
    ts = rows["ts"]
    failing = ts[router_side_mask(rows).to_numpy(dtype=bool)]
    first_failing = failing.min()
    return {"latest": ts.max(), "latest_failing": failing.max(), "span": (ts.min(), ts.max()),
            "failing": failing.dropna().sort_values().tolist(),
            "gaps": failing.dropna().sort_values().diff().dropna(),
            "since_first_failing": None if pd.isna(first_failing) else int((ts >= first_failing).fillna(False).sum())}


def answers(lines: LineTimes, rows: pd.DataFrame) -> dict:
    at = lines.positions(rows)
    failing = lines.positions(rows[router_side_mask(rows).to_numpy(dtype=bool)])
    assert at is not None and failing is not None
    return {"latest": lines.latest(at), "latest_failing": lines.latest(at, router_side=True), "span": lines.span(at),
            "gaps": lines.router_side_gaps(at),
            "since_first_failing": lines.since_earliest(failing, at)}


def assert_same(got: dict, want: dict) -> None:
    assert same(got["latest"], want["latest"]) and same(got["latest_failing"], want["latest_failing"])
    assert all(same(g, w) for g, w in zip(got["span"], want["span"], strict=True))
    assert got["gaps"].tolist() == want["gaps"].tolist() and got["gaps"].dtype == want["gaps"].dtype
    assert same(got["gaps"].median(), want["gaps"].median())  # the quiet stretch an ended incident needs
    assert got["since_first_failing"] == want["since_first_failing"]


def test_every_routes_times_equal_its_rows_answers():
    checked = failing = 0
    for scenario in SCENARIO_DIRS:
        requests = scenario_snapshot(scenario).frame("requests")
        lines = LineTimes.of(requests)
        if requests.empty:
            continue
        assert lines is not None
        for _, rows in requests.groupby(["namespace", "route"], observed=True):
            want = reference(rows)
            assert_same(answers(lines, rows), want)
            checked += 1
            failing += bool(want["failing"])
    assert checked >= 30 and failing >= 15


def frame(rows: int, start: int = 0, unit: str = "ms") -> pd.DataFrame:
    rng = np.random.default_rng(rows)
    base = pd.Timestamp("2026-11-20T08:00:00Z").value // 1_000_000
    ts = pd.Series(pd.to_datetime(base + rng.integers(0, 3_600_000, rows), unit="ms", utc=True)).astype(
        f"datetime64[{unit}, UTC]")
    ts[rng.random(rows) < 0.2] = pd.NaT
    out = pd.DataFrame({
        "ts": ts,
        "status": pd.array(rng.choice([200, 502, 503, 504, None], rows), dtype="Int16"),
        "term": pd.Categorical(rng.choice(["--", "SH", "sH", "CD", "SC", None], rows)),
    })
    out.index = pd.RangeIndex(start, start + rows)
    return out


@pytest.mark.parametrize("unit", ["ms", "ns"])
def test_parts_slices_and_takes_of_a_frame_answer_like_their_rows(unit: str):
    whole = frame(500, unit=unit)
    part = whole.iloc[120:400]  # a namespace's part: labels from 120
    for lines, of in ((LineTimes.of(whole), whole), (LineTimes.of(part), part)):
        assert lines is not None
        for rows in (of.iloc[10:60], of.iloc[[3, 5, 8, 200, 201]], of[of["status"] == 504], of.iloc[0:0],
                     of[of["ts"].isna()]):
            assert_same(answers(lines, rows), reference(rows))
    empty = whole.iloc[0:0]
    lines = LineTimes.of(whole)
    assert lines is not None and lines.span(lines.positions(empty)) == (pd.NaT, pd.NaT)  # type: ignore[arg-type]


def test_rows_the_arrays_cannot_place_are_asked_of_the_rows():
    whole = frame(50)
    part = whole.iloc[10:20]
    lines = LineTimes.of(part)
    assert lines is not None
    assert lines.positions(whole.iloc[5:15]) is None  # rows before the part
    assert lines.positions(whole.iloc[[12, 25]]) is None  # a row after it
    relabelled = whole.set_index(pd.Index([f"r{i}" for i in range(50)]))
    assert LineTimes.of(relabelled) is None
    assert LineTimes.of(whole.iloc[[1, 3]]) is None  # labels that are not a range
    assert LineTimes.of(whole.assign(ts=whole["ts"].astype("string"))) is None


@pytest.mark.parametrize(("name", "status"), [
    ("time-oom-once-recovered", "ended"), ("time-readiness-failed-and-recovered", "ended"),
    ("time-netpol-fixed-before-collection", "ended"), ("E203-fires-transient-outage", "ended"),
    ("I705-fires-connect-timeouts-on-one-node", "ended"), ("B504-fires-app-timeout", "ongoing"),
    ("B501-fires-slow-report", "ongoing"), ("B503-fires-duplicate-transfer-encoding", "ongoing"),
    ("time-invalid-response-mid-window", "ongoing"), ("time-connection-closed-mid-window", "ongoing"),
    ("B502-fires-maxconn-queue", "ongoing"),
])
def test_the_report_is_the_same_without_the_arrays(name: str, status: str, monkeypatch):
    """Incidents that ended before collection (the quiet stretch after the last error measured) and one still
    going on: the same report, every field, with the arrays and with each question asked of the rows."""
    scenario = next(s for s in SCENARIO_DIRS if s.name == name)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with_arrays = analyze(load_snapshot(*scenario_inputs(scenario)), tool_version="t", now=now).to_dict()
    monkeypatch.setattr(Facts, "lines", property(lambda self: None))
    without = analyze(load_snapshot(*scenario_inputs(scenario)), tool_version="t", now=now).to_dict()
    assert with_arrays == without
    assert {f["status_at_collection"] for f in with_arrays["findings"]} == {status}


def b501_b502_answers(check_placed: bool) -> list[tuple]:
    """B501's answered times and B502's queued lines of every route with lines, of every scenario."""
    from analyzer.context import Context
    from analyzer.rules import common
    from analyzer.rules.backend import b501_backend_slower_than_router_timeout as b501
    from analyzer.rules.backend import b502_backend_saturated as b502

    out = []
    for scenario in SCENARIO_DIRS:
        snap = scenario_snapshot(scenario)
        if snap.frame("requests").empty:
            continue
        ctx = Context(snap)
        for route in common.routes(ctx):
            rows = common.route_requests(ctx, route)
            if rows.empty:
                continue
            if check_placed:
                assert ctx.facts.lines is not None and ctx.facts.lines.positions(rows) is not None
            out.append((b501._answered_times(ctx, rows), b502._queued(ctx, rows).index.tolist()))
    return out


def test_b501_response_times_and_b502_queued_lines_read_from_the_arrays_equal_the_rows_answers(monkeypatch):
    """Every route of every scenario: the slowest answered response and its p99, and the queued lines, the
    same read at the route's positions in the whole frame as asked of its rows."""
    from analyzer.rules import common

    asked = b501_b502_answers(check_placed=True)
    with monkeypatch.context() as m:
        m.setattr(common, "line_positions", lambda ctx, rows: (None, slice(0, 0)))
        reference = b501_b502_answers(check_placed=False)
    assert asked == reference and len(asked) >= 30
    assert sum(times[0] is not None for times, _ in asked) >= 20 and sum(bool(queued) for _, queued in asked) >= 1


def test_b501_answered_times_of_edge_rows_equal_the_rows_answers():
    """Statuses 499, 500 and none, times -1 and none: only answers below 500 with a time count."""
    from types import SimpleNamespace

    from analyzer.rules.backend import b501_backend_slower_than_router_timeout as b501

    rows = frame(400)
    rng = np.random.default_rng(3)
    rows["status"] = pd.array(rng.choice([200, 499, 500, 502, 504, None], len(rows)), dtype="Int16")
    rows["Tr"] = pd.array(rng.choice([-1, 0, 12, 250, 29_000, 30_001, None], len(rows)), dtype="Int16")
    with_arrays = SimpleNamespace(facts=SimpleNamespace(lines=LineTimes.of(rows)))
    without = SimpleNamespace(facts=SimpleNamespace(lines=None))
    for part in (rows, rows.iloc[50:200], rows[rows["status"] == 500], rows.iloc[[7, 99, 301]]):
        assert b501._answered_times(with_arrays, part) == b501._answered_times(without, part)  # type: ignore[arg-type]
    assert b501._answered_times(with_arrays, rows)[0] == 30_001  # type: ignore[arg-type]


def _snapshots_of_every_shape():
    """Each scenario alone, and all of them together as the library loads them (time order: a namespace's rows
    scattered) and as ``mga analyze`` does (route order: a namespace's rows one run)."""
    inputs: list[str] = []
    logs: list[str] = []
    for scenario in SCENARIO_DIRS:
        i, log = scenario_inputs(scenario)
        inputs, logs = inputs + i, logs + log
        yield scenario_snapshot(scenario)
    yield load_snapshot(inputs, logs)
    yield load_snapshot(inputs, logs, keep_all_requests=False)


def test_a_routes_lines_placed_from_its_namespaces_index_equal_its_rows():
    """``Context.route_lines``: every route of every scenario, in the per-namespace contexts the runner builds
    (a namespace's rows are a part of the whole frame, labelled by their place in it), placed in the
    whole frame's arrays from the namespace's index without taking its rows: the statuses and server queues of
    its rows in their order, the pods they name and the lines of each termination state (what the route
    result and its log checks read)."""
    from analyzer.context import Context
    from analyzer.facts.common import distinct_texts
    from analyzer.lookup import WholeLookups
    from analyzer.scope import FrameSplits, ScopedSnapshot

    checked, shapes = 0, set()
    for snap in _snapshots_of_every_shape():
        requests = snap.frame("requests")
        if requests.empty:
            continue
        facts, splits, whole = Facts(snap), FrameSplits(snap), WholeLookups(snap)
        for namespace in sorted({str(n) for n in requests["namespace"].dropna()}):
            ctx = Context(ScopedSnapshot(splits, namespace), shared_facts=facts, whole_lookups=whole)
            labels = ctx.requests.index
            shapes.add("run" if isinstance(labels, pd.RangeIndex) else "scattered")
            shapes.add("after the start" if int(labels[0]) > 0 else "at the start")
            for route in sorted({str(r) for r in ctx.requests["route"].dropna()}):
                rows = requests[(requests["namespace"] == namespace) & (requests["route"] == route)]
                placed = ctx.route_lines(namespace, route)
                assert placed is not None
                lines, at = placed
                want = rows["status"].to_numpy(dtype="float64", na_value=np.nan)
                np.testing.assert_array_equal(lines.values_at("status", at), want)
                assert lines.distinct("pod", at) == distinct_texts(rows["pod"])
                for state in ("sH", "sQ", "--", "no such state"):
                    assert lines.count_equal("term", state, at) == int((rows["term"] == state).sum())
                np.testing.assert_array_equal(lines.values_at("srv_queue", at),
                                              rows["srv_queue"].to_numpy(dtype="float64", na_value=np.nan))
                checked += 1
        assert Context(snap, indexed=False).route_lines("any", "route") is None  # the reference path asks rows
    assert checked >= 100
    assert shapes == {"run", "scattered", "after the start", "at the start"}
