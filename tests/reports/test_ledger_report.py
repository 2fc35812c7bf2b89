"""The error ledger, incident status and unmeasured counts as the HTML page and the Markdown note show them."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from analyzer.model import ErrorLedger, IncidentStatus, LedgerGroup, LedgerShare
from analyzer.termination import meaning
from reports.html import render_html
from reports.markdown import render_markdown
from tests.reports.sample_result import sample_result

T = datetime(2026, 11, 20, 8, 52, 3, tzinfo=UTC)
SERVER = "pod:export-api-5c8d7f9b6-wq2lp:export-api:https:10.131.0.44:8443"


def with_unexplained_lines():
    result = sample_result()
    export = next(r for r in result.routes if r.name == "export-api")
    export.error_ledger = ErrorLedger(
        40, (LedgerShare("F002-E401", "backend-timeout", 37),),
        (LedgerGroup(502, "SH", SERVER, 3, T, T.replace(minute=54), meaning("SH", SERVER), "service-port-matches"),),
    )
    readiness, timeout = result.findings
    readiness.status_at_collection, readiness.ended_at = IncidentStatus.ENDED, datetime(2026, 11, 20, 8, 59, 58,
                                                                                          tzinfo=UTC)
    timeout.status_at_collection = IncidentStatus.ONGOING
    return result


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_html_shows_the_ledger_line_bar_and_decoded_unexplained_groups():
    page = render_html(with_unexplained_lines())
    text = text_of(page)
    assert "40 router-side 5xx : 37 backend-timeout , 3 unexplained" in text
    assert 'aria-label="37 of 40 router-side 5xx explained"' in page
    assert "width: 92.50%" in page and "width: 7.50%" in page
    assert "before sending complete response headers" in text  # the SH group decoded in words
    assert "3 502 SH" in text


def test_html_shows_whether_each_incident_is_over():
    text = text_of(render_html(with_unexplained_lines()))
    assert "ended at 08:59 UTC" in text
    assert "ongoing at collection" in text


def test_html_summary_counts_router_side_5xx_explained_out_of_total():
    assert "449 / 449 router-side 5xx explained" in text_of(render_html(sample_result()))


def test_markdown_has_the_ledger_line_groups_and_incident_status():
    note = render_markdown(with_unexplained_lines())
    assert "Error ledger: 40 router-side 5xx: 37 `backend-timeout` (F002-E401), 3 unexplained." in note
    assert f"- 3 × 502 `SH` on `{SERVER}`" in note
    assert "(ended at 08:59 UTC)" in note and "(ongoing at collection)" in note
    assert "Router-side 5xx explained: 449 of 449." in note


def no_logs():
    result = sample_result()
    result.requests = result.status_counts = result.router_side_5xx = result.router_side_5xx_explained = None
    result.window_source = "collection-time"
    result.log_lines = result.log_lines_unparsed = 0  # no access log: no access-log line was read either
    for r in result.routes:
        r.requests = r.errors = r.error_ledger = None
    return result


def test_without_access_logs_cards_and_tables_say_so_instead_of_zero():
    page = render_html(no_logs())
    text = text_of(page)
    assert "no access logs logged requests" in text
    assert "no access logs router-side 5xx explained" in text
    assert "no access logs 502/503/504" in text
    assert "no access logs; collected" in text
    row = re.search(r'<tr data-route="payments/checkout" data-verdict="[a-z]+">.*?</tr>', page, re.S).group(0)
    assert "no access logs" in row and "<td>0</td>" not in row


def test_without_access_logs_the_markdown_note_says_counts_are_unknown():
    note = render_markdown(no_logs())
    assert "No access logs in the inputs: request counts and the error ledger are unknown, not zero." in note
    assert "| **broken** | `payments/checkout` | no access logs | | | |" in note
    assert "Router-side 5xx explained" not in note
