"""Timeline charts as inline SVG, drawn by matplotlib (no network, no JavaScript needed to view).

The numbers come from the analyzer (``RouteResult.timeline`` per minute and ``RouteResult.events``);
this module only draws them: stacked bars of requests per minute by status class, with the pod and
router events as labelled vertical markers. A span longer than ``MAX_BARS`` minutes is drawn with
wider bars (the per-minute counts summed into 5, 10, 15... minute bars) so a day of logs stays a
readable, small picture; the y axis says which width was used. A span longer than ``MAX_FILLED_SPAN``
minutes (a line dated a year off, a log of months) is drawn on a broken axis: only the bars that hold
lines and the empty ones between them up to ``GAP_BARS``, a longer gap drawn as one hatched slot
labelled with its length, so the picture and its drawing stay bounded by the minutes with lines.

The object-oriented API (``Figure``, no ``pyplot``) keeps no global figure state and never picks a
GUI backend; rcParams are set per chart with ``rc_context`` so nothing leaks into other users of
matplotlib in the same process.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure

from analyzer.model import RouteResult, TimelineEvent

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
EVENT_COLOURS = {
    "not-ready": "#d95f02", "probe-failed": "#e6ab02", "restart": "#e7298a", "oom": "#b2182b",
    "deleted": "#6a3d9a", "killing": "#6a3d9a", "evicted": "#b2182b", "rollout": "#1f78b4",
    "router-reload": "#555555", "proxy-started": "#555555", "proxy-stopped": "#555555",
    "server-down": "#000000", "server-up": "#1b9e77", "no-server": "#000000", "config-change": "#0868ac",
}
DEFAULT_EVENT_COLOUR = "#777777"
MAX_BARS = 240
BAR_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440)
MAX_SEPARATED_BARS = 120
MAX_FILLED_SPAN = 7 * 24 * 60  # minutes: a longer span is drawn on a broken axis
BROKEN_BAR_MINUTES = (*BAR_MINUTES, 10_080, 43_200)  # a broken axis may need week or 30-day bars
GAP_BARS = 8  # on a broken axis, up to this many empty bars in a row are drawn; more make one gap slot
GAP_SLOTS = 2  # the width of a gap slot, in bars
MAX_TICKS = 8
MAX_LABELS = 14  # beyond this, markers stay but only the first of each kind is labelled
HEADROOM = 1.9  # y axis to 1.9x the busiest bar: room above the bars for the event labels
RC = {
    "svg.fonttype": "none",  # text stays text: small, selectable, rendered with the viewer's fonts
    "font.size": 8,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans"],  # a short list: it is repeated per label
    # labels carry pod names from the input: plain text, never maths (``$...$`` must not be parsed)
    "text.usetex": False,
    "text.parse_math": False,
}


def timeline_svg(route: RouteResult) -> str | None:
    """The route's timeline as an inline-ready SVG string, or None when there is no per-minute data."""
    if not route.timeline:
        return None
    salt = f"{route.namespace}/{route.name}"  # clip-path ids unique per chart on one page
    with matplotlib.rc_context({**RC, "svg.hashsalt": salt}):
        return _compact(_draw(route.timeline, route.events))


def minutes_svg(minutes: Sequence[dict[str, Any]], salt: str) -> str | None:
    """Per-minute counts by status class (``mga logs --format html``) as the same chart, without events."""
    if not minutes:
        return None
    with matplotlib.rc_context({**RC, "svg.hashsalt": salt}):
        return _compact(_draw(minutes, ()))


