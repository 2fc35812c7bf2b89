"""A log whose last part is the first part of another input's log is read once: up to where the other starts.

Two collections whose windows overlap hold the same lines twice, but not as a copy or a first part
(:mod:`parsers.log_duplicates`): ``oc adm must-gather --since=2h`` run twice an hour apart, or ``oc logs
--since`` saved twice, gives the older log's last hour as the newer log's first hour; a log collected whole
holds a shorter window's log somewhere inside it. Read twice, every request, every 5xx and every affected
request of the common part would count twice, with nothing in the report to say so.

Only logs of different inputs are compared, and only logs of the same router pod (or of no router pod the
path names, such as a log given with ``--logs``): within one input ``previous.log``, ``current.log`` and the
rotated logs of a pod follow each other. For two such logs, the newer one's first line is looked for in
the older one, at the start of a line past its first byte (the common part may be that one line) (a log that
starts where another starts is :mod:`parsers.log_duplicates`' business, or, in another line shape,
:mod:`parsers.log_same_starts`'). Each place found is then checked
byte by byte as parsed (decompressed), never on a digest or the first lines alone:

- the older log from that place to its end is the newer log's first part: the older log is read up to that
  byte (``ChunkJob.read_to``), and the part it leaves is a ``skipped`` entry whose reason names that byte
  (no ``offset``: that field marks reading stopped at a limit or damage, where the verdicts rest on less than
  the inputs held; here every line is read, in the newer log). Its line numbers are kept, and the newer log
  is read whole;
- the newer log ends inside the older one: every byte of it is there, so it is skipped whole, naming the log
  it is read in;
- otherwise both are read.

The same router's lines may reach us in two line shapes (:mod:`parsers.log_payloads`): a node's CRI file
(``/var/log/pods/.../0.log``, ``<time> stdout F <line>``) next to a must-gather's ``current.log`` of the same
pod (``oc logs --timestamps``: ``<time> <line>``), or an ``oc logs`` save without times. Their bytes differ,
so two logs whose first lines have two shapes are compared on their lines' payloads, each line with its own
prefix removed as the parse removes it: the newer log's first line's payload is looked for as the payload
of a line of the older one, every place found is checked payload by payload, line by line, over the whole
common part, and the outcomes and notes are the ones above (the older log read up to the byte of its own
where that line starts; the newer log skipped whole), the notes saying the lines were compared without
their prefixes. A CRI partial line (``P``) inside the common part, or a line there whose prefix cannot be
removed, makes the pair not recognised: both are read. Two logs of one shape are compared byte by byte, as
above. Two logs of two shapes whose first lines' payloads are equal are decided first, by
:mod:`parsers.log_same_starts` (one a first part or a copy of the other, line for line: it is skipped); such
a pair is not looked at here, whatever the outcome, nor any pair of a log skipped there.

A log found in more than :data:`MAX_PLACES` places, two places that both check out (lines that repeat) or
two logs each the other's overlap make the place ambiguous: both are read, as before this module. Cuts
follow the logs: a log whose lines after byte ``p`` are another's may itself hold a third log whole, or be
held by one; every line is still read once (each cut points at a log that starts later). A note names the log
the lines are read in as it is read: a log held whole in several names one read whole if there is one, else
one read past the place, else one read up to a byte before it (the lines are then in the log that goes on
there), and a log named that is itself read up to a byte, or skipped, is said to be (the log's lines are read
there up to that byte and past it in the log that goes on; or in the log that holds it). The same goes for the
log named by a copy skipped in :mod:`parsers.log_duplicates` and a log skipped in :mod:`parsers.log_same_starts`.

Cost. Nothing is opened unless two inputs hold logs of the same router pod (or of none). Only a log whose
first line is a router's (the ``haproxy[pid]:`` tag, or an HAProxy accept date ``[dd/Mon/yyyy:hh:mm:ss``) is
looked for in the others: a case note or an ``oc get`` text next to a must-gather costs no read of its router
logs. Then each log that may hold one is read once whole as parsed to look for their first lines (a member
of a compressed archive costs decompressing the archive up to it), and a place found costs reading the
older log from there and the newer log's common part once more (two shapes: each block of lines rid of its
prefixes by one regular-expression pass). The first bytes of each log opened are held
meanwhile (:data:`parsers.log_duplicates.HEAD`); :mod:`parsers.log_same_starts` decides on the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parsers.log_duplicates import CHUNK, UNREADABLE, Duplicate, LogJob, compared, log_head, read_full
from parsers.log_payloads import PREFIX_MAX, line_places, payload_of, payloads_compared, prefixes_removed, shape_of
from parsers.log_same_starts import same_starts
from parsers.log_stream import open_log_stream

ROUTER_LINE = re.compile(rb"haproxy\[\d+\]: |\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d")  # see "Cost"
MAX_PLACES = 8  # places of one log's first lines in another past which the place is ambiguous

Note = tuple[Any, Any, str, None]  # (source, member, reason, no offset) of a log read in part or not at all
# what a log is looked for by: its first line's bytes, or (its first line's payload, the shape of the log it is
# looked for in, its own shape) when the two logs' lines have two shapes
Needle = bytes | tuple[bytes, str, str]


@dataclass(frozen=True)
class _Relation:
    older: int  # the log the newer one's first lines were found in
    newer: int
    at: int  # the byte of the older log where the newer one starts
    length: int  # the common bytes: the older log's from ``at`` (it ends inside the newer one), or the newer log's
    whole: bool  # the newer log ends inside the older one (else the older one ends inside the newer one)
    shapes: tuple[str, str] | None = None  # the older and newer logs' line shapes, when they differ


def overlapping_logs(jobs: Sequence[LogJob], copies: Sequence[Duplicate] = (),
                     ) -> tuple[list[LogJob], list[int | None], list[Note]]:
    """The jobs with every log held whole by another left out, the byte each remaining log is read to (None:
    its end), aligned with them, and a note for every log left out or read in part (see the module's text):
    first the ``copies`` :mod:`parsers.log_duplicates` skipped (each naming a log of ``jobs``), their reasons
    saying where the lines of the log they name are read when that log is not read whole here."""
    pairs = _pairs(jobs)
    if not pairs:
        return list(jobs), [None] * len(jobs), [(src, member, reason, None) for src, member, reason, _ in copies]
    heads = {k: head for k in sorted({k for pair in pairs for k in pair})
             if (head := log_head(*jobs[k][:2])) is not None}
    same, decided = same_starts(jobs, pairs, heads)  # two shapes starting at one line: decided there, not here
    pairs = [pair for pair in pairs if frozenset(pair) not in decided and not same.keys() & set(pair)]
    shapes = {k: shape_of(head[0]) for k, head in heads.items()}
    keys = {k: key for k, head in heads.items() if (key := _first_line(head[0])) is not None}
    relations = _relations(jobs, pairs, keys, shapes)
    skipped = {r.newer for r in relations if r.whole}
    read_to: dict[int, _Relation] = {}
    for r in relations:
        if not r.whole and r.older not in skipped and (r.older not in read_to or r.at < read_to[r.older].at):
            read_to[r.older] = r
    held: dict[int, _Relation] = {}  # each log skipped -> the log named as holding it (see :func:`_holder_rank`)
    for r in relations:
        if r.whole and (r.newer not in held or _holder_rank(r, skipped, read_to) < _holder_rank(
                held[r.newer], skipped, read_to)):
            held[r.newer] = r
    notes: list[Note] = []
    for src, member, reason, target in copies:
        where = _read_in(jobs, next((k for k, job in enumerate(jobs) if job is target), None), held, read_to, same)
        notes.append((src, member, reason + (f", {where}" if where else ""), None))
    out, ends = [], []
    for k, job in enumerate(jobs):
        if k in same:
            target, reason = same[k]
            where = _read_in(jobs, target, held, read_to, same)
            notes.append((job[0], job[1], reason + (f", {where}" if where else ""), None))
            continue
        if k in held:
            r = held[k]
            what = "byte" if r.shapes is None else "line"
            where = _read_in(jobs, r.older, held, read_to, same) or "there"
            notes.append((job[0], job[1], f"every {what} of it is in {_name(jobs, r.older)}, from byte {r.at}"
                                          f"{_shapes(r.shapes, here=1)} (an overlapping collection of this access"
                                          f" log): read once, {where}", None))
            continue
        out.append(job)
        ends.append(read_to[k].at if k in read_to else None)
        if k in read_to:
            r = read_to[k]
            what = "bytes" if r.shapes is None else "lines"
            notes.append((job[0], job[1], f"its last {r.length} bytes, from byte {r.at}, are the first {what} of"
                                          f" {_name(jobs, r.newer)}{_shapes(r.shapes, here=0)} (an overlapping"
                                          " collection of this access log, which goes on there): read once, there",
                          None))
    return out, ends, notes


def _holder_rank(r: _Relation, skipped: set[int], read_to: dict[int, _Relation]) -> tuple[bool, bool, bool]:
    """How well the older log of a relation that holds a log whole names where that log's lines are read (lower
    is better): a log read whole, then one read up to a byte past the place, then one read up to a byte at or
    before the place (the lines are then in the log it stops for), and last a log skipped itself."""
    cut = read_to.get(r.older)
    return r.older in skipped, cut is not None and cut.at <= r.at, cut is not None


def _read_in(jobs: Sequence[LogJob], k: int | None, held: dict[int, _Relation], read_to: dict[int, _Relation],
             same: dict[int, tuple[int, str]], seen: frozenset[int] = frozenset()) -> str:
    """Where the lines of log ``k``, named in a note as the log another log's lines are read in, are read when
    ``k`` is not read whole: up to a byte of it and past it in the log that goes on there, or (``k`` skipped
    itself) in the log that holds it; empty when ``k`` is read whole."""
    if k is None or k in seen:
        return ""
    if k in read_to:
        r = read_to[k]
        return f"in {_name(jobs, k)} up to its byte {r.at} and past it in {_name(jobs, r.newer)}"
    if k in held:
        holder, what, at = held[k].older, "byte" if held[k].shapes is None else "line", f" from its byte {held[k].at}"
    elif k in same:
        holder, what, at = same[k][0], "line", ""
    else:
        return ""
    further = _read_in(jobs, holder, held, read_to, same, seen | {k})
    return (f"in {_name(jobs, holder)}, which holds every {what} of {_name(jobs, k)}{at}"
            + (f" ({further})" if further else ""))


def _pairs(jobs: Sequence[LogJob]) -> list[tuple[int, int]]:
    """The ordered pairs (older, newer) worth comparing: logs of different inputs, of the same router pod or of
    none, neither empty; both orders of each (which one is older is what the comparison finds)."""
    out = []
    for a, (src_a, member_a, pod_a, _) in enumerate(jobs):
        for b, (src_b, member_b, pod_b, _) in enumerate(jobs):
            if (a != b and src_a is not src_b and (pod_a == pod_b or pod_a is None or pod_b is None)
                    and _non_empty(src_a, member_a) and _non_empty(src_b, member_b)):
                out.append((a, b))
    return out


def _non_empty(src: Any, member: Any) -> bool:
    return bool(member.size) or bool(getattr(src, "compression", None) and src.compressed_size(member))


def _first_line(head: bytes) -> bytes | None:
    """A log's first line with its newline; None when its first bytes hold no whole line or it is no router's
    line (see "Cost" in the module's text)."""
    end = head.find(b"\n") + 1
    return head[:end] if end and ROUTER_LINE.search(head, 0, end) else None


def _shapes(shapes: tuple[str, str] | None, here: int) -> str:
    """What a note adds when two logs' lines were compared without their prefixes: the shape of each
    (``here``: the log the note is about, 0 the older, 1 the newer); nothing for logs of one shape."""
    return "" if shapes is None else prefixes_removed(shapes[here], shapes[1 - here])


def _relations(jobs: Sequence[LogJob], pairs: list[tuple[int, int]], keys: dict[int, bytes],
               shapes: dict[int, str]) -> list[_Relation]:
    """Every pair whose overlap checked out at exactly one place, both logs of a pair each the other's
    overlap left out. A newer log of another line shape than the older one is looked for by its first
    line's payload (:mod:`parsers.log_payloads`)."""
    wanted: dict[int, dict[int, Needle]] = {}
    for older, newer in pairs:
        if newer not in keys or older not in shapes:  # nothing to look for, or nowhere readable to look
            continue
        if shapes[older] == shapes[newer]:
            wanted.setdefault(older, {})[newer] = keys[newer]
        elif (payload := payload_of(keys[newer], shapes[newer])) is not None:
            wanted.setdefault(older, {})[newer] = (payload, shapes[older], shapes[newer])
    found = []
    for older, patterns in wanted.items():
        for newer, places in _places(jobs[older], patterns).items():
            if len(places) > MAX_PLACES:
                continue
            pattern = patterns[newer]
            pair = None if isinstance(pattern, bytes) else pattern[1:]
            checked = [r for at in places if (r := _checked(jobs, older, newer, at, pair)) is not None]
            if len(checked) == 1:
                found.append(checked[0])
    both = {(r.older, r.newer) for r in found} & {(r.newer, r.older) for r in found}
    return [r for r in found if (r.older, r.newer) not in both]


def _places(job: LogJob, patterns: dict[int, Needle]) -> dict[int, list[int]]:
    """Where each pattern starts a line of the log past its first byte, as parsed (a payload pattern: where a
    line of the log's shape whose payload it is starts): at most :data:`MAX_PLACES` + 1 places each; nothing
    when the log is unreadable or cut."""
    needles = {k: b"\n" + pattern for k, pattern in patterns.items() if isinstance(pattern, bytes)}
    payloads = {k: pattern for k, pattern in patterns.items() if not isinstance(pattern, bytes)}
    carry = max([len(n) - 1 for n in needles.values()] + [len(p[0]) + PREFIX_MAX for p in payloads.values()])
    places: dict[int, list[int]] = {k: [] for k in patterns}
    try:
        with open_log_stream(job[0], job[1]) as (stream, readers):
            tail, base = b"", 0  # the bytes kept from the previous block, and the offset of their first byte
            while block := read_full(stream, CHUNK):
                window = tail + block
                for k, needle in needles.items():
                    start = max(0, len(tail) - len(needle) + 1)  # a match that ends in the new block
                    while len(places[k]) <= MAX_PLACES and (i := window.find(needle, start)) >= 0:
                        places[k].append(base + i + 1)
                        start = i + 1
                for k, (payload, shape, _) in payloads.items():
                    for line in line_places(window, payload, shape, max(0, len(tail) - len(payload) + 1)):
                        if len(places[k]) > MAX_PLACES:
                            break
                        places[k].append(base + line)
                keep = min(carry, len(window))
                base += len(window) - keep
                tail = window[len(window) - keep:]
            if any(reader.cut is not None for reader in readers):
                return {}
    except UNREADABLE:
        return {}
    return {k: found for k, found in places.items() if found}


def _checked(jobs: Sequence[LogJob], older: int, newer: int, at: int,
             shapes: tuple[str, str] | None = None) -> _Relation | None:
    """The older log from byte ``at`` and the newer log from its start, read side by side as parsed (on their
    lines' payloads when their ``shapes`` differ): a relation when one ends and every byte until then
    agreed; None otherwise (or unreadable, or cut)."""
    if shapes is None:
        agreed = compared(jobs[older][:2], jobs[newer][:2], skip=at)
    else:
        agreed = payloads_compared(jobs[older][:2], shapes[0], jobs[newer][:2], shapes[1], skip=at)
    if agreed is None:
        return None
    size, longer = agreed
    # held whole unless it goes on past the older end
    return _Relation(older, newer, at, size, whole=longer <= 0, shapes=shapes)


def _name(jobs: Sequence[LogJob], k: int) -> str:
    return f"{jobs[k][1].name} of {jobs[k][0].label}"
