"""The ready-to-paste reply of each finding, and the configuration changes on a route's timeline.

Both restate what the analysis found: the reply the finding's own fields (no new facts), the
timeline the edits (``managedFields``) and termination changes (backend name in the access log).
"""

from __future__ import annotations

from datetime import UTC, datetime

from analyzer.customer_summary import MAX_EVIDENCE, customer_summary
from analyzer.model import Evidence, Finding, IncidentStatus, Severity
from tests.analyzer.scenario_helpers import SCENARIOS, result


def _finding(**fields) -> Finding:
    base = dict(code="K602", cause="rollout-without-graceful-shutdown", severity=Severity.WARNING,
                namespace="shop", route="web", service="web", title="58 requests failed while pods were being replaced",
                explanation="58 requests failed on pods that were being deleted.",
                evidence=[Evidence("ns/shop/events.yaml", i + 1, f"reason: Killing {i}") for i in range(7)],
                remediation=["oc -n shop patch deployment/web --type=json -p '[...]'", "oc -n shop scale ..."],
                diagnostics=["oc -n shop describe pod web-1"])
    base.update(fields)
    return Finding(**base)


def test_reply_says_what_happened_when_cites_evidence_and_ends_with_the_fix_not_the_diagnostics():
    f = _finding(affected_requests=58, began_at=datetime(2026, 11, 20, 8, 38, tzinfo=UTC),
                 first_seen=datetime(2026, 11, 20, 8, 38, 5, tzinfo=UTC),
                 last_seen=datetime(2026, 11, 20, 8, 46, 30, tzinfo=UTC),
                 status_at_collection=IncidentStatus.ENDED, ended_at=datetime(2026, 11, 20, 8, 46, 30, tzinfo=UTC))
    text = customer_summary(f)
    first = text.splitlines()[0]
    assert first == ("What happened on route shop/web: 58 requests failed while pods were being replaced. "
                     "It began at 2026-11-20 08:38:00 UTC. "  # the first kill, before the first failed request
                     "58 requests failed between 2026-11-20 08:38:05 UTC and 2026-11-20 08:46:30 UTC. "
                     "It had ended by 2026-11-20 08:46:30 UTC.")
    assert "- ns/shop/events.yaml:1: reason: Killing 0" in text
    assert f"- ns/shop/events.yaml:{MAX_EVIDENCE}: reason: Killing {MAX_EVIDENCE - 1}" in text
    assert f"reason: Killing {MAX_EVIDENCE}" not in text  # the strongest lines only ...
    assert "… and 2 more lines in the attached report" in text  # ... and says so
    tail = text.split("Change to make:\n", 1)[1]
    assert tail.splitlines() == f.remediation
    assert "describe pod" not in text


def test_reply_of_one_failed_request_gives_its_time_not_a_span_from_it_to_itself():
    one = datetime(2026, 11, 20, 8, 45, tzinfo=UTC)
    f = _finding(affected_requests=1, title="1 request failed while pods were being replaced", began_at=one,
                 first_seen=one, last_seen=one, status_at_collection=IncidentStatus.ENDED, ended_at=one)
    first = customer_summary(f).splitlines()[0]
    assert "1 request failed at 2026-11-20 08:45:00 UTC." in first
    assert "1 requests" not in first and "between" not in first


def test_reply_of_an_ongoing_finding_without_logs_claims_no_numbers():
    f = _finding(code="E203", cause="no-ready-endpoints", evidence=[Evidence("a.yaml", None, "replicas:\n  0")],
                 title="route web has no ready endpoint: deployment web is scaled to 0",
                 status_at_collection=IncidentStatus.ONGOING)
    text = customer_summary(f)
    assert "requests failed" not in text.splitlines()[0]
    assert "still going on when the data was collected" in text
    assert "- a.yaml: replicas: 0" in text  # one line per evidence, without a line number it does not have


def test_every_finding_of_an_analysis_carries_its_reply():
    data = result(SCENARIOS / "time-rollout-twice-old-pods-gone")
    [k602] = [f for f in data["findings"] if f["code"] == "K602"]
    assert k602["customer_summary"].startswith("What happened on route ")
    assert k602["remediation"][0] in k602["customer_summary"]
    assert all(f["customer_summary"] for f in data["findings"])


def test_timeline_marks_the_termination_change_and_the_route_edit():
    data = result(SCENARIOS / "time-termination-edge-to-reencrypt")
    [route] = [r for r in data["routes"] if any(e["kind"] == "config-change" for e in r["events"])]
    changes = [e for e in route["events"] if e["kind"] == "config-change"]
    texts = [e["text"] for e in changes]
    assert any(t.startswith("termination edge → reencrypt (backend name in the access log: be_edge_http → be_secure")
               for t in texts), texts
    assert any(t == f"route {route['name']} last edited (managedFields)" for t in texts), texts
    assert all(e["ts"].startswith("2026-11-20T08:37") for e in changes)


def test_timeline_has_no_change_where_nothing_was_edited():
    data = result(SCENARIOS / "time-rollout-twice-old-pods-gone")
    assert not [e for r in data["routes"] for e in r["events"] if e["kind"] == "config-change"]
