"""A log whose last part is another input's first part is read once (``parsers.log_overlaps``): two
collections whose windows overlap (``oc adm must-gather --since=2h`` twice, an hour apart), or a log collected
whole next to a shorter window of it. Every count equals the count of the lines once; the log read in part
says from which byte, the log held whole names the log it is read in. Logs that agree on some lines and then
part, logs whose lines repeat, logs of one input and logs of other router pods are all read whole."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from parsers import log_overlaps
from parsers.inputs import open_input
from parsers.log_stream import open_log_stream
from tests.analyzer.scenario_helpers import router_log
from tests.conftest import make_tar
from tests.parsers.test_log_copies import an_hour_later, counts, lines_of
from tests.parsers.test_log_duplicates import SCENARIO, counted

LINES = lines_of(router_log(SCENARIO))
LATER = an_hour_later(LINES[:12]).splitlines(keepends=True)
FIRST = 10  # the newer collection starts at this line of the older one


def must_gather(tmp_path: Path, name: str, data: bytes) -> Path:
    """The scenario's must-gather with its router log replaced by ``data``."""
    dest = tmp_path / name
    shutil.copytree(next(SCENARIO.glob("must-gather.*")), dest)
    router_log(dest).write_bytes(data)
    return dest


def analyze(tmp_path: Path, *inputs: str) -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["analyze", *inputs, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def overlap_notes(report: dict) -> list[dict]:
    return [s for s in report["skipped"] if "overlapping collection" in s["reason"]]


@pytest.mark.parametrize("newer_first", [False, True])
def test_two_must_gathers_whose_windows_overlap_count_the_common_lines_once(tmp_path: Path, newer_first: bool):
    old = must_gather(tmp_path, "mg-old", b"".join(LINES))
    new = must_gather(tmp_path, "mg-new", b"".join(LINES[FIRST:] + LATER))
    whole = must_gather(tmp_path, "mg-whole", b"".join(LINES + LATER))
    alone = analyze(tmp_path, str(whole))
    both = analyze(tmp_path, *([str(new), str(old)] if newer_first else [str(old), str(new)]))
    assert counts(both) == counts(alone) and alone["summary"]["requests"] > 40
    at = len(b"".join(LINES[:FIRST]))
    name = str(router_log(old).relative_to(old))
    assert overlap_notes(both) == [{
        "source": name, "offset": None,  # every line is read: no cut for the summary to count
        "reason": f"its last {len(b''.join(LINES[FIRST:]))} bytes, from byte {at}, are the first bytes of {name} of"
                  f" {new} (an overlapping collection of this access log, which goes on there): read once, there",
        "input": str(old)}]  # the entry names the input whose copy was skipped
    # the older log's lines keep their numbers: the first affected line is cited at the same place
    assert both["summary"]["log_lines"] == alone["summary"]["log_lines"]


def test_an_older_archive_whose_log_ends_in_a_partial_line(tmp_path: Path):
    """The older collection is a ``.tar.gz`` (its log decompressed while it is searched) and was taken while
    the router was writing: its last line is cut short. That part line is the start of a line of the newer
    log, so it is left with the rest of the common part: no unparsed line, nothing counted twice."""
    cut = LINES[FIRST + 5][:40]
    old_dir = must_gather(tmp_path, "mg-old", b"".join(LINES[:FIRST + 5]) + cut)
    old = make_tar(old_dir, tmp_path / "mg-old.tar.gz")
    shutil.rmtree(old_dir)
    new = must_gather(tmp_path, "mg-new", b"".join(LINES[FIRST:] + LATER))
    whole = must_gather(tmp_path, "mg-whole", b"".join(LINES + LATER))
    alone = analyze(tmp_path, str(whole))
    both = analyze(tmp_path, str(old), str(new))
    assert counts(both) == counts(alone) and both["summary"]["log_lines"] == alone["summary"]["log_lines"]
    [note] = overlap_notes(both)
    assert note["source"].endswith("current.log") and note["offset"] is None
    assert f"from byte {len(b''.join(LINES[:FIRST]))}, are the first bytes of" in note["reason"]
    assert f"its last {len(b''.join(LINES[FIRST:FIRST + 5]) + cut)} bytes," in note["reason"]


def test_a_shorter_window_inside_a_log_collected_whole_is_skipped(tmp_path: Path):
    whole = must_gather(tmp_path, "mg-whole", b"".join(LINES + LATER))
    window = must_gather(tmp_path, "mg-window", b"".join(LINES[FIRST:FIRST + 20]))
    alone = analyze(tmp_path, str(whole))
    both = analyze(tmp_path, str(window), str(whole))
    assert counts(both) == counts(alone)
    name = str(router_log(whole).relative_to(whole))
    assert overlap_notes(both) == [{
        "source": name, "offset": None,
        "reason": f"every byte of it is in {name} of {whole}, from byte {len(b''.join(LINES[:FIRST]))} (an"
                  " overlapping collection of this access log): read once, there", "input": str(window)}]
    [record] = [r for r in both["inputs"] if r["path"] == str(window)]
    assert record["files_skipped"] >= 1


@pytest.mark.parametrize("compression", [None, "gz"])
def test_logs_given_with_logs_that_overlap(tmp_path: Path, compression: str | None):
    """Two ``oc logs --since`` saves of one router pod, plain or gzipped: no router pod in their paths."""
    paths = []
    for name, data in (("first.log", b"".join(LINES)), ("second.log", b"".join(LINES[FIRST:] + LATER))):
        path = tmp_path / (f"{name}.gz" if compression else name)
        path.write_bytes(gzip.compress(data, mtime=0) if compression else data)
        paths.append(str(path))
    (tmp_path / "whole.log").write_bytes(b"".join(LINES + LATER))
    alone = counted([], [str(tmp_path / "whole.log")])
    lines, fives, _ = counted([], paths)
    assert (lines, fives) == alone[:2]


def test_mga_logs_reads_the_common_lines_once(tmp_path: Path):
    (tmp_path / "old.log").write_bytes(b"".join(LINES))
    (tmp_path / "new.log").write_bytes(b"".join(LINES[FIRST:] + LATER))
    (tmp_path / "whole.log").write_bytes(b"".join(LINES + LATER))
    one = CliRunner().invoke(app, ["logs", str(tmp_path / "whole.log")])
    out = CliRunner().invoke(app, ["logs", str(tmp_path / "old.log"), str(tmp_path / "new.log")])
    assert out.exit_code == 0 and one.exit_code == 0
    assert out.output.split("\nskipped:\n")[0].rstrip("\n") == one.output.rstrip("\n")
    [note] = out.output.split("\nskipped:\n", 1)[1].splitlines()
    assert note.startswith(f"  old.log: its last {len(b''.join(LINES[FIRST:]))} bytes, from byte"
                           f" {len(b''.join(LINES[:FIRST]))}, are the first bytes of new.log of ")


def test_logs_that_agree_on_some_lines_and_then_part_are_both_read(tmp_path: Path):
    """The newer log's first lines are in the older one, but the older one goes on with other lines."""
    old = b"".join(LINES)
    new = b"".join(LINES[FIRST:FIRST + 5] + LATER)
    (tmp_path / "old.log").write_bytes(old)
    (tmp_path / "new.log").write_bytes(new)
    one, two = counted([], [str(tmp_path / "old.log")]), counted([], [str(tmp_path / "new.log")])
    lines, fives, _ = counted([], [str(tmp_path / "old.log"), str(tmp_path / "new.log")])
    assert (lines, fives) == (one[0] + two[0], one[1] + two[1])


def test_lines_that_repeat_make_the_place_ambiguous_and_both_are_read(tmp_path: Path):
    """The older log is the same block of lines three times, the newer one that block twice and then new lines:
    its first lines start the older one's second and third blocks, and both places check out; none is chosen."""
    block = b"".join(LINES)
    (tmp_path / "old.log").write_bytes(block * 3)
    (tmp_path / "new.log").write_bytes(block * 2 + b"".join(LATER))
    one, two = counted([], [str(tmp_path / "old.log")]), counted([], [str(tmp_path / "new.log")])
    lines, fives, _ = counted([], [str(tmp_path / "old.log"), str(tmp_path / "new.log")])
    assert (lines, fives) == (one[0] + two[0], one[1] + two[1])


def test_logs_of_one_input_or_of_other_router_pods_are_not_opened(tmp_path: Path, monkeypatch):
    """``previous.log`` and ``current.log`` of a pod follow each other; two router pods' logs are two logs."""
    opened: list[object] = []
    monkeypatch.setattr(log_overlaps, "log_head", lambda *job: opened.append(job))
    src = open_input(str(next(SCENARIO.glob("must-gather.*"))))
    other = open_input(str(next(SCENARIO.glob("must-gather.*"))))
    member = next(m for m in src.members if m.name.endswith("current.log"))
    jobs = [(src, member, "router-a", None), (src, member, "router-a", None), (other, member, "router-b", None)]
    out, ends, notes = log_overlaps.overlapping_logs(jobs)
    assert (out, ends, notes) == (jobs, [None, None, None], []) and opened == []


@pytest.mark.parametrize("compression", [None, "gz"])
@pytest.mark.parametrize("max_bytes", [None, 10, 10_000])
def test_a_stream_read_to_a_byte_ends_there_uncut(tmp_path: Path, compression: str | None, max_bytes: int | None):
    """``read_to`` ends the stream at that byte with no cut; a byte limit under it still cuts, one at or past
    it does not."""
    data = b"".join(LINES)
    path = tmp_path / ("a.log.gz" if compression else "a.log")
    path.write_bytes(gzip.compress(data, mtime=0) if compression else data)
    at = len(b"".join(LINES[:FIRST]))
    src = open_input(str(path))
    [member] = src.members
    with open_log_stream(src, member, max_bytes, read_to=at) as (stream, readers):
        got = stream.read()
    cuts = [r.cut for r in readers if r.cut is not None]
    if max_bytes is not None and max_bytes < at:
        assert len(got) <= max_bytes and cuts
    else:
        assert got == data[:at] and cuts == []


def test_a_note_beside_a_must_gather_costs_no_read_of_its_router_logs(tmp_path: Path, monkeypatch):
    """Only a log whose first line is a router's is looked for in the others: the must-gather's router log is
    not read whole to look for a case note's first line (the note is searched for the router log's)."""
    notes = tmp_path / "notes.txt"
    notes.write_text("customer says 502 since monday\n")
    searched: list[str] = []
    places = log_overlaps._places
    monkeypatch.setattr(log_overlaps, "_places", lambda job, patterns: searched.append(job[1].name)
                        or places(job, patterns))
    lines, fives, copies = counted([str(next(SCENARIO.glob("must-gather.*")))], [str(notes)])
    assert searched == ["notes.txt"] and copies == []
    alone = counted([str(next(SCENARIO.glob("must-gather.*")))])
    assert (lines, fives) == (alone[0] + 1, alone[1])  # the note's line is read, and is no router line
    assert [log_overlaps._first_line(line) is not None for line in (LINES[0], b"NAME HOST\n", b"a [x]\n")] == [
        True, False, False]
