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
# ``data.translate(_FLOW_DEPTH, _NOT_BRACKETS)``: every byte but the brackets deleted, then each opening
# one +1 and each closing one -1 (as int8), in one C pass
_FLOW_DEPTH = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[{]}")))
_BRACKET_CODES = tuple(b"[{]}")
_CHUNK = 1 << 20
_DEEP_INDENT = " " * 400
_DEEP_SEQUENCE = "- " * 200
_INDENTED_CONTENT_RE = re.compile(r" *\S")  # the rest of an indentation run reaches content
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


def nesting_possible(data: bytes) -> bool:
    """Whether some piece of ``data`` (a List item, a document, the whole) may nest deeper than ``MAX_DEPTH``.

    False lets a caller load the pieces of a file without checking each: the largest rise of the
    bracket depth summed over the whole file (from the lowest depth before each point, so whatever
    piece starts where) bounds the depth of every piece, and a piece holds the block patterns only
    where the file does. One C pass and a sum over the brackets alone, as the check of one piece.
    """
    import numpy as np

    if data.count(b"[") + data.count(b"{") > MAX_DEPTH:
        depth = np.cumsum(np.frombuffer(data.translate(_FLOW_DEPTH, _NOT_BRACKETS), dtype=np.int8), dtype=np.int32)
        if int((depth - np.minimum(np.minimum.accumulate(depth), 0)).max()) > MAX_DEPTH:
            return True
    return _DEEP_SEQUENCE.encode() in data or _DEEP_INDENT.encode() in data


def nesting_error(text: str) -> DocumentError | None:
    """The refusal of nesting the C parser would recurse into until the stack overflows, with its line, or None.

    Flow brackets are counted with a running sum (quotes ignored: a false alarm only costs the piece,
    which no real cluster writes), block nesting by absurd indentation. Only a text with more than
    ``MAX_DEPTH`` opening brackets is summed, so most List items cost two counts and two searches.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH:
        data = text.encode("utf-8", "surrogatepass")
        offset = _too_deep_bracket(data)
        if offset >= 0:
            return _too_deep(data.count(b"\n", 0, offset) + 1)
    at = text.find(_DEEP_SEQUENCE)
    if at < 0:
        at = _deeply_indented(text)
    return None if at < 0 else _too_deep(text.count("\n", 0, at) + 1)


def _deeply_indented(text: str) -> int:
    """The offset of a line indented by 400 spaces or more before its content, or -1.

    Only the runs of 400 spaces are looked at (substring search, then the rest of each run), so the
    cost is the size of the text at memchr speed plus the runs themselves, whatever else it holds.
    """
    if text.startswith(_DEEP_INDENT) and _INDENTED_CONTENT_RE.match(text):
        return 0
    needle = "\n" + _DEEP_INDENT
    at = text.find(needle)
    while at >= 0:
        if _INDENTED_CONTENT_RE.match(text, at + 1):
            return at + 1
        at = text.find(needle, at + len(needle))  # a blank line of spaces is no nesting
    return -1


def reject_deep_nesting(text: str) -> None:
    """Raise :func:`nesting_error`'s refusal of ``text``, if any."""
    error = nesting_error(text)
    if error is not None:
        raise error


def _too_deep(line: int) -> DocumentError:
    problem = f"nesting deeper than {MAX_DEPTH} levels"
    return DocumentError(f"line {line}: {problem}", line, problem)


def _too_deep_bracket(data: bytes) -> int:
    """The offset of the bracket at which the running depth first passes ``MAX_DEPTH``, or -1."""
    import numpy as np

    depth = np.cumsum(np.frombuffer(data.translate(_FLOW_DEPTH, _NOT_BRACKETS), dtype=np.int8), dtype=np.int32)
    if not depth.size or int(depth.max()) <= MAX_DEPTH:
        return -1
    nth = int(np.argmax(depth > MAX_DEPTH))  # that many brackets come before it
    for start in range(0, len(data), _CHUNK):  # where it is: brackets counted a chunk at a time
        chunk = data[start : start + _CHUNK]
        here = np.flatnonzero(np.isin(np.frombuffer(chunk, dtype=np.uint8), _BRACKET_CODES))
        if nth < here.size:
            return start + int(here[nth])
        nth -= here.size
    return -1  # not reached: the sum counted the same brackets


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
