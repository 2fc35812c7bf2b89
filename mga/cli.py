"""The ``mga`` command line: the only place that wires parsers, analyzer and reports together."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="mga",
    help="Why does this route return 502/503/504? Offline analysis of must-gather archives and router logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("version")
def version() -> None:
    """Print the version."""
    from mga import __version__

    typer.echo(f"mga {__version__}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
