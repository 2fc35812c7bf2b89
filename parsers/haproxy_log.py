"""OpenShift router (HAProxy) access logs -> the ``requests`` and ``router_events`` frames.

Every line shape of router-facts.md §1: the must-gather sidecar line (kubelet RFC3339Nano, rsyslog
RFC3339 time, the router pod name twice, ``haproxy[pid]:``), rsyslog-only, RFC3164 syslog, CRI
rotated files (``<ts> stdout F|P``), and bare HAProxy lines; default ``option httplog`` and
``option tcplog`` bodies with optional header captures, ``<BADREQ>``, ``<NOSRV>``, ``+N`` retries,
truncated lines, IPv6 clients, both server-name generations; a custom ``httpLogFormat`` through
:mod:`parsers.log_format`.

The common path is vectorised with Arrow kernels (perf-baseline.md §1): lines are cut at the
``haproxy[pid]: `` tag, the body is split at the quoted request and at the header captures, the
remaining fields are space tokens whose compound parts are split by pattern. Only lines the
fast path rejects go through a Python regex, and only lines nothing accepts are "unparsed",
counted and sampled with a reason. Input is read in chunks cut on newlines, so memory follows
the chunk, not the file, while parsing.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import schema
from parsers.sources import InputSource, Member, sniff_compression

CHUNK_BYTES = 32 << 20
MAX_SAMPLES = 50
REQUEST_COLUMNS = [name for name, _ in schema.columns("requests")]
EVENT_COLUMNS = [name for name, _ in schema.columns("router_events")]
ROUTE_KINDS = ("be_http", "be_edge_http", "be_secure", "be_tcp")

# -- slow-path expressions (router-facts §1.6), used for lines the vectorised path rejects ----------
HTTP_RE = re.compile(
    r"^(?P<ci>\S+):(?P<cp>\d+) \[(?P<tr>[^\]]+)\] (?P<fe>\S+) (?P<be>[^/ ]+)/(?P<srv>\S+) "
    r"(?P<TR>-?\d+)/(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tr>-?\d+)/(?P<Ta>\+?-?\d+) (?P<st>-?\d+) (?P<bytes>\+?\d+) "
    r"(?P<cc>\S+) (?P<cs>\S+) (?P<tsc>\S{4}) (?P<ac>\d+)/(?P<fc>\d+)/(?P<bc>\d+)/(?P<sc>\d+)/(?P<rc>\+?\d+) "
    r"(?P<sq>\d+)/(?P<bq>\d+)(?: \{[^}]*\})*(?: \"(?P<req>[^\"]*)\"?)?\s*$"
)
TCP_RE = re.compile(
    r"^(?P<ci>\S+):(?P<cp>\d+) \[(?P<tr>[^\]]+)\] (?P<fe>\S+) (?P<be>[^/ ]+)/(?P<srv>\S+) "
    r"(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Ta>\+?-?\d+) (?P<bytes>\+?\d+) (?P<tsc>\S{2}) "
    r"(?P<ac>\d+)/(?P<fc>\d+)/(?P<bc>\d+)/(?P<sc>\d+)/(?P<rc>\+?\d+) (?P<sq>\d+)/(?P<bq>\d+)\s*$"
)
TAG_RE = re.compile(r"haproxy\[(\d+)\]: ")
EVENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("server-down", re.compile(r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?Server (?P<be>[^/ ]+)/(?P<srv>\S+) is DOWN")),
    ("server-up", re.compile(r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?Server (?P<be>[^/ ]+)/(?P<srv>\S+) is UP")),
    ("no-server", re.compile(r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?backend (?P<be>\S+) has no server available")),
    ("proxy-started", re.compile(r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?Proxy (?P<be>\S+) started")),
    ("proxy-stopped", re.compile(r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?Proxy (?P<be>\S+) stopped")),
    (
        "ssl-error",
        re.compile(
            r"^\S+:\d+ \[[^\]]+\] (?P<be>\S+): (?:SSL handshake failure|Timeout during SSL handshake"
            r"|Connection closed during SSL handshake|.*SSL)"
        ),
    ),
)
SERVER_POD_RE = (
    r"^pod:(?P<pod>[^:]+):(?P<service>[^:]+):(?:(?P<port_name>[^:]*):)?"
    r"(?P<ip>[0-9]+\.[0-9.]+|[0-9a-fA-F]*:[0-9a-fA-F:.]*):(?P<port>[0-9]+)$"
)
SERVER_EPT_RE = (
    r"^ept:(?P<service>[^:]+):(?:(?P<port_name>[^:]*):)?"
    r"(?P<ip>[0-9]+\.[0-9.]+|[0-9a-fA-F]*:[0-9a-fA-F:.]*):(?P<port>[0-9]+)$"
)


@dataclass
class LogParse:
    """What one or several log files gave: frames plus the accounting the report shows."""

    requests: pd.DataFrame
    router_events: pd.DataFrame
    lines_read: int = 0
    unparsed: int = 0
    unparsed_samples: list[dict[str, Any]] = field(default_factory=list)
    accounting: list[dict[str, Any]] = field(default_factory=list)

    @property
    def router_messages(self) -> int:
        return len(self.router_events)


@contextmanager
def open_log_member(source: InputSource, member: Member) -> Iterator[IO[bytes]]:
    """A member's bytes as a stream, gunzipped when the member is compressed (rotated ``.gz`` files)."""
    with source.open(member) as raw:
        head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
        if sniff_compression(head) == "gz":
            with gzip.GzipFile(fileobj=raw) as gz:
                yield io.BufferedReader(gz, 1 << 20)  # type: ignore[arg-type]
        else:
            yield raw


