"""The ledger on whole scenarios: openshift_default lines that name a route by Host join its ledger."""

from __future__ import annotations

from pathlib import Path

from tests.analyzer.scenario_helpers import copy_scenario, one_file, result

HOST = "articles-newsroom.apps.lab-cluster.example.net"


def capture_host(root: Path, host: str) -> None:
    """Rewrite the scenario's router log as if ``httpCaptureHeaders`` captured the Host header."""
    log = one_file(root, "current.log")
    lines = log.read_text().splitlines()
    log.write_text("".join(line.replace(' 0/0 "GET', f' 0/0 {{{host}}} "GET') + "\n" for line in lines))


def test_default_backend_503s_with_the_route_host_are_the_route_s_and_its_finding_owns_them(tmp_path: Path):
    root = copy_scenario(tmp_path, "R101-fires-sharded-away")
    capture_host(root, HOST.upper() + ":443")
    out = result(root)
    [route] = out["routes"]
    [finding] = [f for f in out["findings"] if f["code"] == "R101"]
    assert route["requests"] == 12 and route["errors"]["503"] == 12
    assert route["error_ledger"]["router_side_5xx"] == 12
    assert route["error_ledger"]["by_finding"] == [{"finding": finding["id"], "cause": "route-not-admitted",
                                                    "requests": 12}]
    assert finding["affected_requests"] == 12
    assert out["summary"]["router_side_5xx"] == out["summary"]["router_side_5xx_explained"] == 12


def test_without_a_captured_host_the_default_lines_are_nobody_s(tmp_path: Path):
    root = copy_scenario(tmp_path, "R101-fires-sharded-away")
    out = result(root)
    [route] = out["routes"]
    assert route["requests"] is None and route["error_ledger"] is None
    assert route["verdict"] == "broken"  # the finding still breaks it; nothing is counted as the route's


def test_another_host_does_not_make_the_lines_the_route_s(tmp_path: Path):
    root = copy_scenario(tmp_path, "R101-fires-sharded-away")
    capture_host(root, "other.apps.lab-cluster.example.net")
    [route] = result(root)["routes"]
    assert route["error_ledger"] is None
