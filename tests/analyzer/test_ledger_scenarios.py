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
    assert out["summary"]["router_side_5xx_no_route"] == 0  # every default answer named the route


def test_without_a_captured_host_the_default_lines_are_nobody_s(tmp_path: Path):
    root = copy_scenario(tmp_path, "R101-fires-sharded-away")
    out = result(root)
    [route] = out["routes"]
    assert route["requests"] is None and route["error_ledger"] is None
    assert route["verdict"] == "broken"  # the finding still breaks it; nothing is counted as the route's
    # the 12 router-side 503s are in the log but no route's: counted apart, not as "0 of 0 explained" alone
    summary = out["summary"]
    assert (summary["router_side_5xx"], summary["router_side_5xx_explained"]) == (0, 0)
    assert summary["router_side_5xx_no_route"] == 12 and summary["status_counts"] == {"503": 12}


def test_another_host_does_not_make_the_lines_the_route_s(tmp_path: Path):
    root = copy_scenario(tmp_path, "R101-fires-sharded-away")
    capture_host(root, "other.apps.lab-cluster.example.net")
    out = result(root)
    [route] = out["routes"]
    assert route["error_ledger"] is None
    assert out["summary"]["router_side_5xx_no_route"] == 12  # a host no route of the inputs claims


def test_unexplained_router_side_5xx_degrade_a_quiet_route_and_open_the_check_they_point_to(tmp_path: Path):
    """No rule explains a router internal error: the lines stay unexplained, decoded, and no check reads pass."""
    root = copy_scenario(tmp_path, "healthy-two-namespaces")
    log = one_file(root, "router-default-*/logs/logs/logs/current.log")
    [sample] = [line for line in log.read_text().splitlines() if "be_http:shop:api/" in line][:1]
    broken = [
        sample.replace(" 200 1834 - - --VN ", " 500 0 - - IH-- ").replace(":45351 ", f":4{i}351 ")
        for i in range(3)
    ]
    log.write_text(log.read_text() + "\n".join(broken) + "\n")
    out = result(root)
    api = next(r for r in out["routes"] if (r["namespace"], r["name"]) == ("shop", "api"))
    assert api["verdict"] == "degraded"
    assert api["verdict_detail"] == "3 router-side 5xx, 3 of them unexplained"
    led = api["error_ledger"]
    assert (led["router_side_5xx"], led["explained"], led["unexplained"]) == (3, 0, 3)
    [group] = led["unexplained_groups"]
    assert (group["status"], group["termination"], group["requests"]) == (500, "IH", 3)
    assert group["server"].startswith("pod:api-7c9d5b6f48-k2x9p") and "internal error" in group["meaning"]
    checks = {c["check"]: c for c in api["checklist"]}
    assert checks["capacity-sufficient"]["status"] == "unknown"
    assert checks["capacity-sufficient"]["detail"].startswith("3 unexplained router-side 5xx point here")
    assert out["summary"]["router_side_5xx"] - out["summary"]["router_side_5xx_explained"] == 3
