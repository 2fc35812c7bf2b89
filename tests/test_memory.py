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


def probe(**env: str) -> tuple[list[str], str]:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL" and not k.startswith("MALLOC_")}
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
    applied, pool = probe(ARROW_DEFAULT_MEMORY_POOL="system", MALLOC_TRIM_THRESHOLD_="131072")
    assert applied == [] and pool == "system"
