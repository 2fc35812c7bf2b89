"""The table of hostile cases (``README.md`` here) names exactly the tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
README = HERE / "README.md"
MODULE = HERE / "test_hostile_inputs.py"


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def _named_in_table() -> tuple[set[str], set[tuple[str, str]]]:
    """Test names of the module's table, and (file, name) of the tests named in other modules."""
    own: set[str] = set()
    elsewhere: set[tuple[str, str]] = set()
    for row in README.read_text().splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[2].startswith("`"):
            continue
        [name] = re.findall(r"`([^`]+)`", cells[2])
        if "::" in name:
            file, func = name.split("::")
            elsewhere.add((file, func))
        else:
            own.add(name)
    return own, elsewhere


def test_every_test_of_the_module_is_in_the_table_and_every_name_in_it_exists():
    own, _ = _named_in_table()
    tests = _test_functions(MODULE)
    assert sorted(tests - own) == [], "tests missing from tests/hostile/README.md"
    assert sorted(own - tests) == [], "the table names tests the module does not have"


def test_tests_named_in_other_modules_exist():
    _, elsewhere = _named_in_table()
    assert elsewhere
    missing = [(file, func) for file, func in sorted(elsewhere)
               if not (ROOT / file).is_file() or func not in _test_functions(ROOT / file)]
    assert missing == []
