"""An explanation's time of day carries its date when it is not on the day the analysis reads times against.

"It began at 08:30:00" reads as the collection's day; a route created three days earlier, an outage of the day
before or a log that runs past midnight would be misread without the date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from analyzer.rules.common import hhmm, reference_day, times_read_against
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIOS, scenario_inputs


def test_a_time_on_the_reference_day_is_a_time_of_day_and_another_days_has_its_date():
    late = datetime(2026, 11, 19, 23, 58, tzinfo=UTC)
    with times_read_against(date(2026, 11, 20)):
        assert hhmm(late + timedelta(minutes=5)) == "00:03:00"
        assert hhmm(late) == "2026-11-19 23:58:00"
        # a time with an offset is read in UTC, as every time of the report is: 05:20 +05:30 is 23:50 UTC
        assert hhmm(datetime(2026, 11, 20, 5, 20, tzinfo=timezone(timedelta(hours=5, minutes=30)))) == (
            "2026-11-19 23:50:00")
        assert hhmm(None) == "an unknown time"
    assert hhmm(late) == "23:58:00"  # outside an analysis: no reference day, no date


def test_the_reference_day_is_the_collections_else_the_last_log_lines(tmp_path):
    inputs, logs = scenario_inputs(SCENARIOS / "B504-fires-app-timeout")
    assert reference_day(load_snapshot(inputs, logs, keep_all_requests=False)) == date(2026, 11, 20)  # 09:05 UTC
    log = next((SCENARIOS / "B504-fires-app-timeout").rglob("current.log")).read_text()
    shifted = tmp_path / "access.log"  # the log alone, its last line moved to the next day
    lines = log.splitlines(keepends=True)
    shifted.write_text("".join(lines[:-1]) + lines[-1].replace("20/Nov/2026", "21/Nov/2026", 1))
    assert reference_day(load_snapshot([], [str(shifted)])) == date(2026, 11, 21)
    assert reference_day(load_snapshot(inputs[:1])) == date(2026, 11, 20)  # the inspect alone: its collection, no log
    assert reference_day(load_snapshot([], [])) is None
