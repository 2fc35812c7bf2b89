"""``mga rule CODE``: every document the rule cites resolves to a copy installed with mga."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.registry import all_rules

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / ".." / "shared" / "spec"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd="/", env=env)  # not the repository: paths must not depend on the working directory
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_every_cited_document_of_every_rule_resolves_to_an_installed_file():
    cited_somewhere = set()
    for rule in all_rules():
        proc = run("rule", rule.code)
        assert proc.returncode == 0, proc.stderr
        cited = set(re.findall(r"\b([a-z0-9][a-z0-9-]*\.md)\b", rule.doc))
        cited_somewhere |= cited
        listed = dict(re.findall(r"^- `([^`]+)`: (.+)$", proc.stdout, re.M))
        assert set(listed) == cited, rule.code
        for name, path in listed.items():
            assert Path(path).is_file() and Path(path).name == name, (rule.code, name, path)
    assert {"router-facts.md", "runbook-502.md"} <= cited_somewhere  # the test reads real citations


@pytest.mark.skipif(not SPEC.is_dir(), reason="the specification is not beside this checkout")
def test_installed_copies_equal_the_specification():
    shipped = sorted((ROOT / "mga" / "references").glob("*.md"))
    for path in shipped:
        if path.name != "README.md":
            assert path.read_bytes() == (SPEC / path.name).read_bytes(), f"{path.name} differs from the spec"
    assert len(shipped) >= 3
