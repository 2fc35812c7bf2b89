"""The terminal summary printed after ``mga analyze``: triage on a jump host without a browser.

One line per broken or degraded route (verdict, cause, since when, affected requests, or why their count
is unknown) and under it the change its first finding asks first (``fix:``; ``check:``, its first
diagnostic command, when the inputs do not say what to change), then one line counting the ``unknown``
routes and naming the report, one saying what to collect when the inputs hold no route at all, and one
more when the report lists anything skipped or cut (a healthy verdict may rest on less than the inputs
held). Rich styles it on a colour terminal; under ``NO_COLOR`` or when not a terminal it is plain text.
Every name is sanitised.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from analyzer.wording import number, plural
from mga.console import clean


def summary_lines(result: Any, report_path: str) -> list[tuple[str, str]]:
    """``(style, text)`` per line; the style is a rich style name or ``""``."""
    by_id = {f.id: f for f in result.findings}
    lines: list[tuple[str, str]] = []
    order = {"broken": 0, "degraded": 1}
    bad = [r for r in result.routes if str(r.verdict) in order]
    for route in sorted(bad, key=lambda r: (order[str(r.verdict)], r.namespace, r.name)):
        findings = [by_id[i] for i in route.findings if i in by_id]
        top = findings[0] if findings else None
        cause = top.cause if top else "no finding"
        starts = [t for f in findings for t in (f.began_at, f.first_seen) if t is not None]
        since = f"since {min(starts):%Y-%m-%d %H:%M:%S}Z" if starts else "since unknown"
        style = "bold red" if str(route.verdict) == "broken" else "yellow"
        text = (f"{str(route.verdict).upper():8} {clean(route.namespace)}/{clean(route.name)}  {clean(cause)}  "
                f"{since}  {_affected(result, route, findings)}")
        lines.append((style, text))
        if top is not None:
            lines.append(_next_step(top))
    unknown = sum(1 for r in result.routes if str(r.verdict) == "unknown")
    healthy = sum(1 for r in result.routes if str(r.verdict) == "healthy")
    where = "report on stdout" if report_path == "-" else f"wrote {clean(report_path)}"
    lines.append(("", f"{plural(len(result.routes), 'route', sep=True)}: {number(len(bad))} broken or degraded, "
                      f"{number(healthy)} healthy, "
                      f"{number(unknown)} unknown{_why_unknown(result, unknown)}; {where}"))
    if not result.routes:
        lines.append(_no_route_line(result))
    if result.skipped:
        lines.append(_skipped_line(result.skipped))
    return lines


def _next_step(finding: Any) -> tuple[str, str]:
    """The first change a finding asks (the report lists every step), or the command that confirms it when it
    asks none: the terminal answers "what should the customer change" as well as why and since when."""
    steps = [s for s in finding.remediation if s.strip()]
    if steps:
        more = f"   (+{plural(len(steps) - 1, 'more step')} in the report)" if len(steps) > 1 else ""
        return "", f"  fix: {clean(steps[0])}{more}"
    if finding.diagnostics:
        return "", f"  check: {clean(finding.diagnostics[0])}"
    return "", "  fix: none named: the report says what is known"


def _why_unknown(result: Any, unknown: int) -> str:
    """Why routes are ``unknown`` when one reason covers them: no access log in the inputs (the report's "what to
    collect next" says how to get one); else nothing, each route's own reason being in the report."""
    if unknown and getattr(result, "requests", 0) is None:
        return " (no access logs in the inputs: the report says what to collect)"
    return ""


def _no_route_line(result: Any) -> tuple[str, str]:
    """Why a run without a route diagnosed nothing, and what to give it: "0 routes ... 0 unknown" alone reads
    like a clean bill of health, even when the access log given holds 5xx (a log passed where the must-gather
    goes)."""
    text = ("no Route object in the inputs, so no route was diagnosed: add `oc adm inspect ns/NAMESPACE` "
            "(NAMESPACE: the application's) or `oc get routes -A -o yaml`")
    if result.requests:
        text += f" (the {plural(result.requests, 'request', sep=True)} of the access logs alone: `mga logs`)"
    return "yellow", text


def _skipped_line(skipped: list[Any]) -> tuple[str, str]:
    """How many entries the report's skipped list holds, and how many of them stopped reading part-way.

    An entry with an ``offset`` is an input cut or left unread at a limit or at damage: the verdicts
    rest on less than the inputs held, so that count is named and the line is coloured.
    """
    stopped = sum(1 for s in skipped if s.offset is not None)
    text = f"{plural(len(skipped), 'entry', 'entries')} in the report's skipped list (files not read, rules not run)"
    if not stopped:
        return "", text
    return "yellow", f"{text}, {stopped} of them cut or left unread at a limit or damage"


def _affected(result: Any, route: Any, findings: list[Any]) -> str:
    """The route's affected requests, or why they are unknown: a count is never 0 for lack of logs."""
    if result.requests is None or route.requests is None:  # why, as the analysis says it (no logs, or none of its)
        return f"affected requests unknown ({route.unmeasured})"
    return plural(route.affected_requests, "affected request", sep=True)  # each request once, as the reports say


def print_summary(result: Any, report_path: str, stream: TextIO | None = None) -> None:
    """Print the summary on ``stream`` (stderr when the report itself went to stdout)."""
    stream = stream or (sys.stderr if report_path == "-" else sys.stdout)
    lines = summary_lines(result, report_path)
    colour = stream.isatty() and not os.environ.get("NO_COLOR")
    if not colour:
        stream.write("".join(text + "\n" for _, text in lines))
        stream.flush()
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    for style, text in lines:
        console.print(Text(text, style=style or ""))
