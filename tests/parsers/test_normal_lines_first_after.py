"""parsers.normal_lines: the questions the rules ask of a route's counted normal lines."""

from __future__ import annotations

import pandas as pd

from parsers.normal_lines import NormalLines, first_accepted_after


def _lines(*rows: tuple[str, str, str, int]) -> NormalLines:
    """Normal lines of namespace ``n``: (route, server, accept time, status) each."""
    frame = pd.DataFrame({
        "namespace": ["n"] * len(rows),
        "route": [r[0] for r in rows],
        "server": [r[1] for r in rows],
        "ts": pd.to_datetime([r[2] for r in rows], utc=True),
        "status": pd.array([r[3] for r in rows], dtype="Int16"),
        "term": ["--"] * len(rows),
        "Tc": pd.array([0] * len(rows), dtype="Int8"),
    })
    return NormalLines.of_frame(frame)


def test_first_accepted_after_is_the_first_line_strictly_after_the_moment():
    lines = _lines(("web", "pod:a:svc:http:10.0.0.1:8080", "2026-11-20T08:40:00.000Z", 200),
                   ("web", "pod:b:svc:http:10.0.0.2:8080", "2026-11-20T08:40:05.000Z", 200),
                   ("web", "pod:a:svc:http:10.0.0.1:8080", "2026-11-20T08:40:10.000Z", 404))
    at = pd.Timestamp("2026-11-20T08:40:00Z")
    # a line exactly at the moment is not after it (rows compare ts > moment)
    assert first_accepted_after(lines, "n", "web", at) == pd.Timestamp("2026-11-20T08:40:05Z")
    assert first_accepted_after(lines, "n", "web", at - pd.Timedelta(milliseconds=1)) == at
    # a moment between two milliseconds: the line of the millisecond before it is not after it
    assert first_accepted_after(lines, "n", "web", at + pd.Timedelta(microseconds=400)) == pd.Timestamp(
        "2026-11-20T08:40:05Z")
    assert first_accepted_after(lines, "n", "web", at - pd.Timedelta(microseconds=400)) == at
    # the key columns select: server a's lines only, of every status
    assert first_accepted_after(lines, "n", "web", at, server="pod:a:svc:http:10.0.0.1:8080") == pd.Timestamp(
        "2026-11-20T08:40:10Z")
    assert first_accepted_after(lines, "n", "web", pd.Timestamp("2026-11-20T08:40:10Z")) is None


def test_first_accepted_after_answers_none_for_a_route_without_normal_lines():
    lines = _lines(("web", "pod:a:svc:http:10.0.0.1:8080", "2026-11-20T08:40:00.000Z", 200))
    assert first_accepted_after(lines, "n", "api", pd.Timestamp("2026-11-20T08:00:00Z")) is None
    assert first_accepted_after(NormalLines(), "n", "web", pd.Timestamp("2026-11-20T08:00:00Z")) is None
    # a naive moment is UTC, as the frame's times are
    assert first_accepted_after(lines, "n", "web", pd.Timestamp("2026-11-20T08:39:59")) == pd.Timestamp(
        "2026-11-20T08:40:00Z")
