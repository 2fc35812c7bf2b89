"""B501's two findings of a route (504 ``sH`` lines, a timeout annotation the router cannot parse) give one fix,
the same value: the owner's intent when the annotation's words say one, or what the 504s need when that is more
(``B501-fires-slow-report``: 504s after the default 30 s, the slowest answer 25.4 s, so 60 s are needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.rules.backend.b501_backend_slower_than_router_timeout import intended_seconds
from tests.analyzer.scenario_helpers import copy_scenario, edit, one_file, result

ANNOTATION = "haproxy.router.openshift.io/timeout"


def b501(tmp_path: Path, annotation: str, scenario: str = "B501-fires-slow-report") -> list[dict]:
    root = copy_scenario(tmp_path, scenario)

    def annotated(route: dict) -> None:
        route["metadata"].setdefault("annotations", {})[ANNOTATION] = annotation

    edit(one_file(root, "routes.yaml"), annotated)
    return [f for f in result(root)["findings"] if f["id"].endswith("-B501")]


def fix(value: str) -> str:
    return f"oc -n analytics annotate route export {ANNOTATION}={value} --overwrite"


@pytest.mark.parametrize(("annotation", "value"), [("2 minutes", "120s"), ("3 min", "180s"), ("45 s", "60s")])
def test_both_findings_give_the_one_value(tmp_path: Path, annotation: str, value: str):
    slow, invalid = sorted(b501(tmp_path, annotation), key=lambda f: f["severity"] == "info")
    assert invalid["title"].startswith(f"timeout annotation {annotation!r} is not a valid HAProxy time")
    assert invalid["remediation"] == [fix(value)]
    assert slow["remediation"] == [fix(value) + "  # or make the request faster"]
    meant = intended_seconds(annotation)
    assert f"The route's timeout annotation {annotation!r} is not a valid HAProxy time" in slow["explanation"]
    assert f"Its owner meant {meant}s; written {meant}s, the router applies it." in invalid["explanation"]
    assert ("The route's 504s need at least 60s." in invalid["explanation"]) == (meant < 60)


def test_words_that_say_no_value_fall_back_to_two_minutes(tmp_path: Path):
    [invalid] = [f for f in b501(tmp_path, "long", "B501-quiet-timeout-raised") if f["severity"] == "info"]
    assert invalid["remediation"] == [fix("120s")] and "owner meant" not in invalid["explanation"]


@pytest.mark.parametrize(("text", "seconds"), [("2 minutes", 120), ("90 sec", 90), ("1.5m", 90), ("30 s", 30),
                                               ("500 milliseconds", 1), ("2 Hours", 7200), ("1 day", 86400),
                                               ("soon", None), ("5 weeks", None)])
def test_what_an_invalid_annotation_meant(text: str, seconds: int | None):
    assert intended_seconds(text) == seconds
