"""Every scenario under fixtures/scenarios yields its reviewed answer, with evidence that exists."""

from __future__ import annotations

import copy
import functools
import gzip
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from analyzer import host_routes, ledger
from analyzer.registry import all_rules
from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from parsers.snapshot import Snapshot
from tests.conftest import FIXTURES

SCENARIOS = FIXTURES / "scenarios"
SCENARIO_DIRS = sorted(p for p in SCENARIOS.iterdir() if p.is_dir() and (p / "expected.json").exists())


def scenario_inputs(scenario: Path) -> tuple[list[str], list[str]]:
    inputs = sorted(str(p) for p in scenario.iterdir() if p.is_dir() and not p.name.startswith("_"))
    logs = [str(scenario / "access.log")] if (scenario / "access.log").exists() else []
    return inputs, logs


@functools.cache
def scenario_snapshot(scenario: Path) -> Snapshot:
    """A scenario loaded as the library loads it (``load_snapshot(*scenario_inputs(scenario))``, no option),
    once for every test module of a test process that asks it: several modules compare answers over every
    scenario's snapshot. Read-only once loaded (``parsers.snapshot.Snapshot``; what the analysis caches lives
    on its ``Context``), so a caller must not change it, and a test that changes how logs are loaded
    (environment, patched loader) loads its own."""
    return load_snapshot(*scenario_inputs(scenario))


def run_scenario(scenario: Path):
    inputs, logs = scenario_inputs(scenario)
    snap = load_snapshot(inputs, logs)
    return analyze(snap, tool_version="test")


@functools.cache
def _scenario_answer(scenario: Path) -> dict:
    """``run_scenario(scenario).to_dict()`` on the process's :func:`scenario_snapshot`, computed once for the
    four tests below that read every scenario's answer (each gets a copy: one test cannot change another's)."""
    return analyze(scenario_snapshot(scenario), tool_version="test").to_dict()


def scenario_answer(scenario: Path) -> dict:
    return copy.deepcopy(_scenario_answer(scenario))


def golden(result: dict) -> dict:
    """The exact parts of a scenario's answer kept in ``expected.json``: every route's verdict and ledger."""
    key = "{namespace}/{name}".format
    return {
        "verdicts": {key(**r): r["verdict"] for r in result["routes"]},
        "error_ledgers": {key(**r): r["error_ledger"] for r in result["routes"]},
    }


def _update_golden(scenario: Path, expected: dict, result: dict) -> dict:
    """``UPDATE_GOLDEN=1``: rewrite the exact parts; the reviewed findings and description stay as written. A
    scenario with a known gap (``xfail_golden``) keeps its reviewed answer: the wrong one is not recorded."""
    if expected.get("xfail_golden"):
        return expected
    expected = {**expected, **golden(result)}
    (scenario / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    return expected


def _matches(finding: dict, wanted: dict) -> bool:
    return all(finding.get(k) == v for k, v in wanted.items())


def _known_gaps(scenarios: list[Path], key: str) -> list:
    """Scenarios whose ``expected.json`` names a known gap under ``key``: strict xfail with that reason, so the
    mark must go once the analyzer gets the story right."""
    out = []
    for scenario in scenarios:
        reason = json.loads((scenario / "expected.json").read_text()).get(key)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(scenario, id=scenario.name, marks=marks))
    return out


@pytest.mark.parametrize("scenario", _known_gaps(SCENARIO_DIRS, "xfail_golden"))
def test_scenario_yields_its_golden_answer(scenario: Path):
    expected = json.loads((scenario / "expected.json").read_text())
    result = scenario_answer(scenario)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected = _update_golden(scenario, expected, result)
    findings = result["findings"]
    for wanted in expected.get("findings", []):
        assert any(_matches(f, wanted) for f in findings), (
            f"missing {wanted}; got {[(f['code'], f['cause'], f['namespace'], f['route']) for f in findings]}"
        )
    fired = {f["code"] for f in findings}
    for code in expected.get("not_codes", []):
        assert code not in fired, f"{code} fired: {[f['title'] for f in findings if f['code'] == code]}"
    exact = golden(result)
    assert exact["verdicts"] == expected.get("verdicts"), "verdicts differ (every route is pinned)"
    assert exact["error_ledgers"] == expected.get("error_ledgers"), "error ledgers differ (UPDATE_GOLDEN=1 to review)"
    if scenario.name.startswith("healthy-"):
        assert not [f for f in findings if f["severity"] == "critical"]
    assert result["rule_errors"] == []


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_every_cited_line_exists_in_the_inputs(scenario: Path):
    result = scenario_answer(scenario)
    for finding in result["findings"]:
        assert finding["evidence"], f"{finding['id']} has no evidence"
        for ev in finding["evidence"]:
            if ev["line"] is None:
                continue
            path = _resolve(scenario, ev["input"], ev["source"])
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            lines = raw.decode("utf-8", errors="replace").splitlines()
            assert 1 <= ev["line"] <= len(lines), f"{ev} beyond end of {path}"
            assert ev["text"].strip() in lines[ev["line"] - 1], f"{finding['id']}: {ev} not at {path}:{ev['line']}"


