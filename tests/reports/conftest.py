"""The demo case and the 5,000-route report, each built once per test session."""

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


@pytest.fixture(scope="session")
def big_html() -> str:
    """The HTML of sample_result.big_result (5,000 routes), rendered once for the scale and browser tests."""
    from reports.html import render_html
    from tests.reports.sample_result import big_result

    return render_html(big_result())
