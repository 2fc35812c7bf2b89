"""Per-URL, per-client and per-minute-by-status tables of the access log, streamed like :mod:`analyzer.logstats`.

``mga logs -u`` / ``-ue`` / the client table are halog's ``-u`` / ``-ue`` / ``-ic`` with one
difference, on purpose: halog's ``err`` column counts requests with a ``-1`` among their five timers
(no complete answer from a server: not connected, no or a bad response), so a 503 sent at once by
the router or the application is not an error to halog. Here ``failed`` is exactly that count
(comparable with halog), and ``errors_5xx`` counts 5xx statuses, which is what ``-ue`` ranks by:
the URLs behind the 502/503/504s.
Like halog, the URL is the request path without its query string and only HTTP lines have one;
``avg_ta_ok`` is halog's ``okavg`` (mean ``Ta`` of the requests that did not fail, rounded down),
``bytes_total`` its ``btot``.

Each chunk is grouped on its parsing thread (:func:`summarize_tops`); :class:`LogTops` keeps the
grouped parts and folds them when they grow, so memory follows the distinct URLs and clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.model import rfc3339

FOLD_AT = 1 << 18  # grouped rows kept before the parts are folded into one
MINUTE_MS = 60_000
_SUMS = ("requests", "errors_5xx", "failed", "ok_ta", "ok", "bytes_total")
MINUTE_SERIES = ("2xx", "3xx", "4xx", "other", "5xx_other", "502", "503", "504")  # reports.charts.SERIES keys


@dataclass
class TopsChunk:
    urls: pa.Table | None
    clients: pa.Table | None
    minutes: pa.Table | None


def _ints(column: pa.ChunkedArray | pa.Array, missing: int) -> pa.Array:
    return pc.fill_null(pc.cast(column, pa.int64()), missing)


def _measures(table: pa.Table) -> dict[str, pa.Array]:
    status = _ints(table.column("status"), -10_000)
    ta = _ints(table.column("Ta"), -1)
    failed = pc.less(ta, 0)
    for timer in ("TR", "Tw", "Tc", "Tr"):  # a TCP line has no TR/Tr: null is not a failure
        failed = pc.or_(failed, pc.less(_ints(table.column(timer), 0), 0))
    ok = pc.invert(failed)
    five = pc.and_(pc.greater_equal(status, 500), pc.less(status, 600))
    return {
        "requests": pa.array([1] * table.num_rows, pa.int64()),
        "errors_5xx": pc.cast(five, pa.int64()),
        "failed": pc.cast(failed, pa.int64()),
        "ok_ta": pc.if_else(ok, ta, 0),
        "ok": pc.cast(ok, pa.int64()),
        "bytes_total": pc.max_element_wise(_ints(table.column("bytes"), 0), 0),
    }


def _grouped(keys: pa.Array, measures: dict[str, pa.Array], mask: pa.Array | None = None) -> pa.Table | None:
    table = pa.table({"key": keys, **measures})
    if mask is not None:
        table = table.filter(mask)
    table = table.filter(pc.is_valid(table.column("key")))
    if not table.num_rows:
        return None
    out = table.group_by("key").aggregate([(name, "sum") for name in _SUMS])
    return out.rename_columns([name.removesuffix("_sum") for name in out.column_names])


def url_of(path: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The request path without its query string (halog's URL without ``-query``)."""
    return pc.replace_substring_regex(pc.cast(path, pa.string()), pattern=r"\?.*", replacement="")


def _minutes(table: pa.Table) -> pa.Table | None:
    ts = table.column("ts")
    ts = pc.cast(ts, pa.timestamp("ms", tz="UTC"), safe=False) if ts.type.unit != "ms" else ts
    ms = pc.cast(ts, pa.int64())
    minute = pc.multiply(pc.divide(ms, MINUTE_MS), MINUTE_MS)
    status = _ints(table.column("status"), -1)
    cls = pc.divide(status, 100)
    series = {
        "2xx": pc.equal(cls, 2), "3xx": pc.equal(cls, 3), "4xx": pc.equal(cls, 4),
        "502": pc.equal(status, 502), "503": pc.equal(status, 503), "504": pc.equal(status, 504),
    }
    five = pc.and_(pc.equal(cls, 5), pc.invert(pc.is_in(status, pa.array([502, 503, 504], pa.int64()))))
    series["5xx_other"] = five
    series["other"] = pc.or_(pc.less(status, 200), pc.greater_equal(status, 600))  # none, -1, 1xx
    work = pa.table({"minute": minute, **{k: pc.cast(v, pa.int64()) for k, v in series.items()}})
    work = work.filter(pc.is_valid(work.column("minute")))
    if not work.num_rows:
        return None
    out = work.group_by("minute").aggregate([(k, "sum") for k in MINUTE_SERIES])
    return out.rename_columns([name.removesuffix("_sum") for name in out.column_names])


