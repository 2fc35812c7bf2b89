"""Roots are found by content; every member path maps to its meaning in the real layout."""

from __future__ import annotations

import shutil

from parsers.inputs import open_input
from parsers.layout import access_log_members, classify, find_roots, index_input
from tests.conftest import INSPECT_SHOP, MGC, MUST_GATHER, YAML_DUMP, make_tar, realworld

IMG = (
    "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-"
    "1f0e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"
)


def test_roots_are_found_by_content_not_by_name():
    names = [
        "mg/registry-example-com-mirror-must-gather-sha256-abc/namespaces/a/core/pods.yaml",
        "mg/registry-example-com-mirror-must-gather-sha256-abc/cluster-scoped-resources/core/nodes/n1.yaml",
        "mg/node-1/img2/namespaces/b/b.yaml",
        "mg/timestamp",
    ]
    assert find_roots(names) == ["mg/registry-example-com-mirror-must-gather-sha256-abc", "mg/node-1/img2"]
    assert find_roots(["namespaces/x/x.yaml"]) == [""]
    assert find_roots(["routes.yaml", "dir/svc.json"]) == []


def test_cluster_scoped_namespaces_dir_does_not_create_a_false_root():
    names = ["r/cluster-scoped-resources/core/namespaces/foo.yaml"]
    assert find_roots(names) == ["r"]
    place = classify(names[0], ["r"])
    assert (place.category, place.namespace, place.group, place.resource, place.name) == (
        "object",
        None,
        "core",
        "namespaces",
        "foo",
    )


def test_classify_every_kind_of_member():
    roots = ["mg/img"]
    cases = {
        "mg/img/namespaces/shop/shop.yaml": ("namespace", "shop", None, "namespaces"),
        "mg/img/namespaces/shop/core/pods.yaml": ("list", "shop", "core", "pods"),
        "mg/img/namespaces/shop/route.openshift.io/routes/web.yaml": ("object", "shop", "route.openshift.io", "routes"),
        "mg/img/namespaces/shop/pods/web-1/web-1.yaml": ("pod-manifest", "shop", None, "pods"),
        "mg/img/cluster-scoped-resources/config.openshift.io/clusterversions/version.yaml": (
            "object",
            None,
            "config.openshift.io",
            "clusterversions",
        ),
        "mg/img/cluster-scoped-resources/config.openshift.io/ingresses.yaml": (
            "list",
            None,
            "config.openshift.io",
            "ingresses",
        ),
    }
    for name, (category, ns, group, resource) in cases.items():
        p = classify(name, roots)
        assert (p.category, p.namespace, p.group, p.resource) == (category, ns, group, resource), name
    log = classify("mg/img/namespaces/openshift-ingress/pods/router-default-1/logs/logs/logs/current.log", roots)
    assert (log.category, log.pod, log.container) == ("container-log", "router-default-1", "logs")
    insecure = classify("mg/img/namespaces/x/pods/p/c/c/logs/previous.insecure.log", roots)
    assert insecure.category == "container-log"
    rotated = classify("mg/img/namespaces/x/pods/p/c/c/logs/rotated/0.log.20231102-061208.gz", roots)
    assert (rotated.category, rotated.container) == ("rotated-log", "c")
    cfg = classify("mg/img/ingress_controllers/default/router-default-6dd4c95495-7dqkw/haproxy.config", roots)
    assert (cfg.category, cfg.ingresscontroller, cfg.pod) == (
        "haproxy-config",
        "default",
        "router-default-6dd4c95495-7dqkw",
    )
    assert classify("mg/img/timestamp", roots).category == "timestamp"
    assert classify("mg/img/event-filter.html", roots).category == "other"
    assert classify("mg/img/namespaces/x/pods/p/c/c/logs/odd.txt", roots).category == "other"


def test_input_kinds_of_the_shapes(tmp_path):
    assert index_input(open_input(MUST_GATHER)).kind == "must-gather"
    assert index_input(open_input(MUST_GATHER / IMG)).kind == "must-gather"  # a bare image dir
    assert index_input(open_input(INSPECT_SHOP)).kind == "inspect"
    assert index_input(open_input(YAML_DUMP)).kind == "yaml-dump"
    assert index_input(open_input(make_tar(INSPECT_SHOP, tmp_path / "i.tar.gz"))).kind == "inspect"
    assert index_input(open_input(make_tar(MUST_GATHER, tmp_path / "m.tar.xz", "w:xz"))).kind == "must-gather"


def test_node_name_level_and_two_image_dirs_give_several_roots(tmp_path):
    tree = tmp_path / "must-gather.local.1"
    shutil.copytree(MUST_GATHER / IMG, tree / "worker-0" / IMG)
    shutil.copytree(INSPECT_SHOP / "namespaces", tree / "quay-io-other-image-sha256-22" / "namespaces")
    idx = index_input(open_input(tree))
    assert idx.roots == ["quay-io-other-image-sha256-22", f"worker-0/{IMG}"]
    assert idx.kind == "must-gather"
    shop_routes = [
        m for m, p in idx.places if p.category == "list" and p.resource == "routes" and p.namespace == "shop"
    ]
    assert len(shop_routes) == 1


def test_access_logs_are_the_logs_sidecar_of_router_pods(tmp_path):
    root = tmp_path / "mg" / "img"
    base = root / "namespaces" / "openshift-ingress" / "pods" / "router-default-abc-x1"
    for container in ("logs", "router"):
        (base / container / container / "logs" / "rotated").mkdir(parents=True)
        (base / container / container / "logs" / "current.log").write_text("x\n")
    (base / "logs" / "logs" / "logs" / "rotated" / "0.log.20261120-081500.gz").write_bytes(b"")
    (root / "namespaces" / "shop" / "pods" / "web" / "logs" / "logs" / "logs").mkdir(parents=True)
    (root / "namespaces" / "shop" / "pods" / "web" / "logs" / "logs" / "logs" / "current.log").write_text("x\n")
    src = open_input(tmp_path / "mg")
    found = sorted((m.name.split("/")[-1], pod) for m, pod in access_log_members(src))
    assert found == [("0.log.20261120-081500.gz", "router-default-abc-x1"), ("current.log", "router-default-abc-x1")]


def test_real_archive_layout():
    archive = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    idx = index_input(open_input(archive))
    assert idx.kind == "must-gather"
    assert len(idx.roots) == 1 and idx.roots[0].startswith("must-gather-aws/quay-io-openshift-release-dev")
    configs = idx.select("haproxy-config")
    assert sorted(p.pod for _, p in configs) == ["router-default-6dd4c95495-7dqkw", "router-default-6dd4c95495-vcnb6"]
    namespaces = {p.namespace for _, p in idx.places if p.category == "namespace"}
    assert {"openshift-ingress", "openshift-console", "openshift-monitoring"} <= namespaces
    assert len(namespaces) == 56  # mustgather-layout.md §2: 56 fully inspected namespaces in the aws sample
    assert access_log_members(open_input(archive), idx) == []  # access logging was off on these clusters
    assert MGC.exists()
