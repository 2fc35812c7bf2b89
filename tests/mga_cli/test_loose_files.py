"""A case directory: the must-gather archive next to loose files (case notes, ``oc get`` text, a JSON of
something else). Several of them in one input make one stderr line, not one each, so they do not bury the
verdicts; the report's ``skipped`` list still names each. One loose file, a file given with ``--logs`` and
an input with nothing readable keep the lines they had."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import INSPECT_SHOP, make_tar
from tests.mga_cli.test_cli_validation import one_line, run

HOSTILE = "evil\x1b]0;pwned\x07.txt"  # an OSC sequence that would retitle the terminal


def case_dir(tmp_path: Path, *loose: str) -> Path:
    """``case/`` holding ``must-gather.tar.gz`` and the ``loose`` files named (text, or JSON for ``.json``), each
    its own (two logs with the same bytes are one log read once)."""
    case = tmp_path / "case"
    case.mkdir()
    make_tar(INSPECT_SHOP, case / "must-gather.tar.gz")
    for name in loose:
        (case / name).write_text(f'{{"a": "{name}"}}\n' if name.endswith(".json") else f"{name}: 502 since monday\n")
    return case


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("mga: warning: ")]


def test_several_loose_files_make_one_line_naming_the_first_three(tmp_path):
    case = case_dir(tmp_path, "notes.txt", "oc-get-routes.txt", "case.json", HOSTILE)
    out = tmp_path / "r.json"
    proc = run("analyze", str(case), "-f", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert warnings(proc.stderr) == [
        f"mga: warning: {case}: 4 files are not access logs or Kubernetes objects, skipped "
        "(case.json, evil\\x1b]0;pwned\\x07.txt, notes.txt, 1 more); see the report's skipped list"]
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    report = json.loads(out.read_text())
    reasons = {s["source"]: s["reason"] for s in report["skipped"]}
    assert reasons[HOSTILE].startswith("not an access log: 1 line read")
    assert reasons["oc-get-routes.txt"].startswith("not an access log: 1 line read")
    assert reasons["case.json"] == "line 1: object left out: no kind"
    assert reasons["notes.txt"].startswith("not an access log: 1 line read")
    outer = next(i for i in report["inputs"] if i["path"] == str(case))
    assert (outer["files_seen"], outer["files_read"], outer["files_skipped"]) == (5, 1, 4)
    for record in report["inputs"]:
        assert record["files_read"] + record["files_skipped"] == record["files_seen"], record


def test_loose_files_of_one_kind_say_which(tmp_path):
    case = case_dir(tmp_path, "a.json", "b.json")
    proc = run("routes", str(case))
    assert proc.returncode == 0, proc.stderr
    assert one_line(proc) == (f"mga: warning: {case}: 2 files are not YAML/JSON of Kubernetes objects, skipped "
                              "(a.json, b.json); see the report's skipped list")


def test_one_loose_file_keeps_its_own_line(tmp_path):
    case = case_dir(tmp_path, "notes.txt")
    proc = run("analyze", str(case), "-f", "json", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert warnings(proc.stderr) == [
        "mga: warning: notes.txt: not an access log: 1 line read, none a router request line (line 1: no "
        "haproxy[pid]: tag and not a bare HAProxy line: 'notes.txt: 502 since monday'); skipped, the other "
        "files are read"]


@pytest.mark.parametrize("command", ["analyze", "routes"])
def test_files_given_with_logs_keep_a_line_each(tmp_path, command: str):
    """The user named them: each says it is not an access log, beside the case directory's one line."""
    case = case_dir(tmp_path, "notes.txt", "case.json")
    named = []
    for name in ("app.log", "oc-logs.txt"):
        (tmp_path / name).write_text(f"hello from {name}\n")
        named += ["--logs", str(tmp_path / name)]
    args = ["-f", "json", "--output", str(tmp_path / "r.json")] if command == "analyze" else []
    proc = run(command, str(case), *named, *args)
    assert proc.returncode == 0, proc.stderr
    lines = warnings(proc.stderr)
    assert [line.split(": not an access log:")[0] for line in lines if ": not an access log:" in line] == [
        "mga: warning: app.log", "mga: warning: oc-logs.txt"]
    assert [line for line in lines if ": not an access log:" not in line] == [
        f"mga: warning: {case}: 2 files are not access logs or Kubernetes objects, skipped (case.json, notes.txt); "
        "see the report's skipped list"]


def test_nothing_readable_left_is_the_one_line_error(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    for name in ("notes.txt", "oc-get-routes.txt", "case.json"):
        (case / name).write_text(f'{{"a": "{name}"}}\n' if name.endswith(".json") else f"NAME HOST {name}\n")
    proc = run("analyze", str(case), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert one_line(proc) == f"mga: not a must-gather, inspect or log: no Kubernetes objects found in {case}"
