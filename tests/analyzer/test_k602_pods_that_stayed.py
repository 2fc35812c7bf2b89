"""K602 reads a refused health check (``is DOWN, reason: Layer4 connection problem``) as a pod replaced only when
the pod went away: gone from the archive, or back under its name after the DOWN. Here the service's targetPort
pointed at a port nothing listens on from 08:40, and was set right before collection: both pods ran all along,
so their DOWN lines and 503 ``SC`` are not a rollout's (the scenario as committed, with the port still wrong, is
P301's: ``time-service-port-edited-mid-window``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analyzer.scenario_helpers import copy_scenario, edit, one_file, result

SCENARIO = "time-service-port-edited-mid-window"


def port_set_right(tmp_path: Path) -> Path:
    root = copy_scenario(tmp_path, SCENARIO)

    def right_port(service: dict) -> None:
        for port in service["spec"]["ports"]:
            port["targetPort"] = 8080

    edit(one_file(root, "discovery/core/services.yaml"), right_port)
    return root


def codes(out: dict) -> list[str]:
    return sorted(f["id"].split("-", 1)[1] for f in out["findings"])


def test_the_down_of_pods_that_ran_all_along_is_not_a_rollout(tmp_path: Path):
    out = result(port_set_right(tmp_path))
    assert "K602" not in codes(out)
    [route] = out["routes"]
    assert route["error_ledger"]["unexplained"] == 2  # the two 503 SC before the DOWN: no finding claims them


@pytest.mark.parametrize(("field", "value"), [
    ("creationTimestamp", "2026-11-20T08:41:00Z"),  # a StatefulSet's pod replaced keeps its name, created anew
    ("deletionTimestamp", "2026-11-20T08:40:05Z"),  # being deleted when the router marked it DOWN
])
def test_the_down_of_a_pod_that_went_away_is_a_rollout(tmp_path: Path, field: str, value: str):
    root = port_set_right(tmp_path)

    def went_away(pod: dict) -> None:
        pod["metadata"][field] = value

    edit(one_file(root, "discovery/core/pods.yaml"), went_away)
    assert "K602" in codes(result(root))
