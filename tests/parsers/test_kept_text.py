"""Evidence lines are re-read by offset (or from a bounded compressed copy), never a wrong line.

A YAML dump of 1,500 routes (about 700 KB: several 64 KiB blocks) is loaded from every input shape;
every route's first line and ``targetPort`` line must come back exactly as splitting the original
bytes gives them. Then the input is changed, removed or has a link planted after loading: the
evidence is a note saying the line could not be re-read, never a traceback or another line.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from analyzer.evidence import object_evidence
from parsers import kept_text
from parsers.load_snapshot import load_snapshot

ROUTES = 1500


def _route(i: int) -> str:
    return (f"- apiVersion: route.openshift.io/v1\n  kind: Route\n  metadata:\n    name: r{i:04d}\n"
            f"    namespace: store\n  spec:\n    host: r{i:04d}.apps.example.org\n    port:\n"
            f"      targetPort: {8000 + i}\n    to:\n      kind: Service\n      name: svc{i:04d}\n"
            f"  status:\n    ingress:\n    - conditions:\n      - status: 'True'\n        type: Admitted\n"
            f"      routerName: default\n")


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kept") / "dump"
    root.mkdir()
    body = "apiVersion: v1\nitems:\n" + "".join(_route(i) for i in range(ROUTES)) + "kind: List\n"
    (root / "routes.yaml").write_text(body)
    return root


def _shape(dump: Path, tmp: Path, shape: str) -> Path:
    if shape == "directory":
        dest = tmp / "dir"
        shutil.copytree(dump, dest)
        return dest
    if shape == "file":
        return Path(shutil.copy(dump / "routes.yaml", tmp / "routes.yaml"))
    if shape == "zip":
        dest = tmp / "dump.zip"
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(dump / "routes.yaml", "dump/routes.yaml")
        return dest
    mode, ext = {"tar": ("w", "tar"), "tar.gz": ("w:gz", "tar.gz"), "tar.xz": ("w:xz", "tar.xz")}[shape]
    dest = tmp / f"dump.{ext}"
    with tarfile.open(dest, mode) as tf:
        tf.add(dump / "routes.yaml", "dump/routes.yaml")
    return dest


SHAPES = ["directory", "file", "zip", "tar", "tar.gz", "tar.xz"]


def _reference(dump: Path) -> list[str]:
    return (dump / "routes.yaml").read_bytes().decode().split("\n")


@pytest.mark.parametrize("shape", SHAPES)
def test_every_cited_line_comes_back_exactly(dump, tmp_path, shape):
    path = _shape(dump, tmp_path, shape)
    snap = load_snapshot([str(path)], want_logs=False)
    routes = snap.frame("routes")
    assert len(routes) == ROUTES
    lines = _reference(dump)
    for _, row in routes.iterrows():
        start = int(row["line"])
        assert snap.source_line(row["input"], row["source"], start) == lines[start - 1]
        line, text = snap.find_line(row["input"], row["source"], start, "targetPort")
        assert lines[line - 1].strip() == text == f"targetPort: {8000 + int(row['name'][1:])}"
    source = routes.iloc[0]["source"]
    assert snap.source_line(routes.iloc[0]["input"], source, len(lines)) == ""  # after the last newline
    assert snap.source_line(routes.iloc[0]["input"], source, len(lines) + 1) is None
    whole = snap.texts.get((routes.iloc[0]["input"], source))
    assert whole == (dump / "routes.yaml").read_bytes()


def _first_route(snap):
    return snap.frame("routes").sort_values("name").iloc[0]  # the first block of the file


def _last_route(snap):
    """The last route: the file's last block, which :func:`_first_route`'s quote did not read (the
    blocks read lately are reused within a run: they were checked when read)."""
    return snap.frame("routes").sort_values("name").iloc[-1]


def _note(snap, row) -> str:
    return object_evidence(snap, row, "targetPort").text


@pytest.mark.parametrize("shape", ["directory", "file", "zip", "tar"])
def test_a_file_removed_after_loading_gives_a_note(dump, tmp_path, shape):
    path = _shape(dump, tmp_path, shape)
    snap = load_snapshot([str(path)], want_logs=False)
    assert _note(snap, _first_route(snap)) == "targetPort: 8000"
    row = _last_route(snap)
    if path.is_dir():
        (path / "routes.yaml").unlink()
    else:
        path.unlink()
    note = _note(snap, row)
    assert note.startswith(f"(line {int(row['line'])} could not be re-read: ") and "gone" in note
    assert snap.source_line(row["input"], row["source"], int(row["line"])) == note


@pytest.mark.parametrize("shape", ["directory", "file", "zip", "tar"])
def test_a_file_changed_after_loading_gives_a_note_not_another_line(dump, tmp_path, shape):
    path = _shape(dump, tmp_path, shape)
    snap = load_snapshot([str(path)], want_logs=False)
    assert _note(snap, _first_route(snap)) == "targetPort: 8000"
    row = _last_route(snap)
    target = path / "routes.yaml" if path.is_dir() else path
    before = os.stat(target)
    data = bytearray(target.read_bytes())
    at = data.rfind(b"targetPort: 9499") if shape != "zip" else len(data) - 30  # a zip: its directory
    data[at:at + 4] = b"XXXX"  # same size
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    note = _note(snap, row)
    assert note.startswith(f"(line {int(row['line'])} could not be re-read: "), note
    assert "XXXX" not in note


def test_a_changed_block_is_caught_by_its_checksum(dump, tmp_path):
    """Same inode, size and time: only the block's CRC can tell, and does."""
    path = _shape(dump, tmp_path, "directory")
    snap = load_snapshot([str(path)], want_logs=False)
    assert _note(snap, _first_route(snap)) == "targetPort: 8000"
    row = _last_route(snap)
    target = path / "routes.yaml"
    before = os.stat(target)
    with open(target, "r+b") as fh:
        data = fh.read()
        fh.seek(data.rfind(b"targetPort: 9499"))
        fh.write(b"targetPort: 6666")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(target).st_ino == before.st_ino
    assert _note(snap, row) == f"(line {int(row['line'])} could not be re-read: the file changed after loading)"


