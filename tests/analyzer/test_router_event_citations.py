"""A router message cited from an access log (``Server ... is DOWN``, logged by the router's sidecar among the
requests) is quoted as the line stands in the file, its syslog prefix included: the text can be searched for."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mga.cli import app
from tests.analyzer.test_scenarios import SCENARIO_DIRS


def _downs(tmp_path, name: str, code: str) -> tuple[list[dict], list[str]]:
    """The ``is DOWN`` evidence of ``code``'s finding in scenario ``name``, and the lines of the log it cites."""
    scenario = next(p for p in SCENARIO_DIRS if p.name == name)
    out = tmp_path / "r.json"
    inputs = sorted(str(p) for p in scenario.iterdir() if p.is_dir())
    result = CliRunner().invoke(app, ["analyze", *inputs, "-f", "json", "--output", str(out), "-q"])
    assert result.exit_code == 0, result.output
    [finding] = [f for f in json.loads(out.read_text())["findings"] if f["code"] == code]
    downs = [e for e in finding["evidence"] if "is DOWN" in e["text"]]
    [log] = {p for p in scenario.rglob("current.log") for e in downs if str(p).endswith(e["source"])}
    return downs, log.read_text().split("\n")


def test_n401_quotes_the_down_line_as_it_stands_in_the_log(tmp_path):
    [down], lines = _downs(tmp_path, "time-netpol-mid-window", "N401")
    assert down["text"] == lines[down["line"] - 1]
    assert down["text"].startswith("2026-11-20T08:40:24.000449118Z ")


def test_k601_quotes_the_down_lines_of_a_restarting_pod_as_they_stand_in_the_log(tmp_path):
    downs, lines = _downs(tmp_path, "time-crashloop-mid-window", "K601")
    assert [d["line"] for d in downs] == [126, 163, 200, 237]
    assert [d["text"] for d in downs] == [lines[d["line"] - 1] for d in downs]
