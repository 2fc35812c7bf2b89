"""The ``<NOSRV>`` answers of a route whose every pod was down restarting are the restart's (K601), not "no
ready endpoints" of an unknown reason (E203); the errors on pods a rollout replaced are the rollout's (K602)
even when the archive holds neither the old pods nor their ``Killing`` events, only the workload's revisions.

The scenarios ``K601-fires-only-replica-oom-nosrv`` and ``K602-fires-rollout-events-expired`` pin the
answers; these tests change one fact of each and check that the answer follows it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml

from analyzer.model import IncidentStatus
from analyzer.rules.common import timing_sentence
from tests.analyzer.test_scenarios import run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
INSPECT = "inspect.local.8803261147795526112/namespaces/media"


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(SCENARIOS / name, target)
    return target


def _by_code(scenario: Path) -> dict[str, dict]:
    return {f["code"]: f for f in run_scenario(scenario).to_dict()["findings"]}


def test_a_restart_owns_the_nosrv_answers_only_when_no_other_pod_was_left(tmp_path):
    alone = _by_code(SCENARIOS / "K601-fires-only-replica-oom-nosrv")
    assert alone["K601"]["affected_requests"] == 6 and "E203" not in alone
    assert "4 requests found no server at all while the route's only pod was down" in alone["K601"]["explanation"]
    # a second replica, ready and never restarted: the router had a server left, so the <NOSRV> burst is not the
    # restart's (the restart explains only the lines on its own pod)
    scenario = _copy("K601-fires-only-replica-oom-nosrv", tmp_path)
    pods_file = scenario / INSPECT / "core" / "pods.yaml"
    pods = yaml.safe_load(pods_file.read_text())
    other = yaml.safe_load((SCENARIOS / "K601-fires-oom-under-load" / INSPECT / "core" / "pods.yaml").read_text())
    pods["items"] += [p for p in other["items"] if p["metadata"]["name"] == "render-7c9d5b6f48-k2x9p"]
    pods_file.write_text(yaml.safe_dump(pods))
    two = _by_code(scenario)
    assert two["K601"]["affected_requests"] == 2
    assert two["E203"]["affected_requests"] == 4


def test_a_pod_that_was_not_back_by_collection_is_down_for_two_minutes_after_its_end(tmp_path):
    scenario = _copy("K601-fires-only-replica-oom-nosrv", tmp_path)
    pods_file = scenario / INSPECT / "core" / "pods.yaml"
    pods = yaml.safe_load(pods_file.read_text())
    for condition in pods["items"][0]["status"]["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "False"
    pods_file.write_text(yaml.safe_dump(pods))
    found = _by_code(scenario)
    assert found["K601"]["affected_requests"] == 6 and "E203" not in found


def test_the_errors_on_pods_of_a_revision_scaled_to_zero_are_the_rollout_s(tmp_path):
    expired = _by_code(SCENARIOS / "K602-fires-rollout-events-expired")
    assert expired["K602"]["affected_requests"] == 5 and "B504" not in expired
    words = expired["K602"]["explanation"]
    assert ("ReplicaSet render-6b5d8f7c9 (revision 2) was scaled to 0, replaced by render-7c9d5b6f48 (revision 3)"
            in words)
    assert any(e["text"] == "replicas: 0" and e["source"].endswith("replicasets.yaml")
               for e in expired["K602"]["evidence"])
    # the old revision still scaled up: nothing says its pods were replaced, the closed connections are B504's
    scenario = _copy("K602-fires-rollout-events-expired", tmp_path)
    sets_file = scenario / INSPECT / "apps" / "replicasets.yaml"
    sets = yaml.safe_load(sets_file.read_text())
    old = next(s for s in sets["items"] if s["metadata"]["name"] == "render-6b5d8f7c9")
    old["spec"]["replicas"] = old["status"]["replicas"] = 1
    sets_file.write_text(yaml.safe_dump(sets))
    kept = _by_code(scenario)
    assert "K602" not in kept
    assert kept["B504"]["affected_requests"] == 2


def test_an_ended_fault_followed_by_other_errors_does_not_say_the_requests_after_it_succeeded():
    began, ended, later = (datetime(2026, 11, 20, 8, 44, s, tzinfo=UTC) for s in (0, 1, 20))
    alone = timing_sentence(began, IncidentStatus.ENDED, ended)
    assert alone.endswith("ended at 08:44:01: the route's requests after that succeeded.")
    followed = timing_sentence(began, IncidentStatus.ENDED, ended, later_failure=later)
    assert followed.endswith("ended at 08:44:01; the route failed again until 08:44:20 (errors this finding does "
                             "not explain), and its requests after that succeeded.")
    assert timing_sentence(began, IncidentStatus.ENDED, ended, later_failure=began) == alone
