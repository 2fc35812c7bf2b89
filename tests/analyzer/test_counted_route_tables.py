"""A route's tables read its counted normal lines as they read its rows (``MGA_NORMAL_LINES=counted``).

With the normal lines of kept routes counted (``parsers.normal_lines``) instead of kept as rows, a
route's request count, its log checks (lines, answered, completed through the backend, no timeout,
no queueing), its verdict and the pods its events come from must read what they read when every
line is a row: ``f(rows) + g(normal lines)``. The scenarios below differ in nothing else between
the two modes (their findings are the same), so each route's whole entry must be identical.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from analyzer.checklist import _log_counts
from analyzer.context import Context
from analyzer.rules import common
from analyzer.rules.ports.shared import served_fine
from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from parsers.normal_lines import ENVIRONMENT
from parsers.snapshot import Snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs

NOW = datetime(2026, 12, 4, tzinfo=UTC)
BY_NAME = {p.name: p for p in SCENARIO_DIRS}
# a route with only normal lines; answers mixed with queued lines; events found through the pods that
# answered; several routes, one a passthrough route (its tcplog lines closed ``--`` counted too)
SCENARIOS = ("B502-quiet-no-queueing", "time-saturation-mid-window", "time-selector-edited-mid-window",
             "time-three-causes-one-namespace", "lab-healthy-shop-and-status", "healthy-two-namespaces")


def _load(name: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    monkeypatch.setenv(ENVIRONMENT, mode)
    return load_snapshot(*scenario_inputs(BY_NAME[name]), keep_all_requests=False)


def _routes(snap: Snapshot) -> list[dict]:
    report = analyze(snap, tool_version="test", now=NOW).to_dict()
    return json.loads(json.dumps(report["routes"], sort_keys=True, default=str))


@pytest.mark.parametrize("name", SCENARIOS)
def test_route_tables_with_counted_normal_lines_equal_those_of_rows(name: str, monkeypatch: pytest.MonkeyPatch):
    rows, counted = _load(name, "rows", monkeypatch), _load(name, "counted", monkeypatch)
    assert len(rows.normal_lines) == 0
    assert len(counted.normal_lines) > 0  # lines really left the rows
    assert len(counted.frame("requests")) + len(counted.normal_lines) == len(rows.frame("requests"))
    assert _routes(counted) == _routes(rows)


def test_a_route_with_only_normal_lines_is_measured_and_healthy(monkeypatch: pytest.MonkeyPatch):
    """No row of the route is left, yet it has requests, zero 5xx, passing log checks and a healthy verdict."""
    snap = _load("B502-quiet-no-queueing", "counted", monkeypatch)
    [route] = _routes(snap)
    requests = snap.frame("requests")
    mine = requests[(requests["namespace"] == route["namespace"]) & (requests["route"] == route["name"])]
    assert mine.empty
    counted = snap.normal_lines.count(route["namespace"], route["name"])
    assert route["requests"] == counted > 0
    assert route["errors"] == {"502": 0, "503": 0, "504": 0}
    assert route["verdict"] == "healthy"
    checks = {c["check"]: c for c in route["checklist"]}
    assert checks["timeout-sufficient"]["detail"] == f"no server timeout (504 sH) in {counted} requests"
    assert checks["capacity-sufficient"]["detail"] == f"no queueing in {counted} requests"
    assert checks["tls-matches-backend"]["detail"] == f"{counted} requests completed through the backend"


def test_a_passthrough_route_reads_its_counted_tcp_lines_as_its_rows(monkeypatch: pytest.MonkeyPatch):
    """Its TCP lines (no status) leave the rows; its log checks still count them as lines completed through
    the backend but never as answered below 500, and no "served fine" answer is read into them (a TCP line
    is no HTTP response, as its row was not)."""
    rows, counted = (_load("healthy-two-namespaces", mode, monkeypatch) for mode in ("rows", "counted"))
    tcp = counted.normal_lines.count("newsroom", "feeds")
    assert tcp > 0 and counted.normal_lines.count("newsroom", "feeds", answered=True) == 0
    kept = counted.frame("requests")
    assert not ((kept["namespace"] == "newsroom") & (kept["route"] == "feeds")).any()
    by_mode = []
    for snap in (rows, counted):
        ctx = Context(snap)
        by_mode.append({(r.namespace, r.name): (_log_counts(ctx, r), served_fine(ctx, r))
                        for r in common.routes(ctx)})
    assert by_mode[1] == by_mode[0]
    counts, fine = by_mode[1][("newsroom", "feeds")]
    assert counts.lines == counts.completed_tcp == tcp and counts.answered == 0 and not fine
