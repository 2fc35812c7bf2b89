"""A ready-to-paste reply per finding: what happened, the evidence one line each, the change to make.

Support engineers answer the customer in the case; the finding's fields already hold every part of
that answer, in the order a reader needs them. Composing it here (not in a template) keeps the text
identical in JSON, HTML and Markdown, and keeps the reports free of analysis. It restates only what
the finding says: no evidence line, time or command is added that the finding does not carry.
"""

from __future__ import annotations

from datetime import datetime

from analyzer.model import Finding, IncidentStatus

MAX_EVIDENCE = 5  # a reply cites the strongest lines; the report keeps the rest
MAX_TEXT = 240  # one evidence line, cut so a pasted reply stays readable


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def _what_happened(f: Finding) -> str:
    target = f"route {f.namespace}/{f.route}" if f.route else f"namespace {f.namespace}"
    parts = [f"What happened on {target}: {f.title}."]
    if f.began_at and (f.first_seen is None or f.began_at < f.first_seen):
        parts.append(f"It began at {_when(f.began_at)}.")  # the first evidence, before the first failed request
    if f.affected_requests == 1:  # one request has one time: no span from it to itself
        when = f.first_seen or f.last_seen
        parts.append(f"1 request failed{f' at {_when(when)}' if when else ''}.")
    elif f.affected_requests:
        start = f.first_seen or f.began_at
        span = f" between {_when(start)} and {_when(f.last_seen)}" if start and f.last_seen else ""
        parts.append(f"{f.affected_requests} requests failed{span}.")
    elif f.first_seen and not f.began_at:
        parts.append(f"It began at {_when(f.first_seen)}.")
    if f.status_at_collection is IncidentStatus.ENDED:
        parts.append(f"It had ended by {_when(f.ended_at)}." if f.ended_at else "It had ended before collection.")
    elif f.status_at_collection is IncidentStatus.ONGOING:
        parts.append("It was still going on when the data was collected.")
    return " ".join(parts)


def _evidence_lines(f: Finding) -> list[str]:
    out = []
    for ev in f.evidence[:MAX_EVIDENCE]:
        where = ev.source + (f":{ev.line}" if ev.line else "")
        text = " ".join(str(ev.text).split())
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        out.append(f"- {where}: {text}")
    if len(f.evidence) > MAX_EVIDENCE:
        out.append(f"- … and {len(f.evidence) - MAX_EVIDENCE} more lines in the attached report")
    return out


def customer_summary(f: Finding) -> str:
    """The reply for one finding, as plain text (the reports escape it)."""
    lines = [_what_happened(f), "", f.explanation.strip(), ""]
    evidence = _evidence_lines(f)
    if evidence:
        lines += ["Evidence:", *evidence, ""]
    if f.remediation:
        lines += ["Change to make:", *f.remediation]
    return "\n".join(lines).strip() + "\n"


def fill_customer_summaries(findings: list[Finding]) -> None:
    """Give every finding its reply (after the runner has set times, status and evidence)."""
    for f in findings:
        f.customer_summary = customer_summary(f)
