"""rapidyaml is used only where it gives the very objects libyaml's CSafeLoader gives.

The reference is PyYAML: every YAML file of the real archives (directories and archive members,
read in memory) and of the fixtures is loaded both ways, item by item, and compared with types
(``1`` is not ``"1"`` is not ``True``). A table of YAML 1.1 traps and generated documents check
that the risk scan sends every trap to PyYAML.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import subprocess
import sys
import tarfile
from itertools import accumulate

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsers import yaml_docs, yaml_fast, yaml_loader
from tests.conftest import FIXTURES, REALWORLD, REPO

pytestmark = pytest.mark.skipif(not yaml_fast.ENABLED, reason="rapidyaml (ryml) is not installed or MGA_YAML=pyyaml")


def same(a, b) -> bool:
    """Equal values of the same types all the way down (and the same key order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def reference(text: str) -> list:
    return yaml_loader.load_all(text)


def yaml_texts(root):
    """(name, bytes) of every YAML file under ``root``, archive members included (read in memory)."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix in (".yaml", ".yml"):
            yield str(path), path.read_bytes()
        elif path.name.endswith((".tar.xz", ".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path) as archive:
                for member in archive:
                    if member.isfile() and member.name.endswith((".yaml", ".yml")):
                        yield f"{path.name}:{member.name}", archive.extractfile(member).read()


def compare_whole(name: str, text: str) -> bool:
    """A file that is not a go-yaml list, loaded whole both ways; True when rapidyaml loaded it."""
    got = yaml_fast.load_item(text)
    if got is None:
        return False
    assert same(got, reference(text)), f"{name}: rapidyaml and PyYAML differ on the whole file"
    return True


def compare_tree(root) -> tuple[int, int]:
    """Every go-yaml list item under ``root`` loaded both ways; returns (items, items rapidyaml loaded).

    Files that are not such lists are loaded whole both ways (any difference fails) and count as
    one item.
    """
    items = fast = 0
    for name, data in yaml_texts(root):
        try:
            text = yaml_docs._decode(data)
            split = yaml_docs._split_go_list(text)
            if split is None:
                reference(text)  # PyYAML refuses some of the fuzzed or truncated files: skip those
        except yaml_docs.DocumentError:
            continue
        if split is None:
            items += 1
            fast += compare_whole(name, text)
            continue
        _, parts, body = split
        offsets = yaml_fast.risky_offsets(body, list(accumulate((len(t) for t, _ in parts[:-1]), initial=0)))
        start = 0
        for item, _line in parts:
            end = start + len(item)
            items += 1
            checked = not any(start <= o < end for o in offsets)
            got = yaml_fast.load_item(item, checked=checked)
            if got is not None:
                fast += 1
                assert same(got, reference(item)), f"{name}: rapidyaml and PyYAML differ on:\n{item[:2000]}"
            start = end
    return items, fast


def test_every_real_archive_item_is_loaded_identically():
    if not REALWORLD.exists():
        pytest.skip(f"../shared/realworld not present here ({REALWORLD} missing): real-archive test skipped")
    items, fast = compare_tree(REALWORLD)
    assert items > 10_000
    assert fast / items > 0.75  # the accelerator is not refusing everything (84% with rapidyaml 0.15)


def test_every_fixture_item_is_loaded_identically():
    items, fast = compare_tree(FIXTURES)
    assert items > 400 and fast > 0


def test_whole_files_give_the_same_objects_and_lines_with_and_without_the_accelerator(monkeypatch):
    if not REALWORLD.exists():
        pytest.skip("../shared/realworld not present here: real-archive test skipped")
    checked = 0
    for name, data in yaml_texts(REALWORLD / "openshift__must-gather-clean"):
        try:
            fast = list(yaml_docs.iter_objects(data, name))
        except yaml_docs.DocumentError:
            continue
        with monkeypatch.context() as m:
            m.setattr(yaml_fast, "ENABLED", False)
            slow = list(yaml_docs.iter_objects(data, name))
        assert [line for _, line in fast] == [line for _, line in slow], name
        assert all(same(a, b) for (a, _), (b, _) in zip(fast, slow, strict=True)), name
        checked += 1
    assert checked > 1000


TRAPS = [
    "yes", "Yes", "YES", "no", "No", "on", "On", "OFF", "off", "y", "Y", "n", "N", "True", "TRUE", "False", "FALSE",
    "~", "Null", "NULL", "017", "00", "0x1F", "0b101", "0o17", "1_000", "-1_000", "12:30", "190:20:30.15", "2026-11-20",
    "2026-11-20T08:30:19Z", "2026-11-20 08:30:19.5 +01:00", ".inf", "-.inf", ".NaN", "1e3", "1.5e3", "1.0e+3", "+12",
    "+1.5", ".5", "-.5", "1.", "Infinity", "NaN", "611e499871", "=", "<<",
]


@pytest.mark.parametrize("value", TRAPS)
@pytest.mark.parametrize("shape", ["- a: {v}\n  b: 1\n", "- a:\n  - {v}\n", "- {v}: x\n", "- a: 1\n  {v}: x\n"])
def test_yaml_11_traps_never_take_the_fast_path_wrongly(value, shape):
    text = shape.format(v=value)
    try:
        want = reference(text)
    except yaml_docs.DocumentError:
        return  # PyYAML refuses it: the loader refuses it too, whatever the fast path would do
    got = yaml_fast.load_item(text)
    assert got is None or same(got, want), (text, got, want)
    offsets = yaml_fast.risky_offsets(text)
    if got is not None:
        assert not offsets


@pytest.mark.parametrize("text", [
    "- a: &x {b: 1}\n  c: *x\n", "- !!str 1\n", "- a: !!binary aGVsbG8=\n", "- a: [1, 2, yes]\n",
    "- a: {b: on}\n", "- ? complex\n  : key\n", "- <<: {a: 1}\n  b: 2\n",
    "- a: \"quoted \\u00e9 \\t tab\"\n  b: 'single ''quote'''\n",
    "- c: |-\n    block\n    text\n  d: >\n    folded\n    text\n",
    "- a: -0\n  b: 0\n  c: -12\n  d: 1.50\n  e: 123456789012345678901234567890\n  f: \n  g: ''\n  h: null\n",
    "- a: 10.128.2.4\n  b: fd01::1\n  c: 1.2.3\n  d: 7e5c-aa\n  e: v1.2\n",
])
def test_other_shapes_are_either_refused_or_identical(text):
    got = yaml_fast.load_item(text)
    assert got is None or same(got, reference(text)), text


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64), st.text(max_size=30),
    st.sampled_from(TRAPS), st.dates(), st.datetimes(timezones=st.just(datetime.UTC)),
)
OBJECTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(min_size=1, max_size=12), OBJECTS, min_size=1, max_size=5),
                      min_size=1, max_size=3),
       width=st.sampled_from([80, 1000]))
def test_generated_documents_load_identically(items, width):
    """PyYAML's own dumper quotes what it must; whatever rapidyaml accepts must equal CSafeLoader."""
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, width=width)
    split = yaml_docs._split_go_list(text)
    if split is None:
        return
    for item, _ in split[1]:
        got = yaml_fast.load_item(item)
        assert got is None or same(got, reference(item)), item


