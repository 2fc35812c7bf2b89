"""The router container's own log (klog lines) -> the ``router_log`` frame.

``namespaces/openshift-ingress/pods/<router>/router/router/logs/{current,previous}.log`` is not an
access log: it is the template router's klog output, every line prefixed by the kubelet's
RFC3339Nano timestamp (mustgather-layout.md §4). What matters for 5xx is when the router reloaded,
when a reload failed and what HAProxy said about it (router-facts.md §8): a failed reload is an
``E… error reloading router: exit status 1`` line followed by the reload script's output, one
kubelet-prefixed line each, among them HAProxy's ``[ALERT]``/``[WARNING]`` lines naming the config
line they reject. This module only classifies lines; it does not decide what they mean.

Only lines that say something about serving are kept (reloads, errors, warnings, HAProxy's
messages); the thousands of informational lines a healthy router writes are counted, not kept.
"""

from __future__ import annotations

import re
from typing import Any

KUBELET_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")
KLOG = re.compile(r"^([IWEF])(\d{4}) (\d\d:\d\d:\d\d\.\d+)\s+\d+ ([\w.-]+:\d+)\] ?(.*)$")
HAPROXY_MSG = re.compile(r"^\[(ALERT|WARNING|NOTICE)\]\s*(?:\(\d+\))?\s*:\s*(.*)$")
CONFIG_LINE = re.compile(r"\[([^\[\]:]+haproxy[^\[\]:]*\.config):(\d+)\]")
MAX_TEXT = 1000
MAX_ROWS = 20_000  # a router that logs the same error for days: the first rows are the evidence

# (kind, test on the klog message) in order; the first that matches wins
_KLOG_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("reload-failed", re.compile(r"(?i)error reloading router")),
    ("template-error", re.compile(r"(?i)(?:template|writing config|error executing|unable to write)")),
    ("service-missing", re.compile(r"(?i)unable to find service|service .* not found|no service")),
    ("reload", re.compile(r"(?i)router reloaded")),
)


def _kind_of(level: str, message: str) -> str | None:
    for kind, pattern in _KLOG_KINDS:
        if pattern.search(message):
            if kind == "template-error" and level == "I":
                continue
            return kind
    if level == "E" or level == "F":
        return "error"
    if level == "W":
        return "warning"
    return None


def scan_router_log(data: bytes, *, router_pod: str, log: str, input: str, source: str) -> list[dict[str, Any]]:
    """Rows of the ``router_log`` frame for one router container log file.

    ``log`` names the file (``current``/``previous``). A line that is neither klog nor HAProxy output
    but follows a kept line within the same kubelet timestamp is the continuation of that message
    (the reload script's output) and is kept with the kind ``output``.
    """
    rows: list[dict[str, Any]] = []
    text = data.decode("utf-8", errors="replace")
    last_kept_ts: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        m = KUBELET_TS.match(raw)
        ts = m.group(1) if m else None
        body = raw[m.end():] if m else raw
        row = _classify(body)
        if row is None:
            if ts is not None and ts == last_kept_ts and body.strip():
                row = {"level": None, "kind": "output", "config_file": None, "config_line": None}
            else:
                continue
        last_kept_ts = ts
        rows.append({**row, "ts": ts, "router_pod": router_pod, "log": log, "text": body.strip()[:MAX_TEXT],
                     "raw": raw.rstrip()[:MAX_TEXT + (m.end() if m else 0)],
                     "input": input, "source": source, "line": number})
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _classify(body: str) -> dict[str, Any] | None:
    k = KLOG.match(body)
    if k:
        level, message = k.group(1), k.group(5)
        kind = _kind_of(level, message)
        if kind is None:
            return None
        return {"level": level, "kind": kind, **_config_ref(message)}
    h = HAPROXY_MSG.match(body.strip())
    if h:
        severity = h.group(1)
        if severity == "NOTICE":
            return None
        return {"level": "E" if severity == "ALERT" else "W",
                "kind": "haproxy-alert" if severity == "ALERT" else "haproxy-warning", **_config_ref(h.group(2))}
    return None


def _config_ref(message: str) -> dict[str, Any]:
    c = CONFIG_LINE.search(message)
    return {"config_file": c.group(1) if c else None, "config_line": int(c.group(2)) if c else None}
