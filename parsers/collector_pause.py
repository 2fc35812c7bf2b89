"""The objects alive before a long pass, left out of Python's cyclic collector while it runs.

By the time a log is read, pandas, pyarrow and Numba are imported: a hundred and fifty thousand
objects that live as long as the process. The rows a report is built from (a dict per server,
finding, route) allocate enough container objects to trigger full collections, and each full
collection walked every one of those objects while holding the interpreter lock (docs/performance.md,
"the collector and the allocator"). :func:`objects_frozen` moves the objects alive to the collector's
permanent generation and, when the outermost block ends, back to its oldest generation: nothing is
freed later than without it unless it became cyclic garbage while frozen (reference counting frees
everything else as before), and what the block allocates is collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0  # blocks open; the outermost gives the objects back


@contextmanager
def objects_frozen() -> Iterator[None]:
    """Freeze the objects alive now for the block. A nested block freezes what was allocated since (the
    modules it imported, the objects loaded) and leaves the giving back to the outermost one. Objects the
    program froze itself before the outermost block are left as they are."""
    global _depth
    if _depth == 0 and gc.get_freeze_count():
        yield
        return
    gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()
