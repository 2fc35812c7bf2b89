"""``mga rule WORD``: a rule's code (any case), its name, or a cause id, which the terminal summary prints
(``BROKEN shop/frontend readiness-probe-failing ...``): the cause shows every rule of it."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

import mga.views  # noqa: F401 - imported before a test patches registry.all_rules: its own binding stays the real one
from analyzer import registry
from mga.cli import app


def rule(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["rule", *args], env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("word", ["B501", "b501", "backend-slower-than-router-timeout", "backend-timeout"])
def test_a_code_a_name_or_a_cause_id_shows_the_rule(word):
    code, out, err = rule(word)
    assert code == 0, err
    assert out.startswith("# B501 backend-slower-than-router-timeout\n")
    assert "Cause `backend-timeout`" in out


def test_every_cause_id_of_the_catalogue_shows_its_rules():
    for r in registry.all_rules():
        code, out, _ = rule(r.cause)
        assert code == 0 and f"# {r.code} {r.name}\n" in out, r.cause


def test_a_cause_with_several_rules_shows_each_in_code_order(monkeypatch):
    real = registry.all_rules()
    b501 = next(r for r in real if r.code == "B501")
    twin = dataclasses.replace(b501, code="B599", name="backend-twin")
    monkeypatch.setattr(registry, "all_rules", lambda: sorted([*real, twin], key=lambda r: r.code))
    assert [r.code for r in registry.rules_named("backend-timeout")] == ["B501", "B599"]
    code, out, _ = rule("backend-timeout")
    assert code == 0
    assert out.startswith("Cause `backend-timeout`: 2 rules, B501, B599\n")
    assert out.index("# B501 backend-slower-than-router-timeout") < out.index("# B599 backend-twin")
    assert [r.code for r in registry.rules_named("B599")] == ["B599"]  # a code still names one rule


def test_a_word_that_names_nothing_is_exit_2():
    code, _, err = rule("backend-timeouts")
    assert code == 2
    assert err == "mga: no rule or cause 'backend-timeouts'; see `mga rules`\n"
