"""A route without access-log lines of its own, in inputs that hold access logs: every output says "no access-log
line of this route" (its counts are unknown), never "no access logs" beside the page's logged requests; the
router-side 5xx that belong to no route are counted apart from the routes' ledgers."""

from __future__ import annotations

import io

import pytest

from analyzer.run import analyze
from analyzer.wording import NO_ACCESS_LOGS, NO_ROUTE_LINES
from mga.summary import print_summary
from parsers.load_snapshot import load_snapshot
from reports.html import render_html
from reports.markdown import render_markdown
from tests.analyzer.scenario_helpers import SCENARIOS
from tests.reports.test_html import Page, rows, squash

SHARDED_AWAY = SCENARIOS / "R101-fires-sharded-away"  # 12 openshift_default 503s, no Host header captured


@pytest.fixture(scope="module")
def sharded_away():
    inputs = sorted(str(p) for p in SHARDED_AWAY.iterdir() if p.is_dir())
    return analyze(load_snapshot(inputs), tool_version="test")


def test_the_analysis_says_why_the_route_has_no_counts(sharded_away):
    [route] = sharded_away.routes
    assert route.requests is None and route.errors is None and route.error_ledger is None
    assert route.unmeasured == NO_ROUTE_LINES  # the inputs hold logs: none of their lines is this route's
    assert sharded_away.requests == 12 and sharded_away.router_side_5xx_no_route == 12


def test_html_row_and_section_say_no_line_of_this_route_beside_the_logged_requests(sharded_away):
    html = render_html(sharded_away)
    page = Page(html)
    [row] = rows(page, "routes-table")
    cells = [squash(c.text) for c in row.children if c.tag == "td"]
    assert cells[3] == NO_ROUTE_LINES and cells[4:7] == ["", "", ""]
    [summary] = [e for e in page.find("summary") if "newsroom/articles" in e.text and "·" in e.text]
    assert squash(summary.text).endswith(f"· {NO_ROUTE_LINES}")
    assert NO_ACCESS_LOGS not in squash(page.find("section", id="verdicts")[0].text)
    cards = [(squash(b.text), squash(c.text.replace(b.text, "", 1))) for c in page.find("section", id="summary")[0]
             .children[0].children for b in c.children[:1]]
    assert cards[5:9] == [("12", "logged requests"), ("0 / 0", "router-side 5xx explained"),
                          ("12", "router-side 5xx of no route"), ("12", "502/503/504")]
    assert 'id="no-route-5xx" title="answers of openshift_default whose Host header' in html


def test_markdown_says_no_line_of_this_route_and_counts_the_5xx_of_no_route(sharded_away):
    note = render_markdown(sharded_away)
    assert f"| **broken** | `newsroom/articles` | {NO_ROUTE_LINES} | | | | `route-not-admitted` |" in note
    assert f"endpoints 2/2 ready, {NO_ROUTE_LINES}." in note
    assert "| no access logs |" not in note and "ready, no access logs." not in note
    assert ("12 router-side 5xx of no route: answers of openshift\\_default whose Host header the access log does "
            "not record, or names no route of the inputs; no route's error ledger holds them.") in note


def test_the_terminal_says_the_same(sharded_away):
    out = io.StringIO()
    print_summary(sharded_away, "report.html", stream=out)
    assert f"affected requests unknown ({NO_ROUTE_LINES})" in out.getvalue()


def test_without_any_access_log_a_route_still_reads_no_access_logs(tmp_path):
    inputs = sorted(str(p) for p in (SCENARIOS / "R101-quiet-admitted").iterdir() if p.is_dir())
    result = analyze(load_snapshot(inputs), tool_version="test")
    assert result.requests is None and result.router_side_5xx_no_route is None
    assert {r.unmeasured for r in result.routes} == {NO_ACCESS_LOGS}
    [row] = rows(Page(render_html(result)), "routes-table")
    assert squash([c for c in row.children if c.tag == "td"][3].text) == NO_ACCESS_LOGS
    assert "no-route-5xx" not in render_html(result)
