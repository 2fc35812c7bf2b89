"""The ``mga`` package imports form no circle (issue 15 item 7), read from the source, not by running it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mga"


def _imports(path: Path) -> set[str]:
    """Every ``mga.*`` module imported anywhere in ``path``, function bodies included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("mga.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mga":
                found |= {f"mga.{a.name}" for a in node.names if (PACKAGE / f"{a.name}.py").exists()}
            elif node.module.startswith("mga."):
                found.add(node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    return {f"mga.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_mga_modules_import_without_a_circle():
    graph = import_graph()
    assert "mga.console" in graph and "mga.render" in graph
    assert find_cycle(graph) is None, find_cycle(graph)


def test_no_command_module_imports_the_cli():
    graph = import_graph()
    # ``python -m mga`` runs the cli: the one module that is an entry point like it
    assert not [m for m, deps in graph.items() if "mga.cli" in deps and m != "mga.__main__"]
    assert graph["mga.__main__"] == {"mga.cli"}


def test_the_cycle_finder_finds_a_planted_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_console_imports_nothing_from_mga():
    assert import_graph()["mga.console"] == set()
