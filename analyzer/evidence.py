"""Build :class:`Evidence` from frame rows: the file, the exact line, the text found there.

Rules never open files; the snapshot gives back the lines of every document it parsed, so a rule
can cite the precise line of a field (``targetPort: 8080``) inside a list file, and the raw text
of the access-log lines it counts. A cited log line whose text the parse did not keep is described
from its fields while the rules run, and read back from the file once they are done
(:func:`quote_cited_log_lines`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from analyzer.facts.common import column_array
from analyzer.model import Evidence, Finding
from parsers.snapshot import Snapshot


def _str(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def object_evidence(snap: Snapshot, row: pd.Series, needle: str | None = None) -> Evidence:
    """Cite an object row; with ``needle``, the first line of that object containing it."""
    source = _str(row.get("source")) or "?"
    inp = _str(row.get("input"))
    start = row.get("line")
    start = int(start) if start is not None and not pd.isna(start) else None
    if start is None:
        return Evidence(source=source, line=None, text=needle or "", input=inp)
    if needle:
        line, text = snap.find_line(inp, source, start, needle)
        return Evidence(source=source, line=line, text=text, input=inp)
    text = snap.source_line(inp, source, start)
    return Evidence(source=source, line=start, text=(text or "").strip(), input=inp)


def log_evidence(snap: Snapshot, rows: pd.DataFrame, limit: int = 3) -> list[Evidence]:
    """Cite up to ``limit`` access-log lines (first, and last when several), with their raw text."""
    if rows.empty:
        return []
    # the rows' order by time, found on the time column alone; only the cited rows are taken, not every
    # column of a reordered copy. A stable sort: of the lines of one millisecond the first in ``rows`` is
    # cited, as they were given (the frame's order: each file's lines in their order). An unstable sort
    # picked another one of them once 17 rows or more were sorted, which depended on how the rows were laid out
    order = (rows["ts"].reset_index(drop=True).sort_values(na_position="last", kind="stable").index.to_numpy()
             if "ts" in rows else np.arange(len(rows)))
    chosen = [int(i) for i in (order if len(order) <= limit else [*order[: limit - 1], order[-1]])]
    # the cited rows' file, line and input read from those columns alone (a row of every column was
    # built for each pick); the whole row is read only to describe a line whose text was not kept
    # (each cell read from the column's array by position: a ``Series.iloc`` per column cost 0.1 ms, and
    # every finding of thousands of routes cites its lines)
    cells = {c: (_cells(column_array(rows, c), chosen) if c in rows else [None] * len(chosen))
             for c in ("input", "source", "line")}
    out = []
    for at, inp_value, source_value, line_value in zip(chosen, cells["input"], cells["source"], cells["line"],
                                                        strict=True):
        inp, source = _str(inp_value), _str(source_value) or "?"
        line = int(line_value) if line_value is not None and pd.notna(line_value) else None
        text = snap.log_text(inp, source, line) if line else None
        out.append(Evidence(source=source, line=line, text=text, input=inp) if text else
                   Evidence(source=source, line=line, text=describe_request(_row_cells(rows, at)), input=inp,
                            described=True))
    return out


def _cells(values: pd.api.extensions.ExtensionArray | np.ndarray, positions: list[int]) -> list:
    """The values at ``positions``, each a scalar as ``Series.tolist`` gives it (``pd.NA`` or NaN where missing)."""
    return [values[i] for i in positions]


def quote_cited_log_lines(snap: Snapshot, findings: Iterable[Finding]) -> None:
    """Quote every cited access-log request line :func:`log_evidence` described (its text not kept by the
    parse): read back together once the rules are done (``Snapshot.quote_log_lines``).

    The parse keeps the text of each file's first abnormal lines; a finding's last cited line is most
    often far beyond them. A line the file cannot give back (an .xz or .bz2 log, a file changed since)
    keeps its description."""
    findings = list(findings)
    described = [(f, i, e) for f in findings for i, e in enumerate(f.evidence) if e.described and e.line is not None]
    if not described:
        return
    snap.quote_log_lines((e.input or "", e.source, int(e.line)) for _, _, e in described)  # type: ignore[arg-type]
    for f, i, e in described:
        text = snap.log_text(e.input, e.source, e.line)
        if text:
            f.evidence[i] = Evidence(source=e.source, line=e.line, text=text, input=e.input)


_DESCRIBED = ("backend", "server", "TR", "Tw", "Tc", "Tr", "Ta", "status", "term_full", "term")


def _row_cells(rows: pd.DataFrame, at: int) -> dict[str, object]:
    """The cells :func:`describe_request` reads of the row at position ``at`` (a row of every column cost 0.3 ms)."""
    return {c: column_array(rows, c)[at] for c in _DESCRIBED if c in rows}


def describe_request(r: Mapping[str, object] | pd.Series) -> str:
    """A compact rendering of a request row when its raw text was not kept."""
    parts = [
        f"{r.get('backend')}/{r.get('server')}",
        f"{r.get('TR')}/{r.get('Tw')}/{r.get('Tc')}/{r.get('Tr')}/{r.get('Ta')}",
        str(r.get("status")),
        str(r.get("term_full") or r.get("term")),
    ]
    return " ".join(str(p) for p in parts)
