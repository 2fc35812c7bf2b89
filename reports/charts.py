"""Timeline charts as inline SVG, drawn by matplotlib (no network, no JavaScript needed to view).

The numbers come from the analyzer (``RouteResult.timeline`` and ``.events``); this module only
draws them: stacked bars of requests per minute by status class, with the pod and router events
as labelled vertical markers.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from analyzer.model import RouteResult

SERIES = (  # (key, label, colour): good first, errors last so they sit on top
    ("2xx", "2xx", "#9cc5a1"),
    ("3xx", "3xx", "#c9dbc9"),
    ("4xx", "4xx", "#e8d28a"),
    ("other", "no status / other", "#c8c8c8"),
    ("5xx_other", "other 5xx", "#b07aa1"),
    ("502", "502", "#e15759"),
    ("503", "503", "#f28e2b"),
    ("504", "504", "#4e79a7"),
)
EVENT_COLOURS = {"not-ready": "#f28e2b", "probe-failed": "#f1a340", "restart": "#e15759", "oom": "#b2182b",
                 "deleted": "#6a3d9a", "killing": "#6a3d9a", "rollout": "#1f78b4", "server-down": "#333333",
                 "no-server": "#000000", "evicted": "#b2182b"}
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "mga", "font.size": 8,
                     "font.family": "sans-serif"})


def timeline_svg(route: RouteResult) -> str | None:
    """The route's timeline as an SVG string, or None when there is no per-minute data."""
    if not route.timeline:
        return None
    with plt.rc_context({"svg.hashsalt": f"{route.namespace}/{route.name}"}):  # unique ids per chart
        return _draw(route)


def _draw(route: RouteResult) -> str:
    minutes = [datetime.fromisoformat(m["minute"].replace("Z", "+00:00")) for m in route.timeline]
    fig, ax = plt.subplots(figsize=(9.5, 2.6), dpi=96)
    width = (1 / 1440) * 0.85  # days per bar (matplotlib dates are in days)
    bottom = [0] * len(minutes)
    for key, label, colour in SERIES:
        values = [m.get(key, 0) for m in route.timeline]
        if any(values):
            ax.bar(minutes, values, width=width, bottom=bottom, color=colour, label=label, align="edge", linewidth=0)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    top = max(bottom) if bottom else 1
    start, end = minutes[0], minutes[-1]
    shown = set()
    for event in route.events:
        ts = event.ts
        if ts < start or ts > end.replace(second=59):
            continue
        colour = EVENT_COLOURS.get(event.kind, "#777777")
        ax.axvline(ts, color=colour, linewidth=1, linestyle="--", alpha=0.9)
        if (event.kind, event.pod) not in shown:
            shown.add((event.kind, event.pod))
            ax.text(ts, max(1, top) * 1.08, f" {event.kind}", rotation=90, va="bottom", ha="right", fontsize=6.5,
                    color=colour)
    ax.set_ylim(0, max(1, top) * 1.55)
    ax.set_ylabel("requests / min")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=start.tzinfo))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower left", ncol=8, fontsize=6.5, frameon=False, bbox_to_anchor=(0, 1.0))
    ax.set_xlabel(f"UTC, {start:%Y-%m-%d}")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return _strip_prolog(buf.getvalue())


def _strip_prolog(svg: str) -> str:
    """Inline-ready, compact SVG: no prolog, DOCTYPE or metadata, coordinates to 0.1 px, no indentation.

    A report carries up to MAX_CHARTS of these; the rounding is invisible and halves the size.
    """
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"(\d+\.\d)\d+", r"\1", svg)
    svg = re.sub(r">\s+<", "><", svg)
    return svg.strip()
