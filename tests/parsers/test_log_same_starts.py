"""Two collections of one router's log in two line shapes that start at the same line (``parsers.log_same_starts``):
a node's CRI ``0.log`` and a must-gather's ``current.log`` (or an ``oc logs`` save) of one container, both
collected without ``--since``. Compared on their lines' payloads from the start: a first part is skipped
naming the longer log, a copy line for line is skipped naming the log kept, and logs that part (or hold a
line that cannot be compared in the compared part) are both read, never trimmed as an overlap."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mga.cli import app
from tests.parsers.test_log_copies import counts
from tests.parsers.test_log_duplicates import counted
from tests.parsers.test_log_overlap_shapes import shaped, split_partial, write
from tests.parsers.test_log_overlaps import FIRST, LATER, LINES, analyze, must_gather

NAMES = {"cri": "CRI lines", "kubelet": "kubelet-timestamped lines", "bare": "lines without a prefix"}


def removed(here: str, there: str) -> str:
    return f" once each line's prefix is removed ({NAMES[here]} here, {NAMES[there]} there)"


@pytest.mark.parametrize(("longer", "shorter"), [("cri", "bare"), ("bare", "cri"), ("cri", "kubelet"),
                                                 ("kubelet", "bare")])
@pytest.mark.parametrize("shorter_first", [False, True])
def test_a_first_part_in_another_shape_is_skipped_naming_the_longer_log(tmp_path: Path, longer: str, shorter: str,
                                                                        shorter_first: bool):
    long = write(tmp_path / "long.log", shaped(LINES + LATER, longer))
    short = write(tmp_path / "short.log", shaped(LINES, shorter))
    alone = counted([], [write(tmp_path / "whole.log", LINES + LATER)])
    lines, fives, notes = counted([], [short, long] if shorter_first else [long, short])
    assert (lines, fives) == alone[:2] and lines > 40 and fives > 0
    assert notes == [("short.log", f"repeats the first lines of long.log of {long}{removed(shorter, longer)}, a"
                                   " longer copy of this access log: read once", None)]


@pytest.mark.parametrize("order", ["cri first", "bare first", "bare gzipped first"])
def test_logs_equal_line_for_line_are_read_once_keeping_the_first_or_the_plain_file(tmp_path: Path, order: str):
    """As for copies on bytes: the first given is kept, unless it is decompressed and the other is a plain
    file on disk."""
    cri = write(tmp_path / "cri.log", shaped(LINES, "cri"))
    if order == "bare gzipped first":
        (tmp_path / "bare.log.gz").write_bytes(gzip.compress(b"".join(shaped(LINES, "bare")), mtime=0))
        paths = [str(tmp_path / "bare.log.gz"), cri]
    else:
        bare = write(tmp_path / "bare.log", shaped(LINES, "bare"))
        paths = [cri, bare] if order == "cri first" else [bare, cri]
    alone = counted([], [write(tmp_path / "whole.log", LINES)])
    lines, fives, [(name, reason, offset)] = counted([], paths)
    assert (lines, fives) == alone[:2] and offset is None
    kept = paths[1] if order == "bare gzipped first" else paths[0]
    skipped, there = ("bare", "cri") if kept.endswith("cri.log") else ("cri", "bare")
    assert name == Path(paths[0] if kept == paths[1] else paths[1]).name.removesuffix(".gz")  # named as read
    assert reason == (f"the same access log as {Path(kept).name} of {kept}{removed(skipped, there)} (the same"
                      " lines, line for line): read once")


@pytest.mark.parametrize("repeat", [False, True])
def test_logs_that_start_the_same_and_part_are_both_read(tmp_path: Path, repeat: bool):
    """They agree on 5 lines, then part. With ``repeat`` the CRI log's last 5 lines are its first 5 again: the
    other log's first lines are found there too and the rest checks out, but a pair that starts at the same
    line is not an overlap (both are read whole)."""
    cri = write(tmp_path / "cri.log", shaped(LINES + (LINES[:5] if repeat else []), "cri"))
    bare = write(tmp_path / "bare.log", shaped(LINES[:5] + LATER, "bare"))
    one, two = counted([], [cri]), counted([], [bare])
    assert counted([], [cri, bare]) == (one[0] + two[0], one[1] + two[1], [])


@pytest.mark.parametrize(("where", "pieces"), [("compared", False), ("compared", True), ("past", False)])
def test_a_partial_line_in_the_compared_part_leaves_both_read(tmp_path: Path, where: str, pieces: bool):
    """A CRI partial line (``P``) at line 3 of the longer log, inside the part compared: both read, even when
    the other log holds its two pieces as two lines (``pieces``: the same bytes once the prefixes are gone,
    not the same lines: the parse joins the pieces). Past the shorter log's end (line ``FIRST + 3``, the
    shorter holding ``FIRST`` lines), it is not compared: the shorter log is skipped."""
    lines = shaped(LINES, "cri")
    at = 3 if where == "compared" else FIRST + 3
    lines[at:at + 1] = split_partial(lines[at])
    cri = write(tmp_path / "cri.log", lines)
    short = shaped(LINES[:FIRST], "bare")
    if pieces:
        short[at:at + 1] = [line.split(b" stdout P ", 1)[-1].split(b" stdout F ", 1)[-1] for line in lines[at:at + 2]]
    bare = write(tmp_path / "bare.log", short)
    one, two = counted([], [cri]), counted([], [bare])
    lines_read, fives, notes = counted([], [bare, cri])
    if where == "compared":
        assert (lines_read, fives, notes) == (one[0] + two[0], one[1] + two[1], [])
    else:
        assert (lines_read, fives) == one[:2]
        [(name, reason, _)] = notes
        assert name == "bare.log" and reason.startswith("repeats the first lines of cri.log")


def test_a_log_skipped_here_is_not_named_by_an_overlap(tmp_path: Path):
    """A third log held whole inside both (a shorter window) is skipped naming the log that is read, not the
    one skipped for its same start."""
    cri = write(tmp_path / "cri.log", shaped(LINES + LATER, "cri"))
    kubelet = write(tmp_path / "kubelet.log", shaped(LINES, "kubelet"))
    window = write(tmp_path / "window.log", shaped(LINES[FIRST:FIRST + 20], "bare"))
    alone = counted([], [cri])
    lines, fives, notes = counted([], [cri, kubelet, window])
    assert (lines, fives) == alone[:2]
    assert [(name, reason.split(", from byte")[0].split(", a longer")[0]) for name, reason, _ in notes] == [
        ("kubelet.log", f"repeats the first lines of cri.log of {cri}{removed('kubelet', 'cri')}"),
        ("window.log", f"every line of it is in cri.log of {cri}")]


def test_a_log_skipped_here_and_an_overlap_read_every_line_once(tmp_path: Path):
    """A chain: the kubelet log is the CRI log's first part; a third log starts inside the CRI log and goes
    on: the CRI log is read up to it."""
    cri = write(tmp_path / "cri.log", shaped(LINES, "cri"))
    kubelet = write(tmp_path / "kubelet.log", shaped(LINES[:FIRST + 5], "kubelet"))
    newer = write(tmp_path / "newer.log", shaped(LINES[FIRST:] + LATER, "bare"))
    alone = counted([], [write(tmp_path / "whole.log", LINES + LATER)])
    lines, fives, notes = counted([], [kubelet, cri, newer])
    assert (lines, fives) == alone[:2]
    assert [(name, reason.split(" ")[0]) for name, reason, _ in notes] == [("kubelet.log", "repeats"),
                                                                            ("cri.log", "its")]


def node_and_must_gather(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A node's pod-log directory (``/var/log/pods/<ns>_<pod>_<uid>/logs/0.log``, CRI lines, collected later:
    more lines) and a must-gather whose ``current.log`` (kubelet-timestamped) starts at the same line."""
    pods = tmp_path / "node" / "var" / "log" / "pods" / "openshift-ingress_router-default-1_0a1b" / "logs"
    pods.mkdir(parents=True)
    write(pods / "0.log", shaped(LINES + LATER, "cri"))
    mg = must_gather(tmp_path, "mg", b"".join(LINES))
    whole = must_gather(tmp_path, "mg-whole", b"".join(LINES + LATER))
    return tmp_path / "node", mg, whole


