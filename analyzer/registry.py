"""The explicit table of rules: every rule module the analyzer runs, listed by hand.

The catalogue (``mga rules``, ``mga rule CODE``, ``docs/rules.md``) is exactly what :data:`TABLE`
says. Rule modules import only :mod:`analyzer.rule` and the neutral helpers; this module imports
them, so the data flows one way: rule modules → registry → runner.
"""

from __future__ import annotations

from types import ModuleType

from analyzer.rule import SECTIONS, Rule
from analyzer.rules.backend import (
    b501_backend_slower_than_router_timeout,
    b502_backend_saturated,
    b503_backend_response_rejected,
    b504_backend_closes_connections,
)
from analyzer.rules.endpoints import (
    e201_service_selector_matches_no_pod,
    e202_readiness_probe_failing,
    e203_no_ready_endpoints,
)
from analyzer.rules.lifecycle import k601_pods_restarting_under_traffic, k602_rollout_without_graceful_shutdown
from analyzer.rules.network import n401_network_policy_blocks_router
from analyzer.rules.platform import (
    i701_router_reload_failed,
    i702_ingress_controller_unavailable,
    i703_router_saturation,
    i704_node_disruption,
    i705_pod_network_unreachable,
)
from analyzer.rules.ports import p301_service_target_port_not_served, p302_route_tls_termination_mismatch
from analyzer.rules.routes import (
    r101_route_not_admitted,
    r102_route_backend_service_missing,
    r103_route_target_port_matches_nothing,
)

TABLE: tuple[ModuleType, ...] = (
    r101_route_not_admitted,
    r102_route_backend_service_missing,
    r103_route_target_port_matches_nothing,
    e201_service_selector_matches_no_pod,
    e202_readiness_probe_failing,
    e203_no_ready_endpoints,
    p301_service_target_port_not_served,
    p302_route_tls_termination_mismatch,
    n401_network_policy_blocks_router,
    b501_backend_slower_than_router_timeout,
    b502_backend_saturated,
    b503_backend_response_rejected,
    b504_backend_closes_connections,
    k601_pods_restarting_under_traffic,
    k602_rollout_without_graceful_shutdown,
    i701_router_reload_failed,
    i702_ingress_controller_unavailable,
    i703_router_saturation,
    i704_node_disruption,
    i705_pod_network_unreachable,
)


def _checked(module: ModuleType) -> Rule:
    """The module's ``RULE``, refused when it has no check, lives in the wrong place or lacks a doc section."""
    found = getattr(module, "RULE", None)
    if not isinstance(found, Rule):
        raise RuntimeError(f"{module.__name__} defines no RULE = rule(...)")
    if found.func is None or found.module != module.__name__:
        raise RuntimeError(f"{module.__name__}: RULE has no check function of its own (@RULE.check)")
    expected = f"{found.code.lower()}_{found.name.replace('-', '_')}"
    if module.__name__.rsplit(".", 1)[-1] != expected:
        raise RuntimeError(f"{module.__name__}: the module of rule {found.code} is named {expected}.py")
    missing = [s for s in SECTIONS if f"## {s}" not in found.doc]
    if missing:
        raise RuntimeError(f"{module.__name__}: the docstring lacks the sections {missing}")
    return found


def all_rules() -> list[Rule]:
    """Every rule, in code order."""
    rules = [_checked(m) for m in TABLE]
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise RuntimeError("duplicate rule codes in analyzer.registry.TABLE")
    return sorted(rules, key=lambda r: r.code)


def get_rule(code: str) -> Rule | None:
    wanted = code.upper()
    for r in all_rules():
        if r.code == wanted or r.name == code:
            return r
    return None


def rules_named(word: str) -> list[Rule]:
    """The rules ``word`` names: the one of that code (any case) or rule name, else every rule of that cause
    id (the terminal summary and the reports name a finding by its cause; a cause can have several rules),
    in code order; none when it is neither."""
    found = get_rule(word)
    if found is not None:
        return [found]
    return [r for r in all_rules() if r.cause == word]
