"""Compile an HAProxy ``log-format`` string into a parser for the fields it logs.

An IngressController's ``spec.logging.access.httpLogFormat`` replaces ``option httplog`` for every
HTTP frontend (router-facts §1.1); the TCP frontend keeps ``option tcplog``. The format's
``%``-variables (HAProxy configuration.txt §8.2.6) become named regex groups; variables we do not
interpret become opaque string fields, so an unusual format still yields backend, server and
whatever else it carries. Lines the format does not match fall back to the default parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

INT = r"[+-]?\d+"
VARIABLES: dict[str, tuple[str, str]] = {
    # variable: (column, regex)
    "ci": ("client_ip", r"\S+?"),
    "cp": ("client_port", r"\d+"),
    "t": ("date", r"[^\]]+"),
    "tr": ("date", r"[^\]]+"),
    "trg": ("date", r"[^\]]+"),
    "trl": ("date", r"[^\]]+"),
    "ft": ("frontend_raw", r"\S+"),
    "f": ("frontend_raw", r"\S+"),
    "b": ("backend", r"[^/ ]+"),
    "s": ("server", r"\S+"),
    "TR": ("TR", INT),
    "Tq": ("TR", INT),
    "Tw": ("Tw", INT),
    "Tc": ("Tc", INT),
    "Tr": ("Tr", INT),
    "Ta": ("Ta", INT),
    "Tt": ("Tt", INT),
    "ST": ("status", INT),
    "B": ("bytes", INT),
    "tsc": ("term_full", r"\S{4}"),
    "ts": ("term_full", r"\S{2}"),
    "ac": ("actconn", INT),
    "fc": ("feconn", INT),
    "bc": ("beconn", INT),
    "sc": ("srv_conn", INT),
    "rc": ("retries", INT),
    "sq": ("srv_queue", INT),
    "bq": ("backend_queue", INT),
    "hr": ("captured_request", r"\{[^}]*\}|\S*"),
    "hs": ("captured_response", r"\{[^}]*\}|\S*"),
    "r": ("request", r"[^\"]*"),
    "HM": ("method", r"\S+"),
    "HU": ("path", r"\S+"),
    "HP": ("path", r"\S+"),
    "HV": ("http_version", r"\S+"),
}
TOKEN_RE = re.compile(r"%(?:\{(?P<opts>[^}]*)\})?(?P<var>\[[^\]]*\]|[A-Za-z]+)|%%")
INT_COLUMNS = (
    "client_port",
    "TR",
    "Tw",
    "Tc",
    "Tr",
    "Ta",
    "Tt",
    "status",
    "bytes",
    "actconn",
    "feconn",
    "beconn",
    "srv_conn",
    "retries",
    "srv_queue",
    "backend_queue",
)


@dataclass
class CompiledFormat:
    """A compiled log format: ``parse(body)`` returns (arrow table with ``_row``, rejected row indices)."""

    source: str
    regex: re.Pattern[str]
    columns: list[str]

    def parse(self, body: pa.Array) -> tuple[pa.Table | None, list[int]]:
        from parsers.haproxy_log import request_parts  # the same request split as the default path

        rows: dict[str, list[Any]] = {c: [] for c in self.columns}
        kept: list[int] = []
        rejected: list[int] = []
        for i, text in enumerate(body.to_pylist()):
            m = self.regex.match(text or "")
            if not m:
                rejected.append(i)
                continue
            kept.append(i)
            for c in self.columns:
                rows[c].append(m.group(c))
        if not kept:
            return None, rejected
        return _to_table(rows, kept, request_parts), rejected


def compile_log_format(fmt: str) -> CompiledFormat:
    """Compile a log-format string (quotes from the operator's Go ``%q`` are tolerated)."""
    text = fmt.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].replace('\\"', '"')
    pattern = ["^"]
    columns: list[str] = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        pattern.append(_literal(text[pos : m.start()]))
        pos = m.end()
        if m.group(0) == "%%":
            pattern.append("%")
            continue
        var, opts = m.group("var"), m.group("opts") or ""
        column, regex = VARIABLES.get(var, (f"x_{re.sub(r'[^A-Za-z0-9]', '_', var)}", r"\S*"))
        if column in columns:  # a variable logged twice: keep the first capture
            pattern.append(f"(?:{regex})")
            continue
        columns.append(column)
        group = f"(?P<{column}>{regex})"
        pattern.append(f'"{group}"' if "Q" in opts and var != "r" else group)
    pattern.append(_literal(text[pos:]))
    pattern.append(r'"?\s*$')  # a truncated line may lose the closing quote
    return CompiledFormat(fmt, re.compile("".join(pattern)), columns)


def _literal(text: str) -> str:
    return re.sub(r"\\ ", " +", re.escape(text))


def _to_table(rows: dict[str, list[Any]], kept: list[int], request_parts: Any) -> pa.Table:
    n = len(kept)

    def ints(name: str) -> pa.Array:
        values = rows.get(name)
        if values is None:
            return pa.nulls(n, pa.int64())
        return pa.array([int(v.replace("+", "")) if v not in (None, "") else None for v in values], pa.int64())

    def strs(name: str) -> pa.Array:
        values = rows.get(name)
        return pa.array(values, pa.string()) if values is not None else pa.nulls(n, pa.string())

    frontend_raw = rows.get("frontend_raw") or [None] * n
    dates = rows.get("date") or [None] * n
    ts = pa.array([_parse_date(d) for d in dates], pa.timestamp("ms", tz="UTC"))
    ta = ints("Ta") if "Ta" in rows else ints("Tt")
    term_full = strs("term_full")
    retries_raw = rows.get("retries") or [None] * n
    if "request" in rows:
        req = request_parts(pa.array(rows["request"], pa.string()))
    else:
        req = {"method": strs("method"), "path": strs("path"), "http_version": strs("http_version")}
    mode = "http" if any(k in rows for k in ("status", "request", "method", "path")) else "tcp"
    cols: dict[str, pa.Array] = {
        "ts": ts,
        "mode": pa.array([mode] * n, pa.string()),
        "client_ip": strs("client_ip"),
        "client_port": ints("client_port"),
        "frontend": pa.array([f.rstrip("~") if f else None for f in frontend_raw], pa.string()),
        "tls": pa.array([bool(f and f.endswith("~")) for f in frontend_raw], pa.bool_()),
        "backend": strs("backend"),
        "server": strs("server"),
        "TR": ints("TR"),
        "Tw": ints("Tw"),
        "Tc": ints("Tc"),
        "Tr": ints("Tr"),
        "Ta": ta,
        "status": ints("status"),
        "bytes": ints("bytes"),
        "term": pa.array([t[:2] if t else None for t in term_full.to_pylist()], pa.string()),
        "term_full": term_full,
        "retries": ints("retries"),
        "redispatched": pa.array([bool(r and r.startswith("+")) for r in retries_raw], pa.bool_()),
        "actconn": ints("actconn"),
        "feconn": ints("feconn"),
        "beconn": ints("beconn"),
        "srv_conn": ints("srv_conn"),
        "srv_queue": ints("srv_queue"),
        "backend_queue": ints("backend_queue"),
        **req,
        "_row": pa.array(np.asarray(kept, dtype=np.int64)),
    }
    return pa.table(cols)


def _parse_date(text: str | None) -> Any:
    if not text:
        return None
    from datetime import UTC, datetime

    for fmt in ("%d/%b/%Y:%H:%M:%S.%f", "%d/%b/%Y:%H:%M:%S"):
        try:
            return datetime.strptime(text.split(" ")[0], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
