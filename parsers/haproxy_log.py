"""OpenShift router (HAProxy) access logs -> the ``requests`` and ``router_events`` frames.

Every line shape of router-facts.md §1: the must-gather sidecar line (kubelet RFC3339Nano, rsyslog
RFC3339 time, the router pod name twice, ``haproxy[pid]:``), rsyslog-only, RFC3164 syslog, CRI
rotated files (``<ts> stdout F|P``), and bare HAProxy lines; default ``option httplog`` and
``option tcplog`` bodies with optional header captures, ``<BADREQ>``, ``<NOSRV>``, ``+N`` retries,
truncated lines, IPv6 clients, both server-name generations; a custom ``httpLogFormat`` through
:mod:`parsers.log_format`. Non-access router messages (server DOWN/UP, no server available,
proxy started/stopped, SSL handshake errors) become ``router_events`` rows, not errors.

Three layers, cheapest first (perf-baseline.md §1): lines of the usual shapes are tokenised once
on spaces and their fields taken from the flat token values; every other line is cut at the
``haproxy[pid]: `` tag (:mod:`parsers.log_lines`) and its body split with Arrow kernels; only
what both reject goes through a lenient Python regex (router-facts §1.6), and only what nothing
accepts is "unparsed", counted and sampled with a reason. Names repeat (a few thousand backends
and servers in a million lines), so they are split once per distinct value. Input is read in
chunks cut on newlines, parsed on both cores, so memory follows the chunk while parsing.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines, schema
from parsers.log_lines import NULL_STR, Prefixes, nth
from parsers.sources import InputSource, Member, sniff_compression

MAX_SAMPLES = 50
REQUEST_COLUMNS = schema.column_names("requests")
ROUTE_KINDS = ("be_http", "be_edge_http", "be_secure", "be_tcp")
WORKERS = min(2, os.cpu_count() or 1)
IN_FLIGHT = 3  # chunks being parsed or waiting at once: memory stays a few chunks, whatever the file size

# columns that repeat a few values over millions of rows: Arrow dictionaries, pandas categoricals
CATEGORICAL = tuple(name for name, dtype in schema.columns("requests") if dtype == "category")
DICT = pa.dictionary(pa.int32(), pa.string())
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
# The ``requests`` frame as Arrow types: what a chunk hands back (input/source are added per file).
_ARROW_TYPES = {"Int64": pa.int64(), "boolean": pa.bool_(), "string": pa.string(), "category": DICT}


def _arrow_type(name: str, dtype: str) -> pa.DataType:
    if name in CATEGORICAL:
        return DICT
    if dtype.startswith("datetime64"):
        return TS_MS if name == "ts" else TS_US
    return _ARROW_TYPES[dtype]


CHUNK_SCHEMA = pa.schema(
    [(name, _arrow_type(name, dtype)) for name, dtype in schema.columns("requests") if name not in ("input", "source")]
)

# -- the lenient per-line fallback (router-facts §1.6), for lines the vectorised path rejects ------
# Lenient where real lines differ from the book: a "~" detached from the frontend, no "/server",
# extra fields after the request (HAProxy 3.x `fc_err=... tevts={...}`), a request cut by the log
# length limit, no client address.
_NUM = r"[+-]?\d{1,15}"
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
_EVENT_LEAD = r"^(?:\[\w+\]\s+\(\d+\)\s*:\s*)?"  # HAProxy's own "[WARNING] (1) : " when written to stderr
EVENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("server-down", re.compile(_EVENT_LEAD + r"Server (?P<be>[^/ ]+)/(?P<srv>\S+) is (?:going )?DOWN")),
    ("server-up", re.compile(_EVENT_LEAD + r"Server (?P<be>[^/ ]+)/(?P<srv>\S+) is (?:going )?UP")),
    ("no-server", re.compile(_EVENT_LEAD + r"backend (?P<be>\S+) has no server available")),
    ("proxy-started", re.compile(_EVENT_LEAD + r"Proxy (?P<be>\S+) started")),
    ("proxy-stopped", re.compile(_EVENT_LEAD + r"Proxy (?P<be>\S+) stopped")),
    (
        "ssl-error",
        re.compile(
            r"^\S+:\d+ \[[^\]]+\] (?P<be>\S+): (?:SSL handshake failure|Timeout during SSL handshake"
            r"|Connection closed during SSL handshake|.*SSL)"
        ),
    ),
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


def open_job(
    *,
    source: str,
    input: str,
    router_pod: str | None = None,
    log_format: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    stats_only: bool = False,
    namespaces: frozenset[str] | None = None,
) -> ChunkJob:
    """The parameters every chunk of one file is parsed with.

    An IngressController format we cannot read is dropped here: its lines end up unparsed, with why.
    """
    if log_format:
        try:
            _compiled(log_format)
        except ValueError:
            log_format = None
    return ChunkJob(log_format, router_pod, _utc(since), _utc(until), source, input, stats_only,
                    frozenset(namespaces) if namespaces else None)


@dataclass
class FileTally:
    """Per-file accounting kept while chunks stream past (the ``files`` rows of the report)."""

    job: ChunkJob
    lines_read: int = 0
    requests: int = 0
    router_messages: int = 0
    unparsed: int = 0
    other_namespaces: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: ChunkResult) -> None:
        self.lines_read += result.physical
        self.requests += result.requests
        self.router_messages += len(result.events)
        self.unparsed += result.unparsed
        self.other_namespaces += result.other_namespaces
        self.samples.extend(result.samples[: max(0, MAX_SAMPLES - len(self.samples))])

    def accounting(self) -> dict[str, Any]:
        return {
            "input": self.job.input,
            "source": self.job.source,
            "lines_read": self.lines_read,
            "requests": self.requests,
            "router_messages": self.router_messages,
            "unparsed": self.unparsed,
            "outside_window": max(0, self.lines_read - self.requests - self.router_messages - self.unparsed
                                  - self.other_namespaces),
            **({"other_namespaces": self.other_namespaces} if self.job.namespaces else {}),
        }


def iter_chunks(
    stream: IO[bytes], job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """Parsed chunks of one stream, in file order, line numbers counted from the file's start.

    ``after`` runs on the parsing thread right after each chunk (its return value lands in
    ``ChunkResult.extra``): per-chunk aggregation then uses both cores too, and a caller that only
    needs statistics can drop the chunk table at once, so memory follows the chunk, not the file.
    """
    return _parsed_chunks(stream, job, after)


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
    """Parse one access-log stream into frames (plain bytes; see :func:`open_log_member` for ``.gz``).

    ``router_pod`` names the pod the file belongs to when the lines do not (bare HAProxy lines);
    ``log_format`` is the IngressController's ``httpLogFormat`` when it is customised; ``since`` /
    ``until`` keep requests whose accept time is inside the window (router messages are all kept).
    """
    job = open_job(source=source, input=input, router_pod=router_pod, log_format=log_format, since=since,
                   until=until)
    return collect(job, iter_chunks(stream, job))


def collect(job: ChunkJob, results: Iterable[ChunkResult]) -> LogParse:
    """One file's parsed chunks (in file order, lines shifted) -> frames and accounting.

    Whichever engine parsed the chunks (threads here, Dask workers elsewhere), this is the one place
    that turns them into the ``requests`` frame, so every engine gives the same frame.
    """
    tally = FileTally(job)
    tables: list[pa.Table] = []
    events: list[dict[str, Any]] = []
    for result in results:
        tally.add(result)
        if result.table is not None and result.table.num_rows:
            tables.append(result.table)
        events.extend(result.events)
    requests = _to_frame(tables, source=job.source, input=job.input)
    router_events = schema.conform("router_events", events) if events else schema.empty_frame("router_events")
    return LogParse(
        requests=requests,
        router_events=router_events,
        lines_read=tally.lines_read,
        unparsed=tally.unparsed,
        unparsed_samples=tally.samples,
        accounting=[tally.accounting()],
    )


def local_chunks(
    src: InputSource, member: Member, job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """The default :data:`ChunkRunner`: read the member here, parse its chunks on this machine's cores."""
    with open_log_member(src, member) as stream:
        yield from iter_chunks(stream, job, after)


