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
