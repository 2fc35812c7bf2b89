"""E202 on pods still not ready at collection: the incident is going on, whatever the route's later requests
(``E202-fires-one-pod-unready``: one of two pods fails its probe from 08:36 and is not ready at 09:09; the other
pod answers everything after its last 5xx, which once made the finding say it had ended)."""

from __future__ import annotations

from pathlib import Path

from tests.analyzer.scenario_helpers import copy_scenario, result


def test_pods_still_not_ready_are_an_ongoing_incident(tmp_path: Path):
    out = result(copy_scenario(tmp_path, "E202-fires-one-pod-unready"))
    [finding] = [f for f in out["findings"] if f["id"].endswith("-E202")]
    assert finding["status_at_collection"] == "ongoing" and finding["ended_at"] is None
    assert finding["explanation"].endswith(" It began at 08:30:20; the pods were still not ready at collection.")
    assert "ended at" not in finding["explanation"]


def test_pods_still_not_ready_are_ongoing_when_the_window_holds_no_line(tmp_path: Path):
    """A ``--since`` after every log line leaves the finding without a line of the route: the pods' state at
    collection still says the incident was going on (not ``unknown``, which it said only for want of lines)."""
    from datetime import UTC, datetime

    from analyzer.run import analyze
    from parsers.load_snapshot import load_snapshot

    root = copy_scenario(tmp_path, "E202-fires-one-pod-unready")
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir())
    snap = load_snapshot(inputs, since=datetime(2026, 11, 21, tzinfo=UTC))
    out = analyze(snap, tool_version="test").to_dict()
    [finding] = [f for f in out["findings"] if f["id"].endswith("-E202")]
    assert finding["affected_requests"] == 0
    assert finding["status_at_collection"] == "ongoing" and finding["ended_at"] is None
    assert finding["explanation"].endswith("; the pods were still not ready at collection.")


def test_pods_that_went_not_ready_at_different_times_are_each_dated(demo_dir: Path):
    """On the demo case frontend's two pods went not ready at 08:38:40 and 08:41:12: the earliest alone would say
    both failed from 08:38:40."""
    from analyzer.run import analyze
    from parsers.load_snapshot import load_snapshot

    out = analyze(load_snapshot([str(demo_dir)]), tool_version="test").to_dict()
    [finding] = [f for f in out["findings"] if f["code"] == "E202"]
    assert finding["explanation"].startswith(
        "Pods frontend-6f8d9c7b5-h2j4k (since 2026-11-20 08:38:40 UTC), frontend-6f8d9c7b5-r7t9w (since 2026-11-20 "
        "08:41:12 UTC) are running but not ready; ")


def test_one_time_for_pods_not_ready_since_the_same_moment():
    import pandas as pd

    from analyzer.rules.endpoints.e202_readiness_probe_failing import _not_ready_since

    at = pd.Timestamp("2026-11-20T08:38:40Z")
    both = pd.DataFrame({"name": ["a", "b"], "ready_since": [at, at]})
    assert _not_ready_since(both) == "Pods a, b are running but not ready since 2026-11-20 08:38:40 UTC"
    one = pd.DataFrame({"name": ["a"], "ready_since": [pd.NaT]})
    assert _not_ready_since(one) == "Pod a is running but not ready"


def test_a_window_that_opens_late_does_not_move_the_start_of_pods_still_not_ready(demo_dir: Path):
    """Read from 08:50 (``--since``), the first 503 read is at 08:50:03; the pods are not ready without a break since
    08:38:40 (the first failed probe 08:38:20): the fault began then, whatever the window."""
    from datetime import UTC, datetime

    from analyzer.run import analyze
    from parsers.load_snapshot import load_snapshot

    began = set()
    for since in (None, datetime(2026, 11, 20, 8, 50, tzinfo=UTC)):
        out = analyze(load_snapshot([str(demo_dir)], since=since), tool_version="test").to_dict()
        [finding] = [f for f in out["findings"] if f["code"] == "E202"]
        began.add(finding["began_at"])
        assert "It began at 08:38:20 (the first failed probe or the pods' Ready transition)" in finding["explanation"]
    assert began == {"2026-11-20T08:38:20Z"}
