"""The explicit table of rules: code -> rule, with each rule's documentation.

A rule is a pure function of the analysis context (the snapshot and the shared joins) returning
findings. The decorator only attaches metadata; the table below lists every rule by hand, so the
catalogue (``mga rules``, ``docs/rules.md``) is exactly what this file says.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.model import CAUSES, Finding, Severity

if TYPE_CHECKING:
    from analyzer.context import Context

RuleFunc = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # kebab-case, names the flagged pattern
    cause: str
    severity: Severity
    needs: tuple[str, ...]  # frames the rule reads; a missing frame turns the rule into "skipped"
    needs_logs: bool
    func: RuleFunc

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name


def rule(
    *, code: str, name: str, cause: str, severity: Severity, needs: tuple[str, ...] = (), needs_logs: bool = False
) -> Callable[[RuleFunc], RuleFunc]:
    if cause not in CAUSES:
        raise ValueError(f"{code}: unknown cause id {cause!r}")

    def attach(func: RuleFunc) -> RuleFunc:
        func.rule = Rule(code, name, cause, severity, needs, needs_logs, func)  # type: ignore[attr-defined]
        return func

    return attach


def all_rules() -> list[Rule]:
    """Every rule, in code order. Imported lazily so the model stays importable on its own."""
    from analyzer.rules import TABLE

    rules = [f.rule for f in TABLE]  # type: ignore[attr-defined]
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise RuntimeError("duplicate rule codes in analyzer.rules.TABLE")
    return sorted(rules, key=lambda r: r.code)


def get_rule(code: str) -> Rule | None:
    wanted = code.upper()
    for r in all_rules():
        if r.code == wanted or r.name == code:
            return r
    return None
