"""The HTML report in a real headless Chromium: offline, no console errors, sorting, filtering, copying.

Debian's ``chromium`` driven by Playwright's Python package (``.ci/run`` installs chromium with apt).
Every request the page makes is recorded: anything but the report file itself (or a ``data:`` URL)
fails the test. A screenshot and a PDF of the demo report are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mga.cli import app
from reports.html import render_html
from tests.conftest import REPO
from tests.reports.sample_result import CONTROLS_SHOWN, control_result, sample_result

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_ROUTES = ("shop/frontend", "shop/reports", "shop/api", "shop/static", "openshift-ingress-canary/canary")

pytestmark = pytest.mark.browser


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions: they poll from outside the page (its CSP forbids eval)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does it with apt)")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir: no state from elsewhere
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM), args=ARGS,
                                                   headless=True, viewport={"width": 1280, "height": 1000})
        ctx.grant_permissions(["clipboard-read", "clipboard-write"])
        yield ctx
        ctx.close()


class Visit:
    """A page opened on a report, with every console message, page error, dialog and request recorded."""

    def __init__(self, context: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.messages: list[tuple[str, str]] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))
        self.page.on("dialog", lambda d: (self.messages.append(("dialog", d.message)), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def problems(self) -> list[tuple[str, str]]:
        return [m for m in self.messages if m[0] in ("error", "warning", "pageerror", "dialog")]

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def visible_routes(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#routes-table > tbody > tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.route)")


@pytest.fixture(scope="module")
def demo_report(demo_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(demo_dir), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _report_file(tmp_path_factory, name: str, result: Any) -> Path:
    """``result`` rendered as HTML into a fresh directory of the session's temporary tree."""
    out = tmp_path_factory.mktemp(name) / f"{name}.html"
    out.write_text(render_html(result), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    return _report_file(tmp_path_factory, "sample", sample_result())


def test_demo_report_opens_offline_without_errors_and_names_the_broken_route_first(context, demo_report):
    assert demo_report.stat().st_size < 5 * 1024 * 1024
    visit = Visit(context, demo_report)
    assert visit.problems() == []
    assert visit.foreign_requests() == []  # no CDN, font, favicon or beacon: only the file itself
    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.screenshot(path=str(ARTIFACTS / "report.png"))
    first = visit.page.locator("#routes-table tbody tr").first
    text = first.inner_text()
    assert "shop/frontend" in text and "readiness-probe-failing" in text and "BROKEN" in text
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] < 1000  # on the first screen
    assert sorted(visit.visible_routes()) == sorted(DEMO_ROUTES)
    for route in DEMO_ROUTES:
        assert visit.page.get_by_text(route, exact=True).count() >= 1
    visit.page.close()


def test_sorting_a_column_reorders_the_rows(context, demo_report):
    visit = Visit(context, demo_report)
    rows = visit.page.locator("#routes-table tbody tr")

    def requests_column() -> list[int]:
        return [int(rows.nth(i).locator("td").nth(3).inner_text()) for i in range(rows.count())]

    before = requests_column()
    header = visit.page.locator("#routes-table th", has_text="requests")
    header.click()
    ascending = requests_column()
    assert ascending == sorted(before) and ascending != before and header.get_attribute("aria-sort")
    header.click()
    assert requests_column() == sorted(before, reverse=True)
    visit.page.locator("#routes-table th", has_text="verdict").click()
    assert visit.visible_routes()[0] == "shop/frontend"  # broken sorts first on the verdict rank
    assert visit.problems() == [] and visit.foreign_requests() == []
    visit.page.close()


def test_filter_box_hides_the_rows_that_do_not_match(context, demo_report):
    visit = Visit(context, demo_report)
    box = visit.page.locator('input[data-filter="routes-table"]')
    shown = visit.page.locator("#routes-table > tbody > tr:not([hidden])")
    box.fill("reports")
    expect(shown).to_have_count(1)
    assert visit.visible_routes() == ["shop/reports"]
    assert visit.page.locator('[data-filter-count="routes-table"]').inner_text() == "1 of 5 rows"
    box.fill("backend-timeout")  # causes are searchable too
    expect(shown).to_have_count(1)
    assert visit.visible_routes() == ["shop/reports"]
    box.fill("")
    expect(shown).to_have_count(len(DEMO_ROUTES))
    visit.page.close()


