"""mga logs counts what halog counts: status histogram and per-backend requests, on generated logs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.gen_logs import generate
from bench.halog_compare import compare, compare_mixed, halog_backend_counts, halog_status_counts, mga_stats

HALOG = shutil.which("halog") or ("/usr/bin/halog" if Path("/usr/bin/halog").exists() else None)
pytestmark = pytest.mark.skipif(
    HALOG is None, reason="halog is not installed (Debian package haproxy; .ci/run installs it)"
)


def test_http_log_counts_equal_halog(tmp_path):
    log = tmp_path / "access.log"
    generate(20_000, log, seed=7, http_only=True)
    assert sum(halog_status_counts(log).values()) == 20_000  # halog itself read every line (-s 1 fits)
    stats = mga_stats(log)
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (20_000, 20_000, 0)
    assert compare(log, stats) == []


def test_mixed_log_equals_halog_on_http_backends(tmp_path):
    log = tmp_path / "mixed.log"
    generate(20_000, log, seed=8)
    stats = mga_stats(log)
    tcp_lines = sum(1 for line in log.read_text().splitlines() if " public_ssl " in line)
    tcp_requests = sum(b["requests"] for b in stats["backends"] if b["backend"].startswith("be_tcp:"))
    assert tcp_lines > 0 and tcp_requests == tcp_lines
    assert (stats["router_messages"], stats["unparsed"]) == (4, 0)  # the generator's "Server ... is DOWN" lines
    assert compare_mixed(log, stats) == []
    assert sum(halog_backend_counts(log).values()) == stats["requests"] - tcp_lines


def test_lines_with_numbers_haproxy_never_logs_are_counted_by_halog_not_by_mga(tmp_path):
    """halog counts a status of -502 as a code and a timer of -7 as a time; mga leaves such lines unparsed
    (the only negative number HAProxy logs is -1): on the lines HAProxy does write, the counts stay equal."""
    log = tmp_path / "access.log"
    generate(2_000, log, seed=9, http_only=True)
    lines = log.read_text().splitlines()
    words = lines[0].split(" ")
    timers = next(i for i, w in enumerate(words) if w.count("/") == 4 and w.replace("/", "").isdigit())
    odd = []
    for at, value in ((timers + 1, "-502"), (timers + 1, "-5"), (timers, "0/0/-7/0/5"), (timers + 2, "-100")):
        odd.append(" ".join(value if i == at else w for i, w in enumerate(words)))
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join([*lines, *odd]) + "\n")
    halog = halog_status_counts(mixed)
    assert (halog.get("-502"), halog.get("-5")) == (1, 1)  # halog's codes of their own
    stats = mga_stats(mixed)
    assert (stats["requests"], stats["unparsed"]) == (2_000, len(odd))
    assert stats["status_counts"] == halog_status_counts(log)  # the lines HAProxy writes: as halog counts them
