"""A cited request line whose raw text was not kept is described from its cells: the same words as from
its whole row."""

from __future__ import annotations

import pandas as pd

from analyzer.evidence import _row_cells, describe_request, log_evidence
from parsers.snapshot import Snapshot


def requests() -> pd.DataFrame:
    return pd.DataFrame({
        "ts": pd.to_datetime(["2026-11-20T08:00:03Z", None, "2026-11-20T08:00:01Z", "2026-11-20T08:00:02Z"],
                             utc=True),
        "backend": pd.Categorical(["be_http:shop:web", None, "be_tcp:shop:db", "be_http:shop:web"]),
        "server": pd.Categorical(["pod:web-1:web:http:10.0.0.1:8080", "<NOSRV>", None,
                                  "pod:web-2:web:http:10.0.0.2:8080"]),
        "TR": pd.array([0, None, 5, 1], dtype="Int8"), "Tw": pd.array([0, 0, None, 0], dtype="Int16"),
        "Tc": pd.array([1, -1, 0, 2], dtype="Int8"), "Tr": pd.array([30001, -1, None, 12], dtype="Int16"),
        "Ta": pd.array([30002, 3, 7, 15], dtype="Int16"), "status": pd.array([504, 503, None, 502], dtype="Int16"),
        "term_full": pd.Categorical(["sH--", None, "SD--", None]), "term": pd.Categorical(["sH", "SC", None, "SH"]),
        "input": pd.Categorical(["router.log"] * 4), "source": pd.Categorical(["router.log"] * 4),
        "line": pd.array([10, 11, None, 13], dtype="Int32"),
    }, index=[40, 41, 42, 43])


def test_the_description_from_the_cells_is_the_description_from_the_row():
    rows = requests()
    for at in range(len(rows)):
        assert describe_request(_row_cells(rows, at)) == describe_request(rows.iloc[at])
    assert describe_request(_row_cells(rows, 0)) == (
        "be_http:shop:web/pod:web-1:web:http:10.0.0.1:8080 0/0/1/30001/30002 504 sH--")
    assert describe_request(_row_cells(rows, 1)) == "nan/<NOSRV> <NA>/0/-1/-1/3 503 nan"


def test_cited_lines_are_quoted_where_kept_and_described_where_not():
    rows = requests()
    snap = Snapshot(frames={}, inputs=[], skipped=[], inspected_namespaces=frozenset(),
                    collected_namespaces=frozenset(), collection_window=(None, None))
    snap.log_texts = {("router.log", "router.log", 13): "raw line 13"}
    cited = log_evidence(snap, rows)
    assert [(e.line, e.text) for e in cited] == [
        (None, describe_request(rows.iloc[2])), (13, "raw line 13"), (11, describe_request(rows.iloc[1]))]


def test_every_cited_log_line_is_quoted_from_the_file_when_the_parse_kept_no_text(monkeypatch):
    """The parse hands over no text and the evidence pass reads none: the cited request lines are read back
    once the rules are done, each the file's own line (a finding's last line is most often such a line); a
    router message cited from the same file keeps its message."""
    from pathlib import Path

    from analyzer.run import analyze
    from parsers import load_logs, log_chunks
    from parsers.load_snapshot import load_snapshot
    from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs

    monkeypatch.setattr(log_chunks, "kept_line_texts", lambda *a, **k: None)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 0)
    quoted = 0
    for scenario in [s for s in SCENARIO_DIRS if s.name.startswith(("B50", "time-"))]:
        snap = load_snapshot(*scenario_inputs(scenario))
        assert not snap.log_texts
        for finding in analyze(snap, tool_version="t").findings:
            for e in finding.evidence:
                if (e.input or "", e.source) in snap.log_readers:
                    root = Path(e.input or "")
                    path = root / e.source if root.is_dir() else root
                    physical = path.read_bytes().split(b"\n")[e.line - 1].decode().rstrip("\r")
                    assert e.text in physical  # the request line itself, or the router message it logged
                    quoted += e.text == physical
    assert quoted >= 50


def test_of_lines_of_one_millisecond_the_first_given_is_cited():
    """An outage logs many lines in one millisecond: the cited first lines are the first of them as the rows
    give them (the frame's order, each file's lines in their order), the last the last, however many tie."""
    for n in (3, 16, 17, 40, 1000):
        rows = pd.DataFrame({
            "ts": pd.to_datetime(["2026-11-20T08:00:00.001Z"] * n, utc=True),
            "input": pd.Categorical(["router.log"] * n), "source": pd.Categorical(["router.log"] * n),
            "line": pd.array(range(1, n + 1), dtype="Int32"),
        }, index=range(100, 100 + n))
        snap = Snapshot(frames={}, inputs=[], skipped=[], inspected_namespaces=frozenset(),
                        collected_namespaces=frozenset(), collection_window=(None, None))
        snap.log_texts = {("router.log", "router.log", k): f"line {k}" for k in range(1, n + 1)}
        assert [e.line for e in log_evidence(snap, rows)] == [1, 2, n], n