def test_timelines_are_inline_svg_with_the_pod_events(context, demo_report):
    visit = Visit(context, demo_report)
    charts = visit.page.locator("#routes .chart svg")
    assert charts.count() >= 2
    assert "not-ready" in visit.page.locator("#routes .chart").first.inner_html()
    assert charts.first.bounding_box()["width"] > 600
    visit.page.close()


def test_copy_fix_puts_the_commands_on_the_clipboard(context, sample_report):
    visit = Visit(context, sample_report)
    visit.page.locator("#routes-table tbody tr").first.get_by_role("button", name="copy fix").click()
    clipboard = visit.page.evaluate("navigator.clipboard.readText()")
    assert clipboard == (  # the fix, not the commands that confirm it
        "oc -n payments set probe deployment/checkout --readiness --get-url=http://:8080/healthz/ready "
        "--timeout-seconds=3 --failure-threshold=3   # only if the probe itself is wrong")
    visit.page.locator("#gaps button").nth(1).click()  # a gap's collection command
    assert visit.page.evaluate("navigator.clipboard.readText()") == \
        "oc adm inspect ns/legacy --dest-dir=inspect-legacy"
    assert visit.problems() == []
    visit.page.close()


def test_hostile_strings_from_the_archive_do_not_run(context, sample_report):
    visit = Visit(context, sample_report)  # the sample's log lines carry <script>alert(...)</script>
    cell = visit.page.locator("#unparsed-table tbody tr").first.locator("td").nth(2)
    assert "<script>alert(document.domain)</script>" in cell.inner_text()
    assert visit.problems() == [] and visit.foreign_requests() == []
    visit.page.close()


def test_control_bytes_from_the_archive_show_as_escapes_on_screen(context, tmp_path_factory):
    visit = Visit(context, _report_file(tmp_path_factory, "controls", control_result()))
    assert visit.problems() == [] and visit.foreign_requests() == []
    body = visit.page.locator("body").inner_text()
    assert f"/api/c{CONTROLS_SHOWN}art" in body and f"odd{CONTROLS_SHOWN}name.log" in body
    assert "\x1b" not in body and "\x00" not in body
    visit.page.close()


def test_five_thousand_routes_load_and_draw_checklists_on_demand(context, big_html, tmp_path):
    path = tmp_path / "big.html"
    path.write_text(big_html, encoding="utf-8")
    visit = Visit(context, path)
    assert visit.problems() == [] and visit.foreign_requests() == []
    assert visit.page.locator("#routes-table tbody tr").count() == 5000
    lazy = visit.page.locator('#routes-table tr[data-route="team-099/app-4999"] details')
    lazy.locator("summary").click()
    checklist = lazy.locator("table.checklist tr")
    assert checklist.count() == 8
    assert checklist.first.inner_text().split("\t")[:2] == ["pods-ready", "PASS"]
    visit.page.fill('input[data-filter="routes-table"]', "app-4999")
    shown = visit.page.locator("#routes-table > tbody > tr:not([hidden])")
    expect(shown).to_have_count(1)  # after the filter's debounce
    visit.page.close()


def test_prints_to_pdf_with_every_section_open(context, demo_report):
    visit = Visit(context, demo_report)
    visit.page.emulate_media(media="print")
    assert visit.page.locator("input.filter").first.is_hidden()  # print CSS hides the interactive bits
    visit.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert visit.page.eval_on_selector_all("details.route", "ds => ds.every(d => d.open)")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = visit.page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    visit.page.close()


