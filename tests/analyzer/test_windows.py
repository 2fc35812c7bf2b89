"""``analyzer.windows.near_disruption``: a request row is near when one of its pod's moments lies within the
window of its time, both bounds included; rows without a time or of other pods are not near. Checked against
the definition (every row against every moment of its pod) on random rows of every time unit the frames use."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analyzer.windows import NEAR_EVENT, near_disruption

BASE = pd.Timestamp("2026-11-20T08:00:00Z")


def by_definition(rows: pd.DataFrame, disruptions: dict, window: pd.Timedelta) -> list[bool]:
    out = []
    for ts, pod in zip(rows["ts"], rows["pod"], strict=True):
        moments = disruptions.get(pod, []) if isinstance(pod, str) else []
        out.append(pd.notna(ts) and any(abs(ts - t) <= window for t in moments))
    return out


def test_both_bounds_are_near_and_a_millisecond_past_is_not():
    ts = pd.Series([BASE - NEAR_EVENT, BASE + NEAR_EVENT, BASE + NEAR_EVENT + pd.Timedelta(milliseconds=1),
                    pd.NaT], dtype="datetime64[ms, UTC]", index=[7, 3, 9, 1])
    rows = pd.DataFrame({"ts": ts, "pod": ["web-1"] * 4})
    got = near_disruption(rows, {"web-1": [BASE], "web-2": [BASE + pd.Timedelta(seconds=200)]})
    assert got.tolist() == [True, True, False, False] and got.index.tolist() == [7, 3, 9, 1]


@pytest.mark.parametrize("seed", range(40))
def test_random_rows_equal_the_definition(seed: int):
    rng = random.Random(seed)
    n = rng.randint(0, 200)
    unit = rng.choice(["ns", "us", "ms"])
    times = [BASE + pd.Timedelta(milliseconds=rng.randint(0, 3_600_000)) if rng.random() > 0.05 else pd.NaT
             for _ in range(n)]
    pods = [rng.choice(["web-1", "web-2", "web-3", None]) for _ in range(n)]
    index = rng.sample(range(10_000), n)
    rows = pd.DataFrame({"ts": pd.Series(times, dtype=f"datetime64[{unit}, UTC]", index=index),
                         "pod": pd.Series(pods, dtype=rng.choice(["object", "category", "string"]), index=index)})
    assert rows["ts"].notna().sum() == sum(pd.notna(t) for t in times)  # the frame holds the times given
    disruptions = {pod: [BASE + pd.Timedelta(milliseconds=rng.randint(-200_000, 3_800_000))
                         for _ in range(rng.randint(0, 8))] for pod in rng.sample(["web-1", "web-2", "web-9"], 2)}
    window = rng.choice([NEAR_EVENT, pd.Timedelta(seconds=1), pd.Timedelta(0)])
    got = near_disruption(rows, disruptions, window)
    assert got.dtype == bool and got.index.equals(rows.index)
    assert got.tolist() == by_definition(rows, disruptions, window)
