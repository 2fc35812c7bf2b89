"""The time stories (fixtures/scenarios/time-*): the finding dates the change and says whether it was over.

The golden files pin verdicts and ledgers; these tests pin what the findings say about time:
``began_at`` (first evidence), ``status_at_collection``/``ended_at``, and the change named in the
explanation with the evidence it was read from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.analyzer.scenario_helpers import SCENARIOS, result


def finding_of(name: str, code: str) -> dict:
    [found] = [f for f in result(SCENARIOS / name)["findings"] if f["code"] == code]
    return found


def test_termination_edit_is_dated_from_the_backend_name_and_the_layer6_down():
    f = finding_of("time-termination-edge-to-reencrypt", "P302")
    assert (f["began_at"], f["status_at_collection"], f["ended_at"]) == ("2026-11-20T08:37:00Z", "ongoing", None)
    assert "termination changed edge → reencrypt at ~08:37:00" in f["explanation"]
    assert "be_edge_http until 08:36:45" in f["explanation"]
    assert 'Layer6 invalid response, info: "SSL handshake failure"' in f["explanation"]
    assert "last edited at 08:37:00 (managedFields)" in f["explanation"]
    assert f["affected_requests"] == 54  # the SC on real servers and the <NOSRV> after the DOWN
    texts = [e["text"] for e in f["evidence"]]
    # the old backend's first line, quoted as it stands in the log (its text read back once the rules are done)
    assert any(t.startswith("2026-11-20T08:30:00.015449118Z ") and " be_edge_http:portal:portal/pod:" in t
               for t in texts)
    assert any("is DOWN, reason: Layer6" in t for t in texts)


def test_rollout_with_gone_pods_is_found_from_killing_events_and_ended():
    f = finding_of("time-rollout-twice-old-pods-gone", "K602")
    assert f["status_at_collection"] == "ended"
    assert f["began_at"] == "2026-11-20T08:38:00Z"  # the first Killing, before the first failed request
    assert f["ended_at"] == f["last_seen"]
    assert "invoices-5d7c9b8f64-a1b2c killed at 08:38:00; invoices-6f8d7c9b55-d3e4f killed at 08:46:00" in (
        f["explanation"])
    assert "no longer in the archive" in f["explanation"]
    assert sum("reason: Killing" in e["text"] for e in f["evidence"]) == 2


def test_route_moved_to_an_unserved_shard_is_found_from_captured_hosts():
    f = finding_of("time-route-sharded-mid-window", "R101")
    assert (f["began_at"], f["status_at_collection"]) == ("2026-11-20T08:40:00Z", "ongoing")
    assert "logged requests until 08:39:45; since 08:40:00" in f["explanation"]
    assert f["affected_requests"] == 40


# --- one story per cause (fixtures/scenarios/time_causes.py): the fault dated, its end said, nothing else found ---
TIMED = sorted(p for p in SCENARIOS.iterdir() if (p / "expected.json").exists()
               and "timing" in json.loads((p / "expected.json").read_text()))
MAX_UNEXPLAINED = 0.20  # issue 12: at most 20 % of a route's router-side 5xx unexplained


def _timed_params() -> list:
    out = []
    for scenario in TIMED:
        reason = json.loads((scenario / "expected.json").read_text()).get("xfail")
        out.append(pytest.param(scenario, id=scenario.name,
                                marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else []))
    return out


def test_every_v1_cause_has_a_time_story_and_every_cause_that_can_end_an_ended_one():
    v1 = {"route-not-admitted", "route-service-missing", "route-target-port-mismatch", "service-selector-mismatch",
          "readiness-probe-failing", "no-ready-endpoints", "service-port-mismatch", "tls-termination-mismatch",
          "backend-timeout", "backend-saturation", "network-policy-blocks-router", "pods-restarting",
          "rollout-without-graceful-shutdown", "invalid-response", "backend-connection-closed"}
    stories = [json.loads((p / "expected.json").read_text()) for p in SCENARIOS.glob("time-*")]
    causes = {f["cause"] for e in stories for f in e.get("findings", [])}
    assert v1 <= causes, sorted(v1 - causes)
    ended = {f["cause"] for e in stories for f in e.get("findings", [])
             if any(t["status_at_collection"] == "ended" for t in e.get("timing", {}).values())}
    ended.add("rollout-without-graceful-shutdown")  # time-rollout-twice-old-pods-gone, pinned above
    can_end = {"readiness-probe-failing", "rollout-without-graceful-shutdown", "pods-restarting", "backend-timeout",
               "backend-saturation", "network-policy-blocks-router", "service-port-mismatch"}
    assert can_end <= ended, sorted(can_end - ended)


@pytest.mark.parametrize("scenario", _timed_params())
def test_time_story_names_its_cause_alone_dates_it_and_accounts_for_its_errors(scenario: Path):
    expected = json.loads((scenario / "expected.json").read_text())
    out = result(scenario)
    got = sorted((f["code"], f["cause"], f["namespace"], f["route"], f["severity"]) for f in out["findings"])
    wanted = sorted((f["code"], f["cause"], f["namespace"], f["route"], f["severity"]) for f in expected["findings"])
    assert got == wanted, "exactly the story's finding, no other"
    for code, timing in expected["timing"].items():
        [f] = [f for f in out["findings"] if f["code"] == code]
        assert {k: f[k] for k in timing} == timing
    for route in out["routes"]:
        led = route["error_ledger"]
        assert led is not None and led["router_side_5xx"] > 0
        assert led["explained"] + led["unexplained"] == led["router_side_5xx"]
        assert led["unexplained"] <= MAX_UNEXPLAINED * led["router_side_5xx"], led["unexplained_groups"]
