"""A truncated archive: one warning line on stderr naming the member where reading stopped, exit 0 while
something usable was read, exit 2 when nothing was."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.conftest import INSPECT_SHOP, make_tar

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
    import zipfile

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
