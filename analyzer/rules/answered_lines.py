"""How many of a route's lines a rule's selection takes, and when the first and last were: its rows and its
counted normal lines together.

``mga analyze`` may count a route's normal lines (answered below 500 or, for a passthrough route, a TCP
line without a status; connection made, no queue: ``parsers.normal_lines``) instead of keeping them as
rows. A rule that asks "did the route's own servers answer, how often, from when to when" selects among
its rows as before and names, for the same selection, which normal-line keys it takes (a key holds the
columns a selection reads: server, pod, backend kind, status). Where every line is a row the keys are
none and the answer is the rows' alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.rules import common
from parsers.normal_lines import accepted_at

KeyFilter = Callable[[pd.DataFrame], object]  # a route's key frame -> which keys (booleans, NA: not taken)


@dataclass(frozen=True)
class LineSpan:
    """A count of lines and the accept times of the first and last (None when unknown or none)."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.count == 0


def _stamp(ms: int) -> datetime:
    return accepted_at(ms).to_pydatetime()


def normal_keys(ctx: Context, route: common.RouteRef, keep: KeyFilter | None = None) -> pd.DataFrame:
    """The route's normal-line keys (``NormalLines.route_keys``) that ``keep`` takes (every one without it).

    ``keep`` reads the key frame as a selection reads rows; a missing answer (NA) does not take the key,
    as a boolean selection of rows does not take the row.
    """
    keys = ctx.normal_lines.route_keys(route.namespace, route.name)
    if keep is None or keys.empty:
        return keys
    chosen = pd.Series(keep(keys), index=keys.index).astype("boolean").fillna(False).to_numpy(dtype=bool)
    return keys[chosen]


def line_span(ctx: Context, route: common.RouteRef, rows: pd.DataFrame, keep: KeyFilter | None) -> LineSpan:
    """``rows`` (the route's rows a rule selected) and the route's normal lines whose keys ``keep`` takes
    (None: no normal line), counted together, with the earliest and latest accept time of either."""
    first, last = common.span(rows) if not rows.empty else (None, None)
    count = len(rows)
    if keep is None:
        return LineSpan(count, first, last)
    keys = normal_keys(ctx, route, keep)
    if keys.empty:
        return LineSpan(count, first, last)
    count += int(keys["requests"].sum())
    low, high = _stamp(np.min(keys["first"])), _stamp(np.max(keys["last"]))
    return LineSpan(count, low if first is None else min(first, low), high if last is None else max(last, high))
