"""Three collections of one router's log (a node's CRI file, a must-gather's ``current.log``, an ``oc logs``
save): each line is read once, and the note of a log skipped, whole or in part, names the log its lines are
really read in (``parsers.log_overlaps``), never a log read only in part, or not at all, as if it held them.
Every order of the logs gives the same notes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.parsers.test_log_duplicates import counted
from tests.parsers.test_log_overlap_shapes import shaped, write
from tests.parsers.test_log_overlaps import FIRST, LATER, LINES, must_gather


@pytest.fixture(scope="module")
def once(tmp_path_factory) -> tuple[int, int]:
    """The lines read and 5xx rows of the scenario's lines, read once."""
    lines, fives, _ = counted([], [write(tmp_path_factory.mktemp("whole") / "whole.log", LINES + LATER)])
    return lines, fives


def notes_in_every_order(logs: list[str], once: tuple[int, int], inputs: list[str] = ()) -> dict[str, str]:
    """The skipped logs' notes by name, the same whatever order the logs are given in; every line read once."""
    seen = []
    for order in itertools.permutations(logs):
        lines, fives, notes = counted(list(inputs), list(order))
        assert (lines, fives) == once
        seen.append({name: reason for name, reason, _ in notes})
    assert all(notes == seen[0] for notes in seen)
    return seen[0]


def test_a_log_inside_two_others_one_of_them_skipped_names_the_one_read(tmp_path: Path, once):
    """``o`` is held whole in ``c``, ``n`` in both: ``n`` is read in ``c`` (``o`` is not read at all)."""
    c = write(tmp_path / "c.log", shaped(LINES + LATER, "cri"))
    o = write(tmp_path / "o.log", shaped(LINES[5:], "kubelet"))
    n = write(tmp_path / "n.log", shaped(LINES[FIRST:FIRST + 10], "bare"))
    notes = notes_in_every_order([c, o, n], once)
    assert notes["o.log"].startswith(f"every line of it is in c.log of {c}, from byte ")
    assert notes["n.log"].startswith(f"every line of it is in c.log of {c}, from byte ")
    assert notes["n.log"].endswith("(an overlapping collection of this access log): read once, there")


def test_a_log_inside_the_part_another_log_is_not_read_in_names_the_log_that_goes_on(tmp_path: Path, once):
    """``c`` is read up to line 20, where ``o`` starts; ``n`` (lines 22-25) is in both: its lines are read in
    ``o``, not in ``c``, which is read only up to before them."""
    c = write(tmp_path / "c.log", shaped(LINES[:30], "cri"))
    o = write(tmp_path / "o.log", shaped(LINES[20:] + LATER, "bare"))
    n = write(tmp_path / "n.log", shaped(LINES[22:26], "kubelet"))
    notes = notes_in_every_order([c, o, n], once)
    assert notes["c.log"].startswith(f"its last {len(b''.join(shaped(LINES[20:30], 'cri')))} bytes, from byte "
                                     f"{len(b''.join(shaped(LINES[:20], 'cri')))}, are the first lines of o.log")
    assert notes["n.log"].startswith(f"every line of it is in o.log of {o}, from byte "
                                     f"{len(b''.join(shaped(LINES[20:22], 'bare')))} ")
    assert notes["n.log"].endswith("read once, there")


def test_a_log_across_the_byte_another_is_read_to_says_so(tmp_path: Path, once):
    """``n`` (lines 15-24) is held whole in ``c`` only, which is read up to line 20: its lines are read in ``c``
    up to that byte and in ``o`` past it, and its note says both."""
    c = write(tmp_path / "c.log", shaped(LINES[:30], "cri"))
    o = write(tmp_path / "o.log", shaped(LINES[20:] + LATER, "bare"))
    n = write(tmp_path / "n.log", shaped(LINES[15:25], "kubelet"))
    notes = notes_in_every_order([c, o, n], once)
    cut = len(b"".join(shaped(LINES[:20], "cri")))
    assert notes["n.log"].startswith(f"every line of it is in c.log of {c}, from byte "
                                     f"{len(b''.join(shaped(LINES[:15], 'cri')))} ")
    assert notes["n.log"].endswith(f"read once, in c.log of {c} up to its byte {cut} and past it in o.log of {o}")


