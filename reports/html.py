"""The self-contained HTML report: one file, no request to any host when opened.

Everything is inline: CSS, the vendored table-sort library (MIT, licence kept beside it in
``reports/static``), a few lines of filter/copy JavaScript, and matplotlib's SVG charts. Every
string that came from an archive goes through jinja2's autoescape; the only markup inserted
unescaped is the SVG matplotlib drew (its text is escaped by matplotlib) and the vendored script.
A Content-Security-Policy meta tag forbids any network access from the page.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analyzer.model import Result, RouteResult
from reports.charts import timeline_svg

HERE = Path(__file__).parent
MAX_CHARTS = 80  # beyond this, timelines stay as tables: the page must open fast at 5,000 routes
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short"] = lambda s, n=90: s if s is None or len(str(s)) <= n else str(s)[: n - 1] + "…"
    # paths keep their end (file name and line) when shortened; the full path is in the title
    env.filters["tail"] = lambda s, n=60: s if s is None or len(str(s)) <= n else "…" + str(s)[-(n - 1):]
    return env


def _static(name: str) -> Markup:
    # vendored, reviewed files shipped with the package; "</script" cannot occur in them
    text = (HERE / "static" / name).read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"{name} would break out of its script element")
    return Markup(text)


def _charts(result: Result) -> dict[tuple[str, str], Markup]:
    """SVG per route with log data, worst routes first, capped."""
    charts: dict[tuple[str, str], Markup] = {}
    for route in result.routes:
        if len(charts) >= MAX_CHARTS:
            break
        if route.timeline and (route.findings or sum(route.errors.values()) or len(result.routes) <= 50):
            svg = timeline_svg(route)
            if svg:
                charts[(route.namespace, route.name)] = Markup(svg)
    return charts


def render_html(result: Result) -> str:
    findings = {f.id: f for f in result.findings}
    routes_detail: list[RouteResult] = [r for r in result.routes if str(r.verdict) != "healthy" or r.findings]
    template = _env().get_template("report.html.j2")
    return template.render(
        r=result,
        data=result.to_dict(),
        findings=findings,
        detail_routes=routes_detail,
        charts=_charts(result),
        csp=CSP,
        tablesort=_static("tablesort.min.js"),
        tablesort_number=_static("tablesort.number.min.js"),
    )
