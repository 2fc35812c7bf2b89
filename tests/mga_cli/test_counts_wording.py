"""Counts on the terminal and in the batch index read as sentences: "1 finding", "3 findings", never "1 findings"
(the project's one helper, ``analyzer.wording.plural``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from mga.batch import index_html
from mga.checks import warn_damaged, warn_empty_window, warn_not_logs
from mga.cli import app

ROUTES = Path(__file__).resolve().parent / "fixtures" / "routes.yaml"  # one finding: other/plain not admitted


def test_batch_says_one_finding_and_one_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "mg").mkdir()
    shutil.copy(ROUTES, tmp_path / "mg" / "routes.yaml")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["batch", "mg", "--engine", "local", "-f", "json", "-d", "out"],
                                env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    [row] = json.loads((tmp_path / "out" / "index.json").read_text())["inputs"]
    assert row["findings"] == 1
    assert result.stdout == "mg: 3 routes, 1 finding (1 critical), route-not-admitted\n"
    assert "<h1>mga batch: 1 case</h1>" in (tmp_path / "out" / "index.html").read_text()


def test_batch_index_counts_several_cases():
    rows = [{"input": name, "error": "unreadable"} for name in ("a", "b")]
    assert "<h1>mga batch: 2 cases</h1>" in index_html(rows)


def _record(**fields):
    return SimpleNamespace(**{"damaged": None, "files_read": 0, "files_seen": 0, "roots": ["mg"], "path": "in",
                              "not_what_read_as": [], **fields})


def test_one_more_file_beyond_the_ones_named_is_one_file(capsys):
    unreadable = [(f"m{i}", f"unreadable: bad crc {i}") for i in range(4)]
    warn_damaged(SimpleNamespace(inputs=[_record(damaged="cut at byte 9", files_read=0, files_seen=1)],
                                 skipped=unreadable, unusable_inputs=()))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "mga: warning: in: cut at byte 9; still read 0 of 1 file listed"
    assert lines[-1] == "mga: warning: 1 more unreadable file skipped (the report's skipped list)"
    warn_not_logs(SimpleNamespace(inputs=[_record()],
                                  skipped=[(f"l{i}.log", "not an access log: line 1 ...") for i in range(4)]))
    assert capsys.readouterr().err.splitlines()[-1] == (
        "mga: warning: 1 more file read as access logs holds no router line (the report's skipped list)")


def test_a_window_that_leaves_out_one_line_says_one_line(capsys):
    warn_empty_window("2026-11-20", None, 0, [{"outside_window": 1}])
    assert capsys.readouterr().err == "mga: warning: --since 2026-11-20: the window excludes every log line " \
                                      "(1 line outside it)\n"
