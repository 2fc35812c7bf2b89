"""A finding's dating and severity read the route's counted normal lines (``MGA_NORMAL_LINES=counted``,
``parsers.normal_lines``) as they read its rows: the same status, ``ended_at``, share and p99 as when
every line is a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from analyzer.context import Context
from analyzer.model import IncidentStatus, Severity
from analyzer.rules import common
from analyzer.rules.backend import shared
from analyzer.rules.backend.b501_backend_slower_than_router_timeout import _with_counts, quantile_of_counts
from parsers.load_snapshot import load_snapshot
from parsers.normal_lines import ENVIRONMENT, NormalLines
from tests.analyzer.scenario_helpers import SCENARIOS

T0 = datetime(2026, 11, 20, 8, 40, tzinfo=UTC)


def context(name: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Context, common.RouteRef]:
    """The story's snapshot as ``mga analyze`` loads it, its normal lines rows or counted."""
    monkeypatch.setenv(ENVIRONMENT, mode)
    root = SCENARIOS / name
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    ctx = Context(load_snapshot(inputs, [], keep_all_requests=False))
    [route] = list(common.routes(ctx))
    return ctx, route


@pytest.mark.parametrize("name", ["time-timeout-ended", "time-saturation-mid-window", "time-oom-once-recovered"])
def test_a_routes_status_is_the_same_with_its_normal_lines_counted(name, monkeypatch):
    rows_ctx, route = context(name, "rows", monkeypatch)
    counted_ctx, _ = context(name, "counted", monkeypatch)
    assert len(counted_ctx.normal_lines), "the story's successful lines are counted, not rows"
    req = common.route_requests(rows_ctx, route)
    start, end = req["ts"].min().to_pydatetime(), req["ts"].max().to_pydatetime()
    moments = [start + timedelta(seconds=10 * i) for i in range(int((end - start).total_seconds() // 10) + 2)]
    moments += [t.to_pydatetime() for t in req["ts"][common.router_side_mask(req).to_numpy(dtype=bool)].dropna()]
    moments += [end, end - common.QUIET_MIN, end - common.QUIET_MIN + timedelta(milliseconds=1)]
    want = [common.incident_status(rows_ctx, route, t) for t in moments]
    assert [common.incident_status(counted_ctx, route, t) for t in moments] == want
    assert IncidentStatus.ENDED in {s for s, _ in want} or name == "time-saturation-mid-window"


def test_the_routes_latest_line_may_be_a_counted_one(monkeypatch):
    ctx, route = context("time-timeout-ended", "counted", monkeypatch)
    req = common.route_requests(ctx, route)
    last_normal = ctx.normal_lines.last_accept_ms(route.namespace, route.name)
    assert last_normal is not None and pd.Timestamp(last_normal, unit="ms", tz="UTC") > req["ts"].max()
    last_line, last_failing = common._last_times(ctx, req, route)
    assert last_line == pd.Timestamp(last_normal, unit="ms", tz="UTC")
    assert last_failing == req["ts"][common.router_side_mask(req).to_numpy(dtype=bool)].max()
    # a route with only normal lines: its latest line is theirs, it has no failure
    assert common._last_times(ctx, req.iloc[0:0], route)[0] == last_line
    assert pd.isna(common._last_times(ctx, req.iloc[0:0], route)[1])


def test_a_route_with_only_counted_lines_is_dated_by_them_and_one_with_none_is_unknown(monkeypatch):
    ctx, route = context("time-timeout-ended", "counted", monkeypatch)
    empty = common.route_requests(ctx, route).iloc[0:0]
    monkeypatch.setattr(ctx, "route_rows", lambda namespace, name: empty)
    last = pd.Timestamp(ctx.normal_lines.last_accept_ms(route.namespace, route.name), unit="ms", tz="UTC")
    error = (last - common.QUIET_MIN).to_pydatetime()
    assert common.incident_status(ctx, route, error) == (IncidentStatus.ENDED, error)  # exactly the quiet minute
    later = error + timedelta(milliseconds=1)
    assert common.incident_status(ctx, route, later) == (IncidentStatus.ONGOING, None)
    assert common.incident_status(ctx, route, None) == (IncidentStatus.UNKNOWN, None)
    monkeypatch.setattr(ctx.snap, "normal_lines", NormalLines())
    ctx._cache.clear()
    assert common.incident_status(ctx, route, error) == (IncidentStatus.UNKNOWN, None)


def _frame(ms: list[int], status: int = 200, route: str = "web") -> pd.DataFrame:
    """Request rows of route ``shop/<route>`` accepted at ``T0 + ms``, each a normal line when status < 500."""
    n = len(ms)
    return pd.DataFrame({
        "namespace": ["shop"] * n, "route": [route] * n, "pod": ["web-1"] * n, "status": [status] * n,
        "term": ["--" if status < 500 else "sH"] * n, "Tc": [0] * n, "Tr": [10] * n,
        "ts": pd.to_datetime([pd.Timestamp(T0) + pd.Timedelta(milliseconds=m) for m in ms], utc=True),
    })


def test_severity_counts_the_normal_lines_from_the_first_failures_millisecond_on():
    failures = _frame([1000, 2000, 3000], status=504)
    # before the failures: diluting nothing; at the first failure's millisecond and after: counted
    normal = NormalLines.of_frame(_frame([0, 999, 1000, 1500]))
    route = ("shop", "web")
    assert shared.severity_by_share(failures, failures) is Severity.CRITICAL
    # 3 failures among 3 rows and 2 counted lines (1000, 1500): critical; 4 counted from 1000 on: a warning
    assert shared.severity_by_share(failures, failures, normal=normal, route=route) is Severity.CRITICAL
    more = NormalLines.of_frame(_frame([0, 999, 1000, 1000, 1500, 2500]))
    assert shared.severity_by_share(failures, failures, normal=more, route=route) is Severity.WARNING  # 3 of 7
    assert shared.severity_by_share(failures, failures, normal=more, route=("shop", "other")) is Severity.CRITICAL
    assert shared.severity_by_share(failures, failures, IncidentStatus.ENDED, None, normal, route) is Severity.WARNING
    undated = failures.assign(ts=pd.NaT)  # no first failure: every counted line counts
    assert shared.severity_by_share(undated, undated, normal=normal, route=route) is Severity.WARNING  # 3 of 7


def test_share_counts_every_normal_line_of_the_route():
    failures = _frame([1000, 2000], status=504)
    normal = NormalLines.of_frame(_frame([0, 5, 3000]))
    assert shared.share(failures, failures) == 1.0
    assert shared.share(failures, failures, normal, ("shop", "web")) == pytest.approx(2 / 5)
    assert shared.share(failures, failures, normal, ("shop", "none")) == 1.0
    assert shared.share(failures.iloc[0:0], failures.iloc[0:0], normal, ("shop", "none")) == 0.0


@pytest.mark.parametrize("values", [[7.0], [1.0, 2.0], [0.0] * 5 + [30001.0], list(range(1000)),
                                    [5.0] * 99 + [9.0, 100.0], [3.0, 3.0, 3.0]])
def test_the_p99_of_counted_values_is_numpys_p99_of_them_written_out(values):
    found, counts = np.unique(values, return_counts=True)
    counted = dict(zip(found.tolist(), counts.tolist(), strict=True))
    for q in (0.0, 0.5, 0.99, 1.0):
        assert quantile_of_counts(counted, q) == np.quantile(np.array(values, dtype="float64"), q)


def test_the_p99_of_random_counted_values_is_numpys():
    rng = np.random.default_rng(7)
    for _ in range(300):
        values = rng.integers(0, int(rng.choice([3, 1000, 2**40])), int(rng.integers(1, 3000))).astype("float64")
        found, counts = np.unique(values, return_counts=True)
        assert quantile_of_counts(dict(zip(found.tolist(), counts.tolist(), strict=True)), 0.99) == np.quantile(
            values, 0.99)


def test_answered_times_join_the_rows_and_the_counted_values():
    rows = np.array([100.0, 250.0, 250.0])
    assert _with_counts(rows, {}) == (250, int(np.quantile(rows, 0.99)))
    joined = np.array([100.0, 250.0, 250.0] + [40.0] * 200 + [31000.0])
    assert _with_counts(rows, {40: 200, 31000: 1}) == (31000, int(np.quantile(joined, 0.99)))
    assert _with_counts(np.zeros(0), {40: 2}) == (40, 40)  # a route with only normal lines
    assert _with_counts(np.zeros(0), {}) == (None, None)  # and one with none
