"""A ``--until`` window that closes before collection: a route still failing at its end is not "ongoing at collection".

The log lines after ``--until`` are not read, so the errors at the window's end say nothing about the time from
there to the collection (time-saturation-ended: the rush was over at 08:45:50, long before the 09:05 collection).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyzer.run import analyze
from parsers import normal_lines
from parsers.load_snapshot import load_snapshot
from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario


def _findings(name: str, until: datetime | None) -> dict[str, dict]:
    root = SCENARIOS / name
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    out = analyze(load_snapshot(inputs, [], until=until), tool_version="test").to_dict()
    assert out["rule_errors"] == []
    return {f["code"]: f for f in out["findings"]}


def test_errors_at_the_end_of_an_until_window_before_collection_are_not_said_ongoing():
    b502 = _findings("time-saturation-ended", datetime(2026, 11, 20, 8, 43, tzinfo=UTC))["B502"]
    assert b502["last_seen"] == "2026-11-20T08:42:50.649Z"  # the window's last queued request
    assert (b502["status_at_collection"], b502["ended_at"]) == ("unknown", None)
    assert "requests still failed at the end of the window (--until 08:43:00)" in b502["explanation"]
    assert "still going on when the data was collected" not in b502["customer_summary"]


def test_an_until_after_collection_cuts_nothing():
    b502 = _findings("time-saturation-mid-window", datetime(2026, 11, 20, 23, 0, tzinfo=UTC))["B502"]
    assert b502["status_at_collection"] == "ongoing"
    assert "requests still failed at the end of the access log" in b502["explanation"]


def test_pods_still_unready_at_collection_stay_ongoing_whatever_the_window():
    e202 = _findings("time-readiness-fails-mid-window", datetime(2026, 11, 20, 8, 47, tzinfo=UTC))["E202"]
    assert e202["status_at_collection"] == "ongoing"
    assert "the pods were still not ready at collection" in e202["explanation"]


def _collected_at(root, moment: str) -> None:
    """Rewrite every ``timestamp`` file of a copied scenario: the gather began at ``moment`` (UTC)."""
    for stamp in root.rglob("timestamp"):
        stamp.write_text(f"{moment}.000000000 +0000 UTC m=+0.2\n{moment}.500000000 +0000 UTC m=+2.0\n")


def _copied_findings(tmp_path, name: str, collected: str) -> dict[str, dict]:
    root = copy_scenario(tmp_path, name)
    _collected_at(root, collected)
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    out = analyze(load_snapshot(inputs, []), tool_version="test").to_dict()
    assert out["rule_errors"] == []
    return {f["code"]: f for f in out["findings"]}


def test_errors_where_the_logs_end_hours_before_collection_are_not_said_ongoing(tmp_path):
    # time-saturation-mid-window: queued requests still failed at 08:49:50, the log's end; collected at 15:05
    b502 = _copied_findings(tmp_path, "time-saturation-mid-window", "2026-11-20 15:05:11")["B502"]
    assert (b502["status_at_collection"], b502["ended_at"]) == ("unknown", None)
    assert ("requests still failed where the access logs end (2026-11-20 08:49:50 UTC), 6 h 15 min before the "
            "inputs were collected (2026-11-20 15:05:11 UTC): whether it was over at collection is not known."
            ) in b502["explanation"]
    assert "still going on when the data was collected" not in b502["customer_summary"]


def test_logs_that_end_within_the_hour_before_collection_still_tell_ongoing(tmp_path):
    b502 = _copied_findings(tmp_path, "time-saturation-mid-window", "2026-11-20 09:49:49")["B502"]
    assert b502["status_at_collection"] == "ongoing"
    assert "requests still failed at the end of the access log" in b502["explanation"]
    later = _copied_findings(tmp_path / "later", "time-saturation-mid-window", "2026-11-20 09:49:51")["B502"]
    assert later["status_at_collection"] == "unknown"


def test_pods_still_unready_at_collection_stay_ongoing_when_the_logs_end_early(tmp_path):
    e202 = _copied_findings(tmp_path, "time-readiness-fails-mid-window", "2026-11-21 09:05:11")["E202"]
    assert e202["status_at_collection"] == "ongoing"
    assert "the pods were still not ready at collection" in e202["explanation"]


def _since_findings(name: str, since: datetime | None) -> dict[str, dict]:
    root = SCENARIOS / name
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    out = analyze(load_snapshot(inputs, [], since=since, keep_all_requests=False), tool_version="test").to_dict()
    assert out["rule_errors"] == []
    return {f["code"]: f for f in out["findings"]}


def test_a_crash_loop_cut_by_since_is_dated_from_its_first_backoff_event():
    # time-crashloop-mid-window: BackOff events (count 14) from 08:41:00; the window opens at 08:45, after them
    k601 = _since_findings("time-crashloop-mid-window", datetime(2026, 11, 20, 8, 45, tzinfo=UTC))["K601"]
    assert k601["first_seen"] == "2026-11-20T08:46:05.341Z"
    assert k601["began_at"] == "2026-11-20T08:41:00Z"
    assert "It began at 08:41:00 (the kubelet's first BackOff event of the crash loop)" in k601["explanation"]


def test_a_crash_loop_whose_errors_came_first_is_dated_from_them():
    k601 = _since_findings("time-crashloop-mid-window", None)["K601"]
    assert k601["began_at"] == k601["first_seen"] == "2026-11-20T08:40:05.377Z"
    assert "BackOff event" not in k601["explanation"].split("It began at")[1]


CUT_START = ("The route answered nothing between the window's opening (--since 08:43:00) and that start: the fault "
             "may have begun earlier, in lines that were not read.")


@pytest.mark.parametrize("mode", ["counted", "rows"])
def test_a_fault_failing_from_the_windows_opening_may_have_begun_before_it(monkeypatch, mode):
    # time-saturation-ended: queueing from 08:40:00; a window opened at 08:43 starts with queued requests
    monkeypatch.setenv(normal_lines.ENVIRONMENT, mode)
    b502 = _since_findings("time-saturation-ended", datetime(2026, 11, 20, 8, 43, tzinfo=UTC))["B502"]
    assert b502["began_at"] == "2026-11-20T08:43:00.786Z"
    assert CUT_START in b502["explanation"]


@pytest.mark.parametrize("mode", ["counted", "rows"])
def test_a_window_opened_while_the_route_still_answered_cuts_no_start(monkeypatch, mode):
    monkeypatch.setenv(normal_lines.ENVIRONMENT, mode)
    b502 = _since_findings("time-saturation-ended", datetime(2026, 11, 20, 8, 30, tzinfo=UTC))["B502"]
    assert b502["began_at"] == "2026-11-20T08:40:00.120Z"
    assert "window's opening" not in b502["explanation"]
