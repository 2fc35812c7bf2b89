"""The precedence table: every cause once, the reviewed orderings hold, ties never depend on rule order."""

from __future__ import annotations

import pytest

from analyzer import precedence
from analyzer.model import CAUSES


def test_every_cause_id_has_exactly_one_row_with_a_reason():
    causes = [row.cause for row in precedence.PRECEDENCE]
    assert sorted(causes) == sorted(CAUSES)
    assert len(causes) == len(set(causes))
    assert all(len(row.why) > 30 for row in precedence.PRECEDENCE)


@pytest.mark.parametrize(
    ("winner", "loser"),
    [
        ("tls-termination-mismatch", "backend-connection-closed"),
        ("tls-termination-mismatch", "invalid-response"),
        ("rollout-without-graceful-shutdown", "pods-restarting"),
        ("rollout-without-graceful-shutdown", "backend-connection-closed"),
        ("pods-restarting", "backend-connection-closed"),
        ("pods-restarting", "readiness-probe-failing"),
        ("readiness-probe-failing", "no-ready-endpoints"),
        ("service-selector-mismatch", "no-ready-endpoints"),
        ("route-not-admitted", "no-ready-endpoints"),
        ("route-not-admitted", "route-service-missing"),
        ("route-service-missing", "service-selector-mismatch"),
        ("route-target-port-mismatch", "no-ready-endpoints"),
        ("route-target-port-mismatch", "readiness-probe-failing"),
        ("network-policy-blocks-router", "backend-timeout"),
        ("backend-saturation", "backend-timeout"),
        ("node-disruption", "rollout-without-graceful-shutdown"),
        ("node-disruption", "pods-restarting"),
        ("router-reload-failed", "no-ready-endpoints"),
        ("router-saturation", "backend-saturation"),
    ],
)
def test_the_root_cause_owns_the_line(winner: str, loser: str):
    assert precedence.owner([loser, winner]) == winner
    assert precedence.owner([winner, loser]) == winner
    assert precedence.rank(winner) < precedence.rank(loser)


def test_the_catch_all_cause_never_wins_against_another():
    others = [c for c in CAUSES if c != "backend-connection-closed"]
    assert all(precedence.owner([c, "backend-connection-closed"]) == c for c in others)


def test_owner_of_one_cause_is_that_cause():
    assert precedence.owner(["backend-timeout"]) == "backend-timeout"


def test_an_unknown_cause_is_refused():
    with pytest.raises(KeyError):
        precedence.rank("not-a-cause")


def test_why_names_the_reason_of_the_row():
    assert "TLS handshake" in precedence.why("tls-termination-mismatch")
