"""The demo case, built once per test session (the same generator `make report` uses)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("make_demo", FIXTURES / "demo" / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("demo")
    module.build(out)
    return out
