"""An access log that is another's first part, or another's compressed twin, is read once
(``parsers.log_duplicates``): two must-gathers an hour apart hold the same router pod's log, the newer one
with more lines after the older one's bytes; a router log beside its ``.gz``/``.xz``/``.bz2``. Logs that
share a long first part and then part are both read."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from parsers import log_duplicates
from parsers.log_jobs import scan_access_logs
from tests.analyzer.scenario_helpers import router_log
from tests.parsers.test_log_duplicates import SCENARIO, counted

COMPRESS = {"gz": lambda data: gzip.compress(data, mtime=0), "xz": lzma.compress, "bz2": bz2.compress}


def an_hour_later(lines: list[bytes]) -> bytes:
    """The same router lines an hour later: new requests of the same shape (kubelet, syslog and HAProxy times)."""
    return b"".join(line.replace(b"T08:", b"T09:").replace(b"2026:08:", b"2026:09:") for line in lines)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def must_gather(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A copy of the scenario's must-gather and its router log."""
    dest = tmp_path / name
    shutil.copytree(next(SCENARIO.glob("must-gather.*")), dest)
    return dest, router_log(dest)


def analyze(tmp_path: Path, *inputs: str) -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["analyze", *inputs, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def counts(report: dict) -> tuple:
    """What a log read twice would count twice: requests, status counts, each route's errors, each finding's."""
    return (report["summary"]["requests"], report["summary"]["status_counts"], report["summary"]["log_lines"],
            sorted((r["name"], r["requests"], r["errors"]) for r in report["routes"]),
            sorted((f["code"], f["affected_requests"]) for f in report["findings"]))


@pytest.mark.parametrize("newer_first", [False, True])
def test_two_must_gathers_an_hour_apart_count_the_router_log_once(tmp_path: Path, newer_first: bool):
    old, old_log = must_gather(tmp_path, "mg-old")
    new, new_log = must_gather(tmp_path, "mg-new")
    with new_log.open("ab") as fh:
        fh.write(an_hour_later(lines_of(new_log)[:12]))
    alone = analyze(tmp_path, str(new))
    both = analyze(tmp_path, *([str(new), str(old)] if newer_first else [str(old), str(new)]))
    assert counts(both) == counts(alone) and alone["summary"]["requests"] > 40
    name = str(old_log.relative_to(old))
    assert [s for s in both["skipped"] if "read once" in s["reason"]] == [{
        "source": name, "offset": None, "input": str(old),  # both must-gathers hold the log at this path
        "reason": f"repeats the first {old_log.stat().st_size} bytes of {name} of {new}, a longer copy of this"
                  " access log: read once"}]


def test_an_old_logs_copy_and_a_newer_must_gather(tmp_path: Path):
    """``--logs`` on a router log copied out an hour before the must-gather: the copy is the log's first part."""
    new, new_log = must_gather(tmp_path, "mg")
    copy = tmp_path / "router.log"
    shutil.copyfile(new_log, copy)
    with new_log.open("ab") as fh:
        fh.write(an_hour_later(lines_of(new_log)))
    alone = counted([str(new)])
    lines, fives, copies = counted([str(new)], [str(copy)])
    assert (lines, fives) == alone[:2] and [(c[0], c[1].split(" of ")[0]) for c in copies] == [
        ("router.log", f"repeats the first {copy.stat().st_size} bytes")]


@pytest.mark.parametrize("compression", [None, "gz"])
def test_a_longer_copy_past_the_first_bytes(tmp_path: Path, compression: str | None):
    """Logs longer than the first bytes compared (read side by side; plain files checked at their ends first)."""
    lines = lines_of(router_log(SCENARIO)) * 8  # about 110 KiB: over HEAD
    older, newer = b"".join(lines), b"".join(lines) + an_hour_later(lines[:30])
    paths = []
    for name, data in (("older.log", older), ("newer.log", newer)):
        path = tmp_path / (f"{name}.{compression}" if compression else name)
        path.write_bytes(COMPRESS[compression](data) if compression else data)
        paths.append(str(path))
    assert len(older) > log_duplicates.HEAD
    alone = counted([], [paths[1]])
    lines_read, fives, copies = counted([], paths)
    assert (lines_read, fives) == alone[:2] and [c[0] for c in copies] == ["older.log"]
    assert f"repeats the first {len(older)} bytes of newer.log of {paths[1]}," in copies[0][1]


@pytest.mark.parametrize("compression", [None, "gz", "xz"])
def test_logs_that_share_a_long_first_part_and_then_part_are_both_read(tmp_path: Path, compression: str | None):
    lines = lines_of(router_log(SCENARIO))
    common = b"".join(lines * 8)  # their first HEAD bytes agree
    paths = []
    for name, tail in (("a.log", lines[:10]), ("b.log", lines[10:30])):
        data = common + an_hour_later(tail)
        path = tmp_path / (f"{name}.{compression}" if compression else name)
        path.write_bytes(COMPRESS[compression](data) if compression else data)
        paths.append(str(path))
    one, two = counted([], [paths[0]]), counted([], [paths[1]])
    lines_read, fives, copies = counted([], paths)
    assert (lines_read, fives, copies) == (one[0] + two[0], one[1] + two[1], [])


def test_plain_files_that_part_are_told_apart_at_their_ends(tmp_path: Path, monkeypatch):
    """Two big plain logs that agree on their first bytes and part later are not read side by side: the
    shorter one's last bytes, read at the same offsets of both, differ."""
    lines = lines_of(router_log(SCENARIO))
    common = b"".join(lines * 8)
    (tmp_path / "a.log").write_bytes(common + b"".join(lines[:10]))
    (tmp_path / "b.log").write_bytes(common + b"".join(lines[10:30]))
    monkeypatch.setattr(log_duplicates, "_compare", lambda *logs: pytest.fail("read side by side"))
    _, _, copies = counted([], [str(tmp_path / "a.log"), str(tmp_path / "b.log")])
    assert copies == []


@pytest.mark.parametrize("compression", sorted(COMPRESS))
@pytest.mark.parametrize("plain_first", [True, False])
def test_a_compressed_log_and_its_plain_twin(tmp_path: Path, compression: str, plain_first: bool):
    """The plain file is kept (read without decompressing), whichever is given first."""
    data = router_log(SCENARIO).read_bytes()
    plain, packed = tmp_path / "router.log", tmp_path / f"router.log.{compression}"
    plain.write_bytes(data)
    packed.write_bytes(COMPRESS[compression](data))
    alone = counted([], [str(plain)])
    lines, fives, copies = counted([], [str(plain), str(packed)] if plain_first else [str(packed), str(plain)])
    assert (lines, fives) == alone[:2]
    assert [c[1] for c in copies] == [f"the same access log as router.log of {plain} (the same bytes decompressed):"
                                      " read once"]


def test_a_compressed_twin_past_the_first_bytes_differs(tmp_path: Path):
    """A ``.gz`` whose first HEAD bytes decompressed are the plain log's, and whose rest is not, is another log."""
    lines = lines_of(router_log(SCENARIO)) * 8
    plain = tmp_path / "router.log"
    plain.write_bytes(b"".join(lines))
    other = tmp_path / "router.log.gz"
    other.write_bytes(gzip.compress(b"".join(lines[:-5]) + an_hour_later(lines[-5:]), mtime=0))
    one, two = counted([], [str(plain)]), counted([], [str(other)])
    assert counted([], [str(plain), str(other)]) == (one[0] + two[0], one[1] + two[1], [])


def test_mga_logs_on_a_directory_with_a_log_and_its_gz(tmp_path: Path):
    """``mga logs`` streams its chunks: the twin inside one input (named with a compression suffix) is never
    consumed, and the plain file is kept."""
    data = router_log(SCENARIO).read_bytes()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "router.log.gz").write_bytes(gzip.compress(data, mtime=0))
    (tmp_path / "logs" / "router.log").write_bytes(data)
    alone, _ = scan_access_logs([str(tmp_path / "logs" / "router.log")], lambda chunk: None, stats_only=True)
    tallies, skipped = scan_access_logs([str(tmp_path / "logs")], lambda chunk: None, stats_only=True)
    assert [t.lines_read for t in tallies] == [alone[0].lines_read] and skipped == [(
        "router.log.gz", f"the same access log as router.log of {tmp_path / 'logs'} (the same bytes decompressed):"
                         " read once")]


