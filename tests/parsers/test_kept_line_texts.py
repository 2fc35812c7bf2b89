"""The text of kept lines handed over by the parse (``parsers.kept_line_texts``): where a chunk keeps few
lines, the evidence lines are not read from the file again, and they are the same text as when read again."""

from __future__ import annotations

import pytest

from parsers import kept_line_texts, load_logs, log_chunks, log_jobs, log_lines
from parsers.load_snapshot import load_snapshot
from tests.conftest import INSPECT_SHOP


def _line(namespace: str, status: int, second: int, extra: str = "") -> str:
    return (f"10.0.1.5:56271 [20/Nov/2026:08:{second // 60:02d}:{second % 60:02d}.000] fe_sni~ "
            f"be_edge_http:{namespace}:web/pod:web-1{extra}:web:http:10.128.0.9:8080 0/0/1/2/3 {status} 512 - - "
            f"{'SH--' if status >= 500 else '--VN'} 12/9/3/1/0 0/0 \"GET /a HTTP/1.1\"")


def _spread_log(ending: str = "\n") -> str:
    """Thousands of lines of a namespace the inputs hold nothing of, and a few of theirs spread over them:
    the kept lines are few and reach the end of the file."""
    rows = []
    for i in range(3000):
        rows.append(_line("blog", 200, i % 3600))
        if i % 500 == 7:
            rows.append(_line("shop", 503, i % 3600, extra="é" if i % 1000 == 7 else ""))
    return ending.join(rows) + ending


@pytest.fixture
def read_again(monkeypatch):
    """The lines the evidence pass reads from the files again."""
    read: list[int] = []
    real = load_logs.numbered_lines

    def watched(stream, numbers, *args, **kwargs):
        read.extend(numbers.tolist())
        return real(stream, numbers, *args, **kwargs)

    monkeypatch.setattr(load_logs, "numbered_lines", watched)
    return read


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("scanner", [False, True])
def test_evidence_lines_of_few_kept_lines_are_handed_over_with_the_text_a_second_read_gives(
        tmp_path, monkeypatch, read_again, ending, scanner):
    log = tmp_path / "router.log"
    log.write_bytes(_spread_log(ending).encode())
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0 if scanner else 1 << 40)
    handed = load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False)
    assert len(handed.frame("requests")) == 6 and not read_again  # six kept lines, none read again
    monkeypatch.setattr(kept_line_texts, "SPARSE", 0)  # no chunk hands its text over: all read again
    monkeypatch.setattr(kept_line_texts, "FIRST_ABNORMAL", 0)
    again = load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False)
    assert len(read_again) == 6
    assert handed.log_texts == again.log_texts and len(handed.log_texts) == 6
    assert any("é" in text for text in handed.log_texts.values())
    assert not any(text.endswith(("\r", "\n")) for text in handed.log_texts.values())


def _outage_log(lines: int = 400) -> str:
    """Every line about the inputs' namespace (all kept), one in three a 503."""
    return "\n".join(_line("shop", 503 if i % 3 == 0 else 200, i % 3600) for i in range(lines)) + "\n"


def test_a_chunk_keeping_many_lines_hands_over_its_first_abnormal_ones(tmp_path, monkeypatch, read_again):
    """An outage of the inputs' own routes keeps every line: holding every kept line's text would hold the
    log, but the evidence quotes the first abnormal lines, at the file's start: those are handed over."""
    log = tmp_path / "router.log"
    log.write_text(_outage_log())
    monkeypatch.setattr(kept_line_texts, "SPARSE", 100)
    monkeypatch.setattr(kept_line_texts, "FIRST_ABNORMAL", 50)
    snap = load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False)
    assert len(snap.log_texts) == 134  # every 503 quoted: the first 50 handed over, the other 84 read again
    assert len(read_again) == 84 and min(read_again) == 3 * 50 + 1  # line numbers count from 1
    monkeypatch.setattr(kept_line_texts, "FIRST_ABNORMAL", 0)
    assert load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False).log_texts == snap.log_texts
    assert len(read_again) == 84 + 134


