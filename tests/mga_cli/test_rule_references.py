"""``mga rule CODE``: every document the rule cites resolves to a copy installed with mga."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.registry import all_rules
from mga.cli import app

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / ".." / "shared" / "spec"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd="/", env=env)  # not the repository: paths must not depend on the working directory
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_the_command_line_lists_a_rules_documents_from_another_directory():
    """The child process started in ``/``: the paths it prints are installed files, whatever the directory."""
    rule = next(r for r in all_rules() if "runbook-502.md" in r.doc)
    proc = run("rule", rule.code)
    assert proc.returncode == 0, proc.stderr
    listed = dict(re.findall(r"^- `([^`]+)`: (.+)$", proc.stdout, re.M))
    assert "runbook-502.md" in listed and Path(listed["runbook-502.md"]).is_file()


def test_every_cited_document_of_every_rule_resolves_to_an_installed_file(monkeypatch):
    """Every rule, asked in this process (one child per rule cost a second each): the same command, run in ``/``."""
    monkeypatch.chdir("/")  # not the repository: paths must not depend on the working directory
    monkeypatch.setenv("NO_COLOR", "1")
    cited_somewhere = set()
    for rule in all_rules():
        result = CliRunner().invoke(app, ["rule", rule.code])
        assert result.exit_code == 0 and result.exception is None, result.output
        cited = set(re.findall(r"\b([a-z0-9][a-z0-9-]*\.md)\b", rule.doc))
        cited_somewhere |= cited
        listed = dict(re.findall(r"^- `([^`]+)`: (.+)$", result.stdout, re.M))
        assert set(listed) == cited, rule.code
        for name, path in listed.items():
            # absolute: here, unlike in a child, a path relative to ``/`` would still be found from ``/``
            found = Path(path)
            assert found.is_absolute() and found.is_file() and found.name == name, (rule.code, name, path)
    assert {"router-facts.md", "runbook-502.md"} <= cited_somewhere  # the test reads real citations


@pytest.mark.skipif(not SPEC.is_dir(), reason="the specification is not beside this checkout")
def test_installed_copies_equal_the_specification():
    shipped = sorted((ROOT / "mga" / "references").glob("*.md"))
    for path in shipped:
        if path.name != "README.md":
            assert path.read_bytes() == (SPEC / path.name).read_bytes(), f"{path.name} differs from the spec"
    assert len(shipped) >= 3