def test_mga_logs_says_which_log_repeats_the_start_of_which(tmp_path: Path):
    data = router_log(SCENARIO).read_bytes()
    (tmp_path / "old.log").write_bytes(data)
    (tmp_path / "new.log").write_bytes(data + an_hour_later(lines_of(router_log(SCENARIO))[:5]))
    one = CliRunner().invoke(app, ["logs", str(tmp_path / "new.log")])
    out = CliRunner().invoke(app, ["logs", str(tmp_path / "old.log"), str(tmp_path / "new.log")])
    assert out.exit_code == 0 and out.output.split("\nskipped:\n")[0].rstrip("\n") == one.output.rstrip("\n")
    tail = out.output.split("\nskipped:\n", 1)[1].splitlines()
    assert tail == [f"  old.log: repeats the first {len(data)} bytes of new.log of {tmp_path / 'new.log'}, a longer"
                    " copy of this access log: read once"]


def test_one_input_with_logs_of_other_sizes_opens_none(monkeypatch):
    """The usual run, one must-gather: its logs are not opened to compare."""
    from parsers.layout import access_log_members, index_input
    from parsers.sources import DirectorySource

    opened: list[object] = []
    monkeypatch.setattr(log_duplicates, "log_head", lambda *job: opened.append(job))
    src = DirectorySource(next(SCENARIO.glob("must-gather.*")))
    jobs = [(src, m, pod, None) for m, pod in access_log_members(src, index_input(src))]
    data = router_log(SCENARIO).read_bytes()
    other = next(m for m in src.members if m.size and m.size != len(data))
    jobs.append((src, other, None, None))  # a second log of that input, of another size
    kept, copies = log_duplicates.distinct_jobs(jobs)
    assert len(kept) == 2 and copies == [] and opened == []


