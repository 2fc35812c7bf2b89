"""Allocator settings for a process that parses big logs (measured in docs/performance.md).

Every chunk of a log (16 or 32 MB) allocates and frees tens of MB: the chunk itself, its Arrow columns,
numpy arrays. With glibc's defaults a block that large is mmap'ed and unmapped each time, and
Arrow's jemalloc hands pages back eagerly, so the kernel zero-fills the same memory over and over:
at 10M log lines that was 11 s of system time in 19.5 s of wall time. Arrow's mimalloc pool and
glibc keeping blocks of up to 64 MB in its heap (and up to 256 MB of it free before trimming)
brought the same run to 12.4 s, 2.7 s of it system time, with peak memory within 10%.

glibc also gives each thread that allocates its own arena, a heap of at most 64 MB that the trim
threshold does not hold: as the parsing threads free a chunk's arrays, whole heaps are handed back
and the next chunk's arrays fault in freshly zeroed pages (huge pages: numpy asks for them). One
arena for the process (the main heap, which the trim threshold does hold) halved the system time
of ``mga logs`` on 3M lines (1.3-1.7 s to 0.7 s; wall time 4.1 s to 3.8 s, peak memory 8% lower).

numpy's OpenBLAS starts a thread per core when numpy is imported, and they spin for a while on the
cores the start-up and the parsing threads need (0.11 s of CPU for the import alone): no command
multiplies matrices, so it is told to use one thread (``OPENBLAS_NUM_THREADS=1``).

Settings the user gave in the environment (``ARROW_DEFAULT_MEMORY_POOL``, ``MALLOC_*``,
``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS``, ``OMP_NUM_THREADS``) win.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

from parsers.heap import release_unused

__all__ = ["release_unused", "tune"]

HEAP_BLOCKS_UP_TO = 64 << 20  # glibc M_MMAP_THRESHOLD: larger blocks are still mmap'ed
KEEP_FREE_UP_TO = 256 << 20  # glibc M_TRIM_THRESHOLD: free heap kept for the next chunk
ARENAS = 1  # glibc M_ARENA_MAX: every thread allocates from the main heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # <malloc.h>


def tune() -> list[str]:
    """Apply the settings where the platform has them; returns what was applied (for tests and logs)."""
    applied = _one_blas_thread()  # first: read when numpy is imported, which importing pyarrow does
    applied += _tune_glibc()  # before any thread: glibc fixes its number of arenas when a second one allocates
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        try:
            pa.set_memory_pool(pa.mimalloc_memory_pool())
            applied.insert(0, "arrow:mimalloc")
        except (NotImplementedError, AttributeError):  # a pyarrow built without mimalloc keeps its default
            pass
    return applied


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")  # what OpenBLAS reads, in order


def _one_blas_thread() -> list[str]:
    if "numpy" in sys.modules or any(name in os.environ for name in BLAS_THREADS):
        return []
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    return ["blas:one-thread"]


def _tune_glibc() -> list[str]:
    applied: list[str] = []
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return applied
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return applied
    heap_set = _user_set("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                         tunables=("mmap_threshold", "trim_threshold"))
    if not heap_set and libc.mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO) and libc.mallopt(
            _M_TRIM_THRESHOLD, KEEP_FREE_UP_TO):
        applied.append("glibc:heap")
    if not _user_set("MALLOC_ARENA_MAX", tunables=("arena_max",)) and libc.mallopt(_M_ARENA_MAX, ARENAS):
        applied.append("glibc:one-arena")
    return applied


def _user_set(*names: str, tunables: tuple[str, ...]) -> bool:
    """Whether the environment sets one of these glibc settings, by its variable or in ``GLIBC_TUNABLES``."""
    given = os.environ.get("GLIBC_TUNABLES", "")
    return any(name in os.environ for name in names) or any(f"glibc.malloc.{t}=" in given for t in tunables)
