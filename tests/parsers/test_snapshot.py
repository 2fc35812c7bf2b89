"""Every input shape loads into one merged snapshot; loading is selective and accounted for."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime

import pytest

from parsers.load_objects import parse_timestamp_file
from parsers.load_snapshot import load_snapshot
from tests.conftest import INSPECT_SHOP, MUST_GATHER, YAML_DUMP, make_tar, make_zip

IMG = next(p for p in MUST_GATHER.iterdir() if p.is_dir())


def routes_of(snap) -> set[tuple[str, str]]:
    df = snap.frame("routes")
    return set(zip(df["namespace"], df["name"], strict=True))


SHOP_ROUTES = {("shop", "frontend"), ("shop", "api")}
CANARY = {("openshift-ingress-canary", "canary")}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    """Every input shape, built from the hand-written fixture trees."""
    tmp = tmp_path_factory.mktemp("shapes")
    node_level = tmp / "must-gather.local.77" / "worker-0-example-com"
    shutil.copytree(IMG, node_level / IMG.name)
    two_images = tmp / "must-gather.local.88"
    shutil.copytree(IMG, two_images / IMG.name)
    shutil.copytree(INSPECT_SHOP, two_images / "registry-example-org-mirror-must-gather-sha256-0123")
    return {
        "must-gather dir": ([MUST_GATHER], CANARY),
        "bare image dir": ([IMG], CANARY),
        "node-name level": ([node_level.parent], CANARY),
        "two image dirs": ([two_images], CANARY | SHOP_ROUTES),
        "inspect dir": ([INSPECT_SHOP], SHOP_ROUTES),
        "yaml dump dir": ([YAML_DUMP], {("store", "checkout")}),
        "must-gather .tar.gz": ([make_tar(MUST_GATHER, tmp / "mg.tar.gz")], CANARY),
        "must-gather .tgz": ([make_tar(MUST_GATHER, tmp / "mg.tgz")], CANARY),
        "must-gather .tar.xz": ([make_tar(MUST_GATHER, tmp / "mg.tar.xz", "w:xz")], CANARY),
        "must-gather .tar": ([make_tar(MUST_GATHER, tmp / "mg.tar", "w")], CANARY),
        "must-gather .zip": ([make_zip(MUST_GATHER, tmp / "mg.zip")], CANARY),
        "inspect .zip": ([make_zip(INSPECT_SHOP, tmp / "inspect.zip")], SHOP_ROUTES),
        "yaml dump .zip": ([make_zip(YAML_DUMP, tmp / "dump.zip")], {("store", "checkout")}),
        "single yaml file": ([YAML_DUMP / "routes-store.yaml"], {("store", "checkout")}),
        "must-gather + inspect": ([make_tar(MUST_GATHER, tmp / "m.tar.gz"), INSPECT_SHOP], CANARY | SHOP_ROUTES),
    }


SHAPE_NAMES = ["must-gather dir", "bare image dir", "node-name level", "two image dirs", "inspect dir",
               "yaml dump dir", "must-gather .tar.gz", "must-gather .tgz", "must-gather .tar.xz", "must-gather .tar",
               "must-gather .zip", "inspect .zip", "yaml dump .zip", "single yaml file", "must-gather + inspect"]


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_every_input_shape_yields_its_routes(shapes, shape):
    inputs, expected = shapes[shape]
    snap = load_snapshot([str(p) for p in inputs], want_logs=False)
    assert routes_of(snap) == expected
    for record in snap.inputs:
        assert record.files_seen == record.files_read + record.files_skipped


def test_yaml_dump_objects_join_across_files(shapes):
    snap = load_snapshot([str(YAML_DUMP)], want_logs=False)
    assert snap.inputs[0].kind == "yaml-dump"
    svc = snap.frame("services").iloc[0]
    assert (svc["name"], svc["serving_cert_secret"]) == ("checkout", "checkout-tls")
    assert snap.frame("endpoints")["pod"].tolist() == ["checkout-6d5c4b3a2-k7j6h"]


def test_duplicates_across_inputs_are_merged_with_every_source_kept(tmp_path):
    snap = load_snapshot([str(INSPECT_SHOP), str(make_zip(INSPECT_SHOP, tmp_path / "again.zip"))], want_logs=False)
    assert len(snap.frame("routes")) == 3  # frontend (2 backends) + api, not twice
    assert snap.frame("pods")["name"].is_unique


def test_selective_loading_reads_only_namespaces_routes_point_at(tmp_path):
    tree = tmp_path / "inspect.local.9"
    shutil.copytree(INSPECT_SHOP, tree)
    other = tree / "namespaces" / "unrelated"
    (other / "core").mkdir(parents=True)
    (other / "core" / "pods.yaml").write_text("kind: PodList\nitems:\n- kind: Pod\n  metadata:\n    name: x\n"
                                             "    namespace: unrelated\n")
    snap = load_snapshot([str(tree)], want_logs=False)
    assert "unrelated" not in set(snap.frame("pods")["namespace"])
    assert any("not needed" in reason for _, reason in snap.skipped)
    narrowed = load_snapshot([str(tree)], namespaces=["unrelated"], want_logs=False)
    assert "unrelated" in set(narrowed.frame("pods")["namespace"])


def test_collection_window_from_timestamp_files():
    snap = load_snapshot([str(MUST_GATHER)], want_logs=False)
    start, end = snap.collection_window
    assert start == datetime(2026, 11, 20, 8, 13, 58, 201466, tzinfo=UTC)
    assert end == datetime(2026, 11, 20, 8, 17, 2, 870023, tzinfo=UTC)


def test_go_time_strings_in_timestamp_files():
    got = parse_timestamp_file(b"2021-08-03 10:12:00.016988581 +0200 CEST m=+0.380233555\ngarbage\n")
    assert got == [datetime(2021, 8, 3, 8, 12, 0, 16988, tzinfo=UTC)]


def test_unparsable_yaml_member_is_skipped_with_reason(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("inspect/namespaces/shop/route.openshift.io/routes.yaml",
                    (INSPECT_SHOP / "namespaces/shop/route.openshift.io/routes.yaml").read_bytes())
        zf.writestr("inspect/namespaces/shop/core/services.yaml", "kind: ServiceList\nitems: [unclosed\n")
    snap = load_snapshot([str(path)], want_logs=False)
    assert routes_of(snap) == SHOP_ROUTES
    reasons = dict(snap.skipped)
    assert reasons["inspect/namespaces/shop/core/services.yaml"].startswith("not valid YAML/JSON")


def test_documents_parsed_on_two_cores_equal_one_core(monkeypatch):
    from parsers import load_objects, yaml_fast

    files = sorted(p for p in INSPECT_SHOP.rglob("*.yaml"))
    batch = [(str(p), p.read_bytes()) for p in files] + [
        ("partial.yaml", b"kind: PodList\nitems:\n- just a string\n- kind: Pod\n  metadata: {name: p}\n"),
        ("broken.yaml", b"kind: [unclosed\n"),
    ]
    serial = load_objects.parse_documents(batch)
    monkeypatch.setattr(load_objects, "PARALLEL_YAML_BYTES", 1)
    monkeypatch.setattr(load_objects, "YAML_WORKERS", 2)
    monkeypatch.setattr(yaml_fast, "ENABLED", False)  # the pool is used only without the accelerator
    parallel = load_objects.parse_documents(batch)
    assert parallel == serial
    assert parallel[-1][0] == "broken.yaml" and parallel[-1][2] is not None
    assert parallel[-2][3] == [(3, "items[0] left out: a string, not an object")]  # what a file lost, kept


def _shop_with(tmp_path, rel: str, data: bytes | None):
    """A copy of the inspect fixture with ``namespaces/shop/<rel>`` replaced (None: removed)."""
    tree = tmp_path / "inspect.local.3"
    shutil.copytree(INSPECT_SHOP, tree)
    target = tree / "namespaces" / "shop" / rel
    if data is None:
        target.unlink()
    else:
        target.write_bytes(data)
    return tree


LOST_ITEM = {  # a first List item that is lost, and the reason it is skipped with
    "tab": (b"- kind: Thing\n\tbroken: 1\n", "items[0] left out, not valid YAML: found a tab character"),
    "nameless": (b"- kind: Thing\n  metadata: null\n", "object left out: metadata is null, not a mapping"),
}


@pytest.mark.parametrize("how", ["unparsable", "tab", "nameless"])
@pytest.mark.parametrize(
    ("rel", "resource"),
    [("core/services.yaml", "services"), ("core/endpoints.yaml", "endpoints"), ("core/pods.yaml", "pods"),
     ("core/events.yaml", "events"), ("discovery.k8s.io/endpointslices.yaml", "endpointslices")],
)
def test_a_file_that_lost_objects_does_not_count_as_its_resource_collected(tmp_path, rel, resource, how):
    """Absence of an object proves it absent only where every object of the resource was read: a file
    that could not be parsed, or that lost one item, leaves the resource uncollected, as if absent."""
    whole = load_snapshot([str(INSPECT_SHOP)], want_logs=False)
    assert ("shop", resource) in whole.collected_resources
    data = (INSPECT_SHOP / "namespaces" / "shop" / rel).read_bytes()
    lost = b"items: [\n" if how == "unparsable" else data.replace(b"items:\n", b"items:\n" + LOST_ITEM[how][0], 1)
    snap = load_snapshot([str(_shop_with(tmp_path, rel, lost))], want_logs=False)
    assert routes_of(snap) == SHOP_ROUTES
    assert ("shop", resource) not in snap.collected_resources
    assert snap.collected_resources == whole.collected_resources - {("shop", resource)}
    reasons = [reason for source, reason, *_ in snap.skipped if source.endswith(rel)]
    assert len(reasons) == 1
    if how == "unparsable":
        assert reasons[0].startswith("not valid YAML/JSON: ")
    else:
        first_item = data[: data.index(b"items:\n")].count(b"\n") + 2
        line = first_item + (how == "tab")  # the tab's line, or where the nameless object starts
        assert reasons[0].startswith(f"line {line}: {LOST_ITEM[how][1]}")


ROUTES_YAML = (INSPECT_SHOP / "namespaces/shop/route.openshift.io/routes.yaml").read_bytes()


@pytest.mark.parametrize(
    ("first_items", "reasons"),
    [
        (b"- kind: Route\n  metadata: null\n", ["line 4: object left out: metadata is null, not a mapping"]),
        (b"- kind: Route\n  metadata: [a]\n", ["line 4: object left out: metadata is a list, not a mapping"]),
        (b"- kind: Route\n  metadata: {name: [a], namespace: shop}\n",
         ["line 4: object left out: metadata.name is a list, not a string"]),
        (b"- kind: Route\n  metadata: {name: x, namespace: [a]}\n  spec: {to: {name: x}}\n", []),
        (b"- a string\n- 42\n- null\n", ["line 4: items[0] left out: a string, not an object",
                                        "line 5: items[1] left out: a number, not an object",
                                        "line 6: items[2] left out: null, not an object"]),
    ],
    ids=["metadata-null", "metadata-list", "name-list", "namespace-list", "string-number-null"],
)
def test_list_items_that_are_no_objects_are_skipped_with_their_line_and_the_others_read(
    tmp_path, first_items, reasons
):
    routes = ROUTES_YAML.replace(b"items:\n", b"items:\n" + first_items, 1)
    snap = load_snapshot([str(_shop_with(tmp_path, "route.openshift.io/routes.yaml", routes))], want_logs=False)
    assert routes_of(snap) >= SHOP_ROUTES
    assert [r for s, r, *_ in snap.skipped if s.endswith("routes.yaml")] == reasons


def test_items_that_are_not_a_list_are_skipped_with_the_file(tmp_path):
    snap = load_snapshot([str(_shop_with(tmp_path, "core/services.yaml", b"kind: ServiceList\nitems: {a: 1}\n"))],
                         want_logs=False)
    assert routes_of(snap) == SHOP_ROUTES
    assert ("namespaces/shop/core/services.yaml", "line 2: items left out: a mapping, not a list") in snap.skipped
    assert ("shop", "services") not in snap.collected_resources


@pytest.mark.parametrize(
    ("rel", "field", "value", "column"),
    [("core/events.yaml", b"firstTimestamp", b'"0001-01-01T00:38:20Z"', "events.first_seen"),
     ("core/pods.yaml", b"creationTimestamp", b'"9999-12-31T00:00:00Z"', "pods.created")],
)
def test_times_no_nanosecond_timestamp_holds_are_missing_and_recorded(tmp_path, rel, field, value, column):
    data = (INSPECT_SHOP / "namespaces" / "shop" / rel).read_bytes()
    at = data.index(field + b": ")
    changed = data[:at] + field + b": " + value + data[data.index(b"\n", at):]
    snap = load_snapshot([str(_shop_with(tmp_path, rel, changed))], want_logs=False)
    frame, name = column.split(".")
    times = snap.frame(frame)[name]
    assert times.isna().sum() == 1 + load_snapshot([str(INSPECT_SHOP)], want_logs=False).frame(frame)[name].isna().sum()
    line = data[:at].count(b"\n") + 1
    object_line = next(i for i in range(line, 0, -1) if data.splitlines()[i - 1].startswith(b"- "))
    assert (f"namespaces/shop/{rel}", f"line {object_line}: a time outside the years 1677-2262 read as missing "
            f"({column})") in snap.skipped


def test_a_duplicate_key_keeps_the_last_value_and_is_recorded_without_losing_the_resource(tmp_path):
    data = (INSPECT_SHOP / "namespaces" / "shop" / "core" / "services.yaml").read_bytes()
    at = data.index(b"      targetPort: web\n")
    changed = data[:at] + b"      targetPort: 8443\n" + data[at:]
    snap = load_snapshot([str(_shop_with(tmp_path, "core/services.yaml", changed))], want_logs=False)
    ports = snap.frame("service_ports")
    assert ports.loc[ports["service"] == "frontend", "target_port"].tolist() == ["web"]  # the last, as Kubernetes
    line = data[:at].count(b"\n") + 2
    assert ("namespaces/shop/core/services.yaml", f"line {line}: duplicate key spec.ports[0].targetPort (also on "
            f"line {line - 1}): the last value (web) is used, as Kubernetes does") in snap.skipped
    assert ("shop", "services") in snap.collected_resources  # read whole: a caveat, not a loss


def test_a_duplicate_key_in_a_json_list_is_recorded_with_file_line_and_path(tmp_path):
    """``oc get -o json`` dumps are read like YAML ones: the last value kept and the duplicate noted."""
    import json

    import yaml

    doc = yaml.safe_load((INSPECT_SHOP / "namespaces" / "shop" / "core" / "services.yaml").read_text())
    text = json.dumps(doc, indent=4)
    at = text.index('"targetPort": "web"')
    indent = text[text.rindex("\n", 0, at) : at]
    changed = (text[:at] + '"targetPort": 8443,' + indent + text[at:]).encode()
    tree = _shop_with(tmp_path, "core/services.yaml", None)
    (tree / "namespaces" / "shop" / "core" / "services.json").write_bytes(changed)
    snap = load_snapshot([str(tree)], want_logs=False)
    ports = snap.frame("service_ports")
    assert ports.loc[ports["service"] == "frontend", "target_port"].tolist() == ["web"]  # the last, as Kubernetes
    line = text[:at].count("\n") + 2
    assert ("namespaces/shop/core/services.json", f"line {line}: duplicate key spec.ports[0].targetPort (also on "
            f"line {line - 1}): the last value (web) is used, as Kubernetes does") in snap.skipped
    assert ("shop", "services") in snap.collected_resources  # read whole: a caveat, not a loss
