"""openshift_default answers that name no host (the log does not record the Host header) are nobody's: a gap says
how to capture the header, so the next collection ties them to their route (report-contract "Error ledger")."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.analyzer.scenario_helpers import copy_scenario, edit, one_file, result
from tests.analyzer.test_command_names_quoted import unquoted_expansions
from tests.analyzer.test_ledger_scenarios import HOST, capture_host

SCENARIO = "R101-fires-sharded-away"  # 12 openshift_default 503 SC, no capture; the route is sharded away


def host_gaps(out: dict) -> list[dict]:
    return [g for g in out["gaps"] if "does not record the Host header" in g["what"]]


def patch_of(command: str) -> dict:
    words = shlex.split(command.split("  #", 1)[0])
    assert words[:6] == ["oc", "patch", "ingresscontroller/default", "-n", "openshift-ingress-operator",
                         "--type=merge"] and words[6] == "-p"
    return json.loads(words[7])


def test_default_answers_without_a_host_ask_for_the_host_header(tmp_path: Path):
    out = result(copy_scenario(tmp_path, SCENARIO))
    [gap] = host_gaps(out)
    assert gap["what"] == ("The access log of IngressController default does not record the Host header: "
                           "12 router-side 5xx from openshift_default name no route")
    assert "route newsroom/articles, which no router admits, has no access-log line of its own" in gap[
        "why_it_matters"]
    # access logging is on already: the patch only adds the header, the log destination stays as it is
    assert patch_of(gap["how_to_collect"]) == {"spec": {"logging": {"access": {"httpCaptureHeaders": {
        "request": [{"name": "Host", "maxLength": 256}]}}}}}
    assert gap["how_to_collect"].endswith("  # then reproduce the errors and collect the router logs again")


def test_no_gap_once_the_host_is_captured(tmp_path: Path):
    root = copy_scenario(tmp_path, SCENARIO)
    capture_host(root, HOST)
    assert host_gaps(result(root)) == []


def test_headers_captured_already_are_kept_and_odd_names_left_out(tmp_path: Path):
    """A merge patch replaces the list: the headers the controller captures stay in it; a name from the archive
    that is not a plain header name is not pasted into the command (it stands inside single quotes)."""
    root = copy_scenario(tmp_path, SCENARIO)

    def capture(ic: dict) -> None:
        ic["spec"]["logging"]["access"]["httpCaptureHeaders"] = {"request": [
            {"name": "X-Forwarded-For", "maxLength": 64}, {"name": "x'; rm -rf ~; '", "maxLength": 8},
            {"name": "host", "maxLength": 10}]}

    edit(one_file(root, "ingresscontrollers/default.yaml"), capture)
    [gap] = host_gaps(result(root))
    assert patch_of(gap["how_to_collect"])["spec"]["logging"]["access"]["httpCaptureHeaders"] == {
        "request": [{"name": "X-Forwarded-For", "maxLength": 64}, {"name": "Host", "maxLength": 256}]}
    assert not unquoted_expansions(gap["how_to_collect"]) and "rm -rf" not in gap["how_to_collect"]


def test_with_access_logging_off_the_patch_turns_it_on_too(tmp_path: Path):
    root = copy_scenario(tmp_path, SCENARIO)
    edit(one_file(root, "ingresscontrollers/default.yaml"), lambda ic: ic["spec"].pop("logging"))
    [gap] = host_gaps(result(root))
    assert patch_of(gap["how_to_collect"])["spec"]["logging"]["access"] == {
        "destination": {"type": "Container"}, "httpCaptureHeaders": {"request": [{"name": "Host", "maxLength": 256}]}}