def combine(parses: Iterable[LogParse]) -> LogParse:
    """Merge the parses of several files (requests sorted by time, categoricals kept categorical)."""
    parses = list(parses)
    reqs = [p.requests for p in parses if not p.requests.empty]
    evs = [p.router_events for p in parses if not p.router_events.empty]
    requests = _concat_requests(reqs)
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


# ---------------------------------------------------------------- chunks, on both cores
@dataclass(frozen=True)
class ChunkJob:
    """Everything a chunk needs besides its bytes (small, so it travels to a worker for free)."""

    log_format: str | None
    router_pod: str | None
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    source: str
    input: str
    # statistics only (``mga logs``): the columns derived from backend and server names (kind,
    # namespace, route, pod, service, port, IP) stay empty; the per-name splitting is a fifth of a chunk
    stats_only: bool = False
    # ``--namespace``: lines about other namespaces' backends are dropped before parsing (see
    # :func:`_about_namespaces`); they count as outside the window/namespaces in the accounting
    namespaces: frozenset[str] | None = None


@dataclass
class ChunkResult:
    table: pa.Table | None  # CHUNK_SCHEMA rows
    events: list[dict[str, Any]]
    unparsed: int
    samples: list[dict[str, Any]]
    physical: int
    extra: Any = None  # what the caller's per-chunk hook returned (see :func:`iter_chunks`)
    requests: int = 0  # rows of ``table`` (kept when a statistics-only caller drops the table)
    other_namespaces: int = 0  # lines dropped unparsed: about backends outside ``ChunkJob.namespaces``

    def shifted(self, lines_before: int) -> ChunkResult:
        """The same result for a chunk that starts after ``lines_before`` lines of its file."""
        if not lines_before:
            return self
        table = self.table
        if table is not None:
            index = table.schema.get_field_index("line")
            table = table.set_column(index, "line", pc.add(table.column("line"), lines_before))
        return ChunkResult(
            table,
            [{**e, "line": e["line"] + lines_before} for e in self.events],
            self.unparsed,
            [{**s, "line": s["line"] + lines_before} for s in self.samples],
            self.physical,
            self.extra,
            self.requests,
            self.other_namespaces,
        )