def _chunks(stream: IO[bytes], size: int | None = None) -> Iterator[bytes]:
    """Byte chunks ending on a newline (the last one may not)."""
    size = size or CHUNK_BYTES
    rest = b""
    while True:
        block = stream.read(size)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            if len(rest) > 4 * size:  # one absurd line: hand it over rather than grow forever
                yield rest
                rest = b""
            continue
        yield block[: cut + 1]
        rest = block[cut + 1 :]
    if rest:
        yield rest


_CRI_PARTIAL = re.compile(rb"^(\S+) (?:stdout|stderr) P (.*)$")
_CRI_FULL = re.compile(rb"^(\S+) (?:stdout|stderr) F (.*)$")


def _join_cri_partials(lines: list[bytes]) -> tuple[list[bytes], list[int]]:
    """Join CRI ``P`` (partial) lines with their continuation; keep the first physical line number."""
    out: list[bytes] = []
    starts: list[int] = []
    pending: bytes | None = None
    pending_start = 0
    for i, line in enumerate(lines):
        m = _CRI_PARTIAL.match(line)
        if m:
            if pending is None:
                pending, pending_start = line, i
            else:
                pending += m.group(2)
            continue
        if pending is not None:
            full = _CRI_FULL.match(line)
            out.append(pending + (full.group(2) if full else line))
            starts.append(pending_start)
            pending = None
            continue
        out.append(line)
        starts.append(i)
    if pending is not None:
        out.append(pending)
        starts.append(pending_start)
    return out, starts


