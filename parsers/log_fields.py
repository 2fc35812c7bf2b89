"""The fields of an HAProxy access-log body: ``option httplog`` / ``option tcplog`` split with Arrow kernels.

A body is what follows the ``haproxy[pid]: `` tag (or a whole bare line). Its fields are checked
and typed here, for every body parser alike: the vectorised default formats (:func:`parse_bodies`,
and the token-based fast path of :mod:`parsers.log_shapes` through :func:`_fields`), the per-line
regex fallback (:mod:`parsers.log_fallback`) and a custom ``httpLogFormat``
(:mod:`parsers.log_format`), which all hand back :data:`BODY_SCHEMA` rows through
:func:`body_table`. It imports no other body parser, so they can all import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers.log_lines import NULL_STR, nth

TS_MS = pa.timestamp("ms", tz="UTC")
TS_US = pa.timestamp("us", tz="UTC")

# What every body parser (vectorised, regex fallback, custom log-format) returns, plus ``_row``.
BODY_SCHEMA = pa.schema(
    [
        ("ts", TS_MS),
        ("mode", pa.string()),
        ("client_ip", pa.string()),
        ("client_port", pa.int64()),
        ("frontend", pa.string()),
        ("tls", pa.bool_()),
        ("backend", pa.string()),
        ("server", pa.string()),
        ("TR", pa.int64()),
        ("Tw", pa.int64()),
        ("Tc", pa.int64()),
        ("Tr", pa.int64()),
        ("Ta", pa.int64()),
        ("status", pa.int64()),
        ("bytes", pa.int64()),
        ("term", pa.string()),
        ("term_full", pa.string()),
        ("retries", pa.int64()),
        ("redispatched", pa.bool_()),
        ("actconn", pa.int64()),
        ("feconn", pa.int64()),
        ("beconn", pa.int64()),
        ("srv_conn", pa.int64()),
        ("srv_queue", pa.int64()),
        ("backend_queue", pa.int64()),
        ("method", pa.string()),
        ("path", pa.string()),
        ("http_version", pa.string()),
        ("request_headers", pa.string()),
    ]
)

# The only negative number HAProxy logs is -1, and only in these columns: a timer whose phase was never
# reached (Tq/TR, Tw, Tc, Tr) and the status of a request that got no answer (router-facts.md §1.2, §4.2).
# Ta/Tt is read with -1 too: router-facts.md §1.2 gives -1 to the whole timer group and its pattern (§1.6)
# allows a sign on Tt, and refusing a line HAProxy may write would lose a request. Bytes, the connection
# counts, retries and the queues are never negative (no sign in those patterns). A line holding any other
# negative number is no line HAProxy writes: every body parser leaves it unparsed, with
# :data:`NEGATIVE_NUMBER_REASON`, rather than count a request of status -502 or sum a timer of -7.
LOWEST = {"TR": -1, "Tw": -1, "Tc": -1, "Tr": -1, "Ta": -1, "status": -1}
NEGATIVE_NUMBER_REASON = ("a negative number HAProxy never logs (-1 only, in a timer or the status; "
                          "bytes, connection counts, retries and queues are never negative)")
INVALID_DATE_REASON = ("accept date is not a real dd/Mon/yyyy:HH:MM:SS date and time "
                       "(a month, day, hour, minute or second out of range)")
HTTP_TIMERS, TCP_TIMERS = ("TR", "Tw", "Tc", "Tr", "Ta"), ("Tw", "Tc", "Ta")
CONNECTIONS, QUEUES = ("actconn", "feconn", "beconn", "srv_conn", "retries"), ("srv_queue", "backend_queue")


def lowest(column: str) -> int:
    """The lowest value HAProxy logs in an integer column (:data:`LOWEST`; 0 for the others)."""
    return LOWEST.get(column, 0)


def parse_bodies(body: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    """Default httplog (12 fields before the request) and tcplog (9 fields) bodies, vectorised.

    The request is what follows the first ``"`` (HAProxy escapes quotes in captured headers and
    URIs), up to the closing quote; a line cut by the log length limit keeps what is left.
    """
    quoted = pc.split_pattern(body, '"', max_splits=1)
    head = nth(quoted, 0)
    after = nth(quoted, 1)
    request = pc.utf8_rtrim(nth(pc.split_pattern(after, '" ', max_splits=1), 0), characters='"\r ')
    head_captures = pc.split_pattern(head, " {", max_splits=1)
    head = nth(head_captures, 0)
    captured = nth(pc.split_pattern(nth(head_captures, 1), "}", max_splits=1), 0)  # the request headers' group
    tokens = pc.split_pattern(pc.utf8_trim(head, characters=" \r"), " ")
    count = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    has_request = pc.is_valid(after).to_numpy(zero_copy_only=False)
    parsed = []
    accepted = np.zeros(len(body), dtype=bool)
    for mode, width in (("http", 12), ("tcp", 9)):
        idx = np.flatnonzero((count == width) & (has_request if mode == "http" else ~has_request))
        if not len(idx):
            continue
        take = pa.array(idx)
        subset = pc.take(tokens, take)
        table, good = _fields(
            TokenColumns(lambda i, subset=subset: pc.list_element(subset, i)),
            pc.take(request, take) if mode == "http" else None,
            mode,
            captured=pc.take(captured, take) if mode == "http" else None,
        )
        if table is not None and table.num_rows:
            parsed.append(table.set_column(table.schema.get_field_index("_row"), "_row", pa.array(idx[good])))
            accepted[idx[good]] = True
    rejected = np.flatnonzero(~accepted)
    if not parsed:
        return None, rejected
    return pa.concat_tables(parsed), rejected


class TokenColumns:
    """Token ``i`` of every row, fetched lazily and cached: from a list array, or from flat token values."""

    def __init__(self, fetch: Callable[[int], pa.Array]):
        self._fetch = fetch
        self._cache: dict[int, pa.Array] = {}

    def __call__(self, i: int) -> pa.Array:
        if i not in self._cache:
            self._cache[i] = self._fetch(i)
        return self._cache[i]


def _fields(tok: TokenColumns, request: pa.Array | None, mode: str, lean: bool = False,
            captured: pa.Array | None = None) -> tuple[pa.Table | None, np.ndarray]:
    """httplog/tcplog fields from body tokens; rows whose fields are not what the format says are dropped.

    Every field is checked (digits where numbers go, a date in brackets, ``a/b/c`` with the right
    count, no negative number but the -1s of :data:`LOWEST`), so a line of another format that
    happens to have as many words is rejected here, not mis-read.
    """
    http = mode == "http"
    client = pc.split_pattern(tok(0), ":", max_splits=1, reverse=True)
    client_port = nth(client, 1)
    ts, ts_ok = accept_time(tok(1))
    be_srv = pc.split_pattern(tok(3), "/", max_splits=1)
    term = tok(9 if http else 6)
    timers = SlashInts(tok(4), HTTP_TIMERS if http else TCP_TIMERS)
    conns = SlashInts(tok(10 if http else 7), CONNECTIONS)
    queues = SlashInts(tok(11 if http else 8), QUEUES)
    numbers = {"status": tok(5), "bytes": tok(6)} if http else {"bytes": tok(5)}
    checks = [
        _is_int(client_port, signed=False),
        ts_ok,
        _mask(pc.equal(pc.list_value_length(be_srv), 2)),
        _mask(pc.equal(pc.utf8_length(term), 4 if http else 2)),
        timers.ok,
        conns.ok,
        queues.ok,
        *[_at_least(v, lowest(name)) for name, v in numbers.items()],
    ]
    good = np.flatnonzero(np.logical_and.reduce(checks))
    if not len(good):
        return None, good
    rows = pa.array(good)

    def keep(values: pa.Array) -> pa.Array:
        return pc.take(values, rows)

    n = len(good)
    timer = timers.matrix(good)
    none = pa.nulls(n, pa.int64())
    if lean:
        return body_table({
            "ts": keep(ts),
            "backend": keep(nth(be_srv, 0)),
            "server": keep(nth(be_srv, 1)),
            "Tc": timer[:, 2] if http else timer[:, 1],
            "Tr": timer[:, 3] if http else none,
            "Ta": timer[:, 4] if http else timer[:, 2],
            "status": _to_int(keep(tok(5))) if http else none,
            "term": pc.utf8_slice_codeunits(keep(term), 0, 2),
            "actconn": conns.matrix(good)[:, 0],  # the router-wide connection count (analyze's totals)
        }, good), good
    frontend_raw = keep(tok(2))
    conn = conns.matrix(good)
    queue = queues.matrix(good)
    cols: dict[str, Any] = {
        "ts": keep(ts),
        "mode": pa.array(np.full(n, mode, dtype=object), pa.string()),
        "client_ip": keep(nth(client, 0)),
        "client_port": pc.cast(keep(client_port), pa.int64()),
        "frontend": pc.utf8_rtrim(frontend_raw, characters="~"),
        "tls": pc.ends_with(frontend_raw, "~"),
        "backend": keep(nth(be_srv, 0)),
        "server": keep(nth(be_srv, 1)),
        "TR": timer[:, 0] if http else none,
        "Tw": timer[:, 1] if http else timer[:, 0],
        "Tc": timer[:, 2] if http else timer[:, 1],
        "Tr": timer[:, 3] if http else none,
        "Ta": timer[:, 4] if http else timer[:, 2],
        "status": _to_int(keep(tok(5))) if http else none,
        "bytes": _to_int(keep(tok(6) if http else tok(5))),
        "term": pc.utf8_slice_codeunits(keep(term), 0, 2),
        "term_full": keep(term),
        "retries": conn[:, 4],
        "redispatched": pc.match_substring(keep(tok(10 if http else 7)), "/+"),
        "actconn": conn[:, 0],
        "feconn": conn[:, 1],
        "beconn": conn[:, 2],
        "srv_conn": conn[:, 3],
        "srv_queue": queue[:, 0],
        "backend_queue": queue[:, 1],
        **request_parts(keep(request) if request is not None else pa.nulls(n, pa.string())),
        "request_headers": keep(captured) if captured is not None else pa.nulls(n, pa.string()),
    }
    return body_table(cols, good), good


def body_table(cols: dict[str, Any], rows: Any) -> pa.Table:
    """The columns every body parser returns, in :data:`BODY_SCHEMA` order and types, plus ``_row``.

    Columns left out (the lean statistics path) are nulls.
    """
    n = len(rows)
    arrays = [
        pa.nulls(n, f.type) if f.name not in cols
        else pa.array(cols[f.name], f.type) if isinstance(cols[f.name], np.ndarray | list) else cols[f.name]
        for f in BODY_SCHEMA
    ]
    arrays = [a if a.type == f.type else pc.cast(a, f.type) for a, f in zip(arrays, BODY_SCHEMA, strict=True)]
    return pa.Table.from_arrays(
        [*arrays, pa.array(np.asarray(rows, dtype=np.int64))], schema=BODY_SCHEMA.append(pa.field("_row", pa.int64()))
    )


class SlashInts:
    """An ``a/b/c`` field of one integer per column of ``names``: checked on every row (digits, no
    value below the column's :func:`lowest`), converted once; :meth:`matrix` gives the kept rows'."""

    def __init__(self, strings: pa.Array, names: tuple[str, ...]):
        self.width = width = len(names)
        parts = pc.split_pattern(pc.replace_substring(pc.fill_null(strings, ""), "+", ""), "/")
        lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = pc.list_flatten(parts)
        digits = _is_int(flat)
        numbers = flat if digits.all() else pc.if_else(pa.array(digits), flat, "0")
        self._values = pc.cast(numbers, pa.int64()).to_numpy()
        self._starts = np.cumsum(lengths) - lengths
        parents = np.repeat(np.arange(len(lengths)), lengths)
        bad = np.zeros(len(strings), dtype=bool)
        bad[parents[~digits]] = True
        negative = np.flatnonzero(self._values < 0)  # the few values below zero: only theirs are looked at
        if len(negative):
            owners = parents[negative]
            floors = np.array([lowest(name) for name in names], np.int64)
            position = np.minimum(negative - self._starts[owners], width - 1)
            bad[owners[self._values[negative] < floors[position]]] = True
        self.ok = (lengths == width) & ~bad

    def matrix(self, rows: np.ndarray) -> np.ndarray:
        return self._values[self._starts[rows][:, None] + np.arange(self.width)]


def _mask(values: pa.Array) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _is_int(values: pa.Array, signed: bool = True) -> np.ndarray:
    """ASCII digits (one leading ``-`` allowed when ``signed``), short enough for int64: castable."""
    if signed:
        values = pc.if_else(pc.starts_with(values, "-"), pc.utf8_slice_codeunits(values, 1, 64), values)
    short = pc.less_equal(pc.utf8_length(values), 18)
    return _mask(pc.and_(pc.ascii_is_decimal(values), short))


def _at_least(values: pa.Array, floor: int) -> np.ndarray:
    """Integers as :func:`_to_int` reads them (leading ``+`` dropped) and no lower than ``floor``."""
    values = pc.utf8_ltrim(values, characters="+")
    ok = _is_int(values)
    negative = np.flatnonzero(ok & _mask(pc.starts_with(values, "-")))  # the few below zero: only those read
    if len(negative):
        numbers = pc.cast(pc.take(values, pa.array(negative)), pa.int64()).to_numpy()
        ok[negative[numbers < floor]] = False
    return ok


def _to_int(values: pa.Array) -> pa.Array:
    return pc.cast(pc.utf8_ltrim(values, characters="+"), pa.int64())


def accept_time(date: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``[dd/Mon/yyyy:HH:MM:SS.mmm]`` -> (UTC time in ms, which rows really held such a date).

    The second-resolution part is parsed once per distinct value (a million lines span a few
    thousand seconds), the milliseconds are digits added on top. A date that is not a real one is
    no date: ``strptime`` refuses an hour 25, a day 00 or a month ``Foo``, but rolls a day past its
    month's end over (``31/Feb`` -> 3 March) and a second 60 into the next minute, which are refused
    here by reading the day and second back.
    """
    inner = pc.utf8_slice_codeunits(date, 1, 21)
    encoded = pc.dictionary_encode(inner)
    parsed = _as_written(encoded.dictionary, pc.strptime(encoded.dictionary, format="%d/%b/%Y:%H:%M:%S", unit="ms",
                                                          error_is_null=True))
    seconds = pc.cast(pc.take(parsed, encoded.indices), pa.int64())
    length = pc.utf8_length(date)
    frac = pc.utf8_slice_codeunits(date, 22, -1)
    bracketed = pc.and_(pc.starts_with(date, "["), pc.ends_with(date, "]"))
    with_frac = pc.and_(
        pc.and_(pc.greater(length, 22), pc.less_equal(length, 32)),
        pc.and_(pc.equal(pc.utf8_slice_codeunits(date, 21, 22), "."), pc.ascii_is_decimal(frac)),
    )
    with_frac = pc.fill_null(with_frac, False)
    shape = pc.and_(bracketed, pc.or_(pc.equal(length, 22), with_frac))
    ok = _mask(pc.and_(shape, pc.is_valid(seconds)))
    millis = pc.cast(pc.if_else(with_frac, pc.utf8_slice_codeunits(pc.utf8_rpad(frac, 3, "0"), 0, 3), "0"), pa.int64())
    return pc.cast(pc.add(seconds, millis), TS_MS), ok


def _as_written(text: pa.Array, parsed: pa.Array) -> pa.Array:
    """``parsed`` where it is the day and second ``text`` (``dd/Mon/yyyy:HH:MM:SS``) says, null where
    ``strptime`` rolled the text over: a day past its month's end, a second 60."""
    day = pc.utf8_lpad(pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(text, 0, 2)), 2, "0")
    same = pc.and_(pc.equal(pc.strftime(parsed, format="%d"), day),
                   pc.not_equal(pc.utf8_slice_codeunits(text, 18, 20), "60"))
    return pc.if_else(same, parsed, pa.scalar(None, parsed.type))


def request_parts(request: pa.Array) -> dict[str, pa.Array]:
    """``"GET /path HTTP/1.1"`` -> method, path, version; ``<BADREQ>`` and truncated lines kept as path."""
    parts = pc.split_pattern(request, " ", max_splits=2)
    n = pc.fill_null(pc.list_value_length(parts), 0)
    first, second, third = nth(parts, 0), nth(parts, 1), nth(parts, 2)
    single = pc.equal(n, 1)
    # "GET HTTP/2.0": a request line whose URI was lost (seen in real H2 logs) has no path
    no_uri = pc.and_(pc.equal(n, 2), pc.fill_null(pc.starts_with(second, "HTTP/"), False))
    return {
        "method": pc.if_else(single, NULL_STR, first),
        "path": pc.if_else(single, first, pc.if_else(no_uri, NULL_STR, second)),
        "http_version": pc.if_else(no_uri, second, third),
    }