# How a file's chunks get parsed: :func:`local_chunks` here, or a Dask cluster (``mga.dask_engine``).
# Yields the file's chunk results in file order, line numbers counted from the file's start.
ChunkHook = Callable[[ChunkResult], Any]
ChunkRunner = Callable[[InputSource, Member, ChunkJob, ChunkHook | None], Iterator[ChunkResult]]


def _parsed_chunks(
    stream: IO[bytes], job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> Iterator[ChunkResult]:
    """Chunks parsed in file order, two at a time on two cores.

    Arrow's kernels release the GIL, so two threads keep both cores busy without copying chunks
    or results between processes; at most ``IN_FLIGHT`` chunks are held at once. A chunk numbers
    its lines from 1; they are shifted here, once the lines of the chunks before it are known.
    """
    from collections import deque

    chunks = log_lines.chunks(stream, log_lines.chunk_bytes(job.stats_only))
    lines_before = 0
    if WORKERS < 2:
        for chunk in chunks:
            result = parse_chunk(chunk, job, after)
            yield result.shifted(lines_before)
            lines_before += result.physical
        return
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="mga-log") as pool:
        for chunk in chunks:
            pending.append(pool.submit(parse_chunk, chunk, job, after))
            while len(pending) >= IN_FLIGHT:
                result = pending.popleft().result()
                yield result.shifted(lines_before)
                lines_before += result.physical
        while pending:
            result = pending.popleft().result()
            yield result.shifted(lines_before)
            lines_before += result.physical


def parse_chunk(
    chunk: bytes | bytearray, job: ChunkJob, after: Callable[[ChunkResult], Any] | None = None
) -> ChunkResult:
    """Parse one newline-aligned chunk, its lines numbered from 1 (``after``: see :func:`iter_chunks`)."""
    lines = log_lines.chunk_lines(chunk, 1)
    dropped = 0
    if job.namespaces:
        before = len(lines.text)
        lines = _about_namespaces(lines, job.namespaces)
        dropped = before - len(lines.text)
    custom = _compiled(job.log_format) if job.log_format else None
    try:
        table, rejected = _parse_lines(lines.text, custom, job.stats_only)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        # a shape no validation foresaw made a kernel refuse the chunk: keep it, line by line
        table, rejected = _parse_lines_one_by_one(lines.text)
    out = None
    if table is not None and table.num_rows:
        out = _finish(table, lines.numbers, job)
    events, samples, unparsed = _sort_rejected(lines, rejected, job)
    result = ChunkResult(out, events, unparsed, samples, lines.physical, None, out.num_rows if out is not None else 0,
                         dropped)
    if after is not None:
        result.extra = after(result)
    return result


def _about_namespaces(lines: log_lines.ChunkLines, namespaces: frozenset[str]) -> log_lines.ChunkLines:
    """Keep the lines that may concern ``namespaces``: a line naming a route backend (``be_http:``,
    ``be_edge_http:``, ``be_secure:``, ``be_tcp:``) is kept only when it names one of them
    (``:<ns>:``); lines without one (``openshift_default``, ``be_sni``, router messages, anything
    unparseable) are all kept. Substring tests per line, far cheaper than parsing a million lines
    for ten routes."""
    route_line = pc.match_substring_regex(lines.text, r" (?:" + "|".join(ROUTE_KINDS) + r"):")
    keep = pc.invert(pc.fill_null(route_line, False))
    for ns in sorted(namespaces):
        keep = pc.or_(keep, pc.fill_null(pc.match_substring(lines.text, f":{ns}:"), False))
    mask = keep.to_numpy(zero_copy_only=False)
    if mask.all():
        return lines
    return log_lines.ChunkLines(lines.text.filter(keep), lines.numbers[mask], lines.physical)


