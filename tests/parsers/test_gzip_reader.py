"""``.tar.gz`` inputs decompressed by ISA-L (``parsers.gzip_reader``), and a damaged one listed as the
standard library lists it."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
from pathlib import Path

import pytest

from parsers import archive_sources, gzip_reader, sources
from parsers.archive_sources import TarSource

pytestmark = pytest.mark.skipif(not gzip_reader.FAST, reason="isal is not installed: .tar.gz is read by gzip")


def _tar_gz(path: Path, members: int = 400, size: int = 3000) -> bytes:
    """A .tar.gz of ``members`` files of random text (little compression: a block holds a few members)."""
    rng = random.Random(7)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for i in range(members):
            data = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz\n") for _ in range(size)).encode()
            info = tarfile.TarInfo(f"must-gather/namespaces/ns-{i:03d}/pods.yaml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue(), compresslevel=1)
    path.write_bytes(packed)
    return packed


def _listing(src: TarSource) -> tuple[list[tuple[str, int]], str | None]:
    return [(m.name, m.size) for m in src.members], src.damaged


def test_a_tar_gz_is_read_by_the_fast_reader_with_the_standard_librarys_bytes(tmp_path, monkeypatch):
    path = tmp_path / "case.tar.gz"
    _tar_gz(path)
    fast = TarSource(path)
    assert isinstance(fast._gz, gzip_reader._Reader) and fast._gz is not None
    got = {m.name: fast.read(m) for m in fast.members}
    fast.close()
    monkeypatch.setattr(archive_sources, "gzip_reader", lambda p: gzip.GzipFile(filename=p, mode="rb"))
    slow = TarSource(path)
    assert _listing(slow) == _listing(TarSource(path)) and len(slow.members) == 400
    assert got == {m.name: slow.read(m) for m in slow.members} and fast.damaged is None


def _fast_listing_only(path: Path) -> TarSource:
    """The archive listed by the fast reader alone, as before a damaged stream was listed again."""
    src = TarSource.__new__(TarSource)
    sources.InputSource.__init__(src, path)
    src._stored, src._stream_error, src._listed, src._listed_size = path.stat().st_size, False, {}, 0
    src._holder, src._read_whole = src.budget, archive_sources._object_file
    src._open(path, fast=True)
    src._list()
    return src


def test_a_cut_tar_gz_lists_every_member_the_standard_library_reaches(tmp_path, monkeypatch):
    """The fast reader hands out nothing of the block it failed in (here 2 members less); the stream is
    listed again by the standard library's reader: every member before the damage, and the damage said."""
    path = tmp_path / "case.tar.gz"
    packed = _tar_gz(path)
    path.write_bytes(packed[: len(packed) // 2])
    got = TarSource(path)
    assert got.damaged and got.damaged.startswith("archive damaged after 200 members")
    assert len(_fast_listing_only(path).members) < len(got.members)
    monkeypatch.setattr(archive_sources, "gzip_reader", lambda p: gzip.GzipFile(filename=p, mode="rb"))
    expected = TarSource(path)
    assert _listing(got) == _listing(expected)
    assert all(got.read(m) == expected.read(m) for m in got.members[-5:-1])
    [(_, data, reason, _)] = list(got.read_many(got.members[-1:]))  # its header listed, its bytes cut
    assert data is None and reason.startswith("unreadable: Compressed file ended")


@pytest.mark.parametrize(("compressed", "damage", "listed", "what"), [
    (True, "garbage", 267, "holds a block that is not a tar header"),
    (True, "zeros", 200, "holds a block that is not a tar header"),
    (False, "bad header", 5, "holds a block that is not a tar header"),
    (False, "cut at a header", 10, "ends without its end-of-archive block"),
])
def test_a_tar_damaged_in_its_middle_says_where_listing_stopped(tmp_path, compressed, damage, listed, what):
    """``tarfile`` takes a header it cannot read for the archive's end: listing stopped there without a
    word, as if the archive held its first members only. Now the stop is a damage, with its offset."""
    path = tmp_path / ("case.tar.gz" if compressed else "case.tar")
    packed = _tar_gz(path)
    raw = gzip.decompress(packed)
    member = 3584  # a header block and 3,000 bytes of data, padded
    data = {
        "garbage": packed[: len(packed) * 2 // 3] + bytes(range(256)) * 2 + packed[len(packed) * 2 // 3 + 512:],
        "zeros": packed[: len(packed) // 2] + bytes(4096) + packed[len(packed) // 2 + 4096:],
        "bad header": raw[: member * 5] + b"x" * 512 + raw[member * 5 + 512:],
        "cut at a header": raw[: member * 10],
    }[damage]
    path.write_bytes(data)
    src = TarSource(path)
    assert len(src.members) == listed
    assert src.members[-1].name == f"must-gather/namespaces/ns-{listed - 1:03d}/pods.yaml"
    assert src.damaged == (f"archive damaged after {listed} members: at byte {src.damaged_offset} of the tar after "
                           f"member {src.members[-1].name} it {what}; the members after it, if any, were not listed")
    if not compressed:
        assert src.damaged_offset == member * listed
    whole = tmp_path / "whole.tar"
    whole.write_bytes(raw)
    assert TarSource(whole).damaged is None and len(TarSource(whole).members) == 400


def _mixed_tar_gz(path: Path) -> dict[str, bytes]:
    """A .tar.gz of object files and logs: what the listing keeps and what it leaves to be read."""
    files = {f"mg/namespaces/ns-{i}/core/pods.yaml": f"kind: PodList\nitems: [{i}]\n".encode() * 50 for i in range(6)}
    files["mg/namespaces/ns-0/pods/web/web/logs/current.log"] = b"a log line\n" * 400
    files["mg/cluster-scoped-resources/core/nodes.json"] = b'{"kind": "NodeList", "items": []}\n'
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(raw.getvalue()))
    return files


def test_object_files_are_handed_from_the_listing_and_counted_as_if_read(tmp_path, monkeypatch):
    """A compressed tar's YAML/JSON members are read while it is listed: reading them later decompresses
    nothing again, gives the same bytes (whole or their first ``limit``), counts against the run's budget
    and the ratio guard as a read does, and each is handed over once."""
    path = tmp_path / "case.tar.gz"
    files = _mixed_tar_gz(path)
    src = TarSource(path)
    by_name = {m.name: m for m in src.members}
    opened: list[str] = []
    stream = src._open_raw
    monkeypatch.setattr(src, "_open_raw", lambda m: opened.append(m.name) or stream(m))
    yaml = by_name["mg/namespaces/ns-3/core/pods.yaml"]
    assert src.read(yaml) == files[yaml.name] and opened == []
    assert src.read(by_name["mg/cluster-scoped-resources/core/nodes.json"], limit=10) == files[
        "mg/cluster-scoped-resources/core/nodes.json"][:10] and opened == []
    log = by_name["mg/namespaces/ns-0/pods/web/web/logs/current.log"]
    assert src.read(log) == files[log.name] and opened == [log.name]  # a log is read from the stream
    assert src.read(yaml) == files[yaml.name] and opened == [log.name, yaml.name]  # handed over once
    assert src.budget.used == 2 * len(files[yaml.name]) + 10 + len(files[log.name])
    assert src.ratio.read["archive"] == src.budget.used
    src.budget.limit = src.budget.used + 5  # a member the budget cannot take is refused, listed or not
    with pytest.raises(sources.MemberTooLarge):
        src.read(by_name["mg/namespaces/ns-4/core/pods.yaml"])


def test_the_listing_keeps_object_files_up_to_its_cap_and_a_plain_tar_none(tmp_path, monkeypatch):
    path = tmp_path / "case.tar.gz"
    files = _mixed_tar_gz(path)
    one = len(files["mg/namespaces/ns-0/core/pods.yaml"])
    monkeypatch.setattr(archive_sources, "LISTED_CAP", 3 * one)
    src = TarSource(path)
    assert len(src._listed) == 3 and src._listed_size <= 3 * one
    assert {m.name: src.read(m) for m in src.members} == files  # the others read from the stream
    assert src._listed == {} and src._listed_size == 0
    plain = tmp_path / "case.tar"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert TarSource(plain)._listed == {}  # read at its offsets: nothing kept


def _read_until_error(stream) -> tuple[bytes, str | None]:
    """Everything a reader hands out by ``read1``, and the error it ends on (type and text), if any."""
    out = bytearray()
    try:
        while chunk := stream.read1(1 << 16):
            out += chunk
    except (OSError, EOFError, *gzip_reader.ERRORS) as exc:
        return bytes(out), f"{type(exc).__name__}: {exc}"
    return bytes(out), None


@pytest.mark.parametrize("damage", ["none", "trailing bytes", "short trailing bytes", "cut", "corrupt"])
def test_a_gz_file_is_read_fast_and_from_a_damage_on_as_the_standard_library_reads_it(tmp_path, damage):
    """A ``.gz`` log the user names: the fast reader, and once it fails the standard library's from the byte
    it stopped at: the same bytes before the damage and the same error as the standard library alone."""
    lines = b"".join(b"line %d of the router log\n" % i for i in range(200_000))
    good = gzip.compress(lines if damage != "short trailing bytes" else lines[:2000])
    data = {"none": good, "trailing bytes": good + b"trailing bytes after the gzip stream",
            "short trailing bytes": good + b"tr garbage", "cut": good[: len(good) // 2],
            "corrupt": good[: len(good) // 2] + bytes(range(256)) + good[len(good) // 2 + 256:]}[damage]
    path = tmp_path / "access.log.gz"
    path.write_bytes(data)
    opened: list[int] = []

    def reopen():
        opened.append(1)
        return open(path, "rb")

    with gzip_reader.ResumedGzip(reopen) as fast, gzip.open(path, "rb") as reference:
        got, expected = _read_until_error(fast), _read_until_error(reference)
    assert got == expected
    assert (len(opened) == 1) == (damage == "none")  # a damaged file is opened again, once
    if damage == "short trailing bytes":  # the fast reader alone hands out none of the 2,000 bytes
        with open(path, "rb") as raw:
            assert _read_until_error(gzip_reader.gzip_reader(raw))[0] == b""
        assert got[0] == lines[:2000]


def test_the_listing_keeps_no_more_than_the_runs_byte_budget_leaves(tmp_path):
    """``--max-bytes`` bounds what the run holds of the files it reads: the listing keeps object files only
    within what the budget has left, and the others are read (or refused) when asked, as before."""
    from parsers.byte_budget import ByteBudget
    from parsers.inputs import open_input

    path = tmp_path / "case.tar.gz"
    files = _mixed_tar_gz(path)
    one = len(files["mg/namespaces/ns-0/core/pods.yaml"])
    budget = ByteBudget(2 * one + 10)
    src = open_input(path, budget=budget)
    assert src.budget is budget and len(src._listed) == 2 and budget.held == src._listed_size <= budget.left()
    other = open_input(path, budget=budget)  # a second input of the run: the first one's hold is set aside
    assert other._listed == {}
    yaml = next(m for m in src.members if m.order in src._listed)
    src.read(yaml)  # handed over: counted as used, no longer held
    assert budget.held == one and budget.used == one
    src.close()
    assert budget.held == 0
    assert len(open_input(path)._listed) == 7  # the default budget: every object file
