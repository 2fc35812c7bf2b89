"""What a rule is: its code, name, cause and severity, the inputs it reads, and how it builds a finding.

A leaf module (at run time it imports only :mod:`analyzer.model`). Each rule module declares itself here::

    RULE = rule(code="R101", name="route-not-admitted", cause="route-not-admitted",
                severity=Severity.CRITICAL, needs=("routes",))

    @RULE.check
    def route_not_admitted(ctx: Context) -> Iterator[Finding]:
        ...
        yield RULE.finding(namespace=..., route=..., title=..., explanation=..., evidence=[...],
                           remediation=["oc ... patch ..."], diagnostics=["oc ... describe ..."])

The rule module's docstring is the rule's documentation (``mga rule CODE``, ``docs/rules.md``).
``analyzer/registry.py`` imports the rule modules and lists them in one table; nothing here knows
which rules exist, so the data flows one way: rule modules → registry → runner.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analyzer.model import CAUSES, Evidence, Finding, Severity
from analyzer.shell_words import quote_names

if TYPE_CHECKING:
    from analyzer.context import Context

RuleFunc = Callable[["Context"], Iterable[Finding]]

LOGS = "logs"  # the router access logs: a `needs` entry like the resource names below
INPUTS: dict[str, str] = {  # what a rule may need, and how the input is named in words
    "routes": "routes",
    "services": "services",
    "endpoints": "endpoints",
    "pods": "pods",
    "networkpolicies": "NetworkPolicies",
    LOGS: "router access logs",
}
Need = str | tuple[str, ...]  # one input, or a tuple of inputs of which at least one must be present


@dataclass(frozen=True)
class RuleSkip:
    """A rule not run in one namespace because an input it needs is missing there."""

    code: str
    missing: str  # in words: "pods", "pods or router access logs"
    namespace: str
    inputs: tuple[str, ...] = field(default=(), compare=False)  # the need's input names (INPUTS keys), none there
SECTIONS = ("What it does", "Why it matters", "Example", "Remediation", "Known problems", "References")


@dataclass(eq=False)
class Rule:
    """One rule. ``func`` is attached by :meth:`check`; ``doc`` is the docstring of the module defining it."""

    code: str
    name: str  # kebab-case, names the flagged pattern
    cause: str
    severity: Severity  # the usual severity; a finding may say otherwise (`RULE.finding(severity=...)`)
    needs: tuple[Need, ...] = ()
    func: RuleFunc | None = None

    def check(self, func: RuleFunc) -> RuleFunc:
        """Decorator: ``func`` is this rule's check (one per rule)."""
        if self.func is not None:
            raise ValueError(f"{self.code}: a second check function {func.__name__}")
        self.func = func
        return func

    def run(self, ctx: Context) -> list[Finding]:
        if self.func is None:
            raise RuntimeError(f"{self.code}: no check function (decorate one with @RULE.check)")
        return list(self.func(ctx))

    @property
    def module(self) -> str:
        return self.func.__module__ if self.func is not None else ""

    @property
    def doc(self) -> str:
        module = sys.modules.get(self.module)
        return inspect.cleandoc(module.__doc__ or "") if module is not None else ""

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name

    @property
    def needs_logs(self) -> bool:
        """True when the rule says nothing at all without router access logs."""
        return LOGS in self.needs

    def needs_in_words(self) -> str:
        """``routes, services; pods or router access logs``: what the rule reads, for its documentation."""
        words = [" or ".join(INPUTS[n] for n in need) if isinstance(need, tuple) else INPUTS[need]
                 for need in self.needs]
        return ", ".join(words) or "nothing in particular"

    def finding(
        self,
        *,
        namespace: str,
        title: str,
        explanation: str,
        evidence: list[Evidence],
        remediation: list[str],
        diagnostics: list[str] | None = None,
        route: str | None = None,
        service: str | None = None,
        severity: Severity | None = None,
        names: Iterable[object] = (),
        **fields: Any,
    ) -> Finding:
        """A finding of this rule: code, cause and (unless given) severity come from the declaration.

        ``remediation`` holds the change to make, first; commands that only confirm (``oc describe/get/
        logs/exec``) go to ``diagnostics``. Other :class:`Finding` fields (``first_seen``, ``last_seen``,
        ``affected_requests``, ``claims``, ``confidence``, ``began_at`` …) pass through ``fields``.
        The namespace, route and service names, and ``names`` (the other names from the inputs that the
        commands hold: pods, nodes, workloads, autoscalers, ingress controllers, checks, probe paths; what is
        not a text, a missing value, is passed over), are quoted in both
        lists' commands where a shell would not read them as one plain word
        (:func:`analyzer.shell_words.quote_names`).
        """
        names = (namespace, route, service, *(n for n in names if isinstance(n, str)))
        return Finding(
            code=self.code,
            cause=self.cause,
            severity=severity or self.severity,
            namespace=namespace,
            route=route,
            service=service,
            title=title,
            explanation=explanation,
            evidence=evidence,
            remediation=[quote_names(c, names) for c in remediation],
            diagnostics=[quote_names(c, names) for c in diagnostics or []],
            doc=f"mga rule {self.code}",
            **fields,
        )


def rule(*, code: str, name: str, cause: str, severity: Severity, needs: tuple[Need, ...] = ()) -> Rule:
    """Declare a rule; attach its check with ``@RULE.check``. Rejects unknown cause ids and inputs."""
    if cause not in CAUSES:
        raise ValueError(f"{code}: unknown cause id {cause!r}")
    for need in needs:
        for name_ in need if isinstance(need, tuple) else (need,):
            if name_ not in INPUTS:
                raise ValueError(f"{code}: unknown input {name_!r} in needs (known: {', '.join(INPUTS)})")
    return Rule(code=code, name=name, cause=cause, severity=severity, needs=tuple(needs))
