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
