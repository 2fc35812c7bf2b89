"""Row views and whole-snapshot indexes answer exactly what a namespace's own frame answers.

The rules trust that a key looked up through :class:`NamespaceIndex` (positions of the whole frame)
finds the rows a :class:`FrameIndex` of the namespace's slice finds, in the same order, with the
same labels and values, and that :class:`Rows` gives a taken frame's values without taking it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.lookup import FrameIndex, Lookups, NamespaceIndex, WholeLookups
from analyzer.scope import FrameSplits, ScopedSnapshot


class _Snap:
    """The two things lookups read of a snapshot: its frames and ``frame(name)``."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames

    def frame(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def _pods() -> pd.DataFrame:
    rows = [  # namespaces interleaved, one without a namespace, a missing name, a repeated name
        ("b", "web-1", "ReplicaSet", 3), ("a", "api-1", "ReplicaSet", None), (None, "orphan", None, 1),
        ("b", "web-2", "StatefulSet", 0), ("a", None, None, 2), ("a", "api-2", "ReplicaSet", 5),
        ("c", "db-0", "StatefulSet", 1), ("b", "web-1", "ReplicaSet", 7), ("a", "api-1", "Job", 9),
    ]
    frame = pd.DataFrame(rows, columns=["namespace", "name", "owner_kind", "restarts"])
    for column in ("namespace", "name", "owner_kind"):
        frame[column] = frame[column].astype("string[pyarrow]")
    frame["restarts"] = frame["restarts"].astype("int64[pyarrow]")
    return frame


@pytest.fixture
def lookups_by_namespace() -> dict[str, tuple[Lookups, Lookups]]:
    """(whole-snapshot lookups, the namespace's own lookups) of every namespace of the pods frame."""
    snap = _Snap({"pods": _pods()})
    splits = FrameSplits(snap)  # type: ignore[arg-type]
    whole = WholeLookups(snap)
    out = {}
    for namespace in ("a", "b", "c", "d"):
        scoped = ScopedSnapshot(splits, namespace)
        out[namespace] = (Lookups(scoped, whole, namespace), Lookups(scoped))
    return out


KEYS = [("name",), ("owner_kind",), ("name", "owner_kind"), ("namespace",), ("namespace", "name")]


@pytest.mark.parametrize("keys", KEYS)
def test_namespace_index_finds_the_rows_of_the_namespace_slice(lookups_by_namespace, keys):
    values = {v for column in ("namespace", "name", "owner_kind") for v in _pods()[column].dropna().tolist()}
    values |= {"nothing", "d"}
    for shared, own in lookups_by_namespace.values():
        index, reference = shared.index("pods", *keys), own.index("pods", *keys)
        assert isinstance(index, NamespaceIndex) and type(reference) is FrameIndex  # the two paths under test
        for key in [(v,) for v in values] + [(a, b) for a in values for b in values]:
            if len(key) != len(keys):
                continue
            pd.testing.assert_frame_equal(index.rows(key), reference.rows(key))
            assert index.has(key) == reference.has(key)
            first, expected = index.first(key), reference.first(key)
            assert (first is None) == (expected is None)
            if first is not None:
                pd.testing.assert_series_equal(first, expected)
        keys_any = [(v,) * len(keys) for v in sorted(values)]
        pd.testing.assert_frame_equal(index.rows_any(keys_any), reference.rows_any(keys_any))


def test_namespace_index_answers_only_its_namespace(lookups_by_namespace):
    shared, _ = lookups_by_namespace["a"]
    assert shared.index("pods", "name").positions(("web-1",)) == []  # a pod of namespace b
    assert shared.index("pods", "namespace").positions(("b",)) == []
    assert [shared.column("pods", "name")[p] for p in shared.index("pods", "namespace").positions(("a",))] == [
        "api-1", pd.NA, "api-2", "api-1"]


def test_rows_give_the_taken_frame_values_without_taking_it(lookups_by_namespace):
    for shared, _ in lookups_by_namespace.values():
        positions = shared.index("pods", "namespace", "name").positions_any(
            (ns, n) for ns in "abc" for n in ("web-1", "api-1", "db-0", "web-2"))
        rows = shared.rows_at("pods", positions)
        frame = shared.take("pods", positions)
        assert len(rows) == len(frame) and rows.empty == frame.empty
        for column in frame.columns:
            assert rows.values(column) == frame[column].tolist()
        assert rows.present("restarts") == frame["restarts"].dropna().tolist()
        kept = rows.where(("owner_kind", "restarts"),
                          lambda r: r["owner_kind"] == "ReplicaSet" and not pd.isna(r["restarts"])
                          and r["restarts"] > 4)
        pd.testing.assert_frame_equal(kept.frame, frame[
            (frame["owner_kind"] == "ReplicaSet").fillna(False) & (frame["restarts"] > 4).fillna(False)])
        assert [label for label, _ in kept.iterrows()] == kept.frame.index.tolist()
        if len(frame):  # a row view: each value as the row Series holds it, and that Series on demand
            first, expected = rows.first(), frame.iloc[0]
            for column in frame.columns:
                value, wanted = first[column], expected[column]
                assert type(value) is type(wanted) and (value is wanted or value == wanted), column
            pd.testing.assert_series_equal(first.series, expected)
        else:
            assert rows.first() is None and list(rows.iterrows()) == []


@pytest.mark.parametrize("values", [
    ["SH", "sH", None, "SC", "SH", "--"],  # termination states, one missing
    [502, 503, None, 504, 502, 200],  # integer categories
])
def test_equals_on_categories_answers_as_the_comparison_of_values(values):
    """``lookup.equals`` on a categorical (answered per category, read through the codes) gives
    the mask of the plain comparison, missing values False, for every category, a value that is no
    category, one of another type, and on a slice whose rows hold only some of the categories."""
    from analyzer.lookup import equals

    column = pd.Series(values, dtype="category")
    plain = pd.Series(values, dtype=object)
    for frame in (column, column.iloc[[3, 0, 2]]):
        for value in [*frame.cat.categories.tolist(), "zz", 999, 502.0, "502"]:
            expected = [v is not None and v == value for v in plain[frame.index]]
            assert equals(frame, value).tolist() == expected, value


@pytest.mark.parametrize("dtype", ["category", "string", object])
def test_starts_with_answers_as_the_string_test_of_values(dtype):
    """``lookup.starts_with`` (per category on a categorical) gives the mask of ``str.startswith``, missing
    values False, on a whole column and on a slice holding only some of the categories."""
    from analyzer.lookup import starts_with

    values = ["CD--", "cD", None, "SH--", "----", "CD--", "sC"]
    column = pd.Series(values, dtype=dtype)
    for part in (column, column.iloc[[3, 2, 0]]):
        expected = [v is not None and v.startswith(("C", "c")) for v in pd.Series(values, dtype=object)[part.index]]
        assert starts_with(part, ("C", "c")).tolist() == expected


def test_no_rows_is_an_empty_frame_of_the_same_columns_made_once_per_context():
    """``common.no_rows``: what a rule returns for a route without such lines, the same columns and types as
    the rows asked, one frame per context and shape (an empty slice of every column cost 0.1 ms a route)."""
    from analyzer.context import Context
    from analyzer.rules import common

    rows = pd.DataFrame({"ts": pd.to_datetime(["2026-11-20T08:00:00Z"] * 3), "status": pd.array([502, 503, 504],
                                                                                               dtype="Int16")})
    ctx = Context(None)  # type: ignore[arg-type]  # the answer is the context's: no snapshot is read
    empty = common.no_rows(ctx, rows.iloc[1:])
    assert empty.empty and list(empty.columns) == ["ts", "status"] and empty.dtypes.equals(rows.dtypes)
    assert common.no_rows(ctx, rows) is empty
    other = common.no_rows(ctx, rows.astype({"status": "Int64"}))
    assert other is not empty and other.dtypes["status"] == "Int64"
    assert common.no_rows(Context(None), rows) is not empty  # type: ignore[arg-type]
