"""One unusable input among several (an empty file, a compressed file whose data is not valid, a path that is
gone) is a ``skipped`` entry and a warning, and the run goes on (report-contract v1.1 "Exit codes"); alone, or
when every input is unusable, its one-line error stands. A router pod's empty ``previous.log`` next to its
``current.log`` is the everyday case."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from parsers.load_snapshot import load_snapshot
from parsers.sources import InputError
from tests.analyzer.scenario_helpers import SCENARIOS, router_log

SCENARIO = SCENARIOS / "B504-fires-app-timeout"


def inputs_of(root: Path) -> list[str]:
    return sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


@pytest.fixture
def unusable(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "previous.log"
    empty.touch()
    cut = tmp_path / "router.log.bz2"  # its first block never completes: no valid bz2 data to read
    cut.write_bytes(bz2.compress(router_log(SCENARIO).read_bytes())[:40])
    folder = tmp_path / "empty"  # an empty directory opens fine and gives nothing: as unusable
    folder.mkdir()
    return {"empty": empty, "cut": cut, "gone": tmp_path / "no-such.log", "empty-dir": folder}


@pytest.mark.parametrize("kind", ["empty", "cut", "gone", "empty-dir"])
@pytest.mark.parametrize("as_log", [False, True])
def test_an_unusable_input_among_others_is_skipped_and_the_rest_read(unusable, kind: str, as_log: bool):
    bad = str(unusable[kind])
    alone = load_snapshot(inputs_of(SCENARIO))
    snap = load_snapshot(inputs_of(SCENARIO), [bad]) if as_log else load_snapshot([*inputs_of(SCENARIO), bad])
    [(path, reason)] = snap.unusable_inputs
    assert path == bad and reason.startswith(f"{bad}: ")
    assert (path, reason) in snap.skipped
    assert snap.log_lines == alone.log_lines and len(snap.frame("routes")) == len(alone.frame("routes"))


def test_alone_or_all_unusable_the_error_stands(unusable):
    with pytest.raises(InputError, match="empty file"):
        load_snapshot([str(unusable["empty"])])
    with pytest.raises(InputError, match="empty file"):
        load_snapshot([str(unusable["empty"])], [str(unusable["cut"])])


def test_analyze_warns_and_goes_on(unusable, tmp_path: Path):
    out = CliRunner().invoke(app, ["analyze", *inputs_of(SCENARIO), "--logs", str(unusable["empty"]),
                                   "-o", "json", "--output", str(tmp_path / "r.json")])
    assert out.exit_code == 0
    assert f"warning: {unusable['empty']}: empty file; skipped, the other inputs are read" in out.output


def test_mga_logs_reads_current_log_beside_an_empty_previous_log(unusable):
    log = str(router_log(SCENARIO))
    out = CliRunner().invoke(app, ["logs", log, str(unusable["empty"])])
    assert out.exit_code == 0 and "lines read " in out.output
    assert f"warning: {unusable['empty']}: empty file; skipped, the other inputs are read" in out.output
    both_bad = CliRunner().invoke(app, ["logs", str(unusable["empty"]), str(unusable["cut"])])
    assert both_bad.exit_code == 2 and "empty file" in both_bad.output
