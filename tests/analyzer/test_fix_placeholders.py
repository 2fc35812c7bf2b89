"""A finding's fix and check commands hold no ``<placeholder>``: pasted, a shell reads ``<pod>`` as a redirection
from a file called ``pod`` (and ``>`` after it as an error), so a command either names the real object or an
upper-case word to replace that its comment explains."""

from __future__ import annotations

import re

import pytest

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, SCENARIOS, scenario_inputs

ANGLE = re.compile(r"<(?!NOSRV>)[A-Za-z][\w ./-]*>")


def _code(command: str) -> str:
    """The part of a command a shell runs: before a ``#`` that starts a comment (the whole line when it is one)."""
    if command.lstrip().startswith("#"):
        return ""
    return re.split(r"\s#", command, maxsplit=1)[0]


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_no_command_of_a_finding_holds_an_angle_bracket_placeholder(scenario):
    inputs, logs = scenario_inputs(scenario)
    report = analyze(load_snapshot(inputs, logs, keep_all_requests=False), tool_version="test").to_dict()
    for finding in report["findings"]:
        for command in finding["remediation"] + finding["diagnostics"]:
            assert not ANGLE.search(_code(command)), (finding["code"], command)


def test_the_check_finds_a_placeholder_where_one_is():
    assert ANGLE.search(_code("oc -n shop logs <pod>  # what it said"))
    assert not ANGLE.search(_code("oc -n shop logs POD  # POD: <a pod>"))
    assert not ANGLE.search(_code("# bind 0.0.0.0:<port>"))


def test_b504_reads_the_logs_of_the_pod_that_closed_the_connections():
    scenario = next(p for p in SCENARIO_DIRS if p.name == "B504-fires-app-timeout")
    inputs, logs = scenario_inputs(scenario)
    report = analyze(load_snapshot(inputs, logs, keep_all_requests=False), tool_version="test").to_dict()
    [b504] = [f for f in report["findings"] if f["code"] == "B504"]
    assert b504["diagnostics"] == ["oc -n claims logs --since-time=2026-11-20T08:30:00Z intake-7c9d5b6f48-k2x9p  "
                                   "# what the application said"]


@pytest.mark.parametrize("name", ["I704-fires-drain-took-every-replica", "E203-fires-transient-outage",
                                  "K602-fires-rollout-no-prestop"])
def test_a_fix_for_a_workload_the_inputs_do_not_name_says_what_to_fill_in(name, monkeypatch):
    """Pods without a known owner (no ReplicaSet or Deployment collected): the fix names ``DEPLOYMENT`` (and
    ``LABELS`` where no selector is known) and its comment says what to put there, never ``<name>``."""
    from analyzer.rules import common

    monkeypatch.setattr(common, "workload_of", lambda ctx, pods: None)
    monkeypatch.setattr(common, "route_workload", lambda ctx, route: None)
    inputs, logs = scenario_inputs(SCENARIOS / name)
    report = analyze(load_snapshot(inputs, logs, keep_all_requests=False), tool_version="test").to_dict()
    code = name.split("-")[0]
    fixes = [c for f in report["findings"] if f["code"] == code for c in f["remediation"]]
    filled = [c for c in fixes if "DEPLOYMENT" in _code(c)]
    assert filled, fixes
    for command in fixes:
        assert not ANGLE.search(_code(command)), command
    for command in filled:
        assert "DEPLOYMENT: the workload whose pods serve the route" in command, command
