"""``mga batch``: one report per input for many inputs, and an index of them all.

A support organisation re-checks a queue of case archives at once (after a rule change, or to find
every case with the same cause); each input gets the same reports ``mga analyze`` would write, and
``index.json`` lists them with their verdicts and top causes. The analyses run as a Dask bag
(``mga.dask_engine.run_batch``) or one after the other (``--engine local``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from analyzer.wording import plural
from mga.outputs import write_report

EXTENSIONS = (".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".tar", ".zip", ".gz", ".yaml", ".yml", ".json", ".log")


def report_names(paths: list[str]) -> list[str]:
    """A file-name stem per input: its base name without archive extensions, made unique."""
    seen: Counter[str] = Counter()
    names = []
    for path in paths:
        base = Path(path.rstrip("/")).name or "input"
        for ext in EXTENSIONS:
            if base.lower().endswith(ext) and len(base) > len(ext):
                base = base[: -len(ext)]
                break
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "input"
        if base.lower().split(".")[0] == "index":
            base = f"case-{base}"  # never index.json / index.html, which list the cases
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def write_reports(result: Any, stem: str, formats: tuple[str, ...]) -> dict[str, str]:
    """Write ``stem.<format>`` for every format; returns format -> path."""
    from mga.render import ReportFormat, render

    written = {}
    for fmt in formats:
        path = f"{stem}.{fmt}"
        write_report(path, render(result, ReportFormat(fmt)))
        written[fmt] = path
    return written


def summary_of(path: str, result: Any, written: dict[str, str]) -> dict[str, Any]:
    """The index row of one input: what a lead scans before opening any report."""
    findings = result.findings
    return {
        "input": path,
        "reports": written,
        "routes": len(result.routes),
        "verdicts": dict(sorted(Counter(str(r.verdict) for r in result.routes).items())),
        "findings": len(findings),
        "critical": sum(1 for f in findings if str(f.severity) == "critical"),
        "warning": sum(1 for f in findings if str(f.severity) == "warning"),
        "causes": dict(Counter(f.cause for f in findings).most_common()),
        "requests": result.requests,
        "gaps": len(result.gaps),
    }


def analyze_one(path: str, stem: str, formats: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
    """Load, analyze and write the reports of one input (on a Dask worker or here).

    An unreadable input, or reports that cannot be written, become an ``error`` row: one bad archive
    in a hundred must not lose the other ninety-nine.
    """
    from analyzer.run import analyze
    from mga import __version__
    from mga.checks import filter_mismatch, unusable
    from parsers.load_snapshot import load_snapshot
    from parsers.sources import InputError

    namespaces = options.get("namespaces")
    try:
        snap = load_snapshot([path], options.get("logs") or [], namespaces=namespaces,
                             max_bytes=options.get("max_bytes"), max_log_bytes=options.get("max_log_bytes"),
                             keep_all_requests=False)
    except InputError as exc:
        return {"input": path, "error": str(exc)}
    mismatch = unusable(snap, [path]) or filter_mismatch(snap, namespaces, None)
    if mismatch:  # what ``mga analyze`` refuses: no empty report set for an input without objects or a
        # filter that matches nothing
        return {"input": path, "error": mismatch}
    result = analyze(snap, namespaces=namespaces, tool_version=__version__)
    try:
        written = write_reports(result, stem, formats)
    except OSError as exc:
        return {"input": path, "error": f"cannot write {stem}.*: {exc.strerror or exc}"}
    return summary_of(path, result, written)


def write_index(out_dir: str, rows: list[dict[str, Any]]) -> str:
    """``index.json`` and ``index.html`` over every case; returns the JSON path."""
    path = os.path.join(out_dir, "index.json")
    write_report(path, json.dumps({"schema": "mga.batch/v1", "inputs": rows}, indent=2) + "\n")
    write_report(os.path.join(out_dir, "index.html"), index_html(rows))
    return path


def index_html(rows: list[dict[str, Any]]) -> str:
    """One row per case: verdict counts, top causes and links to its reports; every input value escaped.

    A self-contained page under the same strict CSP as the reports (no script, inline style only).
    """
    from html import escape
    from urllib.parse import quote

    body = []
    for row in rows:
        name = escape(str(row["input"]))
        if "error" in row:
            body.append(f"<tr><td>{name}</td><td colspan=4 class=err>{escape(str(row['error']))}</td></tr>")
            continue
        verdicts = ", ".join(f"{escape(str(k))} {int(v)}" for k, v in row["verdicts"].items()) or "no route"
        causes = ", ".join(f"{escape(str(c))} ({int(n)})" for c, n in list(row["causes"].items())[:3]) or "none"
        links = " ".join(f'<a href="{escape(quote(os.path.basename(p)))}">{escape(fmt)}</a>'
                         for fmt, p in row["reports"].items())
        body.append(f"<tr><td>{name}</td><td>{verdicts}</td><td>{int(row['critical'])} critical, "
                    f"{int(row['warning'])} warning</td><td>{causes}</td><td>{links}</td></tr>")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<title>mga batch index</title><style>body{font:14px system-ui,sans-serif;margin:1.5rem}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;"
        "vertical-align:top;overflow-wrap:anywhere}.err{color:#a00}</style></head><body>"
        f"<h1>mga batch: {plural(len(rows), 'case')}</h1>"
        "<table><thead><tr><th>input</th><th>verdicts</th><th>findings</th><th>top causes</th><th>reports</th></tr>"
        "</thead><tbody>" + "".join(body) + "</tbody></table></body></html>\n"
    )
