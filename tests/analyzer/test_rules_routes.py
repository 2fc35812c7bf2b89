"""Route rules (R101-R103): each test takes a reviewed scenario, changes one thing, and checks the answer."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.rules.routes.r101_route_not_admitted import admitted_state
from analyzer.rules.routes.r102_route_backend_service_missing import closest_service
from analyzer.rules.routes.r103_route_target_port_matches_nothing import json_value, suggested_target
from parsers import schema
from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario, edit, findings, one_file


# ------------------------------------------------------------------ helpers
def test_admitted_state_keeps_unknown_apart_from_false():
    assert [admitted_state(v) for v in (True, False, None, pd.NA)] == [True, False, None, None]


def test_closest_service_names_the_service_a_human_meant():
    assert closest_service("checkout-v2", ["checkout", "payments-db"]) == "checkout"
    assert closest_service("zzz", ["checkout"]) is None


def service_ports(*rows: tuple[str, int, str]) -> pd.DataFrame:
    return schema.conform("service_ports", [
        {"namespace": "n", "service": "s", "port_name": name, "port": port, "target_port": target,
         "target_port_is_name": not target.isdigit()} for name, port, target in rows
    ])


def test_suggested_target_prefers_the_meant_service_ports_name_then_its_container_port():
    assert suggested_target("80", service_ports(("http", 80, "8080"), ("admin", 9000, "9000")), ["http"]) == "http"
    assert suggested_target("80", service_ports(("", 80, "8080")), []) == "8080"
    # nothing equals the route's number and several ports exist: fall back to an endpoint port name
    assert suggested_target("81", service_ports(("a", 80, "8080"), ("b", 90, "9090")), ["a", "b"]) == "a"


def test_json_value_keeps_numbers_numeric_for_intorstring_fields():
    assert (json_value("8080"), json_value("http")) == ("8080", '"http"')


# ------------------------------------------------------------------ R101 route-not-admitted
def test_route_without_status_while_an_ingresscontroller_exists_is_not_served(tmp_path):
    root = copy_scenario(tmp_path, "R101-quiet-admitted")
    edit(one_file(root, "routes.yaml"), lambda r: r.pop("status"))
    [f] = findings(root, "R101")
    assert (f["route"], f["severity"], f["confidence"]) == ("frontend", "critical", "medium")
    assert "no status" in f["title"]
    assert f["evidence"][0]["text"] == "host: frontend-storefront.apps.lab-cluster.example.net"


def test_route_without_status_says_nothing_when_no_ingresscontroller_was_collected(tmp_path):
    root = copy_scenario(tmp_path, "R101-quiet-admitted")
    edit(one_file(root, "routes.yaml"), lambda r: r.pop("status"))
    one_file(root, "ingresscontrollers/default.yaml").unlink()
    assert findings(root, "R101") == []


def test_route_without_status_whose_backend_logged_requests_is_served(tmp_path):
    root = copy_scenario(tmp_path, "R101-quiet-admitted-by-default-shard")
    edit(one_file(root, "routes.yaml"), lambda r: r.pop("status"))
    assert findings(root, "R101") == []


def test_a_rejection_by_one_shard_does_not_hide_admission_by_another():
    # the scenario itself: internal router says Admitted=False, default router says True
    assert findings(SCENARIOS / "R101-quiet-admitted-by-default-shard", "R101") == []


HAPROXY_CONFIG = """global
  maxconn 50000
defaults
  timeout connect 5s
  timeout server 30s
backend openshift_default
  mode http
backend be_edge_http:storefront:{route}
  mode http
  server pod:x-1:{route}:http:10.128.2.99:8080 10.128.2.99:8080 cookie 1a2b weight 256