def summarize_tops(table: pa.Table | None) -> TopsChunk | None:
    """The per-URL, per-client and per-minute parts of one chunk of ``requests`` rows."""
    if table is None or table.num_rows == 0:
        return None
    measures = _measures(table)
    path = table.column("path")
    http = pc.is_valid(table.column("status"))
    return TopsChunk(
        urls=_grouped(url_of(path), measures, http),
        clients=_grouped(pc.cast(table.column("client_ip"), pa.string()), measures),
        minutes=_minutes(table),
    )


def _fold(parts: list[pa.Table], key: str, sums: tuple[str, ...]) -> list[pa.Table]:
    if len(parts) < 2:
        return parts
    table = pa.concat_tables(parts)
    out = table.group_by(key).aggregate([(name, "sum") for name in sums])
    return [out.rename_columns([name.removesuffix("_sum") for name in out.column_names])]


@dataclass
class LogTops:
    """Merges :class:`TopsChunk` parts; :meth:`result` gives the tables ``mga logs`` prints."""

    _urls: list[pa.Table] = field(default_factory=list)
    _clients: list[pa.Table] = field(default_factory=list)
    _minutes: list[pa.Table] = field(default_factory=list)

    def add(self, chunk: TopsChunk | None) -> None:
        if chunk is None:
            return
        for parts, part, key, sums in ((self._urls, chunk.urls, "key", _SUMS),
                                       (self._clients, chunk.clients, "key", _SUMS),
                                       (self._minutes, chunk.minutes, "minute", MINUTE_SERIES)):
            if part is None:
                continue
            parts.append(part)
            if sum(p.num_rows for p in parts) > FOLD_AT or len(parts) > 256:
                parts[:] = _fold(parts, key, sums)

    def _rows(self, parts: list[pa.Table], name: str) -> list[dict[str, Any]]:
        parts[:] = _fold(parts, "key", _SUMS)
        if not parts:
            return []
        rows = []
        for r in parts[0].to_pylist():
            ok = r.pop("ok")
            ok_ta = r.pop("ok_ta")
            rows.append({name: r.pop("key"), **r, "avg_ta_ok": ok_ta // ok if ok else None})
        return rows

    def result(self, top: int) -> dict[str, Any]:
        """The ``top`` URLs by requests and by 5xx, the ``top`` clients by requests, every minute by status class,
        and how many URLs, URLs with a 5xx and clients there were in all.

        Ties are broken by the name, so the order is the same on every run.
        """
        urls = self._rows(self._urls, "url")
        clients = self._rows(self._clients, "client")
        by_requests = sorted(urls, key=lambda u: (-u["requests"], u["url"]))[:top]
        with_5xx = [u for u in urls if u["errors_5xx"]]
        by_5xx = sorted(with_5xx, key=lambda u: (-u["errors_5xx"], -u["requests"], u["url"]))[:top]
        self._minutes[:] = _fold(self._minutes, "minute", MINUTE_SERIES)
        minutes = []
        if self._minutes:
            for row in sorted(self._minutes[0].to_pylist(), key=lambda m: m["minute"]):
                stamp = row.pop("minute")
                minutes.append({"minute": rfc3339(_utc(stamp)), **row})
        return {
            "urls": by_requests,
            "urls_5xx": by_5xx,
            "clients": sorted(clients, key=lambda c: (-c["requests"], c["client"]))[:top],
            "distinct_urls": len(urls),
            "distinct_urls_5xx": len(with_5xx),  # the URLs with any 5xx, of which ``urls_5xx`` shows ``top``
            "distinct_clients": len(clients),
            "minutes": minutes,
        }


def _utc(ms: int) -> Any:
    import pandas as pd

    return pd.Timestamp(int(ms), unit="ms", tz="UTC")


def summarize_with_tops(result: Any) -> tuple[Any, TopsChunk | None]:
    """The per-chunk hook of ``mga logs``: the halog-style summary and the tops of one parsed chunk.

    Module level, not a lambda, so Dask can send it to workers by reference.
    """
    from analyzer.logstats import summarize_chunk

    return summarize_chunk(result.table), summarize_tops(result.table)