def test_a_node_log_and_a_must_gather_that_start_the_same_count_the_common_requests_once(tmp_path: Path):
    node, mg, whole = node_and_must_gather(tmp_path)
    alone = analyze(tmp_path, str(whole))
    both = analyze(tmp_path, str(node), str(mg))
    assert counts(both) == counts(alone) and alone["summary"]["requests"] > 40
    [note] = [s for s in both["skipped"] if "read once" in s["reason"]]
    assert note["source"].endswith("current.log") and note["offset"] is None
    assert note["reason"].startswith("repeats the first lines of var/log/pods/openshift-ingress_router-default-1_0a1b"
                                     f"/logs/0.log of {node}{removed('kubelet', 'cri')}, a longer copy")


def test_mga_logs_reads_a_node_log_and_a_must_gather_that_start_the_same_once(tmp_path: Path):
    node, mg, whole = node_and_must_gather(tmp_path)
    one = CliRunner().invoke(app, ["logs", str(whole)])
    out = CliRunner().invoke(app, ["logs", str(node), str(mg)])
    assert out.exit_code == 0 and one.exit_code == 0
    assert out.output.split("\nskipped:\n")[0].rstrip("\n") == one.output.rstrip("\n")
    [note] = out.output.split("\nskipped:\n", 1)[1].splitlines()
    assert note.endswith("/current.log: repeats the first lines of var/log/pods/openshift-ingress_router-default-1_0a1b"
                         f"/logs/0.log of {node}{removed('kubelet', 'cri')}, a longer copy of this access log:"
                         " read once")


def test_a_line_without_the_prefix_in_the_compared_part_leaves_both_read(tmp_path: Path):
    """Line 3 of the CRI log has no CRI prefix (its payload alone, the other log's line 3): both read."""
    lines = shaped(LINES, "cri")
    lines[3] = shaped(LINES[3:4], "bare")[0]
    cri = write(tmp_path / "cri.log", lines)
    bare = write(tmp_path / "bare.log", shaped(LINES[:FIRST], "bare"))
    one, two = counted([], [cri]), counted([], [bare])
    assert counted([], [bare, cri]) == (one[0] + two[0], one[1] + two[1], [])