@lru_cache(maxsize=8)
def _compiled(log_format: str) -> Any:
    from parsers.log_format import compile_log_format

    return compile_log_format(log_format)


def _sort_rejected(
    lines: log_lines.ChunkLines, rejected: np.ndarray, job: ChunkJob
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Rejected lines are router messages (kept as events) or unparsed (counted, a few sampled)."""
    events: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    unparsed = 0
    if not len(rejected):
        return events, samples, unparsed
    texts = pc.take(lines.text, pa.array(rejected, pa.int64())).to_pylist()
    for i, text in zip(rejected.tolist(), texts, strict=True):
        text = text or ""
        number = int(lines.numbers[i])
        event = router_event(text)
        if event is not None:
            events.append(
                {
                    **event,
                    "router_pod": log_lines.host_of(text) or job.router_pod,
                    "input": job.input,
                    "source": job.source,
                    "line": number,
                }
            )
            continue
        unparsed += 1
        if len(samples) < MAX_SAMPLES:
            samples.append(
                {"input": job.input, "source": job.source, "line": number, "text": text[:2000], "reason": reason(text)}
            )
    return events, samples, unparsed


def _parse_lines(text: pa.Array, custom: Any, lean: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """Rows for the lines that are requests (``_row`` = index into ``text``), and the rejected indices.

    ``lean``: only the statistics columns are needed (see :data:`LEAN_COLUMNS`); the compiled
    scanner (:mod:`parsers.log_scan`) takes the lines it can read exactly, the Arrow path the rest.
    """
    if lean and custom is None and _scanner().enabled():
        scanned, handled = _scanned_statistics(text)
        if scanned is not None:
            left = np.ones(len(text), dtype=bool)
            left[handled] = False
            rest = np.flatnonzero(left)
            if not len(rest):
                return scanned, rest
            table, rejected = _parse_lines_arrow(pc.take(text, pa.array(rest)), custom, lean)
            if table is None:
                return scanned, rest[rejected]
            index = table.schema.get_field_index("_row")
            table = table.set_column(index, "_row", pa.array(rest[table.column("_row").to_numpy()]))
            # one column type to concatenate with the Arrow path's rows
            return pa.concat_tables([_decoded(scanned), table]), rest[rejected]
    return _parse_lines_arrow(text, custom, lean)


def _scanner() -> Any:
    """:mod:`parsers.log_scan`, imported on first use: only statistics-only parses use it, and
    importing Numba costs 0.1 s that ``mga analyze`` need not pay."""
    from parsers import log_scan

    return log_scan


def _scanned_statistics(text: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    """The lean table of the lines :func:`log_scan.scan_statistics` accepts, shaped as :func:`_fast_shapes`'."""
    found = _scanner().scan_statistics(text)
    if found is None:
        return None, np.zeros(0, np.int64)
    columns, rows = found
    n = len(rows)
    if not n:
        return None, rows
    cols = {
        name: pa.array(value[0], pa.int64(), mask=value[1]) if isinstance(value, tuple) else value
        for name, value in columns.items()
    }
    cols["ts"] = pc.cast(pa.array(columns["ts"], pa.int64()), TS_MS)
    encoded = {name: cols.pop(name) for name in SCANNED_DICTIONARIES}
    table = body_table(cols, rows).drop(["_row"])
    for name, values in encoded.items():  # kept dictionary-encoded: ``_finish`` would encode them anyway
        table = table.set_column(table.schema.get_field_index(name), pa.field(name, values.type), values)
    return (
        table.append_column("pid", pa.nulls(n, pa.int64()))
        .append_column("host", pa.nulls(n, pa.string()))
        .append_column("received", pa.nulls(n, TS_US))
        .append_column("_row", pa.array(rows, pa.int64())),
        rows,
    )


SCANNED_DICTIONARIES = ("backend", "server", "term")


def _decoded(table: pa.Table) -> pa.Table:
    """The scanner's dictionary columns as plain strings (the Arrow path's types)."""
    for name in SCANNED_DICTIONARIES:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.cast(table.column(name), pa.string()))
    return table


