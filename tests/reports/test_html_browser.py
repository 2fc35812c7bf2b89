"""The HTML report in a real headless Chromium: no console errors, no network, sorting and filtering work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (test extra)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(demo_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(demo_dir), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_opens_offline_with_no_console_errors(browser, report: Path):
    assert report.stat().st_size < 5 * 1024 * 1024
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    messages, requests = [], []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    assert [m for m in messages if m[0] in ("error", "pageerror", "warning")] == []
    assert requests == [report.as_uri()]  # nothing but the file itself: no CDN, no font, no beacon
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    # the first screen names the broken route and its cause
    first_row = page.locator("#routes-table tbody tr").first
    assert "shop/frontend" in first_row.inner_text() and "readiness-probe-failing" in first_row.inner_text()
    assert first_row.bounding_box()["y"] < 1000
    for route in ("shop/frontend", "shop/reports", "shop/api", "shop/static", "openshift-ingress-canary/canary"):
        assert page.locator(f'#routes-table tr[data-route="{route}"]').count() == 1
    page.close()


def test_sorting_and_filtering(browser, report: Path):
    page = browser.new_page()
    page.goto(report.as_uri())
    rows = page.locator("#routes-table tbody tr")

    def routes() -> list[str]:
        return [rows.nth(i).get_attribute("data-route") for i in range(rows.count()) if rows.nth(i).is_visible()]

    def requests_column() -> list[int]:
        return [int(rows.nth(i).locator("td").nth(5).inner_text()) for i in range(rows.count())]

    header = page.locator("#routes-table th", has_text="requests")
    header.click()
    first = requests_column()
    assert first in (sorted(first), sorted(first, reverse=True)) and len(set(first)) > 1
    header.click()
    assert requests_column() == list(reversed(first))
    page.fill('input[data-filter="routes-table"]', "reports")
    assert routes() == ["shop/reports"]
    page.fill('input[data-filter="routes-table"]', "")
    assert len(routes()) == 5
    page.close()


def test_timeline_chart_is_inline_svg(browser, report: Path):
    page = browser.new_page()
    page.goto(report.as_uri())
    charts = page.locator("#routes .chart svg")
    assert charts.count() >= 2
    assert "not-ready" in page.locator("#routes .chart").first.inner_html()
    page.close()


def test_prints_to_pdf(browser, report: Path):
    page = browser.new_page()
    page.goto(report.as_uri())
    page.emulate_media(media="print")
    assert page.locator("input.filter").first.is_hidden()  # print CSS hides the interactive bits
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
