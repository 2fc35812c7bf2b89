"""One hostile or broken piece of a YAML or JSON file loses only itself: a List item, a document.

The rest of the file is read, the piece left out is recorded with the line where it goes wrong
and why, and both YAML loaders (rapidyaml where its scan allows, PyYAML) give the same objects,
lines and records. A file is lost whole only when nothing of it can be read.
"""

from __future__ import annotations

import pytest

from parsers import yaml_fast
from parsers.yaml_docs import DocumentError, iter_objects


@pytest.fixture(params=["rapidyaml", "pyyaml"])
def loader(request, monkeypatch) -> str:
    monkeypatch.setattr(yaml_fast, "ENABLED", request.param == "rapidyaml" and yaml_fast.AVAILABLE)
    return request.param


def _service(name: str, metadata: str = "") -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: shop\n{metadata}"
            "spec:\n  ports:\n  - port: 80\n")


def _go_list(items: list[str]) -> str:
    """``oc get -o yaml``'s List of ``items`` (each item's lines indented under its ``- ``)."""
    body = "".join("- " + item.replace("\n", "\n  ").rstrip(" ") for item in items)
    return "apiVersion: v1\nitems:\n" + body + "kind: List\nmetadata:\n  resourceVersion: \"\"\n"


def _read(text: str | bytes, source: str = "s.yaml") -> tuple[list[tuple[str, int]], list[tuple[int, str]]]:
    """(name, start line) of each object read, and the (line, reason) of each piece left out."""
    problems: list[tuple[int, str]] = []
    data = text.encode() if isinstance(text, str) else text
    names = [(obj["metadata"]["name"], line) for obj, line in iter_objects(data, source, problems)]
    return names, problems


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# what nests deeper than 200 levels, as a key of an object's metadata, and a piece of the line where it does
DEEP = {
    "flow": "  deep: " + "[" * 250 + "]" * 250 + "\n",
    "block": "".join("  " + "  " * i + "k:\n" for i in range(210)) + "  " * 211 + "v: 1\n",
    "sequence": "  deep:\n  " + "- " * 250 + "x\n",
}
DEEP_AT = {"flow": "deep: [", "block": " " * 400, "sequence": "- - -"}


@pytest.mark.parametrize("shape", list(DEEP))
def test_nesting_too_deep_in_one_list_item_loses_that_item_only(loader, shape):
    text = _go_list([_service("a"), _service("b", DEEP[shape]), _service("c")])
    names, problems = _read(text)
    assert [name for name, _ in names] == ["a", "c"]
    deep_line = _line_of(text, DEEP_AT[shape])
    assert problems == [(deep_line, "items[1] left out, not valid YAML: nesting deeper than 200 levels")]


@pytest.mark.parametrize("shape", list(DEEP))
def test_nesting_too_deep_in_one_document_loses_that_document_only(loader, shape):
    text = "---\n" + _service("a") + "---\n" + _service("b", DEEP[shape]) + "---\n" + _service("c")
    names, problems = _read(text)
    assert names == [("a", 2), ("c", _line_of(text, "name: c") - 3)]
    deep_line = _line_of(text, DEEP_AT[shape])
    assert problems == [(deep_line, "document left out, not valid YAML: nesting deeper than 200 levels")]


def test_brackets_left_open_in_several_items_text_do_not_add_up_to_a_refusal(loader):
    """Each item is measured from its own start: 150 ``[`` quoted in each of three items are no nesting."""
    opened = '  note: "' + "[" * 150 + '"\n'
    names, problems = _read(_go_list([_service(n, opened) for n in "abc"]))
    assert [name for name, _ in names] == ["a", "b", "c"] and problems == []


def test_a_file_of_one_piece_nested_too_deep_is_lost_whole_with_the_line():
    with pytest.raises(DocumentError, match=r"^line 8: nesting deeper than 200 levels$"):
        _read(_go_list([_service("a", DEEP["flow"])]))
    with pytest.raises(DocumentError, match=r"^line 6: nesting deeper than 200 levels$"):
        _read(_service("a", DEEP["flow"]))


def test_a_nul_byte_in_one_value_loses_the_list_item_that_holds_it_only(loader):
    text = _go_list([_service("a"), _service("b", "  labels:\n    app: we\x00b\n"), _service("c")])
    names, problems = _read(text)
    assert [name for name, _ in names] == ["a", "c"]
    assert problems == [(_line_of(text, "\x00"), "items[1] left out, not valid YAML: unacceptable character #x0000: "
                                                 "control characters are not allowed")]


