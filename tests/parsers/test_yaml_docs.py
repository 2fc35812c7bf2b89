"""YAML/JSON documents to objects with their start lines; hostile documents refused, never fatal."""

from __future__ import annotations

import json

import pytest

from parsers.yaml_docs import DocumentError, iter_objects
from tests.conftest import INSPECT_SHOP, YAML_DUMP

SHOP = INSPECT_SHOP / "namespaces" / "shop"


def _names(data: bytes, source: str = "x.yaml") -> list[tuple[str, int]]:
    return [(o["metadata"]["name"], line) for o, line in iter_objects(data, source)]


def test_go_yaml_list_items_carry_their_own_start_line():
    data = (SHOP / "core" / "pods.yaml").read_bytes()
    got = _names(data)
    lines = data.decode().splitlines()
    assert [n for n, _ in got] == ["frontend-7d9fc6b8d4-x2k9p", "frontend-7d9fc6b8d4-q8w7e",
                                   "frontend-canary-6b7c8d9e5-z1x2c", "api-5c8f9d7b6-m4n5b"]
    for _, line in got:
        assert lines[line - 1] == "- apiVersion: v1"


def test_list_items_read_in_batches_equal_pyyaml_item_by_item(monkeypatch):
    """Items go to rapidyaml a batch at a time (fd 2 silenced once per batch); the risky ones (YAML 1.1
    words) still go to PyYAML, and every item keeps its place, object and start line."""
    import yaml

    from parsers import yaml_docs, yaml_fast

    items = []
    for i in range(3 * yaml_docs.ITEM_BATCH + 5):
        value = "yes" if i % 7 == 3 else f'"v{i}"'  # `yes` is true to PyYAML and a string to rapidyaml
        items.append(f"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n  data:\n    k: {value}\n")
    data = ("apiVersion: v1\nitems:\n" + "".join(items) + "kind: List\nmetadata:\n  resourceVersion: \"\"\n").encode()
    reference = yaml.load(data, Loader=yaml.CSafeLoader)["items"]
    batches: list[int] = []
    load_items = yaml_fast.load_items
    monkeypatch.setattr(yaml_fast, "load_items", lambda texts: batches.append(len(texts)) or load_items(texts))
    got = list(iter_objects(data, "x.yaml"))
    assert [obj for obj, _ in got] == reference
    assert [line for _, line in got] == [3 + 6 * i for i in range(len(items))]
    assert got[3][0]["data"]["k"] is True and got[4][0]["data"]["k"] == "v4"
    if yaml_fast.ENABLED:
        assert len(batches) == 4 and sum(batches) == len(items) - sum(1 for i in range(len(items)) if i % 7 == 3)


def test_single_object_with_and_without_leading_document_marker():
    with_marker = b"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"
    assert _names(with_marker) == [("a", 2)]
    assert _names(with_marker[4:]) == [("a", 1)]


def test_items_null_and_empty_lists():
    assert list(iter_objects(b"apiVersion: v1\nitems: null\nkind: RouteList\n", "r.yaml")) == []
    assert list(iter_objects(b"apiVersion: v1\nitems: []\nkind: EventList\n", "e.yaml")) == []


def test_several_documents_in_one_stream():
    data = b"kind: Service\nmetadata:\n  name: a\n---\nkind: Service\nmetadata:\n  name: b\n"
    assert _names(data) == [("a", 1), ("b", 5)]


def test_indented_list_layout_falls_back_to_a_whole_document_load_with_lines():
    data = b"kind: ServiceList\nitems:\n  - kind: Service\n    metadata:\n      name: a\n  - kind: Service\n" \
           b"    metadata:\n      name: b\n"
    assert _names(data) == [("a", 3), ("b", 6)]


def test_json_list_and_plain_oc_list_kind():
    data = (YAML_DUMP / "svc-store.json").read_bytes()
    [(svc, _)] = list(iter_objects(data, "svc-store.json"))
    assert svc["kind"] == "Service" and svc["spec"]["ports"][0]["targetPort"] == 8443
    routes = list(iter_objects((YAML_DUMP / "routes-store.yaml").read_bytes(), "routes-store.yaml"))
    assert [o["metadata"]["name"] for o, _ in routes] == ["checkout"]
    assert json.loads(b'{"kind": "Pod", "metadata": {"name": "p"}}')  # sanity of the JSON sample itself
    assert _names(b'{"kind": "Pod", "metadata": {"name": "p"}}', "p.json") == [("p", 1)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
         b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
         b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkind: X\n", "alias bomb"),
        (b"kind: X\nspec: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting deeper"),
        (b"kind: X\n" + b"".join(b"  " * i + b"k:\n" for i in range(1, 400)), "nesting deeper"),
        (b"kind: X\x00\n", "NUL"),
        (b"kind: [unclosed\n", "line"),
        (b'{"kind": ', "invalid JSON"),
    ],
    ids=["billion-laughs", "flow-nesting", "block-nesting", "nul", "syntax", "json"],
)
def test_hostile_or_broken_documents_raise_a_one_line_document_error(data, message):
    source = "x.json" if data.startswith(b"{") else "x.yaml"
    with pytest.raises(DocumentError) as err:
        list(iter_objects(data, source))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_invalid_utf8_is_replaced_not_fatal():
    [(obj, _)] = list(iter_objects(b"kind: Pod\nmetadata:\n  name: p\n  labels:\n    a: \"\xff\xfe\"\n", "p.yaml"))
    assert obj["metadata"]["labels"]["a"] == "\ufffd\ufffd"


