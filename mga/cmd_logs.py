"""``mga logs``: halog-style statistics of router access logs, as a table, JSON or a self-contained HTML page.

Per route and per server always; per client, the worst minutes (in time order, each labelled with
its rank and main status); ``-u`` adds the busiest URLs and ``-ue`` the URLs with the most 5xx
(see :mod:`analyzer.logtops` for how they compare with halog's ``-u``/``-ue``/``-ic``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

from mga.checks import require_log_lines, warn_empty_window
from mga.console import clean_lines, echo, fail, guarded, progress_bar, refuse_empty_paths, time_window, warn
from mga.engine import Engine, EngineOpt, SchedulerOpt, WorkersOpt, check_workers, log_runner
from mga.limits import MaxLogBytesOpt, parse_size
from mga.outputs import check_output, chosen_format, write_errors_refused, write_report

STDIN = "standard input"  # how ``-`` is named in messages and reports


class LogsFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def logs(
    paths: Annotated[
        list[str],
        typer.Argument(help="access-log files (plain, .gz, .xz or .bz2), inputs holding router logs, or - for stdin"),
    ],
    fmt: Annotated[
        LogsFormat | None,
        typer.Option("--format", "-f", "-o", help="table | json | html (default: what --output's extension names, "
                     "else table)", show_default=False),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", help="write here instead of stdout (html: logs.html by default)", metavar="PATH"),
    ] = None,
    urls: Annotated[bool, typer.Option("--urls", "-u", help="add the busiest URLs (query strings cut, like halog)")] = (
        False
    ),
    urls_5xx: Annotated[bool, typer.Option("--urls-5xx", "-ue", help="add the URLs with the most 5xx")] = False,
    clients: Annotated[bool, typer.Option("--clients", "-ic", help="add the busiest client addresses")] = False,
    since: Annotated[str | None, typer.Option(help="ignore lines before this time")] = None,
    until: Annotated[str | None, typer.Option(help="ignore lines after this time")] = None,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="the IngressController's httpLogFormat, if customised")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="rows per table (URLs, clients, routes, servers)", metavar="N",
                                     min=1)] = 20,
    max_log_bytes: MaxLogBytesOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Status and termination-state counts, per-route and per-server tables, the worst minutes."""
    with guarded():
        from parsers.log_format import compile_log_format

        refuse_empty_paths(paths, "input")
        if log_format:
            try:
                compile_log_format(log_format)
            except ValueError as exc:
                fail(f"--log-format: {exc}")
        start, end = time_window(since, until)
        log_cap = parse_size(max_log_bytes, "--max-log-bytes")
        check_workers(engine, scheduler, workers)
        fmt = chosen_format(fmt, output, LogsFormat, LogsFormat.table)  # a table has no extension of its own
        if output is None and fmt == LogsFormat.html:
            output = "logs.html"
        given = [p for p in paths if p != "-"]
        target = check_output(output, fmt.value, given) if output is not None else "-"
        if target != "-" and target.endswith("report.html") and fmt == LogsFormat.html:
            target = target[: -len("report.html")] + "logs.html"
        if paths.count("-") > 1:
            fail("standard input (-) can be read only once")
        from parsers.collector_pause import objects_frozen

        with objects_frozen():  # the modules imported so far, out of the collector's full passes
            shown = [p if p != "-" else STDIN for p in paths]
            with stdin_as_file(paths) as files, log_runner(engine, scheduler, workers) as runner, \
                    progress_bar(True) as update:
                want = urls or urls_5xx or clients or fmt == LogsFormat.html
                stats = statistics(files, top=top, tops=want, since=start, until=end,
                                   log_format=log_format, progress=update, runner=runner, max_log_bytes=log_cap,
                                   labels={f: STDIN for f, p in zip(files, paths, strict=True) if p == "-"})
                for entry in stats["skipped"]:  # an input among several that holds nothing readable
                    if entry["source"] in shown:
                        warn(f"{entry['reason']}; skipped, the other inputs are read")
            require_log_lines(stats, shown)
            warn_empty_window(since, until, stats["requests"], stats["files"])
            if fmt == LogsFormat.json:
                text = to_json(stats)
            elif fmt == LogsFormat.html:
                from reports.logs_html import render_logs_html

                routes, servers = ranked(stats, top)
                text = render_logs_html(stats, shown, routes=routes, servers=servers,
                                        worst=minute_labels(stats["worst_minutes"]),
                                        notes=cut_notes(stats, routes, servers))
            else:
                text = clean_lines(render_table(stats, top, urls=urls, urls_5xx=urls_5xx, clients=clients))
            if target != "-":
                with write_errors_refused("--output", target):
                    write_report(target, text)
                if fmt == LogsFormat.html:
                    echo(f"wrote {target}", err=True)
            else:
                sys.stdout.write(text)