def test_a_nul_byte_in_one_document_loses_that_document_only(loader):
    text = "---\n" + _service("a") + "---\n" + _service("b\x00") + "---\n" + _service("c")
    names, problems = _read(text)
    assert [name for name, _ in names] == ["a", "c"]
    assert problems == [(_line_of(text, "\x00"), "document left out, not valid YAML: unacceptable character #x0000: "
                                                 "control characters are not allowed")]


def test_a_list_cut_by_a_run_of_nul_bytes_keeps_the_items_before_it(loader):
    """A crash leaves a file's end as NUL bytes: the items before them are read, the one they cut is recorded."""
    whole = _go_list([_service(n) for n in "abc"])
    cut = whole.index("name: c") + 4
    names, problems = _read(whole[:cut] + "\x00" * 100_000)
    assert [name for name, _ in names] == ["a", "b"]
    [(line, reason)] = problems
    assert line == _line_of(whole, "name: c") and reason.startswith("items[2] left out, not valid YAML: ")


@pytest.mark.parametrize(
    "data",
    [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03kind: List\n", b"PK\x03\x04\x14\x00\x00\x00\x08\x00\nitems:\n",
     "kind: List\n".encode("utf-16-le"), b"\x00" * 4096 + b"kind: List\n"],
    ids=["gzip", "zip", "utf-16", "zeros-first"],
)
def test_a_nul_byte_before_the_first_line_break_is_a_binary_file_lost_whole(data):
    with pytest.raises(DocumentError, match="NUL bytes before its first line break: binary, not a text document"):
        _read(data)


def test_a_bad_document_after_a_list_loses_that_document_only_with_its_line(loader):
    text = "---\n" + _go_list([_service(n) for n in "abc"]) + "---\n: : : bad yaml [\n"
    names, problems = _read(text)
    assert names == [(n, _line_of(text, f"name: {n}") - 3) for n in "abc"]
    assert problems == [(len(text.splitlines()), "document left out, not valid YAML: did not find expected key")]


def test_documents_around_lists_are_read_each_with_its_lines(loader):
    """A List, a Service, another List and a Service (``oc get`` outputs appended): every object, at its own
    line (the documents after a List were dropped without a word)."""
    text = ("---\n" + _go_list([_service("a"), _service("b")]) + "---\n" + _service("c") + "---\n"
            + _go_list([_service("d")]) + "---\n" + _service("e"))
    names, problems = _read(text)
    assert names == [(n, _line_of(text, f"name: {n}") - 3) for n in "abcde"]
    assert problems == []


def test_a_list_whose_own_keys_are_not_valid_keeps_its_items_and_says_where(loader):
    """A line that breaks the List's own keys (no ``---`` before it) loses nothing but those keys."""
    text = _go_list([_service(n) for n in "ab"]) + ": : : bad yaml [\n"
    names, problems = _read(text)
    assert [name for name, _ in names] == ["a", "b"]
    assert problems == [(len(text.splitlines()), "the List's own keys (its items read) left out, not valid YAML: "
                                                 "did not find expected key")]


def test_a_stream_of_nothing_readable_is_lost_whole_with_the_first_bad_line(loader):
    text = "---\nkind: Service\nmetadata: {name: a\n---\n" + _go_list(["a: b: c\n"])
    with pytest.raises(DocumentError, match=r"^line 4: did not find expected ',' or '}'$"):  # where libyaml stops
        _read(text)


def test_directives_belong_to_the_document_after_them(loader):
    text = "---\n" + _go_list([_service("a")]) + "%YAML 1.1\n---\n" + _service("b")
    names, problems = _read(text)
    assert names == [("a", 4), ("b", _line_of(text, "name: b") - 3)] and problems == []


def test_documents_that_are_no_object_are_recorded_wherever_they_are(loader):
    """A string, a number, a list and a null written as documents of a stream, after a List or alone, are each
    recorded with their line; an empty document (a ``---`` line alone) holds nothing to record."""
    text = ("---\n" + _go_list([_service("a")]) + "---\njust a string\n---\n42\n---\n- x\n---\nnull\n---\n~\n---\n"
            "---\n" + _service("b"))
    names, problems = _read(text)
    assert [name for name, _ in names] == ["a", "b"]
    assert problems == [
        (_line_of(text, "just a string"), "document left out: a string, not an object"),
        (_line_of(text, "42"), "document left out: a number, not an object"),
        (_line_of(text, "- x"), "[0] left out: a string, not an object"),
        (_line_of(text, "null"), "document left out: null, not an object"),
        (_line_of(text, "~"), "document left out: null, not an object"),
    ]
    for alone in ("null\n", "---\n~\n"):
        assert _read(alone) == ([], [(alone.count("\n"), "document left out: null, not an object")])
    assert _read("---\n") == ([], []) and _read("# a comment\n") == ([], [])


