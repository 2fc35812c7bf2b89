"""Object facts with time: pod conditions and container states, managedFields edits, ReplicaSet creations."""

from __future__ import annotations

from tests.analyzer.facts.conftest import at, route, stamp


def pod() -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-new22", "namespace": "shop", "creationTimestamp": stamp(at(4)),
                     "deletionTimestamp": stamp(at(19)),
                     "ownerReferences": [{"kind": "ReplicaSet", "name": "web-6b7f9c7d5", "controller": True}]},
        "spec": {"containers": [{"name": "web", "image": "web"}]},
        "status": {
            "phase": "Running", "startTime": stamp(at(4.1)),
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": stamp(at(8)),
                            "reason": "ContainersNotReady"},
                           {"type": "PodScheduled", "status": "True", "lastTransitionTime": stamp(at(4))}],
            "containerStatuses": [{
                "name": "web", "ready": False, "restartCount": 2, "image": "web",
                "state": {"running": {"startedAt": stamp(at(10))}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "startedAt": stamp(at(6)),
                                             "finishedAt": stamp(at(9.5))}},
            }],
        },
    }


def replicaset(name: str, created: int, revision: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "shop", "creationTimestamp": stamp(at(created)),
                         "annotations": {"deployment.kubernetes.io/revision": revision},
                         "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}]},
            "spec": {"replicas": 1}}


def test_pod_timeline_has_conditions_container_states_and_deletion(facts_of):
    facts = facts_of([pod()])
    t = facts.pod_timeline("shop", "web-new22")
    assert (t.in_archive, t.created, t.started, t.deleted, t.ready, t.owner) == (
        True, at(4), at(4.1), at(19), False, "web-6b7f9c7d5")
    assert [(c.type, c.status, c.since, c.reason) for c in t.conditions] == [
        ("Ready", "False", at(8), "ContainersNotReady"), ("PodScheduled", "True", at(4), None)]
    [c] = t.containers
    assert (c.state, c.state_since, c.restart_count, c.last_reason, c.last_exit_code) == (
        "running", at(10), 2, "OOMKilled", 137)
    assert (c.last_started, c.last_finished) == (at(6), at(9.5))
    assert facts.pod_timeline("shop", "nope").in_archive is False


def test_last_edit_comes_from_managed_fields_outside_status(facts_of):
    facts = facts_of([route("shop", "web", "web.apps.example.com", "reencrypt", created=at(-60), edited=at(7)),
                      route("shop", "plain", "plain.apps.example.com", created=at(-60))])
    times = facts.object_times("route", "shop", "web")
    assert (times.created, times.last_edited) == (at(-60), at(7))
    assert facts.object_times("route", "shop", "plain").last_edited is None
    assert facts.object_times("service", "shop", "web") is None


def test_replicasets_oldest_first_with_revision(facts_of):
    facts = facts_of([replicaset("web-new", 12, "3"), replicaset("web-mid", 5, "2")])
    assert [(r.name, r.created, r.revision, r.owner) for r in facts.replicasets("shop", "web")] == [
        ("web-mid", at(5), "2", "web"), ("web-new", at(12), "3", "web")]