def test_non_mapping_items_are_ignored():
    assert _names(b"kind: PodList\nitems:\n- just a string\n- kind: Pod\n  metadata:\n    name: p\n") == [("p", 4)]


def _service(name: str) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: shop\n"
            "spec:\n  ports:\n  - port: 80\n")


# one document per Service, the third not valid YAML (an unclosed flow mapping)
BAD_THIRD_DOCUMENT = (
    "---\n" + _service("a") + "---\n" + _service("b")
    + "---\nkind: Service\nmetadata: {name: broken\n  oops: [\n" + "---\n" + _service("d")
).encode()


@pytest.mark.parametrize("fast", [True, False], ids=["rapidyaml", "pyyaml"])
def test_a_bad_document_is_left_out_with_its_line_and_the_others_kept(monkeypatch, fast):
    from parsers import yaml_fast

    monkeypatch.setattr(yaml_fast, "ENABLED", fast and yaml_fast.AVAILABLE)
    problems: list[tuple[int, str]] = []
    got = [(o["metadata"]["name"], line) for o, line in iter_objects(BAD_THIRD_DOCUMENT, "s.yaml", problems)]
    assert got == [("a", 2), ("b", 11), ("d", 24)]
    [(line, reason)] = problems
    assert 20 <= line <= 22 and reason.startswith("document left out, not valid YAML: ")


def _go_list(items: list[str]) -> bytes:
    body = "".join("- " + item.replace("\n", "\n  ").rstrip(" ") for item in items)
    return ("apiVersion: v1\nitems:\n" + body + "kind: List\nmetadata:\n  resourceVersion: \"\"\n").encode()


@pytest.mark.parametrize("fast", [True, False], ids=["rapidyaml", "pyyaml"])
def test_a_tab_indented_line_loses_its_list_item_only(monkeypatch, fast):
    from parsers import yaml_fast

    monkeypatch.setattr(yaml_fast, "ENABLED", fast and yaml_fast.AVAILABLE)
    data = _go_list([_service("a"), _service("b").replace("spec:\n", "spec:\n\tbad: 1\n"), _service("c")])
    problems: list[tuple[int, str]] = []
    got = [(o["metadata"]["name"], line) for o, line in iter_objects(data, "s.yaml", problems)]
    assert got == [("a", 3), ("c", 20)]
    [(line, reason)] = problems
    assert data.decode().splitlines()[line - 1] == "  \tbad: 1"
    assert reason.startswith("items[1] left out, not valid YAML: ")


def test_a_list_whose_every_item_is_invalid_is_one_document_error():
    with pytest.raises(DocumentError, match=r"^line 9: "):  # the tab's line in the file
        list(iter_objects(_go_list([_service("a").replace("spec:\n", "spec:\n\tbad: 1\n")]), "s.yaml"))


@pytest.mark.parametrize(
    ("data", "noted"),
    [
        (b"kind: PodList\nitems:\n- just a string\n- 42\n- null\n- kind: Pod\n  metadata:\n    name: p\n",
         [(3, "items[0] left out: a string, not an object"), (4, "items[1] left out: a number, not an object"),
          (5, "items[2] left out: null, not an object")]),
        (b"kind: PodList\nitems: {a: 1}\n---\nkind: Pod\nmetadata:\n  name: p\n",
         [(2, "items left out: a mapping, not a list")]),
        (b'{"kind": "PodList", "items": ["s", {"kind": "Pod", "metadata": {"name": "p"}}]}',
         [(1, "items[0] left out: a string, not an object")]),
    ],
    ids=["go-list-items", "items-a-mapping", "json-items"],
)
def test_what_is_no_object_is_noted_with_its_line(data, noted):
    problems: list[tuple[int, str]] = []
    source = "x.json" if data.startswith(b"{") else "x.yaml"
    assert [o["metadata"]["name"] for o, _ in iter_objects(data, source, problems)] == ["p"]
    assert problems == noted


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

