"""Prometheus alerts as must-gather stores them: firing and pending only, one row per alert."""

from __future__ import annotations

import json

import pytest

from parsers import schema
from parsers.alerts import AlertsError, parse_alerts
from tests.conftest import FIXTURES

PLATFORM = FIXTURES / "platform"


def test_rules_api_shape_gives_firing_and_pending_alerts_with_labels():
    rows = parse_alerts((PLATFORM / "alerts-rules-api.json").read_bytes(), input="mg", source="monitoring/alerts.json")
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"HAProxyReloadFail", "KubeNodeNotReady", "Watchdog"}  # inactive rule and bad alert out
    reload = by_name["HAProxyReloadFail"]
    assert (reload["state"], reload["severity"], reload["namespace"]) == ("firing", "warning", "openshift-ingress")
    assert reload["pod"] == "router-default-6dd4c95495-7dqkw"
    assert reload["active_at"] == "2026-11-24T02:12:16.534956073Z"
    assert json.loads(reload["labels"])["container"] == "router"
    assert reload["line"] == 3  # the line of its activeAt
    assert by_name["KubeNodeNotReady"]["state"] == "pending"
    assert by_name["KubeNodeNotReady"]["node"] == "worker-1"
    frame = schema.conform("alerts", rows)
    assert list(frame.columns) == schema.column_names("alerts")
    assert frame["active_at"].notna().all()


def test_alerts_api_shape_and_replica_duplicates_are_one_row():
    rows = parse_alerts((PLATFORM / "alerts-alerts-api.json").read_bytes(), input="mg", source="p.json")
    assert [(r["name"], r["namespace"], r["summary"]) for r in rows] == [
        ("KubePodCrashLooping", "shop", "Pod is crash looping.")
    ]


@pytest.mark.parametrize("data", [b"not json", b'{"status":"success","data":{"resultType":"vector"}}', b"[]"])
def test_other_files_are_refused_with_a_reason(data):
    with pytest.raises(AlertsError):
        parse_alerts(data, input="i", source="s")
