"""Every input shape opens as members, read in place; unsafe members are skipped and recorded."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import random
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from parsers.archive_sources import TarSource, ZipSource
from parsers.inputs import open_input
from parsers.log_chunks import open_log_member
from parsers.log_stream import LogStreamCut
from parsers.sources import DirectorySource, InputError
from tests.conftest import INSPECT_SHOP, add_tar_bytes, make_tar, make_zip

ROUTES = "inspect.local.5421342344627712289/namespaces/shop/route.openshift.io/routes.yaml"


def _names(src) -> set[str]:
    return {m.name for m in src.members}


def test_directory_lists_regular_files_relative_to_the_input():
    src = open_input(INSPECT_SHOP)
    assert isinstance(src, DirectorySource)
    assert "namespaces/shop/route.openshift.io/routes.yaml" in _names(src)
    assert "timestamp" in _names(src)
    member = next(m for m in src.members if m.name == "namespaces/shop/shop.yaml")
    assert src.read(member).startswith(b"---\napiVersion: v1\nkind: Namespace")


@pytest.mark.parametrize(("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                               (".tar.xz", "w:xz"), (".tar.bz2", "w:bz2")])
def test_tar_archives_of_every_compression_read_the_same_bytes(tmp_path, suffix, mode):
    archive = make_tar(INSPECT_SHOP, tmp_path / f"inspect{suffix}", mode)
    src = open_input(archive)
    assert isinstance(src, TarSource)
    assert ROUTES in _names(src)
    member = next(m for m in src.members if m.name == ROUTES)
    expected = (INSPECT_SHOP / "namespaces/shop/route.openshift.io/routes.yaml").read_bytes()
    assert src.read(member) == expected


def test_zip_archive(tmp_path):
    src = open_input(make_zip(INSPECT_SHOP, tmp_path / "inspect.zip"))
    assert isinstance(src, ZipSource)
    member = next(m for m in src.members if m.name == ROUTES)
    assert b"kind: RouteList" in src.read(member)


def test_read_many_follows_archive_order_and_returns_every_member(tmp_path):
    src = open_input(make_tar(INSPECT_SHOP, tmp_path / "i.tar.xz", "w:xz"))
    got = list(src.read_many(reversed(src.members)))
    assert [m.order for m, _, _, _ in got] == sorted(m.order for m in src.members)
    assert all(err is None and data is not None for _, data, err, _ in got)


def test_unsafe_tar_members_are_skipped_and_the_rest_still_read(tmp_path):
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_tar_bytes(tf, "mg/namespaces/a/core/pods.yaml", b"kind: PodList\nitems: []\n")
        add_tar_bytes(tf, "../escape.yaml", b"x: 1\n")
        add_tar_bytes(tf, "/etc/cron.d/evil", b"x: 1\n")
        link = tarfile.TarInfo("mg/namespaces/a/core/link.yaml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
        hard = tarfile.TarInfo("mg/namespaces/a/core/hard.yaml")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "/etc/passwd"
        tf.addfile(hard)
    src = open_input(path)
    assert _names(src) == {"mg/namespaces/a/core/pods.yaml"}
    reasons = {s.source: s.reason for s in src.skipped}
    assert "unsafe member name" in reasons["../escape.yaml"]
    assert "unsafe member name" in reasons["/etc/cron.d/evil"]
    assert reasons["mg/namespaces/a/core/link.yaml"].startswith("symbolic link")
    assert reasons["mg/namespaces/a/core/hard.yaml"].startswith("hard link")
    assert not (tmp_path / "escape.yaml").exists()


def test_zip_symlink_member_is_skipped(tmp_path):
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mg/namespaces/a/a.yaml", "kind: Namespace\n")
        info = zipfile.ZipInfo("mg/namespaces/a/core/evil.yaml")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
        zf.writestr("../../outside.yaml", "x: 1\n")
    src = open_input(path)
    assert _names(src) == {"mg/namespaces/a/a.yaml"}
    assert {s.source for s in src.skipped} == {"mg/namespaces/a/core/evil.yaml", "../../outside.yaml"}


def test_directory_symlinks_are_not_followed(tmp_path):
    (tmp_path / "in" / "namespaces" / "a").mkdir(parents=True)
    (tmp_path / "in" / "namespaces" / "a" / "a.yaml").write_text("kind: Namespace\n")
    os.symlink("/etc/passwd", tmp_path / "in" / "namespaces" / "a" / "passwd.yaml")
    os.symlink("/etc", tmp_path / "in" / "etc")
    src = open_input(tmp_path / "in")
    assert _names(src) == {"namespaces/a/a.yaml"}
    assert {s.source for s in src.skipped} == {"namespaces/a/passwd.yaml", "etc"}


def test_truncated_archive_keeps_what_was_readable(tmp_path):
    whole = make_tar(INSPECT_SHOP, tmp_path / "whole.tar", "w")
    data = whole.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(gzip.compress(data)[: len(gzip.compress(data)) * 2 // 3])
    src = open_input(cut)
    assert src.damaged and "damaged" in src.damaged
    assert 0 < len(src.members) < len(open_input(whole).members)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.tar.gz", "empty file"),
        (os.urandom(4096), "random.tar.gz", "not a directory, archive"),
        (b"\x1f\x8b\x08\x00" + os.urandom(64), "broken.tar.gz", "cannot read archive"),
    ],
    ids=["empty", "random", "broken-gzip"],  # random bytes: ids of their own, the same in every process
)
def test_unreadable_inputs_raise_one_line_errors(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content if content or name != "random.tar.gz" else b"\x00")
    with pytest.raises(InputError) as err:
        open_input(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        open_input(tmp_path / "nope")


def test_single_yaml_and_gzipped_log_files(tmp_path):
    doc = tmp_path / "routes.yaml"
    doc.write_text("kind: Route\n")
    src = open_input(doc)
    assert [m.name for m in src.members] == ["routes.yaml"]
    log = tmp_path / "access.log.gz"
    log.write_bytes(gzip.compress(b"line one\nline two\n"))
    src = open_input(log)
    assert [m.name for m in src.members] == ["access.log"]
    assert src.read(src.members[0]) == b"line one\nline two\n"


def test_member_over_the_cap_is_reported_not_read(tmp_path):
    path = tmp_path / "big.tar"
    with tarfile.open(path, "w") as tf:
        add_tar_bytes(tf, "mg/namespaces/a/core/events.yaml", b"x" * 4096)
    src = open_input(path)
    src.member_cap = 1024
    [(_member, data, reason, _offset)] = list(src.read_many(src.members))
    assert data is None and "cap" in reason


def test_zip_member_lying_about_its_size_is_cut_at_the_cap(tmp_path):
    path = tmp_path / "lie.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.log", b"y" * 100_000)
    src = open_input(path)
    src.member_cap = 10_000
    object.__setattr__(src.members[0], "size", 10)  # a forged header
    [(_member, data, reason, _offset)] = list(src.read_many(src.members))
    assert data is None and reason is not None


def test_stream_reading_a_member(tmp_path):
    path = tmp_path / "s.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_tar_bytes(tf, "x/logs/current.log", b"a\nb\nc\n")
    src = open_input(path)
    with src.open(src.members[0]) as fh:
        assert isinstance(fh, io.BufferedReader)
        assert fh.read().splitlines() == [b"a", b"b", b"c"]


def test_input_label_is_the_path_as_given():
    src = open_input(str(INSPECT_SHOP))
    assert src.label == str(INSPECT_SHOP)
    assert Path(src.label).name.startswith("inspect.local.")


def test_directory_members_come_depth_first_in_name_order_and_links_are_skipped(tmp_path):
    root = tmp_path / "mg"
    (root / "b" / "inner").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "outside").mkdir()
    for rel in ("z.yaml", "b/1.yaml", "b/inner/2.yaml", "a/3.yaml"):
        (root / rel).write_text("kind: List\n")
    os.symlink(root / "outside", root / "b" / "to-dir")
    os.symlink(root / "z.yaml", root / "b" / "to-file")
    os.symlink(root / "nowhere", root / "b" / "broken")
    os.mkfifo(root / "a" / "pipe")
    src = open_input(root)
    assert [m.name for m in src.members] == ["z.yaml", "a/3.yaml", "b/1.yaml", "b/inner/2.yaml"]
    assert [m.order for m in src.members] == [0, 1, 2, 3]
    assert {(s.source, s.reason) for s in src.skipped} == {
        ("a/pipe", "not a regular file"),
        ("b/broken", "symbolic link; not followed"),
        ("b/to-dir", "symbolic link to a directory; not followed"),
        ("b/to-file", "symbolic link; not followed"),
    }
    assert "outside" not in {m.name.split("/")[0] for m in src.members if m.name.startswith("b/")}


def test_a_directory_that_cannot_be_listed_is_skipped_and_the_rest_listed(tmp_path, monkeypatch):
    root = tmp_path / "mg"
    (root / "locked").mkdir(parents=True)
    (root / "open").mkdir()
    (root / "locked" / "x.yaml").write_text("kind: List\n")
    (root / "open" / "y.yaml").write_text("kind: List\n")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    src = open_input(root)
    assert [m.name for m in src.members] == ["open/y.yaml"]
    [entry] = src.skipped
    assert entry.source == "locked" and entry.reason.startswith("directory not listed: ")


# ------------------------------------------------------------------ members cut or failing their check
LOG_MEMBER = "mg/namespaces/openshift-ingress/pods/router-1/logs/logs/logs/current.log"


def _log_bytes(lines: int = 12_000) -> bytes:
    """Lines that compress little (random hex): a compressed archive cut half-way is cut inside them."""
    rng = random.Random(11)
    return b"".join(b"%06d %s\n" % (i, rng.randbytes(16).hex().encode()) for i in range(lines))


def _log_tar(path: Path, mode: str, log: bytes) -> int:
    """A tar of an object file, the log, another object file; the log's data offset in the tar."""
    with tarfile.open(path, mode) as tf:
        add_tar_bytes(tf, "mg/namespaces/shop/core/services.yaml", b"kind: ServiceList\nitems: []\n")
        add_tar_bytes(tf, LOG_MEMBER, log)
        add_tar_bytes(tf, "mg/namespaces/shop/core/pods.yaml", b"kind: PodList\nitems: []\n")
    with tarfile.open(path) as tf:
        return tf.getmember(LOG_MEMBER).offset_data


