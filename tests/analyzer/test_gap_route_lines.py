"""A route without any line in the access logs read has its log checks unknown: a gap says whose router logs to
collect, so "What to collect next" never reads "Nothing" while they wait for lines."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario, one_file, result
from tests.analyzer.test_ledger_scenarios import capture_host


def line_gaps(out: dict) -> list[dict]:
    return [g for g in out["gaps"] if g["what"].startswith("No access-log line of")]


def test_a_route_whose_lines_are_not_in_the_logs_asks_for_its_router_logs(tmp_path: Path):
    root = copy_scenario(tmp_path, "healthy-two-namespaces")
    log = one_file(root, "router-default-*/logs/logs/logs/current.log")
    log.write_text("".join(line + "\n" for line in log.read_text().splitlines() if "be_http:shop:api/" not in line))
    out = result(root)
    api = next(r for r in out["routes"] if (r["namespace"], r["name"]) == ("shop", "api"))
    assert api["requests"] is None and api["verdict"] == "unknown"
    unknown = [c["check"] for c in api["checklist"] if c["status"] == "unknown"]
    assert unknown == ["tls-matches-backend", "timeout-sufficient", "capacity-sufficient"]
    [gap] = line_gaps(out)
    assert gap["what"] == "No access-log line of route shop/api (IngressController default) in the logs read"
    assert gap["why_it_matters"] == (
        "The access logs read are of other routers, or of a time without its traffic: its requests are not counted "
        "and its log checks stay unknown (tls-matches-backend, timeout-sufficient and capacity-sufficient).")
    command, comment = gap["how_to_collect"].split("  # ", 1)
    assert shlex.split(command) == [
        "oc", "logs", "-n", "openshift-ingress", "-l",
        "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=default", "-c", "logs", "--timestamps",
        "--tail=-1", ">", "access-default.log"]
    assert comment == "while requests for it fail; then: mga analyze ... --logs access-default.log"


def test_every_route_with_lines_needs_no_such_gap():
    out = result(SCENARIOS / "healthy-two-namespaces")
    assert line_gaps(out) == [] and out["gaps"] == []


def test_a_route_no_router_admits_is_named_by_the_host_header_gap_not_twice(tmp_path: Path):
    out = result(copy_scenario(tmp_path / "a", "R101-fires-sharded-away"))
    assert line_gaps(out) == []  # the Host header gap names it: its lines, if any, are among the default answers
    assert [g["what"].split(":")[0] for g in out["gaps"]] == [
        "The access log of IngressController default does not record the Host header"]
    root = copy_scenario(tmp_path / "b", "R101-fires-sharded-away")
    capture_host(root, "other.apps.lab-cluster.example.net")  # the Host is recorded: none of the lines is its
    [gap] = result(root)["gaps"]
    assert gap["what"] == ("No access-log line of route newsroom/articles (IngressController default) in the logs "
                           "read")
