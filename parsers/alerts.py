"""Prometheus alerts collected by must-gather -> the ``alerts`` frame (firing and pending, with labels).

``monitoring/alerts.json`` is Prometheus' rules API answer (``/api/v1/rules``: ``data.groups[].rules[]``
with each alerting rule's active ``alerts[]``; real sample: the 2021 aws CI must-gather). Newer
must-gathers also keep per-Prometheus files under ``monitoring/prometheus/``; a file there in the
rules shape or in the alerts API shape (``/api/v1/alerts``: ``data.alerts[]``) is read the same way.
The same alert seen by two Prometheus replicas is one row (name, state and labels are the key).
Inactive rules are not kept: only what was firing or pending at collection time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

ACTIVE_STATES = ("firing", "pending")


class AlertsError(ValueError):
    """The file is not JSON or not in a Prometheus API shape."""


def parse_alerts(data: bytes, *, input: str, source: str) -> list[dict[str, Any]]:
    """Rows of the ``alerts`` frame from one Prometheus rules/alerts API file.

    Raises :class:`AlertsError` when the file is neither shape; one malformed alert is skipped,
    never the file. The line is the line of the alert's ``activeAt`` value (files are often one
    long line: then it is 1).
    """
    try:
        doc = json.loads(data.decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise AlertsError(f"not JSON: {exc}") from None
    payload = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(payload, dict) or not ("groups" in payload or "alerts" in payload):
        raise AlertsError("not a Prometheus rules or alerts API answer (no data.groups / data.alerts)")
    text = data.decode("utf-8", errors="replace")
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for alert, rule in _alerts(payload):
        if not isinstance(alert.get("labels"), dict):
            continue  # every Prometheus alert has a label set; without one it is not an alert
        labels = {str(k): str(v) for k, v in alert["labels"].items()}
        state = str(alert.get("state") or "").lower()
        name = labels.get("alertname") or (rule or {}).get("name")
        if state not in ACTIVE_STATES or not name:
            continue
        key = (str(name), state, json.dumps(labels, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        annotations = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
        active_at = alert.get("activeAt")
        rows.append({
            "name": str(name), "state": state, "severity": labels.get("severity"),
            "namespace": labels.get("namespace"), "node": labels.get("node") or labels.get("instance"),
            "pod": labels.get("pod"), "active_at": active_at if isinstance(active_at, str) else None,
            "summary": _text(annotations.get("summary") or annotations.get("message")
                             or annotations.get("description")),
            "labels": key[2], "input": input, "source": source,
            "line": _line_of(text, active_at) if isinstance(active_at, str) else 1,
        })
    return rows


def _alerts(payload: dict) -> Iterator[tuple[dict, dict | None]]:
    for group in payload.get("groups") or []:
        if not isinstance(group, dict):
            continue
        for rule in group.get("rules") or []:
            if isinstance(rule, dict):
                for alert in rule.get("alerts") or []:
                    if isinstance(alert, dict):
                        yield alert, rule
    for alert in payload.get("alerts") or []:
        if isinstance(alert, dict):
            yield alert, None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:500]


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return 1 if pos < 0 else text.count("\n", 0, pos) + 1
