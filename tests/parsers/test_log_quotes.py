"""Cited access-log lines read back from the chunk that holds them (``parsers.log_quotes``): the text of the
file's line, from plain files that did not change since they were loaded, never from a decompressed log."""

from __future__ import annotations

import gzip
import os
import random
import tarfile
from pathlib import Path

import pytest

from parsers import load_logs, log_chunks, log_lines
from parsers.kept_text import FileReader, _stamp
from parsers.load_snapshot import load_snapshot
from parsers.log_quotes import ChunkStart, chunk_starts, quoted_lines

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


def test_a_file_changed_since_it_was_loaded_or_compressed_gives_nothing(tmp_path: Path):
    path = tmp_path / "router.log"
    path.write_bytes(b"one\ntwo\n")
    loaded = reader(path)
    starts = (ChunkStart(1, 0, 8),)
    assert quoted_lines(loaded, starts, [2]) == {2: "two"}
    path.write_bytes(b"one\nTWO, longer\n")
    assert quoted_lines(loaded, starts, [2]) == {}
    packed = tmp_path / "rotated.log"  # a rotated log in a directory input: decompressed when parsed
    packed.write_bytes(gzip.compress(random.Random(7).randbytes(50_000), mtime=0))
    assert packed.read_bytes().count(b"\n") > 3  # its compressed bytes hold "lines" that are not the log's
    assert quoted_lines(reader(packed), (ChunkStart(1, 0, packed.stat().st_size),), [1, 2, 3]) == {}


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


def test_a_gzipped_log_is_not_read_back(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(log_chunks, "kept_line_texts", lambda *a, **k: None)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 0)
    log = tmp_path / "access.log.gz"
    log.write_bytes(gzip.compress(FIXTURE_LOG.read_bytes()))
    snap = load_snapshot([], [str(log)])
    assert not snap.log_readers
    snap.quote_log_lines(every_line_cited(snap))
    assert not snap.log_texts


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_a_log_inside_a_tar_is_read_back_only_when_the_tar_is_not_compressed(tmp_path: Path, monkeypatch, mode: str):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(log_chunks, "kept_line_texts", lambda *a, **k: None)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 0)
    must_gather = next(SCENARIO.glob("must-gather.*"))
    packed = tmp_path / ("must-gather.tar" if mode == "w" else "must-gather.tar.gz")
    with tarfile.open(packed, mode) as tar:
        tar.add(must_gather, arcname=must_gather.name)
    snap = load_snapshot([str(packed)], [])
    cited = every_line_cited(snap)
    assert len(cited) > 20
    snap.quote_log_lines(cited)
    if mode == "w:gz":
        assert not snap.log_readers and not snap.log_texts
        return
    assert len(snap.log_readers) == 1 and len(next(iter(snap.log_chunk_starts.values()))) > 1
    physical = FIXTURE_LOG.read_bytes().split(b"\n")
    assert all(snap.log_texts[c] == physical[c[2] - 1].decode().rstrip("\r") for c in cited)
