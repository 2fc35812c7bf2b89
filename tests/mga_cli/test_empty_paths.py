"""An empty output path (``--output "$OUT"`` with the variable unset) is a usage error, refused before
any input is read, never read as the default (a report written in the current directory, or stdout)."""

from __future__ import annotations

import pytest

from tests.mga_cli.test_cli_validation import refused


@pytest.mark.parametrize(("args", "line"), [
    (["analyze", "IN", "--output", ""], "mga: --output: empty path (give a file, a directory, or - for stdout)"),
    (["logs", "IN", "--output", " "], "mga: --output: empty path (give a file, a directory, or - for stdout)"),
    (["batch", "IN", "--output-dir", "", "--engine", "local"], "mga: --output-dir: empty path (give a directory)"),
])
def test_an_empty_output_path_is_refused(tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.log").write_text("x\n")
    proc = refused(*[str(tmp_path / "in.log") if a == "IN" else a for a in args])
    assert proc.returncode == 2 and proc.stderr.splitlines() == [line]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.log"]


@pytest.mark.parametrize(("args", "what"), [
    (["analyze", ""], "input"), (["analyze", "IN", "--logs", ""], "--logs"), (["logs", ""], "input"),
    (["routes", ""], "input"), (["routes", "IN", "--logs", " "], "--logs"),
    (["batch", "", "--engine", "local"], "input"),
    (["describe", "route", "", "ns/name"], "input"),
])
def test_an_empty_input_path_is_refused_not_read_as_the_current_directory(tmp_path, monkeypatch, args, what):
    monkeypatch.chdir(tmp_path)  # what an empty path would read: a directory holding a router log
    (tmp_path / "in.log").write_text("x\n")
    proc = refused(*[str(tmp_path / "in.log") if a == "IN" else a for a in args])
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"mga: {what}: empty path (give a file or a directory)"]
