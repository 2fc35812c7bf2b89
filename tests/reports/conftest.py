"""The 5,000-route report, built once per test session (the demo case is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def big_html() -> str:
    """The HTML of sample_result.big_result (5,000 routes), rendered once for the scale and browser tests."""
    from reports.html import render_html
    from tests.reports.sample_result import big_result

    return render_html(big_result())