def parse_access_log(
    stream: IO[bytes],
    *,
    source: str,
    input: str,
    router_pod: str | None = None,
    log_format: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> LogParse:
    """Parse one access-log stream (plain bytes; see :func:`open_log_member` for ``.gz``)."""
    tables: list[pa.Table] = []
    events: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    lines_read = unparsed = 0
    for table, rejected, physical in _parsed_chunks(stream, log_format):
        lines_read += physical
        if table is not None and table.num_rows:
            tables.append(table)
        for line_no, raw in rejected:
            text = raw.decode("utf-8", errors="replace")
            event = _router_event(text)
            if event is not None:
                events.append(
                    {
                        **event,
                        "router_pod": _host_of(text) or router_pod,
                        "input": input,
                        "source": source,
                        "line": line_no,
                    }
                )
                continue
            unparsed += 1
            if len(samples) < MAX_SAMPLES:
                samples.append(
                    {"input": input, "source": source, "line": line_no, "text": text[:2000], "reason": _reason(text)}
                )
    requests = _to_frame(tables, source=source, input=input, router_pod=router_pod)
    requests = _window(requests, since, until)
    router_events = _events_frame(events)
    return LogParse(
        requests=requests,
        router_events=router_events,
        lines_read=lines_read,
        unparsed=unparsed,
        unparsed_samples=samples,
        accounting=[
            {
                "input": input,
                "source": source,
                "lines_read": lines_read,
                "requests": len(requests),
                "router_messages": len(router_events),
                "unparsed": unparsed,
                "outside_window": _outside(lines_read, len(requests), len(router_events), unparsed),
            }
        ],
    )


WORKERS = min(2, os.cpu_count() or 1)
IN_FLIGHT = 4  # chunks queued to the workers at once: memory stays a few chunks, whatever the file size


def _physical_lines(chunk: bytes) -> int:
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


def _chunk_job(chunk: bytes, first_line: int, log_format: str | None) -> tuple[pa.Table | None, list, int]:
    """Parse one chunk (in this process or a worker): rows, rejected lines, physical line count."""
    custom = None
    if log_format:
        from parsers.log_format import compile_log_format

        custom = compile_log_format(log_format)
    raw_lines = chunk.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    physical = len(raw_lines)
    starts: list[int] | None = None
    if b" stdout P " in chunk or b" stderr P " in chunk:
        raw_lines, starts = _join_cri_partials(raw_lines)
    numbers = (
        (np.asarray(starts, dtype=np.int64) + first_line)
        if starts is not None
        else np.arange(first_line, first_line + len(raw_lines), dtype=np.int64)
    )
    table, rejected = _parse_chunk(raw_lines, numbers, custom)
    return (_enrich(table) if table is not None and table.num_rows else None), rejected, physical


def _parsed_chunks(stream: IO[bytes], log_format: str | None) -> Iterator[tuple[pa.Table | None, list, int]]:
    """Chunks parsed in order; from the second chunk on, on both cores (one worker process per core)."""
    chunks = _chunks(stream)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None or WORKERS < 2:
        line = 1
        for chunk in [first, *([second] if second is not None else [])]:
            result = _chunk_job(chunk, line, log_format)
            line += result[2]
            yield result
        for chunk in chunks:
            result = _chunk_job(chunk, line, log_format)
            line += result[2]
            yield result
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")  # no fork of a process that runs Arrow's thread pools
    line = 1
    pending: deque = deque()  # (future, chunk, first line): a chunk is kept until its result arrived
    rest = iter([first, second, *chunks])
    try:
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            for chunk in rest:
                pending.append((pool.submit(_chunk_job, chunk, line, log_format), chunk, line))
                line += _physical_lines(chunk)
                while len(pending) >= IN_FLIGHT:
                    yield pending[0][0].result()
                    pending.popleft()
            while pending:
                yield pending[0][0].result()
                pending.popleft()
    except (BrokenProcessPool, OSError):
        # workers cannot start here (no /dev/shm, a restricted sandbox): finish in this process
        for _future, chunk, start in list(pending):
            yield _chunk_job(chunk, start, log_format)
        for chunk in rest:
            result = _chunk_job(chunk, line, log_format)
            line += result[2]
            yield result


def _outside(lines: int, requests: int, events: int, unparsed: int) -> int:
    return max(0, lines - requests - events - unparsed)


def _window(df: pd.DataFrame, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    if df.empty or (since is None and until is None):
        return df
    keep = pd.Series(True, index=df.index)
    if since is not None:
        keep &= (df["ts"] >= pd.Timestamp(since)).fillna(False).astype(bool)
    if until is not None:
        keep &= (df["ts"] <= pd.Timestamp(until)).fillna(False).astype(bool)
    return df[keep].reset_index(drop=True)


# ---------------------------------------------------------------- the vectorised path
NULL_STR = pa.scalar(None, pa.string())


def _parse_chunk(
    raw_lines: list[bytes], numbers: np.ndarray, custom: Any
) -> tuple[pa.Table | None, list[tuple[int, bytes]]]:
    if not raw_lines:
        return None, []
    text = _as_utf8(raw_lines)
    tables = []
    rest = np.arange(len(text))
    if custom is None:
        fast, handled = _fast_sidecar(text)
        if fast is not None:
            tables.append(fast)
            rest = np.setdiff1d(rest, handled, assume_unique=True)
    rejected_idx: list[int] = []
    if len(rest):
        subset = pc.take(text, pa.array(rest)) if len(rest) < len(text) else text
        _prefix, body, pid, host, received = split_prefix(subset)
        table, rejected_local = parse_bodies(body) if custom is None else _parse_custom(custom, body)
        if table is not None:
            rows = table.column("_row")
            table = table.drop(["_row"])
            table = table.append_column("pid", pc.take(pid, rows))
            table = table.append_column("host", pc.take(host, rows))
            table = table.append_column("received", pc.take(received, rows))
            table = table.append_column("_row", pa.array(rest[rows.to_numpy()], pa.int64()))
            tables.append(table)
        rejected_idx = rest[rejected_local].tolist() if rejected_local else []
    if not tables:
        return None, [(int(numbers[i]), raw_lines[i]) for i in rejected_idx]
    table = pa.concat_tables(tables, promote_options="default")
    rows = table.column("_row").to_numpy()
    table = table.drop(["_row"]).append_column("line", pa.array(numbers[rows], pa.int64()))
    return table, [(int(numbers[i]), raw_lines[i]) for i in rejected_idx]


SIDECAR_PREFIX = 5  # kubelet ts, rsyslog ts, host, host, haproxy[pid]:


def _fast_sidecar(text: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    """The must-gather sidecar shape with the default formats, tokenised once on spaces.

    Most lines of a router log have exactly 5 prefix tokens + 12 httplog fields + a 3-word request
    (20 tokens) or 5 + 9 tcplog fields (14 tokens). Taking token ``i`` of every such row straight
    from the flat token values avoids copying whole lines again; any other line (captures, other
    prefixes, odd requests) is left to the general path.
    """
    tokens = pc.split_pattern(text, " ")
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    starts = tokens.offsets.to_numpy()[:-1].astype(np.int64)
    values = tokens.values

    def token(rows: np.ndarray, i: int) -> pa.Array:
        return pc.take(values, pa.array(starts[rows] + i))

    tables, handled = [], []
    for mode, width in (("http", 20), ("tcp", 14)):
        rows = np.flatnonzero(lengths == width)
        if not len(rows):
            continue
        tag = token(rows, 4)
        ok = pc.fill_null(pc.and_(pc.starts_with(tag, "haproxy["), pc.ends_with(tag, "]:")), False)
        if mode == "http":
            ok = pc.and_(ok, pc.fill_null(pc.starts_with(token(rows, 17), '"'), False))
        rows = rows[ok.to_numpy(zero_copy_only=False)]
        if not len(rows):
            continue
        tok = TokenColumns(lambda i, rows=rows: token(rows, SIDECAR_PREFIX + i))
        request = None
        if mode == "http":
            joined = pc.binary_join_element_wise(token(rows, 17), token(rows, 18), token(rows, 19), " ")
            request = pc.utf8_trim(joined, characters='"\r ')
        table, good = _fields(tok, request, mode)
        if table is None:
            continue
        kept = rows[good]
        tag = token(kept, 4)
        pid_text = pc.utf8_slice_codeunits(tag, 8, 64)  # after "haproxy["
        pid = pc.cast(pc.utf8_rtrim(pid_text, characters="]:"), pa.int64())
        second = token(kept, 1)
        second_is_time = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(second, 10, 11), "T"), False)
        received = _iso_to_utc(pc.if_else(second_is_time, second, token(kept, 0)))
        table = (
            table.append_column("pid", pid)
            .append_column("host", token(kept, 3))
            .append_column("received", received)
            .append_column("_row", pa.array(kept, pa.int64()))
        )
        tables.append(table)
        handled.append(kept)
    if not tables:
        return None, np.array([], dtype=np.int64)
    return pa.concat_tables(tables, promote_options="default"), np.concatenate(handled)


def _parse_custom(custom: Any, body: pa.Array) -> tuple[pa.Table | None, list[int]]:
    """The IngressController's httpLogFormat first; what it rejects (tcplog lines) takes the default path."""
    table, rejected = custom.parse(body)
    if not rejected:
        return table, rejected
    rest = pa.array(rejected, pa.int64())
    fallback, still = parse_bodies(pc.take(body, rest))
    tables = [t for t in (table, fallback) if t is not None]
    if fallback is not None:
        remap = pc.take(rest, fallback.column("_row"))
        tables[-1] = fallback.set_column(fallback.schema.get_field_index("_row"), "_row", remap)
    merged = pa.concat_tables(tables, promote_options="default") if tables else None
    return merged, [rejected[i] for i in still]


def _as_utf8(raw_lines: list[bytes]) -> pa.Array:
    """Lines as UTF-8 text; invalid bytes replaced (only a chunk with bad bytes pays for the replacement)."""
    try:
        return pa.array(raw_lines, pa.binary()).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([r.decode("utf-8", errors="replace").replace("\x00", "\ufffd") for r in raw_lines], pa.string())


def split_prefix(text: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, pa.Array]:
    """Cut lines at the ``haproxy[pid]: `` tag: (prefix, body, pid, host, received time).

    Anchoring on the tag handles every prefix shape at once (kubelet + rsyslog, rsyslog, RFC3164,
    CRI); lines without a tag are bare HAProxy lines whose body is the whole line. Only substring
    kernels are used: a regex over every whole line costs more than the rest of the parse.
    """
    parts = pc.split_pattern(text, "]: ", max_splits=1)
    head, rest = _nth(parts, 0), _nth(parts, 1)
    tag = pc.split_pattern(head, "haproxy[", max_splits=1, reverse=True)
    pid_text = _nth(tag, 1)  # the digits after the last "haproxy[" before "]: "
    tagged = pc.fill_null(pc.and_(pc.is_valid(rest), pc.utf8_is_digit(pid_text)), False)
    prefix = pc.if_else(tagged, _nth(tag, 0), pa.scalar("", pa.string()))
    body = pc.if_else(tagged, rest, text)
    pid = pc.cast(pc.if_else(tagged, pid_text, NULL_STR), pa.int64())
    # host: the last word of the prefix (rsyslog prints the pod name twice; HostNetwork: the node)
    last_words = pc.split_pattern(pc.utf8_rtrim_whitespace(prefix), " ", max_splits=1, reverse=True)
    host = pc.if_else(pc.equal(pc.list_value_length(last_words), 2), _nth(last_words, 1), _nth(last_words, 0))
    host = pc.if_else(pc.equal(host, ""), NULL_STR, host)
    words = pc.split_pattern(prefix, " ", max_splits=2)
    first, second = _nth(words, 0), _nth(words, 1)
    # kubelet + rsyslog prefixes carry two times: the second is rsyslog's receive time, the one we want
    second_is_time = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(second, 10, 11), "T"), False)
    received = _iso_to_utc(pc.if_else(second_is_time, second, first))
    return prefix, body, pid, host, received


