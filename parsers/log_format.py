"""Compile an HAProxy ``log-format`` string into a parser for the fields it logs.

An IngressController's ``spec.logging.access.httpLogFormat`` replaces ``option httplog`` for every
HTTP frontend (router-facts.md §1.1); the TCP frontend keeps ``option tcplog``, so lines the format
does not match go on to the default parsers. Each ``%``-variable (HAProxy configuration.txt
§8.2.6) becomes a named group of one RE2 pattern run by Arrow over all lines at once; variables
we do not interpret become opaque string fields, so an unusual format still yields backend,
server and whatever else it carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers.log_fields import (
    INVALID_DATE_REASON,
    NEGATIVE_NUMBER_REASON,
    TS_MS,
    accept_time,
    body_table,
    lowest,
    request_parts,
)

INT = r"[+-]?\d{1,15}"
DATE = r"[^\]]+"
# variable -> (column, RE2 pattern); several variables may fill the same column
VARIABLES: dict[str, tuple[str, str]] = {
    "ci": ("client_ip", r"\S*?"),
    "cp": ("client_port", r"\d{1,5}"),
    "t": ("date", DATE),
    "tr": ("date", DATE),
    "trg": ("date", DATE),
    "trl": ("date", DATE),
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
    "hr": ("captured_request", r"\{[^}]*\}"),
    "hs": ("captured_response", r"\{[^}]*\}"),
    "r": ("request", r"[^\"]*"),
    "HM": ("method", r"\S+"),
    "HU": ("path", r"\S+"),
    "HP": ("path", r"\S+"),
    "HV": ("http_version", r"\S+"),
}
OPTIONAL = ("hr", "hs")  # header captures print nothing, not even their separator, when none are configured
HTTP_COLUMNS = ("status", "request", "method", "path", "http_version")
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
# the typed integer columns read back for a value HAProxy never logs (``Tt`` is read into ``Ta``)
_CHECKED = tuple(c for c in INT_COLUMNS if c not in ("client_port", "Tt"))
TOKEN_RE = re.compile(r"%(?:\{(?P<opts>[^}]*)\})?(?P<var>\[[^\]]*\]|[A-Za-z]+)|%%")


@dataclass
class CompiledFormat:
    """A compiled log format.

    ``columns``: the capture names in format order (known columns, then ``x_<name>`` for opaque
    variables); ``pattern``: the RE2 pattern; :meth:`extract` gives the raw captures,
    :meth:`parse` the typed request columns of :mod:`parsers.log_fields`.
    """

    source: str
    pattern: str
    columns: list[str]

    @property
    def mode(self) -> str:
        return "http" if any(c in self.columns for c in HTTP_COLUMNS) else "tcp"

    def extract(self, body: pa.Array) -> tuple[pa.StructArray, np.ndarray]:
        """Raw string captures of every line, and which lines matched the format."""
        found = pc.extract_regex(pc.fill_null(body, ""), self.pattern)
        matched = pc.is_valid(found).to_numpy(zero_copy_only=False)
        return found, matched

    def parse(self, body: pa.Array) -> tuple[pa.Table | None, np.ndarray]:
        """(typed rows with ``_row`` = index into ``body``, indices of the lines the format rejects).

        A line the pattern matches is still rejected when its date is no real one (31/Feb, hour 25) or
        it holds a negative number HAProxy never logs: unparsed, as the default formats' lines are
        (``log_fallback.reason`` names why through :meth:`refusal`), never a request without a date.
        """
        found, matched = self.extract(body)
        rows = np.flatnonzero(matched)
        if not len(rows):
            return None, np.flatnonzero(~matched)
        typed = self._typed(pc.take(found, pa.array(rows)), len(rows))
        dated, possible = self._checks(typed)
        good = dated & possible
        matched = matched.copy()
        matched[rows[~good]] = False
        rejected = np.flatnonzero(~matched)
        if not good.any():
            return None, rejected
        if not good.all():
            keep = pa.array(good)
            typed = {name: pc.filter(values, keep) for name, values in typed.items()}
        return body_table(typed, rows[good]), rejected

    def refusal(self, body: str) -> str | None:
        """Why a line this format matches is no request (:meth:`parse` rejects it), None when it is one
        or the format does not match it."""
        found, matched = self.extract(pa.array([body], pa.string()))
        if not matched[0]:
            return None
        dated, possible = self._checks(self._typed(found, 1))
        return INVALID_DATE_REASON if not dated[0] else NEGATIVE_NUMBER_REASON if not possible[0] else None

    def _typed(self, found: pa.StructArray, n: int) -> dict[str, Any]:
        return _typed({name: pc.struct_field(found, name) for name in self.columns}, n, self.mode)

    def _checks(self, typed: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(rows whose date, when the format logs one, is a real one; rows with no number below what
        HAProxy logs in its column, ``log_fields.lowest``)."""
        n = len(typed["ts"])
        dated = np.ones(n, dtype=bool)
        if "date" in self.columns:  # the date group always captures text: a null time is a date refused
            dated = pc.is_valid(typed["ts"]).to_numpy(zero_copy_only=False)
        possible = np.ones(n, dtype=bool)
        for name in _CHECKED:
            below = pc.less(typed[name], lowest(name))
            possible &= ~pc.fill_null(below, False).to_numpy(zero_copy_only=False)
        return dated, possible


