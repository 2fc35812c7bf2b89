"""``mga analyze`` keeps request rows only for the namespaces the inputs hold objects of: same report.

``load_snapshot(keep_all_requests=False)`` parses every line but keeps full rows only for requests
of namespaces some object frame has, of no namespace and of 5xx answers; every request counts in the
snapshot's ``LogTotals``. The reference is the full frame (``keep_all_requests=True``): the contract
JSON must be identical on every scenario, on every scenario's objects read with *all* scenarios'
logs (most lines then name namespaces without objects, so their rows are left out), and on the real
must-gather with a generated router log of thousands of routes it holds nothing of. The totals
themselves are compared with what the report computed from the full frame before they existed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from analyzer.run import analyze
from bench.gen_logs import generate as generate_log
from parsers import log_lines
from parsers.load_snapshot import load_snapshot, object_namespaces
from parsers.log_keep import keep_rows
from parsers.log_totals import LogTotals
from parsers.snapshot import Snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs
from tests.conftest import realworld

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def _access_logs(scenario: Path) -> list[str]:
    """The router access logs inside a scenario's must-gather (the ``logs`` sidecar's files)."""
    return sorted(str(p) for p in scenario.glob("*/*/namespaces/openshift-ingress/pods/*/logs/logs/logs/*.log"))


WITH_LOGS = [p for p in SCENARIO_DIRS if _access_logs(p)]


def _report(snap: Snapshot, **options: object) -> dict:
    return json.loads(json.dumps(analyze(snap, tool_version="test", now=NOW, **options).to_dict(), sort_keys=True,
                                 default=str))


def _both(inputs: list[str], logs: list[str], **options: object) -> tuple[Snapshot, Snapshot, dict]:
    full = load_snapshot(inputs, logs)
    kept = load_snapshot(inputs, logs, keep_all_requests=False)
    report = _report(kept, **options)
    assert report == _report(full, **options)
    return full, kept, report


def _all_logs() -> list[str]:
    return [log for p in SCENARIO_DIRS for log in _access_logs(p)]


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_scenario_report_with_kept_rows_equals_the_full_frame(scenario: Path):
    _both(*scenario_inputs(scenario))


@pytest.mark.parametrize("scenario", WITH_LOGS[::3], ids=[p.name for p in WITH_LOGS[::3]])
def test_one_scenario_with_every_scenario_log_equals_the_full_frame(scenario: Path):
    """Most lines then name namespaces the inputs hold nothing of: their rows go, the report stays."""
    inputs, _ = scenario_inputs(scenario)
    full, kept, report = _both(inputs, _all_logs())
    assert len(kept.frame("requests")) < len(full.frame("requests"))  # rows were really left out
    assert report["summary"]["requests"] == len(full.frame("requests"))  # and still counted


def test_namespace_filter_with_kept_rows_equals_the_full_frame():
    inputs = [i for p in WITH_LOGS[::5] for i in scenario_inputs(p)[0]]
    full = load_snapshot(inputs, _all_logs())
    namespaces = sorted({str(ns) for ns in full.frame("routes")["namespace"].dropna()})[::2]
    _both(inputs, _all_logs(), namespaces=namespaces)


def test_kept_rows_are_those_of_object_namespaces_of_none_and_5xx():
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    full = load_snapshot(inputs, _all_logs())
    kept = load_snapshot(inputs, _all_logs(), keep_all_requests=False)
    mine = object_namespaces(full.frames)
    names = full.frame("requests")["namespace"].astype(object)
    five = full.frame("requests")["status"].between(500, 599).fillna(False).astype(bool)
    expected = full.frame("requests")[names.isna() | names.isin(mine) | five]
    got = kept.frame("requests")
    assert len(got) == len(expected) > 0
    pairs = ["input", "source", "line"]
    assert got[pairs].astype(str).values.tolist() == expected[pairs].astype(str).values.tolist()
    assert kept.log_accounting == full.log_accounting  # every line still accounted for


def test_keep_rows_keeps_rows_without_namespace_and_5xx_and_drops_the_others():
    names = pa.array(["a", None, "b", "c", None, "a", "b", "b"]).dictionary_encode()
    status = pa.array([200, 200, 200, 503, None, 404, None, 600])
    table = pa.table({"namespace": names, "status": status, "line": pa.array(range(8))})
    assert keep_rows(table, frozenset({"a"})).column("line").to_pylist() == [0, 1, 3, 4, 5]
    assert keep_rows(table, frozenset({"a", "b", "c"})) is table
    only_named = pa.table({"namespace": pa.array(["b", "c"]).dictionary_encode(), "status": pa.array([200, 499]),
                           "line": pa.array([0, 1])})
    assert keep_rows(only_named, frozenset({"a"})) is None


def _reference_totals(requests: pd.DataFrame) -> dict:
    """What ``analyzer.run`` and I703 computed from the full frame before the totals existed."""
    status = requests["status"].dropna().astype("int64").value_counts().sort_index()
    dated = requests["ts"].dropna()
    return {
        "requests": len(requests),
        "statuses": {int(k): int(v) for k, v in status.items()},
        "window": (dated.min().value, dated.max().value) if len(dated) else None,
        "actconn": not requests["actconn"].isna().all() if len(requests) else False,
    }


def _busy(requests: pd.DataFrame, limit: int) -> tuple[int, set[int], int | None, int | None]:
    busy = (requests["actconn"] >= limit).fillna(False).astype(bool)
    minute = requests["ts"].dt.floor("min")
    minutes = {m.value for m in minute[busy].dropna()}
    ts = requests.loc[busy, "ts"].dropna()
    return int(busy.sum()), minutes, (ts.min().value if len(ts) else None), (ts.max().value if len(ts) else None)


@pytest.mark.parametrize("chunk", [None, 4096], ids=["one-chunk", "4-kib-chunks"])
def test_streamed_totals_equal_the_full_frame_figures(chunk: int | None, monkeypatch):
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    snap = load_snapshot(inputs, _all_logs(), keep_all_requests=False)
    full = load_snapshot(inputs, _all_logs()).frame("requests")
    totals = snap.totals()
    ref = _reference_totals(full)
    assert totals.requests() == ref["requests"] > 1000
    assert totals.status_counts() == ref["statuses"]
    assert totals.time_range() == ref["window"]
    assert totals.has_actconn == ref["actconn"]
    values = sorted(full["actconn"].dropna().astype("int64").unique())
    for limit in [values[0], values[len(values) // 2], values[-1], values[-1] + 1]:
        n, first, last = totals.actconn_at_least(int(limit))
        busy, minutes, ref_first, ref_last = _busy(full, int(limit))
        assert (n, first, last) == (busy, ref_first, ref_last)
        assert totals.minutes_with_actconn_at_least(int(limit)) == minutes
    some = frozenset(sorted({str(n) for n in full["namespace"].dropna()})[:3])
    mine = full[full["namespace"].astype(object).isin(some)]
    assert totals.requests(some) == len(mine)
    assert totals.status_counts(some) == _reference_totals(mine)["statuses"]
    assert totals.time_range(some) == _reference_totals(mine)["window"]
    assert LogTotals.of_frame(full) == totals  # the fallback for snapshots built without a parse


def test_real_must_gather_with_a_router_log_of_other_routes_equals_the_full_frame(tmp_path: Path):
    """The bench's case: a router log of 5,000 generated routes beside a real must-gather."""
    archive = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    log = tmp_path / "router.log"
    generate_log(30_000, log, seed=3)
    full, kept, report = _both([str(archive)], [str(log)])
    assert len(kept.frame("requests")) < len(full.frame("requests")) // 10  # the 5xx rows (2 %) stay
    assert report["summary"]["requests"] == len(full.frame("requests")) and report["summary"]["status_counts"]
    assert report["window"]["source"] == "access-log"
