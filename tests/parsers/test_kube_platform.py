"""Nodes, MachineConfigPools, ClusterVersion, ClusterOperator conditions and connectivity outages -> frames."""

from __future__ import annotations

import json

import pandas as pd

from parsers import kube, schema
from parsers.yaml_docs import iter_objects
from tests.conftest import FIXTURES

SOURCE = "platform-objects.yaml"


def _frames() -> dict[str, pd.DataFrame]:
    data = (FIXTURES / "platform" / SOURCE).read_bytes()
    store = kube.collect((obj, "mg", SOURCE, line) for obj, line in iter_objects(data, SOURCE))
    assert store.problems == []
    return kube.build_frames(store)


def test_node_reboot_and_machine_config_fields():
    node = _frames()["nodes"].iloc[0]
    assert (node["name"], bool(node["ready"]), bool(node["unschedulable"])) == ("worker-1", False, True)
    assert node["ready_since"] == pd.Timestamp("2026-11-24T02:06:10Z")
    assert node["boot_id"] == "9f0c2f4e-0000-4000-8000-000000000001"
    assert (node["mc_current"], node["mc_desired"], node["mc_state"]) == (
        "rendered-worker-aaa", "rendered-worker-bbb", "Working")
    assert pd.isna(node["mc_reason"])  # "" is not a reason
    assert json.loads(node["taints"])[0]["key"] == "node.kubernetes.io/unschedulable"


def test_conditions_one_row_each_with_times_and_provenance():
    cond = _frames()["object_conditions"]
    assert list(cond.columns) == schema.column_names("object_conditions")
    degraded = cond[(cond["kind"] == "ClusterOperator") & (cond["type"] == "Degraded")].iloc[0]
    assert (degraded["name"], degraded["status"], degraded["reason"]) == ("ingress", "True", "IngressDegraded")
    assert degraded["since"] == pd.Timestamp("2026-11-24T02:12:40Z")
    assert degraded["source"] == SOURCE and degraded["line"] > 1
    assert set(cond["kind"]) == {"Node", "MachineConfigPool", "ClusterVersion", "ClusterOperator"}


def test_machineconfigpool_counts_and_updating():
    pool = _frames()["machineconfigpools"].iloc[0]
    assert (pool["name"], pool["machine_count"], pool["updated_count"], pool["unavailable_count"]) == (
        "worker", 3, 1, 1)
    assert bool(pool["updating"]) and not bool(pool["degraded"])
    assert pool["updating_since"] == pd.Timestamp("2026-11-24T02:04:00Z")
    assert (pool["current_config"], pool["desired_config"]) == ("rendered-worker-aaa", "rendered-worker-bbb")


def test_clusterversion_history_and_conditions_kept():
    cv = _frames()["clusterversion"].iloc[0]
    history = json.loads(cv["history"])
    assert [h["state"] for h in history] == ["Partial", "Completed"]
    assert json.loads(cv["conditions"])[0]["type"] == "Progressing"


def test_connectivity_outages_open_and_closed():
    out = _frames()["connectivity_outages"]
    assert list(out["target"]) == ["10.128.2.5:8080", "10.128.2.5:8080"]
    assert out["end"].isna().tolist() == [False, True]
    assert out["start"].iloc[1] == pd.Timestamp("2026-11-24T02:20:00Z")
    assert "i/o timeout" in out["message"].iloc[1]


def test_pod_subnets_from_the_ovn_annotation_of_a_real_node():
    from tests.conftest import realworld

    nodes = realworld("RedHatQE__must-gather-explorer", "must_gather_explorer", "tests", "manifests",
                      "must-gather-data", "data", "cluster-scoped-resources", "core", "nodes")
    path = nodes / "infd-vrf-418t2-2lnlk-worker-0-5ddfx.yaml"
    store = kube.collect((obj, "mg", path.name, line) for obj, line in iter_objects(path.read_bytes(), path.name))
    node = kube.build_frames(store)["nodes"].iloc[0]
    assert json.loads(node["pod_subnets"]) == ["10.128.2.0/23"]


def test_pod_subnets_from_spec_pod_cidrs_and_none_when_absent():
    obj = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "w"},
           "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24", "fd00:10:244:1::/64"]}}
    bare = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "b"}, "spec": {}}
    frames = kube.build_frames(kube.collect([(obj, "in", "n.yaml", 1), (bare, "in", "n.yaml", 9)]))
    subnets = dict(zip(frames["nodes"]["name"], frames["nodes"]["pod_subnets"], strict=True))
    assert json.loads(subnets["w"]) == ["10.244.1.0/24", "fd00:10:244:1::/64"] and pd.isna(subnets["b"])
