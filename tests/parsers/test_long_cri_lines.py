"""A container runtime's line (CRI ``<time> stdout F|P <content>``) longer than any router line
(``parsers.long_lines``): a full line (``F``) or one piece (``P``) over the cap is one unparsed line of its first
bytes, the rest skipped unheld, on every path that reads the chunks; the router lines around it keep their
numbers, counts and quotes. The long piece is cut out alone, so the pieces of its line around it are not joined
to it: each is a line of its own (counted, unparsed), never lost and never a request. A line of many ordinary
16 KiB pieces is joined once, its first bytes kept."""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest
from typer.testing import CliRunner

from mga.cli import app
from parsers import log_lines, long_lines
from parsers.kept_text import FileReader, _stamp
from parsers.log_quotes import quoted_lines
from tests.conftest import INSPECT_SHOP
from tests.parsers.test_long_lines import BEFORE, CAP, lines_of, parse

TIME = b"2026-11-20T08:30:04.288143123Z"


LONG = 300_000  # the long piece's content, in bytes


def cri(line: bytes, tag: bytes = b"F") -> bytes:
    """A generated router line (the kubelet's time, the rsyslog line) as the runtime writes it."""
    time, payload = line.split(b" ", 1)
    return time + b" stdout " + tag + b" " + payload


# the lines in the middle, by case: the long line is the one over the cap; its physical lines, and which are unparsed
MIDDLES = {
    "full line": [TIME + b" stdout F " + b"x" * LONG + b"\n"],
    "partial piece": [TIME + b" stdout P " + b"x" * LONG + b"\n", TIME + b" stdout F and the end of it\n"],
    "pieces around": [TIME + b" stdout P a short first piece\n", TIME + b" stdout P " + b"x" * LONG + b"\n",
                      TIME + b" stdout F the end\n"],
}
LONG_AT = {"full line": 0, "partial piece": 0, "pieces around": 1}  # the long line's place in the middle


@pytest.mark.parametrize("kind", ["plain", "logs", "analyze"])
@pytest.mark.parametrize("scanner", [True, False], ids=["scanner", "arrow"])
@pytest.mark.parametrize("chunk", [8192, 1 << 20], ids=["line-over-many-chunks", "line-inside-a-chunk"])
@pytest.mark.parametrize("case", list(MIDDLES))
def test_a_long_cri_line_or_piece_is_one_unparsed_line_and_the_lines_around_keep_their_numbers(
        tmp_path, monkeypatch, small_cap, router_lines, kind, scanner, chunk, case):
    lines = [cri(line) for line in router_lines]
    middle = MIDDLES[case]
    path = tmp_path / "0.log"
    path.write_bytes(b"".join(lines[:BEFORE] + middle + lines[BEFORE:]))
    text = [b"", *lines[:BEFORE], *middle, *lines[BEFORE:]]  # by line number
    got = parse(path, monkeypatch, chunk=chunk, scanner=scanner, kind=kind)
    [account] = got.accounting
    assert got.lines_read == account["lines_read"] == len(lines) + len(middle)
    assert got.unparsed == account["unparsed"] == len(middle)  # each piece around the long one is a line of its own
    assert "continued" not in account and account["outside_window"] == 0
    assert account["requests"] + account["router_messages"] == len(lines)
    reference = tmp_path / "short.log"  # the middle lines as garbage lines of a few bytes
    reference.write_bytes(b"".join(lines[:BEFORE] + [b"garbage\n"] * len(middle) + lines[BEFORE:]))
    want = parse(reference, monkeypatch, chunk=chunk, scanner=scanner, kind=kind)
    assert (got.lines_read, got.unparsed, got.accounting) == (want.lines_read, want.unparsed, want.accounting)
    if kind != "analyze":  # (which rows analyze keeps of other namespaces depends on where chunks end)
        assert got.request_rows == want.request_rows and lines_of(got) == lines_of(want)
    rows = got.requests
    assert len(rows) and rows["line"].max() > BEFORE + len(middle)
    for row in rows.itertuples():  # each row's backend and server, and its accept time, on its line
        assert f" {row.backend}/{row.server} ".encode() in text[row.line]
        assert row.ts.strftime("%d/%b/%Y:%H:%M:%S.").encode() in text[row.line]
    at = BEFORE + 1 + LONG_AT[case]
    [sample] = [s for s in got.unparsed_samples if s["line"] == at]
    assert sample["reason"] == (f"a line of {len(middle[LONG_AT[case]]) - 1:,} bytes, longer than any router log"
                                f" line: its first {CAP:,} read")
    assert sample["text"] == middle[LONG_AT[case]][:2000].decode()
    assert sorted(s["line"] for s in got.unparsed_samples) == list(range(BEFORE + 1, BEFORE + 1 + len(middle)))
    after = [BEFORE + len(middle) + 1, BEFORE + len(middle) + 400, len(text) - 1]
    quoted = quoted_lines(FileReader(str(path), (), _stamp(os.lstat(path))), got.chunk_starts[("in", "a.log")],
                          [BEFORE, *after])
    assert quoted == {n: text[n].decode().rstrip("\n") for n in [BEFORE, *after]}


