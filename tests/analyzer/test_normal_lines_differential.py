"""The normal lines counted (``MGA_NORMAL_LINES=counted``) give the report the rows gave: the reference
path.

``mga analyze`` keeps the rows of the routes the inputs hold; counted, their normal lines (answered
below 500 or a passthrough route's TCP line closed ``--``, connected, unqueued, dated:
``parsers.normal_lines``) leave each chunk as counts and accept times instead. Every rule, the
checklist, the ledger and the route tables read both, so the contract JSON must be identical to the one
where every line stays a row (``MGA_NORMAL_LINES=rows``, the path kept as the reference until it is
removed): on every scenario, on one scenario's objects with every scenario's logs, with the Dask engine,
and on a generated application's log whose every line belongs to routes of the inputs (nearly all of
them normal, as on a busy application's router).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.run import analyze
from bench.gen_logs import generate as generate_log
from bench.gen_logs import write_routes_dump
from parsers import normal_lines
from parsers.load_snapshot import load_snapshot
from parsers.snapshot import Snapshot
from tests.analyzer.test_kept_rows import WITH_LOGS, _all_logs, every_line_logs
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def _report(snap: Snapshot) -> dict:
    return json.loads(json.dumps(analyze(snap, tool_version="test", now=NOW).to_dict(), sort_keys=True,
                                 default=str))


def _both(monkeypatch: pytest.MonkeyPatch, inputs: list[str], logs: list[str],
          **options: object) -> tuple[Snapshot, Snapshot, dict]:
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")
    rows = load_snapshot(inputs, logs, keep_all_requests=False, **options)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "counted")
    counted = load_snapshot(inputs, logs, keep_all_requests=False, **options)
    report = _report(counted)
    assert report == _report(rows)
    assert not len(rows.normal_lines)  # the reference held every line as a row
    return rows, counted, report


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_scenario_report_with_normal_lines_counted_equals_the_rows(monkeypatch, scenario: Path):
    rows, counted, _ = _both(monkeypatch, *scenario_inputs(scenario))
    kept, normal = len(counted.frame("requests")), len(counted.normal_lines)
    assert kept + normal == len(rows.frame("requests"))  # each line a row or counted, never both


def test_normal_lines_were_really_counted_somewhere():
    """The comparison above means something only if scenarios' lines leave the rows: most do."""
    counted = 0
    for scenario in WITH_LOGS[::4]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(normal_lines.ENVIRONMENT, "counted")
            snap = load_snapshot(*scenario_inputs(scenario), keep_all_requests=False)
        counted += len(snap.normal_lines) > 0
    assert counted >= len(WITH_LOGS[::4]) // 2


@pytest.fixture(scope="module")
def grouped_logs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return every_line_logs(tmp_path_factory.mktemp("every-line"))


@pytest.mark.parametrize("scenario", WITH_LOGS[1::4], ids=[p.name for p in WITH_LOGS[1::4]])
def test_one_scenario_with_every_scenario_log(monkeypatch, scenario: Path, grouped_logs: list[str]):
    """Every scenario's lines, in ``every_line_logs``' few files (the test below reads them file by file)."""
    inputs, _ = scenario_inputs(scenario)
    _both(monkeypatch, inputs, grouped_logs)


def test_one_scenario_with_every_scenario_log_file_by_file(monkeypatch):
    """The first scenario above with every scenario's log as its own file, as the router's pods write them."""
    inputs, _ = scenario_inputs(WITH_LOGS[1])
    _both(monkeypatch, inputs, _all_logs())


def _tcp_rows(snap: Snapshot) -> int:
    """How many rows are TCP lines of a passthrough route (no status, backend kind ``be_tcp``)."""
    req = snap.frame("requests")
    return int((req["status"].isna() & (req["backend_kind"].astype("string") == "be_tcp").fillna(False)).sum())


def test_a_busy_application_log_kept_whole(monkeypatch, tmp_path: Path):
    """Every line of a generated log belongs to the dump's routes (ten of them, three passthrough): the HTTP
    routes' answers below 500 and the passthrough routes' TCP lines closed ``--`` are counted (nearly every
    line); the TCP connections the router could not open (``SC``, ``Tc`` -1) stay rows, and the report
    (their ``tcp_failures``, the checklist's completed TCP lines) is the rows' one."""
    log = tmp_path / "access.log"
    generate_log(20_000, log, first_routes=10)
    dump = tmp_path / "routes.yaml"
    write_routes_dump(dump, namespaces=1)
    rows, counted, report = _both(monkeypatch, [str(dump)], [str(log)])
    assert len(counted.normal_lines) > 0.9 * len(rows.frame("requests"))
    assert sum(r["requests"] or 0 for r in report["routes"]) == len(rows.frame("requests"))
    tcp_rows, tcp_left = _tcp_rows(rows), _tcp_rows(counted)
    assert tcp_rows > 0.25 * len(rows.frame("requests"))  # the passthrough routes' lines are there
    assert 0 < tcp_left < 0.1 * tcp_rows  # most of them counted, the failed connections kept as rows
    assert any("passthrough connections the router could not open" in r["verdict_detail"] for r in report["routes"])
    assert len(counted.frame("requests")) + len(counted.normal_lines) == len(rows.frame("requests"))


def test_the_dask_engine_counts_the_same_lines(monkeypatch):
    """Workers run the chunks' split too (the job says so, not their environment): the same counts."""
    distributed = pytest.importorskip("distributed")
    import logging

    from mga.dask_engine import DaskChunks

    scenario = next(p for p in WITH_LOGS if p.name.startswith("time-oom"))
    inputs, logs = scenario_inputs(scenario)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "counted")
    local = load_snapshot(inputs, logs, keep_all_requests=False)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")  # the workers' environment: the job decides, not it
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client:
            monkeypatch.setenv(normal_lines.ENVIRONMENT, "counted")
            spread = load_snapshot(inputs, logs, keep_all_requests=False, log_runner=DaskChunks(client, 4096))
    finally:
        cluster.close()
    assert len(local.normal_lines) > 0
    assert spread.normal_lines.keys == local.normal_lines.keys
    assert [t.tolist() for t in spread.normal_lines.times] == [t.tolist() for t in local.normal_lines.times]
