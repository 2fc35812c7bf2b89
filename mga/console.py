"""Shared terminal helpers of every ``mga`` command: one-line errors, guards, times, progress, safe text.

Everything a command prints about its inputs goes through :func:`clean` (or :func:`echo`, which
applies it; the escaping itself is :mod:`reports.safe_text`): names, paths and log fields come from
archives a customer sent, and a raw ESC, OSC sequence or newline in them would clear the screen,
retitle the terminal or forge a table row.
This module imports nothing from the rest of ``mga``: every command module may import it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import typer

from reports.safe_text import clean

EXIT_OK, EXIT_FAIL_ON, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def clean_lines(text: str) -> str:
    """Multi-line output made safe line by line: the line breaks stay, controls inside lines are escaped."""
    return "\n".join(clean(line) for line in text.split("\n"))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` (one or more lines) with every control character inside a line escaped."""
    typer.echo(clean_lines(text), err=err, nl=nl)


def warn(message: str) -> None:
    """One warning line on stderr, prefixed like errors."""
    echo(f"mga: warning: {' '.join(clean(message).split())}", err=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr and exit 2: the contract's answer to unusable input or a refused request."""
    echo(f"mga: {' '.join(clean(message).split())}", err=True)
    raise typer.Exit(code)


def refuse_empty_paths(paths: Iterable[str], what: str) -> None:
    """Exit 2 on an empty path (``mga logs "$LOG"`` with the variable unset): an empty path is the current
    directory to the file system, which would be read whole, as an input nobody gave."""
    if any(not path.strip() for path in paths):
        fail(f"{what}: empty path (give a file or a directory)")


@contextmanager
def guarded() -> Iterator[None]:
    """Input errors and unexpected failures become one line + exit 2; Ctrl-C exits 130.

    ``MGA_DEBUG=1`` shows the traceback of an unexpected failure.
    """
    from parsers.sources import InputError

    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        echo("mga: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except InputError as exc:
        fail(str(exc))
    except Exception as exc:
        if os.environ.get("MGA_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set MGA_DEBUG=1 for details)")


# ISO 8601 with a full calendar date: a date alone (midnight), or a time of day to the minute,
# second or fraction, then an optional zone; ``T``, ``t`` or one space between date and time.
_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
# HAProxy's accept date as a log line shows it (``[20/Nov/2026:08:45:34.225]``), milliseconds or not
_HAPROXY_TIME = re.compile(r"\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")
TIME_FORMS = "YYYY-MM-DD[THH:MM[:SS][Z|+HH:MM]] or dd/Mon/yyyy:HH:MM:SS[.mmm]"


def parse_time(value: str | None, option: str) -> datetime | None:
    """A time that names its day: ISO 8601 / RFC3339 (``2024-05-01T10:00:00Z``, ``2024-05-01``) or
    HAProxy's ``01/May/2024:10:00:00``; without a zone it is UTC.

    Anything else is refused, not guessed: pandas reads ``1h`` as 01:00 on 0001-01-01, ``2026`` as
    a year and ``08:50`` as today, each a window nobody asked for. An empty value (``--since "$START"``
    with the variable unset) is refused too: it would silently mean no window at all.
    """
    if value is None:
        return None
    import pandas as pd

    text = value.strip()
    refused = f"{option}: cannot read time {value!r} (use a full date: {TIME_FORMS})"
    try:
        if _HAPROXY_TIME.fullmatch(text):
            ts = pd.to_datetime(text, format="%d/%b/%Y:%H:%M:%S" + (".%f" if "." in text else ""), utc=True)
        elif _ISO_TIME.fullmatch(text):
            ts = pd.Timestamp(text.replace(",", "."))
        else:
            fail(refused)
    except (ValueError, TypeError, OverflowError):
        fail(refused)
    if ts is pd.NaT:
        fail(refused)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.floor("us").to_pydatetime()  # datetime holds microseconds: the rest is cut, not warned about


def time_window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` read and checked: a window that ends before it starts is a usage error."""
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    if start is not None and end is not None and start > end:
        fail(f"--since {since} is after --until {until}: the window holds nothing")
    return start, end


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
                tasks[stage] = bar.add_task(clean(stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def table(headers: list[str], rows: list[list[Any]], gap: str = "   ") -> str:
    """A left-aligned text table like ``oc get``: every cell sanitised, so one record is one row."""
    cells = [[clean("" if c is None else c) for c in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [gap.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [gap.join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"
