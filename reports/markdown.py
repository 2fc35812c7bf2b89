"""A short case note in Markdown: verdicts, causes, fixes and evidence, ready to paste into a ticket.

Shape: a title line with the counts, the window and inputs; a table of the routes that are not
healthy; per broken or degraded route its verdict, cause id, one sentence, affected requests and
time span, the fix commands in a fenced block and two or three evidence excerpts with file:line;
then the gaps with the command that collects each. The full detail stays in the HTML and JSON.

Text from the archive goes into code spans or fenced blocks, or is escaped, never as live
Markdown/HTML, so a request path holding markup renders as text in any Markdown viewer. Control
characters (ESC, OSC, CR, C1) are shown escaped (``\\x1b``) as the terminal shows them: the note
is often read in a terminal.
"""

from __future__ import annotations

import re
from collections import Counter

from analyzer.model import Finding, Result, RouteResult, rfc3339
from analyzer.wording import number, plural
from reports.json_report import logs_of_several_inputs, ordered_routes
from reports.markdown_text import code, fence, plain
from reports.platform_md import platform_lines
from reports.safe_text import clean

__all__ = ["code", "fence", "plain", "render_markdown"]

MAX_TABLE_ROWS = 30
MAX_DETAILED_ROUTES = 10
MAX_FINDINGS_PER_ROUTE = 3
MAX_EVIDENCE = 3
MAX_EVIDENCE_CHARS = 300
NOTE_CONTROLS = "\t\n"  # the note's own tabs and line breaks: every other control character is escaped


def render_markdown(result: Result) -> str:
    findings = {f.id: f for f in result.findings}
    routes = ordered_routes(result)
    counts = Counter(str(r.verdict) for r in routes)
    out = [f"# mga case note: {counts['broken']} broken, {counts['degraded']} degraded, "
           f"{counts['unknown']} unknown of {plural(len(routes), 'route')}", ""]
    out += _context(result)
    attention = [r for r in routes if str(r.verdict) != "healthy"]
    if attention:
        out += ["", "| verdict | route | requests | 502 | 503 | 504 | cause |",
                "|---|---|---:|---:|---:|---:|---|"]
        for r in attention[:MAX_TABLE_ROWS]:
            lead = _lead(r, findings)
            cause = code(lead.cause, cell=True) if lead else plain(_unknown_reason(r))
            if r.errors is None:
                measured = f"{plain(r.unmeasured)} | | |"
            else:
                measured = f"{r.requests} | " + " | ".join(str(r.errors.get(s, 0)) for s in ("502", "503", "504"))
            out.append(f"| **{r.verdict}** | {code(f'{r.namespace}/{r.name}', cell=True)} | {measured} | {cause} |")
        if len(attention) > MAX_TABLE_ROWS:
            more = len(attention) - MAX_TABLE_ROWS
            out += ["", f"{more} more routes need attention: see the HTML or JSON report."]
    healthy = counts["healthy"]
    if not routes:
        out += ["", "The inputs hold no route."]
    else:
        out += ["", f"{healthy} route(s) look healthy." if healthy else "No route looks healthy."]
    out += platform_lines(result.cluster)
    bad = [r for r in routes if str(r.verdict) in ("broken", "degraded")]
    by_input = logs_of_several_inputs(result)
    for r in bad[:MAX_DETAILED_ROUTES]:
        out += _route(r, findings, r.affected_requests, by_input)
    if len(bad) > MAX_DETAILED_ROUTES:
        out += ["", f"{len(bad) - MAX_DETAILED_ROUTES} more broken or degraded routes are described in the "
                    "HTML and JSON reports."]
    if result.gaps:
        out += ["", "## What to collect next", ""]
        for g in result.gaps:
            out += [f"- **{named(g.what, g.names)}**: {named(g.why_it_matters, g.names)}", "",
                    fence([g.how_to_collect]), ""]
    return clean("\n".join(_single_blank_lines(out)).strip() + "\n", keep=NOTE_CONTROLS)


def named(text: str, names: tuple[str, ...]) -> str:
    """Prose (escaped) with the names from the inputs it holds set as code spans, longest name first; a name is
    one where it stands alone, not inside a longer word (``default`` in ``openshift_default``)."""
    wanted = sorted({n for n in names if n and n in text}, key=len, reverse=True)
    if not wanted:
        return plain(text)
    alone = "|".join(re.escape(n) for n in wanted)
    parts = re.split(rf"(?<![\w-])({alone})(?![\w-])", text)
    return "".join(code(part) if i % 2 else _spaced(part) for i, part in enumerate(parts))


def _spaced(text: str) -> str:
    """:func:`plain` of a piece of a sentence, keeping one space where it began or ended with one."""
    body = plain(text)
    if not body:
        return " " if text and text.isspace() else ""
    return (" " if text[:1].isspace() else "") + body + (" " if text[-1:].isspace() else "")


def _single_blank_lines(lines: list[str]) -> list[str]:
    """No run of empty lines (fenced blocks hold none: each is one joined string)."""
    return [line for i, line in enumerate(lines) if line or i == 0 or lines[i - 1]]


