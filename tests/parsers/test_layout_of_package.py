"""The ``parsers`` package keeps its shape: small modules, floor 1, no import cycle between its modules.

design.md: parsers are the bottom floor (they import none of ``analyzer``, ``reports``, ``mga``),
and TEAM.md: no module over ~500 lines in ``parsers/``. Imports are read from the source (every
``import`` statement, also those inside functions and ``TYPE_CHECKING`` blocks), so a lazy import
that closes a circle is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "parsers"
MAX_LINES = 500
UPPER_FLOORS = ("analyzer", "reports", "mga")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_sources() -> dict[str, str]:
    """Every module of ``parsers`` (subpackages included) by dotted name -> its source text."""
    return {_module_name(p): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def imported_names(module: str, source: str, is_package: bool = False) -> set[str]:
    """Dotted names ``module`` imports, relative imports resolved; ``from a import b`` gives ``a`` and ``a.b``."""
    found: set[str] = set()
    package = module if is_package or "." not in module else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (names that are not modules are dropped)."""
    packages = {name.rsplit(".", 1)[0] for name in sources if "." in name}
    return {
        module: {
            name for name in imported_names(module, text, module in packages) if name in sources and name != module
        }
        for module, text in sources.items()
    }


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None when the graph has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_no_parsers_module_is_over_500_lines():
    too_long = {
        name: text.count("\n") for name, text in package_sources().items() if text.count("\n") > MAX_LINES
    }
    assert not too_long, f"split these by job (at most {MAX_LINES} lines each): {too_long}"


def test_parsers_import_no_upper_floor():
    upward = {
        module: sorted(name for name in imported_names(module, text) if name.split(".")[0] in UPPER_FLOORS)
        for module, text in package_sources().items()
    }
    upward = {module: names for module, names in upward.items() if names}
    assert not upward, f"parsers is floor 1 and imports none of {UPPER_FLOORS}: {upward}"


def test_parsers_modules_import_each_other_without_a_cycle():
    graph = import_graph(package_sources())
    assert len(graph) > 10 and sum(len(targets) for targets in graph.values()) > 10  # the package was read
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_the_checks_see_lazy_relative_and_upward_imports():
    planted = {
        "parsers": "",
        "parsers.a": "from parsers import b\n",
        "parsers.b": "def late():\n    from .c import thing\n",
        "parsers.c": "import typing\nif typing.TYPE_CHECKING:\n    from parsers.a import X\n",
        "parsers.d": "def f():\n    from analyzer.model import Finding\n",
    }
    assert find_cycle(import_graph(planted)) == ["parsers.a", "parsers.b", "parsers.c", "parsers.a"]
    assert "analyzer.model" in imported_names("parsers.d", planted["parsers.d"])
    del planted["parsers.c"]
    assert find_cycle(import_graph(planted)) is None
