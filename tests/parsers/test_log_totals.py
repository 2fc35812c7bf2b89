"""``LogTotals`` counts chunks by counting over the keys' ranges (``parsers.int_codes``); these tests hold
it to the figures a plain loop over the rows gives, on rows with every kind of missing value."""

from __future__ import annotations

import numpy as np
import pytest

from parsers.log_totals import NS_PER_MINUTE, LogTotals


def by_loop(names, codes, status, status_ok, ts, ts_ok, actconn, actconn_ok):
    """The figures, one row at a time."""
    statuses: dict = {}
    times: dict = {}
    levels: dict = {}
    minutes: dict = {}
    for i in range(len(codes)):
        ns = names[codes[i]] if codes[i] >= 0 else None
        key = (ns, int(status[i]) if status_ok[i] else None)
        statuses[key] = statuses.get(key, 0) + 1
        when = int(ts[i]) if ts_ok[i] else None
        if when is not None:
            lo, hi = times.get(ns, (when, when))
            times[ns] = (min(lo, when), max(hi, when))
        if actconn_ok[i]:
            level = int(actconn[i])
            n, lo, hi = levels.get(level, (0, None, None))
            if when is not None:
                lo, hi = min(lo, when) if lo is not None else when, max(hi, when) if hi is not None else when
                minute = when // NS_PER_MINUTE * NS_PER_MINUTE
                minutes[minute] = max(minutes.get(minute, level), level)
            levels[level] = (n + 1, lo, hi)
    return statuses, times, levels, minutes


@pytest.mark.parametrize("seed", range(40))
def test_chunk_figures_equal_a_loop_over_the_rows(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2000))
    names = [f"ns-{i}" for i in range(int(rng.integers(1, 40)))]
    codes = rng.integers(-1, len(names), n)
    status = rng.choice(np.array([200, 0, -1, 502, 503, 504, 99_999]), n)
    base = 1_700_000_000_000_000_000
    ts = rng.integers(base, base + int(rng.integers(1, 10**13)), n)
    actconn = rng.integers(0, int(rng.integers(1, 10**6)), n)
    status_ok, ts_ok, actconn_ok = (rng.random(n) < rng.random() for _ in range(3))
    if seed % 5 == 0:  # every value present: the slices that skip the masks
        status_ok[:] = ts_ok[:] = actconn_ok[:] = True
    got = LogTotals._of(names, codes, status, status_ok, ts, ts_ok, actconn, actconn_ok)
    statuses, times, levels, minutes = by_loop(names, codes, status, status_ok, ts, ts_ok, actconn, actconn_ok)
    assert got.statuses == statuses
    assert got.times == times
    assert got.actconn == levels
    assert got.minute_actconn == minutes


def test_a_chunk_without_times_or_connection_counts():
    got = LogTotals._of(["a"], np.array([0, -1]), np.array([200, 0]), np.array([True, False]),
                        np.zeros(2, np.int64), np.zeros(2, bool), np.zeros(2, np.int64), np.zeros(2, bool))
    assert got.statuses == {("a", 200): 1, (None, None): 1}
    assert got.times == {} and got.actconn == {} and got.minute_actconn == {}