def compile_log_format(fmt: str) -> CompiledFormat:
    """Compile a log-format string (quotes from the operator's Go ``%q`` are tolerated).

    Raises :class:`ValueError` (one line) for a format with nothing to parse.
    """
    text = fmt.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].replace('\\"', '"')
    pattern: list[str] = ["^"]
    columns: list[str] = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        pattern.append(_literal(text[pos : m.start()]))
        pos = m.end()
        if m.group(0) == "%%":
            pattern.append("%")
            continue
        var, opts = m.group("var"), m.group("opts") or ""
        column, regex = VARIABLES.get(var, (_opaque_name(var, columns), r"\S*"))
        quoted = "Q" in opts
        if quoted:
            regex = r"[^\"]*"
        if column in columns:  # a variable logged twice: keep the first capture
            group = f"(?:{regex})"
        else:
            columns.append(column)
            group = f"(?P<{column}>{regex})"
        if quoted:
            group = f'"{group}"?' if var == "r" else f'"{group}"'  # a cut line may lose the closing quote
        if var in OPTIONAL and pattern[-1].endswith(" +"):
            pattern[-1] = pattern[-1][: -len(" +")]
            group = f"(?: +{group})?"
        pattern.append(group)
    pattern.append(_literal(text[pos:]))
    pattern.append(r"\s*$")
    compiled = CompiledFormat(fmt, "".join(pattern), columns)
    if not columns:
        raise ValueError(f"log format {fmt!r} has no %-variable to parse")
    try:
        compiled.extract(pa.array([""], pa.string()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"log format {fmt!r} cannot be read: {exc}") from exc
    return compiled


def _opaque_name(var: str, taken: list[str]) -> str:
    base = "x_" + (re.sub(r"[^A-Za-z0-9]+", "_", var).strip("_") or "field")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _literal(text: str) -> str:
    """Literal text of the format as RE2; a run of spaces matches one or more spaces."""
    out = []
    for part in re.split(r"( +)", text):
        if part.startswith(" "):
            out.append(" +")
        elif part:
            out.append(re.escape(part))
    return "".join(out)


def _typed(fields: dict[str, pa.Array], n: int, mode: str) -> dict[str, Any]:
    """Raw captures -> the request columns (missing variables are null)."""

    def ints(name: str) -> pa.Array:
        if name not in fields:
            return pa.nulls(n, pa.int64())
        values = pc.utf8_ltrim(fields[name], characters="+")
        return pc.cast(pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values), pa.int64())

    def strs(name: str) -> pa.Array:
        return fields[name] if name in fields else pa.nulls(n, pa.string())

    frontend_raw = strs("frontend_raw")
    term_full = strs("term_full")
    retries_raw = strs("retries")
    if "request" in fields:
        request = request_parts(fields["request"])
    else:
        request = {"method": strs("method"), "path": strs("path"), "http_version": strs("http_version")}
    return {
        "ts": _date(fields["date"], accept_time) if "date" in fields else pa.nulls(n, TS_MS),
        "mode": pa.array([mode] * n, pa.string()),
        "client_ip": strs("client_ip"),
        "client_port": ints("client_port"),
        "frontend": pc.utf8_rtrim(frontend_raw, characters="~"),
        "tls": pc.ends_with(frontend_raw, "~"),
        "backend": strs("backend"),
        "server": strs("server"),
        "TR": ints("TR"),
        "Tw": ints("Tw"),
        "Tc": ints("Tc"),
        "Tr": ints("Tr"),
        "Ta": ints("Ta") if "Ta" in fields else ints("Tt"),
        "status": ints("status"),
        "bytes": ints("bytes"),
        "term": pc.utf8_slice_codeunits(term_full, 0, 2),
        "term_full": term_full,
        "retries": ints("retries"),
        "redispatched": pc.starts_with(retries_raw, "+"),
        "actconn": ints("actconn"),
        "feconn": ints("feconn"),
        "beconn": ints("beconn"),
        "srv_conn": ints("srv_conn"),
        "srv_queue": ints("srv_queue"),
        "backend_queue": ints("backend_queue"),
        **request,
        "request_headers": _inside_braces(strs("captured_request")),
    }


def _inside_braces(values: pa.Array) -> pa.Array:
    """``{a|b}`` -> ``a|b``, as the default parser keeps a header capture; absent -> null."""
    inner = pc.utf8_slice_codeunits(values, 1, -1)
    return pc.if_else(pc.starts_with(values, "{"), inner, pa.scalar(None, pa.string()))


def _date(dates: pa.Array, accept_time: Any) -> pa.Array:
    """``%t``/``%tr`` dates (``dd/Mon/yyyy:HH:MM:SS.mmm``), and ``%trg``/``%trl`` with a ``+hhmm`` offset, as UTC."""
    parts = pc.split_pattern(dates, " ", max_splits=1)
    first = pc.list_element(parts, 0)
    ts, ok = accept_time(pc.binary_join_element_wise("[", first, "]", ""))
    ts = pc.if_else(pa.array(ok), ts, pa.scalar(None, ts.type))
    if not pc.any(pc.match_substring(dates, " ")).as_py():  # %t / %tr: no offset to apply
        return ts
    found = pc.extract_regex(dates, r" (?P<sign>[+-])(?P<h>\d\d)(?P<m>\d\d)$")
    hours = pc.cast(pc.struct_field(found, "h"), pa.int64())
    minutes = pc.add(pc.multiply(hours, 60), pc.cast(pc.struct_field(found, "m"), pa.int64()))
    minutes = pc.if_else(pc.equal(pc.struct_field(found, "sign"), "-"), pc.negate(minutes), minutes)
    shift = pc.multiply(pc.fill_null(minutes, 0), 60_000)
    return pc.cast(pc.subtract(pc.cast(ts, pa.int64()), shift), pa.timestamp("ms", tz="UTC"))