YAMLISH = st.text(alphabet=st.sampled_from(list("abc:- \n[]{}&*!|>'\"#%@`\t0123456789")), max_size=400)


@settings(max_examples=300, deadline=None)
@given(st.one_of(YAMLISH.map(str.encode), st.binary(max_size=300)))
def test_fuzzed_documents_give_objects_or_a_document_error(data):
    try:
        objects = list(iter_objects(data, "fuzz.yaml"))
    except DocumentError:
        return
    assert all(isinstance(obj, dict) and isinstance(line, int) and line >= 1 for obj, line in objects)


# a Service with two targetPort lines and a Route with two host lines, in a go-yaml List (whose own
# metadata repeats a key too, after the items)
DUPLICATE_KEYS = b"""apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    ports:
    - name: http
      port: 80
      targetPort: 8443
      targetPort: 8080
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata:
    annotations:
      haproxy.router.openshift.io/timeout: 30s
      haproxy.router.openshift.io/timeout: 2m
    name: web
  spec:
    host: old.example.com
    host: web.example.com
    to:
      name: web
kind: List
metadata:
  resourceVersion: "1"
  resourceVersion: "2"
"""
DUPLICATE_NOTES = [
    (12, "duplicate key spec.ports[0].targetPort (also on line 11): the last value (8080) is used, as Kubernetes does"),
    (18, 'duplicate key metadata.annotations["haproxy.router.openshift.io/timeout"] (also on line 17): '
         "the last value (2m) is used, as Kubernetes does"),
    (22, "duplicate key spec.host (also on line 21): the last value (web.example.com) is used, as Kubernetes does"),
    (28, "duplicate key metadata.resourceVersion (also on line 27): the last value (2) is used, as Kubernetes does"),
]


@pytest.mark.parametrize("fast", [True, False], ids=["rapidyaml", "pyyaml"])
def test_duplicate_keys_keep_the_last_value_and_are_noted_with_line_and_path(monkeypatch, fast):
    from parsers import yaml_fast

    monkeypatch.setattr(yaml_fast, "ENABLED", fast and yaml_fast.AVAILABLE)
    problems: list[tuple[int, str]] = []
    caveats: list[tuple[int, str]] = []
    (service, _), (route, _) = iter_objects(DUPLICATE_KEYS, "dump.yaml", problems, caveats)
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080}]
    assert route["spec"]["host"] == "web.example.com"
    assert route["metadata"]["annotations"] == {"haproxy.router.openshift.io/timeout": "2m"}
    assert problems == []  # nothing is lost: every object is read
    assert sorted(caveats) == DUPLICATE_NOTES  # the same from both loaders, at the line of the value kept


def test_duplicate_keys_in_whole_documents_and_streams_are_noted_at_the_file_line():
    stream = (b"---\nkind: Service\nmetadata:\n  name: a\n---\nkind: Route\nmetadata:\n  name: r\n"
              b"spec:\n  host: a.example.com\n  to: {name: a}\n  host: b.example.com\n")
    caveats: list[tuple[int, str]] = []
    assert [o["spec"]["host"] for o, _ in iter_objects(stream, "s.yaml", None, caveats) if "spec" in o] == [
        "b.example.com"]
    assert caveats == [(12, "duplicate key spec.host (also on line 10): the last value (b.example.com) is used, "
                            "as Kubernetes does")]
    # a List read whole (items indented, not go-yaml's layout): the path still starts at the object
    whole = b"kind: List\nitems:\n  - kind: Service\n    metadata: {name: a}\n    spec:\n      type: A\n      type: B\n"
    caveats = []
    assert [o["spec"] for o, _ in iter_objects(whole, "l.yaml", None, caveats)] == [{"type": "B"}]
    assert caveats == [(7, "duplicate key spec.type (also on line 6): the last value (B) is used, as Kubernetes does")]
    # go-yaml's layout but no List: read whole after all, each duplicate noted once
    thing = b"apiVersion: v1\nitems:\n- a: 1\nkind: Thing\nmetadata:\n  name: x\n  name: y\n"
    caveats = []
    assert [o["metadata"] for o, _ in iter_objects(thing, "t.yaml", None, caveats)] == [{"name": "y"}]
    assert caveats == [(7, "duplicate key metadata.name (also on line 6): the last value (y) is used, "
                           "as Kubernetes does")]


