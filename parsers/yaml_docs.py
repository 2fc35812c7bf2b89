"""Kubernetes objects out of YAML/JSON files, each with the line where it starts.

Speed and safety (perf-baseline.md §2): libyaml's ``CSafeLoader`` when available; a go-yaml
``List`` (``items:`` at column 0, items starting ``- `` at column 0, as ``oc`` writes them) is
split and loaded item by item, which bounds memory to one item and gives each item's start line
for free; the cyclic GC is paused around loads because PyYAML's node graph makes full
collections quadratic. Hostile documents (alias bombs, absurd nesting) are refused with a
:class:`DocumentError` instead of hanging (the guarded loader is :mod:`parsers.yaml_loader`, its guards
:mod:`parsers.yaml_guards`), each List item and each document on its own: one hostile piece loses only
itself.

The items of such a List go through rapidyaml instead (:mod:`parsers.yaml_fast`, several times
faster) when a scan of the items' text finds nothing rapidyaml could read otherwise than PyYAML;
an item with anything doubtful (anchors, tags, YAML 1.1 booleans, ...) is loaded by PyYAML, with
every guard above. One switch: ``MGA_YAML=pyyaml`` (or ``yaml_fast.ENABLED = False``) loads
everything with PyYAML; the default is rapidyaml where it is installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import yaml

from parsers import json_keys, yaml_fast
from parsers.kube_objects import in_words
from parsers.yaml_guards import DocumentError, nesting_error, nesting_possible, reject_deep_nesting
from parsers.yaml_loader import Problems, gc_paused, load_all, load_all_nodes


def _json_int(text: str) -> int | str:
    """``int(text)``, or the text itself past Python's integer-string limit (kept as a string)."""
    try:
        return int(text)
    except ValueError:
        return text


def _load_json(text: str, caveats: Problems | None = None, first_line: int = 1) -> Any:
    """``json.loads``; a document with an integer too long to convert is loaded again with it kept as text.

    A key written twice in one object keeps its last value and is noted in ``caveats``, as in YAML, at
    its line in the file (``text`` starts at ``first_line``).
    """
    try:
        return json_keys.loads(text, caveats, first_line=first_line)
    except json.JSONDecodeError:
        raise
    except ValueError:  # only the integer-string limit: the slower per-integer hook, for this file only
        return json_keys.loads(text, caveats, parse_int=_json_int, first_line=first_line)


_ITEMS_RE = re.compile(r"^items:[ \t]*\n", re.MULTILINE)
_TOP_KEY_RE = re.compile(r"\n(?=[A-Za-z_\"'][^\n]*:)")  # before a key at column 0: `re` skips to a literal


def _split_go_list(text: str) -> tuple[str, list[tuple[str, int]], str] | None:
    """Split a go-yaml List into (text without items, [(item text, item start line)], the items' text).

    Returns None when the layout is not the go-yaml one (then the whole document is loaded).
    """
    m = _ITEMS_RE.search(text)
    if not m:
        return None
    body_start = m.end()
    if not text.startswith("- ", body_start):
        return None
    end_match = _TOP_KEY_RE.search(text, body_start)
    body_end = end_match.end() if end_match else len(text)
    body = text[body_start:body_end]
    first_line = text.count("\n", 0, body_start) + 1
    items: list[tuple[str, int]] = []
    line = first_line
    pieces = body.split("\n- ")  # lines starting with "- ", faster than a regex split at each line
    parts = [pieces[0] + "\n" * (len(pieces) > 1)] + ["- " + piece + "\n" for piece in pieces[1:-1]]
    if len(pieces) > 1:
        parts.append("- " + pieces[-1])
    for part in parts:
        items.append((part, line))
        line += part.count("\n")
    rest = text[: m.start()] + text[body_end:]
    return rest, items, body


