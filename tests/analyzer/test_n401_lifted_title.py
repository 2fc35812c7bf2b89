"""A NetworkPolicy block that a later policy lifted is titled as over: the archive's policies admit the router."""

from __future__ import annotations

from tests.analyzer.scenario_helpers import SCENARIOS, result


def test_a_block_lifted_before_collection_is_titled_in_the_past_with_the_policy_that_lifted_it():
    [f] = [f for f in result(SCENARIOS / "time-netpol-fixed-before-collection")["findings"] if f["code"] == "N401"]
    assert f["status_at_collection"] == "ended"
    assert f["title"] == ("NetworkPolicy deny-by-default, allow-same-namespace isolated the route's pods from the "
                          "router until allow-from-openshift-ingress admitted it at 08:46:00 "
                          "(lifted before collection)")
    assert "nothing admits the router" not in f["customer_summary"].split("\n\n")[0]


def test_a_block_in_force_at_collection_keeps_its_present_tense_title():
    [f] = [f for f in result(SCENARIOS / "time-netpol-mid-window")["findings"] if f["code"] == "N401"]
    assert f["title"] == ("NetworkPolicy deny-by-default, allow-same-namespace isolates the route's pods and nothing "
                          "admits the router")
