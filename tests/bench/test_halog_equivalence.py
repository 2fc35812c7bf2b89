"""mga logs counts what halog counts: status histogram and per-backend requests, on a generated log."""

from __future__ import annotations

import shutil

import pytest

from bench.gen_logs import generate
from bench.halog_compare import compare, halog_status_counts

HALOG = shutil.which("halog") or (shutil.which("/usr/sbin/halog"))


@pytest.mark.skipif(HALOG is None, reason="halog (Debian package haproxy) is not installed; .ci/run installs it")
def test_status_and_backend_counts_equal_halog(tmp_path):
    log = tmp_path / "access.log"
    generate(20_000, log, seed=7, http_only=True)
    assert sum(halog_status_counts(log, HALOG).values()) == 20_000  # halog itself read every line
    assert compare(log) == []
