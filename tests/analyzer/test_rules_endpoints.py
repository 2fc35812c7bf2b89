"""Endpoint rules (E201-E203): who owns an empty backend, and what each finding says."""

from __future__ import annotations

import json

import pandas as pd
import yaml

from analyzer.rules.endpoints.e201_service_selector_matches_no_pod import closest_pod, suggested_selector
from analyzer.rules.endpoints.e203_no_ready_endpoints import first_clause
from parsers import schema
from tests.analyzer.scenario_helpers import SCENARIOS, append, copy_scenario, edit, findings, one_file, result


# ------------------------------------------------------------------ helpers
def pods_frame(*labels: dict[str, str]) -> pd.DataFrame:
    return schema.conform("pods", [
        {"namespace": "n", "name": f"p{i}", "labels": json.dumps(lbl)} for i, lbl in enumerate(labels)
    ])


def test_closest_pod_counts_equal_pairs_before_shared_keys():
    pods = pods_frame({"app": "other"}, {"app": "profile", "pod-template-hash": "7c9d"}, {"tier": "db"})
    pod, labels = closest_pod(pods, {"app": "profile", "tier": "web"})
    assert (pod["name"], labels["app"]) == ("p1", "profile")
    assert closest_pod(pods_frame({"x": "y"}), {"app": "profile"}) is None


def test_suggested_selector_keeps_the_selector_keys_the_pod_carries_or_its_own_labels():
    assert suggested_selector({"app": "profile", "tier": "web"}, {"app": "profile", "pod-template-hash": "7c"}) == {
        "app": "profile"}
    assert suggested_selector({"name": "api"}, {"app": "api", "pod-template-hash": "7c"}) == {"app": "api"}


def test_first_clause_keeps_titles_short():
    message = "0/6 nodes are available: 3 Insufficient memory. preemption: 0/6 nodes are available"
    assert first_clause(message) == "0/6 nodes are available: 3 Insufficient memory"
    assert first_clause("x" * 150).endswith("…") and len(first_clause("x" * 150)) == 100


# ------------------------------------------------------------------ E201 service-selector-mismatch
def test_selector_finding_proposes_the_labels_the_pods_carry():
    [f] = findings(SCENARIOS / "E201-fires-extra-selector-label", "E201")
    assert f["remediation"][-1] == "oc -n accounts set selector service/profile 'app=profile'"
    assert [e["text"] for e in f["evidence"][:2]] == ["selector:", "app: profile"]
    assert f["affected_requests"] == 30


def test_selector_mismatch_on_a_weighted_alternate_is_a_warning_while_the_route_still_serves(tmp_path):
    root = copy_scenario(tmp_path, "E201-quiet-selector-matches")
    edit(one_file(root, "routes.yaml"), lambda r: r["spec"].update(
        alternateBackends=[{"kind": "Service", "name": "profile-canary", "weight": 10}]))
    svc = yaml.safe_load(one_file(root, "services.yaml").read_text())["items"][0]
    svc["metadata"]["name"] = "profile-canary"
    svc["spec"]["selector"] = {"app": "profile-canary"}
    append(one_file(root, "services.yaml"), svc)
    [f] = findings(root, "E201")
    assert (f["service"], f["severity"]) == ("profile-canary", "warning")


def test_no_pod_at_all_is_left_to_no_ready_endpoints(tmp_path):
    root = copy_scenario(tmp_path, "E201-fires-extra-selector-label")
    pods = one_file(root, "pods.yaml")
    obj = yaml.safe_load(pods.read_text())
    obj["items"] = []
    pods.write_text("---\n" + yaml.safe_dump(obj))
    assert findings(root, "E201") == []
    [f] = findings(root, "E203")
    assert "no pod backs the service" in f["title"]


# ------------------------------------------------------------------ E202 readiness-probe-failing
def test_one_failing_pod_of_two_is_a_warning_counting_its_own_5xx():
    [f] = findings(SCENARIOS / "E202-fires-one-pod-unready", "E202")
    # requests every 20 s; before 08:36 every odd one went to the failing pod and got its 503: i = 1, 3, ... 17
    assert (f["severity"], f["affected_requests"], f["confidence"]) == ("warning", 9, "high")
    assert "1 ready endpoint(s) remain" in f["explanation"]


