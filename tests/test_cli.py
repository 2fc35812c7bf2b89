"""The command line: exit codes and one-line errors of the contract."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from mga import __version__
from mga.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"mga {__version__}"


def test_missing_input_is_one_line_on_stderr_and_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "analyze", str(tmp_path / "nope.tar.gz"), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_archive_is_exit_2(tmp_path):
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage-that-is-not-gzip")
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "routes", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("mga: ") and "Traceback" not in proc.stderr


def test_unknown_rule_is_exit_2():
    result = runner.invoke(app, ["rule", "Z999"])
    assert result.exit_code == 2


def test_rules_json_lists_every_registered_rule():
    from analyzer.registry import all_rules

    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0
    assert [r["code"] for r in json.loads(result.output)] == [r.code for r in all_rules()]


def test_bad_route_option_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path), "--route", "no-slash"])
    assert result.exit_code == 2
