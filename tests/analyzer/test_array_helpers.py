"""The array helpers the loader and the analysis use on millions of request rows, against the numpy and
pandas calls they stand in for: codes counted over a range (``np.unique``), labels searched in order
(``get_indexer``), sorted row positions merged (``np.union1d``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.ledger import label_locator
from parsers.int_codes import dense_codes
from parsers.log_keep import sorted_union


@pytest.mark.parametrize("seed", range(30))
def test_dense_codes_equal_np_unique(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    kind = seed % 3
    if kind == 0:  # minutes of a log: a small range far from zero
        values = rng.integers(29_000_000, 29_001_500, n)
    elif kind == 1:  # statuses, with the -2 of a TCP line and the -1 of an aborted request
        values = rng.choice(np.array([-2, -1, 200, 404, 502, 503, 504]), n)
    else:  # a sparse range: the sorting path
        values = rng.integers(-(1 << 40), 1 << 40, n)
    values = values.astype(np.int64)
    uniques, codes = dense_codes(values)
    expected_uniques, expected_codes = np.unique(values, return_inverse=True)
    assert uniques.tolist() == expected_uniques.tolist()
    assert codes.tolist() == expected_codes.tolist()


def test_dense_codes_of_one_value_and_of_none():
    uniques, codes = dense_codes(np.array([7, 7, 7], dtype=np.int64))
    assert uniques.tolist() == [7] and codes.tolist() == [0, 0, 0]
    uniques, codes = dense_codes(np.array([], dtype=np.int64))
    assert uniques.tolist() == [] and codes.tolist() == []


@pytest.mark.parametrize("kind", [np.int8, np.int16, np.int32])
def test_dense_codes_of_narrow_integers_read_in_their_own_type(kind):
    """A 16-bit status column is counted as itself; its offsets from the least value are taken in 32 bits,
    exact across the whole range of the type."""
    info = np.iinfo(kind)
    values = np.array([info.min, info.max, 0, -1, info.max, info.min + 1], dtype=kind)
    if kind == np.int32:  # a range wider than 32-bit offsets: sorted
        values = np.array([info.min, info.max, 0, 0], dtype=kind)
    uniques, codes = dense_codes(np.tile(values, 20000))
    expected_uniques, expected_codes = np.unique(np.tile(values, 20000), return_inverse=True)
    assert uniques.tolist() == expected_uniques.tolist() and codes.tolist() == expected_codes.tolist()


def test_dense_codes_of_large_values_in_a_small_range():
    values = np.array([1 << 40, (1 << 40) + 5, 1 << 40], dtype=np.int64)
    uniques, codes = dense_codes(values)
    assert uniques.tolist() == [1 << 40, (1 << 40) + 5] and codes.tolist() == [0, 1, 0]


@pytest.mark.parametrize("block", [1, 7, 1 << 20])
@pytest.mark.parametrize("seed", range(8))
def test_stable_group_order_equals_the_stable_argsort(seed, block, monkeypatch):
    from parsers import int_codes

    monkeypatch.setattr(int_codes, "ORDER_BLOCK", block)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 2000))
    groups = int(rng.integers(1, 300))
    group_of = rng.integers(0, groups, n).astype(np.uint16)
    expected = np.argsort(group_of, kind="stable")
    got, counts = int_codes.stable_group_order(group_of, groups)
    assert got.dtype == np.int32 and got.tolist() == expected.tolist()
    assert counts.tolist() == np.bincount(group_of, minlength=groups).tolist()
    rows = np.sort(rng.choice(5 * n + 1, n, replace=False)).astype(np.intp)
    assert int_codes.stable_group_order(group_of, groups, rows)[0].tolist() == rows[expected].tolist()


def test_column_codes_of_a_nullable_column_read_its_values_and_mask():
    """Codes of the present values counted over their range, -1 where missing, whatever the array holds under
    its mask (a missing value no longer reads as 0: it widens no range and adds no value)."""
    from analyzer.lookup import column_codes

    array = pd.arrays.IntegerArray(np.array([503, 9999, 200, 503, -7], dtype=np.int16),
                                   np.array([False, True, False, False, True]))
    codes, values = column_codes(pd.Series(array))
    assert values == [200, 503] and codes.tolist() == [1, -1, 0, 1, -1]
    codes, values = column_codes(pd.Series(pd.array([None, None], dtype="Int16")))
    assert codes.tolist() == [-1, -1]
    codes, values = column_codes(pd.Series(np.array([5, 3, 5], dtype=np.int64)))
    assert values == [3, 5] and codes.tolist() == [1, 0, 1]
    codes, values = column_codes(pd.Series(pd.array([5, None, 3], dtype="int16[pyarrow]")))  # not a masked array
    assert codes.tolist()[1] == -1 and [values[c] for c in codes.tolist() if c >= 0] == [5, 3]


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("spread", [1, 1_000_000])  # labels dense enough for a position map, or searched
def test_label_locator_equals_get_indexer(seed, spread):
    rng = np.random.default_rng(seed)
    labels = np.unique(rng.integers(0, 5000, int(rng.integers(1, 800)))) * spread  # increasing, as the ledger's
    asked = np.concatenate((rng.integers(-10, 5100, 300) * spread, rng.choice(labels, 50)))  # present, absent,
    # before the first and after the last
    for index in (pd.Index(labels), pd.Index(rng.permutation(labels))):  # in order: searched; else: get_indexer
        assert label_locator(index)(asked).tolist() == index.get_indexer(asked).tolist()


def test_label_locator_of_a_range_and_of_text_labels():
    index = pd.RangeIndex(10, 20)
    assert label_locator(index)(np.array([9, 10, 19, 20])).tolist() == [-1, 0, 9, -1]
    text = pd.Index(["b", "a"])
    assert label_locator(text)(np.array(["a", "c"], dtype=object)).tolist() == [1, -1]
    assert label_locator(pd.Index([], dtype="int64"))(np.array([1])).tolist() == [-1]


@pytest.mark.parametrize("seed", range(30))
def test_sorted_union_equals_union1d(seed):
    rng = np.random.default_rng(seed)
    a = np.unique(rng.integers(0, 2000, int(rng.integers(0, 60))))  # a chunk's few lines to parse in full
    b = np.unique(rng.integers(0, 2000, int(rng.integers(0, 1500))))  # the rows the scanner read whole
    if seed % 3 == 0:
        a = rng.integers(0, 200, 40)  # unsorted, repeated: still right
    assert sorted_union(a, b).tolist() == np.union1d(a, b).tolist()
    assert sorted_union(b, a).tolist() == np.union1d(a, b).tolist()


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("unit", ["ms", "us", "ns", "s"])
def test_minute_groups_order_equals_the_lexsort(seed, unit):
    """The access groups' line order (keys, then time, then log order) folded into one integer sort is the
    lexsort's, ties of time included; times finer than a millisecond take the lexsort itself."""
    from parsers.log_groups import _group_order

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4000))
    ms = rng.integers(1_700_000_000_000, 1_700_000_000_000 + int(rng.integers(1, 4 * 3_600_000)), n)
    ms[rng.random(n) < 0.3] = ms[0]  # ties of time
    ticks = ms * {"s": 1, "ms": 1, "us": 1_000, "ns": 1_000_000}[unit] // (1000 if unit == "s" else 1)
    if seed % 3 == 0 and unit in ("us", "ns"):
        ticks = ticks + rng.integers(0, 1000, n)  # below the millisecond: the lexsort
    ts = pd.Series(pd.to_datetime(ticks, unit=unit, utc=True)).astype(f"datetime64[{unit}, UTC]")
    minute = ts.array.asi8 // {"s": 60, "ms": 60_000, "us": 60_000_000, "ns": 60_000_000_000}[unit]
    key = (minute - minute.min()) * 1_000_003 + rng.integers(0, int(rng.integers(1, 50)), n) * 7919
    by_group, keys = _group_order(key, ts.array.asi8, ts.dt.unit)
    expected = np.lexsort((ts.array.asi8, key))
    assert by_group.tolist() == expected.tolist()
    assert np.array_equal(np.diff(keys) != 0, np.diff(key[expected]) != 0)  # the same groups' bounds


