"""``mga logs --format html``: the access-log statistics as one self-contained page.

The same building blocks as the report (:mod:`reports.html`): its stylesheet, its Content-Security-
Policy (no network at all; no script is needed here, so none may run) and its per-minute status
chart (:func:`reports.charts.minutes_svg`). The numbers come computed from :mod:`analyzer.logstats`
and :mod:`analyzer.logtops`; this module only lays them out, every input string autoescaped.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from reports.charts import minutes_svg
from reports.html import content_security_policy, environment, static_css


def render_logs_html(stats: dict[str, Any], inputs: list[str], *, routes: list[dict[str, Any]],
                     servers: list[dict[str, Any]], worst: list[dict[str, Any]],
                     notes: dict[str, str] | None = None) -> str:
    """The page for an ``mga.logs/v1`` object that carries the tops (``minutes``, ``urls``, ``clients``).

    ``routes``/``servers``: the rows to show, in order; ``worst``: the worst minutes, labelled, in
    time order (as ``mga logs`` prints them); ``notes``: the line under a table ``--top`` cut, by table
    (``routes``, ``servers``).
    """
    svg = minutes_svg(stats.get("minutes") or [], "mga-logs")
    template = environment().get_template("logs.html.j2")
    return template.render(
        s=stats,
        inputs=inputs,
        chart=Markup(svg) if svg else None,
        routes=routes,
        servers=servers,
        worst=worst,
        notes=notes or {},
        css=static_css(),
        csp=content_security_policy([]),
    )
