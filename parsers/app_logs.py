"""What application containers say about where they listen, from their logs in the input.

``oc adm inspect`` stores each container's log (``pods/<pod>/<c>/<c>/logs/current.log``). Servers
usually announce their address at start-up ("Listening on :8081", "bound to 127.0.0.1:8080",
"Started server on 0.0.0.0:3000"). Those lines are the evidence a human would look for when the
router's connections are refused. This module only extracts the lines and the address they name;
the port rule decides what they mean.
"""

from __future__ import annotations

import re
from typing import Any

# an address announcement: "listening on", "bound to", "serving on", "started server on", "running on"
LISTEN_RE = re.compile(
    r"(?i)\b(?:listen(?:ing)?|bound|binding|serv(?:ing|er started|er listening)|started (?:http )?server|"
    r"running|accepting connections|started)\b[^\n]{0,40}?\b(?:on|to|at)\b:?\s*(?:port(?:\(s\))?:?\s+)?"
    r"(?:(?P<scheme>https?)://)?(?:(?P<host>\[[0-9a-fA-F:]*\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\*|[A-Za-z][\w.-]*):)?"
    r":?(?P<port>[0-9]{2,5})\b"
)
MAX_BYTES = 4 << 20  # start-up lines are at the top; a huge log is not read past this
KUBELET_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ")


def scan_listen_lines(data: bytes, *, namespace: str, pod: str, container: str, input: str,
                      source: str) -> list[dict[str, Any]]:
    """Rows for the ``container_log_lines`` frame plus ``host``/``port`` of each announcement."""
    rows: list[dict[str, Any]] = []
    text = data[:MAX_BYTES].decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        m = LISTEN_RE.search(line)
        if not m:
            continue
        ts = KUBELET_TS.match(line)
        rows.append({
            "namespace": namespace, "pod": pod, "container": container, "ts": ts.group(1) if ts else None,
            "text": line.strip()[:500], "input": input, "source": source, "line": number,
            "host": (m.group("host") or "").strip("[]") or None, "port": int(m.group("port")),
        })
        if len(rows) >= 20:
            break
    return rows

