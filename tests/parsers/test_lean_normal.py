"""The normal lines the compiled scanner read are counted where the log is read lean (``parsers.lean_normal``),
never built as rows: the counts, the accept times, the minute groups and the report are those of the full
parse, where every kept line is parsed and the normal ones are taken out at the chunk's end.

Both paths run on the same logs with the scanner's floor lowered so that these small logs are read by it,
in one chunk and in chunks of 4 KiB (a group met in several chunks, and in both parts of one chunk: its
normal lines and its kept rows).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from bench.gen_logs import generate as generate_log
from bench.gen_logs import write_routes_dump
from parsers import lean_normal, log_jobs, log_keep, log_lines, normal_lines
from parsers.load_snapshot import load_snapshot
from parsers.normal_lines import KEY_COLUMNS
from parsers.snapshot import Snapshot
from tests.analyzer.test_kept_rows import WITH_LOGS, _all_logs
from tests.analyzer.test_normal_lines_differential import _report
from tests.analyzer.test_scenarios import scenario_inputs


def _scanner_or_skip() -> None:
    from parsers import log_scan

    if not log_scan.enabled():
        pytest.skip("Numba is not installed: the scanner is off")


def _inputs(tmp_path: Path) -> tuple[list[str], list[str]]:
    """A busy application's log (the dump's ten routes, nearly every line normal) and every scenario's log,
    with one scenario's objects and the dump; and a copy of that scenario's must-gather whose router log is
    the busy log without its line prefixes (the router's host named by no line: its pod is the directory's)."""
    log = tmp_path / "access.log"
    generate_log(6_000, log, first_routes=10, seed=3)
    dump = tmp_path / "routes.yaml"
    write_routes_dump(dump, namespaces=1)
    inputs, _ = scenario_inputs(WITH_LOGS[1])
    copies = []
    for given in map(Path, inputs):
        copy = tmp_path / "inputs" / given.name
        (shutil.copytree if given.is_dir() else shutil.copyfile)(given, copy)
        copies.append(str(copy))
    router_logs = sorted((tmp_path / "inputs").rglob("router-default-*/**/current.log"))
    assert router_logs
    generate_log(3_000, tmp_path / "bare.log", first_routes=10, seed=4)
    generated = (tmp_path / "bare.log").read_text().splitlines(keepends=True)
    bare = [line.split("haproxy[43]: ", 1)[-1] for line in generated]
    # every 50th answer below 500 queued first (a server or backend queue logged): a row, not a normal line
    queued = 0
    for i in range(0, len(bare), 50):
        line, found = re.subn(r" ([1-4]\d\d) (\d+ - - --\S* \S+) 0/0 ", r" \1 \2 3/1 ", bare[i])
        bare[i], queued = line, queued + found
    assert queued > 20
    router_logs[0].write_text("".join(bare))
    return [*copies, str(dump)], [str(log), *_all_logs()]


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each categorical read as the values its rows hold: the full parse's kept rows keep the
    names of the normal lines taken out after them (a filter keeps a dictionary whole), in the order the
    files' names were met, the lean read's only their own; no row reads a name it does not hold."""
    return frame.apply(lambda c: c.astype(object) if isinstance(c.dtype, pd.CategoricalDtype) else c)


def _equal_snapshots(lean: Snapshot, full: Snapshot) -> None:
    pd.testing.assert_frame_equal(_values(lean.frame("requests")), _values(full.frame("requests")))
    assert lean.normal_lines.keys == full.normal_lines.keys
    assert [t.tolist() for t in lean.normal_lines.times] == [t.tolist() for t in full.normal_lines.times]
    assert lean.normal_lines.tr == full.normal_lines.tr
    pd.testing.assert_frame_equal(lean.log_groups, full.log_groups)
    assert _report(lean) == _report(full)


@pytest.mark.parametrize("chunk", [None, 4096], ids=["one-chunk", "4-kib-chunks"])
def test_normal_lines_counted_where_read_lean_equal_the_full_parse(chunk: int | None, monkeypatch, tmp_path: Path):
    _scanner_or_skip()
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "counted")
    inputs, logs = _inputs(tmp_path)
    early: list[int] = []
    counted_normal = log_keep.counted_normal

    def counting(*args: object, **kwargs: object) -> lean_normal.EarlyNormal | None:
        found = counted_normal(*args, **kwargs)
        early.append(0 if found is None else len(found.lines))
        return found

    monkeypatch.setattr(log_keep, "counted_normal", counting)
    lean = load_snapshot(inputs, logs, keep_all_requests=False)
    assert sum(early) > 0.8 * len(lean.normal_lines) > 6_000  # nearly all of them counted where read lean
    pods = {key[KEY_COLUMNS.index("router_pod")] for key in lean.normal_lines.keys}
    assert "router-default-5f7d8c9b64-q2w4e" in pods  # the bare log's lines, their router pod the directory's
    requests = lean.frame("requests")
    assert ((requests["srv_queue"] == 3) & (requests["status"] < 500)).sum() > 20  # the queued answers stay rows
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")  # every kept line parsed in full, the normal ones taken out after
    full = load_snapshot(inputs, logs, keep_all_requests=False)
    _equal_snapshots(lean, full)


def test_normal_lines_counted_where_read_lean_give_the_report_of_every_line_a_row(monkeypatch, tmp_path: Path):
    """The reference path of ``test_normal_lines_differential`` (every kept line a row), with the scanner on."""
    _scanner_or_skip()
    monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: 8192)
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    inputs, logs = _inputs(tmp_path)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")
    rows = load_snapshot(inputs, logs, keep_all_requests=False)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "counted")
    counted = load_snapshot(inputs, logs, keep_all_requests=False)
    assert len(counted.normal_lines) > 6_000
    assert len(counted.frame("requests")) + len(counted.normal_lines) == len(rows.frame("requests"))
    # the groups' files in the frame's order of files, where a file of normal lines alone has no row counted
    pd.testing.assert_frame_equal(_values(counted.log_groups), _values(rows.log_groups))
    assert _report(counted) == _report(rows)


def test_a_chunk_mostly_of_5xx_is_not_judged_line_by_line():
    """Half the candidates answered below 500 or without a status (TCP lines) may be mostly normal; fewer cannot."""
    lean = pa.table({"status": pa.array([503, 502, 200, None, 504, 301], pa.int64())})
    assert lean_normal.may_be_mostly_normal(lean, np.array([True, True, True, True, False, False]))
    assert not lean_normal.may_be_mostly_normal(lean, np.array([True, True, True, False, True, False]))
    assert lean_normal.may_be_mostly_normal(lean, np.array([False, False, False, False, False, True]))
