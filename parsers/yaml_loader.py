"""The guarded PyYAML loader: one YAML text to its documents, or a DocumentError with the line.

libyaml's ``CSafeLoader`` when available, PyYAML's own ``SafeLoader`` otherwise, with every guard
of :mod:`parsers.yaml_guards` applied to the text (before composing) or to each composed document
(before constructing it). A key written twice in one mapping is noted (:mod:`parsers.yaml_keys`);
an integer too long for Python is kept as its text. :mod:`parsers.yaml_docs` calls it once per
piece of a file (a List item, a document).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from parsers.yaml_guards import (
    MAX_DEPTH,
    DocumentError,
    reject_alias_bomb,
    reject_deep_nesting,
    reject_too_many_values,
)
from parsers.yaml_keys import DuplicateKeyConstructor, duplicate_notes

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# (1-based line, reason) of each item or document of a file that was left out while the rest was read
Problems = list[tuple[int, str]]


class GuardedLoader(DuplicateKeyConstructor, _BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader; documents are checked between composing and constructing, duplicate keys noted."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        """An integer, or its text when it is longer than Python converts (``sys.get_int_max_str_digits``).

        One such value must not lose its document, let alone the run.
        """
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            return str(node.value)


GuardedLoader.add_constructor("tag:yaml.org,2002:int", GuardedLoader.construct_yaml_int)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic collector off while loading: PyYAML's node graph makes its full passes quadratic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_all(text: str, notes: Problems | None = None, line_of: Callable[[int], int] = int) -> list[Any]:
    """The documents of :func:`load_all_nodes`, without their nodes."""
    return [doc for doc, _ in load_all_nodes(text, notes, line_of)]


def load_all_nodes(
    text: str, notes: Problems | None = None, line_of: Callable[[int], int] = int
) -> list[tuple[Any, yaml.Node]]:
    """Every document of a YAML stream with its composed node (for line numbers), guarded against bombs.

    A key written twice in one mapping keeps its last value (as Kubernetes does) and appends a
    (line, reason) to ``notes``; ``line_of`` turns a line of ``text`` into the file's.
    """
    docs = []
    reject_deep_nesting(text)
    reject_too_many_values(text)
    aliases_possible = "&" in text  # no anchor, no alias: the expansion check cannot find anything
    loader = GuardedLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if aliases_possible:
                reject_alias_bomb(node)
            docs.append((loader.construct_document(node), node))
            if loader.duplicate_keys:
                if notes is not None:
                    notes.extend(duplicate_notes(node, loader.duplicate_keys, line_of))
                loader.duplicate_keys = []
    except DocumentError:
        raise
    except yaml.YAMLError as exc:
        raise yaml_error(exc, text) from None
    except RecursionError:
        raise DocumentError(f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return docs


def yaml_error(exc: yaml.YAMLError, text: str) -> DocumentError:
    """PyYAML's error on ``text`` in one line, with the line of ``text`` where it stopped when it says."""
    mark = getattr(exc, "problem_mark", None)
    problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses (NUL, a control character)
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        problem = f"unacceptable character {what}: {exc.reason}"
        # libyaml says where as a byte of the text in UTF-8, PyYAML's own reader as a character
        before = text.encode("utf-8", "surrogatepass")[: exc.position] if _BaseLoader is not yaml.SafeLoader \
            else text[: exc.position]
        line = before.count("\n" if isinstance(before, str) else b"\n") + 1
    where = f"line {line}: " if line is not None else ""
    return DocumentError(f"{where}{problem}"[:200], line, problem[:200])
