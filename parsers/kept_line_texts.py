"""The text of a chunk's kept lines, taken while the parsing thread holds it, where the evidence wants it.

The report quotes the abnormal lines it cites (``parsers.load_logs._evidence_lines``: the first
:data:`parsers.load_logs.EVIDENCE_LINE_CAP` of them). The parsers keep fields, not text, so those lines
were read again from the file after the parse. When the kept rows are few and spread over the whole log
(a router-wide outage of other routes: one kept row per minute, status and state), that second pass read
the whole log again, on one core, to quote a few hundred lines; when every line is kept (an outage, or
the busy traffic, of the inputs' own routes) it read the start of the file again, where the first
abnormal lines are (0.2–0.3 s of a 10M-line log, docs/performance.md).

So a chunk whose kept lines are at most :data:`SPARSE` hands their text over with its rows, and a chunk
keeping more hands over the text of its first abnormal lines while its file holds fewer than
:data:`FIRST_ABNORMAL` (the evidence quotes the first 20,000 abnormal lines of all files in time order,
and each file's share of them is at its start; :class:`TextShare`). Which lines are abnormal is the evidence's rule
(:func:`abnormal_rows`, ``parsers.load_logs.abnormal_lines``); a line handed over that the evidence does
not quote, or one it quotes and was not handed over, only changes what is read again, never the text.
The text is the line as the second pass would read it: only chunks whose lines are their physical
lines' bytes give it (``ChunkLines.verbatim``), terminators trimmed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array
from parsers.log_lines import ChunkLines
from parsers.term_side import router_side_state

SPARSE = 1024  # kept lines of a chunk up to which their text is handed over
PER_FILE = 50_000  # texts kept for one file at most (about 20 MB of lines): the rest is read again
FIRST_ABNORMAL = 20_000  # a file's texts up to which chunks keeping more than SPARSE hand abnormal ones over


class TextShare:
    """How many texts a file has taken: ``parsers.haproxy_log.collect`` counts them, and chunks keeping many
    lines stop handing texts over at :data:`FIRST_ABNORMAL`. Shared by the chunks of one file parsed on this
    machine's threads; chunks in flight may read it before an update (a few more texts). A Dask worker gets
    a copy that ``collect`` never updates: its chunks keep making texts, ``collect`` takes them up to
    :data:`PER_FILE`, and what is not taken is read again. The quoted lines are the same either way."""

    def __init__(self) -> None:
        self.taken = 0

    def wanted(self) -> int:
        return max(PER_FILE - self.taken, 0)

    def took(self, count: int) -> None:
        self.taken += count


def kept_line_texts(rows: pa.Table, lines: ChunkLines, share: TextShare | None = None) -> dict[int, str] | None:
    """The text of the kept ``rows`` (their ``line`` numbers, counted as ``lines.numbers`` count) by line
    number: all of them where at most :data:`SPARSE`, else the first abnormal ones while ``share`` wants
    some; None where the chunk's lines are not verbatim or nothing is handed over."""
    if not lines.verbatim or not rows.num_rows:
        return None
    numbers = rows.column("line").to_numpy()
    if rows.num_rows > SPARSE:
        wanted = min(FIRST_ABNORMAL - share.taken, share.wanted()) if share is not None else 0
        if wanted <= 0:
            return None
        numbers = numbers[np.flatnonzero(abnormal_rows(rows))[:wanted]]
        if not len(numbers):
            return None
    at = np.searchsorted(lines.numbers, numbers)
    found = (at < len(lines.numbers)) & (lines.numbers[np.minimum(at, len(lines.numbers) - 1)] == numbers)
    if not found.all():  # a row without its line in ``lines``: nothing handed over, the file is read again
        return None
    return dict(zip(numbers.tolist(), lines.taken(at).to_pylist(), strict=True))


def abnormal_rows(rows: pa.Table) -> np.ndarray:
    """Which rows the evidence quotes (``parsers.load_logs.abnormal_lines``): a 5xx or no response
    (status -1), queued (``srv_queue`` or ``backend_queue`` above 0), or a router-side termination state."""
    status = one_array(rows.column("status"))
    found = pc.or_(pc.greater_equal(status, 500), pc.equal(status, -1))
    for name in ("srv_queue", "backend_queue"):
        found = pc.or_kleene(found, pc.greater(one_array(rows.column(name)), 0))
    mask = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    term = one_array(rows.column("term"))
    if pa.types.is_dictionary(term.type):
        side = np.array([*(router_side_state(t) for t in term.dictionary.to_pylist()), False], dtype=bool)
        return mask | side[pc.fill_null(term.indices, len(side) - 1).to_numpy(zero_copy_only=False)]
    return mask | np.array([t is not None and router_side_state(t) for t in term.to_pylist()], dtype=bool)