def _read_log(src, name: str = LOG_MEMBER) -> tuple[bytes, object]:
    """The log member's bytes as the log readers stream them, and the cut they ended on (None: whole)."""
    member = next(m for m in src.members if m.name == name)
    got = bytearray()
    try:
        with open_log_member(src, member) as stream:
            while chunk := stream.read(64 << 10):
                got += chunk
    except LogStreamCut as cut:
        return bytes(got), cut
    return bytes(got), None


def _decompressed_prefix(data: bytes, mode: str) -> bytes:
    """What a decompressor can give of a cut stream: everything before the cut."""
    if mode == "w":
        return data
    return (zlib.decompressobj(31) if mode == "w:gz" else lzma.LZMADecompressor()).decompress(data)


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"])
def test_a_log_member_of_a_cut_tar_hands_out_every_byte_before_the_cut_and_says_where_in_it(tmp_path, mode):
    """A tar cut inside an access log: the log's lines before the cut are read, and the cut's offset is the
    member's byte where reading stopped (as for a ``.gz`` log cut on its own), not 0 and not a crash; the
    listing's, the byte of the tar where its bytes end."""
    log = _log_bytes()
    whole = tmp_path / f"whole.tar{mode[1:].replace(':', '.')}"
    start = _log_tar(whole, mode, log)
    packed = whole.read_bytes()
    cut_path = tmp_path / f"cut{whole.name[5:]}"
    cut_path.write_bytes(packed[: start + len(log) // 2] if mode == "w" else packed[: len(packed) // 2])
    reachable = _decompressed_prefix(cut_path.read_bytes(), mode)[start:start + len(log)]
    assert 0 < len(reachable) < len(log)
    src = open_input(cut_path)
    got, cut = _read_log(src)
    assert got == reachable  # every byte the archive holds of the member, none lost with the block it failed in
    assert cut is not None and cut.offset == len(got)
    assert "damaged stream" in cut.reason
    assert src.damaged_offset == start + len(got)  # the listing says the byte of the tar where its bytes end
    src.close()


def test_a_plain_tar_cut_inside_a_member_says_the_listing_stopped_at_the_files_end(tmp_path):
    """The listing's damage offset is where the bytes ran out, not the end the member's header declared (which
    lies past the end of the file); the object file cut there is skipped with its own byte where reading
    stopped, counted within the member, as a log's is."""
    whole = tmp_path / "whole.tar"
    with tarfile.open(whole, "w") as tf:
        add_tar_bytes(tf, "mg/namespaces/shop/core/services.yaml", b"kind: ServiceList\nitems: []\n")
        add_tar_bytes(tf, "mg/namespaces/shop/core/pods.yaml", b"kind: PodList\nitems:\n" + b"- {}\n" * 20_000)
        add_tar_bytes(tf, "mg/namespaces/shop/core/events.yaml", b"kind: EventList\nitems: []\n")
    with tarfile.open(whole) as tf:
        start = tf.getmember("mg/namespaces/shop/core/pods.yaml").offset_data
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[: start + 50_000])
    src = open_input(cut)
    assert [m.name for m in src.members][-1] == "mg/namespaces/shop/core/pods.yaml"
    assert src.damaged_offset == start + 50_000 == cut.stat().st_size
    assert src.damaged.endswith(f"reading stopped at byte {start + 50_000} of the tar")
    [(_member, data, reason, offset)] = list(src.read_many(src.members[-1:]))
    assert data is None and offset == 50_000
    assert reason.startswith("unreadable: unexpected end of data") and "50000" in reason


def _zip_with_bad_crc_recorded(path: Path, members: dict[str, bytes], bad: str, compression: int) -> None:
    """A zip whose central directory records a wrong CRC-32 for ``bad`` (its bytes are intact)."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len].decode() == bad:
            data[at + 16] ^= 0xFF
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_zip_log_member_failing_its_crc_keeps_its_lines_and_says_they_may_be_damaged(tmp_path, compression):
    """A CRC is known at the member's end only: its bytes were all read, so its lines are kept, and the cut says
    the member failed its check (its lines may be damaged). An object file failing its check is not kept."""
    log = _log_bytes()
    path = tmp_path / "case.zip"
    members = {"mg/namespaces/shop/core/services.yaml": b"kind: ServiceList\nitems: []\n", LOG_MEMBER: log}
    _zip_with_bad_crc_recorded(path, members, LOG_MEMBER, compression)
    src = open_input(path)
    got, cut = _read_log(src)
    assert got == log
    assert cut is not None and cut.offset == len(log)
    assert "CRC-32" in cut.reason and "may be damaged" in cut.reason
    [(_member, data, reason, _offset)] = list(src.read_many([m for m in src.members if m.name == LOG_MEMBER]))
    assert data is None and reason == f"unreadable: Bad CRC-32 for file {LOG_MEMBER!r}"
    services = next(m for m in src.members if m.name.endswith("services.yaml"))
    assert src.read(services) == members["mg/namespaces/shop/core/services.yaml"]
    src.close()
