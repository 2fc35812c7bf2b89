"""Fixtures of the parsers' tests of long lines (``test_long_lines``, ``test_long_cri_lines``)."""

from __future__ import annotations

import pytest

from bench.gen_logs import generate
from parsers import long_lines

CAP = 4096  # the cap the tests patch in: a "long" line of a few hundred KB is cheap to write and read


@pytest.fixture(scope="module")
def router_lines(tmp_path_factory) -> list[bytes]:
    path = tmp_path_factory.mktemp("logs") / "a.log"
    generate(1200, path, seed=5)
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(long_lines, "LONG_LINE", CAP)
    monkeypatch.setattr(long_lines, "SKIP_BLOCK", 1000)  # the skipped rest read in many blocks