def _iso_to_utc(first: pa.Array) -> pa.Array:
    """RFC3339 prefix timestamps (any fraction, Z or +00:00) to UTC; anything else null."""
    iso = pc.match_substring_regex(first, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
    secs = pc.strptime(
        pc.utf8_slice_codeunits(pc.if_else(iso, first, NULL_STR), 0, 19),
        format="%Y-%m-%dT%H:%M:%S",
        unit="us",
        error_is_null=True,
    )
    frac = pc.struct_field(pc.extract_regex(pc.if_else(iso, first, NULL_STR), r"^.{19}\.(?P<f>[0-9]{1,6})"), "f")
    micros = pc.cast(pc.utf8_rpad(frac, 6, "0"), pa.int64())
    offset = pc.extract_regex(pc.if_else(iso, first, NULL_STR), r"(?P<sign>[+-])(?P<h>[0-9]{2}):?(?P<m>[0-9]{2})$")
    off_min = pc.add(
        pc.multiply(pc.cast(pc.struct_field(offset, "h"), pa.int64()), 60),
        pc.cast(pc.struct_field(offset, "m"), pa.int64()),
    )
    off_min = pc.if_else(pc.equal(pc.struct_field(offset, "sign"), "-"), pc.negate(off_min), off_min)
    base = pc.cast(secs, pa.int64())
    total = pc.add(base, pc.fill_null(micros, 0))
    total = pc.subtract(total, pc.multiply(pc.fill_null(off_min, 0), 60_000_000))
    return pc.cast(total, pa.timestamp("us", tz="UTC"))


def parse_bodies(body: pa.Array) -> tuple[pa.Table | None, list[int]]:
    """Default httplog (12 fields before the request) and tcplog (9 fields) bodies."""
    n = len(body)
    quoted = pc.split_pattern(body, '"', max_splits=1)
    head = pc.list_element(quoted, 0)
    has_req = pc.equal(pc.list_value_length(quoted), 2)
    request = pc.if_else(has_req, pc.utf8_rtrim(_nth(quoted, 1), characters='"\r '), NULL_STR)
    head = pc.list_element(pc.split_pattern(head, " {", max_splits=1), 0)  # header captures
    head = pc.utf8_trim(head, characters=" \r")
    tokens = pc.split_pattern(head, " ")
    count = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    parsed = []
    accepted = np.zeros(n, dtype=bool)
    for mode, width in (("http", 12), ("tcp", 9)):
        idx = np.flatnonzero(count == width)
        if not len(idx):
            continue
        take = pa.array(idx)
        subset = pc.take(tokens, take)
        table, good = _fields(TokenColumns(lambda i, subset=subset: _token(subset, i)), pc.take(request, take), mode)
        if table is not None and table.num_rows:
            parsed.append(table.append_column("_row", pa.array(idx[good], pa.int64())))
            accepted[idx[good]] = True
    rejected = np.flatnonzero(~accepted).tolist()
    if not parsed:
        return None, rejected
    return pa.concat_tables(parsed, promote_options="default"), rejected


class TokenColumns:
    """Token ``i`` of every row, fetched lazily and cached: from a list array, or from flat token values."""

    def __init__(self, fetch: Any):
        self._fetch = fetch
        self._cache: dict[int, pa.Array] = {}

    def __call__(self, i: int) -> pa.Array:
        if i not in self._cache:
            self._cache[i] = self._fetch(i)
        return self._cache[i]

    def take(self, rows: pa.Array) -> TokenColumns:
        return TokenColumns(lambda i: pc.take(self(i), rows))


def _nth(lists: pa.Array, i: int) -> pa.Array:
    """Element ``i`` of every list, null where the list is shorter or null (list_element would raise).

    The common case (every list long enough) takes the direct kernel; the padded slice is only
    paid for chunks holding short or null lists.
    """
    shortest = pc.min(pc.list_value_length(lists)).as_py()
    if lists.null_count == 0 and shortest is not None and shortest > i:
        return pc.list_element(lists, i)
    filled = pc.fill_null(lists, pa.scalar([], lists.type))
    return pc.list_flatten(pc.list_slice(filled, i, i + 1, return_fixed_size_list=True))


def _token(tokens: pa.Array, i: int) -> pa.Array:
    return pc.list_element(tokens, i)


def _ints(strings: pa.Array, width: int) -> np.ndarray:
    """``"a/b/c"`` strings (already validated) -> an int64 matrix of ``width`` columns."""
    flat = pc.list_flatten(pc.split_pattern(pc.replace_substring(strings, "+", ""), "/"))
    return pc.cast(flat, pa.int64()).to_numpy().reshape(-1, width)


def _all_digits(values: pa.Array, strip: str = "") -> pa.Array:
    trimmed = pc.utf8_ltrim(values, characters=strip) if strip else values
    return pc.fill_null(pc.utf8_is_digit(trimmed), False)


def _numeric_lists_ok(strings: pa.Array, width: int) -> np.ndarray:
    """Rows whose ``a/b/c`` field has exactly ``width`` integer parts (signs allowed)."""
    parts = pc.split_pattern(pc.fill_null(strings, ""), "/")
    ok = pc.equal(pc.list_value_length(parts), width).to_numpy(zero_copy_only=False)
    digits = _all_digits(pc.list_flatten(parts), "+-").to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(parts).to_numpy()
    bad = np.zeros(len(strings), dtype=bool)
    bad[parents[~digits]] = True
    return ok & ~bad


def _accept_seconds(date: pa.Array) -> pa.Array:
    """``[dd/Mon/yyyy:HH:MM:SS.mmm]`` -> the timestamp to the second (null when it is not a date)."""
    inner = _nth(pc.split_pattern(pc.utf8_trim(date, characters="[]"), ".", max_splits=1), 0)
    return pc.strptime(inner, format="%d/%b/%Y:%H:%M:%S", unit="ms", error_is_null=True)


def _valid_rows(tok: TokenColumns, mode: str) -> np.ndarray:
    """Which token rows really are httplog (12 fields) / tcplog (9 fields) bodies, checked field by field."""
    http = mode == "http"
    timers, status_bytes = tok(4), (tok(5), tok(6))
    term = tok(9 if http else 6)
    conns, queues = (tok(10), tok(11)) if http else (tok(7), tok(8))
    client_port = _nth(pc.split_pattern(tok(0), ":", max_splits=1, reverse=True), 1)
    date = tok(1)
    checks = [
        _all_digits(client_port).to_numpy(zero_copy_only=False),
        pc.fill_null(pc.and_(pc.starts_with(date, "["), pc.ends_with(date, "]")), False).to_numpy(zero_copy_only=False),
        pc.is_valid(_accept_seconds(date)).to_numpy(zero_copy_only=False),
        pc.fill_null(pc.equal(pc.list_value_length(pc.split_pattern(tok(3), "/", max_splits=1)), 2), False).to_numpy(
            zero_copy_only=False
        ),
        _numeric_lists_ok(timers, 5 if http else 3),
        _numeric_lists_ok(conns, 5),
        _numeric_lists_ok(queues, 2),
        pc.fill_null(pc.equal(pc.utf8_length(term), 4 if http else 2), False).to_numpy(zero_copy_only=False),
    ]
    if http:
        checks.append(_all_digits(status_bytes[0], "-").to_numpy(zero_copy_only=False))
        checks.append(_all_digits(status_bytes[1], "+").to_numpy(zero_copy_only=False))
    else:
        checks.append(_all_digits(status_bytes[0], "+").to_numpy(zero_copy_only=False))
    ok = np.logical_and.reduce(checks)
    return ok


def _fields(tok: TokenColumns, request: pa.Array | None, mode: str) -> tuple[pa.Table | None, np.ndarray]:
    good = np.flatnonzero(_valid_rows(tok, mode))
    if not len(good):
        return None, good
    rows = pa.array(good)
    tok = tok.take(rows)
    request = pc.take(request, rows) if request is not None else None
    n = len(good)
    client = pc.split_pattern(tok(0), ":", max_splits=1, reverse=True)
    date = pc.utf8_trim(tok(1), characters="[]")
    date_parts = pc.split_pattern(date, ".", max_splits=1)
    secs = pc.strptime(_nth(date_parts, 0), format="%d/%b/%Y:%H:%M:%S", unit="ms", error_is_null=True)
    frac = pc.fill_null(_nth(date_parts, 1), "0")
    millis = pc.cast(pc.utf8_slice_codeunits(pc.utf8_rpad(frac, 3, "0"), 0, 3), pa.int64())
    ts = pc.cast(pc.add(pc.cast(secs, pa.int64()), millis), pa.timestamp("ms", tz="UTC"))
    frontend_raw = tok(2)
    be_srv = pc.split_pattern(tok(3), "/", max_splits=1)
    backend = pc.list_element(be_srv, 0)
    server = pc.list_element(be_srv, 1)
    cols: dict[str, pa.Array] = {
        "ts": ts,
        "mode": pa.array([mode] * n, pa.string()),
        "client_ip": pc.list_element(client, 0),
        "client_port": pc.cast(pc.list_element(client, 1), pa.int64()),
        "frontend": pc.utf8_rtrim(frontend_raw, characters="~"),
        "tls": pc.ends_with(frontend_raw, "~"),
        "backend": backend,
        "server": server,
    }
    if mode == "http":
        timers = _ints(tok(4), 5)
        conns_tok, queues_tok, term_tok = tok(10), tok(11), tok(9)
        cols.update(
            {
                "TR": pa.array(timers[:, 0]),
                "Tw": pa.array(timers[:, 1]),
                "Tc": pa.array(timers[:, 2]),
                "Tr": pa.array(timers[:, 3]),
                "Ta": pa.array(timers[:, 4]),
                "status": pc.cast(tok(5), pa.int64()),
                "bytes": pc.cast(pc.replace_substring(tok(6), "+", ""), pa.int64()),
            }
        )
    else:
        timers = _ints(tok(4), 3)
        conns_tok, queues_tok, term_tok = tok(7), tok(8), tok(6)
        none = pa.nulls(n, pa.int64())
        cols.update(
            {
                "TR": none,
                "Tw": pa.array(timers[:, 0]),
                "Tc": pa.array(timers[:, 1]),
                "Tr": none,
                "Ta": pa.array(timers[:, 2]),
                "status": none,
                "bytes": pc.cast(pc.replace_substring(tok(5), "+", ""), pa.int64()),
            }
        )
    conns = _ints(conns_tok, 5)
    queues = _ints(queues_tok, 2)
    cols.update(
        {
            "term": pc.utf8_slice_codeunits(term_tok, 0, 2),
            "term_full": term_tok,
            "retries": pa.array(conns[:, 4]),
            "redispatched": pc.match_substring(conns_tok, "/+"),
            "actconn": pa.array(conns[:, 0]),
            "feconn": pa.array(conns[:, 1]),
            "beconn": pa.array(conns[:, 2]),
            "srv_conn": pa.array(conns[:, 3]),
            "srv_queue": pa.array(queues[:, 0]),
            "backend_queue": pa.array(queues[:, 1]),
        }
    )
    if request is None:
        request = pa.nulls(n, pa.string())
    cols.update(request_parts(request))
    return pa.table(cols), good


def request_parts(request: pa.Array) -> dict[str, pa.Array]:
    """``"GET /path HTTP/1.1"`` -> method, path, version; ``<BADREQ>`` and truncated lines kept as path."""
    parts = pc.split_pattern(request, " ", max_splits=2)
    n = pc.fill_null(pc.list_value_length(parts), 0)
    first, second, third = _nth(parts, 0), _nth(parts, 1), _nth(parts, 2)
    single = pc.equal(n, 1)
    return {
        "method": pc.if_else(single, NULL_STR, first),
        "path": pc.if_else(single, first, second),
        "http_version": third,
    }


def _router_event(text: str) -> dict[str, Any] | None:
    m = TAG_RE.search(text)
    body = text[m.end() :] if m else text
    for event, pattern in EVENT_PATTERNS:
        found = pattern.search(body)
        if found:
            backend = found.groupdict().get("be")
            server = found.groupdict().get("srv")
            _kind, ns, route = _split_backend_py(backend or "")
            pod = None
            if server:
                from parsers.haproxy_config import split_server

                pod = split_server(server)["pod"]
            return {
                "ts": _received_py(text),
                "pid": int(m.group(1)) if m else None,
                "event": event,
                "backend": backend,
                "namespace": ns,
                "route": route,
                "server": server,
                "pod": pod,
                "text": body.strip()[:500],
            }
    return None


def _split_backend_py(backend: str) -> tuple[str, str | None, str | None]:
    parts = backend.split(":", 2)
    if len(parts) == 3 and parts[0] in ROUTE_KINDS:
        return parts[0], parts[1], parts[2]
    return backend, None, None


_ISO_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)")