def test_logs_page_opens_offline_with_its_chart_and_fits_1024_px(context, tmp_path):
    out = tmp_path / "logs.html"
    log = REPO / "fixtures" / "haproxy-lab" / "access.log"
    result = CliRunner().invoke(app, ["logs", str(log), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    visit = Visit(context, out)
    visit.page.set_viewport_size({"width": 1024, "height": 900})
    assert visit.problems() == [] and visit.foreign_requests() == []
    assert visit.page.locator("#minutes svg").count() == 1
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert "worst, mostly 503" in visit.page.locator("#minutes table").inner_text()
    visit.page.close()


@pytest.fixture(scope="module")
def navigation_report(tmp_path_factory) -> Path:
    """The sample with a second E202 finding on payments/checkout, diagnostics and an earlier first evidence."""
    import dataclasses
    from datetime import timedelta

    from analyzer.customer_summary import customer_summary

    result = sample_result()
    first = result.findings[0]
    first.diagnostics = ["oc -n payments get endpoints checkout -o yaml"]
    first.began_at = first.first_seen - timedelta(minutes=3)  # the first failed probe, 08:38:12
    first.customer_summary = customer_summary(first)
    second = dataclasses.replace(first, id="F009-E202", title="second E202 on the same route", diagnostics=[],
                                 began_at=None, customer_summary="")
    result.findings.append(second)
    next(r for r in result.routes if r.name == "checkout").findings.append(second.id)
    return _report_file(tmp_path_factory, "nav", result)


def test_anchors_are_stable_names_and_verdict_rows_link_to_their_findings(context, navigation_report):
    visit = Visit(context, navigation_report)
    page = visit.page
    assert page.locator("details#route-payments-checkout").count() == 1
    assert page.locator("#finding-E202-payments-checkout").count() == 1
    assert page.locator("#finding-E202-payments-checkout-2").inner_text().count("second E202 on the same route")
    assert page.locator("#finding-E401-reporting-export-api").count() == 1
    # the row of a healthy route links to its (closed) section; following it opens the section
    page.locator('#routes-table tr[data-route="storefront/www"] a[href="#route-storefront-www"]').click()
    expect(page.locator("details#route-storefront-www")).to_have_attribute("open", "")
    # the verdict row's cause links to the finding, the "+1 more" to the second one
    row = page.locator('#routes-table tr[data-route="payments/checkout"]')
    assert row.locator("a.finding-link").get_attribute("href") == "#finding-E202-payments-checkout"
    page.locator("details#route-payments-checkout").evaluate("d => { d.open = false; }")
    row.locator('a[href="#finding-E202-payments-checkout-2"]').click()
    target = page.locator("#finding-E202-payments-checkout-2")
    expect(page.locator("details#route-payments-checkout")).to_have_attribute("open", "")
    box = target.bounding_box()
    assert box is not None and -5 <= box["y"] < 1000  # scrolled to the top of the window
    assert visit.problems() == [] and visit.foreign_requests() == []
    page.close()


def test_summary_cards_filter_the_verdict_table(context, navigation_report):
    visit = Visit(context, navigation_report)
    shown = visit.page.locator("#routes-table > tbody > tr:not([hidden])")
    card = visit.page.locator('button[data-verdict-filter="healthy"]')
    card.click()
    expect(shown).to_have_count(3)
    assert sorted(visit.visible_routes()) == ["openshift-console/console", "payments/checkout-admin", "storefront/www"]
    assert card.get_attribute("aria-pressed") == "true"
    visit.page.locator('button[data-verdict-filter="broken"]').click()
    assert visit.visible_routes() == ["payments/checkout"]
    visit.page.fill('input[data-filter="routes-table"]', "export")  # the text filter and the card together
    expect(shown).to_have_count(0)
    visit.page.fill('input[data-filter="routes-table"]', "")
    visit.page.locator('button[data-verdict-filter="broken"]').click()  # pressed again: every route
    expect(shown).to_have_count(6)
    visit.page.close()


def test_diagnostics_have_their_own_label_and_copy_button_and_the_span_starts_at_began_at(context, navigation_report):
    visit = Visit(context, navigation_report)
    finding = visit.page.locator("#finding-E202-payments-checkout")
    labels = finding.locator(".label").all_inner_texts()
    assert labels == ["Fix", "Commands to confirm with"]
    finding.locator(".diagnostics button").click()
    assert visit.page.evaluate("navigator.clipboard.readText()") == "oc -n payments get endpoints checkout -o yaml"
    assert "2026-11-20 08:38:12 → 08:59:58" in finding.inner_text()
    row = visit.page.locator('#routes-table tr[data-route="payments/checkout"]')
    assert row.locator("td").last.inner_text() == "2026-11-20 08:38:12 → 08:59:58"
    visit.page.close()


def test_verdict_table_keeps_every_column_visible_at_1024_px_and_in_print(context, navigation_report):
    visit = Visit(context, navigation_report)
    page = visit.page
    page.set_viewport_size({"width": 1024, "height": 800})
    scroller = "#verdicts .scroll"
    assert page.eval_on_selector(scroller, "s => s.scrollWidth <= s.clientWidth")  # nothing cut off
    span = page.locator("#routes-table th").last.bounding_box()
    assert span is not None and span["x"] + span["width"] <= 1024
    page.emulate_media(media="print")
    assert page.eval_on_selector(scroller, "s => s.scrollWidth <= s.clientWidth")
    assert page.locator('button[data-verdict-filter="broken"]').is_visible()  # the counts print
    assert page.locator("#routes-table button").first.is_hidden()  # the copy buttons do not
    page.close()


def test_the_reply_to_the_customer_opens_and_copies_as_one_text(context, navigation_report):
    visit = Visit(context, navigation_report)
    finding = visit.page.locator("#finding-E202-payments-checkout")
    reply = finding.locator("details.reply")
    expect(reply.locator("pre")).to_be_hidden()  # folded: the finding reads first
    reply.locator("summary").click()
    expect(reply.locator("pre")).to_be_visible()
    reply.get_by_role("button", name="copy reply").click()
    copied = visit.page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("What happened on route payments/checkout: ")
    assert "Change to make:\noc -n payments set probe deployment/checkout" in copied
    assert "oc -n payments get endpoints checkout -o yaml" not in copied  # a diagnostic is not the fix
    assert visit.page.locator("#finding-E202-payments-checkout-2 details.reply").count() == 0
    assert visit.problems() == []
    visit.page.close()


@pytest.fixture(scope="module")
def busy_report(tmp_path_factory) -> Path:
    """The sample whose first route logged an outage: 8-digit requests and 6-digit 502/503/504 counts."""
    result = sample_result()
    route = result.routes[0]
    route.requests = 10_486_200
    route.errors = {"502": 312_004, "503": 987_654, "504": 100_200}
    return _report_file(tmp_path_factory, "busy", result)


def test_an_outage_s_counts_each_fit_their_cell_on_one_line_at_1024_px_and_in_print(context, busy_report):
    visit = Visit(context, busy_report)
    page = visit.page
    first = sample_result().routes[0]
    row = f'#routes-table tr[data-route="{first.namespace}/{first.name}"]'
    cells = f"{row} td:nth-child(n+4):nth-child(-n+7)"  # requests, 502, 503, 504
    measure = """cells => cells.map(td => {
        const range = document.createRange(); range.selectNodeContents(td);
        return [td.innerText, range.getClientRects().length, td.scrollWidth <= td.clientWidth,
                range.getBoundingClientRect().right <= td.getBoundingClientRect().right];
    })"""
    for width in (1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        got = page.eval_on_selector_all(cells, measure)
        assert [text for text, *_ in got] == ["10486200", "312004", "987654", "100200"]
        assert all(lines == 1 and fits and inside for _, lines, fits, inside in got), (width, got)
    page.emulate_media(media="print")
    got = page.eval_on_selector_all(cells, measure)
    assert all(lines == 1 and fits and inside for _, lines, fits, inside in got), ("print", got)
    assert page.eval_on_selector("#verdicts .scroll", "s => s.scrollWidth <= s.clientWidth")
    page.close()


@pytest.fixture(scope="module")
def long_names_report(tmp_path_factory) -> Path:
    """The sample with what real archives hold unbroken: a 300-character host, an image digest in an event,
    a deep evidence path; and a crafted route name of 250 characters."""
    import dataclasses

    result = sample_result()
    checkout = next(r for r in result.routes if r.name == "checkout")
    checkout.host = "h" * 300 + ".apps.example.com"
    checkout.name = "n" * 250
    digest = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "0123456789abcdef" * 4
    checkout.events = [dataclasses.replace(e, text=f"Pulling image {digest}{digest}") for e in checkout.events]
    first = result.findings[0]
    first.route = checkout.name
    first.evidence = [dataclasses.replace(e, source="d" * 120 + "/" + e.source) for e in first.evidence]
    return _report_file(tmp_path_factory, "long", result)


@pytest.mark.parametrize("width", [1280, 390])
def test_long_unbroken_names_wrap_instead_of_widening_the_page(context, long_names_report, width):
    """A host, path or image digest without a space must not push the page (and every other section) sideways:
    on a laptop, a phone and the printed A4 page (186 mm = 703 px between the margins) it wraps."""
    visit = Visit(context, long_names_report)
    page = visit.page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

    def overflow() -> list[str]:
        return page.evaluate("""() => { const right = document.documentElement.clientWidth; const out = [];
            const scrolled = el => { for (let a = el.parentElement; a; a = a.parentElement) {
                if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) { return true; } } return false; };
            for (const el of document.querySelectorAll('main *')) {  // what a scroll box holds may pass its edge
              if (el.getBoundingClientRect().right <= right + 1 || scrolled(el)) { continue; }
              if (el.parentElement && el.parentElement.getBoundingClientRect().right > right + 1) { continue; }
              out.push(el.tagName + '.' + el.className + ' ' + el.textContent.slice(0, 40)); }
            return out; }""")

    page.set_viewport_size({"width": width, "height": 900})
    assert not (over := overflow()), (width, over)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # the evidence reads without scrolling sideways: its file:line column wraps on a phone
    assert page.eval_on_selector_all("table.evidence", "ts => ts.every(t => t.scrollWidth <= t.clientWidth)")
    # a short word in a table is never cut in two ("Runnin" / "g"): a table scrolls rather than split it
    split = page.eval_on_selector_all("main td", """tds => tds
        .filter(td => !td.childElementCount && /^[A-Za-z]{4,12}$/.test(td.textContent))
        .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                        return r.getClientRects().length > 1; })
        .map(td => td.textContent)""")
    assert split == [], (width, split)
    if width == 1280:
        page.set_viewport_size({"width": 703, "height": 900})
        page.emulate_media(media="print")
        assert overflow() == [], "print"
    assert visit.problems() == []
    page.close()


def test_printing_opens_every_folded_part_but_the_on_demand_checklists(context, navigation_report):
    """Router conditions and pods and the reply to the customer are folded on screen: the printout holds them."""
    visit = Visit(context, navigation_report)
    page = visit.page
    folded = "ds => ds.filter(d => !d.open).map(d => d.querySelector('summary').textContent.trim())"
    assert "conditions and router pods" in page.eval_on_selector_all("#platform details", folded)
    assert "Reply to the customer" in page.eval_on_selector_all("details.reply", folded)
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.eval_on_selector_all("details:not([data-lazy])", folded) == []
    assert page.locator("#platform details table").first.is_visible()
    assert visit.problems() == []
    page.close()



def test_the_verdict_table_keeps_its_header_in_view_while_scrolling_its_rows(context, sample_report):
    """Six number columns look alike: scrolled down a long table, the header row stays at the top of the window."""
    visit = Visit(context, sample_report)
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 300})
    page.evaluate("document.querySelector('#routes-table tbody tr:last-child').scrollIntoView()")
    header = page.locator("#routes-table thead th").first.bounding_box()
    first_row = page.locator("#routes-table tbody tr").first.bounding_box()
    assert header is not None and first_row is not None
    assert first_row["y"] < -100 and -5 < header["y"] < 5  # the rows went up, the header stayed
    page.close()