def test_a_link_planted_in_a_directory_input_is_not_followed(dump, tmp_path):
    path = _shape(dump, tmp_path, "directory")
    nested = path / "store"
    nested.mkdir()
    shutil.move(str(path / "routes.yaml"), nested / "routes.yaml")
    snap = load_snapshot([str(path)], want_logs=False)
    assert _note(snap, _first_route(snap)) == "targetPort: 8000"
    row = _last_route(snap)
    assert row["source"] == "store/routes.yaml"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(nested, elsewhere)  # the same bytes, outside the input
    shutil.rmtree(nested)
    nested.symlink_to(elsewhere)  # the directory on the way is now a link
    assert "could not be re-read: a link is now in its place" in _note(snap, row)
    nested.unlink()
    nested.mkdir()
    (nested / "routes.yaml").symlink_to(elsewhere / "routes.yaml")  # the file itself is a link
    assert "could not be re-read: a link is now in its place" in _note(snap, row)


def test_kept_bytes_are_an_index_for_random_access_inputs(dump, tmp_path):
    size = (dump / "routes.yaml").stat().st_size
    for shape in ("directory", "file", "zip", "tar"):
        (tmp_path / shape).mkdir()
        snap = load_snapshot([str(_shape(dump, tmp_path / shape, shape))], want_logs=False)
        assert len(snap.texts) == 1
        assert 0 < snap.texts.kept_bytes <= 20 * (size // kept_text.BLOCK + 2)  # 20 bytes a block
        assert snap.texts.packed_bytes == 0


def test_compressed_streams_keep_a_bounded_copy(dump, tmp_path, monkeypatch):
    size = (dump / "routes.yaml").stat().st_size
    snap = load_snapshot([str(_shape(dump, tmp_path, "tar.gz"))], want_logs=False)
    assert 0 < snap.texts.packed_bytes < size / 4  # zlib level 1 of YAML
    assert snap.texts.kept_bytes < size / 4
    monkeypatch.setattr(kept_text, "PACKED_CAP", snap.texts.packed_bytes // 2)
    capped = load_snapshot([str(_shape(dump, tmp_path, "tar.xz"))], want_logs=False)
    assert capped.texts.packed_bytes == 0
    assert capped.texts.kept_bytes <= 20 * (size // kept_text.BLOCK + 2)
    row = _last_route(capped)
    note = _note(capped, row)
    assert note.startswith(f"(line {int(row['line'])} could not be re-read: not kept: the run's limit of ")


def test_blocks_read_lately_are_reused_and_bounded(dump, tmp_path, monkeypatch):
    """Quotes of one file one after another reuse its checked blocks; at most RECENT are held."""
    monkeypatch.setattr(kept_text, "RECENT", 3)
    snap = load_snapshot([str(_shape(dump, tmp_path, "directory"))], want_logs=False)
    index_only = snap.texts.kept_bytes
    routes = snap.frame("routes")
    for _, row in routes.iterrows():
        object_evidence(snap, row, "targetPort")
    blocks = (dump / "routes.yaml").stat().st_size // kept_text.BLOCK + 1
    assert blocks > kept_text.RECENT
    assert index_only < snap.texts.kept_bytes <= index_only + kept_text.RECENT * (kept_text.BLOCK + 1024)
    (tmp_path / "dir" / "routes.yaml").unlink()  # the blocks read last still quote their lines
    assert object_evidence(snap, routes.iloc[-1], "targetPort").text == "targetPort: 9499"
