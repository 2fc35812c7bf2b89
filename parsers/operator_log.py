"""The ingress operator's log -> the ``operator_log`` frame (errors, canary failures, degraded controllers).

``namespaces/openshift-ingress-operator/pods/<pod>/ingress-operator/ingress-operator/logs/*.log`` holds
zap lines behind the kubelet timestamp: ``<ts>\\t<LEVEL>\\t<logger>\\t<caller>\\t<message>\\t<json fields>``
(real sample: the 2021 CI must-gathers). The canary controller logs failed canary checks, the
controllers log ``Reconciler error`` with the IngressController's name. Only ERROR/WARN lines and
lines of the canary controller that report a failure are kept; the rest is counted by the loader.
"""

from __future__ import annotations

import json
import re
from typing import Any

KUBELET_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ")
LEVELS = ("ERROR", "WARN", "DPANIC", "PANIC", "FATAL")
CANARY_FAILURE = re.compile(r"(?i)canary.*(?:fail|error|unreachable|timeout)|(?:fail|error).*canary")
MAX_TEXT = 1000
MAX_ROWS = 20_000


def scan_operator_log(data: bytes, *, pod: str, input: str, source: str) -> list[dict[str, Any]]:
    """Rows of the ``operator_log`` frame: the errors and canary failures of one operator log file."""
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate(data.decode("utf-8", errors="replace").split("\n"), start=1):
        if not raw.strip():
            continue
        m = KUBELET_TS.match(raw)
        body = raw[m.end():] if m else raw
        parts = body.split("\t")
        if len(parts) < 5:
            continue
        level, logger, message = parts[1].strip(), parts[2].strip(), parts[4].strip()
        fields = _fields(parts[5] if len(parts) > 5 else "")
        canary = bool(CANARY_FAILURE.search(message))  # "error performing canary route check", ...
        if level not in LEVELS and not canary:
            continue
        kind = "canary-failure" if canary else ("reconcile-error" if "Reconciler error" in message else "error")
        rows.append({
            "ts": m.group(1) if m else parts[0].strip() or None, "pod": pod, "level": level,
            "controller": logger.rsplit(".", 1)[-1] or None, "kind": kind, "message": message[:MAX_TEXT],
            "object": _s(fields.get("name")), "error": (_s(fields.get("error")) or "")[:MAX_TEXT] or None,
            "text": body.strip()[:MAX_TEXT], "input": input, "source": source, "line": number,
        })
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _fields(text: str) -> dict[str, Any]:
    text = text.strip()
    if not text.startswith("{"):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)
