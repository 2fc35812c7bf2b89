"""The answers a route's lines give the port, network and route rules, asked of its rows and its counted normal
lines (analyzer/rules/answered_lines.py): the same whether ``mga analyze`` keeps the normal lines as rows or
counts them (``MGA_NORMAL_LINES``)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pandas as pd
import pytest

from analyzer.context import Context
from analyzer.rules import answered_lines, common
from analyzer.rules.network import n401_network_policy_blocks_router as n401
from analyzer.rules.ports import p301_service_target_port_not_served as p301
from analyzer.rules.ports import shared as ports
from analyzer.rules.routes import r101_route_not_admitted as r101
from analyzer.rules.routes import r103_route_target_port_matches_nothing as r103
from parsers.load_snapshot import load_snapshot
from parsers.normal_lines import ENVIRONMENT, NormalLines
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs


# ------------------------------------------------------------------ line_span on a route's keys
def _normal(*rows: tuple[str, str, str, int]) -> NormalLines:
    """Normal lines of namespace ``n``: (route, backend kind, accept time, status) each."""
    frame = pd.DataFrame({
        "namespace": ["n"] * len(rows), "route": [r[0] for r in rows],
        "backend_kind": [r[1] for r in rows], "server_kind": ["pod"] * len(rows),
        "ts": pd.to_datetime([r[2] for r in rows], utc=True),
        "status": pd.array([r[3] for r in rows], dtype="Int16"),
        "term": ["--"] * len(rows), "Tc": pd.array([0] * len(rows), dtype="Int8"),
    })
    return NormalLines.of_frame(frame)


def _rows(*times: str) -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.to_datetime(list(times), utc=True)})


ROUTE = SimpleNamespace(namespace="n", name="web")
OWN = r101._own_backend  # the selection R101 makes of rows and keys alike


def _at(text: str) -> datetime:
    return pd.Timestamp(text).to_pydatetime()


def test_line_span_counts_the_rows_and_the_normal_lines_a_selection_takes():
    ctx = SimpleNamespace(normal_lines=_normal(("web", "be_http", "2026-11-20T08:40:00.000Z", 200),
                                               ("web", "be_http", "2026-11-20T08:50:00.000Z", 404),
                                               ("web", "openshift_default", "2026-11-20T08:30:00.000Z", 200),
                                               ("api", "be_http", "2026-11-20T08:00:00.000Z", 200)))
    span = answered_lines.line_span(ctx, ROUTE, _rows("2026-11-20T08:45:00Z"), OWN)
    assert (span.count, span.first, span.last) == (3, _at("2026-11-20T08:40:00Z"), _at("2026-11-20T08:50:00Z"))
    # a row earlier than every normal line starts the span; without a selection no normal line counts
    span = answered_lines.line_span(ctx, ROUTE, _rows("2026-11-20T08:35:00Z"), OWN)
    assert (span.first, span.last) == (_at("2026-11-20T08:35:00Z"), _at("2026-11-20T08:50:00Z"))
    assert answered_lines.line_span(ctx, ROUTE, _rows("2026-11-20T08:35:00Z"), None).count == 1


def test_line_span_of_a_route_with_only_normal_lines_or_none():
    ctx = SimpleNamespace(normal_lines=_normal(("web", "be_http", "2026-11-20T08:40:00.001Z", 200)))
    span = answered_lines.line_span(ctx, ROUTE, _rows(), OWN)
    assert (span.count, span.first, span.last, span.empty) == (
        1, _at("2026-11-20T08:40:00.001Z"), _at("2026-11-20T08:40:00.001Z"), False)
    assert span.first.tzinfo is not None  # as a row's time reads
    none = answered_lines.line_span(SimpleNamespace(normal_lines=NormalLines()), ROUTE, _rows(), OWN)
    assert (none.count, none.first, none.last, none.empty) == (0, None, None, True)


def test_a_key_a_selection_cannot_judge_is_not_taken():
    ctx = SimpleNamespace(normal_lines=_normal(("web", None, "2026-11-20T08:40:00.000Z", 200)))
    assert answered_lines.normal_keys(ctx, ROUTE, OWN).empty  # NA != "openshift_default": not taken, as rows
    assert answered_lines.line_span(ctx, ROUTE, _rows(), r103._answered).count == 1  # R103: own


# ------------------------------------------------------------------ the same answers in both modes
# the stories of the rules that ask these questions (P301/P302, N401, R101/R103), and their time stories
NAMES = ("P30", "N40", "R101", "R103", "time-service-port", "time-netpol", "time-route")
READ = [d for d in SCENARIO_DIRS if d.name.startswith(NAMES)]


def _moments(rows: pd.DataFrame) -> list[pd.Timestamp]:
    """Moments to ask "the first answer after": before the first line, exactly at lines, after the last."""
    times = rows["ts"].dropna().sort_values()
    if times.empty:
        return []
    picked = [times.iloc[0] - pd.Timedelta(milliseconds=1), times.iloc[0], times.iloc[len(times) // 2],
              times.iloc[len(times) // 2] + pd.Timedelta(microseconds=300), times.iloc[-1]]
    return sorted(set(picked))


def _answers(ctx: Context, full: dict) -> dict:
    out = {}
    for route in common.routes(ctx):
        rows = full.get((route.namespace, route.name), pd.DataFrame({"ts": [], "server": []}))
        port_names = {ports.server_port(s) for s in rows["server"].dropna().unique()} - {None}
        refused = ports.refused_requests(ctx, route)
        out[(route.namespace, route.name)] = (
            ports.served_fine(ctx, route),
            n401._served(ctx, route, common.route_pod_names(ctx, route)),
            r101._served_by_log(ctx, route),
            r103.answered_requests(ctx, route),
            p301.refusal_share(ctx, route, refused),
            {(port, moment): ports._first_answer_at(ctx, route, port, moment)
             for port in sorted(port_names) for moment in _moments(rows)},
        )
    return out


@pytest.mark.parametrize("scenario", READ, ids=lambda d: d.name)
def test_the_rules_read_the_same_answers_from_counted_normal_lines(scenario, monkeypatch):
    inputs, logs = scenario_inputs(scenario)
    monkeypatch.setenv(ENVIRONMENT, "rows")
    rows_snap = load_snapshot(inputs, logs, keep_all_requests=False)
    req = rows_snap.frame("requests")
    full = {key: group for key, group in req.groupby(["namespace", "route"], observed=True)} if not req.empty else {}
    expected = _answers(Context(rows_snap), full)
    monkeypatch.setenv(ENVIRONMENT, "counted")
    counted_snap = load_snapshot(inputs, logs, keep_all_requests=False)
    assert _answers(Context(counted_snap), full) == expected


def test_some_scenario_counts_normal_lines_the_rules_read():
    """The comparison above is not empty: a scenario's served route has its answers counted, not kept."""
    scenario = next(d for d in READ if d.name == "time-service-port-fixed-before-collection")
    inputs, logs = scenario_inputs(scenario)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENVIRONMENT, "counted")
        ctx = Context(load_snapshot(inputs, logs, keep_all_requests=False))
    [route] = list(common.routes(ctx))
    assert ctx.normal_lines.count(route.namespace, route.name) > 0
    assert ports.served_fine(ctx, route)
    assert ports._first_answer_at(ctx, route, 8080, pd.Timestamp("2026-11-20T08:45:50.415Z")) == datetime(
        2026, 11, 20, 8, 46, 0, 552000, tzinfo=UTC)
