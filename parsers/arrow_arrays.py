"""Arrow arrays as the parsers hand them on: a column as one array (copied only when it is in several
pieces), a dictionary column with only the names its rows use."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def one_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """``column`` as one array: itself, its only chunk as it is, or its chunks joined.

    pyarrow's ``ChunkedArray.combine_chunks`` copies a column even when it holds a single chunk (pyarrow
    26: 0.2 s for ten million 64-bit values, most of it faulting in the new pages), and most columns of a
    chunk's table hold one: ``mga analyze`` copied each column of every kept row once more on the
    parsing threads for nothing (docs/performance.md). The chunk may be a slice of a larger array (an
    offset): read it through Arrow, not through its buffers.
    """
    if not isinstance(column, pa.ChunkedArray):
        return column
    if column.num_chunks == 1:
        return column.chunk(0)
    return column.combine_chunks()


def used_only(values: pa.DictionaryArray) -> pa.DictionaryArray:
    """``values`` with only the dictionary entries some row uses: rows taken from the scanner's chunk keep
    the whole chunk's names, which the names' split (``_finish``) would read one by one and the frame
    would list as categories."""
    indices = values.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    valid = ~np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    used = np.flatnonzero(np.bincount(indices[valid], minlength=len(values.dictionary)))  # sorted, each once
    if len(used) == len(values.dictionary):
        return values
    remap = np.zeros(len(values.dictionary), dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    compact = pa.array(remap[np.where(valid, indices, 0)], pa.int32(), mask=~valid)
    return pa.DictionaryArray.from_arrays(compact, values.dictionary.take(pa.array(used)))
