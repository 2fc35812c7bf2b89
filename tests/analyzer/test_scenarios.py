"""Every scenario under fixtures/scenarios yields its reviewed answer, with evidence that exists."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from analyzer.registry import all_rules
from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.conftest import FIXTURES

SCENARIOS = FIXTURES / "scenarios"
SCENARIO_DIRS = sorted(p for p in SCENARIOS.iterdir() if p.is_dir() and (p / "expected.json").exists())


def scenario_inputs(scenario: Path) -> tuple[list[str], list[str]]:
    inputs = sorted(str(p) for p in scenario.iterdir() if p.is_dir() and not p.name.startswith("_"))
    logs = [str(scenario / "access.log")] if (scenario / "access.log").exists() else []
    return inputs, logs


def run_scenario(scenario: Path):
    inputs, logs = scenario_inputs(scenario)
    snap = load_snapshot(inputs, logs)
    return analyze(snap, tool_version="test")


def _matches(finding: dict, wanted: dict) -> bool:
    return all(finding.get(k) == v for k, v in wanted.items())


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_scenario_yields_its_golden_answer(scenario: Path):
    expected = json.loads((scenario / "expected.json").read_text())
    result = run_scenario(scenario).to_dict()
    findings = result["findings"]
    for wanted in expected.get("findings", []):
        assert any(_matches(f, wanted) for f in findings), (
            f"missing {wanted}; got {[(f['code'], f['cause'], f['namespace'], f['route']) for f in findings]}"
        )
    fired = {f["code"] for f in findings}
    for code in expected.get("not_codes", []):
        assert code not in fired, f"{code} fired: {[f['title'] for f in findings if f['code'] == code]}"
    verdicts = {f"{r['namespace']}/{r['name']}": r["verdict"] for r in result["routes"]}
    for key, verdict in expected.get("verdicts", {}).items():
        assert verdicts.get(key) == verdict, f"{key}: {verdicts.get(key)} != {verdict}"
    if scenario.name.startswith("healthy-"):
        assert not [f for f in findings if f["severity"] == "critical"]
    assert result["rule_errors"] == []


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_every_cited_line_exists_in_the_inputs(scenario: Path):
    result = run_scenario(scenario).to_dict()
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
def test_remediation_patches_are_valid_json(scenario: Path):
    """A fix the engineer pastes must work: every `-p '<json>'` payload parses (placeholders aside)."""
    for finding in run_scenario(scenario).to_dict()["findings"]:
        for command in finding["remediation"]:
            if " -p '" not in command:
                continue
            payload = command.split(" -p '", 1)[1].rsplit("'", 1)[0]
            if "<" in payload:
                continue  # an explicit placeholder the engineer must fill in
            json.loads(payload)
