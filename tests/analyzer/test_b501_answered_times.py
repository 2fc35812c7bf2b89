"""B501 says the backend is slow only when its answered requests come close to the timeout: answers of a
tenth of a second beside 504s after 30 s are a backend that answers while some requests hang."""

from __future__ import annotations

import pytest

from tests.analyzer.scenario_helpers import SCENARIOS, result


def _b501(scenario: str) -> dict:
    [f] = [f for f in result(SCENARIOS / scenario)["findings"] if f["code"] == "B501"]
    return f


@pytest.mark.parametrize("scenario", ["time-timeout-ended", "time-three-causes-one-namespace"])
def test_fast_answers_beside_the_504s_are_not_called_close_to_the_limit(scenario: str):
    explanation = _b501(scenario)["explanation"]
    assert "Successful responses took up to 0.0s (p99 0.0s), far below the 30s limit" in explanation
    assert "close to the limit" not in explanation
    assert "the backend is slow" not in explanation


def test_answers_near_the_timeout_say_the_backend_is_slow():
    explanation = _b501("B501-fires-slow-report")["explanation"]
    assert "Successful responses took up to 25.4s (p99 25.3s), close to the limit: the backend is slow" in explanation
