"""``one_array``: a column as one array, copied only when it is in several pieces."""

from __future__ import annotations

import pyarrow as pa

from parsers.arrow_arrays import one_array


def _address(array: pa.Array) -> int:
    return array.buffers()[1].address


def test_a_single_chunk_is_handed_over_without_a_copy():
    chunk = pa.array(range(1000), pa.int64())
    got = one_array(pa.chunked_array([chunk]))
    assert got.equals(chunk)
    assert _address(got) == _address(chunk)  # combine_chunks would have copied it


def test_several_chunks_are_joined_and_an_array_is_returned_as_it_is():
    parts = [pa.array([1, None, 3], pa.int16()), pa.array([4], pa.int16())]
    assert one_array(pa.chunked_array(parts)).equals(pa.array([1, None, 3, 4], pa.int16()))
    plain = pa.array(["a", "b"])
    assert one_array(plain) is plain


def test_no_chunk_gives_an_empty_array_of_the_type():
    got = one_array(pa.chunked_array([], pa.int32()))
    assert got.type == pa.int32() and len(got) == 0


def test_a_sliced_chunk_reads_as_its_slice():
    table = pa.table({"x": pa.array(range(10), pa.int64()), "n": pa.array(["a", "b"] * 5).dictionary_encode()})
    sliced = table.slice(3, 4)
    assert one_array(sliced.column("x")).to_pylist() == [3, 4, 5, 6]
    assert one_array(sliced.column("n")).to_pylist() == ["b", "a", "b", "a"]
