"""The cluster section from platform inputs: upgrade running, alerts that concern the routes, router health."""

from __future__ import annotations

import tarfile

import pytest

from analyzer.cluster_context import cluster_context
from parsers.load_snapshot import load_snapshot
from tests.conftest import FIXTURES, add_tar_bytes
from tests.parsers.test_load_platform import NODE_EVENTS, OPERATOR, ROOT, ROUTER

IC = b"""apiVersion: operator.openshift.io/v1
kind: IngressController
metadata: {name: default, namespace: openshift-ingress-operator}
spec: {replicas: 2, tuningOptions: {maxConnections: 40000}}
status:
  domain: apps.example.com
  conditions:
  - {type: Available, status: "False", lastTransitionTime: "2026-11-24T02:13:00Z",
     message: "One or more status conditions indicate unavailable"}
  - {type: Degraded, status: "True", lastTransitionTime: "2026-11-24T02:13:00Z"}
"""
ROUTER_PODS = f"""apiVersion: v1
kind: PodList
items:
- kind: Pod
  metadata:
    name: {ROUTER}
    namespace: openshift-ingress
    labels: {{ingresscontroller.operator.openshift.io/deployment-ingresscontroller: default}}
  spec: {{nodeName: worker-1, containers: [{{name: router, image: router}}]}}
  status:
    phase: Running
    conditions: [{{type: Ready, status: "False", lastTransitionTime: "2026-11-24T02:06:10Z"}}]
    containerStatuses: [{{name: router, ready: false, restartCount: 3}}]
- kind: Pod
  metadata: {{name: web-1, namespace: shop}}
  spec: {{nodeName: worker-1}}
  status: {{phase: Running}}
""".encode()
ROUTE = b"""apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, namespace: shop}
spec: {host: web.apps.example.com, to: {kind: Service, name: web}}
"""
NODE_REBOOT = NODE_EVENTS + b"""- apiVersion: v1
  kind: Event
  metadata: {name: worker-1.2, namespace: default}
  involvedObject: {kind: Node, name: worker-1}
  reason: Rebooted
  type: Warning
  message: "Node worker-1 has been rebooted, boot id: 9f0c2f4e-0000-4000-8000-000000000001"
  lastTimestamp: "2026-11-24T02:08:00Z"
  count: 1
"""

ROUTER_POD_EVENTS = f"""apiVersion: v1
kind: EventList
items:
- kind: Event
  metadata: {{name: {ROUTER}.1, namespace: openshift-ingress}}
  involvedObject: {{kind: Pod, name: {ROUTER}, namespace: openshift-ingress}}
  reason: Unhealthy
  type: Warning
  message: "Readiness probe failed: HTTP probe failed with statuscode: 500"
  lastTimestamp: "2026-11-24T02:06:30Z"
  count: 14
- kind: Event
  metadata: {{name: {ROUTER}.2, namespace: openshift-ingress}}
  involvedObject: {{kind: Pod, name: {ROUTER}, namespace: openshift-ingress}}
  reason: Pulled
  type: Normal
  message: "Container image already present on machine"
  lastTimestamp: "2026-11-24T02:07:00Z"
  count: 1
- kind: Event
  metadata: {{name: {ROUTER}.3, namespace: openshift-ingress}}
  involvedObject: {{kind: Pod, name: {ROUTER}, namespace: openshift-ingress}}
  reason: FailedScheduling
  type: Warning
  message: "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
  lastTimestamp: "2026-11-24T02:01:00Z"
  count: 2
""".encode()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> dict:
    dest = tmp_path_factory.mktemp("mg") / "mg.tar.gz"
    with tarfile.open(dest, "w:gz") as tf:
        add_tar_bytes(tf, f"{ROOT}/version", b"openshift/must-gather\n4.15\n")
        add_tar_bytes(tf, f"{ROOT}/monitoring/alerts.json",
                      (FIXTURES / "platform" / "alerts-rules-api.json").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/pods/{ROUTER}/router/router/logs/current.log",
                      (FIXTURES / "router-reload" / "router-current.log").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress-operator/pods/{OPERATOR}/ingress-operator/"
                      "ingress-operator/logs/current.log",
                      (FIXTURES / "platform" / "ingress-operator-current.log").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/cluster-scoped-resources/core/nodes/all.yaml",
                      (FIXTURES / "platform" / "platform-objects.yaml").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/default/core/events.yaml", NODE_REBOOT)
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress-operator/operator.openshift.io/ingresscontrollers/"
                      "default.yaml", IC)
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/core/pods.yaml", ROUTER_PODS)
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/core/events.yaml", ROUTER_POD_EVENTS)
        add_tar_bytes(tf, f"{ROOT}/namespaces/shop/route.openshift.io/routes.yaml", ROUTE)
    snap = load_snapshot([str(dest)])
    return cluster_context(snap, {"shop"})


