"""The lenient per-line fallback (router-facts.md §1.6), and why a line nothing reads is unparsed.

Lines the vectorised paths reject go through a Python regex here, one at a time (the rare lines);
what this rejects too is a router message (:mod:`parsers.router_messages`) or unparsed, counted
and sampled with the :func:`reason` an engineer can act on.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.log_fields import (
    INVALID_DATE_REASON,
    NEGATIVE_NUMBER_REASON,
    accept_time,
    body_table,
    lowest,
    request_parts,
)

# Lenient where real lines differ from the book: a "~" detached from the frontend, no "/server",
# extra fields after the request (HAProxy 3.x `fc_err=... tevts={...}`), a request cut by the log
# length limit, no client address.
_NUM = r"\+?-?\d{1,15}"  # "+-5" too: the vectorised paths drop a "+" and read -5 (then refused)

HTTP_RE = re.compile(
    r"^(?:(?P<ci>\S*):(?P<cp>\d{1,5}) )?\[(?P<tr>[^\]]+)\] (?P<fe>[^ ~]+)(?P<ssl> ?~)? "
    r"(?P<be>[^/ ]+)(?:/(?P<srv>\S+))? "
    rf"(?P<TR>{_NUM})/(?P<Tw>{_NUM})/(?P<Tc>{_NUM})/(?P<Tr>{_NUM})/(?P<Ta>{_NUM}) (?P<st>{_NUM}) (?P<bytes>{_NUM}) "
    r"(?P<cc>\S+) (?P<cs>\S+) (?P<tsc>\S{4}) "
    rf"(?P<ac>{_NUM})/(?P<fc>{_NUM})/(?P<bc>{_NUM})/(?P<sc>{_NUM})/(?P<rc>{_NUM}) (?P<sq>{_NUM})/(?P<bq>{_NUM})"
    r"(?: \{(?P<hreq>[^}]*)\})?(?: \{[^}]*\})*(?: \"(?P<req>[^\"]*)\"?)?(?: (?P<extra>.*))?\s*$"
)

TCP_RE = re.compile(
    r"^(?:(?P<ci>\S*):(?P<cp>\d{1,5}) )?\[(?P<tr>[^\]]+)\] (?P<fe>[^ ~]+)(?P<ssl> ?~)? "
    r"(?P<be>[^/ ]+)(?:/(?P<srv>\S+))? "
    rf"(?P<Tw>{_NUM})/(?P<Tc>{_NUM})/(?P<Ta>{_NUM}) (?P<bytes>{_NUM}) (?P<tsc>\S{{2}}) "
    rf"(?P<ac>{_NUM})/(?P<fc>{_NUM})/(?P<bc>{_NUM})/(?P<sc>{_NUM})/(?P<rc>{_NUM}) (?P<sq>{_NUM})/(?P<bq>{_NUM})"
    r"(?: (?P<extra>[^\"].*))?\s*$"
)


# the regexes' number groups -> the columns they fill (``lowest`` is per column); the client port is digits only
_COLUMN_OF_GROUP = {"TR": "TR", "Tw": "Tw", "Tc": "Tc", "Tr": "Tr", "Ta": "Ta", "st": "status", "bytes": "bytes",
                    "ac": "actconn", "fc": "feconn", "bc": "beconn", "sc": "srv_conn", "rc": "retries",
                    "sq": "srv_queue", "bq": "backend_queue"}


def _possible(m: re.Match[str]) -> bool:
    """Whether every number of a matched line is one HAProxy logs (no negative one but the -1s of
    ``log_fields.LOWEST``), read as the columns read them (every ``+`` dropped)."""
    return all(int(text.replace("+", "")) >= lowest(_COLUMN_OF_GROUP[group])
               for group, text in m.groupdict().items() if text and group in _COLUMN_OF_GROUP)


def regex_bodies(body: pa.Array, rows: np.ndarray) -> tuple[pa.Table | None, np.ndarray]:
    """HAProxy bodies of ``rows`` through the lenient regexes, one line at a time (the rare lines)."""
    texts = pc.take(body, pa.array(rows, pa.int64())).to_pylist() if len(rows) else []
    found: list[tuple[int, str, re.Match[str]]] = []
    rejected: list[int] = []
    for row, text in zip(rows.tolist(), texts, strict=True):
        m = HTTP_RE.match(text or "")
        mode = "http"
        if m is None:
            m, mode = TCP_RE.match(text or ""), "tcp"
        if m is None or not _possible(m):  # a negative number HAProxy never logs: unparsed, with its reason
            rejected.append(row)
        else:
            found.append((row, mode, m))
    if not found:
        return None, np.asarray(rejected, dtype=np.int64)

    def ints(group: str) -> list[int | None]:
        return [
            int(m.group(group).replace("+", "")) if group in m.re.groupindex and m.group(group) else None
            for _, _, m in found
        ]

    def strs(group: str) -> list[str | None]:
        return [m.group(group) if group in m.re.groupindex else None for _, _, m in found]

    ts, ok = accept_time(pa.array([f"[{m.group('tr')}]" for _, _, m in found], pa.string()))
    if not ok.all():  # a date that is not a real one (hour 25, 31/Feb): unparsed, with its reason
        rejected = sorted([*rejected, *(row for (row, _, _), good in zip(found, ok, strict=True) if not good)])
        found = [f for f, good in zip(found, ok, strict=True) if good]
        if not found:
            return None, np.asarray(rejected, dtype=np.int64)
        ts = pc.filter(ts, pa.array(ok))
    term_full = strs("tsc")
    cols: dict[str, Any] = {
        "ts": ts,
        "mode": [mode for _, mode, _ in found],
        "client_ip": strs("ci"),
        "client_port": ints("cp"),
        "frontend": strs("fe"),
        "tls": [bool(m.group("ssl")) for _, _, m in found],
        "backend": strs("be"),
        "server": strs("srv"),
        "TR": ints("TR"),
        "Tw": ints("Tw"),
        "Tc": ints("Tc"),
        "Tr": ints("Tr"),
        "Ta": ints("Ta"),
        "status": ints("st"),
        "bytes": ints("bytes"),
        "term": [t[:2] if t else None for t in term_full],
        "term_full": term_full,
        "retries": ints("rc"),
        "redispatched": [m.group("rc").startswith("+") for _, _, m in found],
        "actconn": ints("ac"),
        "feconn": ints("fc"),
        "beconn": ints("bc"),
        "srv_conn": ints("sc"),
        "srv_queue": ints("sq"),
        "backend_queue": ints("bq"),
        **request_parts(pa.array(strs("req"), pa.string())),
        "request_headers": strs("hreq"),
    }
    return body_table(cols, [row for row, _, _ in found]), np.asarray(rejected, dtype=np.int64)


_CUSTOM_HEAD = re.compile(r"^\S*:\d+ \[[^\]]+\] \S+ [^/ ]+/\S+ ")
TOO_LONG_NUMBER_REASON = "a number longer than its field takes (more than 15 digits)"
_LONG_NUMBER = re.compile(r"(?:^|[ /])[+-]?\d{16,}(?=[ /]|$)")


def reason(text: str, custom: Any = None) -> str:
    """Why a line is not a request, in words an engineer can act on.

    ``custom``: the ``--log-format`` the lines were read with (``log_format.CompiledFormat``); a line of
    that format is refused for the same reasons as a line of the default ones (its ``refusal``).
    """
    if not text.strip():
        return "empty line"
    m = log_lines.TAG_RE.search(text)
    body = text[m.end() :] if m else text
    if not m and not re.match(r"^\S*:\d+ \[", text):
        return "no haproxy[pid]: tag and not a bare HAProxy line"
    refused = custom.refusal(body) if custom is not None else None
    if refused:
        return refused
    if len(text) >= 1000 and text.count('"') == 1:
        return "truncated line (log max length) in the fields before the request"
    found = HTTP_RE.match(body) or TCP_RE.match(body)
    if found and not accept_time(pa.array([f"[{found.group('tr')}]"], pa.string()))[1][0]:
        return INVALID_DATE_REASON
    if found and not _possible(found):
        return NEGATIVE_NUMBER_REASON
    head = re.sub(r"\{[^}]*\}", "", body.split('"', 1)[0])  # the fields before the request, no captures
    if _CUSTOM_HEAD.match(body) and _LONG_NUMBER.search(head):
        return TOO_LONG_NUMBER_REASON
    if _CUSTOM_HEAD.match(body):
        return (
            "client, date, frontend and backend/server are there but the rest is neither httplog nor tcplog: "
            "a custom httpLogFormat? (give it with --log-format)"
        )
    return "fields do not match the httplog or tcplog format"
