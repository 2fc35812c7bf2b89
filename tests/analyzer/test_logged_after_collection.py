"""Access-log lines well after the objects were collected (router logs of another day passed with ``--logs``):
a gap says the objects predate those requests, and a burst of ``<NOSRV>`` after the collection is not called a
transient outage that ended before the must-gather on the strength of endpoints collected before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from analyzer.windows import LOGGED_AFTER_COLLECTION, logged_after_collection
from tests.analyzer.scenario_helpers import copy_scenario, result, router_log

COLLECTED = datetime(2026, 11, 20, 9, 9, 5, tzinfo=UTC)


class _Totals:
    def __init__(self, last: datetime):
        self.last = last

    def time_range(self) -> tuple[int, int]:
        return 0, int(pd.Timestamp(self.last).value)


class _Snap:
    def __init__(self, last: datetime, collected: datetime | None = COLLECTED, logs: bool = True):
        self.collection_window = (collected, collected)
        self.has_access_logs = logs
        self._totals = _Totals(last)

    def totals(self) -> _Totals:
        return self._totals


def test_lines_later_than_the_margin_after_the_collection_are_after_it():
    at_margin = COLLECTED + LOGGED_AFTER_COLLECTION.to_pytimedelta()
    assert logged_after_collection(_Snap(at_margin)) is None  # type: ignore[arg-type]
    later = at_margin + timedelta(milliseconds=1)
    assert logged_after_collection(_Snap(later)) == (COLLECTED, later)  # type: ignore[arg-type]
    assert logged_after_collection(_Snap(later, collected=None)) is None  # type: ignore[arg-type]
    assert logged_after_collection(_Snap(later, logs=False)) is None  # type: ignore[arg-type]


def _shift_log(root: Path, hours: int) -> None:
    """Every line of the scenario's router log moved ``hours`` later: the kubelet's and rsyslog's stamps and the
    router's accept date alike."""
    log = router_log(root)
    text = log.read_text()
    for hour in range(23, -1, -1):  # latest first, so a moved hour is never moved twice
        text = (text.replace(f"T{hour:02d}:", f"T{hour + hours:02d}:")
                .replace(f"2026:{hour:02d}:", f"2026:{hour + hours:02d}:"))
    log.write_text(text)


def test_a_burst_after_the_collection_is_not_judged_by_the_endpoints_collected_before_it(tmp_path: Path):
    root = copy_scenario(tmp_path, "E203-fires-transient-outage")
    before = result(root)
    assert not [g for g in before["gaps"] if "after the objects were collected" in g["what"]]
    [transient] = [f for f in before["findings"] if f["code"] == "E203"]
    assert "a transient outage that ended before the must-gather" in transient["explanation"]

    _shift_log(root, 2)
    after = result(root)
    [gap] = [g for g in after["gaps"] if "after the objects were collected" in g["what"]]
    assert gap["how_to_collect"].startswith("oc adm must-gather; oc adm inspect ns/inventory")
    [late] = [f for f in after["findings"] if f["code"] == "E203"]
    assert "ended before the must-gather" not in late["explanation"]
    assert "after the objects were collected" in late["explanation"]
    assert "predate these errors" in late["explanation"]
