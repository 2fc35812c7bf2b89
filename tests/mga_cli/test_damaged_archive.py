"""A truncated archive: one warning line on stderr naming the member where reading stopped, exit 0 while
something usable was read, exit 2 when nothing was."""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from bench.gen_logs import generate
from tests.conftest import INSPECT_SHOP, add_tar_bytes, make_tar

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_truncated_archive_warns_once_naming_the_member_and_keeps_what_was_read(tmp_path):
    whole = make_tar(INSPECT_SHOP, tmp_path / "whole.tar.xz", "w:xz")
    with tarfile.open(whole) as tf:
        names = [m.name for m in tf.getmembers() if m.isfile()]
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.8)])
    proc = run("routes", str(cut))
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"mga: warning: {cut}: archive damaged after ")
    stopped_at = line.split("reading stopped at member ", 1)[1].split(": ", 1)[0]
    assert stopped_at in names and stopped_at != names[-1]  # a member before the end of the whole archive
    assert "still read " in line
    assert {row.split()[1] for row in proc.stdout.splitlines()[1:]} == {"frontend", "api"}


def test_archive_cut_before_anything_usable_exits_2_after_the_warning(tmp_path):
    whole = make_tar(INSPECT_SHOP, tmp_path / "whole.tar.xz", "w:xz")
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(whole.read_bytes()[:300])
    proc = run("routes", str(cut))
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) <= 2 and lines[-1].startswith("mga: ")
    assert "damaged" in proc.stderr or "cannot read" in proc.stderr


