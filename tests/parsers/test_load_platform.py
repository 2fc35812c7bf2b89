"""The platform phase of the loader: each input found at its real path, read once, bad files skipped."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from parsers.load_snapshot import load_snapshot
from tests.conftest import FIXTURES, MGC, add_tar_bytes, realworld

ROOT = "must-gather.local.1/registry-example-com-ocp-sha256-abc"
ROUTER = "router-default-6dd4c95495-7dqkw"
OPERATOR = "ingress-operator-7b85cd998b-f4lj9"


def _archive(tmp_path: Path, alerts: bytes) -> Path:
    dest = tmp_path / "mg.tar.gz"
    with tarfile.open(dest, "w:gz") as tf:
        add_tar_bytes(tf, f"{ROOT}/timestamp", b"2026-11-24 02:30:00.1 +0000 UTC m=+0.1\n")
        add_tar_bytes(tf, f"{ROOT}/version", b"openshift/must-gather\n4.15\n")
        add_tar_bytes(tf, f"{ROOT}/monitoring/alerts.json", alerts)
        add_tar_bytes(tf, f"{ROOT}/monitoring/prometheus/prometheus-k8s-0/alerts.json",
                      (FIXTURES / "platform" / "alerts-alerts-api.json").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/pods/{ROUTER}/router/router/logs/current.log",
                      (FIXTURES / "router-reload" / "router-current.log").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress/pods/{ROUTER}/router/router/logs/previous.log", b"")
        add_tar_bytes(tf, f"{ROOT}/namespaces/openshift-ingress-operator/pods/{OPERATOR}/ingress-operator/"
                      "ingress-operator/logs/current.log",
                      (FIXTURES / "platform" / "ingress-operator-current.log").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/pod_network_connectivity_check/podnetworkconnectivitychecks.yaml",
                      (FIXTURES / "platform" / "platform-objects.yaml").read_bytes())
        add_tar_bytes(tf, f"{ROOT}/namespaces/default/core/events.yaml", NODE_EVENTS)
    return dest


NODE_EVENTS = b"""---
apiVersion: v1
kind: EventList
items:
- apiVersion: v1
  kind: Event
  metadata: {name: worker-1.1, namespace: default}
  involvedObject: {kind: Node, name: worker-1}
  reason: NodeNotSchedulable
  type: Normal
  message: "Node worker-1 status is now: NodeNotSchedulable"
  lastTimestamp: "2026-11-24T02:05:00Z"
  count: 1
"""


def test_every_platform_input_is_read_from_its_real_path(tmp_path):
    snap = load_snapshot([str(_archive(tmp_path, (FIXTURES / "platform" / "alerts-rules-api.json").read_bytes()))])
    alerts = snap.frame("alerts")
    assert set(alerts["name"]) == {"HAProxyReloadFail", "KubeNodeNotReady", "Watchdog", "KubePodCrashLooping"}
    assert len(snap.alert_sources) == 2
    log = snap.frame("router_log")
    assert (log["kind"] == "reload-failed").sum() == 2
    assert set(log["router_pod"]) == {ROUTER}
    assert log["source"].str.endswith(f"{ROUTER}/router/router/logs/current.log").all()
    assert list(snap.frame("operator_log")["kind"]) == ["reconcile-error", "canary-failure"]
    assert len(snap.frame("connectivity_outages")) == 2  # connectivity checks are documents
    assert len(snap.frame("machineconfigpools")) == 1
    events = snap.frame("events")
    assert list(events["reason"]) == ["NodeNotSchedulable"]
    assert not [s for s in snap.skipped if "alerts" in s[1]]


def test_a_broken_alerts_file_is_skipped_with_its_reason_and_the_rest_still_loads(tmp_path):
    snap = load_snapshot([str(_archive(tmp_path, b"{ truncated"))])
    assert any(src.endswith("monitoring/alerts.json") and "not JSON" in why for src, why in snap.skipped)
    assert set(snap.frame("alerts")["name"]) == {"KubePodCrashLooping"}  # the other Prometheus file
    assert (snap.frame("router_log")["kind"] == "reload-failed").sum() == 2


def test_real_aws_must_gather_platform_inputs():
    path = realworld(*MGC.relative_to(MGC.parents[2]).parts, "must-gather-aws.tar.xz")
    snap = load_snapshot([str(path)])
    alerts = snap.frame("alerts")
    assert sorted(alerts["name"]) == ["AlertmanagerReceiversNotConfigured", "Watchdog"]  # both firing, read by hand
    assert set(alerts["state"]) == {"firing"}
    assert sorted(snap.frame("machineconfigpools")["name"]) == ["master", "worker"]
    log = snap.frame("router_log")
    assert set(log["router_pod"]) == {"router-default-6dd4c95495-7dqkw", "router-default-6dd4c95495-vcnb6"}
    assert (log["kind"] == "reload").sum() > 0 and (log["kind"] == "reload-failed").sum() == 0
    nodes = snap.frame("nodes")
    assert len(nodes) == 6 and nodes["boot_id"].notna().all() and set(nodes["mc_state"]) == {"Done"}
    conditions = snap.frame("object_conditions")
    ic = conditions[(conditions["kind"] == "IngressController") & (conditions["type"] == "CanaryChecksSucceeding")]
    assert list(ic["status"]) == ["True"]
    node_events = snap.frame("events")
    assert (node_events["involved_kind"] == "Node").sum() > 0


@pytest.mark.parametrize("name", ["azure", "metal", "vsphere"])
def test_real_extracted_must_gathers_have_router_logs_and_no_alert_data(name):
    path = realworld(*MGC.relative_to(MGC.parents[2]).parts, f"must-gather-{name}.tar.xz__extracted")
    snap = load_snapshot([str(path)])
    assert snap.alert_sources == ()  # these subsets hold no monitoring/ directory
    assert sum(f.endswith("/router/router/logs/current.log") for f in snap.router_log_files) == 2
    assert len(snap.frame("nodes")) > 0
