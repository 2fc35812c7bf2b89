"""Generated documentation stays in step with the code."""

from __future__ import annotations

from analyzer.registry import all_rules
from analyzer.rule import SECTIONS
from mga.views import rule_doc, rules_markdown
from tests.conftest import REPO


def test_rules_md_is_generated_from_the_rule_docstrings():
    on_disk = (REPO / "docs" / "rules.md").read_text()
    assert on_disk == rules_markdown(all_rules()), "docs/rules.md is stale: run `make docs`"


def test_every_rule_documents_the_required_sections_as_markdown_headings():
    for rule in all_rules():
        headings = [line[3:] for line in rule.doc.splitlines() if line.startswith("## ")]
        assert headings == list(SECTIONS), f"{rule.code}: sections {headings}"
        assert "``" not in rule.doc, f"{rule.code}: reStructuredText double backticks in its docstring"


def test_rules_md_renders_sections_as_headings_not_code_blocks():
    text = rules_markdown(all_rules())
    assert text.count("\n### What it does\n") == len(all_rules())
    assert not [line for line in text.splitlines() if line.startswith("    ")], "prose indented as a code block"
    assert "\n## B501 backend-slower-than-router-timeout\n" in text
    assert "(#b501-backend-slower-than-router-timeout)" in text


def test_rule_page_is_markdown_like_ruff_rule():
    page = rule_doc(next(r for r in all_rules() if r.code == "B503"))
    lines = page.splitlines()
    assert lines[0] == "# B503 backend-response-rejected"
    assert "## What it does" in lines and "## Remediation" in lines
    assert "``" not in page and "needs logs" not in page and "False" not in page
    assert "Needs: router access logs." in page
