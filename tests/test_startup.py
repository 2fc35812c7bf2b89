"""What each command imports: the JSON paths load neither the HTML stack nor accelerators they do not use.

matplotlib and jinja2 cost about half a second of start-up and only the HTML report uses them;
Numba (and its cached machine code) only ``mga logs``' statistics. Each check runs the command in
a fresh interpreter and lists the heavy modules it ended up importing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES

HEAVY = ("matplotlib", "jinja2", "numba", "dask", "distributed")
SCENARIO = FIXTURES / "scenarios" / "E202-fires-probe-503"


def _imported_by(*args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = ['mga', *{list(args)!r}]\n"
        "try:\n"
        "    runpy.run_module('mga.cli', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_analyze_json_imports_no_html_stack_and_no_accelerator(tmp_path: Path):
    inputs = sorted(str(p) for p in SCENARIO.iterdir() if p.is_dir() and not p.name.startswith("_"))
    out = tmp_path / "report.json"
    assert _imported_by("analyze", *inputs, "--format", "json", "--output", str(out)) == []
    assert json.loads(out.read_text())["findings"]


def test_logs_json_imports_no_html_stack(tmp_path: Path):
    out = tmp_path / "logs.json"
    found = _imported_by("logs", str(FIXTURES / "haproxy-lab" / "access.log"), "--format", "json", "--output", str(out))
    assert found == []  # nor Numba: a log this small is read faster without the compiled scanner
    assert out.exists()


def test_help_and_version_import_no_data_libraries():
    """``mga --help`` is the first thing a newcomer runs: it must not wait for pandas or pyarrow."""
    for args in (("--help",), ("version",), ("analyze", "--help"), ("logs", "--help")):
        assert _imported_by(*args, heavy=(*HEAVY, "pandas", "pyarrow")) == [], args
