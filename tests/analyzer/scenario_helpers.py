"""Shared helpers of the rule tests: copy a scenario, edit its YAML, analyze it.

Tests that change a scenario work on a copy under ``tmp_path``; the committed scenarios stay as
``fixtures/scenarios/*.py`` wrote them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.conftest import FIXTURES

SCENARIOS = FIXTURES / "scenarios"


def copy_scenario(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(SCENARIOS / name, dest)
    return dest


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.rglob(pattern))


def one_file(root: Path, pattern: str) -> Path:
    [path] = files(root, pattern)
    return path


def router_log(root: Path) -> Path:
    return one_file(root, "router-default-*/logs/logs/logs/current.log")


def edit(path: Path, change: Callable[[dict], None]) -> None:
    """Apply ``change`` to every item of a List file (or to the single object)."""
    obj = yaml.safe_load(path.read_text())
    for item in obj.get("items") or [obj]:
        change(item)
    path.write_text("---\n" + yaml.safe_dump(obj, sort_keys=True))


def append(path: Path, item: dict) -> None:
    obj = yaml.safe_load(path.read_text())
    obj["items"] = [*(obj.get("items") or []), item]
    path.write_text("---\n" + yaml.safe_dump(obj, sort_keys=True))


def result(root: Path) -> dict:
    """The contract JSON of a scenario directory; no rule may have raised."""
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    logs = [str(root / "access.log")] if (root / "access.log").exists() else []
    out = analyze(load_snapshot(inputs, logs), tool_version="test").to_dict()
    assert out["rule_errors"] == []
    return out


def findings(root: Path, code: str) -> list[dict]:
    return [f for f in result(root)["findings"] if f["code"] == code]
