"""The text of a chunk's kept lines, taken while the parsing thread holds it, where they are few.

The report quotes the abnormal lines it cites (``parsers.load_logs._evidence_lines``). The parsers keep
fields, not text, so those lines were read again from the file after the parse; when the kept rows are
few and spread over the whole log (a router-wide outage of other routes: one kept row per minute,
status and state), that second pass read the whole log again, on one core, to quote a few hundred
lines (docs/performance.md). A chunk whose kept lines are at most :data:`SPARSE` hands their text over
with its rows; a chunk with more (an outage of the inputs' own routes, where the first abnormal lines
are at the start of the file and the second pass stops there) hands none. The text is the line as the
second pass would read it: only chunks whose lines are their physical lines' bytes give it
(``ChunkLines.verbatim``), terminators trimmed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from parsers.log_lines import ChunkLines

SPARSE = 1024  # kept lines of a chunk up to which their text is handed over
PER_FILE = 50_000  # texts kept for one file at most (about 20 MB of lines): the rest is read again


def kept_line_texts(rows: pa.Table, lines: ChunkLines) -> dict[int, str] | None:
    """The text of the kept ``rows`` (their ``line`` numbers, counted as ``lines.numbers`` count) by line
    number; None where the chunk's lines are not verbatim or more than :data:`SPARSE` are kept."""
    if not lines.verbatim or not rows.num_rows or rows.num_rows > SPARSE:
        return None
    numbers = rows.column("line").to_numpy()
    at = np.searchsorted(lines.numbers, numbers)
    found = (at < len(lines.numbers)) & (lines.numbers[np.minimum(at, len(lines.numbers) - 1)] == numbers)
    if not found.all():  # a row without its line in ``lines``: nothing handed over, the file is read again
        return None
    return dict(zip(numbers.tolist(), lines.taken(at).to_pylist(), strict=True))