def _received_py(text: str) -> pd.Timestamp | None:
    m = _ISO_RE.search(text[:80])
    if not m:
        return None
    try:
        ts = pd.Timestamp(m.group(1))
    except ValueError:
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _host_of(text: str) -> str | None:
    m = TAG_RE.search(text)
    if not m:
        return None
    words = text[: m.start()].split()
    return words[-1] if words else None


def _reason(text: str) -> str:
    if not text.strip():
        return "empty line"
    if not TAG_RE.search(text) and not re.match(r"^\S+:\d+ \[", text):
        return "no haproxy[pid]: tag and not a bare HAProxy line"
    if len(text) >= 1000 and text.count('"') == 1:
        return "truncated line (log max length) in the fields before the request"
    return "fields do not match the httplog or tcplog format"


def _events_frame(events: list[dict[str, Any]]) -> pd.DataFrame:
    return schema.conform("router_events", events) if events else schema.empty_frame("router_events")


CATEGORICAL = (
    "frontend",
    "backend",
    "backend_kind",
    "namespace",
    "route",
    "server",
    "server_kind",
    "pod",
    "service",
    "port_name",
    "server_ip",
    "term",
    "term_full",
    "method",
    "http_version",
    "router_pod",
    "mode",
    "source",
    "input",
)