def _context(result: Result) -> list[str]:
    start, end = rfc3339(result.window_start), rfc3339(result.window_end)
    window = f"{code(start)} → {code(end)}" if start and end else "no access-log window"
    inputs = ", ".join(f"{code(i.path)} ({i.kind})" for i in result.inputs) or "none"
    if result.requests is None:
        read = (f" ({plural(result.log_lines, 'line', sep=True)} read, none of them a router access-log line)"
                if result.log_lines else "")
        lines = [f"No access logs in the inputs: request counts and the error ledger are unknown, not zero{read}. "
                 f"Inputs: {inputs}."]
    else:
        unparsed = plural(result.log_lines_unparsed, "line", sep=True)
        lines = [f"Logs {window}: {plural(result.requests, 'request', sep=True)}, {unparsed} not understood. "
                 f"Inputs: {inputs}."]
        if result.router_side_5xx:
            lines.append(f"Router-side 5xx explained: {number(result.router_side_5xx_explained)} of "
                         f"{number(result.router_side_5xx)}.")
        if result.router_side_5xx_no_route:
            lines.append(f"{plural(result.router_side_5xx_no_route, 'router-side 5xx', 'router-side 5xx', sep=True)} "
                         "of no route: answers of openshift\\_default whose Host header the access log does not "
                         "record, or names no route of the inputs; no route's error ledger holds them.")
    if result.skipped:
        cut = sum(1 for s in result.skipped if s.offset is not None)
        many = len(result.skipped)
        lines.append(f"{many} {'entry' if many == 1 else 'entries'} in the skipped list (files not read, rules not run"
                     + (f"; {cut} of them cut or left unread at a limit or damage" if cut else "")
                     + "), listed in the HTML/JSON report.")
    generated = code(rfc3339(result.generated_at) or "?")
    lines.append(f"Generated by mga {plain(result.tool_version)} at {generated}.")
    return lines


def _route(route: RouteResult, findings: dict[str, Finding], affected: int, by_input: bool = False) -> list[str]:
    endpoints = ("unknown" if route.endpoints_total is None
                 else f"{route.endpoints_ready}/{route.endpoints_total} ready")
    lines = ["", f"## {route.verdict}: {code(f'{route.namespace}/{route.name}')}", "",
             f"Host {code(route.host or 'none')}, {route.termination}, service(s) "
             f"{', '.join(code(s) for s in route.services) or 'none'}, endpoints {endpoints}, "
             + (f"{plain(route.unmeasured)}." if route.requests is None
                else f"{plural(route.requests, 'request', sep=True)} ({number(affected)} affected).")
             + (f" {plain(route.verdict_detail)}." if route.verdict_detail and not route.findings else ""), ""]
    lines += _ledger(route)
    mine = sorted((findings[fid] for fid in route.findings if fid in findings),
                  key=lambda f: (-f.severity.rank, -f.affected_requests))
    for f in mine[:MAX_FINDINGS_PER_ROUTE]:
        lines += _finding(f, by_input)
    if len(mine) > MAX_FINDINGS_PER_ROUTE:
        lines += [f"{len(mine) - MAX_FINDINGS_PER_ROUTE} more finding(s) in the HTML/JSON report.", ""]
    return lines


def _finding(f: Finding, by_input: bool = False) -> list[str]:
    first, last = rfc3339(f.first_seen), rfc3339(f.last_seen)
    span = f", {code(first)} → {code(last or first)}" if first else ""
    if f.affected_requests:
        count = f" — {plural(f.affected_requests, 'request', sep=True)} affected{span}"
    else:
        count = f" — affected requests unknown{span}" if not f.affected_requests_known else span
    count += _incident(f)
    lines = [f"**{f.severity}** {code(f.cause)} ({f.code}, {code(f.doc or f'mga rule {f.code}')}): "
             f"{plain(f.title)}{count}.", "", plain(f.explanation), ""]
    if f.remediation:
        lines += ["Fix:", "", fence(f.remediation), ""]
    if f.diagnostics:
        lines += ["Confirm with:", "", fence(f.diagnostics), ""]
    lines += ["Evidence:", ""]
    for e in f.evidence[:MAX_EVIDENCE]:
        where = f"{e.source}:{e.line}" if e.line else e.source
        where = f"{e.input}: {where}" if by_input and e.input else where
        text = e.text if len(e.text) <= MAX_EVIDENCE_CHARS else e.text[: MAX_EVIDENCE_CHARS - 1] + "…"
        lines.append(f"- {code(where)}: {code(text)}")
    lines.append("")
    return lines


def _ledger(route: RouteResult) -> list[str]:
    """"68 router-side 5xx: 58 rollout-without-graceful-shutdown, 10 unexplained", then the unexplained groups."""
    ledger = route.error_ledger
    if ledger is None or not ledger.router_side_5xx:
        return []
    parts = [f"{s.requests} {code(s.cause)} ({s.finding})" for s in ledger.by_finding]
    if ledger.unexplained:
        parts.append(f"{ledger.unexplained} unexplained")
    lines = [f"Error ledger: {ledger.router_side_5xx} router-side 5xx: {', '.join(parts)}.", ""]
    for g in ledger.unexplained_groups:
        seen = f"{code(rfc3339(g.first_seen))} → {code(rfc3339(g.last_seen))}" if g.first_seen else "unknown time"
        lines.append(f"- {g.requests} × {g.status} {code(g.termination)} on {code(g.server)}, {seen}: "
                     f"{plain(g.meaning)}.")
    return [*lines, ""] if ledger.unexplained_groups else lines


def _incident(f: Finding) -> str:
    if str(f.status_at_collection) == "ongoing":
        return " (ongoing at collection)"
    if str(f.status_at_collection) == "ended":
        ended = rfc3339(f.ended_at)
        return f" (ended at {ended[11:16]} UTC)" if ended else " (ended before collection)"
    return ""


def _lead(route: RouteResult, findings: dict[str, Finding]) -> Finding | None:
    mine = [findings[fid] for fid in route.findings if fid in findings]
    return min(mine, key=lambda f: (-f.severity.rank, -f.affected_requests), default=None)


def _unknown_reason(route: RouteResult) -> str:
    return route.verdict_detail or next((c.detail for c in route.checklist if str(c.status) == "unknown"), "")