# Where rapidyaml 0.15 (parse, emit JSON, json.loads) reads otherwise than libyaml: each snippet
# must be refused by the scan, and the loader must still give PyYAML's objects (or its error).
RAPIDYAML_DIFFERS = {
    "yes/no/on/off": "- a: yes\n  b: Off\n",
    "capitalised bools": "- a: True\n  b: FALSE\n",
    "null spellings": "- a: ~\n  b: Null\n  c: NULL\n",
    "octal, hex, binary": "- a: 017\n  b: 0o17\n  c: 0x1F\n  d: 0b11\n",
    "underscores and sexagesimal": "- a: 1_000\n  b: 1:20\n  c: 190:20:30.15\n",
    "float specials": "- a: .inf\n  b: -.Inf\n  c: .NaN\n",
    "plain inf/nan words rewritten": "- a: nan\n  b: inf\n  c: infinity\n  d: -inf\n",
    "exponent without dot": "- a: 1e3\n  b: 611e499871\n  c: 1.5e3\n",
    "sign and bare dot": "- a: +12\n  b: -.5\n",
    "timestamps": "- a: 2026-11-20\n  b: 2026-11-20T08:30:19Z\n  c: 2026-11-20 08:30:19.5 +01:00\n",
    "merge key": "- base: &b {x: 1}\n  <<: *b\n",
    "value key": "- a: =\n",
    "anchors and aliases": "- a: &x 5\n  b: *x\n",
    "tags": "- a: !!str 5\n  b: !!binary aGk=\n",
    "non-string keys": "- 1: a\n  true: b\n  null: c\n  2026-01-01: d\n",
    "quoted keys rewritten": "- \"nan\": a\n  '.Inf': b\n  \"n\\x61n\": c\n",
    "explicit key": "- ? a\n  : b\n",
    "flow collections": "- a: [1, yes]\n  b: {c: on}\n",
    "several documents": "- a: 1\n---\n- b: 2\n",
    "tab after colon": "- a:\tb\n",
    "reserved indicators": "- a: @x\n  b: `y\n  c: ]z\n",
    "malformed block header": "- a: >6<#\n",
    "last block scalar without line break": "- a: |\n    x",
    "\\L escape loses text": '- "\\r?1!,pP\\LR6!hl\\Ldm"\n',
    "surrogate escape": '- a: "\\ud800"\n',
    "raw line separator": "- a: x\u2028y\n",
    "raw C1 control": "- a: x\x85y\n",
    "multi-line quoted key": '- "a\n  b": c\n',
    "key longer than 1024": "- " + "k" * 1030 + ": v\n",
    "quoted key longer than 1024": '- "' + "k" * 1030 + '": v\n',
    "text after a closing quote": "- 'a2[' -\n",
}


