"""A route's configuration epochs folded in plain Python equal the pandas ``groupby`` they replaced.

The reference below is the earlier implementation, kept as the specification: the route's minute
groups aggregated per (minute, backend, backend kind), ordered by first request then backend, cut
where the backend changes, each epoch citing the earliest line of its first minute and backend.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analyzer.facts import Facts
from analyzer.facts.access import TERMINATION_OF_PREFIX, AccessFacts, ConfigEpoch
from analyzer.facts.common import Where, integer, moment, text
from tests.analyzer.facts.conftest import at, request, route
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_snapshot

PODS = ["pod:web-6b7f9c7d5-old11:web:http:10.128.2.10:8080", "pod:web-6b7f9c7d5-new22:web:http:10.128.2.11:8080",
        "<NOSRV>"]
BACKENDS = ["be_http:shop:web", "be_edge_http:shop:web", "be_secure:shop:web"]


def reference_route_epochs(facts: AccessFacts, namespace: str, name: str) -> list[ConfigEpoch]:
    g = facts._route(namespace, name)
    if g.empty:
        return []
    per = g.groupby(["minute", "backend", "backend_kind"], sort=False, observed=True).agg(
        first=("first", "min"), last=("last", "max"), requests=("requests", "sum"), errors=("error", "sum"))
    per = per.reset_index().sort_values(["first", "backend"], kind="stable")
    epochs: list[ConfigEpoch] = []
    for r in per.to_dict("records"):
        last = epochs[-1] if epochs else None
        if last is not None and last.backend == r["backend"]:
            epochs[-1] = ConfigEpoch(
                namespace, name, last.backend, last.backend_kind, last.termination, last.first_seen,
                max(last.last_seen, moment(r["last"])), last.requests + int(r["requests"]),
                last.errors + int(r["errors"]), last.first_line)
            continue
        s = g[(g["minute"] == r["minute"]) & (g["backend"] == r["backend"])].sort_values("first", kind="stable").iloc[0]
        epochs.append(ConfigEpoch(
            namespace, name, str(r["backend"]), str(r["backend_kind"]),
            TERMINATION_OF_PREFIX.get(str(r["backend_kind"])), moment(r["first"]), moment(r["last"]),
            int(r["requests"]), int(r["errors"]), Where(str(s["source"]), integer(s["line"]), text(s["input"])),
        ))
    return epochs


def every_route(facts: AccessFacts) -> list[tuple[str, str]]:
    return sorted(facts._route_positions)


def churned_log(seed: int) -> list[str]:
    """A route edited back and forth between terminations, several servers, statuses and ties a minute."""
    rng = random.Random(seed)
    backend = rng.choice(BACKENDS)
    lines = []
    for k in range(rng.randint(5, 120)):
        if rng.random() < 0.15:
            backend = rng.choice(BACKENDS)
        minute = k // rng.choice((1, 3, 6)) + rng.choice((0, 0, 0.5))  # repeats: several lines a minute, same times
        status, term = rng.choice(((200, "--NI"), (503, "SCNN"), (502, "SHNN"), (504, "sHNN"), (200, "CDNN")))
        lines.append(request(at(minute), "fe_sni~", backend, rng.choice(PODS), status, term))
    rng.shuffle(lines)  # the log is not in time order either
    return lines


def test_the_edge_to_reencrypt_edit_gives_the_reference_epochs(facts_of):
    lines = [request(at(m / 2), "fe_sni~", "be_edge_http:shop:web", PODS[1], 200, "--NI") for m in range(14)]
    lines += [request(at(7 + m / 2), "fe_sni~", "be_secure:shop:web", PODS[1], 503, "SCNN") for m in range(6)]
    access = facts_of([route("shop", "web", "web.apps.example.com", "reencrypt")], lines).access
    assert [e.backend_kind for e in access.route_epochs("shop", "web")] == ["be_edge_http", "be_secure"]
    assert access.route_epochs("shop", "web") == reference_route_epochs(access, "shop", "web")


@pytest.mark.parametrize("seed", range(16))
def test_churned_routes_give_the_reference_epochs(facts_of, seed: int):
    access = facts_of([route("shop", "web", "web.apps.example.com")], churned_log(seed)).access
    got = access.route_epochs("shop", "web")
    assert got and got == reference_route_epochs(access, "shop", "web")
    assert sum(e.requests for e in got) == int(access.groups["requests"].sum())


def test_every_scenario_route_gives_the_reference_epochs():
    compared = 0
    for scenario in SCENARIO_DIRS:
        access = Facts(scenario_snapshot(scenario)).access
        for namespace, name in every_route(access):
            assert access.route_epochs(namespace, name) == reference_route_epochs(access, namespace, name), (
                scenario.name, namespace, name)
            compared += 1
    assert compared >= 20  # the scenarios' logs name routes: the comparison really ran


@pytest.mark.parametrize("seed", range(8))
def test_groups_in_any_order_and_plain_text_give_the_reference_epochs(facts_of, seed: int):
    """Minute groups come sorted by key and as categoricals; shuffled, or as object-typed text, they
    fold the same way: ties on the first request are broken by the backend, then the order met."""
    tie = [request(at(0), "fe_sni~", "be_secure:shop:web", PODS[0], 200, "--NI"),
           request(at(0), "fe_sni~", "be_edge_http:shop:web", PODS[1], 200, "--NI"),
           request(at(1), "fe_sni~", "be_secure:shop:web", PODS[0], 200, "--NI")]
    access = facts_of([route("shop", "web", "web.apps.example.com")], tie + churned_log(seed)).access
    shuffled = access.groups.sample(frac=1, random_state=seed)
    for frame in (shuffled, shuffled.astype({"backend": object, "backend_kind": object})):
        facts = AccessFacts(frame, pd.DataFrame({"namespace": [], "name": []}), set(), set())
        assert facts.route_epochs("shop", "web") == reference_route_epochs(facts, "shop", "web")
