"""Kubernetes-event facts: reason, first/last time and count, also for pods gone from the archive."""

from __future__ import annotations

from datetime import datetime

from tests.analyzer.facts.conftest import at, stamp


def event(name: str, reason: str, first: datetime, last: datetime, count: int = 1, kind: str = "Pod",
          message: str = "") -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"{name}.{reason}", "namespace": "shop"},
            "involvedObject": {"kind": kind, "name": name, "namespace": "shop"}, "reason": reason,
            "type": "Normal" if reason in ("Killing", "Scheduled", "Started") else "Warning", "message": message,
            "firstTimestamp": stamp(first), "lastTimestamp": stamp(last), "count": count}


def test_events_by_reason_kind_name_and_time(facts_of):
    facts = facts_of([
        event("web-old11", "Killing", at(5), at(5), message="Stopping container web"),
        event("web-new22", "Unhealthy", at(2), at(4), count=7, message="Readiness probe failed: HTTP 503"),
        event("web-6b7f9c7d5", "SuccessfulCreate", at(4.5), at(4.5), kind="ReplicaSet"),
    ])
    [kill] = facts.events("shop", reason="Killing")
    assert (kill.kind, kill.name, kill.count, kill.first_seen, kill.message) == (
        "Pod", "web-old11", 1, at(5), "Stopping container web")
    assert kill.where.source.endswith("objects.yaml") and kill.where.line
    [probe] = facts.events("shop", kind="Pod", name="web-new22")
    assert (probe.reason, probe.count, probe.first_seen, probe.last_seen) == ("Unhealthy", 7, at(2), at(4))
    assert [e.reason for e in facts.events("shop", reason=("Killing", "SuccessfulCreate"))] == [
        "SuccessfulCreate", "Killing"]
    assert [e.reason for e in facts.events("shop", start=at(3), end=at(4.6))] == ["Unhealthy", "SuccessfulCreate"]
    assert facts.events("other") == []


def test_events_of_pods_gone_from_the_archive_make_their_timeline(facts_of):
    facts = facts_of([event("web-old11", "Killing", at(5), at(5)), event("web-old11", "Started", at(0), at(0))])
    [gone] = facts.gone_pods("shop")
    assert (gone.name, gone.in_archive, gone.created) == ("web-old11", False, None)
    assert [e.reason for e in gone.events] == ["Started", "Killing"]
    assert gone.last_killed() == at(5)