def _zip_with_bad_crc(src: Path, dest: Path, bad: str) -> Path:
    """``src`` zipped uncompressed, one byte of member ``bad`` changed: its CRC no longer matches."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(src).as_posix())
    with zipfile.ZipFile(dest) as zf:
        info = zf.getinfo(bad)
    data = bytearray(dest.read_bytes())
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[at] = ord("x") if data[at] != ord("x") else ord("y")
    dest.write_bytes(data)
    return dest


def test_a_zip_member_with_a_bad_crc_is_a_warning_not_a_silent_skip(tmp_path):
    bad = next(p.relative_to(INSPECT_SHOP).as_posix() for p in sorted(INSPECT_SHOP.rglob("endpoints.yaml")))
    archive = _zip_with_bad_crc(INSPECT_SHOP, tmp_path / "case.zip", bad)
    proc = run("routes", str(archive))
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line == (f"mga: warning: {bad}: unreadable: Bad CRC-32 for file {bad!r}; skipped, the other files "
                    "are read")


# ------------------------------------------------------------------ an archive damaged inside an access log
ROUTER_LOG = "must-gather/namespaces/openshift-ingress/pods/router-default-1/logs/logs/logs/current.log"


def _case_with_a_router_log(tmp_path: Path, mode: str) -> tuple[Path, bytes, int]:
    """The shop inspect, then a router access log of 3,000 generated lines (about 1 MB, most of the archive),
    as one tar (``mode``); the archive, the log's bytes and the byte of the tar where the log's data starts."""
    generate(3000, tmp_path / "current.log", seed=5)
    log = (tmp_path / "current.log").read_bytes()
    archive = tmp_path / f"case.tar{mode[1:].replace(':', '.')}"
    make_tar(INSPECT_SHOP, archive.with_suffix(".inner.tar"), "w")
    with tarfile.open(archive.with_suffix(".inner.tar")) as inner, tarfile.open(archive, mode) as tf:
        for info in inner.getmembers():
            tf.addfile(info, inner.extractfile(info) if info.isfile() else None)
        add_tar_bytes(tf, ROUTER_LOG, log)
    with tarfile.open(archive) as tf:
        return archive, log, tf.getmember(ROUTER_LOG).offset_data


def _cut_inside_the_log(archive: Path, mode: str, log: bytes, start: int) -> tuple[Path, int]:
    """The archive cut half-way through the log; the cut archive and how many bytes of the log it still holds."""
    packed = archive.read_bytes()
    cut = archive.with_name(f"cut-{archive.name}")
    if mode == "w":
        cut.write_bytes(packed[: start + len(log) // 2])
        return cut, len(log) // 2
    cut.write_bytes(packed[: len(packed) * 6 // 10])
    decompressor = zlib.decompressobj(31) if mode == "w:gz" else lzma.LZMADecompressor()
    held = len(decompressor.decompress(cut.read_bytes())) - start
    assert 0 < held < len(log)
    return cut, held


def _report(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"], ids=["tar", "tar.gz", "tar.xz"])
def test_an_archive_cut_inside_an_access_log_keeps_the_lines_before_the_cut_and_the_run_goes_on(tmp_path, mode):
    """The log's lines before the cut are analyzed, a skipped entry says the log was cut and at which of its
    bytes (within the member), the archive's own entry at which byte of the tar reading stopped (never past the
    end of a plain tar), and the other input is read: no internal error, exit 0."""
    archive, log, start = _case_with_a_router_log(tmp_path, mode)
    cut, held = _cut_inside_the_log(archive, mode, log, start)
    proc = run("analyze", str(cut), str(INSPECT_SHOP), "-f", "json", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr
    report = _report(tmp_path / "r.json")
    assert log[:held].count(b"\n") <= report["summary"]["log_lines"] <= log[:held].count(b"\n") + 1
    [entry] = [s for s in report["skipped"] if s["source"] == ROUTER_LOG]
    assert entry["reason"].startswith("access log cut: damaged stream: ") and entry["offset"] == held
    if mode == "w":
        assert entry["reason"].endswith(f"the archive ends at byte {held} of this member's {len(log)} bytes")
    [damage] = [s for s in report["skipped"] if s["source"] == str(cut)]
    assert damage["offset"] == start + held  # the byte of the (decompressed) tar where its bytes end
    assert damage["reason"].endswith(f"reading stopped at byte {start + held} of the tar")
    assert {(r["namespace"], r["name"]) for r in report["routes"]} >= {("shop", "frontend"), ("shop", "api")}


def test_mga_logs_and_batch_read_a_plain_tar_cut_inside_an_access_log_to_the_cut(tmp_path):
    """``mga logs`` counts the lines before the cut and names the byte where reading stopped; ``mga batch``
    writes the cut archive's report and goes on to the next input."""
    archive, log, start = _case_with_a_router_log(tmp_path, "w")
    cut, held = _cut_inside_the_log(archive, "w", log, start)
    proc = run("logs", str(cut), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["requests"] >= log[:held].count(b"\n") - 1  # the line cut in its middle may not parse
    [entry] = [s for s in stats["skipped"] if s["source"] == ROUTER_LOG]
    assert "access log cut: damaged stream" in entry["reason"]
    assert entry["reason"].endswith(f"(reading stopped at byte {held})")
    out = tmp_path / "out"
    proc = run("batch", str(cut), str(INSPECT_SHOP), "--engine", "local", "-f", "json", "-d", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((out / "index.json").read_text())["inputs"]
    assert [row["input"] for row in rows] == [str(cut), str(INSPECT_SHOP)]
    first = _report(Path(rows[0]["reports"]["json"]))
    assert first["summary"]["log_lines"]
    assert [s["offset"] for s in first["skipped"] if s["source"] == ROUTER_LOG] == [held]


@pytest.mark.parametrize("compression", ["stored", "deflated"])
def test_a_zip_access_log_failing_its_crc_keeps_its_lines_and_says_they_may_be_damaged(tmp_path, compression):
    """A CRC-32 is known once the member's last byte is read: the log's lines are all read and kept, and its
    skipped entry says it failed its check (its lines may be damaged); the run goes on, exit 0."""
    generate(3000, tmp_path / "current.log", seed=5)
    log = (tmp_path / "current.log").read_bytes()
    archive = tmp_path / "case.zip"
    method = zipfile.ZIP_STORED if compression == "stored" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(archive, "w", method) as zf:
        for path in sorted(INSPECT_SHOP.rglob("*")):
            if path.is_file():
                zf.write(path, f"inspect/{path.relative_to(INSPECT_SHOP).as_posix()}")
        zf.writestr(ROUTER_LOG, log)
    data = bytearray(archive.read_bytes())
    at = data.find(b"PK\x01\x02")  # the central directory's entries: the CRC-32 at +16, the name at +46
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != ROUTER_LOG.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 16] ^= 0xFF
    archive.write_bytes(bytes(data))
    proc = run("analyze", str(archive), "-f", "json", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    report = _report(tmp_path / "r.json")
    assert report["summary"]["log_lines"] == log.count(b"\n")
    [entry] = [s for s in report["skipped"] if s["source"] == ROUTER_LOG]
    assert "CRC-32" in entry["reason"] and "may be damaged" in entry["reason"] and entry["offset"] == len(log)


def _central_entry(data: bytes | bytearray, name: str) -> int:
    """Where ``name``'s entry of a zip's central directory starts (its name at +46, its length at +28)."""
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != name.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    return at


def _encrypted(data: bytearray, at: int) -> None:
    data[at + 8] |= 0x1  # the flag bit of an encrypted member


def _imploded(data: bytearray, at: int) -> None:
    data[at + 10:at + 12] = (6).to_bytes(2, "little")  # a compression method zipfile lacks


def _bad_local_header(data: bytearray, at: int) -> None:
    data[int.from_bytes(data[at + 42:at + 46], "little")] ^= 0xFF  # the member's own header's signature


@pytest.mark.parametrize(("damage", "why"), [
    (_encrypted, f"File {ROUTER_LOG!r} is encrypted, password required for extraction"),
    (_imploded, "That compression method is not supported"),
    (_bad_local_header, "Bad magic number for file header"),
], ids=["encrypted", "imploded", "bad-local-header"])
def test_a_zip_access_log_that_cannot_be_opened_is_skipped_and_the_other_logs_read(tmp_path, damage, why):
    """A router log zipfile cannot open (encrypted, a method it lacks, a damaged local header) is one unreadable
    file, in ``skipped`` with why: the other router log and the objects are read, exit 0 (it was an internal
    error, exit 2)."""
    generate(3000, tmp_path / "current.log", seed=5)
    log = (tmp_path / "current.log").read_bytes()
    other = ROUTER_LOG.replace("router-default-1", "router-default-2")
    archive = tmp_path / "case.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(INSPECT_SHOP.rglob("*")):
            if path.is_file():
                zf.write(path, f"inspect/{path.relative_to(INSPECT_SHOP).as_posix()}")
        zf.writestr(ROUTER_LOG, log)
        zf.writestr(other, log[: log.rfind(b"\n", 0, len(log) // 3) + 1])  # another router's log: a third of it
    data = bytearray(archive.read_bytes())
    damage(data, _central_entry(data, ROUTER_LOG))
    archive.write_bytes(bytes(data))
    proc = run("analyze", str(archive), "-f", "json", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    report = _report(tmp_path / "r.json")
    assert report["summary"]["log_lines"] == log[: len(log) // 3].count(b"\n")  # the other log's lines
    assert [s["reason"] for s in report["skipped"] if s["source"] == ROUTER_LOG] == [f"access log unreadable: {why}"]
    assert {(r["namespace"], r["name"]) for r in report["routes"]} >= {("shop", "frontend"), ("shop", "api")}
    proc = run("logs", str(archive), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    stats = json.loads(proc.stdout)
    assert [s["reason"] for s in stats["skipped"] if s["source"] == ROUTER_LOG] == [f"access log unreadable: {why}"]