PASSTHROUGH = ("ts", "received", "mode", "client_ip", "client_port", "frontend", "tls", "backend")
MEASURES = (
    "TR",
    "Tw",
    "Tc",
    "Tr",
    "Ta",
    "status",
    "bytes",
    "term",
    "term_full",
    "retries",
    "redispatched",
    "actconn",
    "feconn",
    "beconn",
    "srv_conn",
    "srv_queue",
    "backend_queue",
    "method",
    "path",
    "http_version",
    "pid",
    "host",
    "line",
)


def _enrich(table: pa.Table) -> pa.Table:
    """Backend and server names split into route and pod identity (per chunk, where the work is parallel)."""
    backend = table.column("backend")
    be = pc.split_pattern(backend, ":", max_splits=2)
    kind0 = pc.list_element(be, 0)
    is_route = pc.and_(pc.is_in(kind0, pa.array(ROUTE_KINDS)), pc.equal(pc.list_value_length(be), 3))
    three = pc.if_else(is_route, be, pa.scalar([], pa.list_(pa.string())))
    server = table.column("server")
    pod_m = pc.extract_regex(server, SERVER_POD_RE)
    ept_m = pc.extract_regex(pc.if_else(pc.starts_with(server, "ept:"), server, NULL_STR), SERVER_EPT_RE)
    server_kind = pc.if_else(
        pc.starts_with(server, "pod:"),
        "pod",
        pc.if_else(
            pc.starts_with(server, "ept:"),
            "ept",
            pc.if_else(
                pc.equal(server, "<NOSRV>"),
                "nosrv",
                pc.if_else(pc.starts_with(server, "_dynamic-pod-"), "dynamic", "other"),
            ),
        ),
    )
    cols = {name: table.column(name) for name in PASSTHROUGH}
    cols.update(
        {
            "backend_kind": pc.if_else(is_route, kind0, backend),
            "namespace": _nth(three, 1),
            "route": _nth(three, 2),
            "server": server,
            "server_kind": server_kind,
            "pod": pc.struct_field(pod_m, "pod"),
            "service": pc.coalesce(pc.struct_field(pod_m, "service"), pc.struct_field(ept_m, "service")),
            "port_name": pc.coalesce(pc.struct_field(pod_m, "port_name"), pc.struct_field(ept_m, "port_name")),
            "server_ip": pc.coalesce(pc.struct_field(pod_m, "ip"), pc.struct_field(ept_m, "ip")),
            "server_port": pc.cast(
                pc.coalesce(pc.struct_field(pod_m, "port"), pc.struct_field(ept_m, "port")), pa.int64()
            ),
        }
    )
    cols.update({name: table.column(name) for name in MEASURES})
    return pa.table(cols)


