"""NetworkPolicy rule (N401): policy semantics by hand, then whole scenarios changed one policy at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from analyzer.rules.common import label_selector_matches
from analyzer.rules.network_policies import RouterSide, admits_router, ip_block_admits, port_allowed
from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario, findings, one_file

INGRESS_NS = {"kubernetes.io/metadata.name": "openshift-ingress", "network.openshift.io/policy-group": "ingress",
              "policy-group.network.openshift.io/ingress": ""}
GROUP = {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}}


def router(host_network: bool = False, ips: tuple[str, ...] = ()) -> RouterSide:
    return RouterSide(INGRESS_NS, host_network, ips)


# ------------------------------------------------------------------ policy semantics
def test_label_selector_semantics():
    labels = {"app": "ledger", "tier": "web"}
    assert label_selector_matches({}, labels) and not label_selector_matches(None, labels)
    assert label_selector_matches({"matchLabels": {"app": "ledger"}}, labels)
    assert not label_selector_matches({"matchLabels": {"app": "ledger", "tier": "db"}}, labels)
    expressions = [
        ({"key": "tier", "operator": "In", "values": ["web", "api"]}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["web"]}, False),
        ({"key": "app", "operator": "Exists"}, True),
        ({"key": "canary", "operator": "DoesNotExist"}, True),
        ({"key": "canary", "operator": "Exists"}, False),
    ]
    for expr, expected in expressions:
        assert label_selector_matches({"matchExpressions": [expr]}, labels) is expected, expr


def test_port_allowed_by_number_name_and_range():
    assert port_allowed(None, 8080, [])
    assert port_allowed([{"protocol": "TCP"}], 8080, [])  # a ports entry without a port: every port
    assert port_allowed([{"port": 8080, "protocol": "TCP"}], 8080, [])
    assert port_allowed([{"port": "http"}], 8080, ["http"])
    assert port_allowed([{"port": 8000, "endPort": 8100}], 8080, [])
    assert not port_allowed([{"port": 9090}], 8080, ["http"])


def test_ip_blocks_are_checked_against_the_routers_own_addresses():
    assert ip_block_admits({"cidr": "10.128.0.0/14"}, ["10.131.0.5"])
    assert not ip_block_admits({"cidr": "10.128.0.0/14", "except": ["10.131.0.0/16"]}, ["10.131.0.5"])
    assert not ip_block_admits({"cidr": "192.168.0.0/16"}, ["10.131.0.5"])
    assert ip_block_admits({"cidr": "0.0.0.0/0"}, ["10.131.0.5"])
    assert ip_block_admits({"cidr": "192.168.0.0/16"}, [])  # router addresses unknown: no false alarm
    assert ip_block_admits({"cidr": "not-a-cidr"}, ["10.131.0.5"])


@pytest.mark.parametrize(
    ("ingress", "host_network", "admitted"),
    [
        ([], False, False),  # deny all
        ([{}], False, True),  # one rule without "from": everyone
        ([{"from": [{"podSelector": {}}]}], False, False),  # same namespace only
        ([{"from": [{"namespaceSelector": {}}]}], False, True),  # every namespace
        ([{"from": [{"namespaceSelector": GROUP}]}], False, True),
        ([{"from": [{"namespaceSelector": {"matchLabels": {"network.openshift.io/policy-group": "ingress"}}}]}],
         False, True),  # the legacy label
        ([{"from": [{"namespaceSelector": GROUP}]}], True, False),  # HostNetwork needs podSelector: {}
        ([{"from": [{"namespaceSelector": GROUP, "podSelector": {}}]}], True, True),
        ([{"from": [{"namespaceSelector": GROUP}], "ports": [{"port": 9090}]}], False, False),  # wrong port
        ([{"from": [{"namespaceSelector": {"matchLabels": {"team": "ledger"}}}]}], False, False),
    ],
)
def test_admits_router(ingress, host_network, admitted):
    assert admits_router(ingress, router(host_network), 8080, ["http"]) is admitted


# ------------------------------------------------------------------ whole scenarios
def set_policies(root: Path, change: Callable[[list[dict]], list[dict]]) -> None:
    path = one_file(root, "networkpolicies.yaml")
    obj = yaml.safe_load(path.read_text())
    obj["items"] = change(obj["items"])
    path.write_text("---\n" + yaml.safe_dump(obj, sort_keys=True))


def n401(root: Path) -> list[dict]:
    return findings(root, "N401")


def applied_policy(finding: dict) -> dict:
    command = finding["remediation"][0]
    return json.loads(command.split("\n", 1)[1].rsplit("\nEOF", 1)[0])


def test_deny_by_default_is_critical_and_the_fix_is_the_documented_allow_policy():
    [f] = n401(SCENARIOS / "N401-fires-deny-by-default")
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("critical", "high", 20)
    assert applied_policy(f)["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [
        {"from": [{"namespaceSelector": GROUP}]}]}


def test_hostnetwork_fix_adds_the_empty_pod_selector_and_cites_the_routers_down_line():
    [f] = n401(SCENARIOS / "N401-fires-hostnetwork-namespace-only")
    assert applied_policy(f)["spec"]["ingress"] == [{"from": [{"namespaceSelector": GROUP, "podSelector": {}}]}]
    # the router's DOWN line as it stands in the log: its syslog prefix, then the message
    assert ": Server be_edge_http:ledger:ledger/pod:ledger-7c9d5b6f48-k2x9p" in f["evidence"][-1]["text"]
    assert f["evidence"][-1]["text"].startswith("2026-11-20T")
    assert "Layer4 timeout" in f["evidence"][-1]["text"]


def test_an_allow_rule_limited_to_another_port_still_blocks(tmp_path):
    root = copy_scenario(tmp_path, "N401-quiet-ingress-allowed")

    def narrow(items: list[dict]) -> list[dict]:
        for p in items:
            if p["metadata"]["name"] == "allow-from-openshift-ingress":
                p["spec"]["ingress"][0]["ports"] = [{"port": 9090, "protocol": "TCP"}]
        return items

    set_policies(root, narrow)
    assert [f["route"] for f in n401(root)] == ["ledger"]
    set_policies(root, lambda items: [
        {**p, "spec": {**p["spec"], "ingress": [{**p["spec"]["ingress"][0], "ports": [{"port": "http"}]}]}}
        if p["metadata"]["name"] == "allow-from-openshift-ingress" else p for p in items])
    assert n401(root) == []  # the container port named http is 8080


ROUTER_PODS = {
    "apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "318822"},
    "items": [{"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "router-default-5f7d8c9b64-q2w4e", "namespace": "openshift-ingress",
                            "labels": {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller":
                                       "default"}},
               "spec": {"containers": [{"name": "router", "image": "quay.io/openshift/router"}],
                        "nodeName": "worker-0.lab-cluster.example.net"},
               "status": {"phase": "Running", "podIP": "10.131.0.5", "conditions": [
                   {"type": "Ready", "status": "True"}]}}],
}


@pytest.mark.parametrize(("cidr", "blocked"), [("10.128.0.0/14", False), ("192.168.0.0/16", True)])
def test_ip_block_rule_is_judged_by_the_collected_router_pod_ip(tmp_path, cidr, blocked):
    root = copy_scenario(tmp_path, "N401-fires-deny-by-default")
    pods = one_file(root, "openshift-ingress.yaml").parent / "core" / "pods.yaml"
    pods.parent.mkdir(parents=True, exist_ok=True)
    pods.write_text("---\n" + yaml.safe_dump(ROUTER_PODS))
    allow = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "allow-cluster-network", "namespace": "ledger"},
             "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                      "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}]}]}}
    set_policies(root, lambda items: [*items, allow])
    assert bool(n401(root)) is blocked


def test_policies_isolating_only_some_pods_make_a_warning(tmp_path):
    root = copy_scenario(tmp_path, "N401-fires-deny-by-default")
    pods = one_file(root, "inspect.local.*/namespaces/ledger/core/pods.yaml")
    obj = yaml.safe_load(pods.read_text())
    obj["items"][0]["metadata"]["labels"]["track"] = "canary"
    pods.write_text("---\n" + yaml.safe_dump(obj, sort_keys=True))
    set_policies(root, lambda items: [
        {**p, "spec": {**p["spec"], "podSelector": {"matchLabels": {"track": "canary"}}}} for p in items])
    [f] = n401(root)
    assert f["severity"] == "warning"
    assert "1 of the 2 pods of route ledger" in f["explanation"]


def test_requests_answered_by_the_pods_contradict_the_policies_and_lower_the_finding(tmp_path):
    root = copy_scenario(tmp_path, "N401-quiet-ingress-allowed")
    set_policies(root, lambda items: [p for p in items if p["metadata"]["name"] != "allow-from-openshift-ingress"])
    [f] = n401(root)
    assert (f["severity"], f["confidence"]) == ("warning", "low")
    assert "The access log disagrees: the router reached these pods for 30 requests" in f["explanation"]
