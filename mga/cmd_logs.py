"""``mga logs``: halog-style statistics of router access logs, per route, as a table or JSON."""

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

from mga.console import clean_lines, fail, guarded, progress_bar, time_window
from mga.engine import Engine, EngineOpt, SchedulerOpt, WorkersOpt, log_runner
from mga.limits import MaxLogBytesOpt, parse_size
from mga.outputs import check_output, write_report


class LogsFormat(StrEnum):
    table = "table"
    json = "json"


def logs(
    paths: Annotated[
        list[str], typer.Argument(help="access-log files (plain or .gz), inputs holding router logs, or - for stdin")
    ],
    fmt: Annotated[LogsFormat, typer.Option("--format", "-f", "-o", help="table | json")] = LogsFormat.table,
    output: Annotated[
        str | None, typer.Option("--output", help="write here instead of stdout", metavar="PATH")
    ] = None,
    since: Annotated[str | None, typer.Option(help="ignore lines before this time")] = None,
    until: Annotated[str | None, typer.Option(help="ignore lines after this time")] = None,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="the IngressController's httpLogFormat, if customised")
    ] = None,
    top: Annotated[int, typer.Option(help="rows per table in the text output")] = 20,
    max_log_bytes: MaxLogBytesOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Status and termination-state counts, per-route and per-server tables, the worst minutes."""
    with guarded():
        from parsers.log_format import compile_log_format

        if log_format:
            try:
                compile_log_format(log_format)
            except ValueError as exc:
                fail(f"--log-format: {exc}")
        start, end = time_window(since, until)
        log_cap = parse_size(max_log_bytes, "--max-log-bytes")
        target = check_output(output, fmt.value, [p for p in paths if p != "-"]) if output else "-"
        if paths.count("-") > 1:
            fail("standard input (-) can be read only once")
        with stdin_as_file(paths) as files, log_runner(engine, scheduler, workers) as runner, \
                progress_bar(True) as update:
            stats = statistics(files, since=start, until=end,
                               log_format=log_format, progress=update, runner=runner, max_log_bytes=log_cap)
        text = to_json(stats) if fmt == LogsFormat.json else clean_lines(render_table(stats, top))
        if target != "-":
            write_report(target, text)
        else:
            sys.stdout.write(text)


@contextmanager
def stdin_as_file(paths: list[str]) -> Iterator[list[str]]:
    """``-`` read from standard input, like halog: spooled to a private temporary file named ``stdin``.

    The log scanners read files by byte ranges (and on Dask workers), so the stream is copied once;
    the file is removed when the command ends.
    """
    if "-" not in paths:
        yield paths
        return
    with tempfile.TemporaryDirectory(prefix="mga-stdin-") as tmp:
        spool = os.path.join(tmp, "stdin")
        with open(spool, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
        yield [spool if p == "-" else p for p in paths]


def statistics(paths: list[str], **options: Any) -> dict[str, Any]:
    """The ``mga.logs/v1`` object, streamed: each chunk is summarised on its parsing thread, then dropped."""
    from analyzer.logstats import LogStats, summarize_result
    from parsers.haproxy_log import MAX_SAMPLES, server_pod
    from parsers.log_jobs import scan_access_logs

    stats = LogStats()
    tallies, skipped = scan_access_logs(
        paths, lambda result: stats.add(result.extra), after=summarize_result, stats_only=True, **options
    )
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


def render_table(stats: dict[str, Any], top: int) -> str:
    out = [
        f"lines read {stats['lines_read']}, requests {stats['requests']}, router messages "
        f"{stats['router_messages']}, unparsed {stats['unparsed']}",
        f"window {stats['window']['start']} -> {stats['window']['end']}",
        "",
        "status  " + "  ".join(f"{k}:{v}" for k, v in stats["status_counts"].items()),
        "term    " + "  ".join(f"{k}:{v}" for k, v in stats["term_counts"].items()),
        "",
    ]
    routes = sorted(stats["backends"], key=lambda b: (-b["errors_5xx"], -b["requests"]))[:top]
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
    out.append("")
    servers = sorted(stats["servers"], key=lambda s: (-s["errors_5xx"], -s["requests"]))[:top]
    out.append(
        _table(
            ["SERVER", "REQ", "5XX", "AVG_TC", "TR_P95"],
            [
                [f"{s['backend']}/{s['server']}", s["requests"], s["errors_5xx"], s["avg_tc"], s["tr"]["p95"]]
                for s in servers
            ],
        )
    )
    if stats["worst_minutes"]:
        out += [
            "",
            _table(
                ["MINUTE", "REQ", "5XX", "502", "503", "504"],
                [
                    [m["minute"], m["requests"], m["errors_5xx"], m["502"], m["503"], m["504"]]
                    for m in stats["worst_minutes"]
                ],
            ),
        ]
    if stats["unparsed_samples"]:
        out += ["", "unparsed samples:"] + [
            f"  {u['source']}:{u['line']}: {u['reason']}: {u['text'][:160]}" for u in stats["unparsed_samples"][:5]
        ]
    return "\n".join(out) + "\n"
