"""I703, I704 and I705 beyond their scenarios: incident ids, evidence, the limit read, the state at collection."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from analyzer.model import IncidentStatus, Severity
from parsers.haproxy_config import parse_haproxy_config
from tests.analyzer.test_scenarios import run_scenario
from tests.conftest import FIXTURES

SCENARIOS = FIXTURES / "scenarios"
SATURATED = SCENARIOS / "I703-fires-router-at-maxconn"
DRAINED = SCENARIOS / "I704-fires-drain-took-every-replica"
SPREAD = SCENARIOS / "I704-quiet-replica-on-another-node"
UNREACHABLE = SCENARIOS / "I705-fires-node-pod-network-down"


def _copy(tmp_path: Path, scenario: Path) -> Path:
    copy = tmp_path / scenario.name
    shutil.copytree(scenario, copy)
    return copy


def _file(root: Path, name: str) -> Path:
    return next(root.glob(f"**/{name}"))


def _found(root: Path, code: str) -> dict:
    return {f.route: f for f in run_scenario(root).findings if f.code == code}


# ---------------------------------------------------------------- I703
def test_saturation_one_incident_over_three_routes_citing_the_limit_line():
    found = _found(SATURATED, "I703")
    assert set(found) == {"web", "promo", "api"}
    assert {f.incident for f in found.values()} == {"router-saturation@2026-11-20T08:38:00.747Z"}
    limit = [e for e in found["web"].evidence if e.source.endswith("haproxy.config")]
    assert [(e.line, e.text) for e in limit] == [(2, "maxconn 50000")]
    assert "49896 connections (99% of maxconn 50000" in found["web"].explanation
    assert {f.affected_requests for f in found.values()} == {8}
    assert {f.status_at_collection for f in found.values()} == {IncidentStatus.ENDED}  # 200s follow at 08:42


def test_saturation_limit_from_tuning_options_when_no_config_was_collected(tmp_path):
    root = _copy(tmp_path, SATURATED)
    _file(root, "haproxy.config").unlink()
    ic = _file(root, "default.yaml")
    obj = yaml.safe_load(ic.read_text())
    obj["spec"]["tuningOptions"]["maxConnections"] = 200000  # the busy lines are far from this limit
    ic.write_text(yaml.safe_dump(obj))
    assert _found(root, "I703") == {}


def test_saturation_against_the_default_limit_without_config_or_tuning(tmp_path):
    root = _copy(tmp_path, SATURATED)
    _file(root, "haproxy.config").unlink()
    found = _found(root, "I703")
    assert set(found) == {"web", "promo", "api"}
    assert "the router's default maxconn 50000" in found["web"].explanation
    assert not [e for e in found["web"].evidence if e.source.endswith("haproxy.config")]


def test_one_route_failing_at_the_limit_is_not_router_saturation(tmp_path):
    root = _copy(tmp_path, SATURATED)
    log = _file(root, "current.log")
    kept = [x for x in log.read_text().splitlines() if " be_edge_http:shop:web/" in x or " 200 " in x]
    log.write_text("\n".join(kept) + "\n")
    assert _found(root, "I703") == {}


def test_the_config_keeps_the_line_of_each_limit():
    text = "global\n  maxconn 20000\n  nbthread 4\n\ndefaults\n  maxconn 20000\n  timeout server 30s\n"
    cfg = parse_haproxy_config(text, ingresscontroller="default", router_pod="router-default-x", input="in",
                               source="ingress_controllers/default/router-default-x/haproxy.config")
    assert cfg.defaults["lines"] == {"global maxconn": 2, "global nbthread": 3, "defaults maxconn": 6}
    assert cfg.defaults["where"] == {"input": "in", "source": "ingress_controllers/default/router-default-x/"
                                                              "haproxy.config"}


# ---------------------------------------------------------------- I704
def test_drain_owns_the_503s_of_the_evicted_replicas_and_ended_when_the_node_came_back():
    [f] = _found(DRAINED, "I704").values()
    assert f.severity == Severity.CRITICAL and f.incident == "node-disruption@2026-11-20T08:39:48Z"
    assert f.status_at_collection == IncidentStatus.ENDED and f.ended_at.isoformat() == "2026-11-20T08:48:30+00:00"
    texts = [e.text for e in f.evidence]
    assert any("NodeNotSchedulable" in t for t in texts) and any("NodeSchedulable'" in t for t in texts)
    assert sum("Successfully assigned shop/web-7c9d5b6f48-" in t and "to worker-1" in t for t in texts) == 2
    result = run_scenario(DRAINED)
    [route] = result.routes
    assert [(s.cause, s.requests) for s in route.error_ledger.by_finding] == [("node-disruption", 12)]
    assert not [x for x in result.findings if x.code in ("E203", "K602", "K601")]  # symptoms of the drain


PDB_LIST = """apiVersion: policy/v1
kind: PodDisruptionBudgetList
items:
{items}
"""
PDB = """- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {{name: {name}, namespace: shop}}
  spec:
    {limit}
    selector:
      matchLabels: {{app: {app}}}
  status: {{currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 2}}
