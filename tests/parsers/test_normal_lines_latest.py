"""``parsers.normal_lines.NormalLines``: the latest accept time the timing rules ask of the counted normal lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from parsers.normal_lines import NormalLines

T0 = datetime(2026, 11, 20, 8, 40, tzinfo=UTC)


def _lines(rows: list[tuple[str, str, str, int]]) -> NormalLines:
    """Normal lines of (route, pod, status, ms after T0) in namespace ``shop``."""
    return NormalLines.of_frame(pd.DataFrame({
        "namespace": ["shop"] * len(rows), "route": [r[0] for r in rows], "pod": [r[1] for r in rows],
        "status": [r[2] for r in rows], "term": ["--"] * len(rows), "Tc": [0] * len(rows),
        "ts": pd.to_datetime([pd.Timestamp(T0) + pd.Timedelta(milliseconds=r[3]) for r in rows], utc=True),
    }))


def test_last_accept_ms_is_the_latest_line_of_the_route_across_its_keys():
    start = int(pd.Timestamp(T0).value // 1_000_000)
    lines = _lines([("web", "web-1", 200, 5), ("web", "web-2", 404, 900), ("web", "web-1", 200, 30),
                    ("api", "api-1", 200, 5000)])
    assert lines.last_accept_ms("shop", "web") == start + 900
    assert lines.last_accept_ms("shop", "web", pod="web-1") == start + 30
    assert lines.last_accept_ms("shop", "web", status=200) == start + 30
    assert lines.last_accept_ms("shop", "api") == start + 5000
    assert lines.last_accept_ms("shop", "web", pod="api-1") is None  # no key matches
    assert lines.last_accept_ms("shop", "none") is None  # a route with no normal line
    assert NormalLines().last_accept_ms("shop", "web") is None
    merged = NormalLines.merged([lines, _lines([("web", "web-2", 200, 700)])])
    assert merged.last_accept_ms("shop", "web") == start + 900
