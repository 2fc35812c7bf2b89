"""The ``mga`` command line: the only place that wires parsers, analyzer and reports together.

Exit codes follow the report contract: 0 analysis ran and nothing reached ``--fail-on``;
1 a finding reached it; 2 usage error or an input that cannot be read (one line on stderr).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from mga import __version__
from mga.cmd_logs import logs
from mga.engine import Engine, EngineOpt, SchedulerOpt, WorkersOpt, cluster_client, dask_installed, log_runner

app = typer.Typer(
    name="mga",
    help="Why does this route return 502/503/504? Offline analysis of must-gather archives and router logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ReportFormat(StrEnum):
    html = "html"
    json = "json"
    md = "md"


class FailOn(StrEnum):
    critical = "critical"
    warning = "warning"
    never = "never"


class RoutesOutput(StrEnum):
    table = "table"
    wide = "wide"
    json = "json"
    yaml = "yaml"


class CatalogFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def fail(message: str) -> NoReturn:
    """One line on stderr and exit 2: the contract's answer to unusable input."""
    typer.echo(f"mga: {' '.join(message.split())}", err=True)
    raise typer.Exit(2)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn input errors and unexpected failures into one line + exit 2 (MGA_DEBUG=1 shows the traceback)."""
    from parsers.sources import InputError

    try:
        yield
    except typer.Exit:
        raise
    except InputError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted")
    except Exception as exc:
        if os.environ.get("MGA_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set MGA_DEBUG=1 for details)")


def parse_time(value: str | None, option: str) -> datetime | None:
    """RFC3339 (``2024-05-01T10:00:00Z``) or HAProxy's ``01/May/2024:10:00:00``; naive means UTC."""
    if not value:
        return None
    import pandas as pd

    text = value.strip()
    try:
        ts = pd.to_datetime(text, format="%d/%b/%Y:%H:%M:%S", utc=True) if "/" in text else pd.Timestamp(text)
    except (ValueError, TypeError):
        fail(f"{option}: cannot read time {value!r} (use RFC3339 or dd/Mon/yyyy:HH:MM:SS)")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar on stderr for inputs that take more than a moment (only on a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def _parse_route_keys(values: list[str] | None) -> list[tuple[str, str]] | None:
    if not values:
        return None
    keys = []
    for value in values:
        ns, sep, name = value.partition("/")
        if not sep or not ns or not name:
            fail(f"--route {value!r}: expected NAMESPACE/NAME")
        keys.append((ns, name))
    return keys


InputsArg = Annotated[
    list[str],
    typer.Argument(help="must-gather / inspect directories, YAML dumps, or archives (.tar, .tar.gz, .tar.xz, .zip)"),
]


@app.command("analyze")
def analyze(
    inputs: InputsArg,
    logs: Annotated[
        list[str] | None, typer.Option("--logs", help="extra router access-log files (plain or .gz)")
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="report format")] = ReportFormat.html,
    output: Annotated[str | None, typer.Option("--output", "-o", help="output path; '-' for stdout")] = None,
    namespace: Annotated[list[str] | None, typer.Option("--namespace", "-n", help="only these namespaces")] = None,
    route: Annotated[list[str] | None, typer.Option("--route", help="only this route, NAMESPACE/NAME")] = None,
    since: Annotated[str | None, typer.Option(help="ignore log lines before this time")] = None,
    until: Annotated[str | None, typer.Option(help="ignore log lines after this time")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 1 when a finding reaches this severity")] = (
        FailOn.never
    ),
    redact: Annotated[bool, typer.Option("--redact", help="replace IPs, hosts and domains by stable tokens")] = False,
    redact_namespaces: Annotated[bool, typer.Option(help="with --redact, also replace namespace names")] = False,
    redact_map: Annotated[
        str | None, typer.Option(help="with --redact, write the private token map to this file")
    ] = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Analyze inputs and write the report (HTML, JSON or Markdown)."""
    with guarded():
        from analyzer.run import analyze as run_analysis
        from parsers.load_snapshot import load_snapshot

        route_keys = _parse_route_keys(route)
        ns = set(namespace or []) | {k[0] for k in route_keys or []}
        with log_runner(engine, scheduler, workers) as runner, progress_bar(True) as update:
            snap = load_snapshot(
                inputs,
                logs or [],
                namespaces=ns or None,
                since=parse_time(since, "--since"),
                until=parse_time(until, "--until"),
                progress=update,
                log_runner=runner,
            )
        result = run_analysis(snap, routes=route_keys, namespaces=namespace or None, tool_version=__version__)
        if redact:
            from reports.redact import redact_result

            result, mapping = redact_result(result, namespaces=redact_namespaces)
            if redact_map:
                import json

                Path(redact_map).write_text(json.dumps(mapping, indent=2, sort_keys=True) + "\n")
        text = render(result, fmt)
        path = output or {"html": "report.html", "json": "report.json", "md": "report.md"}[fmt.value]
        if path == "-":
            sys.stdout.write(text)
        else:
            Path(path).write_text(text, encoding="utf-8")
            typer.echo(f"wrote {path}: {len(result.routes)} routes, {len(result.findings)} findings", err=True)
        raise typer.Exit(exit_code(result, fail_on))


def render(result: Any, fmt: ReportFormat) -> str:
    if fmt == ReportFormat.json:
        from reports.json_report import render_json

        return render_json(result)
    if fmt == ReportFormat.md:
        from reports.markdown import render_markdown

        return render_markdown(result)
    from reports.html import render_html

    return render_html(result)


def exit_code(result: Any, fail_on: FailOn) -> int:
    if fail_on == FailOn.never:
        return 0
    wanted = {"critical": {"critical"}, "warning": {"critical", "warning"}}[fail_on.value]
    return 1 if any(str(f.severity) in wanted for f in result.findings) else 0


@app.command("routes")
def routes(
    inputs: InputsArg,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="only this namespace")] = None,
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A", help="every namespace (default)")] = False,
    output: Annotated[RoutesOutput, typer.Option("--output", "-o", help="table | wide | json | yaml")] = (
        RoutesOutput.table
    ),
) -> None:
    """List routes like `oc get routes -A -o wide`, with service, ready/total endpoints and termination."""
    with guarded():
        from analyzer.joins import route_summary
        from mga.views import routes_table
        from parsers.load_snapshot import load_snapshot

        with progress_bar(True) as update:
            snap = load_snapshot(
                inputs, namespaces=[namespace] if namespace and not all_namespaces else None,
                progress=update, want_logs=False,
            )
        summary = route_summary(snap)
        if namespace and not all_namespaces and not summary.empty:
            summary = summary[summary["namespace"] == namespace]
        typer.echo(routes_table(summary, output.value), nl=False)


@app.command("rules")
def rules(
    fmt: Annotated[CatalogFormat, typer.Option("--format", "-f", help="table | markdown | json")] = CatalogFormat.table,
) -> None:
    """List every rule: code, name, cause id, severity."""
    from mga.views import rules_catalog

    typer.echo(rules_catalog(fmt.value), nl=False)


@app.command("rule")
def rule(code: Annotated[str, typer.Argument(help="rule code (e.g. E101) or name")]) -> None:
    """Print one rule's documentation."""
    from analyzer.registry import get_rule
    from mga.views import rule_doc

    found = get_rule(code)
    if found is None:
        fail(f"no rule {code!r}; see `mga rules`")
    typer.echo(rule_doc(found))


@app.command("batch")
def batch(
    inputs: InputsArg,
    output_dir: Annotated[str, typer.Option("--output-dir", "-d", help="where the reports and index.json go")] = (
        "mga-reports"
    ),
    fmt: Annotated[
        list[ReportFormat] | None, typer.Option("--format", "-f", help="report formats (repeat); default json and html")
    ] = None,
    namespace: Annotated[list[str] | None, typer.Option("--namespace", "-n", help="only these namespaces")] = None,
    engine: Annotated[
        Engine | None,
        typer.Option("--engine", help="dask (default when mga[dask] is installed) or local: one input after the other"),
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 1 when a finding reaches this severity")] = (
        FailOn.never
    ),
) -> None:
    """Analyze many inputs, one report set each plus index.json (a Dask bag on a local cluster by default)."""
    with guarded():
        from mga.batch import analyze_one, report_names, write_index

        formats = tuple(dict.fromkeys(f.value for f in (fmt or [ReportFormat.json, ReportFormat.html])))
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        stems = [str(Path(output_dir) / name) for name in report_names(inputs)]
        options = {"namespaces": sorted(namespace) if namespace else None}
        if engine is None:
            engine = Engine.dask if dask_installed() else Engine.local
            if engine == Engine.local:
                typer.echo("mga: the dask extra is not installed: analysing the inputs one after the other", err=True)
        with cluster_client(engine, scheduler, workers) as client, progress_bar(True) as update:
            if client is None:
                rows = []
                for i, (path, stem) in enumerate(zip(inputs, stems, strict=True)):
                    update("analyses", i, len(inputs))
                    rows.append(analyze_one(path, stem, formats, options))
            else:
                from mga.dask_engine import run_batch

                rows = run_batch(client, list(inputs), stems, formats, options, progress=update)
        index = write_index(output_dir, rows)
        for row in rows:
            line = row.get("error") or (f"{row['routes']} routes, {row['findings']} findings "
                                        f"({row['critical']} critical), {', '.join(row['causes']) or 'no cause'}")
            typer.echo(f"{row['input']}: {line}")
        typer.echo(f"wrote {index}", err=True)
        failed = any("error" in r for r in rows)
        reached = fail_on != FailOn.never and any(
            r.get("critical") or (fail_on == FailOn.warning and r.get("warning")) for r in rows)
        raise typer.Exit(2 if failed else 1 if reached else 0)


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(f"mga {__version__}")


app.command("logs")(logs)


def main() -> None:
    from mga.memory import tune

    tune()
    app()


if __name__ == "__main__":
    main()