def test_without_unhealthy_events_the_probe_is_inferred_with_medium_confidence(tmp_path):
    root = copy_scenario(tmp_path, "E202-fires-probe-503")
    events = one_file(root, "events.yaml")
    obj = yaml.safe_load(events.read_text())
    obj["items"] = []
    events.write_text("---\n" + yaml.safe_dump(obj))
    [f] = findings(root, "E202")
    assert (f["severity"], f["confidence"]) == ("critical", "medium")


def test_a_crash_looping_container_is_not_a_probe_failure(tmp_path):
    root = copy_scenario(tmp_path, "E202-fires-probe-503")

    def crash(pod: dict) -> None:
        for cs in pod["status"]["containerStatuses"]:
            cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}

    edit(one_file(root, "pods.yaml"), crash)
    assert findings(root, "E202") == []
    [f] = findings(root, "E203")
    assert f["title"].endswith("is waiting (CrashLoopBackOff)")


def node(name: str, status: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"node-role.kubernetes.io/worker": ""}},
            "spec": {}, "status": {"addresses": [{"address": "10.0.2.11", "type": "InternalIP"}],
                                   "conditions": [{"lastTransitionTime": "2026-11-20T08:38:00Z",
                                                   "reason": "KubeletNotReady", "status": status,
                                                   "type": "Ready"}]}}


def test_pods_on_a_notready_node_are_the_nodes_story_not_the_probes(tmp_path):
    root = copy_scenario(tmp_path, "E202-quiet-ready")

    def not_ready(pod: dict) -> None:
        for c in pod["status"]["conditions"]:
            if c["type"] in ("Ready", "ContainersReady"):
                c["status"] = "False"
        for cs in pod["status"]["containerStatuses"]:
            cs["ready"] = False

    edit(one_file(root, "pods.yaml"), not_ready)
    edit(one_file(root, "endpoints.yaml"), lambda e: e["subsets"][0].update(
        notReadyAddresses=e["subsets"][0].pop("addresses")))
    nodes = one_file(root, "version").parent / "cluster-scoped-resources" / "core" / "nodes"
    path = nodes / "worker-1.lab-cluster.example.net.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("---\n" + yaml.safe_dump(node("worker-1.lab-cluster.example.net", "False")))
    assert findings(root, "E202") == []
    [f] = findings(root, "E203")
    assert (f["severity"], f["title"]) == ("critical", "route web has no ready endpoint: node "
                                           "worker-1.lab-cluster.example.net is NotReady")


# ------------------------------------------------------------------ E203 no-ready-endpoints
def test_scaled_to_zero_names_the_deployment_and_the_scale_command():
    [f] = findings(SCENARIOS / "E203-fires-scaled-to-zero", "E203")
    assert f["remediation"][-1] == "oc -n finance scale deployment/reports --replicas=2"
    assert f["evidence"][0]["text"] == "replicas: 0"


def test_transient_outage_counts_the_burst_and_names_the_pod_changes_beside_it():
    [f] = findings(SCENARIOS / "E203-fires-transient-outage", "E203")
    # 503 <NOSRV> every 10 s from 08:41:00 to 08:43:20: 15 requests
    assert (f["severity"], f["affected_requests"]) == ("warning", 15)
    assert (f["first_seen"], f["last_seen"]) == ("2026-11-20T08:41:00.042Z", "2026-11-20T08:43:20.160Z")
    assert "pod stock-5d6c7b8a94-h2j6k was created at 2026-11-20 08:41:04 UTC" in f["explanation"]


def test_a_single_nosrv_is_not_a_burst(tmp_path):
    root = copy_scenario(tmp_path, "E203-fires-transient-outage")
    log = one_file(root, "current.log")
    lines = log.read_text().splitlines()
    nosrv = [i for i, text in enumerate(lines) if "<NOSRV>" in text]
    log.write_text("\n".join(t for i, t in enumerate(lines) if i not in nosrv[1:]) + "\n")
    assert findings(root, "E203") == []


def test_empty_endpoints_explained_by_another_rule_are_not_reported_twice():
    for name, owner in [("E203-quiet-selector-explains", "E201"), ("R103-fires-service-port-number", "R103"),
                        ("R102-fires-service-renamed", "R102"), ("P301-fires-named-port-missing", "P301"),
                        ("E202-fires-probe-503", "E202")]:
        codes = {f["code"] for f in result(SCENARIOS / name)["findings"]}
        assert owner in codes and "E203" not in codes, name
