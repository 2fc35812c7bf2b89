"""Kubernetes objects become typed frames with exact Kubernetes semantics and provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from parsers import schema
from parsers.kube import build_frames, collect
from parsers.yaml_docs import iter_objects
from tests.conftest import INSPECT_SHOP, MGC, MUST_GATHER, realworld

SHOP = INSPECT_SHOP / "namespaces" / "shop"


def frames_of(*files, inp="in"):
    objects = []
    for path in files:
        rel = str(path.relative_to(path.parents[3])) if len(path.parents) > 3 else path.name
        objects += [(o, inp, rel, line) for o, line in iter_objects(path.read_bytes(), path.name)]
    store = collect(objects)
    return build_frames(store), store


@pytest.fixture(scope="module")
def shop():
    files = [SHOP / "route.openshift.io/routes.yaml", SHOP / "core/services.yaml", SHOP / "core/endpoints.yaml",
             SHOP / "discovery.k8s.io/endpointslices.yaml", SHOP / "core/pods.yaml", SHOP / "core/events.yaml",
             SHOP / "shop.yaml", SHOP / "pods/frontend-7d9fc6b8d4-x2k9p/frontend-7d9fc6b8d4-x2k9p.yaml"]
    return frames_of(*files)


def test_every_frame_has_exactly_the_declared_columns_and_dtypes(shop):
    frames, _ = shop
    for name, df in frames.items():
        assert list(df.columns) == schema.column_names(name), name
        for column, dtype in schema.columns(name):
            assert str(df[column].dtype) == str(pd.Series(dtype=dtype).dtype), (name, column)


def test_empty_input_still_gives_every_frame_typed():
    frames = build_frames(collect([]))
    for name in ("routes", "endpoints", "pods", "containers", "events", "ingresscontrollers"):
        assert frames[name].empty
        assert list(frames[name].columns) == schema.column_names(name)


def test_routes_one_row_per_backend_with_weights(shop):
    routes = shop[0]["routes"]
    frontend = routes[routes["name"] == "frontend"].sort_values("backend_index")
    assert frontend["service"].tolist() == ["frontend", "frontend-canary"]
    assert frontend["weight"].tolist() == [90, 10]
    row = frontend.iloc[0]
    assert (row["termination"], row["insecure_policy"], row["target_port"], row["timeout"]) == (
        "edge", "Redirect", "http", "60s")
    assert row["admitted"] and row["admitted_routers"] == "default"
    api = routes[routes["name"] == "api"].iloc[0]
    assert (api["termination"], api["target_port"], api["weight"]) == ("none", "8080", 100)
    assert api["source"].endswith("routes.yaml") and api["line"] == 42


def test_service_ports_named_and_defaulted_target_ports(shop):
    ports = shop[0]["service_ports"].set_index("service")
    assert ports.loc["frontend", "target_port"] == "web" and ports.loc["frontend", "target_port_is_name"]
    assert ports.loc["api", "port_name"] == "" and ports.loc["api", "target_port"] == "8080"
    assert not ports.loc["api", "target_port_is_name"]


def test_endpoints_from_endpoints_and_slices(shop):
    eps = shop[0]["endpoints"]
    frontend = eps[eps["service"] == "frontend"].set_index("pod")
    assert bool(frontend.loc["frontend-7d9fc6b8d4-x2k9p", "ready"]) is True
    assert bool(frontend.loc["frontend-7d9fc6b8d4-q8w7e", "ready"]) is False  # notReadyAddresses
    assert set(frontend["origin"]) == {"Endpoints"}
    canary = eps[eps["service"] == "frontend-canary"].iloc[0]
    assert (canary["origin"], canary["ip"], canary["port"], canary["port_name"], bool(canary["ready"])) == (
        "EndpointSlice", "10.130.1.9", 8080, "http", True)
    assert bool(canary["terminating"]) is False


def test_endpointslice_null_ready_counts_as_ready():
    doc = (b"kind: EndpointSlice\nmetadata:\n  name: s-1\n  namespace: n\n  labels:\n"
           b"    kubernetes.io/service-name: s\nendpoints:\n- addresses: [10.0.0.1]\n  conditions: {}\n"
           b"ports:\n- port: 80\n  name: ''\n")
    frames = build_frames(collect([(o, "i", "s.yaml", line) for o, line in iter_objects(doc, "s.yaml")]))
    assert frames["endpoints"]["ready"].tolist() == [True]


def test_pods_containers_ports_and_last_termination(shop):
    frames, _ = shop
    pod = frames["pods"].set_index("name").loc["frontend-7d9fc6b8d4-q8w7e"]
    assert bool(pod["ready"]) is False and pod["owner_kind"] == "ReplicaSet" and pod["grace_period"] == 30
    assert pod["ready_since"] == pd.Timestamp("2026-11-20T08:41:12Z")
    c = frames["containers"].set_index("pod").loc["frontend-7d9fc6b8d4-q8w7e"]
    assert (c["restart_count"], c["last_reason"], c["last_exit_code"]) == (2, "OOMKilled", 137)
    assert (c["readiness_kind"], c["readiness_port"], c["readiness_path"]) == ("httpGet", "8080", "/healthz")
    assert c["state"] == "running" and not c["has_prestop"]
    ports = frames["container_ports"]
    assert ports[ports["pod"] == "api-5c8f9d7b6-m4n5b"][["name", "port"]].values.tolist() == [["http", 8080]]


def test_events_fall_back_to_event_time_when_timestamps_are_null(shop):
    events = shop[0]["events"].set_index("reason")
    assert events.loc["Unhealthy", "last_seen"] == pd.Timestamp("2026-11-20T09:13:40Z")
    assert events.loc["Unhealthy", "count"] == 41
    assert events.loc["Killing", "last_seen"] == pd.Timestamp("2026-11-20T08:40:57.118204Z")
    assert events.loc["Killing", "involved_name"] == "frontend-7d9fc6b8d4-q8w7e"


def test_list_file_and_per_object_file_are_one_object_with_both_sources(shop):
    frames, store = shop
    pods = frames["pods"]
    assert (pods["name"] == "frontend-7d9fc6b8d4-x2k9p").sum() == 1
    stored = store.objects[("Pod", "shop", "frontend-7d9fc6b8d4-x2k9p", "")]
    assert len(stored.also) == 1


def test_newest_resource_version_wins():
    old = {"kind": "Service", "metadata": {"name": "s", "namespace": "n", "resourceVersion": "9", "uid": "u"},
           "spec": {"type": "ClusterIP"}}
    new = {"kind": "Service", "metadata": {"name": "s", "namespace": "n", "resourceVersion": "10", "uid": "u"},
           "spec": {"type": "NodePort"}}
    frames = build_frames(collect([(new, "b", "b.yaml", 1), (old, "a", "a.yaml", 1)]))
    assert frames["services"][["type", "input"]].values.tolist() == [["NodePort", "b"]]


def test_malformed_objects_are_recorded_not_fatal():
    bad = {"kind": "Route", "metadata": {"name": "r", "namespace": "n"}, "spec": "oops"}
    good = {"kind": "Route", "metadata": {"name": "ok", "namespace": "n"}, "spec": {"to": {"name": "s"}}}
    store = collect([(bad, "i", "r.yaml", 1), (good, "i", "r.yaml", 9)])
    frames = build_frames(store)
    routes = frames["routes"].set_index("name")
    assert routes.loc["ok", "service"] == "s"
    assert pd.isna(routes.loc["r", "service"])  # the shape was wrong: nothing invented, nothing crashed


@pytest.mark.parametrize(("value", "accepted"), [
    (8080, True), ("8080", True), (1, True), (65535, True), ("http", True), ("web-2", True), ("a" * 15, True),
    (0, False), (-5, False), (65536, False), (99999999999999999999, False), ("99999999999999999999", False),
    (float("nan"), False), (8080.0, False), (True, False), ([1, 2], False), ({"a": 1}, False), ("", False),
    ("HTTP", False), ("a" * 16, False), ("-web", False), ("web-", False), ("we--b", False), ("123-", False),
    ("12-3", False),
])
def test_a_target_port_is_a_number_or_a_name_kubernetes_accepts(value, accepted):
    from parsers.kube_network import is_port_number_or_name

    assert is_port_number_or_name(value) is accepted


def test_a_target_port_no_kubernetes_object_holds_is_read_as_missing_and_said_where():
    def service(name: str, target: object) -> dict:
        return {"kind": "Service", "metadata": {"name": name, "namespace": "n", "uid": name},
                "spec": {"ports": [{"name": "http", "port": 80, "targetPort": target}]}}

    store = collect([(service("good", 8080), "i", "s.yaml", 1), (service("list", [1, 2]), "i", "s.yaml", 9),
                     (service("nan", float("nan")), "i", "s.yaml", 17), (service("named", "web"), "i", "s.yaml", 25)])
    ports = build_frames(store)["service_ports"].set_index("service")
    assert ports.loc["good", "target_port"] == "8080" and ports.loc["named", "target_port"] == "web"
    assert pd.isna(ports.loc["list", "target_port"]) and pd.isna(ports.loc["nan", "target_port"])
    assert "_value_lost" not in ports.columns
    assert sorted((line, reason.split(" is ")[0]) for _, _, line, reason in store.values_lost) == [
        (9, "Service n/list spec.ports[0].targetPort '[1, 2]'"), (17, "Service n/nan spec.ports[0].targetPort 'nan'")]


def test_ingresscontroller_and_clusterversion_from_the_must_gather_shape():
    img = next(p for p in MUST_GATHER.iterdir() if p.is_dir())
    frames, _ = frames_of(
        img / "namespaces/openshift-ingress-operator/operator.openshift.io/ingresscontrollers/default.yaml",
        img / "cluster-scoped-resources/config.openshift.io/clusterversions/version.yaml",
    )
    ic = frames["ingresscontrollers"].iloc[0]
    assert (ic["name"], ic["domain"], ic["publishing"], bool(ic["access_logging"]), bool(ic["available"])) == (
        "default", "apps.ci-ln-x1y2z3.example.com", "LoadBalancerService", False, True)
    cv = frames["clusterversion"].iloc[0]
    assert (cv["version"], cv["channel"]) == ("4.16.21", "stable-4.16")


def test_real_kube_system_tree_with_newer_resource_files():
    root = realworld("RedHatQE__must-gather-explorer", "must_gather_explorer", "tests", "manifests",
                     "must-gather-data", "data", "namespaces", "kube-system")
    files = sorted(p for p in root.rglob("*.yaml"))
    frames, store = frames_of(*files)
    assert not store.problems
    hpas = frames["hpas"]
    netpols = frames["netpols"]
    assert list(hpas.columns) == schema.column_names("hpas")
    assert list(netpols.columns) == schema.column_names("netpols")
    assert len(frames["pods"]) >= 7
    assert MGC.exists()


def test_real_router_pod_disruption_budget():
    root = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz__extracted")
    [path] = root.glob("must-gather-aws/*/namespaces/openshift-ingress/policy/poddisruptionbudgets.yaml")
    frames, store = frames_of(path)
    assert not store.problems
    pdbs = frames["pdbs"]
    assert list(pdbs.columns) == schema.column_names("pdbs")
    [row] = pdbs.to_dict("records")
    assert (row["namespace"], row["name"], row["min_available"], row["max_unavailable"]) == (
        "openshift-ingress", "router-default", None, "50%")
    label = "ingresscontroller.operator.openshift.io/deployment-ingresscontroller"
    assert row["selector"] == '{"matchLabels":{"' + label + '":"default"}}'
    assert (row["disruptions_allowed"], row["current_healthy"], row["desired_healthy"], row["expected_pods"]) == (
        1, 2, 1, 2)
    assert row["line"] == 4  # the item, not the list


@pytest.mark.parametrize("value", [
    {"b": 1, "a": [1, 2.5, None, True]}, {"x": {"z": "é", "nan": float("nan")}}, [], {}, "text",
    {"when": __import__("datetime").date(2020, 1, 1)},
])
def test_nested_values_are_kept_as_compact_sorted_json(value):
    """One shared encoder gives what ``json.dumps`` with the same options gives."""
    import json

    from parsers.kube_objects import _j

    assert _j(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    assert _j(None) is None
