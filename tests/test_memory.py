"""``mga.memory.tune``: the allocator settings are applied, and the user's own settings win."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

PROBE = (
    "import json, pyarrow as pa; from mga.memory import tune; "
    "print(json.dumps([tune(), pa.default_memory_pool().backend_name]))"
)


def clean_environment() -> dict[str, str]:
    """The environment without the allocator settings a user (or a Dask nanny earlier in this process) may have set."""
    return {k: v for k, v in os.environ.items()
            if k not in ("ARROW_DEFAULT_MEMORY_POOL", "GLIBC_TUNABLES") and not k.startswith("MALLOC_")}


def probe(**env: str) -> tuple[list[str], str]:
    clean = clean_environment()
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    applied, pool = json.loads(out.stdout)
    return applied, pool


def test_mimalloc_for_arrow_and_glibc_heap_blocks():
    import pyarrow as pa

    try:
        pa.mimalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no mimalloc")
    applied, pool = probe()
    assert pool == "mimalloc" and "arrow:mimalloc" in applied
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert "glibc:heap" in applied


def test_the_environment_wins():
    applied, pool = probe(ARROW_DEFAULT_MEMORY_POOL="system", MALLOC_TRIM_THRESHOLD_="131072", MALLOC_ARENA_MAX="4")
    assert applied == [] and pool == "system"


GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator settings")
@pytest.mark.parametrize(
    ("env", "heap", "one_arena"),
    [
        ({}, True, True),
        ({"MALLOC_ARENA_MAX": "4"}, True, False),
        ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}, True, False),
        ({"MALLOC_MMAP_THRESHOLD_": "1048576"}, False, True),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=2"}, False, False),
    ],
)
def test_each_glibc_setting_yields_to_the_users_own(env, heap, one_arena):
    applied, _ = probe(**env)
    assert ("glibc:heap" in applied) is heap
    assert ("glibc:one-arena" in applied) is one_arena


ARENA_PROBE = """
import ctypes, sys, threading
if sys.argv[1] == "tuned":
    from mga.memory import tune
    tune()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
both = threading.Barrier(2)
def allocate():
    libc.malloc(4096)  # a thread's first allocation picks its arena
    both.wait()  # both threads alive: the second cannot take over the first one's arena
threads = [threading.Thread(target=allocate) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc.malloc_stats()  # one "Arena N:" paragraph per arena, on standard error
"""


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator settings")
def test_threads_allocate_from_one_arena_once_tuned():
    """The parsing threads free whole chunks of arrays: in arenas of their own, the emptied heaps went back to
    the system and every chunk faulted in fresh pages (docs/performance.md); in the main heap they stay."""
    def arenas(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", ARENA_PROBE, mode], env=clean_environment(), capture_output=True,
                             text=True, check=True)
        return sum(line.startswith("Arena ") for line in out.stderr.splitlines())

    assert arenas("default") >= 3  # the main thread's and one for each thread
    assert arenas("tuned") == 1


@pytest.mark.parametrize(
    ("args", "tuned"),
    [
        (["analyze", "dir"], True),
        (["logs", "a.log"], True),
        (["batch", "a", "b"], True),
        (["routes", "dir"], True),
        (["describe", "route", "dir", "x"], True),
        ([], False),
        (["--help"], False),
        (["analyze", "--help"], False),
        (["--version"], False),
        (["version"], False),
        (["rules"], False),
        (["rule", "E202"], False),
    ],
)
def test_the_command_line_applies_the_settings_only_where_inputs_are_read(args, tuned):
    from mga.cli import reads_data

    assert reads_data(args) is tuned


def test_mga_logs_runs_with_the_settings(tmp_path):
    import pyarrow as pa

    try:
        pa.mimalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no mimalloc")
    log = tmp_path / "a.log"
    log.write_text('10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:web:shop/pod:shop-1:shop:http:'
                   '10.128.0.9:8080 0/0/1/2/3 200 512 - - --VN 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n')
    code = ("import sys, runpy\nsys.argv = ['mga', 'logs', sys.argv[1], '--format', 'json']\n"
            "try:\n    runpy.run_module('mga.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "import pyarrow as pa\nprint(pa.default_memory_pool().backend_name, file=sys.stderr)\n")
    clean = clean_environment()
    proc = subprocess.run([sys.executable, "-c", code, str(log)], env=clean, capture_output=True, text=True,
                          timeout=120)
    assert proc.stderr.strip().splitlines()[-1] == "mimalloc", proc.stderr


RELEASE_PROBE = """
import gc, json
import numpy as np, pyarrow as pa
from mga.memory import release_unused, tune
tune()
def rss():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
arrays = [pa.array(np.arange(1_000_000, dtype=np.int64) + i) for i in range(40)]  # 320 MB through the pool
del arrays
gc.collect()
before = rss()
released = release_unused()
print(json.dumps([before, rss(), released]))
"""


@pytest.mark.skipif(platform.system() != "Linux", reason="reads /proc/self/status")
def test_release_unused_hands_freed_pool_pages_back():
    """What ``mga analyze`` calls between loading and the analysis: the pools' freed pages go back."""
    # a clean environment: a Dask LocalCluster started earlier in this test process leaves
    # MALLOC_TRIM_THRESHOLD_=65536 in os.environ (its nanny's pre-spawn settings), and with a user's
    # MALLOC_* setting tune() leaves glibc alone, so the freed blocks would be unmapped at once
    clean = clean_environment()
    out = subprocess.run([sys.executable, "-c", RELEASE_PROBE], env=clean, capture_output=True, text=True,
                         check=True)
    before, after, released = json.loads(out.stdout)
    assert "arrow" in released
    assert after <= before - 10, (before, after)  # MiB: the pool kept pages of the freed arrays until asked


BLAS_PROBE = """
import json, os
from mga.memory import tune
applied = tune()  # imports pyarrow, hence numpy and its BLAS
print(json.dumps([applied, os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task"))]))
"""


@pytest.mark.skipif(platform.system() != "Linux", reason="counts threads in /proc/self/task")
def test_numpy_starts_no_blas_threads_unless_the_user_asks():
    """No command multiplies matrices; OpenBLAS's threads only spun on the cores the parsers need."""
    clean = {k: v for k, v in clean_environment().items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                                                                        "OMP_NUM_THREADS")}

    def run(**env: str) -> tuple[list[str], str | None, int]:
        out = subprocess.run([sys.executable, "-c", BLAS_PROBE], env={**clean, **env}, capture_output=True,
                             text=True, check=True)
        applied, setting, threads = json.loads(out.stdout)
        return applied, setting, threads

    applied, setting, threads = run()
    _, _, without_blas_threads = run(OPENBLAS_NUM_THREADS="1")  # the user's own setting, the same threads
    assert "blas:one-thread" in applied and setting == "1"
    assert threads == without_blas_threads
    for env in ({"OPENBLAS_NUM_THREADS": "2"}, {"OMP_NUM_THREADS": "2"}):
        applied, setting, _ = run(**env)
        assert "blas:one-thread" not in applied and setting == env.get("OPENBLAS_NUM_THREADS")