@pytest.mark.parametrize(("per_file", "first_abnormal"), [(120, 20_000), (50_000, 120)])
@pytest.mark.parametrize("workers", [1, 2])
def test_chunks_hand_over_abnormal_texts_while_their_file_wants_them(tmp_path, monkeypatch, read_again, per_file,
                                                                      first_abnormal, workers):
    """Chunk after chunk, what a file takes stops at its share, or at the abnormal lines the evidence quotes
    at most; later chunks make none. Parsed one chunk at a time, no chunk makes a text beyond the share; on
    two threads, chunks parsed before the share was updated may make texts that are not taken (how many
    depends on the threads' timing: on a loaded machine more than two chunks' worth)."""
    log = tmp_path / "router.log"
    log.write_text(_outage_log(3000))
    monkeypatch.setattr(log_chunks, "WORKERS", workers)
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 32 << 10)
    monkeypatch.setattr(kept_line_texts, "SPARSE", 10)
    monkeypatch.setattr(kept_line_texts, "PER_FILE", per_file)
    monkeypatch.setattr(kept_line_texts, "FIRST_ABNORMAL", first_abnormal)
    made: list[int] = []
    real = kept_line_texts.kept_line_texts

    def counted(rows, lines, share=None):
        found = real(rows, lines, share)
        made.append(len(found or ()))
        return found

    monkeypatch.setattr(log_chunks, "kept_line_texts", counted)
    snap = load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False)
    limit = min(per_file, first_abnormal)
    taken = 1000 - len(read_again)  # every 503 is quoted: those not handed over are read again
    assert len(snap.log_texts) == 1000 and taken <= per_file
    assert len(made) > 5 and limit <= taken <= sum(made)
    if workers == 1:
        assert sum(made) == taken == limit
    assert made[-1] == 0


def test_abnormal_rows_are_the_lines_the_evidence_quotes():
    import pandas as pd
    import pyarrow as pa

    status = [500, 503, -1, 200, 200, 200, 404, None, 200, 200]
    srv_queue = [0, 0, 0, 1, 0, 0, 0, 0, None, 0]
    backend_queue = [0, 0, 0, 0, 2, 0, 0, 0, 0, None]
    term = ["SH--", "SC--", "CD--", "--VN", "sQ--", "sH--", "--NI", None, "cD--", "PH--"]
    rows = pa.table({"status": pa.array(status, pa.int16()), "srv_queue": pa.array(srv_queue, pa.int8()),
                     "backend_queue": pa.array(backend_queue, pa.int8()),
                     "term": pa.array(term).dictionary_encode()})
    frame = pd.DataFrame({"status": pd.array(status, "Int16"), "srv_queue": pd.array(srv_queue, "Int8"),
                          "backend_queue": pd.array(backend_queue, "Int8"),
                          "term": pd.Categorical(term), "input": "i", "source": "s", "line": range(1, 11)})
    expected = load_logs.abnormal_lines(frame)
    assert kept_line_texts.abnormal_rows(rows).tolist() == expected.tolist()
    assert kept_line_texts.abnormal_rows(rows.set_column(3, "term", pa.array(term))).tolist() == expected.tolist()
    assert expected.tolist() == [True, True, True, True, True, True, False, False, False, True]


def test_abnormal_lines_ignore_what_a_missing_value_hides():
    """The evidence's rule reads the columns' own arrays: a missing status or queue is never abnormal, whatever
    the array holds under its mask, and plain (not nullable) columns answer the same."""
    import numpy as np
    import pandas as pd

    hidden = pd.arrays.IntegerArray(np.array([503, -1, 200], dtype=np.int16), np.array([True, True, False]))
    queue = pd.arrays.IntegerArray(np.array([5, 0, 0], dtype=np.int8), np.array([True, False, False]))
    frame = pd.DataFrame({"status": hidden, "srv_queue": queue, "backend_queue": queue,
                          "term": pd.Categorical(["--VN", None, "--NI"])})
    assert load_logs.abnormal_lines(frame).tolist() == [False, False, False]
    plain = pd.DataFrame({"status": [503, 200, None, 200], "srv_queue": [0, 0, 0, 3],
                          "backend_queue": [0.0, 1.0, None, 0.0], "term": ["--VN", "--VN", "--VN", "--VN"]})
    assert load_logs.abnormal_lines(plain).tolist() == [True, True, False, True]


def test_only_verbatim_lines_are_handed_over():
    """Joined CRI parts, replaced bytes and lone carriage returns are not the file's lines: read again."""
    import pyarrow as pa

    rows = pa.table({"line": pa.array([1, 2], pa.int64())})
    plain = log_lines.chunk_lines(b"first\nsecond\n", 1, compiled=True)
    assert kept_line_texts.kept_line_texts(rows, plain) == {1: "first", 2: "second"}
    for chunk in (b"first\rsecond\n", b"fi\xffrst\nsecond\n",
                  b"2026-11-20T08:41:03.2Z stdout P fir\n2026-11-20T08:41:03.2Z stdout F st\nsecond\n"):
        lines = log_lines.chunk_lines(chunk, 1, compiled=True)
        assert not lines.verbatim
        assert kept_line_texts.kept_line_texts(rows, lines) is None
    assert kept_line_texts.kept_line_texts(pa.table({"line": pa.array([3], pa.int64())}), plain) is None


def test_a_file_hands_over_no_more_than_its_share(tmp_path, monkeypatch, read_again):
    log = tmp_path / "router.log"
    log.write_bytes(_spread_log().encode())
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(kept_line_texts, "PER_FILE", 2)
    snap = load_snapshot([str(INSPECT_SHOP)], [str(log)], keep_all_requests=False)
    assert 0 < len(read_again) < 6 and len(snap.log_texts) == 6
