"""Help text reads like a command's, not like Python: no ``<bool>``, ``<str>`` or ``<list[str]>``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_TYPE = re.compile(r"<(?:bool|str|int|float|list\[[^>]*\]|Path|datetime)>")


@pytest.mark.parametrize("command", [[], ["analyze"], ["routes"], ["logs"], ["batch"], ["rules"], ["rule"],
                                     ["describe"], ["describe", "route"], ["version"]])
def test_help_shows_words_and_choices_never_python_types(command):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *command, "--help"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not PYTHON_TYPE.findall(proc.stdout), proc.stdout
    assert "``" not in proc.stdout, proc.stdout  # a docstring's reST markup is not help text
    if command in (["analyze"], ["logs"]):  # the compressions the log reader takes, all of them
        assert "(plain, .gz, .xz or .bz2)" in proc.stdout
    options = {line.split()[1]: line for line in proc.stdout.splitlines() if line.startswith("│ --")}
    if "--quiet" in options:  # a flag has no type column at all
        assert options["--quiet"].split()[2:4] == ["-q", "no"]
    if "--since" in options:
        assert options["--since"].split()[2] == "TEXT"
    if "--fail-on" in options:
        assert options["--fail-on"].split()[2] == "critical|warning|never"
    usage = next(line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("Usage:"))
    assert "{" not in usage, usage  # an argument in braces reads as a template to fill in
    if " ".join(command) in ARGUMENTS:  # (the program is ``python -m mga.cli`` here)
        assert usage.endswith(f" {' '.join(command)} [OPTIONS] {ARGUMENTS[' '.join(command)]}"), usage


ARGUMENTS = {  # the usage line's arguments of the commands that take some, as click and oc write them
    "analyze": "INPUTS...",
    "batch": "INPUTS...",
    "logs": "PATHS...",
    "routes": "INPUT... [NAME]...",
    "describe route": "INPUT... [NS/NAME]",
    "rule": "CODE",
}
