"""Compare ``mga logs --format json`` with HAProxy's ``halog`` on the same file.

``halog -st`` gives the status histogram, ``halog -srv`` per-server counts (summed here per
backend). The router sidecar line (kubelet ts, rsyslog ts, host, host, tag) has the 5 header fields
halog expects by default, so no ``-s`` shift is needed for it.

Usage: ``python -m bench.halog_compare LOGFILE`` (exit 1 when the counts differ).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def halog_status_counts(path: Path, halog: str = "halog") -> dict[str, int]:
    with open(path, "rb") as fh:
        out = subprocess.run([halog, "-st"], stdin=fh, capture_output=True, text=True, check=True).stdout
    counts = {}
    for line in out.splitlines():
        code, _, n = line.partition(" ")
        if n.strip().isdigit():
            counts[code] = int(n)
    return counts


def halog_backend_counts(path: Path, halog: str = "halog") -> dict[str, int]:
    with open(path, "rb") as fh:
        out = subprocess.run([halog, "-srv"], stdin=fh, capture_output=True, text=True, check=True).stdout
    totals: Counter[str] = Counter()
    for line in out.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split()
        backend = fields[0].split("/", 1)[0]
        totals[backend] += int(fields[7])  # tot_req
    return dict(totals)


def mga_stats(path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "logs", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def compare(path: Path) -> list[str]:
    """Differences between mga and halog (empty when identical)."""
    halog = shutil.which("halog") or "/usr/sbin/halog"
    stats = mga_stats(path)
    problems = []
    want_status = halog_status_counts(path, halog)
    if stats["status_counts"] != want_status:
        problems.append(f"status counts differ: mga {stats['status_counts']} halog {want_status}")
    mine = {b["backend"]: b["requests"] for b in stats["backends"]}
    want = halog_backend_counts(path, halog)
    if mine != want:
        diff = {k: (mine.get(k), want.get(k)) for k in set(mine) | set(want) if mine.get(k) != want.get(k)}
        problems.append(f"{len(diff)} backends differ, e.g. {dict(list(diff.items())[:5])}")
    return problems


if __name__ == "__main__":
    issues = compare(Path(sys.argv[1]))
    print("\n".join(issues) or "identical status counts and per-backend request counts")
    raise SystemExit(1 if issues else 0)
