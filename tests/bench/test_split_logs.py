"""``bench.run.split_by_lines``: the bench's one log cut into several files, as router pods write them."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("ending", [b"\n", b""])
def test_a_log_is_cut_at_line_ends_into_files_that_join_back_to_it(tmp_path: Path, monkeypatch, ending):
    from bench import run

    monkeypatch.setattr(run, "OUT", tmp_path)
    lines = [f"line {i:04d} {'x' * (i % 37)}".encode() for i in range(500)]
    log = tmp_path / "app.log"
    log.write_bytes(b"\n".join(lines) + ending)
    parts = run.split_by_lines(log, 3)
    assert [p.name for p in parts] == ["router-0.log", "router-1.log", "router-2.log"]
    data = [p.read_bytes() for p in parts]
    assert b"".join(data) == log.read_bytes()
    assert all(d.endswith(b"\n") for d in data[:-1]) and all(len(d) > log.stat().st_size // 4 for d in data)
    parts[0].write_bytes(b"kept")  # written once: a later run reuses the files
    assert run.split_by_lines(log, 3) == parts and parts[0].read_bytes() == b"kept"
