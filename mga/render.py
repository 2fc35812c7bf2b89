"""Report rendering and the exit code of a finished analysis: shared by ``analyze`` and ``batch``.

Reports never compute; this module only picks the renderer of a format and reads the verdicts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ReportFormat(StrEnum):
    html = "html"
    json = "json"
    md = "md"


class FailOn(StrEnum):
    critical = "critical"
    warning = "warning"
    never = "never"


def render(result: Any, fmt: ReportFormat | str) -> str:
    """The report of ``result`` in ``fmt`` (html, json or md) as text."""
    fmt = ReportFormat(fmt)
    if fmt == ReportFormat.json:
        from reports.json_report import render_json

        return render_json(result)
    if fmt == ReportFormat.md:
        from reports.markdown import render_markdown

        return render_markdown(result)
    from reports.html import render_html

    return render_html(result)


def exit_code(result: Any, fail_on: FailOn) -> int:
    """1 when a finding reaches ``--fail-on``, else 0 (contract v1.1 "Exit codes")."""
    if fail_on == FailOn.never:
        return 0
    wanted = {"critical": {"critical"}, "warning": {"critical", "warning"}}[fail_on.value]
    return 1 if any(str(f.severity) in wanted for f in result.findings) else 0