def test_logs_of_other_inputs_whose_first_bytes_differ_are_read_no_further(tmp_path: Path, monkeypatch):
    """Not as copies or first parts; ``b.log`` is ``a.log`` without its first line, so ``parsers.log_overlaps``
    finds it whole inside ``a.log`` and reads it once, there."""
    data = router_log(SCENARIO).read_bytes()
    (tmp_path / "a.log").write_bytes(data)
    second = data.index(b"\n") + 1
    (tmp_path / "b.log").write_bytes(data[second:])  # another first line
    monkeypatch.setattr(log_duplicates, "_compare", lambda *logs: pytest.fail("read side by side"))
    monkeypatch.setattr(log_duplicates, "_ends_agree", lambda *logs: pytest.fail("read at the end"))
    _, _, copies = counted([], [str(tmp_path / "a.log"), str(tmp_path / "b.log")])
    assert [(source, reason.split(" (")[0]) for source, reason, _ in copies] == [
        ("b.log", f"every byte of it is in a.log of {tmp_path / 'a.log'}, from byte {second}")]


def test_a_copy_of_a_first_part_names_the_longest_log(tmp_path: Path):
    """A ``.gz`` of the older log, the older log, and the newer one: both older ones repeat the newer one's start."""
    data = router_log(SCENARIO).read_bytes()
    more = data + an_hour_later(lines_of(router_log(SCENARIO))[:5])
    packed, plain, newer = tmp_path / "a.log.gz", tmp_path / "a.log", tmp_path / "b.log"
    packed.write_bytes(gzip.compress(data, mtime=0))
    plain.write_bytes(data)
    newer.write_bytes(more)
    alone = counted([], [str(newer)])
    lines, fives, copies = counted([], [str(packed), str(plain), str(newer)])
    assert (lines, fives) == alone[:2] and len(copies) == 2
    assert {c[1] for c in copies} == {f"repeats the first {len(data)} bytes of b.log of {newer}, a longer copy of"
                                      " this access log: read once"}
