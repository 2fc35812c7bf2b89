"""A route's per-minute status counts: counted with numpy from its minute groups, equal to the
``crosstab`` of its rows they replaced.

The reference below is the earlier implementation, kept here as the specification: every minute
from the first to the last request (zeros included), each status in the class the report stacks it
in, lines without a time left out, lines without a status (TCP) counted as "other".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.model import rfc3339
from analyzer.timeline import STATUS_CLASSES, per_minute, status_class_codes
from parsers.log_groups import NAME_KEYS, minute_groups


def reference_status_class(status: pd.Series) -> pd.Series:
    s = status.astype("Float64")
    out = pd.Series("other", index=status.index, dtype="object")
    out[(s >= 200) & (s < 300)] = "2xx"
    out[(s >= 300) & (s < 400)] = "3xx"
    out[(s >= 400) & (s < 500)] = "4xx"
    for code in (502, 503, 504):
        out[s == code] = str(code)
    out[(s >= 500) & (s < 600) & ~s.isin([502, 503, 504])] = "5xx_other"
    return out


def reference_per_minute(requests: pd.DataFrame) -> list[dict]:
    rows = requests[requests["ts"].notna()]
    if rows.empty:
        return []
    minute = rows["ts"].dt.floor("min")
    table = pd.crosstab(minute, reference_status_class(rows["status"]))
    full = pd.date_range(table.index.min(), table.index.max(), freq="min")
    table = table.reindex(full, fill_value=0)
    out = []
    for ts, counts in table.iterrows():
        entry = {"minute": rfc3339(ts.to_pydatetime()), "total": int(counts.sum())}
        entry.update({c: int(counts.get(c, 0)) for c in STATUS_CLASSES})
        out.append(entry)
    return out


def groups_of(frame: pd.DataFrame) -> pd.DataFrame:
    """A route's rows (time and status) folded as the access facts fold them, the names varied so
    a minute holds several groups of one status."""
    n = len(frame)
    names = {k: pd.Categorical([f"{k}-{i % 3}" for i in range(n)]) for k in NAME_KEYS}
    return minute_groups(frame.assign(
        **names, request_headers=pd.Series([None] * n, dtype="string", index=frame.index),
        path=pd.Series([None] * n, dtype="string", index=frame.index), input=pd.Categorical(["in"] * n),
        source=pd.Categorical(["log"] * n), line=pd.array(range(1, n + 1), dtype="Int64")))


STATUSES = [200, 204, 301, 304, 404, 499, 500, 501, 502, 503, 504, 505, 599, 600, 101, -1, 0]


def requests_frame(rng: np.random.Generator, rows: int, *, unit: str, start: str, spread_minutes: int,
                   missing_share: float, status_dtype: str = "Int64") -> pd.DataFrame:
    base = pd.Timestamp(start, tz="UTC").value
    offsets = rng.integers(0, spread_minutes * 60_000, rows) * 1_000_000  # milliseconds, as the log has them
    ts = pd.Series(pd.to_datetime(base + offsets, utc=True)).astype(f"datetime64[{unit}, UTC]")
    ts[rng.random(rows) < missing_share] = pd.NaT
    status = pd.Series(rng.choice(STATUSES, rows), dtype=status_dtype)
    status[rng.random(rows) < missing_share] = pd.NA
    frame = pd.DataFrame({"ts": ts, "status": status})
    frame.index = rng.permutation(rows) + 1000  # the labels of a route's rows in the whole frame
    assert frame["ts"].notna().sum() >= rows * (1 - missing_share) / 2  # the generator really dates rows
    return frame


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("unit", ["ns", "ms"])
def test_minutes_equal_the_crosstab_reference(seed: int, unit: str):
    rng = np.random.default_rng(seed)
    frame = requests_frame(rng, int(rng.integers(1, 400)), unit=unit, start="2026-11-20T08:29:13Z",
                           spread_minutes=int(rng.integers(1, 90)), missing_share=0.1,
                           status_dtype=["Int64", "Int16", "Float64"][seed % 3])
    got = per_minute(groups_of(frame))
    assert got == reference_per_minute(frame)
    assert sum(m["total"] for m in got) == frame["ts"].notna().sum() > 0


def test_minutes_before_1970_and_gaps_are_counted_like_the_reference():
    rng = np.random.default_rng(7)
    frame = requests_frame(rng, 50, unit="ns", start="1969-12-31T23:50:30Z", spread_minutes=30, missing_share=0)
    got = per_minute(groups_of(frame))
    assert got == reference_per_minute(frame)
    assert got[0]["minute"].startswith("1969-12-31T23:50")  # floored down, not towards zero
    assert sum(m["total"] for m in got) == 50


def test_no_rows_or_no_times_give_no_minutes():
    empty = pd.DataFrame({"ts": pd.Series([], dtype="datetime64[ns, UTC]"), "status": pd.Series([], dtype="Int64")})
    assert per_minute(groups_of(empty)) == []
    untimed = pd.DataFrame({"ts": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns, UTC]"),
                            "status": pd.Series([502, None], dtype="Int64")})
    assert per_minute(groups_of(untimed)) == []


def test_status_classes_equal_the_reference_row_by_row():
    status = pd.Series([*STATUSES, None], dtype="Int64", index=range(10, 10 + len(STATUSES) + 1))
    names = [STATUS_CLASSES[c] for c in status_class_codes(status)]
    assert names == reference_status_class(status).tolist()


def test_a_routes_minutes_from_the_access_facts_equal_the_reference_of_its_rows():
    """The timeline reads a route's minute groups as arrays picked from whole columns
    (``AccessFacts.route_minutes``): every route of every scenario with an access log gives the
    minutes of its own rows, and a route without a line gives none."""
    from analyzer.facts import Facts
    from analyzer.timeline import minute_counts
    from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_snapshot

    checked = 0
    for scenario in SCENARIO_DIRS:
        snap = scenario_snapshot(scenario)
        requests = snap.frame("requests")
        access = Facts(snap).access
        for namespace, route in sorted(access._route_positions):
            if not namespace or not route:  # the lines of no route (default answers, SNI), no timeline's
                continue
            rows = requests[(requests["namespace"] == namespace) & (requests["route"] == route)]
            assert minute_counts(*access.route_minutes(namespace, route)) == reference_per_minute(rows)
            checked += 1
        assert minute_counts(*access.route_minutes("no-such-namespace", "no-such-route")) == []
    assert checked >= 20


def _minute(text: str) -> int:
    return pd.Timestamp(text).value // 60_000_000_000


def _counted(minutes: list[int]) -> list[dict]:
    from analyzer.timeline import minute_counts

    n = len(minutes)
    return minute_counts(np.array(minutes, dtype=np.int64), np.full(n, 200.0), np.ones(n))


@pytest.mark.parametrize("far", ["2027-11-20T08:30Z", "2100-11-20T08:30Z"])
def test_one_line_dated_far_off_adds_one_row_not_every_minute_between(far):
    """A line a year or decades after the others: one row for it, the gap it leaves said in that row
    (a row for every minute between was 525,601 rows for a year, a MemoryError for 2100)."""
    start = _minute("2026-11-20T08:30Z")
    got = _counted([start + k for k in range(30)] + [_minute(far)])
    assert len(got) == 31
    assert [m["minute"] for m in got[:2]] == ["2026-11-20T08:30:00Z", "2026-11-20T08:31:00Z"]
    assert got[-1]["minute"] == pd.Timestamp(far).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got[-1]["gap_before"] == _minute(far) - start - 30
    assert all("gap_before" not in m for m in got[:-1])
    assert sum(m["total"] for m in got) == sum(m["2xx"] for m in got) == 31


def test_over_a_week_short_lulls_are_zero_filled_and_longer_gaps_left_out():
    from analyzer.timeline import MAX_FILLED_GAP

    start = _minute("2026-11-20T00:00Z")
    lull = start + 10 + MAX_FILLED_GAP  # after 60 empty minutes: filled
    gap = lull + MAX_FILLED_GAP + 2  # after 61: left out
    got = _counted([start + k for k in range(10)] + [lull, gap, start + 8 * 24 * 60])
    assert len(got) == 10 + MAX_FILLED_GAP + 1 + 2
    assert [m["total"] for m in got[:10 + MAX_FILLED_GAP + 1]] == [1] * 10 + [0] * MAX_FILLED_GAP + [1]
    assert [m.get("gap_before") for m in got[-3:]] == [None, MAX_FILLED_GAP + 1, start + 8 * 24 * 60 - gap - 1]


def test_a_span_of_up_to_a_week_is_every_minute_as_before():
    from analyzer.timeline import MAX_FILLED_SPAN

    start = _minute("2026-11-20T00:00Z")
    filled = _counted([start, start + MAX_FILLED_SPAN - 1])
    assert len(filled) == MAX_FILLED_SPAN and all("gap_before" not in m for m in filled)
    assert [m["total"] for m in filled[:2]] == [1, 0] and filled[-1]["total"] == 1
    assert len(_counted([start, start + MAX_FILLED_SPAN])) == 2  # one minute longer: the gap is left out
