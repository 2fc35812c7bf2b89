"""``mga analyze``: inputs in, one report out, and a terminal summary of what is broken.

Everything that can be refused is refused before the inputs are read: the time window, the route
keys, the output path and the redaction map (contract v1.1: exit 2, one line).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mga import __version__
from mga.checks import require_filters_match, require_usable, warn_empty_window
from mga.console import fail, guarded, progress_bar, refuse_empty_paths, time_window, warn
from mga.engine import Engine, EngineOpt, SchedulerOpt, WorkersOpt, check_workers, log_runner
from mga.limits import MaxBytesOpt, MaxLogBytesOpt, parse_size
from mga.outputs import (
    check_output,
    check_redact_map,
    chosen_format,
    write_errors_refused,
    write_private,
    write_report,
)
from mga.render import FailOn, ReportFormat, exit_code, render

InputsArg = Annotated[
    list[str],
    typer.Argument(help="must-gather / inspect directories, YAML dumps, or archives (.tar, .tar.gz, .tar.xz, .zip)"),
]


def parse_route_keys(values: list[str] | None) -> list[tuple[str, str]] | None:
    if not values:
        return None
    keys = []
    for value in values:
        ns, sep, name = value.partition("/")
        if not sep or not ns or not name:
            fail(f"--route {value!r}: expected NAMESPACE/NAME")
        keys.append((ns, name))
    return keys


def check_redaction_options(*, redact: bool, redact_namespaces: bool, redact_map: str | None, force: bool) -> None:
    """Options that only refine another one are refused without it: a privacy option must never do nothing."""
    if redact_namespaces and not redact:
        fail("--redact-namespaces needs --redact: without it nothing is redacted, namespaces included")
    if force and redact_map is None:
        fail("--force needs --redact-map: it only allows replacing an existing token map")


# ``oc``'s output formats: ``-o yaml`` typed from habit is a format mga does not write, not a file name
OC_FORMATS = frozenset({"yaml", "wide", "table", "name", "jsonpath", "go-template", "custom-columns", "text"})


def _format_and_path(fmt: ReportFormat | None, o: str | None, output: str | None) -> tuple[ReportFormat, str | None]:
    """``-o`` is the output format as in ``oc``; ``-o PATH`` still works for a release, with a warning.

    A value that is a format word (``JSON``, ``yaml``), not a path, is refused: taken as a path it wrote an
    HTML report to a file called ``yaml`` in the current directory. Without a format, the one the report
    path's extension names is written (``--output r.json``: JSON, not HTML in a .json file), else HTML; a
    format given that the extension contradicts is refused."""
    fmt_option, output_option = "--format", "--output"
    if o is not None:
        word = o.lower()
        if o not in ReportFormat.__members__ and (word in ReportFormat.__members__ or word in OC_FORMATS):
            fail(f"-o {o}: not a report format; -o takes html, json or md (lower case), --output the report path")
        if o in ReportFormat.__members__:
            if fmt is not None and fmt.value != o:
                fail(f"-o {o} and --format {fmt.value} disagree")
            fmt, fmt_option = ReportFormat(o), "-o"
        else:
            warn(f"-o {o}: -o is the output format (html|json|md); use --output for the report path "
                 "(-o PATH is deprecated and will be removed)")
            if output is not None:
                fail("-o PATH and --output both given")
            output, output_option = o, "-o"
    return chosen_format(fmt, output, ReportFormat, ReportFormat.html, format_option=fmt_option,
                         output_option=output_option), output


def analyze(
    inputs: InputsArg,
    logs: Annotated[
        list[str] | None, typer.Option("--logs", help="extra router access-log files (plain, .gz, .xz or .bz2)")
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="report format (default: the one --output's extension names, else html)"),
    ] = None,
    o: Annotated[str | None, typer.Option("-o", help="report format: html | json | md", metavar="FORMAT")] = None,
    output: Annotated[
        str | None, typer.Option("--output", help="report path, a directory, or '-' for stdout", metavar="PATH")
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", "-n", help="only these namespaces (-n a b, or -n a -n b)", metavar="NS..."),
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option("--route", help="only these routes, NAMESPACE/NAME (--route a/x b/y, or repeated)",
                     metavar="NS/NAME..."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="ignore log lines before this time")] = None,
    until: Annotated[str | None, typer.Option(help="ignore log lines after this time")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 1 when a finding reaches this severity")] = (
        FailOn.never
    ),
    redact: Annotated[bool, typer.Option("--redact", help="replace IPs, hosts and domains by stable tokens")] = False,
    redact_namespaces: Annotated[
        bool, typer.Option("--redact-namespaces", help="with --redact, also replace namespace names")
    ] = False,
    redact_map: Annotated[
        str | None, typer.Option("--redact-map", help="with --redact, write the private token map here (0600)",
                                 metavar="PATH")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing --redact-map file")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no terminal summary")] = False,
    max_bytes: MaxBytesOpt = None,
    max_log_bytes: MaxLogBytesOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Analyze inputs, write the report (HTML, JSON or Markdown) and print what is broken."""
    with guarded():
        refuse_empty_paths(inputs, "input")
        refuse_empty_paths(logs or [], "--logs")
        fmt, output = _format_and_path(fmt, o, output)
        start, end = time_window(since, until)
        route_keys = parse_route_keys(route)
        log_cap = parse_size(max_log_bytes, "--max-log-bytes")
        run_bytes = parse_size(max_bytes, "--max-bytes")
        every_input = list(inputs) + list(logs or [])
        path = check_output(f"report.{fmt.value}" if output is None else output, fmt.value, every_input)
        check_redaction_options(redact=redact, redact_namespaces=redact_namespaces, redact_map=redact_map, force=force)
        check_workers(engine, scheduler, workers)
        check_redact_map(redact_map, redact=redact, force=force, output=path, inputs=every_input)

        from analyzer.run import analyze as run_analysis
        from parsers.collector_pause import objects_frozen
        from parsers.load_snapshot import load_snapshot

        with objects_frozen():  # the modules imported so far, out of the collector's full passes
            ns = set(namespace or []) | {k[0] for k in route_keys or []}
            with log_runner(engine, scheduler, workers) as runner, progress_bar(True) as update:
                snap = load_snapshot(inputs, logs or [], namespaces=ns or None, since=start, until=end,
                                     progress=update, log_runner=runner, max_log_bytes=log_cap,
                                     max_bytes=run_bytes, keep_all_requests=False)
            from mga.memory import release_unused

            release_unused()  # the chunk tables' pages, kept by the pools, would sit under the analysis' own peak
            require_usable(snap, every_input)
            require_filters_match(snap, namespace, route_keys)
            result = run_analysis(snap, routes=route_keys, namespaces=namespace or None, tool_version=__version__)
            warn_empty_window(since, until, result.requests, result.log_accounting)
            if redact:
                from reports.redact import redact_result

                result, mapping = redact_result(result, namespaces=redact_namespaces)
                if redact_map:
                    with write_errors_refused("--redact-map", redact_map):
                        write_private(redact_map, json.dumps(mapping, indent=2, sort_keys=True) + "\n")
            text = render(result, fmt)
            if path == "-":
                typer.echo(text, nl=False)
            else:
                with write_errors_refused("--output", path):
                    write_report(path, text)
            if not quiet:
                from mga.summary import print_summary

                print_summary(result, path)
            raise typer.Exit(exit_code(result, fail_on))
