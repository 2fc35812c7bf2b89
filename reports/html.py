"""The self-contained HTML report: one file, no request to any host when opened.

Everything is inline: the CSS, the vendored table-sort library (MIT, licence kept beside it in
``reports/static``), a few lines of our own JavaScript (filters, copy buttons, on-demand checklists)
and matplotlib's SVG charts. Every string from an archive goes through jinja2's autoescape; the only
markup inserted as is, is the SVG matplotlib drew (it escapes its text) and the vendored scripts.
Control characters from an input (ESC, NUL, DEL, C1; not tab or line breaks) are invalid in HTML
and invisible: every value the templates write is shown as the terminal shows it (``\\x1b``, by
:func:`mga.console.clean`), so the page holds none of them raw.
The one JSON block (checklists drawn on demand) has ``<``, ``>`` and ``&`` escaped, so a
``</script>`` in a request path cannot end it.

A Content-Security-Policy meta tag forbids every network access; scripts run only if their SHA-256
is listed in it, so nothing injected could run even if escaping failed. Styles stay
``'unsafe-inline'`` because matplotlib's SVG styles its shapes with ``style`` attributes.

At 5,000 routes the page stays small and quick: the verdict table lists every route, full sections
(checklist, timeline, events, evidence) go to the worst ``MAX_SECTIONS`` routes, charts to the
first ``MAX_CHARTS`` of those with log data (the others get a table of their minutes with 5xx), and
the remaining routes' checklists travel as compact JSON drawn when their row is opened.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analyzer.model import Finding, Result, RouteResult, rfc3339
from analyzer.wording import number, plural
from reports.charts import timeline_svg
from reports.json_report import VERDICT_RANK, logs_of_several_inputs, ordered_routes
from reports.platform_md import router_pods_ready
from reports.safe_text import clean

HERE = Path(__file__).parent
SCRIPTS = ("tablesort.min.js", "tablesort.number.min.js", "report.js")
SMALL_REPORT = 50  # up to this many routes, every route gets a section (healthy ones closed)
MAX_SECTIONS = 250  # beyond: sections for the worst routes only
OPEN_SECTIONS = 12  # the worst routes' sections start open
MAX_CHARTS = 60  # ~13 kB and ~40 ms each
MAX_EVENTS = 60
MAX_SKIPPED = 2000
MAX_ERROR_MINUTES = 15
PAGE_CONTROLS = "\t\n\r"  # the control characters HTML allows: kept, every other one is shown escaped
CSP_FIXED = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; "
    "media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass
class RouteRow:
    """One route as the page shows it: the route plus what the template needs to lay it out."""

    route: RouteResult
    index: int
    rank: int
    findings: list[Finding]
    affected: int
    affected_known: bool = True  # False: every finding's count is 0 for lack of access-log lines, shown "unknown"
    section: bool = False
    open: bool = False
    chart: Markup | None = None
    error_minutes: list[dict[str, Any]] = field(default_factory=list)
    error_minutes_total: int = 0
    lazy: int | None = None
    no_finding_reason: str = ""  # an unknown or degraded route without a finding: why (its verdict detail)
    anchor: str = ""  # id of the route's section: route-<ns>-<name>
    anchors: dict[str, str] = field(default_factory=dict)  # finding id -> finding-<code>-<ns>-<name>[-k]
    starts: dict[str, datetime | None] = field(default_factory=dict)  # finding id -> start of its time span

    @property
    def lead(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def render_html(result: Result) -> str:
    rows = route_rows(result)
    sections = [row for row in rows if row.section]
    lazy_rows = [row for row in rows if not row.section]
    for n, row in enumerate(lazy_rows):
        row.lazy = n
    scripts = [static_text(name) for name in SCRIPTS]
    template = environment().get_template("report.html.j2")
    return template.render(
        r=result,
        rows=rows,
        anchors={fid: anchor for row in rows if row.section for fid, anchor in row.anchors.items()},
        sections=sections,
        hidden_sections=sum(1 for row in lazy_rows if row.findings),
        lazy_count=len(lazy_rows),
        lazy_json=embed_json(lazy_checklists(lazy_rows)),
        verdicts=Counter(str(row.route.verdict) for row in rows),
        gateway_errors=None
        if result.status_counts is None
        else sum(int(result.status_counts.get(code, 0)) for code in ("502", "503", "504")),
        css=static_css(),
        scripts=scripts,
        csp=content_security_policy(scripts),
        max_events=MAX_EVENTS,
        max_charts=MAX_CHARTS,
        many=SMALL_REPORT,
        max_skipped=MAX_SKIPPED,
    )


def route_rows(result: Result) -> list[RouteRow]:
    """Routes worst first, each with its findings (worst first), section, chart or minutes table."""
    by_id = {f.id: f for f in result.findings}
    rows: list[RouteRow] = []
    for index, route in enumerate(ordered_routes(result)):
        findings = sorted((by_id[fid] for fid in route.findings if fid in by_id),
                          key=lambda f: (-f.severity.rank, -f.affected_requests))
        row = RouteRow(route, index, VERDICT_RANK.get(str(route.verdict), len(VERDICT_RANK)), findings,
                       route.affected_requests,
                       affected_known=not findings or any(f.affected_requests_known for f in findings))
        if str(route.verdict) in ("unknown", "degraded") and not findings:  # why, where no finding says it
            row.no_finding_reason = route.verdict_detail or next(
                (c.detail for c in route.checklist if str(c.status) == "unknown"), ""
            )
        rows.append(row)
    name_anchors(rows)
    small = len(rows) <= SMALL_REPORT
    candidates = [row for row in rows if small or row.findings or str(row.route.verdict) != "healthy"]
    charts = 0
    for n, row in enumerate(candidates[:MAX_SECTIONS]):
        row.section = True
        row.open = n < OPEN_SECTIONS and str(row.route.verdict) in ("broken", "degraded")
        if row.route.timeline and charts < MAX_CHARTS:
            row.chart = _chart(row.route)
            charts += row.chart is not None
        elif row.route.timeline:
            row.error_minutes, row.error_minutes_total = _error_minutes(row.route.timeline)
    return rows


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def anchor_part(value: object) -> str:
    """A piece of an anchor: Kubernetes names stay as they are, any other character becomes ``_``."""
    return _UNSAFE.sub("_", str(value))


def name_anchors(rows: list[RouteRow]) -> None:
    """Stable ids, the same for a route in every report: ``route-<ns>-<name>`` and, per finding,
    ``finding-<code>-<ns>-<name>`` (``-2``, ``-3`` ... for further findings of one code on the route).

    Two routes whose parts join to the same text (``a-b``/``c`` and ``a``/``b-c``) keep one id
    each: the later one (in the table's order) gets ``~2``. Also sets each finding's time span
    start: ``began_at`` (the first evidence) when it comes before ``first_seen``.
    """
    taken: set[str] = set()

    def unique(base: str) -> str:
        name, k = base, 2
        while name in taken:
            name, k = f"{base}~{k}", k + 1
        taken.add(name)
        return name

    for row in rows:
        route = row.route
        tail = f"{anchor_part(route.namespace)}-{anchor_part(route.name)}"
        row.anchor = unique(f"route-{tail}")
        seen: Counter[str] = Counter()
        for f in sorted(row.findings, key=lambda f: (len(f.id), f.id)):  # by id: the order the rules found them
            seen[f.code] += 1
            suffix = f"-{seen[f.code]}" if seen[f.code] > 1 else ""
            row.anchors[f.id] = unique(f"finding-{anchor_part(f.code)}-{tail}{suffix}")
            began = f.began_at
            row.starts[f.id] = began if began is not None and (f.first_seen is None or began < f.first_seen) \
                else f.first_seen


def lazy_checklists(rows: list[RouteRow]) -> dict[str, Any]:
    """Checklists of routes without a section, with every string stored once (they repeat a lot)."""
    strings: dict[str, int] = {}
    checks: dict[str, int] = {}
    statuses: dict[str, int] = {}

    def ref(table: dict[str, int], value: str) -> int:
        return table.setdefault(value, len(table))

    routes = [[[ref(checks, c.check), ref(statuses, str(c.status)), ref(strings, clean(c.detail, keep=PAGE_CONTROLS))]
               for c in row.route.checklist] for row in rows]
    return {"checks": list(checks), "statuses": list(statuses), "strings": list(strings), "routes": routes}


def embed_json(data: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left to end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # json.dumps escapes C0 itself; DEL, C1 and the line separators are written as \uXXXX here
    return Markup(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def visible(value: object) -> object:
    """``value`` with its control characters shown escaped, as text or markup as it came; other values as is.

    The templates' ``finalize``: it sees every value written, markup included, since a ``join`` or a
    macro returns markup built from input strings that autoescape does not look at again.
    """
    if isinstance(value, Markup):
        return Markup(clean(value, keep=PAGE_CONTROLS))
    if isinstance(value, str):
        return clean(value, keep=PAGE_CONTROLS)
    return value


def content_security_policy(scripts: list[str]) -> str:
    """No network at all; only the scripts shipped in the page (by hash) may run."""
    hashes = " ".join(f"'{script_hash(s)}'" for s in scripts) or "'none'"
    return f"{CSP_FIXED}; script-src {hashes}"


def script_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def static_text(name: str) -> Markup:
    """A vendored or own script shipped with the package; it must not be able to close its element."""
    text = (HERE / "static" / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"{name} cannot be inlined: it would end or confuse its script element")
    return Markup(text)


def static_css() -> Markup:
    text = (HERE / "templates" / "report.css").read_text(encoding="utf-8")
    if "</style" in text.lower():
        raise ValueError("report.css would end its style element")
    return Markup(text)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=visible,
    )
    env.filters["short"] = _short
    env.filters["tail"] = _tail
    env.filters["ts"] = _ts
    env.filters["span"] = _span
    env.filters["hhmm"] = _hhmm
    env.filters["plural"] = functools.partial(plural, sep=True)  # the report's counts: thousands grouped
    env.filters["number"] = number
    env.filters["router_pods_ready"] = router_pods_ready
    env.globals["logs_of_several_inputs"] = logs_of_several_inputs
    return env


def _chart(route: RouteResult) -> Markup | None:
    svg = timeline_svg(route)
    return Markup(svg) if svg else None


def _error_minutes(timeline: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Minutes worth a row when a route has no chart: those with most 5xx, in time order; and how many."""
    def errors(m: dict[str, Any]) -> int:
        return sum(int(m.get(k, 0) or 0) for k in ("502", "503", "504", "5xx_other"))

    bad = [m for m in timeline if errors(m)]
    worst = sorted(bad, key=errors, reverse=True)[:MAX_ERROR_MINUTES]
    return sorted(worst, key=lambda m: str(m["minute"])), len(bad)


def _short(value: object, n: int = 90) -> object:
    """Long text cut at ``n`` characters (the full text stays in the JSON report)."""
    if value is None or len(str(value)) <= n:
        return value
    return str(value)[: n - 1] + "…"


def _tail(value: object, n: int = 60) -> object:
    """Paths keep their end (file name and line) when shortened; the full path goes in a title."""
    if value is None or len(str(value)) <= n:
        return value
    return "…" + str(value)[-(n - 1):]


def _ts(value: datetime | None) -> str:
    return rfc3339(value) or ""


def _hhmm(value: datetime | None) -> str:
    """``08:41`` (UTC) for "ended at"; the full time stays in the JSON report."""
    text = rfc3339(value)
    return text[11:16] if text else ""


def _span(first: datetime | None, last: datetime | None) -> str:
    """``2026-11-20 08:41:12 → 08:59:58``: the date once when both ends share it."""
    a, b = rfc3339(first), rfc3339(last)
    if not a:
        return ""
    start = a.replace("T", " ").rstrip("Z").split(".")[0]
    if not b:
        return start
    end = b.replace("T", " ").rstrip("Z").split(".")[0]
    return f"{start} → {end[11:] if end[:10] == start[:10] else end}"
