"""The rule layer's promises: one module per rule in one table, skipped rules, and isolated failures."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import pandas as pd
import pytest

import analyzer.rules
from analyzer import registry, windows
from analyzer.context import INPUT_FRAMES, Context
from analyzer.model import Evidence, Severity
from analyzer.rule import INPUTS, LOGS, Rule, rule
from analyzer.run import RuleSkip, analyze, run_rules, skipped_rules
from analyzer.scope import FrameSplits, ScopedSnapshot
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIOS, scenario_inputs

RULES_DIR = Path(analyzer.rules.__file__).parent
FAMILIES = {"routes": "R1", "endpoints": "E2", "ports": "P3", "network": "N4", "backend": "B5", "lifecycle": "K6",
            "platform": "I7"}
NO_LOGS = SCENARIOS / "R101-fires-host-claimed"  # an archive without access logs; the route is not admitted


def context(scenario: Path, namespace: str) -> Context:
    snap = load_snapshot(*scenario_inputs(scenario))
    return Context(ScopedSnapshot(FrameSplits(snap), namespace))  # type: ignore[arg-type]


def made_up(code: str, needs: tuple = (), func=None) -> Rule:
    found = rule(code=code, name="made-up", cause="invalid-response", severity=Severity.INFO, needs=needs)
    if func is not None:
        found.check(func)
    return found


def never_called(ctx: Context):
    raise AssertionError("a rule whose input is missing ran")


def test_one_failing_rule_does_not_stop_the_others():
    def broken(ctx: Context):
        raise KeyError("no such column")

    r101 = registry.get_rule("R101")
    ctx = context(NO_LOGS, "storefront")
    findings, errors, skips = run_rules(ctx, [made_up("Z901", func=broken), r101])
    assert [f.code for f in findings] == ["R101"]
    assert len(errors) == 1 and errors[0]["code"] == "Z901"
    assert errors[0]["error"].startswith("KeyError: 'no such column' (")
    assert "test_rule_runner.py:" in errors[0]["error"]  # where in the rule it failed
    assert skips == []


def test_a_rule_without_its_input_is_skipped_not_run():
    ctx = context(NO_LOGS, "storefront")
    assert not ctx.has_input(LOGS)
    findings, errors, skips = run_rules(ctx, [made_up("Z902", needs=(LOGS,), func=never_called)])
    assert (findings, errors) == ([], [])
    assert skips == [RuleSkip("Z902", "router access logs", "storefront")]


def test_one_of_several_inputs_is_enough_and_none_is_a_skip():
    ctx = context(NO_LOGS, "storefront")
    assert ctx.has_input("pods")
    ran: list[str] = []
    present = made_up("Z903", needs=(("pods", LOGS),), func=lambda c: ran.append("Z903") or [])
    assert run_rules(ctx, [present]) == ([], [], [])
    assert ran == ["Z903"]
    ctx_elsewhere = context(NO_LOGS, "no-such-namespace")
    _, _, skips = run_rules(ctx_elsewhere, [made_up("Z904", needs=(("pods", LOGS),), func=never_called)])
    assert skips == [RuleSkip("Z904", "pods or router access logs", "no-such-namespace")]


def test_skips_become_one_entry_per_rule_and_missing_input():
    skips = [RuleSkip("B503", "router access logs", ns) for ns in ("a", "b")]
    skips += [RuleSkip("E201", "pods", ns) for ns in ("a", "b", "c", "d", "e", "f", "g")]
    entries = {s.source: s.reason for s in skipped_rules(skips)}
    assert entries == {
        "rule B503": "no router access logs in the inputs: what it checks stays unknown",
        "rule E201": "no pods in the inputs for namespaces a, b, c, d, e and 2 more",
    }


def test_log_rules_without_logs_are_skipped_in_the_result_and_unknown_in_the_checklist():
    result = analyze(load_snapshot(*scenario_inputs(NO_LOGS)), tool_version="test")
    reasons = {s.source: s.reason for s in result.skipped if s.source.startswith("rule ")}
    assert set(reasons) == {"rule B503", "rule B504", "rule I703"}  # the rules that read access logs alone
    assert result.rule_errors == []
    checks = {c.check: str(c.status) for r in result.routes for c in r.checklist}
    assert checks["capacity-sufficient"] == "unknown"


def test_every_input_a_rule_may_need_is_understood_by_the_context():
    assert set(INPUTS) == set(INPUT_FRAMES) | {LOGS}
    with pytest.raises(ValueError, match="unknown input"):
        rule(code="Z905", name="x", cause="invalid-response", severity=Severity.INFO, needs=("podz",))
    with pytest.raises(ValueError, match="unknown cause"):
        rule(code="Z906", name="x", cause="no-such-cause", severity=Severity.INFO)


def test_rule_finding_carries_the_declaration_and_keeps_fix_and_diagnostics_apart():
    r = made_up("Z907", func=never_called)
    ev = [Evidence("a.yaml", 1, "x")]
    f = r.finding(namespace="ns", route="web", title="t", explanation="e", evidence=ev,
                  remediation=["oc -n ns scale deployment/web --replicas=2"],
                  diagnostics=["oc -n ns get pods"], affected_requests=3)
    assert (f.code, f.cause, f.severity, f.doc) == ("Z907", "invalid-response", Severity.INFO, "mga rule Z907")
    assert (f.remediation, f.diagnostics, f.affected_requests) == (
        ["oc -n ns scale deployment/web --replicas=2"], ["oc -n ns get pods"], 3)
    worse = r.finding(namespace="ns", title="t", explanation="e", evidence=ev, remediation=[],
                      severity=Severity.CRITICAL)
    assert worse.severity is Severity.CRITICAL
    with pytest.raises(ValueError, match="second check"):
        r.check(never_called)


def _rule_modules() -> list[str]:
    found = []
    for family in FAMILIES:
        path = RULES_DIR / family
        found += [f"analyzer.rules.{family}.{m.name}" for m in pkgutil.iter_modules([str(path)]) if m.name != "shared"]
    return sorted(found)


def test_the_table_lists_every_rule_module_once_in_its_family():
    listed = sorted(m.__name__ for m in registry.TABLE)
    assert listed == _rule_modules()
    for r in registry.all_rules():
        family = r.module.split(".")[2]
        assert r.code.startswith(FAMILIES[family]), f"{r.code} sits in family {family}"
    assert {p.name for p in RULES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")} == set(FAMILIES)


def test_no_rule_module_imports_another_family_and_the_rule_leaf_imports_only_the_model():
    for path in RULES_DIR.rglob("*.py"):
        parts = path.relative_to(RULES_DIR).parts
        own = parts[0] if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analyzer.rules"):
                target = node.module.split(".")
                family = target[2] if len(target) > 2 else None
                names = [a.name for a in node.names]
                assert family in (None, own) or family not in FAMILIES, f"{path} imports family {family}"
                assert not (family is None and set(names) & set(FAMILIES)), f"{path} imports a family {names}"
            assert not (isinstance(node, ast.ImportFrom) and node.module == "analyzer.registry"), path
    leaf = Path(registry.__file__).with_name("rule.py")
    imports = {n.module for n in ast.walk(ast.parse(leaf.read_text())) if isinstance(n, ast.ImportFrom)}
    # analyzer.shell_words quotes names in every finding's commands: itself a leaf (re and shlex only)
    assert imports <= {"__future__", "collections.abc", "dataclasses", "typing", "analyzer.model", "analyzer.context",
                       "analyzer.shell_words"}
    words = Path(registry.__file__).with_name("shell_words.py")
    assert not [n for n in ast.walk(ast.parse(words.read_text())) if isinstance(n, ast.ImportFrom)
                and (n.module or "").startswith("analyzer")]


def test_near_an_event_is_one_window():
    t0 = pd.Timestamp("2026-11-20T08:00:00Z")
    rows = pd.DataFrame({"pod": ["a", "a", "b", None],
                         "ts": [t0 + windows.NEAR_EVENT, t0 + windows.NEAR_EVENT + pd.Timedelta(seconds=1), t0, t0]})
    assert windows.near_disruption(rows, {"a": [t0]}).tolist() == [True, False, False, False]
    assert windows.near_disruption(rows.assign(pod="a"), {"a": [t0]}).tolist() == [True, False, True, True]


def test_a_skip_names_the_inputs_it_lacked():
    """What a gap reads to say which inputs to collect (the words are for the skipped list)."""
    ctx_elsewhere = context(NO_LOGS, "no-such-namespace")
    _, _, [skip] = run_rules(ctx_elsewhere, [made_up("Z906", needs=(("pods", LOGS),), func=never_called)])
    assert skip.inputs == ("pods", LOGS) and skip.missing == "pods or router access logs"
