"""P301 on a targetPort corrected before collection: the archive holds only the corrected service, the access
log's server names hold the old port (fixtures/scenarios/time-service-port-fixed-before-collection)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.analyzer.scenario_helpers import SCENARIOS, copy_scenario, edit, one_file, result, router_log

NAME = "time-service-port-fixed-before-collection"


def p301(out: dict) -> list[dict]:
    return [f for f in out["findings"] if f["code"] == "P301"]


def test_the_old_port_is_named_from_the_log_and_the_fix_from_managed_fields():
    [f] = p301(result(SCENARIOS / NAME))
    assert (f["severity"], f["confidence"], f["status_at_collection"]) == ("warning", "medium", "ended")
    assert (f["first_seen"], f["last_seen"], f["ended_at"]) == (
        "2026-11-20T08:40:00.120Z", "2026-11-20T08:45:50.415Z", "2026-11-20T08:45:50.415Z")
    assert f["affected_requests"] == 36  # 2 refused on the old port, 34 <NOSRV> after the Connection refused DOWN
    text = f["explanation"]
    assert "Service tracking's targetPort was 8081" in text
    assert "servers named 10.128.2.31:8081, 10.131.0.44:8081 until 08:40:10" in text
    assert "they declare [8080], and the service sends to 8080 now" in text
    assert "The errors stopped when the service was edited at 08:45:55 (managedFields)" in text
    assert "answered from 08:46:00" in text
    assert f["remediation"] == []  # over: nothing to change
    assert any("get service tracking" in d for d in f["diagnostics"])
    texts = [e["text"] for e in f["evidence"]]
    assert sum(":8081 0/3006/-1/-1/3006 503" in t for t in texts) == 2  # the failing lines, as logged
    assert any('is DOWN, reason: Layer4 connection problem, info: "Connection refused"' in t for t in texts)
    assert 'time: "2026-11-20T08:45:55Z"' in texts  # the service's managedFields entry of the fix


def test_the_route_is_degraded_and_every_error_is_explained():
    out = result(SCENARIOS / NAME)
    [route] = out["routes"]
    assert route["verdict"] == "degraded"
    assert route["error_ledger"]["unexplained"] == 0
    assert [f["code"] for f in out["findings"]] == ["P301"]  # not E203's "transient outage, reason unknown"


def test_without_a_dated_edit_the_finding_says_the_archive_does_not_date_the_change(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)
    edit(one_file(root, "parcels/core/services.yaml"), lambda s: s["metadata"].pop("managedFields"))
    [f] = p301(result(root))
    assert f["status_at_collection"] == "ended"
    assert "does not date the service's change" in f["explanation"]
    assert "edited at" not in f["explanation"]
    assert not any(e["text"].startswith("time:") for e in f["evidence"])


def test_quiet_when_the_old_port_is_one_the_containers_declare(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)

    def second_port(pod: dict) -> None:
        pod["spec"]["containers"][0]["ports"].append({"containerPort": 8081, "name": "admin", "protocol": "TCP"})

    edit(one_file(root, "parcels/core/pods.yaml"), second_port)
    assert p301(result(root)) == []  # nothing says the port was not served: no guess


def test_quiet_without_the_access_log(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)
    router_log(root).unlink()
    assert p301(result(root)) == []


def test_not_an_ended_finding_while_the_old_port_still_fails(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)
    log = router_log(root)
    kept = [x for x in log.read_text().splitlines() if not re.search(r"\[20/Nov/2026:08:(4[6-9]|5\d)", x)]
    log.write_text("\n".join(kept) + "\n")  # the log ends in the outage: no answer at the current port
    assert not [f for f in p301(result(root)) if f["status_at_collection"] == "ended"]


def test_the_current_port_failing_stays_the_ordinary_finding(tmp_path: Path):
    root = copy_scenario(tmp_path, NAME)

    def still_wrong(svc: dict) -> None:
        svc["spec"]["ports"][0]["targetPort"] = 8081

    edit(one_file(root, "parcels/core/services.yaml"), still_wrong)
    [f] = p301(result(root))
    assert "targetPort was" not in f["explanation"]
    assert "sends to targetPort 8081, but the pods' containers declare only [8080]" in f["explanation"]