"""


@pytest.mark.parametrize(
    ("ic", "route", "expected"),
    [("default", "other", ["warning"]), ("default", "frontend", []), ("internal", "other", [])],
    ids=["admitting-router-lacks-it", "backend-present", "config-of-another-router"],
)
def test_admitted_route_missing_from_the_admitting_routers_config(tmp_path, ic, route, expected):
    root = copy_scenario(tmp_path, "R101-quiet-admitted")
    image = one_file(root, "version").parent
    config = image / "ingress_controllers" / ic / f"router-{ic}-5f7d8c9b64-q2w4e" / "haproxy.config"
    config.parent.mkdir(parents=True)
    config.write_text(HAPROXY_CONFIG.format(route=route))
    found = findings(root, "R101")
    assert [f["severity"] for f in found] == expected
    if expected:
        assert found[0]["confidence"] == "medium"
        assert found[0]["evidence"][1]["text"] == "no backend *:storefront:frontend in this haproxy.config"


# ------------------------------------------------------------------ R102 route-service-missing
@pytest.mark.parametrize(
    ("to", "alternates", "expected"),
    [
        ({"name": "checkout", "weight": 90}, [{"name": "checkout-canary", "weight": 10}],
         [("checkout-canary", "warning")]),
        ({"name": "checkout", "weight": 100}, [{"name": "checkout-canary", "weight": 0}],
         [("checkout-canary", "info")]),
        ({"name": "checkout-v2", "weight": 100}, [{"name": "checkout", "weight": 50}],
         [("checkout-v2", "warning")]),
        ({"name": "checkout-v2", "weight": 100}, [{"name": "checkout", "weight": 0}],
         [("checkout-v2", "critical")]),
    ],
    ids=["weighted-alternate", "weight-0-alternate", "to-missing-alternate-serves", "only-weight-0-left"],
)
def test_missing_backend_severity_follows_the_traffic_it_loses(tmp_path, to, alternates, expected):
    root = copy_scenario(tmp_path, "R102-quiet-service-present")

    def backends(route: dict) -> None:
        route["spec"]["to"] = {"kind": "Service", **to}
        route["spec"]["alternateBackends"] = [{"kind": "Service", **a} for a in alternates]

    edit(one_file(root, "routes.yaml"), backends)
    assert [(f["service"], f["severity"]) for f in findings(root, "R102")] == expected


def test_a_stale_alternate_is_removed_not_renamed_to_a_service_already_in_the_route(tmp_path):
    [f] = findings(SCENARIOS / "R102-fires-alternate-missing", "R102")
    assert f["remediation"][-1] == (
        "oc -n payments patch route checkout --type=json "
        '-p \'[{"op":"remove","path":"/spec/alternateBackends/0"}]\''
    )


def test_missing_service_is_not_judged_when_the_namespace_services_were_not_collected(tmp_path):
    root = copy_scenario(tmp_path, "R102-fires-service-renamed")
    one_file(root, "services.yaml").unlink()
    assert findings(root, "R102") == []


# ------------------------------------------------------------------ R103 route-target-port-mismatch
@pytest.mark.parametrize(("target", "fires"), [("http", False), (8080, False), (80, True), ("web", True)])
def test_route_target_port_follows_the_routers_endpoint_filter(tmp_path, target, fires):
    # service catalog: port http 80 -> targetPort 8080; the endpoints carry name http, port 8080
    root = copy_scenario(tmp_path, "R103-quiet-port-name")
    edit(one_file(root, "routes.yaml"), lambda r: r["spec"]["port"].update(targetPort=target))
    found = findings(root, "R103")
    assert bool(found) is fires
    if fires:
        assert found[0]["affected_requests"] == 0  # the 30 logged requests were served (200): not this fault
        assert found[0]["remediation"] == [
            'oc -n catalog patch route catalog --type=merge -p \'{"spec":{"port":{"targetPort":"http"}}}\''
        ]


def test_route_target_port_counts_the_routers_nosrv_answers():
    [f] = findings(SCENARIOS / "R103-fires-service-port-number", "R103")
    assert (f["severity"], f["affected_requests"]) == ("critical", 30)
    assert f["evidence"][1]["text"] == "port: 80"
    assert "80 is the port of service catalog, not a container port" in f["explanation"]


def _route_target(target: object, edited: str | None = None):
    def change(route: dict) -> None:
        route["spec"]["port"]["targetPort"] = target
        if edited:
            route["metadata"]["managedFields"] = [{
                "apiVersion": "route.openshift.io/v1", "fieldsType": "FieldsV1", "manager": "oc",
                "operation": "Update", "time": edited, "fieldsV1": {"f:spec": {"f:port": {}}}}]
    return change


def test_route_target_port_answered_by_the_routes_own_servers_is_a_contradiction_not_an_outage(tmp_path):
    # the route (created 2026-11-17, no managedFields) says https; the log's 30 requests on 2026-11-20 were
    # answered 200 by its own pods: the router had servers then, so the claim "every request fails" is not true
    root = copy_scenario(tmp_path, "R103-quiet-port-name")
    edit(one_file(root, "routes.yaml"), _route_target("https"))
    [f] = findings(root, "R103")
    assert (f["severity"], f["confidence"], f["began_at"], f["status_at_collection"]) == (
        "warning", "low", None, "unknown")
    assert "30 requests answered (status below 500) by the route's own servers" in f["explanation"]
    assert "the route's creation at 2026-11-17 08:30:00 UTC (creationTimestamp)" in f["explanation"]
    assert "last edit" not in f["explanation"]
    assert "every request gets the router's 503 once the router loads the route as collected" in f["explanation"]


def test_route_target_port_edited_after_the_answered_requests_broke_the_route_then(tmp_path):
    root = copy_scenario(tmp_path, "R103-quiet-port-name")
    edit(one_file(root, "routes.yaml"), _route_target("https", edited="2026-11-20T08:45:00Z"))
    [f] = findings(root, "R103")
    assert (f["severity"], f["confidence"], f["began_at"]) == ("critical", "high", "2026-11-20T08:45:00Z")
    assert "(the route's last edit, managedFields)" in f["explanation"]
    assert "answered 30 requests until 2026-11-20 08:39:40 UTC, before that change" in f["explanation"]


def test_route_target_port_without_a_log_names_the_creation_as_the_date_source(tmp_path):
    root = copy_scenario(tmp_path, "R103-quiet-port-name")
    edit(one_file(root, "routes.yaml"), _route_target("https"))
    for log in root.rglob("*.log"):
        log.unlink()
    [f] = findings(root, "R103")
    assert (f["severity"], f["began_at"]) == ("critical", "2026-11-17T08:30:00Z")
    # created three days before the collection (2026-11-20): the time says its date
    assert "It began at 2026-11-17 08:30:00 (the route's creation, creationTimestamp)." in f["explanation"]


def test_a_deleted_service_is_recreated_from_the_deployment_of_its_name():
    [f] = findings(SCENARIOS / "time-service-deleted-mid-window", "R102")
    assert f["remediation"] == [
        "oc -n payments expose deployment/checkout --name=checkout",  # the ports its containers declare
        "oc -n payments patch service checkout --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/ports/0/name\","
        "\"value\":\"http\"}]'  # the route asks for port http by name: the service port must carry it"]


def test_a_deleted_service_behind_a_numeric_target_port_is_recreated_on_that_port(tmp_path):
    root = copy_scenario(tmp_path, "time-service-deleted-mid-window")
    edit(one_file(root, "routes.yaml"), _route_target(8080))
    [f] = findings(root, "R102")
    assert f["remediation"] == ["oc -n payments expose deployment/checkout --name=checkout --port=8080"]


def test_a_deleted_service_of_pods_that_declare_no_port_is_recreated_on_a_port_to_fill_in(tmp_path):
    root = copy_scenario(tmp_path, "time-service-deleted-mid-window")

    def undeclared(pod: dict) -> None:  # oc expose without --port would fail: nothing to copy
        for container in pod["spec"]["containers"]:
            container.pop("ports", None)

    edit(one_file(root, "pods.yaml"), undeclared)
    [f] = findings(root, "R102")
    assert f["remediation"][0] == ("oc -n payments expose deployment/checkout --name=checkout --port=PORT  "
                                   "# PORT: the port its pods serve on")


def test_without_a_deployment_of_its_name_the_command_says_what_to_fill_in_and_redirects_nothing(tmp_path):
    root = copy_scenario(tmp_path, "time-service-deleted-mid-window")

    def rename(deployment: dict) -> None:
        deployment["metadata"]["name"] = "checkout-api"

    edit(one_file(root, "deployments.yaml"), rename)
    [f] = findings(root, "R102")
    assert f["remediation"][0] == ("oc -n payments expose deployment/DEPLOYMENT --name=checkout --port=PORT  "
                                   "# DEPLOYMENT: the Deployment whose pods should serve the route; "
                                   "PORT: the port its pods serve on")
    assert not any(c in f["remediation"][0] for c in "<>")
