"""A gap's command is pasted as it is (the reports give it a copy button): the names from the inputs in it are
quoted where a shell would run them, and what to fill in is an upper-case word, not a ``<placeholder>``."""

from __future__ import annotations

import shlex
from pathlib import Path

from analyzer.gaps import find_gaps
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_command_names_quoted import unquoted_expansions
from tests.analyzer.test_fix_placeholders import ANGLE, _code

HOSTILE = "shop$(id)"
DUMP = f"""apiVersion: v1
kind: List
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata: {{name: web, namespace: {HOSTILE}}}
  spec: {{host: web.example.com, to: {{kind: Service, name: web}}}}
- apiVersion: operator.openshift.io/v1
  kind: IngressController
  metadata: {{name: {HOSTILE}, namespace: openshift-ingress-operator}}
  spec: {{}}
"""


def test_names_in_gap_commands_are_quoted(tmp_path: Path):
    dump = tmp_path / "dump.yaml"
    dump.write_text(DUMP)
    snap = load_snapshot([str(dump)])
    commands = [g.how_to_collect for g in find_gaps(snap, [HOSTILE])]
    inspect = next(c for c in commands if c.startswith("oc adm inspect"))
    assert shlex.split(_code(inspect)) == ["oc", "adm", "inspect", f"ns/{HOSTILE}", f"--dest-dir=inspect-{HOSTILE}"]
    assert any(f"ingresscontroller/'{HOSTILE}'" in c for c in commands)  # access logging off on that controller
    for command in commands:
        assert not unquoted_expansions(command), command
        assert not ANGLE.search(_code(command)), command


def test_without_routes_the_gap_says_what_to_fill_in():
    [gap] = [g for g in find_gaps(load_snapshot([]), []) if g.what == "No Route objects in the inputs"]
    assert gap.how_to_collect.startswith("oc adm inspect ns/NAMESPACE  # NAMESPACE: the application's namespace")
    assert not ANGLE.search(_code(gap.how_to_collect))


def test_the_router_log_command_asks_for_every_line_of_each_router_pod(tmp_path: Path):
    """With a label selector `oc logs` prints the last 10 lines of each pod unless --tail says otherwise: the
    access log it collects must be whole."""
    from tests.analyzer.scenario_helpers import copy_scenario, one_file, result

    root = copy_scenario(tmp_path, "R101-fires-sharded-away")  # access logging on, to the container
    one_file(root, "current.log").unlink()
    [gap] = [g for g in result(root)["gaps"] if g["what"].startswith("Router access logs of IngressController")]
    assert shlex.split(_code(gap["how_to_collect"])) == [
        "oc", "logs", "-n", "openshift-ingress", "-l",
        "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=default", "-c", "logs", "--timestamps",
        "--tail=-1", ">", "access.log"]
