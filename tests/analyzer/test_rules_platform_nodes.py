"""I703, I704 and I705 beyond their scenarios: incident ids, evidence, the limit read, the state at collection."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from analyzer.model import IncidentStatus, Severity
from analyzer.rules.platform.i704_node_disruption import NodeDisruption, _logged_during, _pod_ips
from analyzer.rules.platform.i705_pod_network_unreachable import _counted_answer_elsewhere
from analyzer.run import analyze
from parsers.haproxy_config import parse_haproxy_config
from parsers.load_snapshot import load_snapshot
from parsers.normal_lines import ENVIRONMENT, NormalLines
from tests.analyzer.test_scenarios import run_scenario, scenario_inputs
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


# ---------------------------------------------------------------- counted normal lines (MGA_NORMAL_LINES=counted)
def _found_counted(root: Path, code: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The findings of ``code`` as ``mga analyze`` reads the scenario when it counts the normal lines of the
    routes it keeps instead of keeping their rows (asserting that some were counted: the case is tested)."""
    monkeypatch.setenv(ENVIRONMENT, "counted")
    snap = load_snapshot(*scenario_inputs(root), keep_all_requests=False)
    assert len(snap.normal_lines) > 0
    return {f.route: f for f in analyze(snap, tool_version="test").findings if f.code == code}


def _same_findings(counted: dict, full: dict) -> None:
    """The counted reading says what the full frame says: the same routes, severities, claims and incident."""
    assert set(counted) == set(full)
    for route, f in full.items():
        g = counted[route]
        assert (g.severity, g.affected_requests, g.incident, g.first_seen, g.last_seen, g.explanation) == (
            f.severity, f.affected_requests, f.incident, f.first_seen, f.last_seen, f.explanation)


def test_counted_lines_still_show_that_pods_on_other_nodes_answered(monkeypatch):
    full = _found(SPLIT, "I705")
    assert set(full) == {"web", "promo"}  # the worker-0 pods' 200s are the answers elsewhere, all normal lines
    _same_findings(_found_counted(SPLIT, "I705", monkeypatch), full)


def test_counted_lines_are_access_log_lines_of_a_still_open_outage(tmp_path, monkeypatch):
    root = _copy(tmp_path, UNREACHABLE)
    log = _file(root, "current.log")
    log.write_text("".join(x for x in log.read_text().splitlines(keepends=True) if " 503 " not in x))
    checks = _file(root, "podnetworkconnectivitychecks.yaml")
    obj = yaml.safe_load(checks.read_text())
    obj["items"][0]["status"]["outages"][0]["end"] = None
    checks.write_text(yaml.safe_dump(obj))
    assert _found(root, "I705") == {}  # the route's requests succeeded: nothing of it to claim
    assert _found_counted(root, "I705", monkeypatch) == {}


def test_counted_lines_during_a_drain_say_the_route_rode_it_out(tmp_path, monkeypatch):
    root = _copy(tmp_path, DRAINED)
    log = _file(root, "current.log")
    log.write_text("".join(x for x in log.read_text().splitlines(keepends=True) if " 503 " not in x))
    assert _found(root, "I704") == {}  # only 200s while the node was away
    assert _found_counted(root, "I704", monkeypatch) == {}


def test_gone_pods_are_placed_by_the_ip_of_their_counted_lines(tmp_path, monkeypatch):
    root = _copy(tmp_path, DRAINED)
    pod_events = _file(next(root.glob("inspect.*")), "events.yaml")
    obj = yaml.safe_load(pod_events.read_text())
    obj["items"] = [e for e in obj["items"] if e["reason"] != "Scheduled"]
    pod_events.write_text(yaml.safe_dump(obj))
    log = _file(root, "current.log")  # the evicted pods' own 503s gone: only their 200s name their IPs
    log.write_text("".join(x for x in log.read_text().splitlines(keepends=True) if " SC-- " not in x
                           or "<NOSRV>" in x))
    full = _found(root, "I704")
    assert [f.severity for f in full.values()] == [Severity.CRITICAL]
    _same_findings(_found_counted(root, "I704", monkeypatch), full)


