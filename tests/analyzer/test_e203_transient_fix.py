"""E203's transient outage: when pods were created or deleted around it (replicas replaced together), the fix
keeps one serving (a rollout that starts new pods first, a PodDisruptionBudget); when the archive shows no such
change, no fix is guessed."""

from __future__ import annotations

from pathlib import Path

from tests.analyzer.scenario_helpers import copy_scenario, result
from tests.analyzer.test_k602_pods_that_stayed import port_set_right


def e203(out: dict) -> dict:
    [finding] = [f for f in out["findings"] if f["id"].endswith("-E203")]
    return finding


def test_replicas_replaced_together_get_the_changes_that_keep_one_serving(tmp_path: Path):
    finding = e203(result(copy_scenario(tmp_path, "E203-fires-transient-outage")))
    assert "was created at" in finding["explanation"]
    assert finding["remediation"] == [
        "oc -n inventory patch deployment/stock --type=merge -p "
        '\'{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0}}}}\'   # a rollout starts new pods first',
        "oc -n inventory create poddisruptionbudget stock --min-available=1 --selector=app=stock"
        "   # a drain evicts one replica at a time",
    ]


def test_an_outage_with_no_pod_change_in_the_archive_gets_no_guessed_fix(tmp_path: Path):
    finding = e203(result(port_set_right(tmp_path)))
    assert "Nothing in the archive changed around that time" in finding["explanation"]
    assert finding["remediation"] == [] and finding["diagnostics"]
