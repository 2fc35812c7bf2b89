"""E203 on a burst of ``<NOSRV>`` that a scale to 0 caused, in a log that ends while it fails
(``E203-fires-scaled-to-zero-log-ends-failing``): the scaling events name the cause and date it, the pods'
``Ready`` transition after the last 503 (before the collection) ends it, and no rollout fix is proposed."""

from __future__ import annotations

from pathlib import Path

from tests.analyzer.scenario_helpers import copy_scenario, edit, one_file, result

NAME = "E203-fires-scaled-to-zero-log-ends-failing"


def _e203(root: Path) -> dict:
    [finding] = [f for f in result(root)["findings"] if f["code"] == "E203"]
    return finding


def test_the_scaling_names_and_dates_the_outage_and_the_pods_ready_again_end_it(tmp_path: Path):
    finding = _e203(copy_scenario(tmp_path, NAME))
    words = finding["explanation"]
    assert "Deployment render: Scaled down replica set render-7c9d5b6f48 to 0 from 2 at 2026-11-20 08:40:00" in words
    assert words.endswith("the access log ends while it failed, and the route's pods were ready again from 08:58:30 "
                          "(their Ready transition).")
    # the scale-down is cited; the scale-up, long after the last 503, is not "around that time"
    assert [e["text"] for e in finding["evidence"] if "ScalingReplicaSet" in e["text"]] == ["reason: ScalingReplicaSet"]
    assert finding["remediation"] == []  # a scale to 0 and back: no rollout or drain setting to change


def test_without_the_events_the_ready_pods_still_end_it(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)
    events = one_file(root, "**/core/events.yaml")
    events.write_text("apiVersion: v1\nkind: EventList\nitems: []\n")
    finding = _e203(root)
    assert finding["status_at_collection"] == "ended" and finding["ended_at"] == "2026-11-20T08:58:30Z"
    assert "Nothing in the archive changed around that time" in finding["explanation"]


def test_a_pod_ready_before_the_last_503_leaves_the_end_unknown_to_the_objects(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)

    def ready_early(pod: dict) -> None:
        for condition in pod["status"]["conditions"]:
            if condition["type"] == "Ready":
                condition["lastTransitionTime"] = "2026-11-20T08:45:00Z"

    edit(one_file(root, "**/core/pods.yaml"), ready_early)
    finding = _e203(root)
    assert finding["status_at_collection"] == "ongoing" and finding["ended_at"] is None
