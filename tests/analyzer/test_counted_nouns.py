"""A count of one reads "1 error", "1 request": in the rules' titles and explanations (K601 and K602 wrote
"1 errors", "1 requests failed") and in the Markdown and HTML lines that repeat a finding's count."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from analyzer.run import analyze
from analyzer.wording import plural
from parsers.load_snapshot import load_snapshot
from reports.html import render_html
from reports.markdown import render_markdown
from tests.analyzer.scenario_helpers import SCENARIOS

ONE_PLURAL = re.compile(r"(?<![\d.,:/-])1 (requests|errors|responses|answers|times)\b")


@cache
def run(name: str):
    root = SCENARIOS / name
    inputs = sorted(str(p) for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("_"))
    return analyze(load_snapshot(inputs, [str(root / "access.log")] if (root / "access.log").exists() else []),
                   tool_version="test")


def test_plural_follows_the_count():
    assert plural(1, "error") == "1 error"
    assert [plural(n, "request") for n in (0, 2)] == ["0 requests", "2 requests"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"


@pytest.mark.parametrize(("scenario", "code", "title"), [
    ("B504-quiet-explained-by-oom", "K601", "1 error when backend pods restarted (OOM-killed)"),
    ("K602-fires-rollout-no-prestop", "K602", "1 request failed while pods were being replaced"),
])
def test_one_failed_request_is_said_in_the_singular(scenario, code, title):
    result = run(scenario)
    [finding] = [f for f in result.findings if f.code == code]
    assert finding.affected_requests == 1
    assert finding.title == title
    assert "1 request " in finding.explanation
    texts = [finding.title, finding.explanation, finding.customer_summary or ""]
    assert not [t for t in texts if ONE_PLURAL.search(t)]


@pytest.mark.parametrize("scenario", ["B504-quiet-explained-by-oom", "K602-fires-rollout-no-prestop"])
def test_reports_say_one_affected_request(scenario):
    result = run(scenario)
    note = render_markdown(result)
    assert " — 1 request affected, " in note
    assert not ONE_PLURAL.search(note)
    page = render_html(result)
    assert "· 1 affected request · " in page or "· 1 affected request<" in page
    assert not ONE_PLURAL.search(page)


def test_the_case_note_title_counts_one_route():
    assert render_markdown(run("K602-fires-rollout-no-prestop")).startswith(
        "# mga case note: 0 broken, 1 degraded, 0 unknown of 1 route\n")
