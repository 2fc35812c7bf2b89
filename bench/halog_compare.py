"""Compare ``mga logs --format json`` with HAProxy's ``halog`` on the same file.

``halog -st`` gives the status histogram, ``halog -srv`` per-server request counts (summed here
per backend). halog finds its fields after the 5 words of a classic syslog header; the must-gather
sidecar line (kubelet time, rsyslog time, host, host, ``haproxy[pid]:``) has exactly 5, so the
default ``-s 1`` fits it (perf-baseline.md: halog expects N+4 header words for ``-s N``).

halog reads a ``tcplog`` line as if it were an ``httplog`` one: its byte count becomes a status in
``-st`` and its server gets no request in ``-srv``, whereas mga counts such a line as a request of
its backend with no status (as the router logs it). So a file with tcplog lines compares equal on
the HTTP backends only (:func:`compare_mixed`); an HTTP-only file compares equal on everything
(:func:`compare`).

halog also counts lines no HAProxy writes: a status of -5 or -502 becomes a code of its own in ``-st``,
and a timer of -7, a negative byte count, connection count or queue is read as any other number;
mga counts such a line unparsed (``log_fields.LOWEST``: the only negative number HAProxy logs is -1,
in a timer and the status), since a status or a timer that cannot be is no request to explain.
The generated logs compared here hold none, so the counts stay equal.

Usage: ``python -m bench.halog_compare LOGFILE [--mixed]`` (exit 1 when the counts differ).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HALOG = shutil.which("halog") or "/usr/bin/halog"


def _halog(path: Path, *args: str, halog: str = HALOG) -> str:
    with open(path, "rb") as fh:
        return subprocess.run([halog, "-q", *args], stdin=fh, capture_output=True, text=True, check=True).stdout


def halog_status_counts(path: Path, halog: str = HALOG) -> dict[str, int]:
    counts = {}
    for line in _halog(path, "-st", halog=halog).splitlines():
        code, _, n = line.partition(" ")
        if n.strip().isdigit():
            counts[code] = int(n)
    return counts


def halog_backend_counts(path: Path, halog: str = HALOG) -> dict[str, int]:
    """Requests per backend: ``halog -srv``'s ``tot_req`` summed over the backend's servers."""
    totals: Counter[str] = Counter()
    for line in _halog(path, "-srv", halog=halog).splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split()
        totals[fields[0].split("/", 1)[0]] += int(fields[7])  # tot_req
    return dict(totals)


def mga_stats(path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "logs", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _differences(mine: dict[str, int], want: dict[str, int]) -> dict[str, tuple[int | None, int | None]]:
    return {k: (mine.get(k), want.get(k)) for k in sorted(set(mine) | set(want)) if mine.get(k) != want.get(k)}


def compare(path: Path, stats: dict[str, Any] | None = None) -> list[str]:
    """Differences between mga and halog on an HTTP-only log (empty when identical)."""
    stats = stats or mga_stats(path)
    problems = []
    want_status = halog_status_counts(path)
    if stats["status_counts"] != want_status:
        problems.append(f"status counts differ (mga, halog): {_differences(stats['status_counts'], want_status)}")
    diff = _differences({b["backend"]: b["requests"] for b in stats["backends"]}, halog_backend_counts(path))
    if diff:
        problems.append(f"{len(diff)} backends differ (mga, halog), e.g. {dict(list(diff.items())[:5])}")
    return problems


def compare_mixed(path: Path, stats: dict[str, Any] | None = None) -> list[str]:
    """On a log with tcplog lines: HTTP backends equal halog's; TCP backends are counted where halog has 0."""
    stats = stats or mga_stats(path)
    halog = halog_backend_counts(path)
    tcp = {b["backend"]: b["requests"] for b in stats["backends"] if not b["status_counts"]}
    http = {b["backend"]: b["requests"] for b in stats["backends"] if b["status_counts"]}
    problems = []
    diff = _differences(http, {k: v for k, v in halog.items() if k not in tcp})
    if diff:
        problems.append(f"{len(diff)} HTTP backends differ (mga, halog), e.g. {dict(list(diff.items())[:5])}")
    if any(halog.get(k, 0) for k in tcp) or not all(tcp.values()):
        problems.append("TCP backends: expected requests in mga and none in halog")
    return problems


if __name__ == "__main__":
    target = Path(sys.argv[1])
    mixed = "--mixed" in sys.argv[2:]
    issues = compare_mixed(target) if mixed else compare(target)
    same = (
        "identical per-backend request counts on HTTP backends; tcplog lines counted on their backends"
        if mixed
        else "identical status counts and per-backend request counts"
    )
    print("\n".join(issues) or same)
    raise SystemExit(1 if issues else 0)
