"""Port and TLS rules (P301, P302): static evidence, log evidence, and what happens when they disagree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.rules.common import is_true
from analyzer.rules.ports.p301_service_target_port_not_served import is_loopback
from analyzer.rules.ports.shared import port_protocol
from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario, edit, files, findings, one_file, router_log


# ------------------------------------------------------------------ helpers
@pytest.mark.parametrize(
    ("port_name", "target", "port", "expected"),
    [
        ("https", "8443", 443, "tls"),  # openshift-console's service
        ("web", "web", 9091, None),  # monitoring: "web" says nothing (it serves TLS there)
        ("http", "8080", 80, "plain"),
        ("", "8443", 443, "tls"),
        ("http", "https", 8443, "tls"),  # the container's own port name counts first
        ("8080-tcp", "8080", 8080, "plain"),  # oc new-app naming: decided by the number
        ("metrics", "9000", 9000, None),
        ("h2c", "8080", 80, "plain"),
    ],
)
def test_port_protocol_reads_names_before_numbers(port_name, target, port, expected):
    assert port_protocol(port_name, target, port) == expected


def test_nullable_booleans_from_frames_are_read_safely():
    assert [is_true(v) for v in (True, np.bool_(True), False, np.bool_(False), pd.NA, None)] == [
        True, True, False, False, False, False]


def test_loopback_addresses():
    assert [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::", None)] == [
        True, True, True, False, False, False]


# ------------------------------------------------------------------ P301 service-port-mismatch
def test_wrong_number_with_refusals_is_critical_and_says_both_sides_agree():
    [f] = findings(SCENARIOS / "P301-fires-wrong-target-port", "P301")
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("critical", "high", 30)
    assert "The objects and the access log agree." in f["explanation"]
    assert f["remediation"][-1] == (
        "oc -n discovery patch service search --type=json "
        "-p '[{\"op\":\"replace\",\"path\":\"/spec/ports/0/targetPort\",\"value\":8080}]'"
    )


def test_named_target_port_without_a_container_port_of_that_name_counts_the_nosrv_answers():
    [f] = findings(SCENARIOS / "P301-fires-named-port-missing", "P301")
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("critical", "high", 30)
    assert '"value":"http"' in f["remediation"][-1]


def test_loopback_binding_from_the_applications_own_log():
    [f] = findings(SCENARIOS / "P301-fires-bound-to-localhost", "P301")
    assert f["evidence"][1]["text"] == "2026-11-20T06:30:05.412930112Z INFO HTTP server bound to 127.0.0.1:8080"
    assert f["remediation"][-1].startswith("# make the application bind 0.0.0.0:8080")


def test_an_extra_metrics_listener_is_not_a_port_mismatch():
    assert findings(SCENARIOS / "P301-quiet-metrics-listener", "P301") == []


def rewrite_app_logs(root: Path, text: str) -> None:
    for log in files(root, "quotes/quotes/logs/current.log"):
        log.write_text(text)


def test_app_announcing_another_port_is_contradicted_by_served_requests(tmp_path):
    root = copy_scenario(tmp_path, "P301-quiet-metrics-listener")
    rewrite_app_logs(root, "2026-11-20T06:30:05.412930112Z INFO HTTP server listening on :9000\n")
    assert findings(root, "P301") == []  # the router got answers from these pods: the claim does not hold
    router_log(root).unlink()
    [f] = findings(root, "P301")
    assert (f["severity"], f["confidence"]) == ("warning", "medium")
    assert "announces port(s) [9000], never 8080" in f["explanation"]
    assert '"value":9000' in f["remediation"][-1]


def test_refusals_while_a_container_restarts_belong_to_the_restart():
    assert findings(SCENARIOS / "P301-quiet-refused-while-restarting", "P301") == []


def test_the_same_refusals_far_from_any_restart_are_log_only_evidence(tmp_path):
    root = copy_scenario(tmp_path, "P301-quiet-refused-while-restarting")

    def old_restart(pod: dict) -> None:
        for cs in pod["status"]["containerStatuses"]:
            if cs["lastState"]:
                cs["lastState"]["terminated"]["finishedAt"] = "2026-11-20T06:00:00Z"
                cs["state"] = {"running": {"startedAt": "2026-11-20T06:00:02Z"}}

    edit(one_file(root, "pods.yaml"), old_restart)
    [f] = findings(root, "P301")
    # 3 refused of 120 logged requests: real, but not most of the traffic
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("warning", "medium", 3)
    assert "the containers declare the target port 8080" in f["explanation"]


def test_a_sidecar_without_declared_ports_makes_an_undeclared_number_unknowable(tmp_path):
    root = copy_scenario(tmp_path, "P301-fires-wrong-target-port")

    def sidecar(pod: dict) -> None:
        pod["spec"]["containers"].append({"image": "quay.io/lab/proxy:2.1", "name": "proxy"})

    edit(one_file(root, "pods.yaml"), sidecar)
    [f] = findings(root, "P301")
    assert (f["severity"], f["confidence"]) == ("critical", "medium")  # the 30 refusals alone
    assert "not every container declares its ports" in f["explanation"]


# ------------------------------------------------------------------ P302 tls-termination-mismatch
def test_edge_route_to_a_tls_port_is_confirmed_by_502_sh_with_tr_minus_one():
    [f] = findings(SCENARIOS / "P302-fires-edge-to-tls-port", "P302")
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("critical", "high", 30)


@pytest.mark.parametrize("key", ["service.beta.openshift.io/serving-cert-secret-name",
                                 "service.alpha.openshift.io/serving-cert-secret-name"])
def test_reencrypt_with_a_serving_certificate_is_fine(tmp_path, key):
    root = copy_scenario(tmp_path, "P302-quiet-serving-cert")
    edit(one_file(root, "services.yaml"), lambda s: s["metadata"].update(annotations={key: "billing-tls"}))
    assert findings(root, "P302") == []


def test_reencrypt_to_a_tls_port_without_any_trust_source_is_an_info_risk(tmp_path):
    root = copy_scenario(tmp_path, "P302-quiet-serving-cert")
    edit(one_file(root, "services.yaml"), lambda s: s["metadata"].pop("annotations"))
    [f] = findings(root, "P302")
    assert (f["severity"], f["confidence"]) == ("info", "low")
    assert "billing.billing.svc" in f["explanation"]


def test_reencrypt_to_plain_http_without_logs_is_a_warning(tmp_path):
    root = copy_scenario(tmp_path, "P302-fires-reencrypt-to-http")
    router_log(root).unlink()
    [f] = findings(root, "P302")
    assert (f["severity"], f["confidence"], f["affected_requests"]) == ("warning", "medium", 0)


def test_requests_completed_through_the_backend_contradict_a_static_tls_suspicion(tmp_path):
    root = copy_scenario(tmp_path, "P302-quiet-edge-to-http-port")
    edit(one_file(root, "routes.yaml"), lambda r: r["spec"]["tls"].update(termination="reencrypt"))
    assert findings(root, "P302") == []  # 30 answered requests: the handshake works
    router_log(root).unlink()
    assert [f["severity"] for f in findings(root, "P302")] == ["warning"]


def test_handshake_failures_on_reencrypt_are_not_also_blamed_on_the_port():
    codes = [f["code"] for f in findings(SCENARIOS / "P302-fires-reencrypt-to-http", "P301")]
    assert codes == []


POD_CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_the_first_fix_for_an_edge_route_to_a_tls_port_is_one_the_router_can_verify(tmp_path):
    # the service has no serving-cert annotation: reencrypt alone makes the router verify the pod's
    # certificate with the service CA (503 SC); the first fix brings the CA that signed the pod's certificate
    [f] = findings(SCENARIOS / "P302-fires-edge-to-tls-port", "P302")
    first = f["remediation"][0]
    assert '\\"termination\\":\\"reencrypt\\",\\"destinationCACertificate\\":$(jq -Rs . < pod-ca.crt)' in first
    assert any("serving-cert-secret-name=billing-tls" in fix for fix in f["remediation"][1:])
    root = copy_scenario(tmp_path, "P302-fires-edge-to-tls-port")
    routes = one_file(root, "routes.yaml")
    edit(routes, lambda r: r["spec"]["tls"].update(termination="reencrypt"))
    assert [g["severity"] for g in findings(root, "P302")] == ["info"]  # reencrypt alone: still a mismatch
    edit(routes, lambda r: r["spec"]["tls"].update(destinationCACertificate=POD_CA))
    assert findings(root, "P302") == []


def test_an_edge_route_to_a_tls_port_is_pointed_first_at_the_services_plain_http_port(tmp_path):
    root = copy_scenario(tmp_path, "P302-fires-edge-to-tls-port")
    edit(one_file(root, "services.yaml"), lambda s: s["spec"]["ports"].append(
        {"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}))
    [f] = findings(root, "P302")
    assert f["remediation"][0].startswith(
        'oc -n billing patch route billing --type=merge -p \'{"spec":{"port":{"targetPort":"http"}}}\'')


def test_an_edge_route_to_a_tls_port_with_a_serving_certificate_may_just_reencrypt(tmp_path):
    root = copy_scenario(tmp_path, "P302-fires-edge-to-tls-port")
    edit(one_file(root, "services.yaml"), lambda s: s["metadata"].update(
        annotations={"service.beta.openshift.io/serving-cert-secret-name": "billing-tls"}))
    [f] = findings(root, "P302")
    assert f["remediation"][0].startswith(
        'oc -n billing patch route billing --type=merge -p \'{"spec":{"tls":{"termination":"reencrypt"}}}\'')
    assert f["remediation"][0].endswith("the service CA (the service has a serving-cert annotation)")
    assert len(f["remediation"]) == 1