def test_the_rest_of_a_long_piece_is_not_held(tmp_path):
    """A 40 MB piece, read in 1 MiB chunks with the cap as shipped: the chunks hold a few MiB at most."""
    path = tmp_path / "0.log"
    with open(path, "wb") as fh:
        fh.write(TIME + b" stdout F first\n" + TIME + b" stdout P ")
        for _ in range(40):
            fh.write(b"x" * (1 << 20))
        fh.write(b"\n" + TIME + b" stdout F end\n")
    tracemalloc.start()
    try:
        with open(path, "rb") as fh:
            got = [c if isinstance(c, long_lines.LongLine) else bytes(c) for c in log_lines.chunks(fh, 1 << 20)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak
    assert got == [TIME + b" stdout F first\n",
                   long_lines.LongLine((TIME + b" stdout P " + b"x" * (1 << 20))[:long_lines.LONG_LINE],
                                       len(TIME) + 10 + (40 << 20), True),
                   TIME + b" stdout F end\n"]


def test_a_line_of_many_ordinary_pieces_is_joined_to_its_first_bytes():
    """4,000 pieces of 16 KiB (a 64 MB line, as a runtime splits it): one line, no longer than the cap and a piece."""
    piece = TIME + b" stdout P " + b"y" * 16384
    joined, starts = log_lines.join_cri_partials([b"before", *[piece] * 4000, TIME + b" stdout F end", b"after"])
    assert starts == [0, 1, 4002] and joined[0] == b"before" and joined[2] == b"after"
    assert joined[1].startswith(piece + b"y" * 16384)
    assert long_lines.LONG_LINE < len(joined[1]) <= long_lines.LONG_LINE + 16384
    short, _ = log_lines.join_cri_partials([piece, TIME + b" stdout P two", TIME + b" stdout F three"])
    assert short == [piece + b"twothree"]  # a line under the cap: every piece, as before


LOG_OK = (b"2026-11-20T08:41:03.118204411Z stdout F 2026-11-20T08:41:03.118102+00:00 router-a router-a haproxy[812]: "
          b"10.0.1.5:51234 [20/Nov/2026:08:41:03.101] fe_sni~ be_edge_http:shop:frontend/<NOSRV> 0/-1/-1/-1/0 503 "
          b'2656 - - SCNN 12/9/0/0/0 0/0 "GET /cart HTTP/1.1"\n')


@pytest.mark.parametrize("case", ["full line", "partial piece"])
def test_a_3_mb_cri_line_in_mga_logs_and_analyze(tmp_path, case):
    """The cap as shipped: one unparsed line with its length (and, for a piece, its line's end a line of its own);
    the lines after it numbered and quoted as in the file."""
    later = LOG_OK.replace(b"08:41:03", b"08:42:03")
    long = TIME + (b" stdout F " if case == "full line" else b" stdout P ") + b"\x00" * 3_000_000 + b"\n"
    end = b"" if case == "full line" else TIME + b" stdout F the end of it\n"
    log = tmp_path / "0.log"
    log.write_bytes(LOG_OK + long + end + LOG_OK + later)
    n = 2 + bool(end)  # the line of ``later``, minus one
    out = tmp_path / "logs.json"
    result = CliRunner().invoke(app, ["logs", str(log), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    stats = json.loads(out.read_text())
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (n + 2, 3, 1 + bool(end))
    assert stats["unparsed_samples"][0]["line"] == 2 and stats["unparsed_samples"][0]["reason"] == (
        f"a line of {len(long) - 1:,} bytes, longer than any router log line: its first 1,048,576 read")
    [account] = stats["files"]
    assert (account["lines_read"], account["outside_window"], "continued" in account) == (n + 2, 0, False)
    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["analyze", str(INSPECT_SHOP), "--logs", str(log), "--format", "json",
                                      "--output", str(report)])
    assert result.exit_code == 0, result.output
    analyzed = json.loads(report.read_text())
    [account] = [a for a in analyzed["log_accounting"] if a["source"] == "0.log"]
    assert (account["lines_read"], account["requests"], account["unparsed"]) == (n + 2, 3, 1 + bool(end))
    assert not [s for s in analyzed["skipped"] if s.get("source") == "0.log"]
    quoted = [e for e in _walk(analyzed) if isinstance(e, dict) and e.get("source") == "0.log"
              and e.get("line") == n + 2 and isinstance(e.get("text"), str)]
    assert quoted and all(e["text"] == later.decode().rstrip("\n") for e in quoted)


def _walk(node):
    yield node
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else ():
        yield from _walk(child)
