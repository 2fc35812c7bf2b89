"""The same access log given twice is read once (``parsers.log_duplicates``): the must-gather's archive and its
unpacked directory, the same archive twice, ``--logs`` on a router log copied out of the must-gather, the same
gzipped log twice. Each copy is a ``skipped`` entry naming the log it repeats; two different logs of the same
size are both read, also when their first bytes agree."""

from __future__ import annotations

import gzip
import shutil
import tarfile
from pathlib import Path

import pytest

from parsers import log_duplicates
from parsers.load_snapshot import load_snapshot
from parsers.log_jobs import load_access_logs, scan_access_logs
from tests.analyzer.scenario_helpers import SCENARIOS, router_log

SCENARIO = SCENARIOS / "B504-fires-app-timeout"


def inputs_of(root: Path) -> list[str]:
    return sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def counted(inputs: list[str], logs: list[str] = ()) -> tuple[int, int, list[tuple]]:
    """Lines read, 5xx rows, and the skipped entries that say a log was read once."""
    snap = load_snapshot(inputs, list(logs))
    requests = snap.frame("requests")
    fives = int(((requests["status"] >= 500) & (requests["status"] < 600)).fillna(False).sum())
    return snap.log_lines, fives, [s for s in snap.skipped if "read once" in s[1]]


@pytest.fixture(scope="module")
def once() -> tuple[int, int]:
    lines, fives, copies = counted(inputs_of(SCENARIO))
    assert lines > 20 and fives > 0 and copies == []
    return lines, fives


def test_the_same_input_twice(once):
    must_gather = next(str(p) for p in SCENARIO.glob("must-gather.*"))
    lines, fives, copies = counted([*inputs_of(SCENARIO), must_gather])
    assert (lines, fives) == once
    [(source, reason, offset)] = copies
    assert source.endswith("current.log") and offset is None
    assert reason.startswith("the same access log as ") and f" of {must_gather} " in reason


def test_an_archive_and_the_directory_it_unpacks_to(tmp_path: Path, once):
    must_gather = next(SCENARIO.glob("must-gather.*"))
    packed = tmp_path / "must-gather.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        tar.add(must_gather, arcname=must_gather.name)
    lines, fives, copies = counted([str(packed), str(must_gather)])
    assert (lines, fives) == once and len(copies) == 1


def test_a_router_log_copied_out_of_the_must_gather(tmp_path: Path, once):
    copy = tmp_path / "router.log"
    shutil.copyfile(router_log(SCENARIO), copy)
    lines, fives, copies = counted(inputs_of(SCENARIO), [str(copy)])
    assert (lines, fives) == once and [c[0] for c in copies] == ["router.log"]


def test_the_same_gzipped_log_twice(tmp_path: Path):
    log = tmp_path / "router.log.gz"
    log.write_bytes(gzip.compress(router_log(SCENARIO).read_bytes(), mtime=0))
    alone, _, _ = counted([], [str(log)])
    lines, _, copies = counted([], [str(log), str(log)])
    assert lines == alone and len(copies) == 1


@pytest.mark.parametrize("where", ["first line", "last line"])
def test_two_logs_of_one_size_that_differ_are_both_read(tmp_path: Path, monkeypatch, where: str):
    """One digit changed, the size kept: in the first line, or past the first bytes (which only choose which
    logs to read whole: a log edited further on is another log)."""
    monkeypatch.setattr(log_duplicates, "HEAD", 1024)
    data = router_log(SCENARIO).read_bytes()
    at = (data.index if where == "first line" else data.rindex)(b"haproxy[") + len(b"haproxy[")  # its pid
    assert (at > 1024) == (where == "last line")
    other = data[:at] + (b"9" if data[at:at + 1] != b"9" else b"8") + data[at + 1:]
    (tmp_path / "a.log").write_bytes(data)
    (tmp_path / "b.log").write_bytes(other)
    alone, _, _ = counted([], [str(tmp_path / "a.log")])
    lines, _, copies = counted([], [str(tmp_path / "a.log"), str(tmp_path / "b.log")])
    assert lines == 2 * alone and copies == []


def test_the_library_reads_the_same_log_once():
    log = router_log(SCENARIO)
    alone, _ = load_access_logs([str(log)])
    both, skipped = load_access_logs([str(log), str(log)])
    assert both.lines_read == alone.lines_read and len(skipped) == 1 and "read once" in skipped[0][1]


def test_mga_logs_streams_the_same_log_once():
    """``mga logs`` streams its chunks (``scan_access_logs``): a copy is never consumed."""
    log = str(router_log(SCENARIO))
    chunks: list[object] = []
    tallies, skipped = scan_access_logs([log, log], chunks.append, stats_only=True)
    assert len(tallies) == 1 and tallies[0].lines_read > 20 and len(skipped) == 1 and "read once" in skipped[0][1]


def test_mga_logs_says_which_copy_it_skipped():
    from typer.testing import CliRunner

    from mga.cli import app

    log = str(router_log(SCENARIO))
    out = CliRunner().invoke(app, ["logs", log, log])
    assert out.exit_code == 0
    tail = out.output.split("\nskipped:\n", 1)[1].splitlines()
    said = f"the same access log as current.log of {log} (the same bytes): read once"
    assert tail == [f"  current.log: {said}"]
