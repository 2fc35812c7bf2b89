"""``mga routes [NAME]``: the collected routes like ``oc get routes -A -o wide``, plus READY and 5XX.

``-o yaml|json`` prints the collected Route objects themselves, each with the file it came from
(:mod:`mga.route_objects`); ``--show-labels`` adds LABELS; ``--logs`` fills 5XX with each route's
router-side 5xx (``-`` without access logs: unknown, never 0).

A positional argument that is not an existing path is a route name (``mga routes mg.tar.xz
console``) or ``NAMESPACE/NAME`` as for ``describe route`` and ``--route``; when it is both, the
path wins and a warning says so. One that no route name can be (``/``, ``./`` or ``~`` first, two
slashes or more, an archive or dump suffix after a slash) is a path typed wrong: no such file.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from mga.console import echo, fail, guarded, progress_bar, refuse_empty_paths, warn
from mga.option_values import looks_like_path

if TYPE_CHECKING:
    import pandas as pd


class RoutesOutput(StrEnum):
    table = "table"
    wide = "wide"
    json = "json"
    yaml = "yaml"


def split_paths_and_names(args: list[str]) -> tuple[list[str], list[str]]:
    """Existing paths are inputs, everything else is a route name; a name that is also a path stays a path.

    A missing path that no route name can be (:func:`looks_like_path`) is refused (exit 2), not looked
    up as a route.
    """
    paths, names = [], []
    for arg in args:
        if os.path.lexists(arg):
            if paths and "/" not in arg:
                warn(f"{arg!r} is both a path and possibly a route name: reading it as a path")
            paths.append(arg)
        elif looks_like_path(arg):
            fail(f"{arg}: no such file or directory")
        else:
            names.append(arg)
    return paths, names


def _near(summary: pd.DataFrame, names: list[str]) -> str:
    """The routes whose names are closest to the ``names`` not found (as ``-n`` and ``--route`` say them)."""
    from mga.checks import closest

    if summary.empty:
        return "; the inputs hold no route"
    names_only = summary["name"].astype(str)
    keys = sorted({*names_only, *(summary["namespace"].astype(str) + "/" + names_only)})
    return closest(names[0], keys)


def _named(summary: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The rows of ``summary`` named by ``names``: NAME in any namespace, or NAMESPACE/NAME."""
    plain = {n for n in names if "/" not in n}
    keyed = {tuple(n.split("/", 1)) for n in names if "/" in n}
    keep = [name in plain or (ns, name) in keyed
            for ns, name in zip(summary["namespace"], summary["name"], strict=True)]
    return summary[keep]


def routes(
    args: Annotated[list[str], typer.Argument(help="inputs (existing paths), then optional route NAMEs",
                                              metavar="INPUT... [NAME]...")],
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="only this namespace")] = None,
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A", help="every namespace (default)")] = False,
    output: Annotated[RoutesOutput, typer.Option("--output", "-o", help="table | wide | json | yaml")] = (
        RoutesOutput.table
    ),
    show_labels: Annotated[bool, typer.Option("--show-labels", help="add a LABELS column, like oc")] = False,
    logs: Annotated[
        list[str] | None,
        typer.Option("--logs", help="access-log files: fills 5XX (the inputs' own router logs are read too)",
                     metavar="PATH"),
    ] = None,
) -> None:
    """List routes like `oc get routes -A -o wide`, with ready/total endpoints at the end."""
    with guarded():
        refuse_empty_paths(args, "input")
        refuse_empty_paths(logs or [], "--logs")
        paths, names = split_paths_and_names(args)
        if not paths:
            fail(f"no input among {', '.join(args)}: the first argument must be an existing path")
        from analyzer.joins import route_summary
        from mga.checks import require_filters_match, require_usable
        from mga.views import routes_table
        from parsers.load_snapshot import load_snapshot

        with progress_bar(True) as update:
            snap = load_snapshot(
                paths, logs or [], namespaces=[namespace] if namespace and not all_namespaces else None,
                progress=update, want_logs=bool(logs),
            )
        require_usable(snap, paths + list(logs or []), reads_logs=bool(logs), command="routes")
        if namespace and not all_namespaces:
            require_filters_match(snap, [namespace], None)
        summary = route_summary(snap)
        if namespace and not all_namespaces and not summary.empty:
            summary = summary[summary["namespace"] == namespace]
        every = summary
        if names and not summary.empty:
            summary = _named(summary, names)
        if names and summary.empty:
            fail(f"route {', '.join(names)} not found in {', '.join(paths)}{_near(every, names)}")
        keys = list(zip(summary["namespace"], summary["name"], strict=True)) if not summary.empty else []
        if output in (RoutesOutput.json, RoutesOutput.yaml):
            from mga.route_objects import collected_routes, routes_json, routes_yaml

            found = collected_routes(snap, keys)
            echo(routes_json(found) if output == RoutesOutput.json else routes_yaml(found), nl=False)
            return
        labels = None
        if show_labels:
            from mga.route_objects import collected_routes, labels_cell

            labels = {(r.namespace, r.name): labels_cell(r.labels) for r in collected_routes(snap, keys)}
        five_xx = None
        if snap.has_access_logs:
            from analyzer.ledger import router_side_5xx_by_route

            five_xx = router_side_5xx_by_route(snap.frame("requests"), snap.frame("routes"))
        echo(routes_table(summary, output.value, snap.frame("routes"), five_xx, labels), nl=False)
