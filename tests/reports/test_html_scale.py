"""The HTML report stays usable at 5,000 routes: every route listed, sections and charts capped, a few MB."""

from __future__ import annotations

import json
import re

from reports.html import MAX_CHARTS, MAX_SECTIONS
from tests.reports.sample_result import BIG_ROUTES as ROUTES


def test_five_thousand_routes_stay_under_five_megabytes(big_html):
    assert len(big_html.encode()) < 5 * 1024 * 1024


def test_every_route_is_in_the_table(big_html):
    assert big_html.count('<tr data-route="') == ROUTES
    assert len(set(re.findall(r'<tr data-route="([^"]+)"', big_html))) == ROUTES


def test_sections_and_charts_are_capped_worst_first(big_html):
    sections = re.findall(r'<details class="route" id="route-([^"]+)"', big_html)
    rows = re.findall(r'<tr data-route="([^"]+)"', big_html)
    # of the 700 routes needing attention, the first in the table's (worst-first) order
    assert len(sections) == MAX_SECTIONS and sections[0] == rows[0].replace("/", "-")
    assert len(set(sections)) == MAX_SECTIONS
    assert big_html.count("<svg") == MAX_CHARTS  # the rest: a table of their minutes with 5xx
    assert big_html.count("<h3>Minutes with 5xx</h3>") == MAX_SECTIONS - MAX_CHARTS
    assert big_html.count(" open>") == 12  # only the worst few sections start open


def test_the_others_get_their_checklist_on_demand(big_html):
    lazy = re.findall(r'<details data-lazy="(\d+)">', big_html)
    assert len(lazy) == ROUTES - MAX_SECTIONS
    block = re.search(r'<script type="application/json" id="mga-lazy">(.*?)</script>', big_html)
    assert block is not None
    data = json.loads(block.group(1))
    assert len(data["routes"]) == ROUTES - MAX_SECTIONS
    # each string once: the fail details of broken routes 250-399 (150), the shared pass detail (1),
    # and "namespace team-NNN was not collected" of the unknown routes 400-699 (teams 8-13: 6)
    assert len(data["strings"]) == 150 + 1 + 6
    assert all(len(checks) == 8 for checks in data["routes"])
