"""``mga rules`` and ``mga rule CODE``: the rule catalogue and one rule's documentation."""

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


def rule(code: Annotated[str, typer.Argument(help="rule code (e.g. E202) or name")]) -> None:
    """Print one rule's documentation."""
    from analyzer.registry import get_rule
    from mga.views import rule_doc

    found = get_rule(code)
    if found is None:
        fail(f"no rule {code!r}; see `mga rules`")
    echo(rule_doc(found))
