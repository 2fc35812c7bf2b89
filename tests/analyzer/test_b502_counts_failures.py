"""B502 counts the queued requests that failed, not every one that waited: a reply must not call a
request that waited and was answered a failure, and the count is the finding's share of the ledger."""

from __future__ import annotations

import pytest

from tests.analyzer.scenario_helpers import SCENARIOS, result


@pytest.mark.parametrize(("scenario", "queued", "rejected"), [
    ("B502-fires-maxconn-queue", 40, 10),
    ("time-saturation-mid-window", 60, 15),
])
def test_b502_affected_requests_are_the_failed_queued_requests(scenario: str, queued: int, rejected: int):
    out = result(SCENARIOS / scenario)
    [f] = [f for f in out["findings"] if f["code"] == "B502"]
    [share] = [s["requests"] for r in out["routes"] for s in (r["error_ledger"] or {}).get("by_finding", [])
               if s["finding"] == f["id"]]
    assert f["title"] == f"{queued} requests queued, {rejected} rejected with 503 sQ"
    assert f["affected_requests"] == share == rejected
    assert f"{rejected} requests failed between" in f["customer_summary"]
    assert f"{queued} requests failed" not in f["customer_summary"]
