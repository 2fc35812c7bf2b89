"""Duplicate keys in a JSON object: read last-wins, as Kubernetes does, and said so.

Why: ``json.loads`` keeps the last value of a key written twice, silently; a hand-edited
``oc get -o json`` dump (or a must-gather JSON file) can hold one, and the choice between two
values could be the very fault. The YAML loader notes each one (:mod:`parsers.yaml_keys`); this
gives JSON files the same note, in the same words, with the same key path and line.

Cost: clean files are decoded with an ``object_pairs_hook`` that only compares two lengths per
object; a repeated key aborts that decoding, and only then is the file decoded again plainly
(last-wins) and walked once more, in Python, for the lines and paths the notes need.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from json.decoder import scanstring
from typing import Any

from parsers.yaml_keys import duplicate_note, key_segment, shown_scalar

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"[^ \t\n\r,\]}]+")  # a number, true, false, null (the text is already valid JSON)


class DuplicateKeyError(ValueError):
    """An object holds a key twice: the file is decoded again last-wins and its duplicates noted."""


def unique_keys(pairs: list[tuple[str, Any]], _dict: type = dict, _len: Any = len) -> dict[str, Any]:
    """The object as ``json.loads`` builds it, refused when a key repeats (builtins bound as locals).

    The ``object_pairs_hook`` of every decoder that must not keep a repeated key silently: this module's,
    and rapidyaml's JSON (:mod:`parsers.yaml_fast`, which then hands the item to PyYAML to note it)."""
    mapping = _dict(pairs)
    if _len(mapping) == _len(pairs):
        return mapping
    raise DuplicateKeyError("a duplicate key")


_DECODER = json.JSONDecoder(object_pairs_hook=unique_keys)


def loads(text: str, notes: list[tuple[int, str]] | None = None,
          parse_int: Callable[[str], Any] | None = None, first_line: int = 1) -> Any:
    """``json.loads(text)``; each key written twice in one object appended to ``notes`` as (line, reason).

    ``first_line``: the line of the file where ``text`` starts (a value of several in one file).

    Raises what ``json.loads`` raises (``JSONDecodeError``, ``ValueError`` past the integer-string limit).
    """
    decoder = _DECODER if parse_int is None else json.JSONDecoder(object_pairs_hook=unique_keys, parse_int=parse_int)
    try:
        return decoder.decode(text)
    except DuplicateKeyError:
        pass
    doc = json.loads(text, parse_int=parse_int)
    if notes is not None:
        notes.extend(duplicate_notes(text, first_line))
    return doc


def duplicate_notes(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, reason) of each key written twice in one object of the valid JSON ``text``.

    The note is at the line of the last key (its value is kept); the key path starts at the
    Kubernetes object (an element of a top-level array or of a root object's ``items``), as
    :func:`parsers.yaml_keys.duplicate_notes` does, so YAML and JSON dumps read the same.
    """
    walker = _Walker(text)
    walker.value(_WS.match(text, 0).end(), "", root=True)
    newlines = [m.start() for m in re.finditer("\n", text)]
    return sorted(duplicate_note(path, [bisect_right(newlines, at) + first_line for at in offsets], shown)
                  for path, offsets, shown in walker.found)


class _Walker:
    """One pass over valid JSON text: every object's keys with their offsets, the duplicates kept."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[tuple[str, list[int], str]] = []  # (key path, offsets of the key, value kept shown)

    def value(self, at: int, path: str, root: bool = False) -> tuple[int, str]:
        """The end of the value at ``at`` and how a note shows it."""
        char = self.text[at]
        if char == '"':
            string, end = scanstring(self.text, at + 1)
            return end, shown_scalar(string)
        if char == "{":
            return self._object(at, path, root), "a mapping"
        if char == "[":
            return self._array(at, path, objects=root or path == "items"), "a list"
        end = _SCALAR.match(self.text, at).end()  # type: ignore[union-attr]
        return end, self.text[at:end]

    def _object(self, at: int, path: str, root: bool) -> int:
        text = self.text
        at = _WS.match(text, at + 1).end()  # type: ignore[union-attr]
        if text[at] == "}":
            return at + 1
        seen: dict[str, list[int]] = {}
        shown: dict[str, str] = {}
        while True:
            key, end = scanstring(text, at + 1)
            seen.setdefault(key, []).append(at)
            end = _WS.match(text, _WS.match(text, end).end() + 1).end()  # type: ignore[union-attr]  # past ':'
            end, shown[key] = self.value(end, "items" if root and key == "items" else path + key_segment(key))
            end = _WS.match(text, end).end()  # type: ignore[union-attr]
            if text[end] == "}":
                break
            at = _WS.match(text, end + 1).end()  # type: ignore[union-attr]  # past ','
        self.found.extend((path + key_segment(k), offsets, shown[k]) for k, offsets in seen.items() if len(offsets) > 1)
        return end + 1

    def _array(self, at: int, path: str, objects: bool) -> int:
        """Each element's path is ``path[i]``, or empty for an array of Kubernetes objects."""
        text = self.text
        at = _WS.match(text, at + 1).end()  # type: ignore[union-attr]
        index = 0
        while text[at] != "]":
            end, _ = self.value(at, "" if objects else f"{path}[{index}]")
            end = _WS.match(text, end).end()  # type: ignore[union-attr]
            if text[end] == ",":
                end = _WS.match(text, end + 1).end()  # type: ignore[union-attr]
            at, index = end, index + 1
        return at + 1
