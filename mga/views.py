"""Terminal views for the CLI: plain text tables shaped like ``oc`` output, JSON and YAML."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import yaml

from analyzer.registry import all_rules
from analyzer.rule import Rule
from mga.console import table


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


def oc_host(host: str | None, admitted: bool | None, reason: Any) -> str:
    """The HOST/PORT cell as ``oc get routes`` prints it: the host, or the reason no router admitted it."""
    if admitted is False:
        return str(reason).split()[0] if isinstance(reason, str) and reason.strip() else "Pending"
    return _cell(host)


def oc_termination(termination: Any, insecure: Any) -> str:
    """``edge/Redirect`` like ``oc``: the TLS termination, then the insecure-edge policy when set."""
    term = "" if not isinstance(termination, str) or termination == "none" else termination
    policy = insecure if isinstance(insecure, str) and insecure else ""
    if term and policy:
        return f"{term}/{policy}"
    return term or (f"default/{policy}" if policy else "")


def oc_services(services: list[str], weights: list[Any]) -> str:
    """``svc`` alone, or ``svc(60%),other(40%)`` with weights as percentages of their sum, like ``oc``."""
    total = sum(int(w) for w in weights if w is not None)
    cells = []
    for name, weight in zip(services, weights, strict=False):
        if weight is None or (len(services) == 1 and total != 0):
            cells.append(name)
        elif total == 0:
            cells.append(f"{name}(0%)")
        else:
            cells.append(f"{name}({int(weight) * 100 // total}%)")
    return ",".join(cells)


OC_COLUMNS = ["NAMESPACE", "NAME", "HOST/PORT", "PATH", "SERVICES", "PORT", "TERMINATION", "WILDCARD"]


def routes_table(summary: pd.DataFrame, output: str, routes: pd.DataFrame | None = None) -> str:
    """``oc get routes -A`` columns, then mga's READY (ready/total endpoints); SOURCE with ``-o wide``."""
    records = route_records(summary)
    if output == "json":
        return json.dumps({"routes": records}, indent=2) + "\n"
    if output == "yaml":
        return yaml.safe_dump({"routes": records}, sort_keys=False)
    if not records:
        return "No routes found.\n"
    first: dict[tuple[str, str], pd.Series] = {}
    if routes is not None and not routes.empty:
        for _, row in routes.iterrows():
            first.setdefault((row["namespace"], row["name"]), row)
    headers = OC_COLUMNS + ["READY"] + (["SOURCE"] if output == "wide" else [])
    rows = []
    for rec, (_, row) in zip(records, summary.iterrows(), strict=True):
        spec = first.get((rec["namespace"], rec["name"]), pd.Series(dtype=object))
        port = spec.get("target_port")
        line = [
            rec["namespace"],
            rec["name"],
            oc_host(rec["host"], rec["admitted"], spec.get("not_admitted_reason")),
            rec["path"] or "",
            oc_services(rec["services"], rec["weights"]),
            port if isinstance(port, str) and port else "<all>",
            oc_termination(rec["termination"], spec.get("insecure_policy")),
            spec.get("wildcard_policy") if isinstance(spec.get("wildcard_policy"), str) else "",
            _endpoints(row),
        ]
        if output == "wide":
            line.append(f"{rec['source']}:{rec['line']}")
        rows.append(line)
    return _format(headers, rows)


def _format(headers: list[str], rows: list[list[str]]) -> str:
    return table(headers, rows)


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
