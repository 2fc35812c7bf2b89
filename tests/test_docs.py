"""Generated documentation stays in step with the code."""

from __future__ import annotations

from analyzer.registry import all_rules
from mga.views import rules_markdown
from tests.conftest import REPO


def test_rules_md_is_generated_from_the_rule_docstrings():
    on_disk = (REPO / "docs" / "rules.md").read_text()
    assert on_disk == rules_markdown(all_rules()), "docs/rules.md is stale: run `make docs`"


def test_every_rule_documents_the_required_sections():
    for rule in all_rules():
        for heading in ("What it does", "Why it matters", "Example", "Remediation", "Known problems", "References"):
            assert heading in rule.doc, f"{rule.code} docstring lacks '{heading}'"
