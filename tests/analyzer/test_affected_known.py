"""A finding's ``affected_requests`` is 0 either because no request was affected or because none was measured:
``affected_requests_known`` says which (report-contract v1.1 "Verdicts": counts are unknown, not zero)."""

from __future__ import annotations

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.analyzer.scenario_helpers import SCENARIOS
from tests.conftest import INSPECT_SHOP

SCENARIO = SCENARIOS / "time-termination-edge-to-reencrypt"  # its router's access log is inside the must-gather


def findings(inputs: list[str], logs: list[str] | None = None, want_logs: bool = True) -> list[dict]:
    out = analyze(load_snapshot(inputs, logs or [], want_logs=want_logs), tool_version="test").to_dict()
    assert out["findings"]
    return out["findings"]


def _inputs() -> list[str]:
    return sorted(str(p) for p in SCENARIO.iterdir() if p.is_dir())


def test_counted_findings_say_their_count_is_known():
    found = findings(_inputs())
    assert [(f["affected_requests"], f["affected_requests_known"]) for f in found if f["code"] == "P302"] == [
        (54, True)]
    assert all(f["affected_requests_known"] for f in found)


def test_without_access_logs_every_count_is_unknown_not_zero():
    found = findings(_inputs(), want_logs=False)
    assert {(f["affected_requests"], f["affected_requests_known"]) for f in found} == {(0, False)}


def test_logs_of_other_routes_only_leave_the_routes_counts_unknown(tmp_path):
    log = tmp_path / "other.log"
    log.write_text(  # a request of a route the inputs do not hold
        "10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:elsewhere:app/pod:app-1:app:http:"
        '10.128.0.9:8080 0/0/1/2/3 200 512 - - --VN 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n'
    )
    found = findings([str(INSPECT_SHOP)], [str(log)])
    on_routes = [f for f in found if f["route"] is not None]
    assert on_routes and all(not f["affected_requests_known"] and f["affected_requests"] == 0 for f in on_routes)
    assert all(f["affected_requests_known"] for f in found if f["route"] is None)  # measured: the logs were read
