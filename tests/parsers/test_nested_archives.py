"""An archive inside an input (a portal's zip holding the must-gather, a directory or a tar holding one) is read
in place, one level deep, guarded against bombs; inputs are told by their magic bytes, not their names."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from parsers.byte_budget import ByteBudget
from parsers.inputs import open_input
from parsers.layout import index_input
from parsers.load_snapshot import load_snapshot
from parsers.sources import InputError
from tests.conftest import FIXTURES, INSPECT_SHOP, MGC, add_tar_bytes, make_tar, realworld

SCENARIO = FIXTURES / "scenarios" / "R101-fires-sharded-away"


def _routes(snap) -> set[tuple[str, str]]:
    routes = snap.frames["routes"]
    return set(zip(routes["namespace"], routes["name"], strict=True))


def _zip(dest: Path, members: dict[str, bytes | Path], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(dest, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data.read_bytes() if isinstance(data, Path) else data)
    return dest


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_real_must_gather_inside_a_portal_zip_is_read_in_place(tmp_path):
    archive = realworld(*MGC.relative_to(MGC.parents[2]).parts, "must-gather-aws.tar.xz")
    outer = _zip(tmp_path / "case-04012345.zip", {"must-gather.tar.xz": archive, "README.txt": b"case notes\n"})
    before = _files(tmp_path)
    direct = load_snapshot([str(archive)], want_logs=False)
    snap = load_snapshot([str(outer)], want_logs=False)
    assert _routes(snap) == _routes(direct) and len(_routes(snap)) == 8
    [inner] = [r for r in snap.inputs if r.path == f"{outer}:must-gather.tar.xz"]
    assert inner.kind == "must-gather" and inner.files_read == direct.inputs[0].files_read
    assert _files(tmp_path) == before  # nothing extracted or written next to the input


def test_the_real_archive_under_a_wrong_name_is_read_by_its_bytes(tmp_path):
    archive = realworld(*MGC.relative_to(MGC.parents[2]).parts, "must-gather-aws.tar.xz")
    misnamed = tmp_path / "must-gather.zip"
    shutil.copyfile(archive, misnamed)
    assert len(_routes(load_snapshot([str(misnamed)], want_logs=False))) == 8
    for name in ("must-gather.tar.gz", "must-gather.tgz", "must-gather"):
        with open_input(misnamed.rename(tmp_path / name)) as src:
            assert index_input(src).kind == "must-gather", name
        misnamed = tmp_path / name


@pytest.mark.parametrize(("name", "build"), [
    ("inspect.tar.gz", lambda p: _zip(p, {"x.yaml": b"kind: List\n"})),  # a zip named .tar.gz
    ("inspect.tgz", lambda p: make_tar(INSPECT_SHOP, p, "w")),  # a plain tar named .tgz
    ("inspect.zip", lambda p: make_tar(INSPECT_SHOP, p, "w:bz2")),  # a bzip2 tar named .zip
])
def test_small_archives_under_wrong_names_open_by_magic(tmp_path, name, build):
    src = open_input(build(tmp_path / name))
    assert src.members
    src.close()


def test_a_zstd_input_says_it_cannot_be_read_and_how(tmp_path):
    path = tmp_path / "must-gather.tar.gz"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + os.urandom(64))
    with pytest.raises(InputError, match=r"zstd-compressed.*zstd -d"):
        open_input(path)


def test_a_directory_holding_a_must_gather_next_to_other_files(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    make_tar(INSPECT_SHOP, case / "must-gather.tar.gz")
    (case / "notes.md").write_text("# what the customer said\n")
    snap = load_snapshot([str(case)], want_logs=False)
    assert ("shop", "frontend") in _routes(snap)
    assert f"{case}/must-gather.tar.gz" in [r.path for r in snap.inputs]
    outer = next(r for r in snap.inputs if r.path == str(case))
    # the archive is read (as an input of its own), the notes not needed: every file seen is read or skipped
    assert (outer.files_seen, outer.files_read, outer.files_skipped) == (2, 1, 1)


def test_a_tar_holding_a_tar_gz_and_a_zip_holding_a_zip(tmp_path):
    inner = make_tar(INSPECT_SHOP, tmp_path / "inner.tar.gz").read_bytes()
    outer = tmp_path / "outer.tar"
    with tarfile.open(outer, "w") as tf:
        add_tar_bytes(tf, "upload/must-gather.tar.gz", inner)
    assert ("shop", "frontend") in _routes(load_snapshot([str(outer)], want_logs=False))
    inner_zip = _zip(tmp_path / "inner.zip", {f"inspect/{p.relative_to(INSPECT_SHOP)}": p
                                               for p in INSPECT_SHOP.rglob("*") if p.is_file()})
    outer_zip = _zip(tmp_path / "outer.zip", {"inspect.zip": inner_zip}, zipfile.ZIP_DEFLATED)
    assert ("shop", "frontend") in _routes(load_snapshot([str(outer_zip)], want_logs=False))


def test_one_level_of_nesting_at_most(tmp_path):
    inner = make_tar(INSPECT_SHOP, tmp_path / "must-gather.tar.gz").read_bytes()
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.writestr("must-gather.tar.gz", inner)
    outer = _zip(tmp_path / "case.zip", {"attachments.zip": middle.getvalue()})
    snap = load_snapshot([str(outer)], want_logs=False)
    assert not _routes(snap)
    [reason] = [r for s, r, *_ in snap.skipped if s == "must-gather.tar.gz"]
    assert "one level of nesting is read at most" in reason
    assert "pass it directly as an input of its own: must-gather.tar.gz" in reason


@pytest.mark.parametrize("kept", [20, 900])  # too little to decompress; a tar header, then nothing
def test_a_damaged_archive_inside_is_recorded_with_the_way_to_read_it(tmp_path, kept):
    inner = make_tar(INSPECT_SHOP, tmp_path / "must-gather.tar.gz").read_bytes()
    outer = _zip(tmp_path / "case.zip", {"must-gather.tar.gz": inner[:kept]})
    snap = load_snapshot([str(outer)], want_logs=False)
    [reason] = [r for s, r, *_ in snap.skipped if s == "must-gather.tar.gz"]
    assert reason.startswith("holds an archive must-gather.tar.gz inside that cannot be read")
    assert reason.endswith("pass it directly as an input of its own: must-gather.tar.gz")


def test_a_truncated_archive_inside_keeps_what_was_read_and_says_where_it_stopped(tmp_path):
    inner = make_tar(INSPECT_SHOP, tmp_path / "must-gather.tar.gz").read_bytes()
    outer = _zip(tmp_path / "case.zip", {"must-gather.tar.gz": inner[: len(inner) * 3 // 4]})
    snap = load_snapshot([str(outer)], want_logs=False)
    [record] = [r for r in snap.inputs if r.path == f"{outer}:must-gather.tar.gz"]
    assert record.damaged and "archive damaged after" in record.damaged


def test_a_bomb_inside_a_zip_is_refused_before_it_is_read(tmp_path):
    from parsers.nested import open_nested

    bomb = io.BytesIO()
    with tarfile.open(fileobj=bomb, mode="w") as tf:
        info = tarfile.TarInfo("zeros")
        info.size = 70 << 20
        tf.addfile(info, io.BytesIO(bytes(info.size)))
    outer = _zip(tmp_path / "case.zip", {"must-gather.tar": bomb.getvalue()}, zipfile.ZIP_DEFLATED)
    src = open_input(outer)
    opened, names = open_nested(src, index_input(src), ByteBudget(), None)
    assert not opened and not names
    [skip] = src.skipped
    assert "a decompression bomb" in skip.reason and skip.source == "must-gather.tar"
    src.close()


def test_a_link_named_like_an_archive_is_not_followed(tmp_path):
    inner = make_tar(INSPECT_SHOP, tmp_path / "real.tar.gz")
    outer = tmp_path / "case.tar"
    with tarfile.open(outer, "w") as tf:
        link = tarfile.TarInfo("must-gather.tar.gz")
        link.type, link.linkname = tarfile.SYMTYPE, str(inner)
        tf.addfile(link)
    snap = load_snapshot([str(outer)], want_logs=False)
    assert not _routes(snap)
    assert any(s == "must-gather.tar.gz" and "not followed" in r for s, r, *_ in snap.skipped)


def test_access_logs_inside_a_nested_must_gather_are_read_and_rotated_gz_ones_stream(tmp_path):
    [current] = SCENARIO.rglob("openshift-ingress/pods/*/logs/logs/logs/current.log")
    rotated = current.parent / "rotated" / "0.log.20240101-000000.gz"
    inner = tmp_path / "must-gather.tar.gz"
    with tarfile.open(inner, "w:gz") as tf:
        for path in SCENARIO.rglob("*"):
            if path.is_file():
                tf.add(path, arcname=str(path.relative_to(SCENARIO)))
        # the same requests in reverse order: another log (a byte-for-byte twin is read once, log_duplicates)
        older = b"\n".join(reversed(current.read_bytes().splitlines())) + b"\n"
        add_tar_bytes(tf, str(rotated.relative_to(SCENARIO)), gzip.compress(older))
    outer = _zip(tmp_path / "case.zip", {"must-gather.tar.gz": inner, "router.log.gz": gzip.compress(b"x\n")})
    snap = load_snapshot([str(outer)])
    read = {(a["input"], a["source"].rsplit("/", 1)[-1]): a["requests"] for a in snap.log_accounting}
    label = f"{outer}:must-gather.tar.gz"
    assert read[(label, "current.log")] > 0
    assert read[(label, rotated.name)] == read[(label, "current.log")]
    assert (str(outer), "router.log.gz") in read  # a loose gzipped log of the outer input stays a log
