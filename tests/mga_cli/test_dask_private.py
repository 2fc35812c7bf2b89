"""Issue 13 §8: the local Dask cluster speaks TLS with a per-run certificate and leaves no scratch space."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("cryptography")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = '''
import os, sys


def main():
    from distributed import Client
    from mga.dask_engine import dask_client
    with dask_client(None, 1) as client:
        address = client.scheduler.address
        print("ADDRESS", address)
        print("RESULT", client.submit(abs, -2).result())
        try:
            Client(address, timeout=5).close()
            print("STRANGER", "accepted")
        except Exception as exc:
            print("STRANGER", "refused", type(exc).__name__)
    print("LEFT", sorted(os.listdir(sys.argv[1])))


if __name__ == "__main__":
    main()
'''


def test_local_cluster_is_tls_only_and_cleans_its_scratch_space(tmp_path):
    script = tmp_path / "check.py"
    script.write_text(SCRIPT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script), str(scratch)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    out = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out["ADDRESS"].startswith("tls://127.0.0.1:")
    assert out["RESULT"] == "2"
    assert out["STRANGER"].startswith("refused")
    assert out["LEFT"] == "[]"
