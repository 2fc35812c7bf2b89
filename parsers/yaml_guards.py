"""What a YAML text may hold before a loader composes it: the guards against hostile documents.

A document that would hang or exhaust the process is refused with a :class:`DocumentError`
before (or while) it is loaded: nesting the C parser would recurse into until the stack
overflows, more values than memory can compose, aliases that expand beyond any real object (an
alias bomb). :mod:`parsers.yaml_docs` applies them to each piece of text it loads (a List item,
a document), so that one hostile piece loses only itself.
"""

from __future__ import annotations

import re

import yaml

MAX_EXPANDED_NODES = 5_000_000  # what aliases would expand to; real objects are far below
MAX_DEPTH = 200
_FLOW_DEPTH = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_STEPS = bytes(sorted(set(range(256)) - set(b"[{]}\x01\xff")))  # deleted first: only the +1/-1 bytes are left
_DEEP_INDENT = b" " * 400
_DEEP_SEQUENCE = b"- " * 200
_INDENTED_CONTENT_RE = re.compile(rb" *\S")  # the rest of an indentation run reaches content
# What one document may compose to. PyYAML builds a node object per value before any check can run
# (about 350 bytes each): a 20 MB flow sequence of ``1,`` is 10 million of them, gigabytes. Counting
# the separators that can start a value bounds the node count from above at C speed.
MAX_COMPOSED_VALUES = 2_000_000


class DocumentError(ValueError):
    """A file that is not valid YAML/JSON (one-line reason).

    ``line``: the 1-based line of the loaded text where the parser stopped, when it says;
    ``problem``: the reason without that line, for callers that word the place themselves.
    """

    def __init__(self, reason: str, line: int | None = None, problem: str | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.problem = problem or reason


def reject_deep_nesting(data: bytes) -> None:
    """Refuse nesting the C parser would recurse into until the stack overflows.

    Flow brackets are counted with a running sum (quotes ignored: a false alarm only costs a
    skipped file that no real cluster writes), block nesting by absurd indentation.
    """
    import numpy as np

    if b"[" in data or b"{" in data:
        steps = data.translate(None, _NOT_STEPS).translate(_FLOW_DEPTH)  # one C pass, then a short string
        brackets = np.frombuffer(steps, dtype=np.int8).astype(np.int32)  # the running sum only moves at brackets
        if brackets.size and int(np.cumsum(brackets).max()) > MAX_DEPTH:
            raise DocumentError(f"nesting deeper than {MAX_DEPTH} levels")
    if _DEEP_SEQUENCE in data or _deeply_indented(data):
        raise DocumentError(f"nesting deeper than {MAX_DEPTH} levels")


def _deeply_indented(data: bytes) -> bool:
    """A line indented by 400 spaces or more before its content.

    Only the runs of 400 spaces are looked at (substring search, then the rest of each run), so the
    cost is the size of the file at memchr speed plus the runs themselves, whatever else it holds.
    """
    if data.startswith(_DEEP_INDENT) and _INDENTED_CONTENT_RE.match(data):
        return True
    needle = b"\n" + _DEEP_INDENT
    at = data.find(needle)
    while at >= 0:
        if _INDENTED_CONTENT_RE.match(data, at + 1):
            return True
        at = data.find(needle, at + len(needle))
    return False


def reject_alias_bomb(node: yaml.Node) -> None:
    """Refuse alias bombs: the size the node graph would expand to, computed without expanding it."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if key in sizes:
            continue
        kids: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            kids = [n for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            kids = list(current.value)
        if children_done or not kids:
            total = 1 + sum(sizes.get(id(k), 1) for k in kids)
            if total > MAX_EXPANDED_NODES:
                raise DocumentError("YAML aliases expand beyond any real object (alias bomb)")
            sizes[key] = total
        else:
            stack.append((current, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)


def reject_too_many_values(text: str) -> None:
    """Refuse text that could compose to more than ``MAX_COMPOSED_VALUES`` nodes, before composing it.

    Every value but the first starts after a comma, a line break, a colon or a bracket, so their
    count bounds the nodes. It runs whatever the text holds (no ``&`` needed): the memory is spent
    composing, before the alias check could look. A Go List is loaded item by item, so this is per item.
    """
    if len(text) // 2 < MAX_COMPOSED_VALUES:
        return  # a value takes at least two characters
    values = sum(text.count(c) for c in (",", "\n", ":", "[", "{"))
    if values > MAX_COMPOSED_VALUES:
        raise DocumentError(f"more than {MAX_COMPOSED_VALUES} values in one document")