def _parse_lines_arrow(text: pa.Array, custom: Any, lean: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """:func:`_parse_lines` with Arrow kernels only: the usual shapes tokenised at once, then the rest."""
    tables: list[pa.Table] = []
    rest = np.arange(len(text), dtype=np.int64)
    if custom is None:
        fast, handled = _fast_shapes(text, lean)
        if fast is not None:
            tables.append(fast)
            rest = np.setdiff1d(rest, handled, assume_unique=True)
    rejected = rest
    if len(rest):
        subset = pc.take(text, pa.array(rest)) if len(rest) < len(text) else text
        prefixes = log_lines.split_prefix(subset)
        table, still = _parse_bodies_all_ways(prefixes.body, custom)
        if table is not None:
            tables.append(_with_prefix(table, prefixes, rest))
        rejected = rest[still]
    if not tables:
        return None, rejected
    return pa.concat_tables(tables), rejected


def _parse_lines_one_by_one(text: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
    prefixes = log_lines.split_prefix(text)
    table, rejected = regex_bodies(prefixes.body, np.arange(len(text), dtype=np.int64))
    if table is None:
        return None, rejected
    return _with_prefix(table, prefixes, np.arange(len(text), dtype=np.int64)), rejected


def _parse_bodies_all_ways(body: pa.Array, custom: Any) -> tuple[pa.Table | None, np.ndarray]:
    """Custom format (when set), then the default formats vectorised, then the per-line regex."""
    tables = []
    rest = np.arange(len(body), dtype=np.int64)
    parsers: list[Callable[[pa.Array], tuple[pa.Table | None, np.ndarray]]] = [parse_bodies]
    if custom is not None:
        parsers.insert(0, custom.parse)
    for parse in [*parsers, lambda b: regex_bodies(b, np.arange(len(b), dtype=np.int64))]:
        if not len(rest):
            break
        subset = pc.take(body, pa.array(rest)) if len(rest) < len(body) else body
        table, rejected = parse(subset)
        if table is not None and table.num_rows:
            rows = rest[table.column("_row").to_numpy()]
            tables.append(table.set_column(table.schema.get_field_index("_row"), "_row", pa.array(rows)))
        rest = rest[np.asarray(rejected, dtype=np.int64)]
    if not tables:
        return None, rest
    return pa.concat_tables(tables), rest


def _with_prefix(table: pa.Table, prefixes: Prefixes, rows_in_text: np.ndarray) -> pa.Table:
    local = table.column("_row")
    return (
        table.drop(["_row"])
        .append_column("pid", pc.take(prefixes.pid, local))
        .append_column("host", pc.take(prefixes.host, local))
        .append_column("received", pc.take(prefixes.received, local))
        .append_column("_row", pa.array(rows_in_text[local.to_numpy()], pa.int64()))
    )


# ---------------------------------------------------------------- the vectorised paths
# prefix words before the HAProxy message: 5 = kubelet + rsyslog time + host twice + tag (must-gather
# current.log), 4 = rsyslog + host twice + tag, 3 = rsyslog + host + tag (3.x syslog), 7 = CRI
# rotated file (time, stream, F) + rsyslog + host twice + tag, 0 = bare HAProxy line.
PREFIX_WORDS = (5, 4, 3, 7, 0)
HTTP_WORDS, TCP_WORDS = 12 + 3, 9  # httplog fields + a 3-word request; tcplog fields


def _fast_shapes(text: pa.Array, lean: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """Lines of the usual shapes, tokenised once on spaces.

    Most lines of a router log are a known prefix + 12 httplog fields + a 3-word request, or + 9
    tcplog fields, so the token count says the shape; token ``i`` of every such row is taken
    straight from the flat token values, without copying whole lines again. Every other line
    (captures, ``<BADREQ>``, odd prefixes) is left to the general path. ``lean`` builds only the
    statistics columns; every field is still checked, so the same lines are accepted.
    """
    tokens = pc.split_pattern(text, " ")
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    starts = tokens.offsets.to_numpy()[:-1].astype(np.int64)
    values = tokens.values
    tables, handled = [], []

    def token(rows: np.ndarray, i: int) -> pa.Array:
        return pc.take(values, pa.array(starts[rows] + i))

    for words in PREFIX_WORDS:
        for mode, width in (("http", words + HTTP_WORDS), ("tcp", words + TCP_WORDS)):
            rows = np.flatnonzero(lengths == width)
            if not len(rows):
                continue
            ok = np.ones(len(rows), dtype=bool)
            if words:
                tag = token(rows, words - 1)
                tagged = pc.and_(pc.starts_with(tag, "haproxy["), pc.ends_with(tag, "]:"))
                ok &= pc.fill_null(tagged, False).to_numpy(zero_copy_only=False)
            if mode == "http":
                ok &= pc.fill_null(pc.starts_with(token(rows, words + 12), '"'), False).to_numpy(zero_copy_only=False)
            rows = rows[ok]
            if not len(rows):
                continue
            tok = TokenColumns(lambda i, rows=rows, words=words: token(rows, words + i))
            request = None
            if mode == "http" and not lean:
                joined = pc.binary_join_element_wise(*(tok(12 + k) for k in range(3)), " ")
                request = pc.utf8_trim(joined, characters='"')
            table, good = _fields(tok, request, mode, lean)
            if table is None:
                continue
            kept = rows[good]
            prefix = _prefix_of_tokens(lambda i, kept=kept: token(kept, i), 0 if lean else words, len(kept))
            table = table.drop(["_row"])
            for name in ("pid", "host", "received"):
                table = table.append_column(name, getattr(prefix, name))
            tables.append(table.append_column("_row", pa.array(kept, pa.int64())))
            handled.append(kept)
    if not tables:
        return None, np.array([], dtype=np.int64)
    return pa.concat_tables(tables), np.concatenate(handled)


def _prefix_of_tokens(token: Callable[[int], pa.Array], words: int, n: int) -> Prefixes:
    if not words:
        return Prefixes(pa.nulls(n, pa.string()), pa.nulls(n, pa.int64()), pa.nulls(n, pa.string()), pa.nulls(n, TS_US))
    tag = token(words - 1)
    pid_text = pc.utf8_rtrim(pc.utf8_slice_codeunits(tag, 8, 26), characters="]:")  # after "haproxy["
    pid = pc.cast(pc.if_else(pc.ascii_is_decimal(pid_text), pid_text, NULL_STR), pa.int64())
    host = token(words - 2) if words >= 2 else pa.nulls(n, pa.string())
    # time words: kubelet + rsyslog (5), rsyslog (4, 3), CRI time, stream, tag + rsyslog (7)
    received = log_lines.receive_time([token(i) for i in range(max(1, words - 3))])
    return Prefixes(pa.nulls(n, pa.string()), pid, host, received)


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
    count), so a line of another format that happens to have as many words is rejected here,
    not mis-read.
    """
    http = mode == "http"
    client = pc.split_pattern(tok(0), ":", max_splits=1, reverse=True)
    client_port = nth(client, 1)
    ts, ts_ok = accept_time(tok(1))
    be_srv = pc.split_pattern(tok(3), "/", max_splits=1)
    term = tok(9 if http else 6)
    timers = SlashInts(tok(4), 5 if http else 3)
    conns = SlashInts(tok(10 if http else 7), 5)
    queues = SlashInts(tok(11 if http else 8), 2)
    numbers = [tok(5), tok(6)] if http else [tok(5)]  # status and bytes / bytes
    checks = [
        _is_int(client_port, signed=False),
        ts_ok,
        _mask(pc.equal(pc.list_value_length(be_srv), 2)),
        _mask(pc.equal(pc.utf8_length(term), 4 if http else 2)),
        timers.ok,
        conns.ok,
        queues.ok,
        *[_is_int(pc.utf8_ltrim(v, characters="+")) for v in numbers],
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
    """An ``a/b/c`` field of ``width`` integers: checked on every row, converted for the kept rows."""

    def __init__(self, strings: pa.Array, width: int):
        self.width = width
        self.parts = pc.split_pattern(pc.replace_substring(pc.fill_null(strings, ""), "+", ""), "/")
        right_count = _mask(pc.equal(pc.list_value_length(self.parts), width))
        digits = _is_int(pc.list_flatten(self.parts))
        parents = pc.list_parent_indices(self.parts).to_numpy()
        bad = np.zeros(len(strings), dtype=bool)
        bad[parents[~digits]] = True
        self.ok = right_count & ~bad

    def matrix(self, rows: np.ndarray) -> np.ndarray:
        flat = pc.list_flatten(pc.take(self.parts, pa.array(rows)))
        return pc.cast(flat, pa.int64()).to_numpy().reshape(-1, self.width)


def _mask(values: pa.Array) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _is_int(values: pa.Array, signed: bool = True) -> np.ndarray:
    """ASCII digits (one leading ``-`` allowed when ``signed``), short enough for int64: castable."""
    if signed:
        values = pc.if_else(pc.starts_with(values, "-"), pc.utf8_slice_codeunits(values, 1, 64), values)
    short = pc.less_equal(pc.utf8_length(values), 18)
    return _mask(pc.and_(pc.ascii_is_decimal(values), short))


def _to_int(values: pa.Array) -> pa.Array:
    return pc.cast(pc.utf8_ltrim(values, characters="+"), pa.int64())


def accept_time(date: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``[dd/Mon/yyyy:HH:MM:SS.mmm]`` -> (UTC time in ms, which rows really held such a date).

    The second-resolution part is parsed once per distinct value (a million lines span a few
    thousand seconds), the milliseconds are digits added on top.
    """
    inner = pc.utf8_slice_codeunits(date, 1, 21)
    encoded = pc.dictionary_encode(inner)
    parsed = pc.strptime(encoded.dictionary, format="%d/%b/%Y:%H:%M:%S", unit="ms", error_is_null=True)
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


# ---------------------------------------------------------------- the per-line fallback
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
        if m is None:
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

    ts, _ok = accept_time(pa.array([f"[{m.group('tr')}]" for _, _, m in found], pa.string()))
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


# ---------------------------------------------------------------- names, types, frames
def _finish(table: pa.Table, numbers: np.ndarray, job: ChunkJob) -> pa.Table | None:
    """Body + prefix columns of one chunk -> :data:`CHUNK_SCHEMA` (names split, window applied)."""
    if job.since is not None or job.until is not None:
        keep = pc.is_valid(table.column("ts"))
        if job.since is not None:
            keep = pc.and_(keep, pc.greater_equal(table.column("ts"), pa.scalar(job.since, TS_MS)))
        if job.until is not None:
            keep = pc.and_(keep, pc.less_equal(table.column("ts"), pa.scalar(job.until, TS_MS)))
        table = table.filter(pc.fill_null(keep, False))
        if not table.num_rows:
            return None
    rows = table.column("_row").to_numpy()
    if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # file order, whichever path parsed a line
        table = table.take(pc.sort_indices(table.column("_row")))
    cols: dict[str, Any] = {name: table.column(name) for name in table.column_names}
    cols["line"] = pa.array(numbers[table.column("_row").to_numpy()], pa.int64())
    host = table.column("host")
    cols["router_pod"] = pc.fill_null(host, job.router_pod) if job.router_pod else host
    if not job.stats_only:
        cols.update(_backend_columns(table.column("backend")))
        cols.update(_server_columns(table.column("server")))
    n = table.num_rows
    arrays = []
    for f in CHUNK_SCHEMA:
        value = cols[f.name] if f.name in cols else pa.nulls(n, f.type)
        if isinstance(value, pa.ChunkedArray):
            value = value.combine_chunks()
        if f.type == DICT and not pa.types.is_dictionary(value.type):
            value = pc.dictionary_encode(value)
        arrays.append(value if value.type == f.type else pc.cast(value, f.type))
    return pa.Table.from_arrays(arrays, schema=CHUNK_SCHEMA)


def _per_distinct(values: pa.Array, split: Callable[[str | None], dict[str, Any]]) -> dict[str, pa.Array]:
    """Apply ``split`` once per distinct value and spread the results over the rows as dictionaries."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    distinct = [split(v) for v in encoded.dictionary.to_pylist()]
    out: dict[str, pa.Array] = {}
    for name in distinct[0] if distinct else split(None):
        column = [d[name] for d in distinct]
        if any(isinstance(v, int) for v in column):
            out[name] = pc.take(pa.array(column, pa.int64()), encoded.indices)
            continue
        sub = pc.dictionary_encode(pa.array(column, pa.string()))
        out[name] = pa.DictionaryArray.from_arrays(pc.take(sub.indices, encoded.indices), sub.dictionary)
    return out


@lru_cache(maxsize=1 << 16)
def split_backend(backend: str | None) -> dict[str, Any]:
    """``be_http:<ns>:<route>`` -> kind, namespace, route; other backends keep their name as kind."""
    parts = (backend or "").split(":", 2)
    if len(parts) == 3 and parts[0] in ROUTE_KINDS:
        return {"backend_kind": parts[0], "namespace": parts[1], "route": parts[2]}
    return {"backend_kind": backend, "namespace": None, "route": None}


def _backend_columns(backend: pa.Array) -> dict[str, pa.Array]:
    return _per_distinct(backend, split_backend)


@lru_cache(maxsize=1 << 16)  # chunks of one file see the same servers again: split each once
def _split_server(name: str | None) -> dict[str, Any]:
    from parsers.haproxy_config import split_server  # the same names as in haproxy.config

    if name is None:
        return dict.fromkeys(("server_kind", "pod", "service", "port_name", "server_ip", "server_port"))
    parts = split_server(name)
    return {
        "server_kind": parts["server_kind"],
        "pod": parts["pod"],
        "service": parts["service"],
        "port_name": parts["port_name"],
        "server_ip": parts["ip"],
        "server_port": parts["port"],
    }


def server_pod(server: str | None) -> str | None:
    """The pod a server name points at (both server-name generations), as the ``pod`` column has it."""
    return _split_server(server)["pod"]


def _server_columns(server: pa.Array) -> dict[str, pa.Array]:
    out = _per_distinct(server, _split_server)
    if not pa.types.is_integer(out["server_port"].type):
        out["server_port"] = pc.cast(pc.dictionary_decode(out["server_port"]), pa.int64())
    return out


def _to_frame(tables: list[pa.Table], *, source: str, input: str) -> pd.DataFrame:
    """Chunk tables of one file -> the ``requests`` frame (categoricals for the repetitive names)."""
    if not tables:
        return empty_requests()
    table = pa.concat_tables(tables)
    n = table.num_rows
    same = pa.array(np.zeros(n, dtype=np.int32))
    table = table.append_column("input", pa.DictionaryArray.from_arrays(same, pa.array([input], pa.string())))
    table = table.append_column("source", pa.DictionaryArray.from_arrays(same, pa.array([source], pa.string())))
    table = table.unify_dictionaries()
    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}
    df = table.to_pandas(types_mapper=mapping.get, self_destruct=True, split_blocks=True)
    for name in ("ts", "received"):
        df[name] = df[name].astype("datetime64[ns, UTC]")
    for name in CATEGORICAL:  # sorted categories: groupings come out in name order, however chunks fell
        categories = df[name].cat.categories
        if not categories.is_monotonic_increasing:
            df[name] = df[name].cat.reorder_categories(categories.sort_values())
    return df[REQUEST_COLUMNS]


def _concat_requests(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate request frames; categoricals get the union of categories (else pandas makes them text)."""
    if not frames:
        return empty_requests()
    if len(frames) == 1:
        return frames[0]
    frames = [f.copy(deep=False) for f in frames]
    for name in CATEGORICAL:
        columns = [
            f[name] if isinstance(f[name].dtype, pd.CategoricalDtype) else f[name].astype("category") for f in frames
        ]
        categories = columns[0].cat.categories
        for column in columns[1:]:
            categories = categories.union(column.cat.categories)
        for f, column in zip(frames, columns, strict=True):
            f[name] = column.cat.set_categories(categories)
    return pd.concat(frames, ignore_index=True)


def _utc(moment: datetime | None) -> pd.Timestamp | None:
    if moment is None:
        return None
    ts = pd.Timestamp(moment)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


# ---------------------------------------------------------------- router messages, reasons
def router_event(text: str) -> dict[str, Any] | None:
    """A non-access router message (server DOWN/UP, no server, proxy start/stop, SSL error), or None."""
    m = log_lines.TAG_RE.search(text)
    body = text[m.end() :] if m else text
    for event, pattern in EVENT_PATTERNS:
        found = pattern.search(body)
        if not found:
            continue
        backend = found.groupdict().get("be")
        server = found.groupdict().get("srv")
        names = split_backend(backend)
        pod = None
        if server:
            from parsers.haproxy_config import split_server

            pod = split_server(server)["pod"]
        return {
            "ts": log_lines.received_of(text),
            "pid": int(m.group(1)) if m else None,
            "event": event,
            "backend": backend,
            "namespace": names["namespace"],
            "route": names["route"],
            "server": server,
            "pod": pod,
            "text": body.strip()[:500],
        }
    return None


_CUSTOM_HEAD = re.compile(r"^\S*:\d+ \[[^\]]+\] \S+ [^/ ]+/\S+ ")


def reason(text: str) -> str:
    """Why a line is not a request, in words an engineer can act on."""
    if not text.strip():
        return "empty line"
    m = log_lines.TAG_RE.search(text)
    body = text[m.end() :] if m else text
    if not m and not re.match(r"^\S*:\d+ \[", text):
        return "no haproxy[pid]: tag and not a bare HAProxy line"
    if len(text) >= 1000 and text.count('"') == 1:
        return "truncated line (log max length) in the fields before the request"
    if _CUSTOM_HEAD.match(body):
        return (
            "client, date, frontend and backend/server are there but the rest is neither httplog nor tcplog: "
            "a custom httpLogFormat? (give it with --log-format)"
        )
    return "fields do not match the httplog or tcplog format"
