"""Two logs of one router pod in two line shapes that start at the same line are read once where they agree.

A node's CRI file (``/var/log/pods/.../0.log``, ``<time> stdout F <line>``) and a must-gather's
``current.log`` of the same container (``oc logs --timestamps``: ``<time> <line>``), or an ``oc logs`` save
without times, both collected without ``--since``, start at the container's first line: the most common
way one router's log reaches us twice. Their bytes differ, so :mod:`parsers.log_duplicates` (a copy, or one
log the first part of another, on bytes) does not see it, and :mod:`parsers.log_overlaps` looks for the
newer log's first line past the older one's first byte only. Read twice, every common request would count
twice.

The pairs are :mod:`parsers.log_overlaps`' (logs of different inputs, of the same router pod or of none,
neither empty) whose first lines have two shapes (:mod:`parsers.log_payloads`) and the same payload. Both
are then read side by side from their start on their lines' payloads, each line's own prefix removed, over
the whole common part, never on a digest or the first lines alone, and the choice mirrors
:mod:`parsers.log_duplicates`':

- one log's payloads are the first part of the other's (every one of its lines): it is skipped, naming the
  longer one ("repeats the first lines of"), which is read whole;
- the two are equal line for line: one is skipped ("the same access log as"), the log kept being a plain
  file on disk over one that is decompressed, and otherwise the first given;
- they part before either ends, a line of the compared part cannot be compared (a CRI partial line ``P``, a
  line without its log's prefix), or either is unreadable or cut: both are read.

Every such pair is decided here, whatever the outcome: :mod:`parsers.log_overlaps` leaves it alone (a log
skipped here is not looked at there at all), so no log is skipped twice and a pair that parts is not taken
for an overlap. A log kept here may still be read in part or skipped there against a third log; every line
is still read once, and the note of the log skipped here then says where (:mod:`parsers.log_overlaps`).
Cost: nothing beyond the first bytes already read, unless two first lines' payloads are equal; then both logs
are read as parsed up to where they part or the shorter ends.
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.log_duplicates import LogJob, plain_file
from parsers.log_payloads import payload_of, payloads_compared, prefixes_removed, shape_of

Heads = dict[int, tuple[bytes, bool]]  # each log's first bytes as parsed, and whether a rotated .gz gave them


def same_starts(jobs: Sequence[LogJob], pairs: Sequence[tuple[int, int]], heads: Heads,
                ) -> tuple[dict[int, tuple[int, str]], set[frozenset[int]]]:
    """The logs skipped (their position -> the log their lines are read in, and the reason) and every pair
    decided here (see the module's text), of the ``pairs`` of ``jobs`` (either order) whose first ``heads``
    are known."""
    shapes = {k: shape_of(head[0]) for k, head in heads.items()}
    firsts = {k: _first_payload(head[0], shapes[k]) for k, head in heads.items()}
    wanted = {frozenset(pair) for pair in pairs if all(firsts.get(k) is not None for k in pair)
              and shapes[pair[0]] != shapes[pair[1]] and firsts[pair[0]] == firsts[pair[1]]}
    if not wanted:
        return {}, set()
    into: dict[int, tuple[int, bool]] = {}  # skipped -> (the log it is read in, a first part: else a copy)
    kept: list[int] = []
    for k in sorted({k for pair in wanted for k in pair}):
        for other in list(kept):
            if frozenset((other, k)) not in wanted:
                continue
            agreed = payloads_compared(jobs[other][:2], shapes[other], jobs[k][:2], shapes[k], skip=0)
            if agreed is None:
                continue
            longer = agreed[1]
            if longer > 0 or (not longer and plain_file(*jobs[k][:2], heads[k][1])
                              and not plain_file(*jobs[other][:2], heads[other][1])):
                into[other] = (k, longer != 0)
                kept.remove(other)
            else:
                into[k] = (other, longer != 0)
                break
        if k not in into:
            kept.append(k)
    return {k: _reason(jobs, shapes, into, k) for k in into}, wanted


def _first_payload(head: bytes, shape: str) -> bytes | None:
    """The payload of a log's first line (its newline kept); None when the first bytes hold no whole line
    or its prefix cannot be removed."""
    end = head.find(b"\n") + 1
    return payload_of(head[:end], shape) if end else None


def _reason(jobs: Sequence[LogJob], shapes: dict[int, str], into: dict[int, tuple[int, bool]], k: int,
            ) -> tuple[int, str]:
    """The log ``k``'s lines are read in (following the logs skipped in turn: a longer log on the way makes it a
    first part), and why ``k`` is skipped, naming it."""
    target, start = into[k]
    while target in into:
        target, step = into[target]
        start = start or step
    name = f"{jobs[target][1].name} of {jobs[target][0].label}"
    prefixes = prefixes_removed(shapes[k], shapes[target])
    if start:
        return target, f"repeats the first lines of {name}{prefixes}, a longer copy of this access log: read once"
    return target, f"the same access log as {name}{prefixes} (the same lines, line for line): read once"
