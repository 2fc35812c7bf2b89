"""Object facts with time: pod timelines, when routes/services/policies were created and last edited,
and when ReplicaSets/ReplicationControllers (rollouts) were created.

A pod timeline joins what the pod object says (creation, start, conditions with their
``lastTransitionTime``, container ``state``/``lastState`` times and reasons, ``deletionTimestamp``)
with the events about it. A pod gone from the archive still has a timeline made of its events
(``in_archive=False``), which is how a rollout whose old pods were deleted is seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from analyzer.facts.common import Where, integer, moment, text, where
from analyzer.facts.events import EventFacts, KubeEvent
from analyzer.facts.events import column_records as _records

EDITABLE = {"route": "routes", "service": "services", "networkpolicy": "netpols"}


@dataclass(frozen=True, slots=True)
class ConditionChange:
    """A pod condition as it stood at collection, and since when (``lastTransitionTime``)."""

    type: str
    status: str
    since: datetime | None
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class ContainerTimes:
    """A container's current state and its last termination, with times and reasons."""

    name: str
    state: str | None  # running | waiting | terminated
    state_reason: str | None
    state_since: datetime | None
    restart_count: int
    last_reason: str | None  # e.g. OOMKilled, Error
    last_exit_code: int | None
    last_started: datetime | None
    last_finished: datetime | None


@dataclass(frozen=True, slots=True)
class PodTimeline:
    """Everything dated about one pod; ``in_archive`` is False for a pod known only from events."""

    namespace: str
    name: str
    in_archive: bool
    created: datetime | None = None
    started: datetime | None = None
    deleted: datetime | None = None  # deletionTimestamp (the pod was terminating at collection)
    ready: bool | None = None
    owner: str | None = None  # controller owner name (a ReplicaSet for Deployment pods)
    conditions: tuple[ConditionChange, ...] = ()
    containers: tuple[ContainerTimes, ...] = ()
    events: tuple[KubeEvent, ...] = field(default_factory=tuple)
    where: Where | None = None

    def last_killed(self) -> datetime | None:
        """The last ``Killing`` event time of this pod, when there is one."""
        times = [e.last_seen for e in self.events if e.reason == "Killing" and e.last_seen is not None]
        return max(times) if times else None


@dataclass(frozen=True, slots=True)
class ObjectTimes:
    """When an object was created and last edited (latest ``managedFields[].time`` outside status)."""

    kind: str
    namespace: str
    name: str
    created: datetime | None
    last_edited: datetime | None
    where: Where


@dataclass(frozen=True, slots=True)
class ReplicaSetTimes:
    """A ReplicaSet/ReplicationController: a rollout step of its owner, dated by its creation."""

    kind: str
    namespace: str
    name: str
    owner: str | None
    created: datetime | None
    revision: str | None
    replicas: int | None
    where: Where


def _conditions(raw: object) -> tuple[ConditionChange, ...]:
    try:
        items = json.loads(str(raw)) if raw is not None and raw is not pd.NA else []
    except ValueError:
        return ()
    out = []
    for c in items if isinstance(items, list) else []:
        if isinstance(c, dict) and c.get("type"):
            since = pd.to_datetime(c.get("lastTransitionTime"), utc=True, errors="coerce")
            out.append(ConditionChange(str(c["type"]), str(c.get("status")), moment(since),
                                       text(c.get("reason")), text(c.get("message"))))
    return tuple(out)


class ObjectFacts:
    """Dated object facts, built once per snapshot."""

    def __init__(self, frames: dict[str, pd.DataFrame], events: EventFacts):
        self._events = events
        self._pods = {(str(r["namespace"]), str(r["name"])): r for r in _records(frames["pods"])}
        self._containers: dict[tuple[str, str], list[dict]] = {}
        for r in _records(frames["containers"]):
            if not r.get("init"):
                self._containers.setdefault((str(r["namespace"]), str(r["pod"])), []).append(r)
        self._edits = {
            kind: {(str(r["namespace"]), str(r["name"])): r for r in _records(frames[frame])}
            for kind, frame in EDITABLE.items()
        }
        self._replicasets = [
            ReplicaSetTimes(str(r["kind"]), str(r["namespace"]), str(r["name"]), text(r.get("owner_name")),
                            moment(r.get("created")), text(r.get("revision")), integer(r.get("replicas")), where(r))
            for r in _records(frames["replicasets"])
        ]

    def pod_exists(self, namespace: str, pod: str) -> bool:
        return (namespace, pod) in self._pods

    def pod_names(self, namespace: str) -> list[str]:
        return sorted(name for ns, name in self._pods if ns == namespace)

    def pod_timeline(self, namespace: str, pod: str) -> PodTimeline:
        """The pod's dated facts; for a pod the archive lacks, only its events (``in_archive=False``)."""
        events = tuple(self._events.events(namespace, kind="Pod", name=pod))
        r = self._pods.get((namespace, pod))
        if r is None:
            return PodTimeline(namespace, pod, in_archive=False, events=events)
        containers = tuple(
            ContainerTimes(str(c["name"]), text(c.get("state")), text(c.get("state_reason")),
                           moment(c.get("state_since")),
                           integer(c.get("restart_count")) or 0, text(c.get("last_reason")),
                           integer(c.get("last_exit_code")), moment(c.get("last_started")),
                           moment(c.get("last_finished")))
            for c in self._containers.get((namespace, pod), [])
        )
        ready = r.get("ready")
        return PodTimeline(
            namespace, pod, in_archive=True, created=moment(r.get("created")), started=moment(r.get("started")),
            deleted=moment(r.get("deleted")), ready=None if ready is None or ready is pd.NA else bool(ready),
            owner=text(r.get("owner_name")), conditions=_conditions(r.get("conditions")), containers=containers,
            events=events, where=where(r),
        )

    def gone_pods(self, namespace: str) -> list[PodTimeline]:
        """Pods that events name but the archive does not hold (deleted before collection), by name."""
        named = {e.name for e in self._events.events(namespace, kind="Pod") if e.name}
        return [self.pod_timeline(namespace, p) for p in sorted(named) if (namespace, p) not in self._pods]

    def object_times(self, kind: str, namespace: str, name: str) -> ObjectTimes | None:
        """Creation and last edit of a route, service or networkpolicy (``kind`` in :data:`EDITABLE`)."""
        r = self._edits[kind].get((namespace, name))
        if r is None:
            return None
        return ObjectTimes(kind, namespace, name, moment(r.get("created")), moment(r.get("last_edited")), where(r))

    def replicasets(self, namespace: str, owner: str | None = None) -> list[ReplicaSetTimes]:
        """ReplicaSets/ReplicationControllers of a namespace (optionally of one owner), oldest first."""
        found = [r for r in self._replicasets if r.namespace == namespace and (owner is None or r.owner == owner)]
        return sorted(found, key=lambda r: (r.created is None, r.created or datetime.min.replace(tzinfo=None), r.name))
