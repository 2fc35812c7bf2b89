"""Attachments in odd shapes through the real CLI: an archive inside the input is analysed, and one that cannot be
read in place says so in one line with the way to read it, never "no Kubernetes objects found"."""

from __future__ import annotations

import io
import json
import zipfile

from tests.conftest import INSPECT_SHOP, MGC, make_tar, realworld
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


def test_an_archive_two_levels_down_says_how_to_read_it(tmp_path):
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.write(make_tar(INSPECT_SHOP, tmp_path / "mg.tar.gz"), "must-gather.tar.gz")
    outer = tmp_path / "case.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("attachments.zip", middle.getvalue())
    proc = run("analyze", str(outer), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    line = one_line(proc)
    assert "no Kubernetes objects found" not in line
    assert line.startswith(f"mga: {outer}: holds an archive must-gather.tar.gz inside")
    assert line.endswith("pass it directly: mga analyze must-gather.tar.gz")


def test_a_zstd_archive_says_it_cannot_be_read(tmp_path):
    path = tmp_path / "must-gather.tar.gz"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(64)))
    proc = run("analyze", str(path), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert "zstd-compressed" in one_line(proc)