@pytest.mark.parametrize("seed", range(10))
def test_route_parts_are_each_route_s_lines_in_frame_order_whether_sorted_or_not(seed):
    """The ledger's lines per route: slices when the lines come in route order, else gathered; the same
    positions either way, routes by code, lines without a route (-1) left out."""
    from analyzer.ledger import _route_parts

    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, int(rng.integers(1, 20)), int(rng.integers(1, 500)))
    for line_route in (np.sort(codes), codes):
        expected = {c: np.flatnonzero(line_route == c).tolist() for c in sorted(set(line_route.tolist())) if c >= 0}
        parts = [(code, np.arange(len(line_route))[part].tolist()) for code, part in _route_parts(line_route)]
        assert parts == list(expected.items())
    assert list(_route_parts(np.array([], dtype=np.int64))) == []


def test_column_array_gives_each_cell_as_the_columns_series_does():
    """``column_array``: the column's array without its Series, each cell the same value and type as
    ``frame[name].array`` gives (categorical, nullable integer, numpy, timestamp with a zone, text), missing
    cells missing the same way."""
    from analyzer.facts.common import column_array

    frame = pd.DataFrame({
        "backend": pd.Categorical(["be_http:a:b", None, "be_tcp:c:d"]),
        "status": pd.array([502, None, 200], dtype="Int16"),
        "plain": np.array([1, 2, 3], dtype=np.int64),
        "ts": pd.to_datetime(["2026-11-20T08:00:00.001Z", None, "2026-11-20T08:00:01.000Z"], utc=True),
        "text": pd.array(["a", None, "c"], dtype="string"),
    }, index=pd.RangeIndex(10, 13))
    for name in frame.columns:
        got, want = column_array(frame, name), frame[name].array
        for i in range(len(frame)):
            a, b = got[i], want[i]
            assert type(a) is type(b) and ((pd.isna(a) and pd.isna(b)) or a == b), (name, i)
