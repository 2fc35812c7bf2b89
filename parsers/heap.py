"""Freed memory handed back to the system between the phases of one long run.

Arrow's pool keeps the pages of the tables it freed, and glibc keeps free heap blocks up to its trim
threshold (``mga.memory`` raises it to 256 MB so the parsing threads' chunks reuse their pages instead of
faulting in freshly zeroed ones). Between phases that memory is garbage under the next phase's peak: the
chunk tables' pages under the analysis (at 3M log lines RSS stayed at 1,717 MiB after loading, 813 MiB once
released), the parse's free heap under the request frame being written, the chunks' under the evidence
lines read from it (docs/performance.md).
"""

from __future__ import annotations

import ctypes
import platform


def release_unused() -> list[str]:
    """Hand the pools' and the heap's free pages back; returns what was released (for tests and logs)."""
    released: list[str] = []
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    released.append("arrow")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:
            return released
        libc.malloc_trim(0)
        released.append("glibc")
    return released
