"""Two collections of one router's log in two line shapes (``parsers.log_payloads``): a node's CRI file
(``<time> stdout F <line>``), a must-gather's ``current.log`` (``oc logs --timestamps``: ``<time> <line>``) or
an ``oc logs`` save without times. Their bytes differ, so their lines are compared without their prefixes:
the common lines count once, the older log is read up to the byte of its own where the newer one starts, a
newer log held whole is skipped; a CRI partial line or a line without the prefix in the common part leaves
both read."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import log_lines, log_overlaps
from parsers.inputs import open_input
from parsers.log_payloads import payload_of, shape_of
from tests.parsers.test_log_copies import counts
from tests.parsers.test_log_duplicates import counted
from tests.parsers.test_log_overlaps import FIRST, LATER, LINES, analyze, must_gather, overlap_notes


def shaped(lines: list[bytes], shape: str) -> list[bytes]:
    """The scenario's lines (``current.log``: the kubelet's time, then the sidecar's rsyslog line) in a shape."""
    if shape == "kubelet":
        return list(lines)
    cut = [line.split(b" ", 1) for line in lines]
    if shape == "bare":
        return [payload for _, payload in cut]
    return [time + b" stdout F " + payload for time, payload in cut]  # CRI: the runtime's time, stream, tag


def write(path: Path, lines: list[bytes]) -> str:
    path.write_bytes(b"".join(lines))
    return str(path)


def test_the_scenario_lines_have_the_three_shapes():
    assert [shape_of(b"".join(shaped(LINES[:2], s))) for s in ("cri", "kubelet", "bare")] == ["cri", "kubelet", "bare"]
    assert shape_of(b"2026-12-07T08:00:00.1Z stdout P part\n") == "cri"


def test_a_cri_payload_is_the_content_the_parse_joins():
    """The prefix removed is the one ``parsers.log_lines`` reads off a CRI line."""
    [line] = shaped(LINES[:1], "cri")
    assert payload_of(line, "cri") == log_lines._CRI_FULL.match(line.rstrip(b"\n")).group(2) + b"\n"
    assert payload_of(line, "cri") == shaped(LINES[:1], "bare")[0] == payload_of(LINES[0], "kubelet")
    assert payload_of(b"2026-12-07T08:00:00.1Z stdout P part\n", "cri") is None
    assert payload_of(shaped(LINES[:1], "bare")[0], "kubelet") is None  # rsyslog's time has six digits


@pytest.mark.parametrize(("older", "newer"), [("cri", "bare"), ("bare", "cri"), ("kubelet", "bare"),
                                              ("bare", "kubelet"), ("cri", "kubelet")])
def test_overlapping_logs_of_two_shapes_count_the_common_lines_once(tmp_path: Path, older: str, newer: str):
    old = write(tmp_path / "old.log", shaped(LINES, older))
    new = write(tmp_path / "new.log", shaped(LINES[FIRST:] + LATER, newer))
    whole = write(tmp_path / "whole.log", LINES + LATER)
    alone = counted([], [whole])
    lines, fives, notes = counted([], [new, old])
    assert (lines, fives) == alone[:2] and lines > 40 and fives > 0
    at = len(b"".join(shaped(LINES[:FIRST], older)))  # the older log's own bytes before the common part
    length = len(b"".join(shaped(LINES[FIRST:], older)))
    names = {"cri": "CRI lines", "kubelet": "kubelet-timestamped lines", "bare": "lines without a prefix"}
    assert notes == [("old.log", f"its last {length} bytes, from byte {at}, are the first lines of new.log of {new}"
                                 f" once each line's prefix is removed ({names[older]} here, {names[newer]} there)"
                                 " (an overlapping collection of this access log, which goes on there): read"
                                 " once, there", None)]


@pytest.mark.parametrize(("older", "newer"), [("cri", "kubelet"), ("bare", "cri")])
def test_a_shorter_window_of_another_shape_held_whole_is_skipped(tmp_path: Path, older: str, newer: str):
    old = write(tmp_path / "old.log", shaped(LINES + LATER, older))
    window = write(tmp_path / "window.log", shaped(LINES[FIRST:FIRST + 20], newer))
    alone = counted([], [old])
    lines, fives, notes = counted([], [window, old])
    assert (lines, fives) == alone[:2]
    [(name, reason, offset)] = notes
    assert (name, offset) == ("window.log", None)
    assert reason.startswith(f"every line of it is in old.log of {old}, from byte"
                             f" {len(b''.join(shaped(LINES[:FIRST], older)))} once each line's prefix is removed")