@contextmanager
def stdin_as_file(paths: list[str]) -> Iterator[list[str]]:
    """``-`` read from standard input, like halog: spooled to a private temporary file named ``stdin``.

    The log scanners read files by byte ranges (and on Dask workers), so the stream is copied once;
    the file is removed when the command ends. Messages and reports name it :data:`STDIN`, not the
    temporary path (``statistics``' ``labels``).
    """
    if "-" not in paths:
        yield paths
        return
    with tempfile.TemporaryDirectory(prefix="mga-stdin-") as tmp:
        spool = os.path.join(tmp, "stdin")
        with open(spool, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
        yield [spool if p == "-" else p for p in paths]


def statistics(paths: list[str], top: int = 20, tops: bool = False, **options: Any) -> dict[str, Any]:
    """The ``mga.logs/v1`` object, streamed: each chunk is summarised on its parsing thread, then dropped.

    With ``tops`` it also carries the ``top`` URLs, URLs by 5xx and clients, and every minute by
    status class (:mod:`analyzer.logtops`); those need the full parse of each line (path, client,
    bytes, every timer), about a third more CPU than the lean statistics-only parse, so they are
    computed only when asked for.
    """
    from analyzer.logstats import LogStats, summarize_result
    from analyzer.logtops import LogTops, summarize_with_tops
    from parsers.haproxy_log import MAX_SAMPLES, server_pod
    from parsers.log_jobs import scan_access_logs

    stats = LogStats()

    def consume(result: Any) -> None:
        summary, chunk_tops = result.extra if tops else (result.extra, None)
        stats.add(summary)
        found.add(chunk_tops)

    found = LogTops()
    tallies, skipped = scan_access_logs(paths, consume, after=summarize_with_tops if tops else summarize_result,
                                        stats_only=not tops, **options)
    samples: list[dict[str, Any]] = []
    for tally in tallies:
        samples.extend(tally.samples[: max(0, MAX_SAMPLES - len(samples))])
    out = stats.result(
        lines_read=sum(t.lines_read for t in tallies),
        unparsed=sum(t.unparsed for t in tallies),
        router_messages=sum(t.router_messages for t in tallies),
        files=[t.accounting() for t in tallies],
        samples=samples,
        pod_of=server_pod,
    )
    if tops:
        out.update(found.result(top))
    out["skipped"] = [{"source": s, "reason": r} for s, r in skipped]
    return out


def to_json(stats: dict[str, Any]) -> str:
    """The statistics as JSON, one backend, server, minute or file per line.

    Easy to grep and to diff, and written by the C encoder: ``indent=2`` on tens of thousands of
    server rows is the slow pure-Python one (a third of a second per million log lines).
    """
    parts = []
    for key, value in stats.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows = ",\n".join("    " + json.dumps(v) for v in value)
            parts.append(f"  {json.dumps(key)}: [\n{rows}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def ranked(stats: dict[str, Any], top: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``top`` routes and servers, most 5xx first, then most requests."""
    routes = sorted(stats["backends"], key=lambda b: (-b["errors_5xx"], -b["requests"]))[:top]
    servers = sorted(stats["servers"], key=lambda s: (-s["errors_5xx"], -s["requests"]))[:top]
    return routes, servers


def cut_notes(stats: dict[str, Any], routes: list[dict[str, Any]], servers: list[dict[str, Any]]) -> dict[str, str]:
    """The line under the route table and the server table that ``--top`` cut (``3 of 17 routes; --top N shows
    more``), by table; none for a table shown whole."""
    from analyzer.wording import plural

    notes = {}
    for table, shown, rows, noun in (("routes", routes, stats["backends"], "route"),
                                     ("servers", servers, stats["servers"], "server")):
        if len(shown) < len(rows):
            notes[table] = f"{len(shown)} of {plural(len(rows), noun)}; --top N shows more"
    return notes


def minute_labels(worst: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The worst minutes in time order, each with a label: its rank by 5xx and its main 5xx status."""
    out = []
    for rank, minute in enumerate(worst, start=1):
        codes = {code: int(minute.get(code, 0)) for code in ("502", "503", "504")}
        main = max(codes, key=lambda c: (codes[c], c))
        share = f"mostly {main}" if codes[main] * 2 > minute["errors_5xx"] else "mixed 5xx"
        out.append({**minute, "label": ("worst" if rank == 1 else f"#{rank}") + f", {share}"})
    return sorted(out, key=lambda m: m["minute"])


def _url_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[u["requests"], u["errors_5xx"], u["failed"], u["avg_ta_ok"], u["bytes_total"], u["url"]] for u in rows]


def _window_line(window: dict[str, Any]) -> str:
    """The first and last request's time, or why there are none (no request line, or none in the window)."""
    if window["start"] is None and window["end"] is None:
        return "window: no dated lines (no request line read, or none in --since/--until)"
    return f"window {window['start']} -> {window['end']}"


def render_table(stats: dict[str, Any], top: int, *, urls: bool = False, urls_5xx: bool = False,
                 clients: bool = False) -> str:
    out = [
        f"lines read {stats['lines_read']}, requests {stats['requests']}, router messages "
        f"{stats['router_messages']}, unparsed {stats['unparsed']}",
        _window_line(stats["window"]),
        "",
        "status  " + "  ".join(f"{k}:{v}" for k, v in stats["status_counts"].items()),
        "term    " + "  ".join(f"{k}:{v}" for k, v in stats["term_counts"].items()),
        "",
    ]
    routes, servers = ranked(stats, top)
    notes = cut_notes(stats, routes, servers)
    out.append(
        _table(
            ["ROUTE", "BACKEND", "REQ", "5XX", "502", "503", "504", "TR_P95", "TA_P99"],
            [
                [
                    f"{b['namespace']}/{b['route']}" if b["route"] else "-",
                    b["backend"],
                    b["requests"],
                    b["errors_5xx"],
                    b["status_counts"].get("502", 0),
                    b["status_counts"].get("503", 0),
                    b["status_counts"].get("504", 0),
                    b["tr"]["p95"],
                    b["ta"]["p99"],
                ]
                for b in routes
            ],
        )
    )
    out += [notes["routes"]] if "routes" in notes else []
    out.append("")
    out.append(
        _table(
            ["SERVER", "REQ", "5XX", "AVG_TC", "TR_P95"],
            [
                [f"{s['backend']}/{s['server']}", s["requests"], s["errors_5xx"], s["avg_tc"], s["tr"]["p95"]]
                for s in servers
            ],
        )
    )
    out += [notes["servers"]] if "servers" in notes else []
    if clients:
        out += ["", f"busiest clients ({len(stats['clients'])} of {stats['distinct_clients']})",
                _table(["REQ", "5XX", "FAILED", "OK_AVG_TA", "BYTES", "CLIENT"],
                       [[c["requests"], c["errors_5xx"], c["failed"], c["avg_ta_ok"], c["bytes_total"], c["client"]]
                        for c in stats["clients"]])]
    url_headers = ["REQ", "5XX", "FAILED", "OK_AVG_TA", "BYTES", "URL"]
    if urls:
        out += ["", f"busiest URLs ({len(stats['urls'])} of {stats['distinct_urls']})",
                _table(url_headers, _url_rows(stats["urls"]))]
    if urls_5xx:
        out += ["", f"URLs with the most 5xx ({len(stats['urls_5xx'])} of {stats['distinct_urls_5xx']} with any)",
                _table(url_headers, _url_rows(stats["urls_5xx"]))]
    if stats["worst_minutes"]:
        out += [
            "",
            _table(
                ["MINUTE", "REQ", "5XX", "502", "503", "504", "LABEL"],
                [
                    [m["minute"], m["requests"], m["errors_5xx"], m["502"], m["503"], m["504"], m["label"]]
                    for m in minute_labels(stats["worst_minutes"])
                ],
            ),
        ]
    if stats["unparsed_samples"]:
        out += ["", "unparsed samples:"] + [
            f"  {u['source']}:{u['line']}: {u['reason']}: {u['text'][:160]}" for u in stats["unparsed_samples"][:5]
        ]
    if stats.get("skipped"):  # logs cut, unreadable, or the same log given twice (read once)
        out += ["", "skipped:"] + [f"  {s['source']}: {s['reason']}" for s in stats["skipped"]]
    return "\n".join(out) + "\n"
