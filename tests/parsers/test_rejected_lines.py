"""Lines no request shape reads are told apart without trying every shape on each: a line without ``[`` is no
request (``parsers.log_layers.REQUEST_MARK``), a body that does not start as one is no request line
(``REQUEST_HEAD``), and only a line with a router message's words is searched for one
(``parsers.router_messages.EVENT_HINT``). With the three tests made to pass every line, the parse reads every
line each way, as before they existed: the rows, router messages, unparsed count and samples must be the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import log_layers, log_rejected
from parsers.haproxy_log import open_job, parse_chunk
from parsers.log_rejected import MAX_SAMPLES

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "haproxy-lab" / "access.log"
JUNK = [
    b"",
    b"2026-11-24T04:43:00.000Z INFO application started",
    b"[INFO] backend pool ready",  # a "[" and a message word: tried as a request and as a message, neither
    b"the backend is slow today",
    b"Server maintenance at noon",
    b"10.0.0.1:5000 [24/Nov/2026:04:43:00.000] not a request at all",
    b"\xff\xfe binary junk",
]


def _chunk() -> bytes:
    lab = LAB.read_bytes().splitlines()
    out: list[bytes] = []
    for i, line in enumerate(lab):
        out.append(line)
        out.extend(JUNK[(i + k) % len(JUNK)] for k in range(3))
    out += [JUNK[k % len(JUNK)] for k in range(2 * MAX_SAMPLES)]
    return b"\n".join(out) + b"\n"


def _parse(stats_only: bool) -> tuple:
    job = open_job(source="a.log", input="in", stats_only=stats_only)
    result = parse_chunk(_chunk(), job)
    return (result.table.to_pylist() if result.table is not None else None, result.events, result.unparsed,
            result.samples, result.requests)


@pytest.mark.parametrize("stats_only", [True, False], ids=["statistics", "frame"])
def test_the_quick_tests_give_what_reading_every_line_every_way_gives(stats_only, monkeypatch):
    quick = _parse(stats_only)
    rows, events, unparsed, samples, requests = quick
    assert rows is not None and len(rows) == requests
    assert requests == 58 and len(events) == 1 and events[0]["event"] == "server-down"
    assert unparsed == len(_chunk().splitlines()) - 59 and len(samples) == MAX_SAMPLES
    assert [s["line"] for s in samples] == sorted(s["line"] for s in samples)
    monkeypatch.setattr(log_layers, "REQUEST_MARK", "")  # every line holds the empty string
    monkeypatch.setattr(log_layers, "REQUEST_HEAD", "")
    monkeypatch.setattr(log_rejected, "EVENT_HINT", "")
    assert _parse(stats_only) == quick
