"""A column as one Arrow array, copied only when it is in several pieces."""

from __future__ import annotations

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
