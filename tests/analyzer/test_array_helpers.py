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


@pytest.mark.parametrize("seed", range(20))
def test_label_locator_equals_get_indexer(seed):
    rng = np.random.default_rng(seed)
    labels = np.unique(rng.integers(0, 5000, int(rng.integers(1, 800))))  # increasing, as the ledger's lines
    asked = rng.integers(-10, 5100, 300)  # present, absent, before the first and after the last
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
