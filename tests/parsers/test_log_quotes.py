"""Cited access-log lines read back from the chunk that holds them (``parsers.log_quotes``): the text of the
file's line, from files that did not change since they were loaded; a log decompressed when parsed (gzip, a
zip member, an ``.xz`` or ``.bz2`` one) decompressed again in one forward pass."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import random
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from parsers import load_logs, log_chunks, log_lines
from parsers.kept_text import FileReader, Unreadable, _stamp, stream_ranges
from parsers.load_snapshot import load_snapshot
from parsers.log_quotes import ChunkStart, DecompressedReader, chunk_starts, quoted_lines

SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "B504-fires-app-timeout"
FIXTURE_LOG = next(SCENARIO.glob("must-gather.*/*/namespaces/openshift-ingress/pods/*/logs/logs/logs/current.log"))


def reader(path: Path) -> FileReader:
    return FileReader(str(path), (), _stamp(os.lstat(path)))


def test_chunks_that_start_a_line_are_found_from_their_sizes():
    # (physical lines, bytes, ends with a newline): the third chunk ends inside a line, so the fourth starts none
    sizes = [(3, 30, True), (2, 25, True), (1, 70, False), (2, 12, True), (0, 0, True), (1, 9, True)]
    assert chunk_starts(sizes) == (ChunkStart(1, 0, 30), ChunkStart(4, 30, 25), ChunkStart(6, 55, 70),
                                   ChunkStart(9, 137, 9))
    assert chunk_starts([]) == ()


def test_lines_are_read_from_the_chunk_that_holds_them(tmp_path: Path):
    lines = [b"first", b"second\r", b"caf\xe9 latin-1", b"fourth", b"fifth", b"sixth", b"no newline"]
    data = b"\n".join(lines)
    path = tmp_path / "router.log"
    path.write_bytes(data)
    cut = data.index(b"fourth")  # two chunks: lines 1-3, then 4-7
    starts = (ChunkStart(1, 0, cut), ChunkStart(4, cut, len(data) - cut))
    got = quoted_lines(reader(path), starts, [1, 2, 3, 4, 6, 6, 7, 8])
    assert got == {1: "first", 2: "second", 3: "caf\ufffd latin-1", 4: "fourth", 6: "sixth"}  # 7 ends no line
    assert quoted_lines(reader(path), starts[1:], [2, 5]) == {5: "fifth"}  # line 2: no chunk recorded holds it
    assert quoted_lines(reader(path), (), [1]) == {}


def test_a_file_changed_since_it_was_loaded_gives_nothing(tmp_path: Path):
    path = tmp_path / "router.log"
    path.write_bytes(b"one\ntwo\n")
    loaded = reader(path)
    starts = (ChunkStart(1, 0, 8),)
    assert quoted_lines(loaded, starts, [2]) == {2: "two"}
    path.write_bytes(b"one\nTWO, longer\n")
    assert quoted_lines(loaded, starts, [2]) == {}
    packed = tmp_path / "router.log.gz"
    packed.write_bytes(gzip.compress(b"one\ntwo\n", mtime=0))
    gunzipped = DecompressedReader(reader(packed))
    assert quoted_lines(gunzipped, starts, [1, 2]) == {1: "one", 2: "two"}
    packed.write_bytes(gzip.compress(b"one\nTWO\n", mtime=0))
    assert quoted_lines(gunzipped, starts, [1, 2]) == {}


def test_a_gzip_stream_is_read_in_one_forward_pass(tmp_path: Path):
    """Every cited chunk of a gzipped log from one decompression; a range before one already read is refused."""
    rng = random.Random(3)
    data = b"".join(b"line %d %s\n" % (n, rng.randbytes(20).hex().encode()) for n in range(1, 5001))
    packed = tmp_path / "access.log.gz"
    packed.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
    ends = [i + 1 for i, byte in enumerate(data) if byte == 10]
    starts = tuple(ChunkStart(first, ends[first - 2] if first > 1 else 0,
                              ends[min(first + 999, 5000) - 1] - (ends[first - 2] if first > 1 else 0))
                   for first in range(1, 5001, 1000))
    opened = []
    original = FileReader.open_stream

    def counted(self):
        opened.append(self)
        return original(self)

    wanted = [5000, 1, 2345, 1000, 1001, 4001]
    try:
        FileReader.open_stream = counted  # type: ignore[method-assign]
        got = quoted_lines(DecompressedReader(reader(packed)), starts, wanted)
    finally:
        FileReader.open_stream = original  # type: ignore[method-assign]
    physical = data.split(b"\n")
    assert got == {n: physical[n - 1].decode() for n in wanted}
    assert len(opened) == 1
    with gzip.open(packed) as stream, pytest.raises(Unreadable, match="out of order"):
        list(stream_ranges(stream, [(100, 10), (50, 10)]))


def every_line_cited(snap) -> list[tuple[str, str, int]]:
    requests = snap.frame("requests")
    return [(str(i), str(s), int(n)) for i, s, n in zip(requests["input"], requests["source"], requests["line"],
                                                       strict=True)]


@pytest.mark.parametrize("engine_chunk", [4096, 1 << 20])
def test_every_parsed_line_is_read_back_as_the_file_has_it(tmp_path: Path, monkeypatch, engine_chunk: int):
    """A log parsed in several chunks, its texts not handed over: every request line read back by offset."""
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", engine_chunk)
    monkeypatch.setattr(log_chunks, "kept_line_texts", lambda *a, **k: None)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 0)
    log = tmp_path / "access.log"
    log.write_bytes(FIXTURE_LOG.read_bytes() * 3)
    snap = load_snapshot([], [str(log)])
    key = (str(log), "access.log")
    assert len(snap.log_chunk_starts[key]) == (1 if engine_chunk > log.stat().st_size else
                                               pytest.approx(log.stat().st_size / engine_chunk, abs=2))
    assert key in snap.log_readers and not snap.log_texts
    cited = every_line_cited(snap)
    snap.quote_log_lines(cited)
    physical = log.read_bytes().split(b"\n")
    assert len(cited) > 100
    assert all(snap.log_texts[c] == physical[c[2] - 1].decode().rstrip("\r") for c in cited)


def load_quoted(monkeypatch, inputs: list[str], logs: list[str]):
    """A snapshot of ``inputs`` and ``logs`` whose logs are parsed in 4 KiB chunks with no text handed over, and
    every request line it parsed quoted back."""
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(log_chunks, "kept_line_texts", lambda *a, **k: None)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 0)
    snap = load_snapshot(inputs, logs)
    cited = every_line_cited(snap)
    assert len(cited) > 20 and not snap.log_texts
    snap.quote_log_lines(cited)
    return snap, cited


def quoted_as_the_log_has_them(snap, cited) -> bool:
    physical = FIXTURE_LOG.read_bytes().split(b"\n")
    return all(snap.log_texts.get(c) == physical[c[2] - 1].decode().rstrip("\r") for c in cited)


COMPRESS = {"gz": gzip.compress, "xz": lzma.compress, "bz2": bz2.compress}


@pytest.mark.parametrize("codec", ["gz", "xz", "bz2"])
def test_a_compressed_log_is_read_back(tmp_path: Path, monkeypatch, codec: str):
    log = tmp_path / f"access.log.{codec}"
    log.write_bytes(COMPRESS[codec](FIXTURE_LOG.read_bytes()))
    snap, cited = load_quoted(monkeypatch, [], [str(log)])
    assert len(next(iter(snap.log_chunk_starts.values()))) > 1
    assert quoted_as_the_log_has_them(snap, cited)


@pytest.mark.parametrize("codec", ["xz", "bz2"])
def test_a_log_of_several_xz_or_bz2_streams_is_read_back(tmp_path: Path, monkeypatch, codec: str):
    """``cat a.xz b.xz``: the parse reads the two streams on as one, and so does the reading back."""
    data = FIXTURE_LOG.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    log = tmp_path / f"access.log.{codec}"
    log.write_bytes(COMPRESS[codec](data[:cut]) + COMPRESS[codec](data[cut:]))
    snap, cited = load_quoted(monkeypatch, [], [str(log)])
    assert quoted_as_the_log_has_them(snap, cited) and max(c[2] for c in cited) > data[:cut].count(b"\n")


@pytest.mark.parametrize(("codec", "damage"), [("gz", "truncated"), ("xz", "zeroed"), ("xz", "truncated"),
                                              ("bz2", "zeroed"), ("bz2", "truncated")])
def test_a_damaged_compressed_log_quotes_what_comes_before_the_damage(tmp_path: Path, codec: str, damage: str):
    """A stream damaged in its second half (its bytes zeroed, or cut off): the lines before the damage are
    quoted as the log has them, none after it, and nothing raises. (A gzip stream's zeroed bytes may inflate
    to other bytes without an error before its trailer's check: only its end cut off is tested.)"""
    rng = random.Random(7)  # lines that compress little, so the damage falls among their blocks
    data = b"".join(b"%d %s\n" % (k, rng.randbytes(60).hex().encode()) for k in range(20_000))
    packed = COMPRESS[codec](data)
    half = len(packed) // 2
    path = tmp_path / f"access.log.{codec}"
    path.write_bytes(packed[:half] + (bytes(len(packed) - half) if damage == "zeroed" else b""))
    physical = data.split(b"\n")
    sizes = []
    for k in range(0, len(physical) - 1, 50):  # chunks of 50 lines
        lines = physical[k:k + 50]
        sizes.append((len(lines), sum(len(line) + 1 for line in lines), True))
    numbers = range(1, len(physical))
    got = quoted_lines(DecompressedReader(reader(path), compression=codec), chunk_starts(sizes), numbers)
    assert got and all(text == physical[n - 1].decode().rstrip("\r") for n, text in got.items())
    assert sorted(got) == list(range(1, len(got) + 1)) and len(got) < len(numbers)


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz", "w:bz2"])
def test_a_log_inside_a_tar_is_read_back(tmp_path: Path, monkeypatch, mode: str):
    must_gather = next(SCENARIO.glob("must-gather.*"))
    packed = tmp_path / f"must-gather.tar{mode[1:].replace(':', '.')}"
    with tarfile.open(packed, mode) as tar:
        tar.add(must_gather, arcname=must_gather.name)
    snap, cited = load_quoted(monkeypatch, [str(packed)], [])
    assert len(snap.log_readers) == 1 and len(next(iter(snap.log_chunk_starts.values()))) > 1
    assert quoted_as_the_log_has_them(snap, cited)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_log_inside_a_zip_is_read_back(tmp_path: Path, monkeypatch, compression: int):
    must_gather = next(SCENARIO.glob("must-gather.*"))
    packed = tmp_path / "must-gather.zip"
    with zipfile.ZipFile(packed, "w", compression) as zf:
        for path in sorted(must_gather.rglob("*")):
            if path.is_file():
                zf.write(path, f"{must_gather.name}/{path.relative_to(must_gather)}")
    snap, cited = load_quoted(monkeypatch, [str(packed)], [])
    assert quoted_as_the_log_has_them(snap, cited)


@pytest.mark.parametrize("holder", ["directory", "tar", "zip"])
def test_a_rotated_gzipped_log_inside_an_input_is_read_back(tmp_path: Path, monkeypatch, holder: str):
    rotated = tmp_path / "logs" / "access.log.1.gz"
    rotated.parent.mkdir()
    rotated.write_bytes(gzip.compress(FIXTURE_LOG.read_bytes(), mtime=0))
    given = rotated.parent
    if holder == "tar":
        given = tmp_path / "logs.tar"
        with tarfile.open(given, "w") as tar:
            tar.add(rotated, arcname="logs/access.log.1.gz")
        shutil.rmtree(rotated.parent)
    elif holder == "zip":
        given = tmp_path / "logs.zip"
        with zipfile.ZipFile(given, "w") as zf:
            zf.write(rotated, "logs/access.log.1.gz")
        shutil.rmtree(rotated.parent)
    snap, cited = load_quoted(monkeypatch, [], [str(given)])
    assert len(snap.log_readers) == 1 and len(next(iter(snap.log_chunk_starts.values()))) > 1
    assert quoted_as_the_log_has_them(snap, cited)


def test_a_plain_tar_member_read_as_a_stream_ends_with_the_member(tmp_path: Path):
    """A rotated ``.gz`` inside a plain tar is decompressed from the member's bytes only, never from the next
    member's (``TarMemberReader.open_stream``)."""
    from parsers.kept_text import TarMemberReader

    packed = tmp_path / "logs.tar"
    with tarfile.open(packed, "w") as tar:
        for name, data in (("first", b"a" * 700), ("second", b"b" * 300)):
            (tmp_path / name).write_bytes(data)
            tar.add(tmp_path / name, arcname=name)
    with tarfile.open(packed) as tar:
        first = tar.getmember("first")
    member = TarMemberReader(str(packed), _stamp(os.stat(packed)), first.offset_data, first.size)
    with member.open_stream() as stream:
        assert stream.read() == b"a" * 700
    assert list(member.read_ranges([(0, 3), (698, 2)])) == [b"aaa", b"aa"]
