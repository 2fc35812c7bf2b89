"""Access logs are streamed: no size cap applies to them, only the ratio guard and ``--max-log-bytes``.

issue 16 item 2 and design.md "Resource limits": a real router log of 1.2 GB decompressed used to be
dropped whole as "more bytes than the 1024 MiB cap". Here the per-file cap and the run's byte
budget are made smaller than the log, which must still be read whole, while the YAML files of the
same run stay bound by them.
"""

from __future__ import annotations

import gzip

import pytest

from bench.gen_logs import generate
from parsers import sources
from parsers.load_snapshot import load_snapshot
from tests.conftest import INSPECT_SHOP

LINES = 3_000


@pytest.fixture(scope="module")
def big_gz_log(tmp_path_factory):
    plain = tmp_path_factory.mktemp("log") / "access.log"
    generate(LINES, plain, seed=3, http_only=True)
    data = plain.read_bytes()
    gz = plain.with_name("access.log.gz")
    gz.write_bytes(gzip.compress(data, compresslevel=1))
    return gz, len(data)


def test_a_gzipped_log_larger_than_the_file_cap_and_the_run_budget_is_read_whole(big_gz_log, monkeypatch):
    gz, size = big_gz_log
    cap = 64 << 10
    assert size > 10 * cap  # the log is many times both limits
    monkeypatch.setattr(sources, "MEMBER_CAP", cap)
    snap = load_snapshot([str(INSPECT_SHOP)], [str(gz)], max_bytes=cap)
    assert len(snap.frame("requests")) == LINES
    assert not [s for s in snap.skipped if "access.log" in s[0]]
    assert {"frontend", "api"} <= set(snap.frame("routes")["name"])  # the YAML fits the same limits


def test_max_log_bytes_is_the_only_size_limit_of_a_streamed_log(big_gz_log):
    gz, size = big_gz_log
    snap = load_snapshot([str(INSPECT_SHOP)], [str(gz)], max_log_bytes=size // 2)
    kept = len(snap.frame("requests"))
    assert 0 < kept < LINES
    [cut] = [s for s in snap.skipped if "access.log" in s[0]]
    assert "log byte limit" in cut[1] and cut[2] <= size // 2