def flattened(docs: list) -> list:
    """The objects ``iter_objects`` yields for these documents: List items, list members, mappings."""
    out: list = []
    for doc in docs:
        members = doc.get("items") or [] if isinstance(doc, dict) and "items" in doc else doc
        out += [m for m in members if isinstance(m, dict)] if isinstance(members, list) else [members]
    return out


@pytest.mark.parametrize("text", RAPIDYAML_DIFFERS.values(), ids=RAPIDYAML_DIFFERS.keys())
def test_every_known_difference_is_refused_and_the_loader_stays_pyyaml(text):
    assert yaml_fast.risky_offsets(text), "the scan lets through a construct rapidyaml reads differently"
    assert yaml_fast.load_item(text) is None
    listed = "kind: List\nitems:\n" + text
    try:
        want = flattened(list(yaml.load_all(listed, Loader=yaml.CSafeLoader)))
    except yaml.YAMLError:
        with pytest.raises(yaml_docs.DocumentError):
            list(yaml_docs.iter_objects(listed.encode(), "x.yaml"))
        return
    got = [obj for obj, _ in yaml_docs.iter_objects(listed.encode(), "x.yaml")]
    assert len(got) == len(want) and all(same(a, b) for a, b in zip(got, want, strict=True))


@pytest.mark.parametrize("text", [
    "- a: 'it''s'\n  b: \"tab\\tnew\\nline \\u00e9\"\n  c: 'trailing  '\n  d: \"\"\n",
    "- a: |-\n    keep: [1, 2]\n    yes: no\n  b: >\n    folded\n    text\n\n  c: |+\n    kept\n\n",
    "- a: 'one: \"quoted\" value'\n  b: '{\"effect\": \"PreferredDuringScheduling\"}'\n",
    "- a: \"long " + "x" * 3000 + "\"\n  b: " + "y" * 3000 + "\n",
    "- a:\n  b: \n  c: []\n  d: {}\n  e: -0\n  f: 1.50\n  g: 123456789012345678901234567890\n",
    "- a: 10.128.2.4\n  b: 100m\n  c: 1Gi\n  d: v1.2.3\n  e: 5d44f46676\n  f: fd01::1\n  g: é ü 😀\n",
])
def test_ordinary_kubernetes_text_takes_the_fast_path_with_the_same_objects(text):
    assert yaml_fast.risky_offsets(text) == []
    got = yaml_fast.load_item(text)
    assert got is not None and same(got, reference(text))


@pytest.mark.parametrize("text", [
    '- a:\n    b: "x\n  c: |\n    "\n    d: yes\n',  # `c: |` is text of the quoted b, d is a real key
    "- a:\n    b: 'x\n  c: |\n    '\n    d: [on]\n",
])
def test_a_block_header_inside_a_quoted_scalar_hides_nothing(text):
    assert yaml_fast.risky_offsets(text)
    assert yaml_fast.load_item(text) is None


