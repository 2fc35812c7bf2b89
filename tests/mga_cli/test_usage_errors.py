"""Usage errors through the real entry point: the contract's one line on stderr and exit 2 (Typer's
own rendering is a framed box of five lines), input text sanitised, the help still shown for a bare
``mga``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize(("args", "line"), [
    (("analyze", "x", "--format", "pdf"),
     "mga: Invalid value for '--format' / '-f': 'pdf' is not one of 'html', 'json', 'md' (see `mga analyze --help`)"),
    (("analyze", "x", "--format", "json", "--format", "md"),
     "mga: --format/-f given 2 times: give it once (see `mga analyze --help`)"),
    (("bogus",), "mga: No such command 'bogus'. Did you mean 'logs'? (see `mga --help`)"),
    (("describe", "route", "x", "--bad\x1b[31m"),
     "mga: No such option: --bad\\x1b[31m (see `mga describe route --help`)"),
    # click's option parser raises this one without a context: the help named is still the command's
    (("analyze", "x", "--format"), "mga: Option '--format' requires an argument (see `mga analyze --help`)"),
    (("describe", "route", "x", "--route"),
     "mga: Option '--route' requires an argument (see `mga describe route --help`)"),
    # a command without its positional arguments says what to give
    (("analyze", "--logs", "router.log"),
     "mga: Missing argument 'inputs': give a must-gather or `oc adm inspect` directory, a YAML dump "
     "(`oc get routes -A -o yaml`) or an archive of them, with --logs for router logs found elsewhere; router logs "
     "alone: `mga logs FILE` (see `mga analyze --help`)"),
    (("logs",), "mga: Missing argument 'paths': give router access-log files (plain, .gz, .xz or .bz2), inputs "
                "holding router logs, or - for stdin (see `mga logs --help`)"),
    (("rule",), "mga: Missing argument 'code' (see `mga rule --help`)"),
])
def test_a_usage_error_is_one_line_and_exit_2(args, line):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [line]


def test_a_bare_mga_still_shows_the_help():
    proc = run()
    assert proc.returncode == 2 and "[OPTIONS] COMMAND [ARGS]" in proc.stdout and not proc.stderr.strip()


def test_the_exit_code_of_a_command_is_kept():
    assert run("rule", "E999").returncode == 2
    assert run("version").returncode == 0


@pytest.mark.parametrize("word", ["yaml", "JSON", "wide"])
def test_dash_o_with_a_format_word_is_refused_not_taken_as_a_file_name(tmp_path, word):
    from typer.testing import CliRunner

    from mga.cli import app

    (tmp_path / "routes.yaml").write_text("apiVersion: v1\nkind: List\nitems: []\n")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path), "-o", word, "-q"], env={"NO_COLOR": "1"})
    assert result.exit_code == 2
    assert result.stderr == (f"mga: -o {word}: not a report format; -o takes html, json or md (lower case), "
                             "--output the report path\n")
    assert not (ROOT / word).exists() and not (tmp_path / word).exists()
