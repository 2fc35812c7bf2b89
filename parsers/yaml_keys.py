"""Duplicate keys in a YAML mapping: read last-wins, as Kubernetes does, and said so.

Why: a hand-edited ``oc get -o yaml`` dump can hold a key twice (two ``targetPort:`` lines in a
service port, two ``host:`` lines in a route). Kubernetes' own decoder (``sigs.k8s.io/yaml``,
non-strict) keeps the last value, and so do PyYAML and ``json.loads``: the run keeps that value,
but a silent choice between two values could be the very fault, so every duplicate is recorded
as a note (line, key path, the value used) that the loader turns into a ``skipped`` entry.

Only PyYAML's constructor sees them: the rapidyaml path (:mod:`parsers.yaml_fast`) hands any
item with a duplicate key to PyYAML, so both loaders give the same objects and the same notes.
A clean mapping costs one length comparison; the path is looked for only when a note is due.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SHOWN = 60  # characters of a value quoted in a note


@dataclass(frozen=True)
class DuplicateKey:
    """One key found more than once in one mapping: its key nodes in order and the value kept (the last)."""

    mapping: yaml.MappingNode
    keys: tuple[yaml.Node, ...]
    value: yaml.Node


class DuplicateKeyConstructor:
    """Mixin for a PyYAML loader: notes the duplicate keys of every mapping it constructs.

    ``duplicate_keys`` lists them for the document being loaded; the caller reads and clears it.
    """

    duplicate_keys: list[DuplicateKey]

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self.duplicate_keys = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = node.value  # merge keys are removed from this list in place; merged pairs go in a new list
        mapping = super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        if len(mapping) < len(node.value):  # some key came twice (or a merged key was overridden)
            self._note_duplicates(node, own)
        return mapping

    def _note_duplicates(self, node: yaml.MappingNode, own: list[tuple[yaml.Node, yaml.Node]]) -> None:
        """The mapping's own keys written more than once (a merged key overridden is YAML's intent, not one)."""
        seen: dict[Any, list[tuple[yaml.Node, yaml.Node]]] = {}
        for key_node, value_node in own:
            key = self.construct_object(key_node, deep=False)  # type: ignore[attr-defined]  # cached
            seen.setdefault(key, []).append((key_node, value_node))
        for pairs in seen.values():
            if len(pairs) > 1:
                self.duplicate_keys.append(DuplicateKey(node, tuple(k for k, _ in pairs), pairs[-1][1]))


def duplicate_notes(root: yaml.Node, found: list[DuplicateKey], line_of: Callable[[int], int]) -> list[tuple[int, str]]:
    """(line, reason) of each duplicate key of the document ``root``, at the line of the value kept.

    ``line_of`` turns a 1-based line of the loaded text into the file's. The key path starts at the
    Kubernetes object (an element of a top-level sequence or of a List's ``items``), so a go-yaml
    List's items read one by one and a List read whole give the same path.
    """
    paths = _paths(root, {id(d.mapping) for d in found})
    notes = []
    for dup in found:
        lines = [line_of(k.start_mark.line + 1) for k in dup.keys]
        notes.append(duplicate_note(paths.get(id(dup.mapping), "") + _segment(dup.keys[-1]), lines, _shown(dup.value)))
    return sorted(notes)


def duplicate_note(path: str, lines: list[int], shown: str) -> tuple[int, str]:
    """(line, reason) of one duplicate key: at the line of the last key (its value is the one kept).

    Shared with :mod:`parsers.json_keys` so that a key written twice reads the same in YAML and JSON.
    """
    earlier = ", ".join(str(n) for n in lines[:-1])
    return lines[-1], (f"duplicate key {path.lstrip('.')} (also on line{'s' * (len(lines) > 2)} "
                       f"{earlier}): the last value ({shown}) is used, as Kubernetes does")


def _paths(root: yaml.Node, wanted: set[int]) -> dict[int, str]:
    """The path of each wanted mapping node, found by walking the document once (aliases visited once)."""
    paths: dict[int, str] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack and len(paths) < len(wanted):
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in wanted:
            paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                at_objects = node is root and getattr(key, "value", None) == "items"
                stack.append((value, "items" if at_objects else path + _segment(key)))
        elif isinstance(node, yaml.SequenceNode):
            objects = node is root or path == "items"  # each element is a Kubernetes object: its path starts there
            stack.extend((child, "" if objects else f"{path}[{i}]") for i, child in enumerate(node.value))
    return paths


def _segment(key: yaml.Node) -> str:
    return key_segment(key.value if isinstance(key, yaml.ScalarNode) else f"<{key.id}>")


def key_segment(text: str) -> str:
    """``.name``, or ``["odd/key.name"]`` for a key a dotted path cannot spell."""
    return f".{text}" if _PLAIN_KEY.fullmatch(text) else f"[{json.dumps(text, ensure_ascii=False)}]"


def _shown(value: yaml.Node) -> str:
    if isinstance(value, yaml.MappingNode):
        return "a mapping"
    if isinstance(value, yaml.SequenceNode):
        return "a list"
    return shown_scalar(str(value.value))


def shown_scalar(text: str) -> str:
    """A scalar value as a note quotes it: on one line, cut at ``_SHOWN`` characters."""
    text = " ".join(text.split())
    if not text:
        return "empty"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