def _decode(data: bytes) -> str:
    """The text of a file, or a DocumentError for a binary one: a NUL byte before its first line break.

    YAML and JSON start with a line of text (``---``, ``apiVersion: v1``, ``{``) while binary formats
    hold a NUL in their first bytes (gzip, zip, xz, tar, ELF, PNG's first line, UTF-16 and UTF-32
    text). A NUL further on is one character YAML refuses, as any control character: it loses the
    List item or document that holds it, not the file (a run of them, as a crash leaves, is one such
    place).
    """
    nul = data.find(b"\x00")
    if nul >= 0 and data.find(b"\n", 0, nul) < 0:
        raise DocumentError("contains NUL bytes before its first line break: binary, not a text document")
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def iter_objects(
    data: bytes, source: str, problems: Problems | None = None, caveats: Problems | None = None
) -> Iterator[tuple[dict, int]]:
    """Every Kubernetes object in a YAML/JSON file, Lists flattened, with its 1-based start line.

    Raises DocumentError when nothing of the file can be read. Short of that, what cannot be read
    is left out and the rest kept: a List item or a document that is not valid YAML or that a guard
    refuses (nesting too deep, an alias bomb; the documents after a bad one are read too: a ``---``
    line always starts a document), an item or document that is no mapping (a string, a number,
    null), ``items`` that is not a list. Each is appended to ``problems`` (when given) with its line
    and the reason. Every mapping is yielded: whether it is a usable Kubernetes object is
    :func:`parsers.kube_objects.collect`'s to say. What is read with a caveat (a YAML or JSON key
    written twice in one mapping: the last value kept, as Kubernetes does) is appended to
    ``caveats`` the same way; nothing is lost there.
    """
    text = _decode(data)
    stripped = text.lstrip()
    if not stripped:
        return
    deep_possible = nesting_possible(data)  # else no piece of the file needs the nesting check
    if stripped[0] in "{[" and (source.lower().endswith(".json") or stripped[0] == "{"):
        if deep_possible:
            reject_deep_nesting(text)  # JSON is read whole
        values: list[tuple[Any, int]] | None = None  # None: YAML's to read
        try:
            with gc_paused():
                values = [(_load_json(text, caveats), 1)]
        except (json.JSONDecodeError, RecursionError) as exc:
            if source.lower().endswith(".json"):
                if not (isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data"):
                    raise DocumentError(f"invalid JSON: {' '.join(str(exc).split())[:160]}") from None
                with gc_paused():
                    values = _json_values(text, problems, caveats)  # a whole value, then more text
        if values is not None:
            for doc, line in values:
                yield from _flatten_json(doc, "", problems, line)
            return
    yield from _iter_yaml(text, problems, caveats, deep_possible)


def _note(problems: Problems | None, line: int, reason: str) -> None:
    if problems is not None:
        problems.append((line, reason))


def _checked(obj: Any, line: int, where: str, problems: Problems | None) -> Iterator[tuple[dict, int]]:
    """``obj`` when it is a mapping; else noted (but for an empty document: ``where`` "" and null)."""
    if isinstance(obj, dict):
        yield obj, line
    elif obj is not None or where:
        reason = f"{in_words(obj)}, not an object"
        _note(problems, line, f"{where} left out: {reason}" if where else f"document left out: {reason}")


def _list_items(doc: dict, line: int, problems: Problems | None) -> list[Any]:
    """A List's ``items`` (``null`` is an empty list); anything else but a list is noted and read as none."""
    items = doc.get("items")
    if items is None or isinstance(items, list):
        return items or []
    _note(problems, line, f"items left out: {in_words(items)}, not a list")
    return []


def _flatten_json(doc: Any, where: str, problems: Problems | None, line: int = 1) -> Iterator[tuple[dict, int]]:
    """A JSON document's objects, at the line where it starts (JSON is read whole, without positions)."""
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from _flatten_json(item, f"{where}[{i}]", problems, line)
    elif isinstance(doc, dict) and _is_list(doc):
        for i, item in enumerate(_list_items(doc, line, problems)):
            yield from _checked(item, line, f"{where}.items[{i}]" if where else f"items[{i}]", problems)
    else:
        yield from _checked(doc, line, where, problems)


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_ENDS = json.JSONDecoder(parse_int=str, parse_float=str)  # where a value ends, nothing converted


def _json_values(text: str, problems: Problems | None, caveats: Problems | None) -> list[tuple[Any, int]]:
    """Each complete JSON value of ``text`` with its first line, one after another (``oc get -o json``
    outputs appended); from the first text that is no JSON value on, the rest of the file is noted,
    with where it starts and its size, and left out. Called once ``json.loads`` found more after a value.
    """
    values: list[tuple[Any, int]] = []
    at = _JSON_SPACE.match(text).end()  # type: ignore[union-attr]
    while at < len(text):
        line = text.count("\n", 0, at) + 1
        try:
            _, end = _JSON_ENDS.raw_decode(text, at)
        except (json.JSONDecodeError, RecursionError) as exc:
            column = at - text.rfind("\n", 0, at)
            size = len(text[at:].encode("utf-8", "surrogatepass"))
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nesting too deep"
            _note(problems, line, f"the rest of the file from column {column} left out ({size} bytes), "
                                  f"not a JSON value: {reason}")
            break
        values.append((_load_json(text[at:end], caveats, line), line))
        at = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
    return values


def _is_list(doc: dict) -> bool:
    kind = doc.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and "items" in doc


def _iter_yaml(
    text: str, problems: Problems | None, caveats: Problems | None, deep_possible: bool
) -> Iterator[tuple[dict, int]]:
    """The objects of a YAML stream, each document (a ``---`` line starts one) read on its own.

    A go-yaml List is read item by item (:func:`_list_objects`); the documents between Lists are
    loaded together, and again one by one should that fail (:func:`_documents`). What cannot be read
    is noted and the rest kept; the first error is raised only when no piece of the file was read.
    """
    reading = _Reading()
    spans = _document_spans(text)
    run: list[tuple[int, int, int]] = []  # (begin, end, lines before) of documents that are no go-yaml List
    for begin, end, base in spans:
        piece = text[begin:end]  # the text itself when it is one document
        split = _split_go_list(piece)
        if split is not None:
            if run:
                yield from _stream_objects(text, run, problems, caveats, reading)
                run = []
            listed = _list_objects(split, base, problems, caveats, deep_possible, reading)
            if listed is not None:
                yield from listed
                continue
        run.append((begin, end, base))
    if run:
        yield from _stream_objects(text, run, problems, caveats, reading)
    if reading.first_error is not None and not reading.read_any:
        raise reading.first_error  # nothing could be read: the file is lost whole, as one error


class _Reading:
    """A file's reading so far: whether any piece of it was read, and the first piece that was not."""

    def __init__(self) -> None:
        self.read_any = False
        self.first_error: DocumentError | None = None

    def left_out(self, problems: Problems | None, line: int, where: str, problem: str) -> None:
        _note(problems, line, f"{where} left out, not valid YAML: {problem}")
        if self.first_error is None:
            self.first_error = DocumentError(f"line {line}: {problem}"[:200], line, problem)


def _list_objects(
    split: tuple[str, list[tuple[str, int]], str], base: int, problems: Problems | None,
    caveats: Problems | None, deep_possible: bool, reading: _Reading,
) -> Iterator[tuple[dict, int]] | None:
    """The objects of one go-yaml List document (``base`` lines above it), or None when it is no List.

    Its own keys (apiVersion, kind, metadata) are read first: rapidyaml when its scan allows, as for
    items. Should they not be valid YAML, that is noted and the items are read all the same.
    """
    rest, items, body = split
    # the lines of ``rest`` after the items' place are further down in the document
    above, removed, head_notes = items[0][1] - 2, 1 + body.count("\n"), []

    def line_of(line: int) -> int:
        return base + (line if line <= above else line + removed)

    try:
        with gc_paused():
            head_docs = (None if deep_possible else yaml_fast.load_item(rest)) or load_all(
                rest, head_notes, line_of
            )
    except DocumentError as exc:
        reading.left_out(problems, line_of(exc.line or 1), "the List's own keys (its items read)", exc.problem)
        head_docs = []
    if len(head_docs) > 1:
        return None  # another document after ``...``: read whole
    head = head_docs[0] if head_docs and isinstance(head_docs[0], dict) else {}
    if not (_is_list({**head, "items": None}) or not head.get("kind")):
        return None  # go-yaml's layout but no List: read whole
    if caveats is not None:
        caveats.extend(head_notes)
    return _item_objects(items, body, base, problems, caveats, deep_possible, reading)


def _item_objects(
    items: list[tuple[str, int]], body: str, base: int, problems: Problems | None, caveats: Problems | None,
    deep_possible: bool, reading: _Reading,
) -> Iterator[tuple[dict, int]]:
    if base:
        items = [(item_text, line + base) for item_text, line in items]
    with gc_paused():
        for i, (docs, line, error) in enumerate(_item_docs(items, body, caveats, deep_possible)):
            if error is not None:
                reading.left_out(problems, line + (error.line or 1) - 1, f"items[{i}]", error.problem)
                continue
            reading.read_any = True
            for seq in docs:
                for obj in seq if isinstance(seq, list) else [seq]:
                    yield from _checked(obj, line, f"items[{i}]", problems)


def _stream_objects(
    text: str, run: list[tuple[int, int, int]], problems: Problems | None, caveats: Problems | None,
    reading: _Reading,
) -> Iterator[tuple[dict, int]]:
    """The objects of consecutive documents that are no go-yaml List (``run``: their spans)."""
    with gc_paused():
        docs = _documents(text, run, problems, caveats, reading)
    for doc, node, base in docs:
        start = node.start_mark.line + 1
        if isinstance(doc, dict) and _is_list(doc):
            lines = _item_lines(node)
            for i, item in enumerate(_list_items(doc, base + _items_key_line(node, start), problems)):
                yield from _checked(item, base + (lines[i] if i < len(lines) else start), f"items[{i}]", problems)
        elif isinstance(doc, list):
            for i, (item, child) in enumerate(zip(doc, node.value, strict=False)):
                yield from _checked(item, base + child.start_mark.line + 1, f"[{i}]", problems)
        elif doc is None and node.value:  # `null` or `~` written: not an empty document (a `---` alone)
            _note(problems, base + start, "document left out: null, not an object")
        else:
            yield from _checked(doc, base + _first_key_line(node, start), "", problems)


# where a document starts: a `---` line at column 0 (never inside a scalar, YAML 1.1 and 1.2); `re` skips
# to the literal line break, where a pattern starting with ``^`` would be tried at every character
_DOCUMENT_START_RE = re.compile(r"\n(?=---(?:[ \t\r\n]|\Z))")


def _document_spans(text: str) -> list[tuple[int, int, int]]:
    """(begin, end, lines before) of each document's text: from a ``---`` line (with the directives,
    ``%YAML`` and ``%TAG``, on the lines just above it, which belong to it) to the next one."""
    starts = [0]
    for found in _DOCUMENT_START_RE.finditer(text):
        begin = found.end()
        while begin > starts[-1]:
            above = text.rfind("\n", 0, begin - 1) + 1
            if not text.startswith("%", above):
                break
            begin = above
        if begin > starts[-1]:
            starts.append(begin)
    spans, base = [], 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        spans.append((begin, end, base))
        base += text.count("\n", begin, end)
    return spans


def _documents(
    text: str, run: list[tuple[int, int, int]], problems: Problems | None, caveats: Problems | None,
    reading: _Reading,
) -> list[tuple[Any, yaml.Node, int]]:
    """Every document of consecutive spans of ``text`` with its node and the lines above its piece of text.

    PyYAML cannot resume after an error, so when they fail together they are loaded again document
    by document, each bad one noted with its line.
    """
    notes: Problems = []
    first, base = run[0][0], run[0][2]
    try:
        loaded = [(doc, node, base) for doc, node in
                  load_all_nodes(text[first : run[-1][1]], notes, lambda line: line + base)]
        reading.read_any = True
    except DocumentError as exc:
        notes.clear()  # those of the documents before the error: noted again below
        if len(run) == 1:
            reading.left_out(problems, base + (exc.line or 1), "document", exc.problem)
            return []
        loaded = []
        for begin, end, lines_above in run:
            try:
                piece = load_all_nodes(text[begin:end], notes, lambda line, b=lines_above: line + b)
            except DocumentError as error:
                reading.left_out(problems, lines_above + (error.line or 1), "document", error.problem)
                continue
            reading.read_any = True
            loaded.extend((doc, node, lines_above) for doc, node in piece)
    if caveats is not None:
        caveats.extend(notes)
    return loaded


def _item_docs(
    items: list[tuple[str, int]], body: str, caveats: Problems | None, deep_possible: bool
) -> Iterator[tuple[list[Any], int, DocumentError | None]]:
    """Each item's documents, start line and error (then no documents): rapidyaml when the scan found
    nothing risky in it (and it has no duplicate key), else PyYAML, which notes duplicate keys in ``caveats``.

    An item nested too deep goes to PyYAML too, whose guard refuses it: only ``deep_possible`` (else no
    item can be) has each item checked."""
    if yaml_fast.ENABLED:
        starts = list(accumulate((len(text) for text, _ in items[:-1]), initial=0))
        risky = iter(yaml_fast.risky_offsets(body, starts))
    else:
        risky = None
    next_risky = next(risky, len(body)) if risky is not None else -1
    offset = 0
    for first in range(0, len(items), ITEM_BATCH):
        batch = items[first : first + ITEM_BATCH]
        fast: list[int] = []  # the batch's items with no risky offset, read by rapidyaml together
        for i, (item_text, _) in enumerate(batch):
            end = offset + len(item_text)
            if next_risky >= end and not (deep_possible and nesting_error(item_text)):
                fast.append(i)
            while risky is not None and next_risky < end:
                next_risky = next(risky, len(body))
            offset = end
        loaded = dict(zip(fast, yaml_fast.load_items([batch[i][0] for i in fast]), strict=True)) if fast else {}
        for i, (item_text, line) in enumerate(batch):
            docs = loaded.get(i)
            error = None
            if docs is None:
                try:
                    docs = load_all(item_text, caveats, lambda at, line=line: at + line - 1)
                except DocumentError as exc:
                    docs, error = [], exc
            yield docs, line, error


ITEM_BATCH = 64  # items read by rapidyaml per silencing of fd 2 (their objects are held until yielded)


def _item_lines(node: yaml.Node) -> list[int]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "items" and isinstance(value, yaml.SequenceNode):
            return [child.start_mark.line + 1 for child in value.value]
    return []


def _items_key_line(node: yaml.Node, default: int) -> int:
    """The line of a List's ``items`` key."""
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if getattr(key, "value", None) == "items":
            return key.start_mark.line + 1
    return default


def _first_key_line(node: yaml.Node, default: int) -> int:
    """A document's first line of content (after a leading ``---``)."""
    if isinstance(node, yaml.MappingNode) and node.value:
        return node.value[0][0].start_mark.line + 1
    return default