@pytest.mark.parametrize("case", ["part", "repeat"])
def test_logs_of_two_shapes_that_part_or_repeat_are_both_read(tmp_path: Path, case: str):
    """The newer log's first lines are the older one's, then other lines follow (every line of the common
    part is compared, not the first alone); or the older log is one block of lines three times and the newer
    one that block twice then new lines, so two places check out and none is chosen."""
    if case == "part":
        older, newer = LINES, LINES[FIRST:FIRST + 5] + LATER
    else:
        older, newer = LINES * 3, LINES * 2 + LATER
    old = write(tmp_path / "old.log", shaped(older, "cri"))
    new = write(tmp_path / "new.log", shaped(newer, "bare"))
    one, two = counted([], [old]), counted([], [new])
    assert counted([], [old, new]) == (one[0] + two[0], one[1] + two[1], [])


def split_partial(line: bytes) -> list[bytes]:
    """A CRI line written in two parts: ``P`` (continued on the next line), then ``F``."""
    time, payload = line.split(b" stdout F ", 1)
    return [time + b" stdout P " + payload[:30] + b"\n", time + b" stdout F " + payload[30:]]


@pytest.mark.parametrize("where", ["common", "before"])
@pytest.mark.parametrize("damage", ["partial", "no prefix"])
def test_a_line_of_the_common_part_that_cannot_be_compared_leaves_both_read(tmp_path: Path, where: str,
                                                                            damage: str):
    """A CRI partial line, or a line without the CRI prefix, inside the common part: the pair is not
    recognised. Before the common part (line 3 of the older log), it changes nothing."""
    lines = shaped(LINES, "cri")
    at = FIRST + 3 if where == "common" else 3
    lines[at:at + 1] = split_partial(lines[at]) if damage == "partial" else [shaped(LINES[at:at + 1], "bare")[0]]
    old = write(tmp_path / "old.log", lines)
    new = write(tmp_path / "new.log", shaped(LINES[FIRST:] + LATER, "bare"))
    one, two = counted([], [old]), counted([], [new])
    lines_read, fives, notes = counted([], [old, new])
    if where == "common":
        assert (lines_read, fives, notes) == (one[0] + two[0], one[1] + two[1], [])
    else:
        [(name, reason, _)] = notes
        assert name == "old.log" and reason.startswith("its last ")
        assert fives == counted([], [write(tmp_path / "whole.log", LINES + LATER)])[1]


def test_logs_of_one_shape_are_compared_on_bytes(tmp_path: Path, monkeypatch):
    """Two logs of one shape take the byte comparison as before: no payload is read."""
    monkeypatch.setattr(log_overlaps, "payloads_compared", lambda *a, **k: pytest.fail("compared on payloads"))
    old = write(tmp_path / "old.log", shaped(LINES, "cri"))
    new = write(tmp_path / "new.log", shaped(LINES[FIRST:] + LATER, "cri"))
    [(_, reason, _)] = counted([], [old, new])[2]
    assert "are the first bytes of new.log" in reason


def test_a_node_log_and_a_must_gather_are_analyzed_with_the_common_requests_once(tmp_path: Path):
    """Two inputs: a node's pod-log directory (``/var/log/pods/<ns>_<pod>_<uid>/logs/0.log``, CRI lines, the
    older collection) and a must-gather whose ``current.log`` (kubelet-timestamped) starts inside it."""
    pods = tmp_path / "node" / "var" / "log" / "pods" / "openshift-ingress_router-default-1_0a1b" / "logs"
    pods.mkdir(parents=True)
    write(pods / "0.log", shaped(LINES, "cri"))
    new = must_gather(tmp_path, "mg-new", b"".join(LINES[FIRST:] + LATER))
    whole = must_gather(tmp_path, "mg-whole", b"".join(LINES + LATER))
    alone = analyze(tmp_path, str(whole))
    both = analyze(tmp_path, str(tmp_path / "node"), str(new))
    assert counts(both) == counts(alone) and alone["summary"]["requests"] > 40
    [note] = overlap_notes(both)
    assert note["source"].endswith("0.log") and note["offset"] is None
    assert f"from byte {len(b''.join(shaped(LINES[:FIRST], 'cri')))}, are the first lines of" in note["reason"]


def test_a_log_whose_first_bytes_cannot_be_read_is_not_searched(tmp_path: Path, monkeypatch):
    """A log whose first bytes cannot be read (damaged, or cut within them) has no shape and holds nothing to
    find: the pair is left alone (the parse says why the log could not be read)."""
    head = log_overlaps.log_head
    monkeypatch.setattr(log_overlaps, "log_head", lambda src, member: None if member.name == "old.log"
                        else head(src, member))
    old = write(tmp_path / "old.log", shaped(LINES, "cri"))
    new = write(tmp_path / "new.log", shaped(LINES[FIRST:], "bare"))
    jobs = [(src, src.members[0], None, None) for src in map(open_input, (old, new))]
    assert log_overlaps.overlapping_logs(jobs) == (jobs, [None, None], [])