SAFE_WORDS = st.sampled_from(["Running", "True", "yes", "10.0.0.1", "100m", "1e3", "0x1F", "", " x", "a: b", "#c"])
K8S_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63), SAFE_WORDS,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
K8S_OBJECTS = st.recursive(
    K8S_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.from_regex(r"[a-zA-Z][a-zA-Z0-9./_-]{0,20}", fullmatch=True), inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(obj=st.dictionaries(st.sampled_from(["metadata", "spec", "status", "data"]), K8S_OBJECTS, min_size=1),
       flow=st.sampled_from([False, None, True]), width=st.sampled_from([40, 80, 1000]))
def test_kubernetes_like_dumps_load_identically(obj, flow, width):
    """safe_dump's block, mixed and flow styles: whatever rapidyaml loads equals CSafeLoader's objects."""
    text = yaml.safe_dump([{"apiVersion": "v1", "kind": "Pod", **obj}], default_flow_style=flow, width=width)
    got = yaml_fast.load_item(text)
    assert got is None or same(got, reference(text)), text


def test_one_switch_module_attribute_and_environment(monkeypatch):
    """MGA_YAML picks the loader at import; ENABLED off means rapidyaml is never called."""
    for mode, expected in (("pyyaml", "False"), ("fast", "True"), ("", "True")):
        env = {**os.environ, "MGA_YAML": mode}
        out = subprocess.run([sys.executable, "-c", "from parsers import yaml_fast; print(yaml_fast.ENABLED)"],
                             env=env, capture_output=True, text=True, check=True, cwd=REPO).stdout.strip()
        assert out == expected, mode
    monkeypatch.setattr(yaml_fast, "ENABLED", False)
    monkeypatch.setattr(yaml_fast.ryml, "parse_in_arena", lambda *a: pytest.fail("rapidyaml called"))
    objects = list(yaml_docs.iter_objects(b"kind: PodList\nitems:\n- kind: Pod\n  metadata:\n    name: p\n", "p.yaml"))
    assert [(o["metadata"]["name"], line) for o, line in objects] == [("p", 3)]


def test_rapidyaml_parse_errors_stay_off_stderr(capfd):
    assert yaml_fast.load_item("- a: [unclosed\n", checked=True) is None  # rapidyaml raises
    assert capfd.readouterr().err == ""
    assert yaml_fast.load_item("- a: 1\n", checked=True) == [[{"a": 1}]]  # and stderr is back
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"


def test_an_item_with_a_duplicate_key_goes_to_pyyaml_which_notes_it():
    """json.loads would keep the last value silently: rapidyaml refuses, PyYAML keeps it and says where."""
    item = "- kind: Route\n  spec:\n    host: a.example.com\n    host: b.example.com\n"
    assert not yaml_fast.risky_offsets(item)  # nothing else would send it to PyYAML
    assert yaml_fast.load_item(item) is None
    assert yaml_fast.load_item(item.replace("    host: a.example.com\n", "")) == [[{"kind": "Route", "spec": {
        "host": "b.example.com"}}]]
    notes: list[tuple[int, str]] = []
    assert yaml_loader.load_all(item, notes) == [[{"kind": "Route", "spec": {"host": "b.example.com"}}]]
    assert notes == [(4, "duplicate key spec.host (also on line 3): the last value (b.example.com) is used, "
                         "as Kubernetes does")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="\"' :x#\n|>-+\t\\uLP", max_size=60), st.integers(0, 5), st.integers(0, 5))
@example("a: \" ' x\n", 0, 0)  # the second quote is inside the first one's match: no match of its own
@example("k: | # ->\n", 0, 0)  # likewise a `>` in a header's comment
def test_a_pair_of_literal_led_patterns_finds_what_their_alternation_finds(text, cut_start, cut_end):
    start, end = min(cut_start, len(text)), max(len(text) - cut_end, 0)
    for pair in (yaml_fast._QUOTE, yaml_fast._HEADER, yaml_fast._PASSES[0]):
        alternation = re.compile("|".join(f"(?:{rx.pattern})" for rx in pair), pair[0].flags)
        assert [m.span() for m in yaml_fast._finditer(pair, text, start, end)] == [
            m.span() for m in alternation.finditer(text, start, end)
        ]


@pytest.mark.skipif(not yaml_fast.AVAILABLE, reason="rapidyaml not installed")
def test_the_reused_json_buffer_gives_what_emit_json_gives(monkeypatch):
    import ryml

    monkeypatch.setattr(yaml_fast, "_KEPT_BUFFER", 100)
    monkeypatch.setattr(yaml_fast._local, "json_buffer", bytearray(8), raising=False)
    texts = [b"a: b\n", b'a: "x\\0y"\nb: [1]\n', b"k: " + b"z" * 300 + b"\n", b'a: "\\xe9 \\x80"\n', b"[a, b]",
             b"a: 1\n"]
    for text in texts:  # small, then a NUL, then past the kept size, then small again
        tree = ryml.parse_in_arena(text, ryml.Tree())
        assert yaml_fast._emitted_json(tree) == ryml.emit_json(tree)
    assert len(yaml_fast._local.json_buffer) <= 100


def test_a_run_of_refused_characters_is_one_risky_offset_in_the_piece_that_holds_it():
    """A crash's run of NUL bytes (or any character PyYAML refuses) sends its item to PyYAML by one offset,
    not one per character; the run ends at its line, so the next item stays on the fast path."""
    first = "- kind: Pod\n  metadata:\n    name: a" + "\x00" * 1_000_000 + "\x01\r\n"
    second = "- kind: Pod\n  metadata:\n    name: b\n"
    assert yaml_fast.risky_offsets(first + second, [0, len(first)]) == [first.index("\x00")]
