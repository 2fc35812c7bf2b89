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
from tests.reports.sample_result import sample_result

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


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "sample.html"
    out.write_text(render_html(sample_result()), encoding="utf-8")
    return out


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
