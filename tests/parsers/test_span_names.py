"""``parsers.span_names``: byte ranges of a chunk as dictionary arrays, the same whether a few names are compared
byte by byte or many are left to Arrow's hash kernel: the names in the order they first appear, a code per
range."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from parsers import span_names


def _chunk(words: list[bytes]) -> tuple[np.ndarray, pa.Buffer, np.ndarray]:
    """The words one after another in one buffer, and each one's (start, end) twice (columns 0-1 and 2-3)."""
    joined = b" ".join(words)
    data = np.frombuffer(joined, dtype=np.uint8)
    spans, at = [], 0
    for word in words:
        spans.append((at, at + len(word), at, at + len(word)))
        at += len(word) + 1
    return data, pa.py_buffer(joined), np.array(spans, dtype=np.int64).reshape(len(words), 4)


def _expected(words: list[bytes]) -> pa.DictionaryArray:
    return pc.dictionary_encode(pa.array([w.decode() for w in words], pa.string()))


@pytest.mark.parametrize("distinct", [1, 3, span_names.FEW, span_names.FEW + 1, 300])
def test_names_in_the_order_they_first_appear_few_or_many(distinct: int):
    rng = np.random.default_rng(distinct)
    # names of equal lengths and equal first bytes, and one the prefix of another: only all bytes tell them apart
    vocabulary = [f"router-default-{i:03d}".encode() for i in range(distinct - 1)] + [b"router-default-00"]
    words = [vocabulary[int(k)] for k in rng.integers(0, distinct, 2_000)]
    data, buffer, spans = _chunk(words)
    got = span_names.names(data, buffer, spans, 0, 1)
    expected = _expected(words)
    assert got.dictionary.to_pylist() == expected.dictionary.to_pylist()
    assert got.indices.to_pylist() == expected.indices.to_pylist()
    assert got.type == span_names.DICT


def test_empty_ranges_and_text_beyond_ascii():
    words = [b"--", b"", b"SH", b"", "caf\u00e9".encode(), b"--"]
    data, buffer, spans = _chunk(words)
    got = span_names.names(data, buffer, spans, 2, 3)
    assert got.to_pylist() == ["--", "", "SH", "", "caf\u00e9", "--"]
    assert got.dictionary.to_pylist() == ["--", "", "SH", "caf\u00e9"]


def test_no_range_and_missing_rows():
    data, buffer, spans = _chunk([b"a"])
    assert len(span_names.names(data, buffer, spans[:0], 0, 1)) == 0
    named = span_names.names(*_chunk([b"a", b"b", b"a"]), 0, 1)
    assert span_names.with_nulls(named, np.array([False, True, False])).to_pylist() == ["a", None, "a"]
