"""Facts with time, computed once per snapshot and read by rules through :class:`Facts`.

The combiners of insights-core, for the questions a time-aware rule asks: what termination did the
router apply to this route at 02:05 and at 02:10, which servers did it use, did the health check
mark them DOWN and why, which pods were killed and when, when was the route last edited. One
module per signal family:

- :mod:`analyzer.facts.access`: the access log, folded per minute (config epochs, servers per
  minute, servers of pods gone from the archive, ``openshift_default`` hits mapped to routes by Host);
- :mod:`analyzer.facts.router`: the router's messages (DOWN/UP with reason and info, reloads);
- :mod:`analyzer.facts.events`: Kubernetes events (reason, first/last, count), also of gone objects;
- :mod:`analyzer.facts.objects`: pod timelines, object creation/last-edit times, ReplicaSet creations;
- :mod:`analyzer.facts.lines`: each request line's time and router-side 5xx, as arrays of the whole frame
  (a route's latest line and failure, a finding's span, read at the route's positions).

Usage::

    facts = Facts(snapshot)
    facts.route_epochs("shop", "web")          # [ConfigEpoch(be_edge_http ...), ConfigEpoch(be_secure ...)]
    facts.server_changes("shop", "web", state="DOWN")
    facts.events("shop", kind="Pod", reason="Killing")
    facts.pod_timeline("shop", "web-7d9c-abcde")

Each family is built on first use and kept; the facts never read files and never diagnose.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from analyzer.facts.access import (
    AccessFacts,
    ConfigEpoch,
    DefaultBackendHits,
    GoneServer,
    MinuteServers,
)
from analyzer.facts.common import Where
from analyzer.facts.events import EventFacts, KubeEvent
from analyzer.facts.lines import LineTimes
from analyzer.facts.objects import (
    ConditionChange,
    ContainerTimes,
    ObjectFacts,
    ObjectTimes,
    PodTimeline,
    ReplicaSetTimes,
)
from analyzer.facts.router import Reload, RouterFacts, RouterMessage, ServerStateChange
from parsers.snapshot import Snapshot


class Facts:
    """The dated facts of one snapshot. Build once (the analysis context does) and share."""

    def __init__(self, snap: Snapshot):
        self._snap = snap

    # --- families (built lazily, once) ---
    @cached_property
    def access(self) -> AccessFacts:
        pods = self._snap.frame("pods")
        existing = set(zip(pods["namespace"].astype(str), pods["name"].astype(str), strict=True))
        pod_namespaces = {ns for ns, resource in self._snap.collected_resources if resource == "pods"}
        pod_namespaces |= {ns for ns, _ in existing}
        return AccessFacts(self._snap.minute_groups(), self._snap.frame("routes"), existing,
                           pod_namespaces)

    @cached_property
    def lines(self) -> LineTimes | None:
        """Each request line's time and router-side 5xx as arrays of the whole frame (None: ask the rows)."""
        return LineTimes.of(self._snap.frame("requests"))

    @cached_property
    def router(self) -> RouterFacts:
        return RouterFacts(self._snap.frame("router_events"))

    @cached_property
    def kube_events(self) -> EventFacts:
        return EventFacts(self._snap.frame("events"))

    @cached_property
    def objects(self) -> ObjectFacts:
        names = ("pods", "containers", "routes", "services", "netpols", "replicasets")
        return ObjectFacts({n: self._snap.frame(n) for n in names}, self.kube_events)

    # --- the questions rules ask (thin delegates, so rules need one import) ---
    def route_epochs(self, namespace: str, route: str) -> list[ConfigEpoch]:
        return self.access.route_epochs(namespace, route)

    def termination_changes(self, namespace: str, route: str) -> list[tuple[ConfigEpoch, ConfigEpoch]]:
        return self.access.termination_changes(namespace, route)

    def servers_by_minute(self, namespace: str, route: str) -> list[MinuteServers]:
        return self.access.servers_by_minute(namespace, route)

    def gone_servers(self, namespace: str, route: str | None = None) -> list[GoneServer]:
        return self.access.gone_servers(namespace, route)

    def default_backend_hits(self, namespace: str | None = None, route: str | None = None) -> list[DefaultBackendHits]:
        return self.access.default_backend_hits(namespace, route)

    def server_changes(self, namespace: str | None = None, route: str | None = None,
                       state: str | None = None) -> list[ServerStateChange]:
        return self.router.server_changes(namespace, route, state)

    def router_messages(self, event: str | None = None, namespace: str | None = None,
                        route: str | None = None) -> list[RouterMessage]:
        return self.router.messages(event, namespace, route)

    def reloads(self) -> list[Reload]:
        return self.router.reloads()

    def events(self, namespace: str | None = None, *, kind: str | None = None, name: str | None = None,
               reason: str | tuple[str, ...] | None = None, start: datetime | None = None,
               end: datetime | None = None) -> list[KubeEvent]:
        return self.kube_events.events(namespace, kind=kind, name=name, reason=reason, start=start, end=end)

    def pod_timeline(self, namespace: str, pod: str) -> PodTimeline:
        return self.objects.pod_timeline(namespace, pod)

    def gone_pods(self, namespace: str) -> list[PodTimeline]:
        return self.objects.gone_pods(namespace)

    def object_times(self, kind: str, namespace: str, name: str) -> ObjectTimes | None:
        return self.objects.object_times(kind, namespace, name)

    def replicasets(self, namespace: str, owner: str | None = None) -> list[ReplicaSetTimes]:
        return self.objects.replicasets(namespace, owner)


__all__ = [
    "ConditionChange", "ConfigEpoch", "ContainerTimes", "DefaultBackendHits", "Facts", "GoneServer", "KubeEvent",
    "MinuteServers", "ObjectTimes", "PodTimeline", "Reload", "ReplicaSetTimes", "RouterMessage", "ServerStateChange",
    "Where",
]
