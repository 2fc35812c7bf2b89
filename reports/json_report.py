"""The JSON report: exactly report-contract.md (schema ``mga.report/v1``), the source of truth.

HTML and Markdown render the same in-memory :class:`~analyzer.model.Result`; this module only
serialises it. ``reports/schema/report.schema.json`` describes it and a test validates real
output against it, so the names other tools score by cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.model import Result

SCHEMA_PATH = Path(__file__).with_name("schema") / "report.schema.json"


def report_dict(result: Result) -> dict[str, Any]:
    return result.to_dict()


def render_json(result: Result) -> str:
    return json.dumps(report_dict(result), indent=2, ensure_ascii=False, default=str) + "\n"


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())
