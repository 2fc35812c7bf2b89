"""Allocator settings for a process that parses big logs (measured in docs/performance.md).

Every chunk of a log (16 or 32 MB) allocates and frees tens of MB: the chunk itself, its Arrow columns,
numpy arrays. With glibc's defaults a block that large is mmap'ed and unmapped each time, and
Arrow's jemalloc hands pages back eagerly, so the kernel zero-fills the same memory over and over:
at 10M log lines that was 11 s of system time in 19.5 s of wall time. Arrow's mimalloc pool and
glibc keeping blocks of up to 64 MB in its heap (and up to 256 MB of it free before trimming)
brought the same run to 12.4 s, 2.7 s of it system time, with peak memory within 10%.

Settings the user gave in the environment (``ARROW_DEFAULT_MEMORY_POOL``, ``MALLOC_*_``) win.
"""

from __future__ import annotations

import ctypes
import os
import platform

HEAP_BLOCKS_UP_TO = 64 << 20  # glibc M_MMAP_THRESHOLD: larger blocks are still mmap'ed
KEEP_FREE_UP_TO = 256 << 20  # glibc M_TRIM_THRESHOLD: free heap kept for the next chunk
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # <malloc.h>


def tune() -> list[str]:
    """Apply the settings where the platform has them; returns what was applied (for tests and logs)."""
    applied: list[str] = []
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        try:
            pa.set_memory_pool(pa.mimalloc_memory_pool())
            applied.append("arrow:mimalloc")
        except (NotImplementedError, AttributeError):  # a pyarrow built without mimalloc keeps its default
            pass
    glibc_set = any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"))
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" and not glibc_set:
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:
            return applied
        if libc.mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO) and libc.mallopt(_M_TRIM_THRESHOLD, KEEP_FREE_UP_TO):
            applied.append("glibc:heap")
    return applied


def release_unused() -> list[str]:
    """Hand the memory freed while loading back to the system, before the analysis allocates its own.

    Arrow's pool keeps the pages of the chunk tables it freed (at 3M log lines RSS stayed at 1,717 MiB
    after loading, 813 MiB once released, docs/performance.md), and glibc keeps free heap blocks
    below its trim threshold. Returns what was released (for tests and logs).
    """
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
