"""I701 router-reload-failed beyond its two scenarios: an incident that ended, and no collected config."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.model import IncidentStatus
from tests.analyzer.test_scenarios import run_scenario
from tests.conftest import FIXTURES

FIRES = FIXTURES / "scenarios" / "I701-fires-timeout-rejected"
LATER_RELOAD = ('2026-11-20T09:01:02.101234567Z I1120 09:01:02.101200       1 router.go:579] template "msg"="router '
                'reloaded"  "output"=" - Checking http://localhost:80 ...\\n - Health check ok : 0 retry '
                'attempt(s).\\n"\n')


@pytest.fixture
def story(tmp_path: Path) -> Path:
    copy = tmp_path / FIRES.name
    shutil.copytree(FIRES, copy)
    return copy


def _router_file(root: Path, name: str) -> Path:
    return next(root.glob(f"must-gather.local.*/*/**/{name}"))


def _i701(root: Path) -> dict:
    return {f.route: f for f in run_scenario(root).findings if f.code == "I701"}


def test_both_routes_share_one_incident_and_it_is_ongoing():
    found = _i701(FIRES)
    assert set(found) == {"web", "promo"}
    assert {f.incident for f in found.values()} == {"router-reload-failed@2026-11-20T08:40:12.479Z"}
    assert {f.status_at_collection for f in found.values()} == {IncidentStatus.ONGOING}
    web = found["web"]
    assert [e.line for e in web.evidence[:3]] == [3, 6, 32]  # reload error, HAProxy alert, the rejected line
    assert web.evidence[2].text == "timeout server  30d"


def test_the_router_log_lines_are_cited_as_they_stand_in_the_file():
    """A cited router-log line keeps its kubelet timestamp: the text can be searched for in the file as is."""
    web = _i701(FIRES)["web"]
    [log] = {e.source for e in web.evidence[:2]}
    lines = (next(FIRES.glob("must-gather.*")) / log).read_text().split("\n")
    assert [e.text for e in web.evidence[:2]] == [lines[2], lines[5]]
    assert web.evidence[0].text.startswith("2026-11-20T08:40:12.479961215Z E1120 08:40:12.479914 ")


def test_a_later_successful_reload_ends_the_incident(story):
    log = _router_file(story, "current.log")
    log.write_text(log.read_text() + LATER_RELOAD)
    found = _i701(story)
    assert {f.status_at_collection for f in found.values()} == {IncidentStatus.ENDED}
    assert {f.ended_at.isoformat() for f in found.values()} == {"2026-11-20T09:01:02.101234+00:00"}


def test_without_the_collected_config_only_the_later_route_is_named(story):
    _router_file(story, "haproxy.config").unlink()
    found = _i701(story)
    assert set(found) == {"promo"}  # the rejected backend cannot be placed without the config file
    assert "error reloading router" in found["promo"].evidence[0].text


def _edit_web(root: Path, when: str) -> None:
    """Give route web a managedFields entry: an `oc` edit at ``when``."""
    routes = next(root.glob("inspect.local.*/namespaces/shop/route.openshift.io/routes.yaml"))
    text = routes.read_text()
    marker = "    creationTimestamp: \"2026-11-17T08:30:00Z\"\n    labels:\n      app: web\n"
    assert marker in text
    routes.write_text(text.replace(marker, marker + (
        "    managedFields:\n    - apiVersion: route.openshift.io/v1\n      fieldsType: FieldsV1\n"
        f"      manager: oc\n      operation: Update\n      time: \"{when}\"\n"), 1))


def test_a_route_edited_after_the_first_failure_is_told_its_edit_is_not_applied(story):
    _router_file(story, "haproxy.config").unlink()  # web is no longer named as the rejected backend
    _edit_web(story, "2026-11-20T08:50:00Z")
    found = _i701(story)
    assert set(found) == {"web", "promo"}
    web = found["web"]
    assert web.severity.value == "warning"
    assert "edit is not applied" in web.title
    assert "last edited at 2026-11-20 08:50:00 UTC (managedFields)" in web.explanation
    assert web.began_at.isoformat() == "2026-11-20T08:50:00+00:00"
    assert web.incident == found["promo"].incident
    assert any(e.text == 'time: "2026-11-20T08:50:00Z"' for e in web.evidence), [e.text for e in web.evidence]


def test_an_edit_before_the_first_failure_is_not_reported(story):
    _router_file(story, "haproxy.config").unlink()
    _edit_web(story, "2026-11-20T08:30:00Z")
    assert set(_i701(story)) == {"promo"}


def test_the_reload_logs_are_read_from_the_deployment_of_the_router_pod_that_failed():
    """``router-<controller>-<replicaset hash>-<pod hash>`` less its hashes; the route's controller's deployment
    when the failing pod is not named (or not named like a router pod)."""
    import pandas as pd

    from analyzer.rules.common import RouteRef
    from analyzer.rules.platform.i701_router_reload_failed import router_deployment

    route = RouteRef("shop", "web", ("web",), "edge", 2, 2, pd.Series({"admitted_routers": "internal,default"}))
    assert router_deployment(pd.Series({"router_pod": "router-sharded-7d9f8c6b5-x2k4p"}), route) == "router-sharded"
    assert router_deployment(pd.Series({"router_pod": None}), route) == "router-internal"
    assert router_deployment(pd.Series({"router_pod": "haproxy-1"}), route) == "router-internal"
    finding = next(f for f in run_scenario(FIRES).findings if f.code == "I701")
    assert finding.diagnostics[0].startswith("oc -n openshift-ingress logs deploy/router-default -c router")
