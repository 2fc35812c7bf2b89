"""The JSON report: exactly report-contract.md (schema ``mga.report/v1``), the source of truth.

HTML and Markdown render the same in-memory :class:`~analyzer.model.Result`; this module only
serialises it. ``reports/schema/report.schema.json`` describes it and a test validates real
output against it, so the names other tools depend on cannot drift.

Routes are written in the order every report shows them (worst first, see :func:`ordered_routes`),
so the first route of the JSON is the first row of the HTML and of the case note.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from analyzer.model import Result, RouteResult, rfc3339

SCHEMA_PATH = Path(__file__).with_name("schema") / "report.schema.json"
VERDICT_RANK = {"broken": 0, "degraded": 1, "unknown": 2, "healthy": 3}


def ordered_routes(result: Result) -> list[RouteResult]:
    """Broken, then degraded, unknown, healthy; within a verdict the most affected requests first (each request
    once: ``RouteResult.affected_requests``)."""

    def key(route: RouteResult) -> tuple[int, int, int, str, str]:
        return (
            VERDICT_RANK.get(str(route.verdict), len(VERDICT_RANK)),
            -route.affected_requests,
            -route.error_total,
            route.namespace,
            route.name,
        )

    return sorted(result.routes, key=key)


def report_dict(result: Result) -> dict[str, Any]:
    """The contract object, routes worst first, with NaN/Infinity (not JSON) turned into null."""
    data = result.to_dict()
    data["routes"] = [r.to_dict() for r in ordered_routes(result)]
    return _finite(data)


def render_json(result: Result) -> str:
    """The report as UTF-8 JSON with no raw control character left in it.

    ``json.dumps`` escapes U+0000-U+001F; DEL, the C1 range and the Unicode line separators are
    written as ``\\uXXXX`` too (the same string once parsed): a raw U+0085 in a request path
    is a line break to some line-based tools.
    """
    text = json.dumps(report_dict(result), indent=2, ensure_ascii=False, allow_nan=False, default=_plain)
    return _RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


_RAW_CONTROL = re.compile("[\x7f-\x9f\u2028\u2029]")


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _finite(value: Any) -> Any:
    """Replace non-finite floats anywhere in the tree: a rule's ``extra`` may carry a pandas NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """JSON for the odd value a rule's ``extra`` may hold (numpy scalars, times, sets, enums)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item):
        plain = item()
        if isinstance(plain, float) and not math.isfinite(plain):
            return None
        return plain
    return str(value)


def logs_of_several_inputs(result: Result) -> bool:
    """Whether the access logs read come from more than one input (two collections can hold the same router
    pod's ``current.log``): cited lines then name their input."""
    return len({account.get("input") for account in result.log_accounting or []}) > 1
