"""Router-message facts: health-check state changes with their reason, proxies started/stopped, reloads.

Read from the ``router_events`` frame (parsers/router_messages.py), which keeps each message's text.
The health check's reason names the fault class (router-facts.md §8): ``Layer4 connection problem,
info: "Connection refused"`` (nothing listens), ``Layer4 timeout`` (SYNs dropped),
``Layer6 invalid response, info: "SSL handshake failure"`` (TLS spoken to a plain-HTTP port),
``Layer7 wrong status``. A reload shows as ``Proxy … started`` lines under a new HAProxy pid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analyzer.facts.common import Where, integer, moment, text, where

_REASON_RE = re.compile(r"reason: (?P<reason>[^,]+)")
_INFO_RE = re.compile(r"info: \"(?P<info>[^\"]*)\"")
_CHECK_RE = re.compile(r"check duration: (?P<ms>\d+)ms")
_LEFT_RE = re.compile(r"(?P<active>\d+) active and (?P<backup>\d+) backup servers? left")


@dataclass(frozen=True, slots=True)
class ServerStateChange:
    """``Server <backend>/<server> is DOWN|UP``: one health-check verdict of one router process."""

    ts: datetime | None
    router_pod: str | None
    pid: int | None
    backend: str
    namespace: str | None
    route: str | None
    server: str
    pod: str | None
    state: str  # DOWN | UP
    reason: str | None  # e.g. "Layer6 invalid response"
    info: str | None  # e.g. "SSL handshake failure"
    check_ms: int | None
    servers_left: int | None  # active servers left in the backend after the change
    text: str
    where: Where


@dataclass(frozen=True, slots=True)
class RouterMessage:
    """Any other router message: ``no-server``, ``proxy-started``, ``proxy-stopped``, ``ssl-error``, ``other``."""

    ts: datetime | None
    router_pod: str | None
    pid: int | None
    event: str
    backend: str | None
    namespace: str | None
    route: str | None
    text: str
    where: Where


@dataclass(frozen=True, slots=True)
class Reload:
    """A router process (pid) that started proxies: the first one seen per router pod is not a reload."""

    router_pod: str | None
    pid: int
    at: datetime | None  # first ``Proxy … started`` of that pid
    proxies_started: int
    is_reload: bool  # False for the first pid seen on that router pod (its start, or the log's start)


def server_change(row: dict) -> ServerStateChange:
    body = str(row.get("text") or "")
    reason = _REASON_RE.search(body)
    info = _INFO_RE.search(body)
    check = _CHECK_RE.search(body)
    left = _LEFT_RE.search(body)
    return ServerStateChange(
        ts=moment(row.get("ts")), router_pod=text(row.get("router_pod")), pid=integer(row.get("pid")),
        backend=text(row.get("backend")) or "", namespace=text(row.get("namespace")), route=text(row.get("route")),
        server=text(row.get("server")) or "", pod=text(row.get("pod")),
        state="DOWN" if row.get("event") == "server-down" else "UP",
        reason=reason.group("reason").strip() if reason else None,
        info=info.group("info") if info else None,
        check_ms=int(check.group("ms")) if check else None,
        servers_left=int(left.group("active")) if left else None,
        text=body, where=where(row),
    )


class RouterFacts:
    """Router messages, built once per snapshot from ``router_events``."""

    def __init__(self, router_events: pd.DataFrame):
        records = []
        if not router_events.empty:
            records = router_events.sort_values("ts", kind="stable", na_position="first").to_dict("records")
        states = [r for r in records if r.get("event") in ("server-down", "server-up")]
        self._changes = [server_change(r) for r in states]
        self._messages = [
            RouterMessage(moment(r.get("ts")), text(r.get("router_pod")), integer(r.get("pid")), str(r.get("event")),
                          text(r.get("backend")), text(r.get("namespace")), text(r.get("route")),
                          str(r.get("text") or ""), where(r))
            for r in records if r.get("event") not in ("server-down", "server-up")
        ]

    def server_changes(self, namespace: str | None = None, route: str | None = None, state: str | None = None
                       ) -> list[ServerStateChange]:
        """Health-check DOWN/UP changes in time order, filtered by the route their backend names and by state."""
        return [c for c in self._changes
                if (namespace is None or c.namespace == namespace) and (route is None or c.route == route)
                and (state is None or c.state == state)]

    def messages(self, event: str | None = None, namespace: str | None = None, route: str | None = None
                 ) -> list[RouterMessage]:
        """Other router messages (``no-server``, ``proxy-started``, ``proxy-stopped``, ``ssl-error``, ``other``)."""
        return [m for m in self._messages
                if (event is None or m.event == event) and (namespace is None or m.namespace == namespace)
                and (route is None or m.route == route)]

    def reloads(self) -> list[Reload]:
        """HAProxy processes per router pod, in order of their first ``Proxy … started``."""
        first: dict[tuple[str | None, int], list[RouterMessage]] = {}
        for m in self.messages("proxy-started"):
            if m.pid is not None:
                first.setdefault((m.router_pod, m.pid), []).append(m)
        ordered = sorted(first.items(), key=lambda kv: (kv[0][0] or "", _sort_time(kv[1][0].ts)))
        seen_pods: set[str | None] = set()
        out = []
        for (pod, pid), started in ordered:
            out.append(Reload(pod, pid, started[0].ts, len(started), is_reload=pod in seen_pods))
            seen_pods.add(pod)
        return sorted(out, key=lambda r: _sort_time(r.at))


def _sort_time(ts: datetime | None) -> float:
    return ts.timestamp() if ts is not None else float("-inf")
