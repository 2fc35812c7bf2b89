"""A route's affected requests: each request once, the same in the terminal, the Markdown and the HTML.

Since the error ledger gives each router-side 5xx to one finding, two findings of one route (B501's timeouts and
B502's queue failures) count different lines: the largest of them under-counted the route by the other's lines.
A finding may also count lines outside the ledger (the application's own 5xx of a pod failing its probe) that
another counts too: the sum would count those twice."""

from __future__ import annotations

import io
import re

import pandas as pd

from analyzer.model import Evidence, Finding, Severity
from analyzer.run import affected_once
from analyzer.run import analyze as run_analysis
from mga.summary import print_summary
from parsers.load_snapshot import load_snapshot
from reports.html import route_rows
from reports.markdown import render_markdown
from tests.analyzer.test_scenarios import SCENARIOS, scenario_inputs


def _finding(claims: list[int], affected: int | None = None) -> Finding:
    f = Finding(code="B501", cause="backend-timeout", severity=Severity.WARNING, namespace="shop", route="web",
                title="t", explanation="e", evidence=[Evidence("router.log", 1, "a line")], remediation=[])
    f.claims = pd.Index(claims, dtype="int64")
    f.affected_requests = len(claims) if affected is None else affected
    return f


def test_lines_claimed_by_several_findings_count_once_and_unclaimed_counts_add():
    assert affected_once([_finding([1, 2, 3]), _finding([3, 4])]) == 4
    assert affected_once([_finding([1, 2, 3]), _finding([], affected=5)]) == 8  # counted without claiming lines
    assert affected_once([_finding([7])]) == 1
    assert affected_once([]) == 0


def test_a_route_with_two_causes_counts_both_in_every_output():
    inputs, logs = scenario_inputs(SCENARIOS / "I703-quiet-errors-below-maxconn")
    result = run_analysis(load_snapshot(inputs, logs), tool_version="test")
    by_id = {f.id: f for f in result.findings}
    route = next(r for r in result.routes if r.name == "api")
    mine = [by_id[i] for i in route.findings]
    assert sorted(f.code for f in mine) == ["B501", "B502"]
    explained = route.error_ledger.explained
    # the two findings own different router-side 5xx: the route's count is both, as its ledger explains them
    assert route.affected_requests == explained == sum(f.affected_requests for f in mine)
    assert route.affected_requests > max(f.affected_requests for f in mine)
    row = next(r for r in route_rows(result) if r.route.name == "api")
    assert row.affected == explained  # the HTML's row
    assert f"60 requests ({explained} affected)" in render_markdown(result)
    terminal = io.StringIO()
    print_summary(result, "report.html", terminal)
    line = next(x for x in terminal.getvalue().splitlines() if re.search(r"\bapi\b", x))
    assert f"{explained} affected requests" in line


def test_the_lead_sentence_counts_its_own_finding_and_the_table_the_route():
    """The section's lead sentence is one finding's (its cause, title and span): its count is that finding's, not
    the route's (which the table's "affected" column gives), else "4 requests timed out ... — 8 requests"."""
    from reports.html import render_html

    inputs, logs = scenario_inputs(SCENARIOS / "I703-quiet-errors-below-maxconn")
    result = run_analysis(load_snapshot(inputs, logs), tool_version="test")
    row = next(r for r in route_rows(result) if r.route.name == "api")
    lead = row.lead
    assert lead is not None and lead.affected_requests < row.affected
    page = render_html(result)
    sentence = next(p for p in page.split('<p class="sentence">')[1:] if "on route api" in p.split("</p>")[0])
    assert f"— {lead.affected_requests} requests," in sentence.split("</p>")[0]
    assert f"— {row.affected} requests" not in sentence.split("</p>")[0]
