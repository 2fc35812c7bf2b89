"""The router's own messages in its log -> ``router_events`` rows, not requests and not errors.

``Server <backend>/<server> is DOWN`` / ``UP`` (with the health check's reason), ``backend ... has
no server available``, ``Proxy ... started`` / ``stopped`` at a reload, and SSL handshake errors
(router-facts.md §1.7), with HAProxy's own ``[WARNING] (1) :`` lead when it wrote to stderr.
"""

from __future__ import annotations

import re
from typing import Any

from parsers import log_lines
from parsers.router_names import split_log_backend, split_server

_EVENT_LEAD = r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?"  # HAProxy's own "[WARNING] (1) : " when written to stderr

EVENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("server-down", re.compile(_EVENT_LEAD + r"Server (?P<be>[^/ ]+)/(?P<srv>\S+) is (?:going )?DOWN")),
    ("server-up", re.compile(_EVENT_LEAD + r"Server (?P<be>[^/ ]+)/(?P<srv>\S+) is (?:going )?UP")),
    ("no-server", re.compile(_EVENT_LEAD + r"backend (?P<be>\S+) has no server available")),
    ("proxy-started", re.compile(_EVENT_LEAD + r"Proxy (?P<be>\S+) started")),
    ("proxy-stopped", re.compile(_EVENT_LEAD + r"Proxy (?P<be>\S+) stopped")),
    (
        "ssl-error",
        re.compile(
            r"^\S+:\d+ \[[^\]]+\] (?P<be>\S+): (?:SSL handshake failure|Timeout during SSL handshake"
            r"|Connection closed during SSL handshake|.*SSL)"
        ),
    ),
)


# a substring every router message above holds (a necessary condition, tested on whole chunks at once)
EVENT_HINT = r"Server |backend |Proxy |SSL"


def router_event(text: str) -> dict[str, Any] | None:
    """A non-access router message (server DOWN/UP, no server, proxy start/stop, SSL error), or None."""
    m = log_lines.TAG_RE.search(text)
    body = text[m.end() :] if m else text
    for event, pattern in EVENT_PATTERNS:
        found = pattern.search(body)
        if not found:
            continue
        backend = found.groupdict().get("be")
        server = found.groupdict().get("srv")
        names = split_log_backend(backend)
        pod = None
        if server:
            pod = split_server(server)["pod"]
        return {
            "ts": log_lines.received_of(text),
            "pid": int(m.group(1)) if m else None,
            "event": event,
            "backend": backend,
            "namespace": names["namespace"],
            "route": names["route"],
            "server": server,
            "pod": pod,
            "text": body.strip()[:500],
        }
    return None
