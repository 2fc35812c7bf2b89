"""``parsers.normal_lines``: a passthrough route's TCP lines, which are normal and how their missing status is held.

A TCP line (``option tcplog``, backend ``be_tcp:<ns>:<route>``) has no status. It is normal when the
router connected (``Tc >= 0``), it closed ``--``, nothing queued and it is dated and named; every
other TCP line stays a row (the connections the router could not open are what ``tcp_failures``
counts). Its key holds the status missing, so a reader that asks for answers below 500 leaves it out
as a status test leaves out its row, and the missing status survives the join of chunks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pytest

from parsers.normal_lines import NormalLines, first_accepted_after, normal_mask
from tests.parsers.test_normal_lines_core import typed_frame

T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


SERVER = "pod:pass-1:pass:https:10.0.0.1:8443"


def _line(kind: str, status: int | None, term: str, tc: int, *, ms: int | None = 1000, queue: int = 0,
          namespace: str | None = "shop", route: str | None = "pass", server: str = SERVER,
          tr: int | None = None) -> dict:
    backend = f"{kind}:{namespace}:{route}" if namespace else kind
    return {
        "namespace": namespace, "route": route, "backend": backend, "backend_kind": kind,
        "server": server, "server_kind": "pod", "pod": server.split(":")[1], "service": "pass",
        "port_name": "https", "server_ip": "10.0.0.1", "router_pod": "router-1", "status": status, "term": term,
        "Tc": tc, "Tr": tr, "srv_queue": queue, "backend_queue": 0,
        "ts": None if ms is None else pd.Timestamp(T0) + pd.Timedelta(milliseconds=ms),
    }


CASES = [  # (line, normal?)
    (_line("be_tcp", None, "--", 0), True),                         # a passthrough connection closed normally
    (_line("be_tcp", None, "--", 3, ms=2000), True),                # another one
    (_line("be_tcp", None, "SC", -1), False),                       # the router could not open it: tcp_failures
    (_line("be_tcp", None, "sC", -1), False),                       # connect timeout
    (_line("be_tcp", None, "--", -1), False),                       # never connected
    (_line("be_tcp", None, "sD", 2), False),                        # idle tunnel timed out by the server
    (_line("be_tcp", None, "CD", 1), False),                        # client abort
    (_line("be_tcp", None, "--", 0, queue=1), False),               # queued
    (_line("be_tcp", None, "--", 0, ms=None), False),               # no accept time: no minute group
    (_line("be_sni", None, "--", 0, namespace=None, route=None), False),  # the TLS hop line: no namespace
    (_line("be_http", None, "--", 0, route="web"), False),          # an HTTP line without a status
    (_line("be_http", 200, "--", 0, route="web", tr=5), True),      # an HTTP answer below 500
    (_line("be_tcp", 503, "--", 0), False),                         # a status on a be_tcp line is an HTTP one: 5xx
]


@pytest.mark.parametrize("dictionary", [True, False], ids=["dictionary", "plain"])
def test_which_tcp_lines_are_normal(dictionary: bool):
    frame = typed_frame([line for line, _ in CASES])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if not dictionary:  # a chunk's columns as text, not dictionary-encoded
        table = pa.table({name: (table.column(name).cast(pa.string()) if pa.types.is_dictionary(table.column(name).type)
                                 else table.column(name)) for name in table.column_names})
    assert normal_mask(table).tolist() == [normal for _, normal in CASES]


def test_without_a_backend_kind_no_statusless_line_is_normal():
    frame = typed_frame([line for line, _ in CASES]).drop(columns=["backend_kind"])
    mask = normal_mask(pa.Table.from_pandas(frame, preserve_index=False))
    assert mask.tolist() == [False] * (len(CASES) - 2) + [True, False]


def _mixed() -> NormalLines:
    frame = typed_frame([line for line, _ in CASES])
    return NormalLines.of_frame(frame)


def test_a_tcp_line_is_counted_with_its_status_missing():
    counted = _mixed()
    assert counted.count("shop", "pass") == 2
    assert counted.count("shop", "pass", status=None) == 2
    assert counted.count("shop", "pass", answered=True) == 0
    assert counted.count("shop", "web", answered=True) == counted.count("shop", "web") == 1
    assert set(counted.route_keys("shop", "pass")["status"].tolist()) == {None}
    assert counted.tr_counts("shop", "pass") == {-1: 2}  # no Tr logged: no answered time
    assert counted.tr_counts("shop", "web") == {5: 1}


def test_answered_leaves_tcp_lines_out_of_every_question():
    counted = _mixed()
    assert counted.accept_times("shop", "pass").tolist() == [
        int(pd.Timestamp(T0).value // 1_000_000) + ms for ms in (1000, 2000)]
    assert not len(counted.accept_times("shop", "pass", answered=True))
    assert counted.count_between("shop", "pass", T0, None) == 2
    assert counted.count_between("shop", "pass", T0, None, answered=True) == 0
    assert counted.last_accept_ms("shop", "pass") is not None
    assert counted.last_accept_ms("shop", "pass", answered=True) is None
    assert first_accepted_after(counted, "shop", "pass", T0) == pd.Timestamp(T0) + pd.Timedelta(seconds=1)
    assert first_accepted_after(counted, "shop", "pass", T0, answered=True) is None
    assert first_accepted_after(counted, "shop", "web", T0, answered=True) == pd.Timestamp(T0) + pd.Timedelta(seconds=1)


def test_the_missing_status_survives_the_join_of_chunks():
    """A chunk of TCP lines joined with a chunk of HTTP answers: each key keeps its own status (the
    missing one still code 0, not another key's value)."""
    tcp = NormalLines.of_frame(typed_frame([_line("be_tcp", None, "--", 0, ms=ms) for ms in (10, 20)]))
    http = NormalLines.of_frame(typed_frame([_line("be_http", 404, "--", 0, route="web", tr=1),
                                        _line("be_tcp", None, "--", 0, ms=30)]))
    joined = NormalLines.merged([tcp, http])
    assert joined.count("shop", "pass") == 3
    assert joined.count("shop", "pass", answered=True) == 0
    assert joined.count("shop", "web", answered=True) == 1
    assert joined.count("shop", "web", status=404) == 1
    assert sorted(joined.keys, key=str) == sorted(NormalLines.merged([http, tcp]).keys, key=str)
    assert {k[-1] for k in joined.keys} == {None, 404}