"""


def _with_budgets(tmp_path: Path, *items: str) -> Path:
    root = _copy(tmp_path, DRAINED)
    ns = _file(root, "shop.yaml").parent
    (ns / "policy").mkdir()
    (ns / "policy" / "poddisruptionbudgets.yaml").write_text(PDB_LIST.format(items="".join(items) or " []"))
    return root


def test_the_drain_says_the_budgets_were_not_collected_and_proposes_one():
    finding = _found(DRAINED, "I704")["web"]
    assert "PodDisruptionBudgets of namespace shop were not collected" in finding.explanation
    assert any("create poddisruptionbudget web --min-available=1 --selector=app=web" in f for f in finding.remediation)


def test_no_budget_selecting_the_pods_is_said_and_one_is_proposed(tmp_path):
    other = PDB.format(name="db", limit="minAvailable: 1", app="db")
    finding = _found(_with_budgets(tmp_path, other), "I704")["web"]
    assert "No PodDisruptionBudget of namespace shop selects these pods" in finding.explanation
    assert any("create poddisruptionbudget web" in f for f in finding.remediation)
    finding = _found(_with_budgets(tmp_path / "empty"), "I704")["web"]
    assert "No PodDisruptionBudget of namespace shop selects these pods" in finding.explanation


def test_a_budget_selecting_the_pods_is_named_with_its_terms_and_cited(tmp_path):
    mine = PDB.format(name="web-pdb", limit="maxUnavailable: 50%", app="web")
    finding = _found(_with_budgets(tmp_path, mine), "I704")["web"]
    assert ("PodDisruptionBudget web-pdb (maxUnavailable 50%, 0 disruptions allowed at collection) selects these "
            "pods") in finding.explanation
    assert not any("create poddisruptionbudget" in f for f in finding.remediation)
    cited = [e for e in finding.evidence if e.source.endswith("policy/poddisruptionbudgets.yaml")]
    assert [e.text.strip() for e in cited] == ["status: {currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0, "
                                              "expectedPods: 2}"]
    assert finding.severity == Severity.CRITICAL  # the budget did not keep a replica: the route had none


def test_a_node_still_not_ready_at_collection_is_an_ongoing_disruption(tmp_path):
    root = _copy(tmp_path, DRAINED)
    events = _file(root.glob("must-gather.*").__next__(), "events.yaml")
    obj = yaml.safe_load(events.read_text())
    obj["items"] = [e for e in obj["items"] if e["reason"] not in ("NodeReady", "NodeSchedulable", "Rebooted")]
    events.write_text(yaml.safe_dump(obj))
    node = _file(root, "worker-1.lab-cluster.example.net.yaml")
    n = yaml.safe_load(node.read_text())
    n["status"]["conditions"][0].update(status="Unknown", reason="NodeStatusUnknown")
    n["spec"]["unschedulable"] = True
    node.write_text(yaml.safe_dump(n))
    [f] = _found(root, "I704").values()
    assert f.status_at_collection == IncidentStatus.ONGOING and f.ended_at is None
    assert any(e.text == "unschedulable: true" and e.source.endswith("worker-1.lab-cluster.example.net.yaml")
               for e in f.evidence)


def test_without_access_logs_every_replica_on_the_drained_node_still_fires(tmp_path):
    root = _copy(tmp_path, DRAINED)
    _file(root, "current.log").unlink()
    [f] = _found(root, "I704").values()
    assert f.severity == Severity.CRITICAL and f.affected_requests == 0
    assert "no other replica was running then" in f.explanation


def test_a_surviving_replica_with_errors_on_the_evicted_one_is_a_warning(tmp_path):
    root = _copy(tmp_path, SPREAD)
    log = _file(root, "current.log")
    lines = log.read_text().splitlines()
    evicted = "pod:web-7c9d5b6f48-k2x9p:"
    hit = [i for i, x in enumerate(lines) if evicted in x and re.search(r"\[20/Nov/2026:08:40:[0-2]", x)]
    assert hit
    for i in hit:
        lines[i] = re.sub(r" \d+/\d+/\d+/\d+/\d+ 200 \d+ - - --VN ", " 0/0/-1/-1/3 503 2656 - - SC-- ", lines[i])
    log.write_text("\n".join(lines) + "\n")
    [f] = _found(root, "I704").values()
    assert f.severity == Severity.WARNING and f.affected_requests == len(hit)
    assert "while web-7c9d5b6f48-w7q4d ran elsewhere" in f.explanation


# ---------------------------------------------------------------- I705
def test_unreachable_node_owns_the_connect_timeouts_of_its_pods_only():
    [f] = _found(UNREACHABLE, "I705").values()
    assert f.severity == Severity.CRITICAL and f.incident == "pod-network-unreachable@2026-11-20T08:40:00Z"
    assert f.status_at_collection == IncidentStatus.ENDED
    assert f.evidence[0].text == 'start: "2026-11-20T08:40:00Z"'
    assert f.evidence[0].source.endswith("pod_network_connectivity_check/podnetworkconnectivitychecks.yaml")
    assert [e.text for e in f.evidence[1:3]] == ["nodeName: worker-2.lab-cluster.example.net"] * 2
    assert f.affected_requests == 18
    assert "node worker-2.lab-cluster.example.net" in f.explanation  # the check's short name, resolved


def test_an_outage_still_open_at_collection_fires_without_access_logs(tmp_path):
    root = _copy(tmp_path, UNREACHABLE)
    _file(root, "current.log").unlink()
    checks = _file(root, "podnetworkconnectivitychecks.yaml")
    obj = yaml.safe_load(checks.read_text())
    obj["items"][0]["status"]["outages"][0]["end"] = None
    checks.write_text(yaml.safe_dump(obj))
    [f] = _found(root, "I705").values()
    assert f.severity == Severity.WARNING and f.status_at_collection == IncidentStatus.ONGOING
    assert "no access-log lines" in f.explanation


def test_an_ended_outage_without_access_logs_is_not_a_finding(tmp_path):
    root = _copy(tmp_path, UNREACHABLE)
    _file(root, "current.log").unlink()
    assert _found(root, "I705") == {}


@pytest.mark.parametrize("scenario", [SATURATED, DRAINED, UNREACHABLE], ids=lambda p: p.name)
def test_every_platform_finding_names_its_incident_and_when_it_began(scenario: Path):
    for f in run_scenario(scenario).findings:
        if f.code in ("I703", "I704", "I705"):
            assert f.incident and f.incident.startswith(f"{f.cause}@") and f.began_at is not None


def test_a_cordon_alone_takes_no_pod_away(tmp_path):
    root = _copy(tmp_path, DRAINED)
    _file(root, "current.log").unlink()
    node_events = _file(next(root.glob("must-gather.*")), "events.yaml")
    obj = yaml.safe_load(node_events.read_text())
    obj["items"] = [e for e in obj["items"] if e["reason"] in ("NodeNotSchedulable", "Cordon", "NodeSchedulable")]
    node_events.write_text(yaml.safe_dump(obj))
    pod_events = _file(next(root.glob("inspect.*")), "events.yaml")
    obj = yaml.safe_load(pod_events.read_text())
    obj["items"] = [e for e in obj["items"] if e["reason"] != "Killing"]
    pod_events.write_text(yaml.safe_dump(obj))
    assert _found(root, "I704") == {}


SPLIT = SCENARIOS / "I705-fires-connect-timeouts-on-one-node"


def test_the_access_log_alone_names_the_node_when_two_services_fail_only_there():
    found = _found(SPLIT, "I705")
    assert set(found) == {"web", "promo"}
    assert {f.incident for f in found.values()} == {"pod-network-unreachable@2026-11-20T08:40:00.669Z"}
    assert {f.severity for f in found.values()} == {Severity.WARNING}  # the worker-0 pods kept serving
    assert {f.status_at_collection for f in found.values()} == {IncidentStatus.ENDED}


@pytest.mark.parametrize("change", ["one-route", "elsewhere-too", "nothing-answered-elsewhere"])
def test_connect_failures_of_one_route_beyond_the_node_or_with_no_pod_answering_name_no_node(tmp_path, change: str):
    root = _copy(tmp_path, SPLIT)
    log = _file(root, "current.log")
    lines = log.read_text().splitlines()
    if change == "one-route":
        lines = [x for x in lines if not (" be_edge_http:shop:promo/" in x and " sC-- " in x)]
    elif change == "nothing-answered-elsewhere":  # the router reached no pod at all: not one node's network
        lines = [x for x in lines if "-7c9d5b6f48-w7q4d:" not in x]
    else:  # promo also fails to connect to its worker-0 pod: not a node's network
        lines = [re.sub(r" \S+ 200 \d+ - - --VN ", " 0/0/-1/-1/20004 503 2656 - - sC-- ", x)
                 if " be_edge_http:shop:promo/pod:promo-7c9d5b6f48-w7q4d:" in x and "[20/Nov/2026:08:41:" in x
                 else x for x in lines]
    failing = [x for x in lines if " sC-- " in x]
    assert failing and (change != "elsewhere-too" or any("promo-7c9d5b6f48-w7q4d:" in x for x in failing))
    log.write_text("\n".join(lines) + "\n")
    assert _found(root, "I705") == {}


def test_gone_pods_without_scheduled_events_are_placed_by_their_ip_in_the_node_subnet(tmp_path):
    root = _copy(tmp_path, DRAINED)
    pod_events = _file(next(root.glob("inspect.*")), "events.yaml")
    obj = yaml.safe_load(pod_events.read_text())
    obj["items"] = [e for e in obj["items"] if e["reason"] != "Scheduled"]
    pod_events.write_text(yaml.safe_dump(obj))
    [f] = _found(root, "I704").values()
    assert f.severity == Severity.CRITICAL and f.affected_requests == 12
    subnet = [e for e in f.evidence if e.source.endswith("worker-1.lab-cluster.example.net.yaml")]
    assert subnet and all("10.128.2.0/23" in e.text for e in subnet)


def test_saturation_is_unknown_when_haproxy_sizes_its_own_limit(tmp_path):
    root = _copy(tmp_path, SATURATED)
    _file(root, "haproxy.config").unlink()
    ic = _file(root, "default.yaml")
    obj = yaml.safe_load(ic.read_text())
    obj["spec"]["tuningOptions"]["maxConnections"] = -1  # "auto": no maxconn line, the limit is not written anywhere
    ic.write_text(yaml.safe_dump(obj))
    assert _found(root, "I703") == {}


def test_the_default_limit_follows_the_cluster_version(tmp_path):
    root = _copy(tmp_path, SATURATED)
    _file(root, "haproxy.config").unlink()
    image = next(p for p in next(root.glob("must-gather.*")).iterdir() if p.is_dir())
    cv = image / "cluster-scoped-resources" / "config.openshift.io" / "clusterversions" / "version.yaml"
    cv.parent.mkdir(parents=True)
    cv.write_text(yaml.safe_dump({"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
                                  "metadata": {"name": "version"}, "spec": {"channel": "stable-4.10"},
                                  "status": {"desired": {"version": "4.10.3"}, "history": []}}))
    found = _found(root, "I703")
    assert set(found) == {"web", "promo", "api"}
    assert "the router's default maxconn 20000" in found["web"].explanation


@pytest.mark.parametrize(("scenario", "route", "check"), [(SATURATED, "web", "capacity-sufficient"),
                                                          (DRAINED, "web", "endpoints-populated")],
                         ids=["I703", "I704"])
def test_the_platform_finding_fails_the_check_it_answers(scenario: Path, route: str, check: str):
    [rr] = [r for r in run_scenario(scenario).routes if r.name == route]
    [item] = [c for c in rr.checklist if c.check == check]
    assert str(item.status) == "fail" and ("I703" in item.detail or "I704" in item.detail)
