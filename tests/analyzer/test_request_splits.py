"""The requests frame split by position: the same rows, order and labels as a boolean filter."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analyzer.scope import FrameSplits, namespace_positions


def _requests() -> pd.DataFrame:
    namespace = pd.Categorical(
        ["b", "a", None, "b", "a", "a", "c", None, "b"], categories=["a", "b", "c", "unused"]
    )
    return pd.DataFrame(
        {
            "namespace": namespace,
            "route": pd.Categorical(["r1", "r2", "r1", "r1", "r2", "r2", "r3", "r1", "r9"]),
            "status": pd.array([503, 200, None, 502, 504, 200, -1, 200, 503], dtype="Int64"),
        },
        index=[40, 41, 42, 43, 44, 45, 46, 47, 48],
    )


def _splits(frame: pd.DataFrame) -> FrameSplits:
    snap = SimpleNamespace(frames={"requests": frame}, frame=lambda name: frame)
    return FrameSplits(snap)  # type: ignore[arg-type]


def test_each_namespace_part_is_the_boolean_filter():
    frame = _requests()
    splits = _splits(frame)
    for ns in ("a", "b", "c"):
        expected = frame[(frame["namespace"] == ns).fillna(False).astype(bool)]
        pd.testing.assert_frame_equal(splits.part("requests", ns), expected)


def test_missing_namespaces_and_unused_categories_give_no_rows():
    frame = _requests()
    splits = _splits(frame)
    positions = namespace_positions(frame)
    assert set(positions) == {"a", "b", "c"}  # no key for NA rows nor for the unused category
    assert sum(len(p) for p in positions.values()) == frame["namespace"].notna().sum()
    for ns in ("unused", "no-such-namespace"):
        part = splits.part("requests", ns)
        assert part.empty and list(part.columns) == list(frame.columns)


def test_a_contiguous_part_shares_the_whole_frames_buffers_and_a_scattered_one_is_taken():
    frame = pd.DataFrame({"namespace": pd.Categorical(["a", "a", "b", "a"]), "n": np.arange(4)})
    splits = _splits(frame)
    assert splits.part("requests", "b").index.tolist() == [2]
    assert np.shares_memory(splits.part("requests", "b")["n"].to_numpy(), frame["n"].to_numpy())
    assert splits.part("requests", "a").index.tolist() == [0, 1, 3]
    assert splits.part("requests", "a") is splits.part("requests", "a")  # taken once


@pytest.mark.parametrize("in_order", [True, False])
def test_namespace_rows_of_a_frame_in_namespace_order_are_ranges_and_parts_are_the_filter(in_order: bool):
    """The request frame comes in route order: each namespace's rows are one run, held as a ``range`` (no
    array of positions); a frame in another order holds arrays; the parts are the boolean filter either way."""
    rng = np.random.default_rng(3)
    names = rng.choice(["a", "b", "c", None], 5_000, p=[0.4, 0.3, 0.2, 0.1])
    frame = pd.DataFrame({"namespace": pd.Categorical(names), "n": np.arange(5_000)})
    if in_order:  # as ``ordered_by_route`` leaves it: by namespace, rows without one last
        frame = frame.sort_values("namespace", kind="stable", na_position="last").reset_index(drop=True)
    positions = namespace_positions(frame)
    assert set(positions) == {"a", "b", "c"}
    assert all(isinstance(p, range) == in_order for p in positions.values())
    splits = _splits(frame)
    for ns in ("a", "b", "c"):
        expected = frame[(frame["namespace"] == ns).fillna(False).astype(bool)]
        pd.testing.assert_frame_equal(splits.part("requests", ns), expected)