def test_upgrade_in_progress_from_the_partial_history_entry(cluster):
    assert cluster["version"] == "4.15.31" and cluster["cluster_id"] == "11111111-2222-3333-4444-555555555555"
    up = cluster["upgrade"]
    assert (up["in_progress"], up["from"], up["to"], up["started"]) == (True, "4.15.28", "4.15.31",
                                                                      "2026-11-24T01:30:00Z")
    assert up["history"][1] == {"version": "4.15.28", "state": "Completed", "started": "2026-10-01T10:00:00Z",
                                "completed": "2026-10-01T11:00:00Z"}


def test_alerts_counted_and_only_those_about_the_ingress_or_a_route_node_are_relevant(cluster):
    alerts = cluster["alerts"]
    assert (alerts["firing"], alerts["pending"]) == (2, 1)  # HAProxyReloadFail + Watchdog, KubeNodeNotReady
    relevant = {a["name"]: a["concerns"] for a in alerts["relevant"]}
    assert relevant == {"HAProxyReloadFail": "ingress", "KubeNodeNotReady": "node worker-1"}  # no Watchdog
    reload = next(a for a in alerts["relevant"] if a["name"] == "HAProxyReloadFail")
    assert reload["active_at"].startswith("2026-11-24T02:12:16.534")
    assert reload["labels"]["pod"] == ROUTER and reload["line"] == 3


def test_router_health_conditions_pods_reloads_and_capacity(cluster):
    [ic] = cluster["ingress_controllers"]
    assert (ic["available"], ic["degraded"], ic["replicas_ready"]) == (False, True, "0/2")
    assert [(c["type"], c["status"], c["since"]) for c in ic["conditions"]] == [
        ("Available", "False", "2026-11-24T02:13:00Z"), ("Degraded", "True", "2026-11-24T02:13:00Z")]
    [pod] = ic["router_pods"]
    assert (pod["name"], pod["node"], pod["ready"], pod["restarts"]) == (ROUTER, "worker-1", False, 3)
    assert [(e["reason"], e["at"], e["count"]) for e in pod["events"]] == [  # newest first, no Normal noise
        ("Unhealthy", "2026-11-24T02:06:30Z", 14), ("FailedScheduling", "2026-11-24T02:01:00Z", 2)]
    assert pod["events"][1]["message"].startswith("0/3 nodes are available") and pod["events"][1]["line"]
    reloads = ic["reloads"]
    assert (reloads["succeeded"], reloads["failed"], reloads["logs_read"]) == (2, 2, 1)
    first = reloads["first_failed"]
    assert first["at"].startswith("2026-11-24T02:11:46.479") and first["line"] == 4
    assert first["text"].endswith("error reloading router: exit status 1")
    assert ic["capacity"]["tuning_max_connections"] == 40000


def test_nodes_not_ready_cordoned_rebooted_and_updating(cluster):
    nodes = cluster["nodes"]
    assert nodes["total"] == 1
    assert nodes["not_ready"] == ["worker-1"] and nodes["unschedulable"] == ["worker-1"]
    assert [(b["name"], b["at"], b["reason"]) for b in nodes["recently_rebooted"]] == [
        ("worker-1", "2026-11-24T02:08:00Z", "Rebooted")]
    assert nodes["updating"] == ["worker-1"]
    assert cluster["machine_config_pools"][0]["updating"] is True


def test_no_alert_data_is_null_not_an_empty_list():
    from parsers.snapshot import Snapshot

    snap = Snapshot(frames={}, inputs=[], skipped=[], inspected_namespaces=frozenset(),
                    collected_namespaces=frozenset(), collection_window=(None, None))
    c = cluster_context(snap, set())
    assert c["alerts"] is None and c["upgrade"] is None and c["ingress_controllers"] == []
    assert c["nodes"] == {"total": None, "not_ready": [], "unschedulable": [], "recently_rebooted": [], "updating": []}


def test_an_empty_previous_log_leaves_the_reloads_unknown(tmp_path):
    """A router container that never restarted leaves an empty ``previous.log``: read, as an empty file in an
    input is (``files_read``, like an empty access log), but it holds no reload, so the reloads stay unknown
    (``logs_read`` 0: "reloads unknown") rather than "0 succeeded, 0 failed", as with no router log at all."""
    dest = tmp_path / "mg.tar.gz"
    with tarfile.open(dest, "w:gz") as tf:
        add_tar_bytes(tf, f"{ROOT}/version", b"openshift/must-gather\n4.15\n")
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/pods/{ROUTER}/router/router/logs/previous.log", b"")
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress-operator/operator.openshift.io/ingresscontrollers/"
                      "default.yaml", IC)
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/core/pods.yaml", ROUTER_PODS)
        add_tar_bytes(tf, f"{ROOT}/namespaces/shop/route.openshift.io/routes.yaml", ROUTE)
    snap = load_snapshot([str(dest)])
    [record] = snap.inputs
    assert (record.files_seen, record.files_read) == (5, 4)  # the empty log read; the version file not needed
    [ic] = cluster_context(snap, {"shop"})["ingress_controllers"]
    assert ic["reloads"]["logs_read"] == 0
