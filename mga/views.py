"""Terminal views for the CLI: plain text tables shaped like ``oc`` output, JSON and YAML."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import yaml

from analyzer.registry import all_rules
from analyzer.rule import Rule


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return "<none>"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "<none>"
    return str(value)


def _endpoints(row: pd.Series) -> str:
    if pd.isna(row["endpoints_total"]):
        return "?"  # namespace not collected: unknown, never 0
    return f"{int(row['endpoints_ready'])}/{int(row['endpoints_total'])}"


def route_records(summary: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for _, row in summary.iterrows():
        services = list(row["services"])
        records.append(
            {
                "namespace": row["namespace"],
                "name": row["name"],
                "host": None if pd.isna(row["host"]) else row["host"],
                "path": None if pd.isna(row["path"]) else row["path"],
                "services": services,
                "weights": list(row["weights"]),
                "termination": row["termination"],
                "endpoints_ready": None if pd.isna(row["endpoints_ready"]) else int(row["endpoints_ready"]),
                "endpoints_total": None if pd.isna(row["endpoints_total"]) else int(row["endpoints_total"]),
                "namespace_collected": bool(row["namespace_collected"]),
                "missing_services": list(row["missing_services"]),
                "admitted": None if pd.isna(row["admitted"]) else bool(row["admitted"]),
                "source": row["source"],
                "line": None if pd.isna(row["line"]) else int(row["line"]),
            }
        )
    return records


def routes_table(summary: pd.DataFrame, output: str) -> str:
    records = route_records(summary)
    if output == "json":
        return json.dumps({"routes": records}, indent=2) + "\n"
    if output == "yaml":
        return yaml.safe_dump({"routes": records}, sort_keys=False)
    if not records:
        return "No routes found.\n"
    headers = ["NAMESPACE", "NAME", "HOST/PORT", "PATH", "SERVICES", "TERMINATION", "ENDPOINTS"]
    if output == "wide":
        headers += ["ADMITTED", "SOURCE"]
    rows = []
    for rec, (_, row) in zip(records, summary.iterrows(), strict=True):
        services = [
            f"{s}({w})" if len(rec["services"]) > 1 and w is not None else s
            for s, w in zip(rec["services"], rec["weights"], strict=False)
        ]
        line = [
            rec["namespace"],
            rec["name"],
            _cell(rec["host"]),
            _cell(rec["path"]) if rec["path"] else "",
            ",".join(services) or "<none>",
            rec["termination"],
            _endpoints(row),
        ]
        if output == "wide":
            line += [_cell(rec["admitted"]), f"{rec['source']}:{rec['line']}"]
        rows.append(line)
    return _format(headers, rows)


def _format(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["   ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in rows:
        lines.append("   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def rules_catalog(fmt: str) -> str:
    rules = all_rules()
    if fmt == "json":
        return json.dumps(
            [
                {"code": r.code, "name": r.name, "cause": r.cause, "severity": str(r.severity),
                 "needs_logs": r.needs_logs, "summary": r.summary}
                for r in rules
            ],
            indent=2,
        ) + "\n"
    if fmt == "markdown":
        return rules_markdown(rules)
    if not rules:
        return "No rules.\n"
    return _format(
        ["CODE", "NAME", "CAUSE", "SEVERITY", "LOGS"],
        [[r.code, r.name, r.cause, str(r.severity), "yes" if r.needs_logs else "no"] for r in rules],
    )


def rule_doc(r: Rule) -> str:
    """One rule's page, like ``ruff rule``: a title, what it is, then the docstring's own Markdown sections."""
    return "\n".join(_rule_page(r, level=1)) + "\n"


def _rule_page(r: Rule, level: int) -> list[str]:
    """The page with its title at heading ``level``; the docstring's ``## Section`` headings sit one below."""
    summary, _, body = r.doc.partition("\n")
    shift = "#" * (level - 1)
    body = "\n".join(shift + line if line.startswith("## ") else line for line in body.strip("\n").splitlines())
    return [
        f"{'#' * level} {r.code} {r.name}",
        "",
        summary,
        "",
        f"Cause `{r.cause}`, severity {r.severity}. Needs: {r.needs_in_words()}.",
        "",
        body,
    ]


def rules_markdown(rules: list[Rule]) -> str:
    """The rule catalogue as Markdown: generated from the code, checked by a test (docs/rules.md)."""
    out = [
        "# Rules",
        "",
        "Generated by `mga rules --format markdown` from the rule modules' docstrings; do not edit by hand.",
        "",
        "| code | name | cause | severity | needs logs |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| [{r.code}](#{_anchor(r)}) | {r.name} | `{r.cause}` | {r.severity} | {'yes' if r.needs_logs else 'no'} |"
        for r in rules
    ]
    for r in rules:
        out += ["", *_rule_page(r, level=2)]
    return "\n".join(out) + "\n"


def _anchor(r: Rule) -> str:
    """The anchor GitHub gives the heading ``## CODE name``."""
    return f"{r.code} {r.name}".lower().replace(" ", "-")
