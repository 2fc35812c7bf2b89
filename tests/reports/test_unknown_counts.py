"""Where no request could be counted, every report says the affected requests are unknown, never 0 or nothing."""

from __future__ import annotations

import json

import jsonschema
import pytest

from reports.html import render_html
from reports.json_report import load_schema, render_json
from reports.markdown import render_markdown
from tests.reports.sample_result import sample_result


@pytest.fixture(scope="module")
def unmeasured():
    """The sample with its broken route's access-log lines gone: its finding counted nothing."""
    result = sample_result()
    route = next(r for r in result.routes if (r.namespace, r.name) == ("payments", "checkout"))
    route.requests, route.errors, route.error_ledger, route.affected_requests = None, None, None, 0
    for f in result.findings:
        if f.id in route.findings:
            f.affected_requests, f.affected_requests_known = 0, False
    return result


def test_json_keeps_the_integer_and_says_it_is_unknown(unmeasured):
    report = json.loads(render_json(unmeasured))
    counts = {f["route"]: (f["affected_requests"], f["affected_requests_known"]) for f in report["findings"]}
    assert counts == {"checkout": (0, False), "export-api": (37, True)}
    validator = jsonschema.Draft202012Validator(load_schema())
    assert list(validator.iter_errors(report)) == []
    report["findings"][0]["affected_requests"] = 3  # "unknown" with a count is a contradiction
    assert report["findings"][0]["affected_requests_known"] is False
    assert [(list(e.path), e.validator) for e in validator.iter_errors(report)] == [
        (["findings", 0, "affected_requests"], "const")]


def test_markdown_and_html_say_unknown(unmeasured):
    note = render_markdown(unmeasured)
    [line] = [line for line in note.splitlines() if line.startswith("**critical** `readiness-probe-failing`")]
    assert "affected requests unknown" in line
    page = render_html(unmeasured)
    assert page.count("affected requests unknown") >= 2  # the route's lead sentence and the finding's line
    assert '<td data-sort="-1"><span class="muted">unknown</span></td>' in page  # the table's affected cell
    measured = render_html(sample_result())
    assert "affected requests unknown" not in measured and "affected requests unknown" not in render_markdown(
        sample_result())


def no_access_log(lines_read: int = 0):
    """The sample as an archive without any router access log: nothing was measured, at all."""
    result = sample_result()
    result.requests, result.status_counts, result.window_source = None, None, "collection-time"
    result.router_side_5xx = result.router_side_5xx_explained = None
    result.log_lines, result.log_lines_unparsed, result.log_accounting = lines_read, 0, []
    for route in result.routes:
        route.requests, route.errors, route.error_ledger, route.router_errors = None, None, None, None
    return result


def test_without_access_logs_the_log_line_sentence_says_the_counts_are_unknown():
    """Not "0 read, no access logs requests, 0 not understood": a sentence that says nothing was measured."""
    from tests.reports.test_html import Page, squash

    page = Page(render_html(no_access_log()))
    [line] = page.find("p", id="log-lines")
    assert squash(line.text) == ("No access logs in the inputs: request counts and the error ledger are unknown, "
                                 "not zero.")
    [line] = Page(render_html(no_access_log(lines_read=3))).find("p", id="log-lines")
    assert squash(line.text) == ("No access logs in the inputs: request counts and the error ledger are unknown, "
                                 "not zero (3 lines read, none of them a router access-log line).")
    note = render_markdown(no_access_log(lines_read=3))
    assert ("No access logs in the inputs: request counts and the error ledger are unknown, not zero "
            "(3 lines read, none of them a router access-log line). Inputs:") in note
    measured = Page(render_html(sample_result())).find("p", id="log-lines")
    assert [squash(p.text) for p in measured] == ["Access-log lines: 6,843 read, 6,836 requests, 3 not understood."]
