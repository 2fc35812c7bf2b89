"""The time stories (fixtures/scenarios/time-*): the finding dates the change and says whether it was over.

The golden files pin verdicts and ledgers; these tests pin what the findings say about time:
``began_at`` (first evidence), ``status_at_collection``/``ended_at``, and the change named in the
explanation with the evidence it was read from.
"""

from __future__ import annotations

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
    assert any(t == "be_edge_http:portal:portal" for t in texts)
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
