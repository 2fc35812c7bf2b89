"""``mga rules`` and ``mga rule CODE``: the rule catalogue and one rule's documentation (or every rule of
a cause id, which the terminal summary prints)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from mga.console import echo, fail


class CatalogFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def rules(
    fmt: Annotated[CatalogFormat, typer.Option("--format", "-f", "-o", help="table | markdown | json")] = (
        CatalogFormat.table
    ),
) -> None:
    """List every rule: code, name, cause id, severity."""
    from mga.views import rules_catalog

    echo(rules_catalog(fmt.value), nl=False)


def rule(
    code: Annotated[str, typer.Argument(help="rule code (e.g. E202), rule name, or cause id (e.g. backend-timeout)")],
) -> None:
    """Print one rule's documentation; for a cause id, that of every rule of the cause."""
    from analyzer.registry import rules_named
    from mga.views import rule_doc

    found = rules_named(code)
    if not found:
        fail(f"no rule or cause {code!r}; see `mga rules`")
    if len(found) > 1:
        echo(f"Cause `{found[0].cause}`: {len(found)} rules, {', '.join(r.code for r in found)}\n")
    echo("\n".join(rule_doc(r) for r in found))