def _normal(rows: list[tuple[str, str, int]]) -> NormalLines:
    """Counted 200s of shop/web: (pod, server IP, accept time in ms) each."""
    frame = pd.DataFrame({
        "namespace": "shop", "route": "web", "server_kind": "pod", "status": 200, "term": "--", "Tc": 1,
        "pod": [p for p, _, _ in rows], "server_ip": [ip for _, ip, _ in rows],
        "ts": pd.to_datetime([t for _, _, t in rows], unit="ms", utc=True)})
    return NormalLines.of_frame(frame)


def _rows(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Rows of shop/web as the request frame holds them: (pod, server IP, accept time in ms) each."""
    return pd.DataFrame({"pod": pd.Series([p for p, _, _ in rows], dtype="string"),
                         "server_ip": [ip for _, ip, _ in rows],
                         "ts": pd.to_datetime([t for _, _, t in rows], unit="ms", utc=True)})


T_MS = 1_795_163_400_000  # 2026-11-20 08:30:00 UTC


def test_pod_ips_read_the_rows_and_the_counted_lines():
    counted = _normal([("a", "10.0.0.2", T_MS + 5), ("a", "10.0.0.3", T_MS + 1), ("b", "10.0.0.9", T_MS + 99)])
    keys = counted.route_keys("shop", "web")
    rows = _rows([("a", "10.0.0.1", T_MS + 3), ("a", "10.0.0.1", T_MS + 4)])
    ips, last = _pod_ips(rows, keys, "a")
    assert ips == ["10.0.0.3", "10.0.0.1", "10.0.0.2"]  # by first line of either kind
    assert last == datetime(2026, 11, 20, 8, 30, 0, 5000, tzinfo=UTC)
    assert _pod_ips(rows.iloc[0:0], keys, "a") == (["10.0.0.3", "10.0.0.2"], last)  # only counted lines
    assert _pod_ips(rows, keys.iloc[0:0], "a") == (["10.0.0.1"], datetime(2026, 11, 20, 8, 30, 0, 4000, tzinfo=UTC))
    assert _pod_ips(rows, keys, "c") == ([], None)  # a pod no line names


def test_logged_during_counts_a_counted_line_at_either_end_of_the_window():
    route = SimpleNamespace(namespace="shop", name="web")
    start, end = pd.Timestamp(T_MS, unit="ms", tz="UTC"), pd.Timestamp(T_MS + 60_000, unit="ms", tz="UTC")
    d = NodeDisruption("worker-1", start.to_pydatetime(), end.to_pydatetime(), (), None, None)
    open_ended = NodeDisruption("worker-1", start.to_pydatetime(), None, (), None, None)
    empty = _rows([])

    def ctx(counted: NormalLines) -> SimpleNamespace:
        return SimpleNamespace(normal_lines=counted, route_rows=lambda namespace, name: empty)

    for at in (T_MS, T_MS + 60_000):
        assert _logged_during(ctx(_normal([("a", "10.0.0.1", at)])), route, d)
    assert not _logged_during(ctx(_normal([("a", "10.0.0.1", T_MS - 1)])), route, d)
    assert not _logged_during(ctx(_normal([("a", "10.0.0.1", T_MS + 60_001)])), route, d)
    assert _logged_during(ctx(_normal([("a", "10.0.0.1", T_MS + 60_001)])), route, open_ended)
    assert not _logged_during(ctx(NormalLines()), route, open_ended)  # a route with no line at all


def test_a_counted_answer_elsewhere_is_one_inside_the_window_from_a_pod_on_another_node():
    node_of = {("shop", "a"): "worker-0", ("shop", "b"): "worker-2"}
    start, end = datetime(2026, 11, 20, 8, 30, tzinfo=UTC), datetime(2026, 11, 20, 8, 31, tzinfo=UTC)

    def answered(rows: list[tuple[str, str, int]]) -> bool:
        return _counted_answer_elsewhere(SimpleNamespace(normal_lines=_normal(rows)), node_of, "worker-2", start, end)

    assert answered([("a", "10.0.0.1", T_MS)]) and answered([("a", "10.0.0.1", T_MS + 60_000)])
    assert not answered([("a", "10.0.0.1", T_MS - 1)]) and not answered([("a", "10.0.0.1", T_MS + 60_001)])
    assert not answered([("b", "10.0.0.2", T_MS + 5)])  # the failing node's own pod
    assert not answered([("c", "10.0.0.3", T_MS + 5)])  # a pod no object places
    assert not answered([])
