"""Timeline charts: matplotlib SVG of the analyzer's per-minute counts, with the events labelled."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from analyzer.model import TimelineEvent
from reports.charts import GAP_SLOTS, MAX_BARS, bar_minutes, broken_bars, merge_minutes, minutes_svg, timeline_svg
from tests.reports.sample_result import at, minute_entry, routes


@pytest.fixture(scope="module")
def by_name():
    return {r.name: r for r in routes()}


@pytest.fixture(scope="module")
def checkout_svg(by_name) -> str:
    svg = timeline_svg(by_name["checkout"])
    assert svg is not None
    return svg


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.mark.parametrize(("minutes", "width"),
                         [(1, 1), (30, 1), (240, 1), (241, 2), (1440, 10), (10_000, 60)])
def test_bar_width_keeps_at_most_240_bars(minutes, width):
    assert bar_minutes(minutes) == width


def test_five_minute_bars_sum_the_minutes(by_name):
    starts, values = merge_minutes(by_name["checkout"].timeline, 5)
    assert [f"{s:%H:%M}" for s in starts] == ["08:30", "08:35", "08:40", "08:45", "08:50", "08:55"]
    # 08:40-44 holds 08:40 (no 503) and 10 + 14 + 20 + 23 503s; then 5 x 23 per bar
    assert values["503"] == [0, 0, 67, 115, 115, 115]
    assert values["2xx"] == [200, 200, 40 + 30 + 26 + 20, 0, 0, 0]
    assert values["4xx"] == [10, 10, 8, 0, 0, 0]


def test_missing_minutes_leave_empty_bars():
    timeline = [minute_entry(at(9, 0), s503=4), minute_entry(at(9, 3), s503=2)]
    starts, values = merge_minutes(timeline, 1)
    assert [f"{s:%H:%M}" for s in starts] == ["09:00", "09:01", "09:02", "09:03"]
    assert values["503"] == [4, 0, 0, 2]


def test_chart_labels_the_status_classes_and_the_events(checkout_svg):
    labels = texts(checkout_svg)
    assert {"2xx", "4xx", "503"} <= set(labels) and "504" not in labels  # only the classes present
    assert "requests / min" in labels and "UTC, 2026-11-20" in labels
    events = [t for t in labels if t.split(" ")[0] in ("rollout", "probe-failed", "not-ready", "no-server",
                                                        "restart", "router-reload")]
    assert events == ["rollout", "probe-failed …2xkqp", "not-ready …2xkqp", "not-ready …m8zrt",
                      "not-ready …v5nlc", "no-server", "restart …m8zrt", "router-reload"]


def test_chart_is_inline_ready_and_offline(checkout_svg):
    assert checkout_svg.startswith("<svg") and checkout_svg.endswith("</svg>")
    assert "<?xml" not in checkout_svg and "<!DOCTYPE" not in checkout_svg and "<metadata" not in checkout_svg
    assert not re.search(r"""(?:href|src)=["'](?!#)""", checkout_svg)  # only in-document references
    assert "<image" not in checkout_svg and "@import" not in checkout_svg and "url(http" not in checkout_svg


def test_charts_are_deterministic_and_their_ids_unique_per_route(by_name, checkout_svg):
    assert timeline_svg(by_name["checkout"]) == checkout_svg
    other = timeline_svg(by_name["export-api"])
    assert other is not None
    ids = set(re.findall(r'id="([^"]+)"', checkout_svg))
    clip_ids = {i for i in ids if re.fullmatch(r"p[0-9a-f]{6,}", i)}
    assert clip_ids and not clip_ids & set(re.findall(r'id="([^"]+)"', other))


def test_two_charts_on_one_page_share_no_id_and_every_reference_resolves(by_name, checkout_svg):
    """A report inlines many charts: an id both hold (``figure_1``, ``axes_1``...) is invalid HTML."""
    other = timeline_svg(by_name["export-api"])
    assert other is not None
    for svg in (checkout_svg, other):
        ids = re.findall(r'\sid="([^"]+)"', svg)
        refs = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
        assert refs and refs <= set(ids)  # the clip paths and markers the drawing uses are still there
    assert not set(re.findall(r'\sid="([^"]+)"', checkout_svg)) & set(re.findall(r'\sid="([^"]+)"', other))


def test_no_timeline_no_chart(by_name):
    assert timeline_svg(by_name["inventory"]) is None


def test_a_day_of_minutes_is_drawn_in_ten_minute_bars_and_far_events_are_left_out(by_name):
    route = by_name["checkout-admin"]
    route.timeline = [minute_entry(at(0, 0) + timedelta(minutes=m), **{"2xx": 3}) for m in range(1440)]
    route.events = [TimelineEvent(at(0, 0) - timedelta(hours=2), "oom", "admin-1", "before the logs")]
    svg = timeline_svg(route)
    assert svg is not None
    assert "requests / 10 min" in texts(svg)
    assert not [t for t in texts(svg) if t.startswith("oom")]
    assert len(svg) < 60_000


def _years_later(years: int) -> timedelta:
    return at(8, 30).replace(year=at(8, 30).year + years) - at(8, 30)


def test_a_minute_decades_later_is_drawn_on_a_broken_axis_with_the_events(by_name):
    """One line dated 2100 after a half hour of 2026: the half hour's bars, one hatched gap slot that
    says how long it is, the line's bar (a bar for every minute between was a MemoryError)."""
    checkout = by_name["checkout"]
    far = minute_entry(at(8, 30) + _years_later(74), **{"2xx": 1})
    route = dataclasses.replace(checkout, timeline=[*checkout.timeline, far])
    width, starts, gaps, values = broken_bars(route.timeline)
    assert (width, len(starts), gaps) == (1, len(checkout.timeline) + GAP_SLOTS + 1,
                                          [int((_years_later(74) - timedelta(minutes=30)).total_seconds() // 60)])
    assert sum(values["2xx"]) == sum(m["2xx"] for m in route.timeline)
    svg = timeline_svg(route)
    assert svg is not None and len(svg) < 60_000
    labels = texts(svg)
    assert "74 y without lines" in labels and "requests / min" in labels
    assert "UTC, 2026-11-20 to 2100-11-20; hatched: 1 gap without lines, not to scale" in labels
    assert [t for t in labels if t.startswith("rollout") or t.startswith("router-reload")] == ["rollout",
                                                                                               "router-reload"]


def test_lines_every_three_hours_for_a_month_keep_the_broken_axis_to_its_bars():
    timeline = [minute_entry(at(0, 0) + timedelta(hours=3 * k), s503=2) for k in range(240)]
    timeline.append(minute_entry(at(0, 0) + _years_later(1), s503=1))
    width, starts, gaps, values = broken_bars(timeline)
    assert len(starts) <= MAX_BARS and width > 1 and len(gaps) == 1
    assert sum(values["503"]) == 481
    svg = minutes_svg(timeline, "mga-logs")
    assert svg is not None and len(svg) < 60_000