def test_a_log_skipped_for_its_same_start_names_where_the_log_it_repeats_is_read(tmp_path: Path, once):
    """``s`` is the first part of ``t`` in another shape (``parsers.log_same_starts``) and ``t`` is held whole in
    ``c``: ``t`` is not read, ``s``'s lines are read in ``c``, and its note says so."""
    c = write(tmp_path / "c.log", shaped(LINES + LATER, "cri"))
    t = write(tmp_path / "t.log", shaped(LINES[5:30], "kubelet"))
    s = write(tmp_path / "s.log", shaped(LINES[5:20], "bare"))
    notes = notes_in_every_order([c, t, s], once)
    at = len(b"".join(shaped(LINES[:5], "cri")))
    assert notes["t.log"].startswith(f"every line of it is in c.log of {c}, from byte {at} ")
    assert notes["s.log"].startswith(f"repeats the first lines of t.log of {t}")
    assert notes["s.log"].endswith(f"a longer copy of this access log: read once, in c.log of {c}, which holds"
                                   f" every line of t.log of {t} from its byte {at}")


def test_a_log_skipped_for_its_same_start_names_the_byte_the_log_it_repeats_is_read_to(tmp_path: Path, once):
    """``kubelet`` is the first part of ``cri``, which is read up to line ``FIRST``, where ``newer`` starts: the
    lines of ``kubelet`` past it are read in ``newer``."""
    cri = write(tmp_path / "cri.log", shaped(LINES, "cri"))
    kubelet = write(tmp_path / "kubelet.log", shaped(LINES[:FIRST + 5], "kubelet"))
    newer = write(tmp_path / "newer.log", shaped(LINES[FIRST:] + LATER, "bare"))
    notes = notes_in_every_order([kubelet, cri, newer], once)
    cut = len(b"".join(shaped(LINES[:FIRST], "cri")))
    assert notes["kubelet.log"].endswith(f"a longer copy of this access log: read once, in cri.log of {cri} up to"
                                         f" its byte {cut} and past it in newer.log of {newer}")
    assert notes["cri.log"].startswith(f"its last {len(b''.join(shaped(LINES[FIRST:], 'cri')))} bytes, from byte"
                                       f" {cut}, are the first lines of newer.log of {newer}")


def test_a_copy_skipped_on_bytes_names_the_byte_the_log_it_repeats_is_read_to(tmp_path: Path, once):
    """An ``oc logs --timestamps`` save ``s`` is the first bytes of a must-gather's ``current.log``
    (``parsers.log_duplicates``), which is read up to line ``FIRST``, where a node's CRI file starts."""
    mg = must_gather(tmp_path, "mg", b"".join(LINES))
    s = write(tmp_path / "s.log", LINES[:20])
    c = write(tmp_path / "c.log", shaped(LINES[FIRST:] + LATER, "cri"))
    notes = notes_in_every_order([s, c], once, [str(mg)])
    [current] = [name for name in notes if name != "s.log"]
    cut = len(b"".join(LINES[:FIRST]))
    assert notes["s.log"].startswith(f"repeats the first {len(b''.join(LINES[:20]))} bytes of ")
    assert notes["s.log"].endswith(f"a longer copy of this access log: read once, in {current} of {mg} up to its"
                                   f" byte {cut} and past it in c.log of {c}")
    assert notes[current].startswith(f"its last {len(b''.join(LINES[FIRST:]))} bytes, from byte {cut}, are the"
                                     f" first lines of c.log of {c}")


def test_a_copy_skipped_on_bytes_names_where_the_log_it_repeats_is_read(tmp_path: Path, once):
    """``s`` is the first bytes of a must-gather's ``current.log``, itself the first part of a node's CRI file
    (``parsers.log_same_starts``): ``current.log`` is not read, and ``s``'s note names the CRI file."""
    mg = must_gather(tmp_path, "mg", b"".join(LINES[:30]))
    s = write(tmp_path / "s.log", LINES[:20])
    c = write(tmp_path / "c.log", shaped(LINES + LATER, "cri"))
    notes = notes_in_every_order([s, c], once, [str(mg)])
    [current] = [name for name in notes if name != "s.log"]
    assert notes[current].startswith(f"repeats the first lines of c.log of {c}")
    assert notes["s.log"].endswith(f"a longer copy of this access log: read once, in c.log of {c}, which holds"
                                   f" every line of {current} of {mg}")
