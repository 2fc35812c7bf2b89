"""Attachments in odd shapes through the real CLI: an archive inside the input is analysed, and one that cannot be
read in place says so in one line with the way to read it, never "no Kubernetes objects found"."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, INSPECT_SHOP, MGC, make_tar, realworld
from tests.mga_cli.test_cli_validation import one_line, run


def test_the_real_must_gather_in_a_portal_zip_is_analysed(tmp_path):
    archive = realworld(*MGC.relative_to(MGC.parents[2]).parts, "must-gather-aws.tar.xz")
    outer = tmp_path / "case-04012345.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(archive, "must-gather.tar.xz")
    out = tmp_path / "report.json"
    proc = run("analyze", str(outer), "-f", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert len(report["routes"]) == 8
    assert f"{outer}:must-gather.tar.xz" in [i["path"] for i in report["inputs"]]


def _two_levels_down(tmp_path: Path, scenario: Path) -> Path:
    """``case.zip`` holding ``attachments.zip`` holding the scenario as ``must-gather.tar.gz``."""
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.write(make_tar(scenario, tmp_path / "mg.tar.gz"), "must-gather.tar.gz")
    outer = tmp_path / "case.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("attachments.zip", middle.getvalue())
    return outer


def test_an_archive_two_levels_down_says_how_to_read_it(tmp_path):
    outer = _two_levels_down(tmp_path, INSPECT_SHOP)
    proc = run("analyze", str(outer), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    line = one_line(proc)
    assert "no Kubernetes objects found" not in line
    assert line.startswith(f"mga: {outer}: holds an archive must-gather.tar.gz inside")
    assert line.endswith("pass it directly as an input of its own: must-gather.tar.gz")


@pytest.mark.parametrize("command", ["logs", "routes"])
def test_the_advice_names_no_other_command(tmp_path, command: str):
    """``mga logs`` and ``mga routes`` meet the same archive: the way to read it fits whichever was run."""
    outer = _two_levels_down(tmp_path, INSPECT_SHOP)
    proc = run(command, str(outer))
    assert proc.returncode == 2
    line = one_line(proc)
    assert line.endswith("extract it and pass it directly as an input of its own: must-gather.tar.gz")
    assert "mga analyze" not in line


def test_a_zstd_archive_says_it_cannot_be_read(tmp_path):
    path = tmp_path / "must-gather.tar.gz"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(64)))
    proc = run("analyze", str(path), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert "zstd-compressed" in one_line(proc)


SCALED_TO_ZERO = FIXTURES / "scenarios" / "E203-fires-scaled-to-zero"  # 30 router lines, 503 to finance/reports
SHARDED_AWAY = FIXTURES / "scenarios" / "R101-fires-sharded-away"


def _case_zip(tmp_path):
    """A case portal's zip holding a scenario's must-gather (and inspect) as must-gather.tar.gz."""
    outer = tmp_path / "case.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(make_tar(SCALED_TO_ZERO, tmp_path / "mg.tar.gz"), "must-gather.tar.gz")
    return outer


def test_logs_read_the_router_logs_of_a_must_gather_inside_a_zip(tmp_path):
    outer = _case_zip(tmp_path)
    proc = run("logs", str(outer), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    direct = json.loads(run("logs", str(tmp_path / "mg.tar.gz"), "-f", "json").stdout)
    assert stats["requests"] == direct["requests"] == 30
    assert stats["status_counts"] == direct["status_counts"]
    # the router log is read as the file it is, where it is, not the tar's bytes as one log
    assert stats["unparsed"] == 0 and stats["skipped"] == []
    assert [(f["input"], f["source"]) for f in stats["files"]] == [
        (f"{outer}:must-gather.tar.gz", f["source"]) for f in direct["files"]]
    assert all(f["source"].endswith("openshift-ingress/pods/router-default-5f7d8c9b64-q2w4e/logs/logs/logs/current.log")
               for f in stats["files"])


def test_logs_of_an_archive_two_levels_down_say_how_to_read_it(tmp_path):
    outer = _two_levels_down(tmp_path, SCALED_TO_ZERO)
    proc = run("logs", str(outer))
    assert proc.returncode == 2
    line = one_line(proc)
    assert "none a router request line" not in line and "no router access log found" not in line
    assert f"inside {outer}:attachments.zip, itself an archive inside an input" in line


def test_logs_list_a_zstd_archive_inside_an_input_as_skipped(tmp_path):
    unreadable = tmp_path / "zstd.zip"
    with zipfile.ZipFile(unreadable, "w") as zf:
        zf.writestr("must-gather.tar.zst", b"\x28\xb5\x2f\xfd" + bytes(range(64)))
    proc = run("logs", str(unreadable), str(_case_zip(tmp_path)), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["requests"] == 30 and stats["unparsed"] == 0  # the zstd bytes are not read as log lines
    [entry] = stats["skipped"]
    assert entry["source"] == "must-gather.tar.zst" and "zstd-compressed" in entry["reason"]


def test_routes_fill_5xx_from_the_router_logs_of_a_must_gather_inside_a_zip(tmp_path):
    other_log = next(SHARDED_AWAY.rglob("current.log"))  # another router's log, of no route of this cluster
    proc = run("routes", str(_case_zip(tmp_path)), "--logs", str(other_log))
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.splitlines()
    assert header.split()[-1] == "5XX"
    assert row.split()[:2] == ["finance", "reports"] and row.split()[-1] == "30"
