"""``mga batch``: many inputs, one report set each, and ``index.json`` over them all."""

from __future__ import annotations

from typing import Annotated

import typer

from analyzer.wording import plural
from mga.console import clean, echo, guarded, progress_bar, refuse_empty_paths
from mga.engine import Engine, SchedulerOpt, WorkersOpt, check_workers, cluster_client, dask_installed
from mga.limits import MaxBytesOpt, MaxLogBytesOpt, parse_size
from mga.outputs import check_output_dir, write_errors_refused
from mga.render import FailOn, ReportFormat

InputsArg = Annotated[
    list[str],
    typer.Argument(help="must-gather / inspect directories, YAML dumps, or archives (.tar, .tar.gz, .tar.xz, .zip)"),
]


def batch(
    inputs: InputsArg,
    output_dir: Annotated[str, typer.Option("--output-dir", "-d", help="where the reports and index.json go")] = (
        "mga-reports"
    ),
    fmt: Annotated[
        list[ReportFormat] | None,
        typer.Option("--format", "-f", "-o", help="report formats (repeat); default json and html"),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", "-n", help="only these namespaces (-n a b, or -n a -n b)", metavar="NS..."),
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option("--engine",
                     help="dask (default when mga\\[dask] is installed) or local: one input after the other"),
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="exit 1 when a finding reaches this severity")] = (
        FailOn.never
    ),
    max_bytes: MaxBytesOpt = None,
    max_log_bytes: MaxLogBytesOpt = None,
) -> None:
    """Analyze many inputs, one report set each plus index.json (a Dask bag on a local cluster by default).

    --max-bytes and --max-log-bytes mean what they mean for `mga analyze`, for each input's run:
    every input is analyzed on its own, with its own budget.
    """
    with guarded():
        from mga.batch import analyze_one, report_names, write_index

        refuse_empty_paths(inputs, "input")
        limits = {"max_bytes": parse_size(max_bytes, "--max-bytes"),
                  "max_log_bytes": parse_size(max_log_bytes, "--max-log-bytes")}

        defaulted = engine is None
        if engine is None:
            engine = Engine.dask if dask_installed() else Engine.local
        check_workers(engine, scheduler, workers)
        formats = tuple(dict.fromkeys(f.value for f in (fmt or [ReportFormat.json, ReportFormat.html])))
        out = check_output_dir(output_dir)
        stems = [str(out / name) for name in report_names(inputs)]
        options = {"namespaces": sorted(namespace) if namespace else None, **limits}
        if defaulted and engine == Engine.local:
            echo("mga: the dask extra is not installed: analysing the inputs one after the other", err=True)
        with cluster_client(engine, scheduler, workers) as client, progress_bar(True) as update:
            if client is None:
                rows = []
                for i, (path, stem) in enumerate(zip(inputs, stems, strict=True)):
                    update("analyses", i, len(inputs))
                    rows.append(analyze_one(path, stem, formats, options))
            else:
                from mga.dask_engine import run_batch

                rows = run_batch(client, list(inputs), stems, formats, options, progress=update)
        with write_errors_refused("--output-dir", output_dir):
            index = write_index(output_dir, rows)
        for row in rows:
            line = row.get("error") or (f"{plural(row['routes'], 'route')}, {plural(row['findings'], 'finding')} "
                                        f"({row['critical']} critical), {', '.join(row['causes']) or 'no cause'}")
            echo(f"{clean(row['input'])}: {clean(line)}")
        echo(f"wrote {index}", err=True)
        failed = any("error" in r for r in rows)
        reached = fail_on != FailOn.never and any(
            r.get("critical") or (fail_on == FailOn.warning and r.get("warning")) for r in rows)
        raise typer.Exit(2 if failed else 1 if reached else 0)
