"""A finding dated by its service's change names that change's source truthfully: "last edit, managedFields"
only where ``managedFields`` dates an edit, "creation, creationTimestamp" where only the creation dates the
object (``common.dated_change``: a service created with the wrong port or selector was never edited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analyzer.scenario_helpers import copy_scenario, edit, one_file, result

CASES = [("time-service-port-edited-mid-window", "discovery", "search", "P301"),
         ("time-selector-edited-mid-window", "accounts", "profile", "E201")]


def began(out: dict, code: str) -> str:
    [finding] = [f for f in out["findings"] if f["id"].endswith(f"-{code}")]
    return finding["explanation"].split(" It began at ", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize(("scenario", "namespace", "service", "code"), CASES)
def test_an_edit_is_named_as_an_edit(tmp_path: Path, scenario: str, namespace: str, service: str, code: str):
    out = result(copy_scenario(tmp_path, scenario))
    assert began(out, code) == f"08:40:00 (service {service}'s last edit, managedFields)"


@pytest.mark.parametrize(("scenario", "namespace", "service", "code"), CASES)
def test_a_creation_is_named_as_a_creation(tmp_path: Path, scenario: str, namespace: str, service: str, code: str):
    root = copy_scenario(tmp_path, scenario)

    def created_so(svc: dict) -> None:  # created with the fault at 08:40, never edited
        svc["metadata"].pop("managedFields", None)
        svc["metadata"]["creationTimestamp"] = "2026-11-20T08:40:00Z"

    edit(one_file(root, f"{namespace}/core/services.yaml"), created_so)
    assert began(result(root), code) == f"08:40:00 (service {service}'s creation, creationTimestamp)"
