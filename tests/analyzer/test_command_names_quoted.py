"""Every name from the inputs that a finding's command holds is quoted: a crafted archive runs nothing.

Each firing scenario is copied with the names of its pods, nodes, workloads, autoscalers, ingress
controllers and connectivity checks renamed everywhere (objects, events, log lines) to a name a shell
would run (``web$(id)``), then analysed. Its reviewed findings must still fire (and its ``not_codes`` not),
and no command of any finding may hold the renamed names' ``$(`` unquoted: outside quotes, or inside
double quotes without a backslash.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs

RENAMED_KINDS = {"Pod", "Node", "Deployment", "StatefulSet", "DaemonSet", "DeploymentConfig",
                 "HorizontalPodAutoscaler", "IngressController", "PodNetworkConnectivityCheck"}
SUFFIX = "$(id)"
FIRING = [s for s in SCENARIO_DIRS if "-fires-" in s.name]
# the firing scenarios whose commands hold none of the renamed names: they name the route, its service and its
# namespace only (K602's deployment is named as its namespace, which is not renamed; E203's scale to 0 and back asks
# no change, and its checks name the namespace)
NO_RENAMED_NAME_IN_COMMANDS = {"R103-fires-service-port-number", "K602-fires-rollout-no-prestop",
                               "N401-fires-deny-by-default", "N401-fires-hostnetwork-namespace-only",
                               "P302-fires-edge-to-tls-port", "P302-fires-reencrypt-to-http",
                               "E203-fires-scaled-to-zero-log-ends-failing"}


def _objects(document: object):
    if isinstance(document, dict):
        if document.get("kind", "").endswith("List") or "items" in document:
            for item in document.get("items") or []:
                yield from _objects(item)
        else:
            yield document


def renamed_names(scenario: Path) -> dict[str, str]:
    """Each name of the scenario's objects of :data:`RENAMED_KINDS` and the name a shell would run that
    replaces it, but for names that are also a namespace's (renaming those would move events and objects
    to another namespace). A connectivity check's name ends with the node it reaches
    (``…-to-network-check-target-<node>``): its hostile part goes first, so that end still names the node."""
    names: dict[str, str] = {}
    namespaces: set[str] = set()
    for path in scenario.rglob("*.yaml"):
        try:
            documents = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue
        for obj in (o for d in documents for o in _objects(d)):
            meta = obj.get("metadata") or {}
            namespaces.add(meta.get("namespace") or "")
            if obj.get("kind") == "Namespace":
                namespaces.add(meta.get("name") or "")
            if obj.get("kind") in RENAMED_KINDS and meta.get("name"):
                name = meta["name"]
                names[name] = SUFFIX + name if obj["kind"] == "PodNetworkConnectivityCheck" else name + SUFFIX
    return {name: hostile for name, hostile in names.items() if name not in namespaces}


def hostile_copy(scenario: Path, into: Path, names: dict[str, str]) -> Path:
    """``scenario`` copied to ``into`` with each name of ``names`` (a whole name, not a part of a longer one)
    replaced by its hostile name in every file's text."""
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rb"(?<![\w.-])(" + alternatives + rb")(?![\w.-])")
    target = into / scenario.name
    shutil.copytree(scenario, target)
    for path in target.rglob("*"):
        if path.is_file() and path.name != "expected.json":  # bytes: line ends and encodings stay as they are
            path.write_bytes(pattern.sub(lambda m: names[m.group(1).decode()].encode(), path.read_bytes()))
    return target


def unquoted_expansions(command: str) -> list[int]:
    """Where ``command`` holds a ``$(`` or a backtick that bash would expand: outside quotes, or inside
    double quotes without a backslash before it (a comment expands nothing)."""
    found: list[int] = []
    state, i = "", 0
    while i < len(command):
        ch = command[i]
        if state == "'":
            state = "" if ch == "'" else state
        elif ch == "\\":
            i += 1  # the next character is literal, outside quotes and (for $ ` " \) inside double quotes
        elif state == "" and ch == "#" and (i == 0 or command[i - 1].isspace()):
            break
        elif state == "" and ch == "'":
            state = "'"
        elif ch == '"':
            state = "" if state == '"' else '"'
        elif ch == "`" or command.startswith("$(", i):
            found.append(i)
        i += 1
    return found


def test_the_checker_finds_what_bash_would_run():
    assert unquoted_expansions("oc logs web$(id)") == [11]
    assert unquoted_expansions("oc logs 'web$(id)'") == []
    assert unquoted_expansions('oc logs "web$(id)"') == [12]
    assert unquoted_expansions('oc logs "web\\$(id)\\`"') == []
    assert unquoted_expansions("oc logs web\\$(id)") == []
    assert unquoted_expansions("oc get pods   # web$(id)") == []
    assert unquoted_expansions("oc -p '{\"a\":\"web`id`\"}' x`id`") == [25, 28]


@pytest.mark.parametrize("scenario", FIRING, ids=lambda p: p.name)
def test_names_a_shell_would_run_are_quoted_in_every_command(scenario: Path, tmp_path: Path):
    names = renamed_names(scenario)
    if not names:
        pytest.skip(f"{scenario.name}: no pod, node, workload, autoscaler, controller or check to rename")
    copy = hostile_copy(scenario, tmp_path, names)
    inputs, logs = scenario_inputs(copy)
    report = analyze(load_snapshot(inputs, logs), tool_version="test").to_dict()
    expected = json.loads((scenario / "expected.json").read_text())
    fired = {(f["code"], (f["route"] or "").replace(SUFFIX, "") or None) for f in report["findings"]}
    assert {(f["code"], f.get("route")) for f in expected["findings"]} <= fired, "the copy must fire as the scenario"
    assert not {code for code, _ in fired} & set(expected.get("not_codes", []))
    commands = [(f["code"], c) for f in report["findings"] for c in f["remediation"] + f.get("diagnostics", [])]
    reached = any(SUFFIX in c for _, c in commands)
    assert reached != (scenario.name in NO_RENAMED_NAME_IN_COMMANDS), "which commands hold a renamed name changed"
    # a rule's own substitution (``$(jq -Rs . < pod-ca.crt)``) is meant to run; a renamed name's is not
    bad = [(code, c) for code, c in commands if any(c.startswith(SUFFIX, i) for i in unquoted_expansions(c))]
    assert not bad