def test_a_merge_key_overridden_is_no_duplicate_and_a_clean_file_has_no_note():
    merged = b"base: &b {port: 1, name: x}\nkind: Service\nspec:\n  <<: *b\n  port: 2\n"
    caveats: list[tuple[int, str]] = []
    [(obj, _)] = iter_objects(merged, "m.yaml", None, caveats)
    assert obj["spec"] == {"port": 2, "name": "x"} and caveats == []
    list(iter_objects((SHOP / "core" / "pods.yaml").read_bytes(), "pods.yaml", None, caveats))
    assert caveats == []


def _as_json_with_duplicate(doc: dict, path: list, earlier: object) -> str:
    """``oc get -o json``'s layout (4-space indent) of ``doc``, with the key at ``path`` written twice:
    first with ``earlier``, then with its value in ``doc`` (the one kept)."""
    marker = "__duplicate__"
    *parents, key = path
    target = doc
    for step in parents:
        target = target[step]
    target[marker] = earlier
    target[key] = target.pop(key)  # after the marker, as the value written last
    text = json.dumps(doc, indent=4)
    return text.replace(f'"{marker}"', json.dumps(key))


def test_a_json_list_with_a_duplicate_key_keeps_the_last_value_and_notes_it_as_yaml_does():
    """``json.loads`` keeps the last value silently: it is kept (as Kubernetes does) and noted, in the
    words, key path and line (of the value kept) a YAML dump of the same duplicate gets."""
    import yaml

    items = [o for o, _ in iter_objects(DUPLICATE_KEYS, "dump.yaml")]
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": "2"}}
    text = _as_json_with_duplicate(doc, ["items", 0, "spec", "ports", 0, "targetPort"], 8443)
    problems: list[tuple[int, str]] = []
    caveats: list[tuple[int, str]] = []
    objects = [o for o, _ in iter_objects(text.encode(), "services.json", problems, caveats)]
    assert objects[0]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080}]  # the last
    assert objects[1] == items[1] and problems == []
    kept = next(i for i, line in enumerate(text.splitlines(), 1) if '"targetPort": 8080' in line)
    assert caveats == [(kept, "duplicate key spec.ports[0].targetPort (also on line "
                              f"{kept - 1}): the last value (8080) is used, as Kubernetes does")]
    assert _worded(caveats) == _worded(DUPLICATE_NOTES[:1])  # the YAML dump's note for it, but for its lines
    # the same object as YAML (a List read whole, indented items) and as JSON: the same reason
    yaml_text = yaml.safe_dump({**doc, "items": [items[1]]}).replace(
        "host: web.example.com\n", "host: old.example.com\n    host: web.example.com\n")
    yaml_notes: list[tuple[int, str]] = []
    list(iter_objects(yaml_text.encode(), "routes.yaml", None, yaml_notes))
    route = _as_json_with_duplicate({**doc, "items": [items[1]]}, ["items", 0, "spec", "host"], "old.example.com")
    json_notes: list[tuple[int, str]] = []
    list(iter_objects(route.encode(), "routes.json", None, json_notes))
    assert len(json_notes) == 1 and _worded(json_notes) == _worded(yaml_notes) == _worded(DUPLICATE_NOTES[2:3])


def _worded(notes: list[tuple[int, str]]) -> list[str]:
    """The notes' reasons with their line numbers left out (a YAML and a JSON dump lay lines out apart)."""
    import re

    return [re.sub(r"lines? [\d, ]+", "line N", reason) for _, reason in notes]


def test_json_duplicate_keys_anywhere_are_noted_and_a_clean_json_file_has_none():
    odd = (b'[{"kind": "Route", "metadata": {"name": "a", "annotations": {"x/y": "1", "x/y": ""}},\n'
           b' "spec": {"to": {"name": "a"}, "tls": {"t": 1}, "tls": {"t": 2}}}]')
    caveats: list[tuple[int, str]] = []
    [(obj, _)] = iter_objects(odd, "odd.json", None, caveats)
    assert obj["spec"]["tls"] == {"t": 2} and obj["metadata"]["annotations"] == {"x/y": ""}
    assert caveats == [
        (1, 'duplicate key metadata.annotations["x/y"] (also on line 1): the last value (empty) is used, '
            "as Kubernetes does"),
        (2, "duplicate key spec.tls (also on line 2): the last value (a mapping) is used, as Kubernetes does"),
    ]
    items = [o for o, _ in iter_objects((SHOP / "core" / "pods.yaml").read_bytes(), "pods.yaml")]
    clean = json.dumps({"kind": "PodList", "items": items}, indent=4).encode()
    caveats = []
    assert [o for o, _ in iter_objects(clean, "pods.json", None, caveats)] == items
    assert caveats == []