def _resolve(scenario: Path, input_path: str | None, source: str) -> Path:
    base = Path(input_path) if input_path else scenario
    return base / source if base.is_dir() else base


def test_every_rule_has_a_firing_and_a_quiet_scenario():
    names = [p.name for p in SCENARIO_DIRS]
    missing = []
    for rule in all_rules():
        if not any(n.startswith(f"{rule.code}-fires-") for n in names):
            missing.append(f"{rule.code}-fires-*")
        if not any(n.startswith(f"{rule.code}-quiet-") for n in names):
            missing.append(f"{rule.code}-quiet-*")
    assert not missing, f"scenarios missing: {missing}"


LAB_LOG = FIXTURES / "haproxy-lab" / "access.log"
LOOKING = re.compile(r"oc (-n \S+ )?(describe|get|logs|exec|rsh)\b|oc adm inspect\b")


@pytest.mark.parametrize("scenario", [p for p in SCENARIO_DIRS if p.name.startswith("lab-")],
                         ids=[p.name for p in SCENARIO_DIRS if p.name.startswith("lab-")])
def test_lab_scenarios_use_real_haproxy_lines_verbatim(scenario: Path):
    recorded = set(LAB_LOG.read_text().splitlines())
    [log] = list(scenario.rglob("current.log"))
    lines = [line for line in log.read_text().splitlines() if line]
    assert lines and all(line in recorded for line in lines)


def test_at_least_three_scenarios_come_from_the_real_haproxy_run():
    assert len([p for p in SCENARIO_DIRS if p.name.startswith("lab-")]) >= 3


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_remediation_is_the_fix_and_its_patches_are_valid_json(scenario: Path):
    """A fix the engineer pastes must work: every `-p '<json>'` payload parses (placeholders aside).

    The remediation is the change to make; commands that only look (`oc describe/get/logs/exec`) are
    diagnostics, never in the remediation (contract v1.1).
    """
    for finding in scenario_answer(scenario)["findings"]:
        looks = [c for c in finding["remediation"] if LOOKING.match(c)]
        assert not looks, f"{finding['id']}: confirming commands in the remediation: {looks}"
        for command in finding["remediation"]:
            if " -p '" not in command:
                continue
            payload = command.split(" -p '", 1)[1].rsplit("'", 1)[0]
            if "<" in payload:
                continue  # an explicit placeholder the engineer must fill in
            json.loads(payload)


def _router_side(status: object, term: object) -> bool:
    """The contract's definition, restated line by line: 5xx, first state character not '-', 'C' or 'c'."""
    if status is None or pd.isna(status) or not 500 <= int(status) <= 599:
        return False
    first = str(term)[:1] if isinstance(term, str) and term else "-"
    return first not in ("-", "C", "c")


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_every_router_side_5xx_is_counted_exactly_once(scenario: Path):
    """Ledger property on every scenario: the parts add up, and each line is in one route's ledger once."""
    snap = scenario_snapshot(scenario)
    result = scenario_answer(scenario)
    requests = snap.frame("requests")
    routes = {(r["namespace"], r["name"]) for r in result["routes"]}
    own = sum(
        1
        for ns, route, status, term in zip(requests["namespace"], requests["route"], requests["status"],
                                           requests["term"], strict=True)
        if (ns, route) in routes and _router_side(status, term)
    )
    by_host = host_routes.default_line_routes(requests, snap.frame("routes"))
    attributed = sum(
        1
        for label, (ns, route) in zip(by_host.index, zip(by_host["namespace"], by_host["route"], strict=True),
                                      strict=True)
        if (ns, route) in routes and _router_side(requests.loc[label, "status"], requests.loc[label, "term"])
    )
    counted = 0
    owned: dict[str, int] = {}
    for r in result["routes"]:
        led = r["error_ledger"]
        if led is None:
            assert r["requests"] is None and r["errors"] is None
            continue
        assert led["explained"] + led["unexplained"] == led["router_side_5xx"]
        assert sum(s["requests"] for s in led["by_finding"]) == led["explained"]
        assert sum(g["requests"] for g in led["unexplained_groups"]) == led["unexplained"]
        assert all(s["finding"] in r["findings"] for s in led["by_finding"])
        counted += led["router_side_5xx"]
        for s in led["by_finding"]:
            owned[s["finding"]] = owned.get(s["finding"], 0) + s["requests"]
    assert counted == own + attributed
    keyed = ledger.line_routes(requests, snap.frame("routes"), ledger.router_side_mask(requests))
    assert keyed.index.is_unique, "a log line is in two routes' ledgers"
    assert counted == sum((ns, route) in routes for ns, route in zip(keyed["namespace"], keyed["route"], strict=True))
    affected = {f["id"]: f["affected_requests"] for f in result["findings"]}
    assert all(n <= affected[fid] for fid, n in owned.items())
    summary = result["summary"]
    if snap.has_access_logs:
        assert summary["router_side_5xx"] == counted
        assert summary["router_side_5xx_explained"] == sum(owned.values())
    else:
        assert summary["router_side_5xx"] is None and summary["requests"] is None