def _to_frame(tables: list[pa.Table], *, source: str, input: str, router_pod: str | None) -> pd.DataFrame:
    """Enriched Arrow tables of one file -> the ``requests`` frame (categoricals for the repetitive names)."""
    if not tables:
        return empty_requests()
    table = pa.concat_tables(tables, promote_options="default")
    n = table.num_rows
    host = table.column("host")
    table = table.drop(["host"])
    table = table.append_column("router_pod", pc.fill_null(host, router_pod) if router_pod else host)
    table = table.append_column("input", pa.array([input] * n, pa.string()))
    table = table.append_column("source", pa.array([source] * n, pa.string()))
    return _to_pandas(table)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}
    encoded = []
    for name in table.column_names:
        col = table.column(name)
        if name in CATEGORICAL:
            col = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
        encoded.append(col)
    df = pa.table(encoded, names=table.column_names).to_pandas(types_mapper=mapping.get)
    for name in ("ts", "received"):
        df[name] = df[name].astype("datetime64[ns, UTC]")
    return df[REQUEST_COLUMNS]


def combine(parses: Iterable[LogParse]) -> LogParse:
    """Merge the parses of several files (requests sorted by time)."""
    parses = list(parses)
    reqs = [p.requests for p in parses if not p.requests.empty]
    evs = [p.router_events for p in parses if not p.router_events.empty]
    requests = pd.concat(reqs, ignore_index=True) if reqs else empty_requests()
    if len(reqs) > 1:
        requests = requests.sort_values("ts", kind="stable", na_position="last").reset_index(drop=True)
    samples: list[dict[str, Any]] = []
    for p in parses:
        samples.extend(p.unparsed_samples[: max(0, MAX_SAMPLES - len(samples))])
    return LogParse(
        requests=requests,
        router_events=pd.concat(evs, ignore_index=True) if evs else schema.empty_frame("router_events"),
        lines_read=sum(p.lines_read for p in parses),
        unparsed=sum(p.unparsed for p in parses),
        unparsed_samples=samples,
        accounting=[a for p in parses for a in p.accounting],
    )


def empty_requests() -> pd.DataFrame:
    return schema.empty_frame("requests")
