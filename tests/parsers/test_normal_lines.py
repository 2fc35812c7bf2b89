"""``parsers.normal_lines.NormalLines``: what the counted normal lines answer of a route."""

from __future__ import annotations

import pandas as pd

from parsers.normal_lines import NormalLines


def _lines(rows: list[dict]) -> NormalLines:
    """Normal lines of request rows (each a 200 ``--`` line with ``Tc`` 0 unless it says otherwise)."""
    frame = pd.DataFrame([{"status": 200, "term": "--", "Tc": 0, "Tr": 5, **row} for row in rows])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return NormalLines.of_frame(frame)


def test_distinct_pods_of_a_route_with_only_normal_lines():
    lines = _lines([
        {"namespace": "shop", "route": "web", "pod": "web-a", "ts": "2026-11-20T08:00:00Z"},
        {"namespace": "shop", "route": "web", "pod": "web-b", "ts": "2026-11-20T08:00:01Z"},
        {"namespace": "shop", "route": "web", "pod": "web-a", "ts": "2026-11-20T08:00:02Z", "status": 404},
        {"namespace": "shop", "route": "api", "pod": "api-a", "ts": "2026-11-20T08:00:03Z"},
    ])
    assert lines.distinct("shop", "web", "pod") == {"web-a", "web-b"}
    assert lines.distinct("shop", "api", "pod") == {"api-a"}
    assert lines.distinct("shop", "web", "status") == {200, 404}


def test_distinct_leaves_out_a_missing_value_as_dropna_does():
    lines = _lines([
        {"namespace": "shop", "route": "web", "pod": None, "ts": "2026-11-20T08:00:00Z"},
        {"namespace": "shop", "route": "web", "pod": "web-a", "ts": "2026-11-20T08:00:01Z"},
    ])
    assert lines.distinct("shop", "web", "pod") == {"web-a"}


def test_distinct_of_a_route_with_no_normal_line_is_empty():
    lines = _lines([{"namespace": "shop", "route": "web", "pod": "web-a", "ts": "2026-11-20T08:00:00Z"}])
    assert lines.distinct("shop", "api", "pod") == set()
    assert lines.distinct("other", "web", "pod") == set()
    assert NormalLines().distinct("shop", "web", "pod") == set()


def test_distinct_reads_no_abnormal_line():
    """A 503 or a queued line is a row, not a normal line: the pod it names is not among the counted ones."""
    lines = _lines([
        {"namespace": "shop", "route": "web", "pod": "web-a", "ts": "2026-11-20T08:00:00Z"},
        {"namespace": "shop", "route": "web", "pod": "web-b", "ts": "2026-11-20T08:00:01Z", "status": 503},
        {"namespace": "shop", "route": "web", "pod": "web-c", "ts": "2026-11-20T08:00:02Z", "srv_queue": 3},
    ])
    assert lines.distinct("shop", "web", "pod") == {"web-a"}
