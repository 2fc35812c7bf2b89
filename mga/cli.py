"""The ``mga`` command line: the only place that wires parsers, analyzer and reports together.

Each command lives in its own module (``mga/cmd_*.py``) and is registered here; shared helpers are
in :mod:`mga.console` and :mod:`mga.render`, so no command module imports this one. Exit codes
follow the report contract v1.1: 0 ran, 1 a finding reached ``--fail-on``, 2 usage error, a filter
that matches nothing, a refused output or nothing usable in the inputs, 130 interrupted.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mga import __version__
from mga.cmd_analyze import analyze
from mga.cmd_batch import batch
from mga.cmd_describe import describe_app
from mga.cmd_logs import logs
from mga.cmd_routes import routes
from mga.cmd_rules import rule, rules
from mga.help_types import plain_help_types
from mga.once_options import OnceOptionsCommand

try:  # typer vendors click from 0.2x on; older releases use click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_errors  # type: ignore[no-redef]

plain_help_types()

app = typer.Typer(
    name="mga",
    help="Why does this route return 502/503/504? Offline analysis of must-gather archives and router logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"mga {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="print the version and exit", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    """Why does this route return 502/503/504? Offline analysis of must-gather archives and router logs."""


def version() -> None:
    """Print the version."""
    typer.echo(f"mga {__version__}")


app.command("analyze", cls=OnceOptionsCommand)(analyze)
app.command("routes", cls=OnceOptionsCommand)(routes)
app.command("logs", cls=OnceOptionsCommand)(logs)
app.command("batch", cls=OnceOptionsCommand)(batch)
app.command("rules", cls=OnceOptionsCommand)(rules)
app.command("rule", cls=OnceOptionsCommand)(rule)
app.command("version", cls=OnceOptionsCommand)(version)
app.add_typer(describe_app, name="describe")


NO_DATA_COMMANDS = frozenset({"version", "rules", "rule"})


def reads_data(args: list[str]) -> bool:
    """Whether this command line parses inputs: help, version and the rule catalogue do not, and
    they need neither the allocator settings nor pyarrow, which those settings import (0.2 s)."""
    if not args or "--help" in args or "--version" in args:
        return False
    return args[0] not in NO_DATA_COMMANDS


_OBJECTS = "a must-gather or `oc adm inspect` directory, a YAML dump (`oc get routes -A -o yaml`) or an archive of them"
# what to give, for a command run without its positional arguments ("Missing argument 'inputs'" alone left a
# newcomer guessing, and one with router logs only did not learn that `mga logs` reads them)
MISSING_HINTS = {
    "mga analyze": f"give {_OBJECTS}, with --logs for router logs found elsewhere; router logs alone: `mga logs FILE`",
    "mga batch": f"give one or more inputs, each {_OBJECTS}",
    "mga routes": f"give {_OBJECTS}",
    "mga describe route": f"give {_OBJECTS}, then the route NAMESPACE/NAME",
    "mga logs": "give router access-log files (plain, .gz, .xz or .bz2), inputs holding router logs, or - for stdin",
}


def command_path(args: list[str]) -> str:
    """``mga`` and the (sub)commands that begin ``args``: where the help is for an error raised without a
    context (click's option parser raises "Option '--format' requires an argument" without one, and the
    line then pointed to `mga --help` for a mistake in `mga analyze`)."""
    words = ["mga"]
    command = typer.main.get_command(app)
    for arg in args:
        commands = getattr(command, "commands", None)
        if not commands or arg not in commands:
            break
        words.append(arg)
        command = commands[arg]
    return " ".join(words)


def usage_line(error: click_errors.UsageError) -> str:
    """A usage error as the contract's one line on stderr (Typer draws a framed box of several lines): the
    reason, every input value sanitised, what to give when the positional arguments are missing, then where
    the command's help is."""
    import sys

    from mga.console import clean

    names = []  # the subcommands' names: the root's is the program's (``python -m mga.cli`` too)
    ctx = error.ctx
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    path = " ".join(["mga", *reversed(names)]) if error.ctx is not None else command_path(sys.argv[1:])
    reason = " ".join(clean(error.format_message()).replace("Value error, ", "").split()).rstrip(".")
    param = getattr(error, "param", None)
    if isinstance(error, click_errors.MissingParameter) and getattr(param, "param_type_name", "") == "argument":
        hint = MISSING_HINTS.get(path)
        reason = f"{reason}: {hint}" if hint else reason
    return f"mga: {reason} (see `{path} --help`)"


def run_app() -> int:
    """``app`` with its usage errors said in one line; the exit code (0, 1, 2 or 130) to end with."""
    import sys

    try:
        result = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as error:  # ``mga`` or ``mga describe`` alone: the help
        if error.format_message().strip():  # Typer's rich help is printed already, and the message empty
            error.show()
        return error.exit_code
    except click_errors.UsageError as error:
        sys.stderr.write(usage_line(error) + "\n")
        return error.exit_code
    except click_errors.ClickException as error:
        error.show()
        return error.exit_code
    except typer.Abort:  # Ctrl-C while the arguments were read
        sys.stderr.write("mga: interrupted\n")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    import sys

    if reads_data(sys.argv[1:]):
        from mga.memory import tune

        tune()
    try:
        code = run_app()
    finally:
        # the interpreter's last collection walks every object still alive (0.06 s after an analysis of
        # a big log): a process that ends needs none of it, and frozen objects are left out
        import gc

        gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    main()