def _json_service(name: str) -> str:
    return ('{\n    "apiVersion": "v1",\n    "kind": "Service",\n    "metadata": {\n        "name": "' + name
            + '",\n        "namespace": "shop"\n    }\n}\n')


def test_a_json_file_with_text_after_its_value_keeps_the_value_and_records_where_the_rest_starts():
    text = '{"apiVersion": "v1", "kind": "List", "items": [' + _json_service("a") + "]}\n  garbage\x00\x00\n"
    names, problems = _read(text, "services.json")
    assert names == [("a", 1)]
    assert problems == [(len(text.splitlines()), "the rest of the file from column 3 left out (10 bytes), "
                                                 "not a JSON value: Expecting value")]


def test_json_values_appended_one_after_another_are_each_read_at_their_line():
    """``oc get -o json`` outputs appended: each value read, the objects at the line where their value starts;
    a duplicate key in a later value is noted at its line in the file."""
    second = _json_service("b").replace('"namespace": "shop"', '"namespace": "x",\n        "namespace": "shop"')
    text = _json_service("a") + second + _json_service("c") + "{\n"
    problems: list[tuple[int, str]] = []
    caveats: list[tuple[int, str]] = []
    got = [(o["metadata"]["name"], line) for o, line in iter_objects(text.encode(), "s.json", problems, caveats)]
    assert got == [("a", 1), ("b", 9), ("c", 18)]
    assert problems == [(26, "the rest of the file from column 1 left out (2 bytes), not a JSON value: "
                             "Expecting property name enclosed in double quotes")]
    assert caveats == [(15, "duplicate key metadata.namespace (also on line 14): the last value (shop) is used, "
                            "as Kubernetes does")]


def test_a_json_file_with_no_whole_value_is_still_lost_whole():
    with pytest.raises(DocumentError, match=r"^invalid JSON: Expecting"):
        _read(_json_service("a")[:-3], "s.json")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# items of a List and documents of a stream, each good (one Service, named) or bad (none)
GOOD, BAD = "good", "bad"
ITEMS = st.sampled_from([(GOOD, ""), (BAD, DEEP["flow"]), (BAD, DEEP["block"]), (BAD, "  x: \x00\n"),
                         (BAD, "\tx: 1\n"), (GOOD, "  labels: {on: yes}\n")])  # `yes`: PyYAML's, not rapidyaml's
DOCUMENTS = st.one_of(
    st.lists(ITEMS, min_size=1, max_size=4).map(lambda items: ("list", items)),
    ITEMS.map(lambda item: ("document", [item])),
    st.sampled_from([(BAD, ": : : bad yaml [\n"), (BAD, "null\n"), (BAD, "42\n"), (GOOD, "")]).map(
        lambda doc: ("other", [doc])),
)


def _stream(documents: list[tuple[str, list[tuple[str, str]]]]) -> tuple[str, int]:
    """The YAML of ``documents`` and how many Services it holds that can be read."""
    parts, good, n = [], 0, 0
    for shape, pieces in documents:
        if shape == "other":
            [(kind, text)] = pieces
            parts.append(text)
            continue
        services = []
        for kind, metadata in pieces:
            services.append(_service(f"s{n}", metadata))
            good += kind == GOOD
            n += 1
        parts.append(_go_list(services) if shape == "list" else services[0])
    return "".join("---\n" + part for part in parts), good


@settings(max_examples=60, deadline=None)
@given(st.lists(DOCUMENTS, min_size=1, max_size=5))
def test_any_mix_of_good_and_bad_pieces_reads_every_good_object_the_same_on_both_loaders(documents):
    text, good = _stream(documents)
    results = []
    for fast in (True, False):
        yaml_fast.ENABLED = fast and yaml_fast.AVAILABLE
        try:
            results.append(_read(text))
        except DocumentError as exc:
            results.append(str(exc))
        finally:
            yaml_fast.ENABLED = yaml_fast.AVAILABLE and yaml_fast.MODE == "fast"
    assert results[0] == results[1]
    if good:
        names, problems = results[0]
        assert len(names) == good
        assert len(problems) >= sum(kind == BAD for _, pieces in documents for kind, _ in pieces)