def bar_minutes(n_minutes: int) -> int:
    """The narrowest bar width (in minutes) that keeps the chart at ``MAX_BARS`` bars or fewer."""
    return next((m for m in BAR_MINUTES if -(-n_minutes // m) <= MAX_BARS), BAR_MINUTES[-1])


def merge_minutes(
    timeline: Sequence[dict[str, Any]], width: int
) -> tuple[list[datetime], dict[str, list[int]]]:
    """Bar start times and per-series counts, ``width`` consecutive minutes summed into one bar."""
    starts: list[datetime] = []
    values: dict[str, list[int]] = {key: [] for key, _, _ in SERIES}
    first = _minute(timeline[0])
    for entry in timeline:
        ts = _minute(entry)
        index = int((ts - first).total_seconds() // 60) // width
        while len(starts) <= index:
            starts.append(first + timedelta(minutes=width * len(starts)))
            for series in values.values():
                series.append(0)
        for key in values:
            values[key][index] += int(entry.get(key, 0) or 0)
    return starts, values


def _stacked_bars(ax: Any, values: dict[str, list[int]], edges: Sequence[float], bars: int) -> int:
    """The status classes stacked, one filled step path per class (the bars, at a fraction of the SVG size);
    the height of the tallest bar (at least 1)."""
    bottom = [0] * bars
    for key, label, colour in SERIES:
        heights = values[key]
        if any(heights):
            stacked = [b + h for b, h in zip(bottom, heights, strict=True)]
            ax.stairs(stacked, edges, baseline=bottom, fill=True, color=colour, label=label, linewidth=0)
            bottom = stacked
    return max(max(bottom, default=0), 1)


def _draw(timeline: Sequence[dict[str, Any]], events: Sequence[TimelineEvent]) -> str:
    if (_minute(timeline[-1]) - _minute(timeline[0])) >= timedelta(minutes=MAX_FILLED_SPAN):
        return _draw_broken(timeline, events)
    width = bar_minutes(len(timeline))
    starts, values = merge_minutes(timeline, width)
    end = starts[-1] + timedelta(minutes=width)
    edges = mdates.date2num([*starts, end])
    fig = Figure(figsize=(9.5, 3.0), dpi=96)
    fig.subplots_adjust(left=0.065, right=0.975, bottom=0.15, top=0.88)  # fixed: tight_layout costs 2x
    ax = fig.add_subplot()
    top = _stacked_bars(ax, values, edges, len(starts))
    if len(starts) <= MAX_SEPARATED_BARS:
        # thin white gaps between the steps make one bar per minute visible; one path for all of them
        xs = [x for edge in edges[1:-1] for x in (edge, edge, math.nan)]
        ys = [y for _ in edges[1:-1] for y in (0, top, math.nan)]
        ax.plot(xs, ys, color="white", linewidth=0.6)
    shown = [e for e in events if starts[0] <= e.ts <= end]
    headroom = HEADROOM if shown else 1.15
    _draw_events(ax, shown, top * (headroom - 0.02))
    ax.xaxis_date(tz=starts[0].tzinfo)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, top * headroom)
    ax.set_ylabel("requests / min" if width == 1 else f"requests / {width} min")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=starts[0].tzinfo))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower left", ncol=len(SERIES), fontsize=6.5, frameon=False, bbox_to_anchor=(0, 1.0))
    span = f"{starts[0]:%Y-%m-%d}" + (f" to {end:%Y-%m-%d}" if end.date() != starts[0].date() else "")
    ax.set_xlabel(f"UTC, {span}")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def broken_bars(timeline: Sequence[dict[str, Any]]) -> tuple[int, list[datetime | None], list[int],
                                                             dict[str, list[int]]]:
    """The slots of a broken axis: the bar width (minutes), each slot's start (None for a gap slot),
    each gap's length in minutes (in slot order) and the per-series counts of every slot.

    The width is the narrowest of ``BROKEN_BAR_MINUTES`` that keeps the slots at ``MAX_BARS`` or fewer
    (the widest when none does: the slots are then still at most ``GAP_BARS + 1`` a held bar).
    """
    minutes = [int(_minute(e).timestamp()) // 60 for e in timeline]
    first = minutes[0]
    for width in BROKEN_BAR_MINUTES:
        held = sorted({(m - first) // width for m in minutes})
        slots = 1 + sum(d if d <= GAP_BARS + 1 else GAP_SLOTS + 1 for d in _steps(held))
        if slots <= MAX_BARS:
            break
    place: dict[int, int] = {}
    starts: list[datetime | None] = []
    gaps: list[int] = []
    origin = _minute(timeline[0])
    previous: int | None = None
    for bar in held:
        if previous is not None and bar - previous > GAP_BARS + 1:
            starts += [None] * GAP_SLOTS
            gaps.append((bar - previous - 1) * width)
        elif previous is not None:
            starts += [origin + timedelta(minutes=width * b) for b in range(previous + 1, bar)]
        place[bar] = len(starts)
        starts.append(origin + timedelta(minutes=width * bar))
        previous = bar
    values: dict[str, list[int]] = {key: [0] * len(starts) for key, _, _ in SERIES}
    for entry, m in zip(timeline, minutes, strict=True):
        slot = place[(m - first) // width]
        for key in values:
            values[key][slot] += int(entry.get(key, 0) or 0)
    return width, starts, gaps, values


def _steps(held: list[int]) -> list[int]:
    return [b - a for a, b in itertools.pairwise(held)]


def _draw_broken(timeline: Sequence[dict[str, Any]], events: Sequence[TimelineEvent]) -> str:
    """:func:`_draw` on a broken axis (see :func:`broken_bars`): x is the slot, not the time."""
    width, starts, gaps, values = broken_bars(timeline)
    step = timedelta(minutes=width)
    first = next(s for s in starts if s is not None)
    end = next(s for s in reversed(starts) if s is not None) + step
    edges = list(range(len(starts) + 1))
    fig = Figure(figsize=(9.5, 3.0), dpi=96)
    fig.subplots_adjust(left=0.065, right=0.95, bottom=0.2, top=0.88)  # room for the last date
    ax = fig.add_subplot()
    top = _stacked_bars(ax, values, edges, len(starts))
    slot = 0
    for gap in gaps:
        slot = starts.index(None, slot)
        ax.axvspan(slot, slot + GAP_SLOTS, facecolor="none", edgecolor="#aaaaaa", hatch="//", linewidth=0)
        ax.text(slot + GAP_SLOTS / 2, top * 0.05, f"{_duration(gap)} without lines", rotation=90,
                va="bottom", ha="center", fontsize=6.5, color="#555555", parse_math=False)
        slot += GAP_SLOTS
    placed = [(x, e) for e in events if (x := _slot_of(starts, step, e.ts)) is not None]
    headroom = HEADROOM if placed else 1.15
    _draw_events(ax, [e for _, e in placed], top * (headroom - 0.02), [x for x, _ in placed])
    ticks = _broken_ticks(starts)
    ax.set_xticks(ticks, [f"{starts[t]:%Y-%m-%d}\n{starts[t]:%H:%M}" for t in ticks])
    ax.set_xlim(0, len(starts))
    ax.set_ylim(0, top * headroom)
    ax.set_ylabel("requests / min" if width == 1 else f"requests / {_duration(width)}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower left", ncol=len(SERIES), fontsize=6.5, frameon=False, bbox_to_anchor=(0, 1.0))
    ax.set_xlabel(f"UTC, {first:%Y-%m-%d} to {end:%Y-%m-%d}; hatched: {len(gaps)} "
                  f"gap{'s' if len(gaps) != 1 else ''} without lines, not to scale")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _slot_of(starts: list[datetime | None], step: timedelta, ts: datetime) -> float | None:
    """Where ``ts`` falls on a broken axis: in its bar, or the middle of the gap it falls in; None outside."""
    for k, start in enumerate(starts):
        if start is None:
            continue
        if start <= ts < start + step:
            return k + (ts - start) / step
        if ts < start:
            return None if k == 0 else k - GAP_SLOTS / 2  # before the first bar, or in the gap before this one
    return None


def _broken_ticks(starts: list[datetime | None]) -> list[int]:
    """At most ``MAX_TICKS`` slots to label: the first bar and the first after each gap, then evenly between."""
    firsts = [k for k, s in enumerate(starts) if s is not None and (k == 0 or starts[k - 1] is None)]
    if len(firsts) > MAX_TICKS:
        return firsts[:: -(-len(firsts) // MAX_TICKS)]
    bars = [k for k, s in enumerate(starts) if s is not None]
    extra = bars[:: max(1, -(-len(bars) // (MAX_TICKS - len(firsts) + 1)))]
    near = set(firsts)
    return sorted(near | {k for k in extra if all(abs(k - f) >= len(starts) / (2 * MAX_TICKS) for f in near)})


def _duration(minutes: int) -> str:
    """A length of time in its largest whole unit that fits: ``45 min``, ``5 h``, ``12 d``, ``74 y``."""
    for unit, size in (("y", 525_600), ("d", 1440), ("h", 60)):
        if minutes >= size:
            return f"{minutes // size:,} {unit}"
    return f"{minutes} min"


def _draw_events(ax: Any, events: Sequence[TimelineEvent], label_y: float,
                 places: Sequence[float] | None = None) -> None:
    """A dashed vertical line per event; a rotated label (kind and pod suffix) for the first ones.

    ``places``: each event's x on a broken axis (its time on a time axis otherwise).
    """
    labelled: set[tuple[str, str | None]] = set()
    kinds_labelled: set[str] = set()
    for k, event in enumerate(events):
        colour = EVENT_COLOURS.get(event.kind, DEFAULT_EVENT_COLOUR)
        x = event.ts if places is None else places[k]
        ax.axvline(x, color=colour, linewidth=1, linestyle="--", alpha=0.9)
        key = (event.kind, event.pod)
        if key in labelled or (len(labelled) >= MAX_LABELS and event.kind in kinds_labelled):
            continue
        labelled.add(key)
        kinds_labelled.add(event.kind)
        ax.text(x, label_y, f"{event.kind} {_pod_suffix(event.pod)}".strip() + " ", rotation=90,
                va="top", ha="right", fontsize=6.5, color=colour, parse_math=False)


def _pod_suffix(pod: str | None) -> str:
    """The distinguishing end of a pod name (``checkout-7d9c6b8f4-2xkqp`` -> ``…2xkqp``)."""
    if not pod:
        return ""
    tail = pod.rsplit("-", 1)[-1]
    return pod if tail == pod else "…" + tail


def _minute(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(entry["minute"]).replace("Z", "+00:00"))


def _compact(svg: str) -> str:
    """Inline-ready, compact SVG: no prolog, DOCTYPE or metadata, coordinates to 0.1 px, no repeated points.

    A report carries many of these; the rounding is invisible and halves the size.
    """
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"(\d+\.\d)\d+", r"\1", svg)
    svg = re.sub(r">\s+<", "><", svg)
    svg = re.sub(r"\s*\n\s*", " ", svg)
    svg = re.sub(r"( L -?[\d.]+ -?[\d.]+)(?:\1)+", r"\1", svg)  # a step's repeated corner points
    return _drop_unused_ids(svg).strip()


_ID = re.compile(r'\sid="([^"]*)"')


def _drop_unused_ids(svg: str) -> str:
    """Only the ids the drawing refers to (clip paths, markers: salted per route) are kept.

    matplotlib names every group ``figure_1``, ``axes_1``, ``patch_1``...: the same names in every chart,
    so a page of several would hold each id many times (invalid HTML, ``#axes_1`` ambiguous).
    """
    used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    return _ID.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)
