"""The contract's ``cluster`` section: what the archive says about the platform around the routes.

Read even when there is no access log (report-contract.md "Cluster context"): the version and the
upgrade history from the ClusterVersion, the firing and pending alerts that concern the ingress, a
route's namespace or a node hosting a route's pods, each IngressController's conditions and router
pods, and the nodes that were not ready, cordoned or rebooted. This is a summary of facts, not a
diagnosis: the platform rules decide what the facts mean for a route. ``alerts`` is None when the
inputs hold no alert data at all (never an empty list that would read as "nothing was firing").
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from analyzer.model import rfc3339
from parsers.layout import INGRESS_NAMESPACES
from parsers.snapshot import Snapshot

# always-firing heartbeats and inhibition helpers: they concern no route
NOT_RELEVANT_ALERTS = frozenset({"Watchdog", "InfoInhibitor", "AlertmanagerReceiversNotConfigured"})
# the ingress operator's and router's own alerts, whatever namespace label they carry
INGRESS_ALERTS = frozenset({"HAProxyReloadFail", "HAProxyDown", "IngressControllerDegraded",
                            "IngressControllerUnavailable", "CanaryChecksFailing"})
REBOOT_REASONS = frozenset({"Rebooted", "Reboot"})  # kubelet's boot-id change; the machine-config daemon's
IC_CONDITIONS = ("Available", "Degraded", "Progressing", "LoadBalancerReady", "DNSReady", "CanaryChecksSucceeding",
                 "DeploymentAvailable", "DeploymentReplicasAllAvailable", "PodsScheduled")


def cluster_context(snap: Snapshot, route_namespaces: set[str]) -> dict[str, Any]:
    """The ``cluster`` object of the report for ``snap`` (routes of ``route_namespaces`` decide relevance)."""
    info: dict[str, Any] = {"version": None, "cluster_id": None, "apps_domain": None}
    cv = snap.frame("clusterversion")
    if not cv.empty:
        info["version"] = _str(cv.iloc[0]["version"])
        info["cluster_id"] = _str(cv.iloc[0]["cluster_id"])
    ics = snap.frame("ingresscontrollers")
    domains = [d for d in ics["domain"].dropna().tolist() if d] if not ics.empty else []
    default = ics[ics["name"] == "default"]["domain"].dropna().tolist() if not ics.empty else []
    info["apps_domain"] = (default or domains or [None])[0]
    info["upgrade"] = upgrade(cv)
    route_nodes = _route_nodes(snap, route_namespaces)
    info["alerts"] = alerts(snap, route_namespaces, route_nodes)
    info["ingress_controllers"] = ingress_controllers(snap)
    info["nodes"] = nodes(snap)
    info["machine_config_pools"] = machine_config_pools(snap)
    return info


def upgrade(cv: pd.DataFrame) -> dict[str, Any] | None:
    """The ClusterVersion's history; ``in_progress`` when the newest entry is Partial with no completion time."""
    if cv.empty or pd.isna(cv.iloc[0]["history"]):
        return None
    entries = [h for h in json.loads(cv.iloc[0]["history"]) if isinstance(h, dict)]
    if not entries:
        return None
    history = [{"version": _str(h.get("version")), "state": _str(h.get("state")),
                "started": _time(h.get("startedTime")), "completed": _time(h.get("completionTime"))}
               for h in entries]
    newest = history[0]
    in_progress = newest["state"] == "Partial" and newest["completed"] is None
    return {"in_progress": in_progress, "from": history[1]["version"] if len(history) > 1 else None,
            "to": newest["version"], "started": newest["started"], "history": history}


def alerts(snap: Snapshot, route_namespaces: set[str], route_nodes: set[str]) -> dict[str, Any] | None:
    """Counts of firing/pending alerts and the ones that concern the ingress, a route's namespace or node."""
    if not snap.alert_sources:
        return None
    df = snap.frame("alerts")
    namespaces = set(INGRESS_NAMESPACES) | set(route_namespaces)
    relevant = []
    for _, a in df.sort_values(["state", "active_at", "name"], na_position="last").iterrows():
        name = str(a["name"])
        if name in NOT_RELEVANT_ALERTS or _str(a["severity"]) == "none":
            continue
        why = _concerns(a, name, namespaces, route_nodes)
        if why is None:
            continue
        relevant.append({"name": name, "severity": _str(a["severity"]), "namespace": _str(a["namespace"]),
                         "active_at": rfc3339(a["active_at"]), "labels": json.loads(a["labels"] or "{}"),
                         "state": _str(a["state"]), "concerns": why, "summary": _str(a["summary"]),
                         "source": _str(a["source"]), "line": _int(a["line"])})
    return {"source": snap.alert_sources[0], "firing": int((df["state"] == "firing").sum()),
            "pending": int((df["state"] == "pending").sum()), "relevant": relevant}


def _concerns(a: pd.Series, name: str, namespaces: set[str], route_nodes: set[str]) -> str | None:
    ns, node, pod = _str(a["namespace"]), _str(a["node"]), _str(a["pod"]) or ""
    if name in INGRESS_ALERTS or ns in INGRESS_NAMESPACES or pod.startswith("router-"):
        return "ingress"
    if ns is not None and ns in namespaces:
        return f"namespace {ns}"
    if node is not None and node in route_nodes:
        return f"node {node}"
    return None


def _route_nodes(snap: Snapshot, route_namespaces: set[str]) -> set[str]:
    pods = snap.frame("pods")
    if pods.empty:
        return set()
    mine = pods[pods["namespace"].isin(route_namespaces | set(INGRESS_NAMESPACES))]
    return {str(n) for n in mine["node"].dropna()}


def ingress_controllers(snap: Snapshot) -> list[dict[str, Any]]:
    """Each IngressController: its conditions with their times, router pods, reloads, capacity settings."""
    ics = snap.frame("ingresscontrollers")
    conditions = snap.frame("object_conditions")
    out = []
    for _, ic in ics.sort_values("name").iterrows():
        name = str(ic["name"])
        mine = conditions[(conditions["kind"] == "IngressController") & (conditions["name"] == name)]
        by_type = {str(c["type"]): c for _, c in mine.iterrows()}
        pods = _router_pods(snap, name)
        ready = sum(1 for p in pods if p["ready"])
        deployment = _deployment(snap, f"router-{name}")
        desired = deployment.get("replicas") if deployment else (_int(ic["replicas"]) if pd.notna(ic["replicas"])
                                                                  else None)
        out.append({
            "name": name,
            "available": _status(by_type.get("Available")),
            "degraded": _status(by_type.get("Degraded")),
            "replicas_ready": f"{_ready_count(deployment, pods, ready)}/"
                              f"{desired if desired is not None else len(pods)}",
            "conditions": [{"type": str(c["type"]), "status": _str(c["status"]), "since": rfc3339(c["since"]),
                            "message": _str(c["message"]), "source": _str(c["source"]), "line": _int(c["line"])}
                           for _, c in mine.sort_values("type").iterrows()],
            "router_pods": pods,
            "reloads": _reloads(snap, [p["name"] for p in pods]),
            "capacity": _capacity(snap, ic),
            "access_logging": bool(ic["access_logging"]) if pd.notna(ic["access_logging"]) else False,
        })
    return out


def _ready_count(deployment: dict[str, int | None] | None, pods: list[dict[str, Any]], ready: int) -> str:
    """Ready router pods per the router Deployment, else per the pods read; ``?`` when neither was collected."""
    if deployment:
        return str(deployment.get("ready") or 0)
    return str(ready) if pods else "?"


def _router_pods(snap: Snapshot, ic: str) -> list[dict[str, Any]]:
    pods = snap.frame("pods")
    containers = snap.frame("containers")
    if pods.empty:
        return []
    label = f'"ingresscontroller.operator.openshift.io/deployment-ingresscontroller":"{ic}"'
    mine = pods[(pods["namespace"] == "openshift-ingress") & pods["labels"].fillna("").str.contains(label, regex=False)]
    out = []
    for _, p in mine.sort_values("name").iterrows():
        c = containers[(containers["namespace"] == "openshift-ingress") & (containers["pod"] == p["name"])]
        out.append({"name": str(p["name"]), "node": _str(p["node"]), "phase": _str(p["phase"]),
                    "ready": bool(p["ready"]) if pd.notna(p["ready"]) else False,
                    "ready_since": rfc3339(p["ready_since"]),
                    "restarts": int(c["restart_count"].fillna(0).sum()) if not c.empty else 0,
                    "events": _router_pod_events(snap, str(p["name"])),
                    "source": _str(p["source"]), "line": _int(p["line"])})
    return out


# what keeps a router pod from serving: not scheduled, probes failing, restarting, evicted or killed
ROUTER_POD_EVENTS = ("FailedScheduling", "Unhealthy", "BackOff", "Killing", "Evicted", "Preempted", "FailedMount",
                     "FailedCreatePodSandBox", "NodeNotReady", "FailedAttachVolume")
MAX_ROUTER_POD_EVENTS = 5


def _router_pod_events(snap: Snapshot, pod: str) -> list[dict[str, Any]]:
    """The router pod's scheduling and health events, newest first (at most MAX_ROUTER_POD_EVENTS)."""
    events = snap.frame("events")
    if events.empty:
        return []
    mine = events[(events["namespace"] == "openshift-ingress") & (events["involved_name"] == pod)
                  & events["reason"].isin(ROUTER_POD_EVENTS)].fillna({"reason": ""})
    out = []
    for _, e in mine.iterrows():
        at = e["last_seen"] if pd.notna(e["last_seen"]) else e["first_seen"]
        out.append({"reason": str(e["reason"]), "at": rfc3339(at), "count": _int(e["count"]),
                    "message": _str(e["message"]), "source": _str(e["source"]), "line": _int(e["line"])})
    out.sort(key=lambda x: x["at"] or "", reverse=True)
    return out[:MAX_ROUTER_POD_EVENTS]


def _deployment(snap: Snapshot, name: str) -> dict[str, int | None] | None:
    deps = snap.frame("deployments")
    row = deps[(deps["namespace"] == "openshift-ingress") & (deps["name"] == name)] if not deps.empty else deps
    if row.empty:
        return None
    d = row.iloc[0]
    return {"replicas": _int(d["replicas"]), "ready": _int(d["ready_replicas"]) or 0}


def _reloads(snap: Snapshot, router_pods: list[str]) -> dict[str, Any]:
    log = snap.frame("router_log")
    mine = log[log["router_pod"].isin(router_pods)] if not log.empty else log
    failed = mine[mine["kind"] == "reload-failed"]
    last_ok = mine[mine["kind"] == "reload"]["ts"].max() if not mine.empty else None
    first_failed = failed.sort_values(["ts", "line"]).iloc[0] if not failed.empty else None
    return {
        "logs_read": sum(1 for f in snap.router_log_files if any(f"/pods/{p}/" in f for p in router_pods)),
        "succeeded": int((mine["kind"] == "reload").sum()),
        "failed": len(failed),
        "last_succeeded": rfc3339(last_ok) if last_ok is not None and pd.notna(last_ok) else None,
        "first_failed": None if first_failed is None else {
            "at": rfc3339(first_failed["ts"]), "router_pod": str(first_failed["router_pod"]),
            "source": str(first_failed["source"]), "line": int(first_failed["line"]),
            "text": str(first_failed["text"])},
    }


def _capacity(snap: Snapshot, ic: pd.Series) -> dict[str, Any]:
    """``maxconn``/``nbthread`` of the collected haproxy.config files, and the IngressController's tuning."""
    maxconn: set[int] = set()
    threads: set[int] = set()
    ic_name = str(ic["name"])
    for pod, defaults in sorted(snap.router_defaults.items()):
        if not pod.startswith(f"router-{ic_name}-"):
            continue
        for key, into in (("global maxconn", maxconn), ("global nbthread", threads)):
            value = str(defaults.get(key, ""))
            if value.isdigit():
                into.add(int(value))
    tuning = json.loads(ic["tuning"]) if pd.notna(ic["tuning"]) and ic["tuning"] else {}
    return {"maxconn": sorted(maxconn), "nbthread": sorted(threads),
            "tuning_max_connections": _int(ic["max_connections"]) if pd.notna(ic["max_connections"]) else None,
            "tuning_thread_count": tuning.get("threadCount") if isinstance(tuning, dict) else None}


def nodes(snap: Snapshot) -> dict[str, Any]:
    """Node counts and the names of those not ready, cordoned, or rebooted (per their events).

    ``total`` is None when the inputs hold no node object (an inspect of one namespace, a must-gather
    without ``cluster-scoped-resources/core/nodes``): the count is unknown, not zero.
    """
    df = snap.frame("nodes")
    events = snap.frame("events")
    rebooted = []
    if not events.empty:
        boots = events[(events["involved_kind"] == "Node") & events["reason"].isin(REBOOT_REASONS)]
        for name, group in boots.groupby("involved_name"):
            last = group.sort_values("last_seen").iloc[-1]
            rebooted.append({"name": str(name), "at": rfc3339(last["last_seen"]), "reason": str(last["reason"]),
                             "source": _str(last["source"]), "line": _int(last["line"])})
    not_ready = sorted(str(n) for n in df[df["ready"].eq(False).fillna(False).astype(bool)]["name"])
    return {
        "total": len(df) if not df.empty else None,
        "not_ready": not_ready,
        "unschedulable": sorted(str(n) for n in df[df["unschedulable"].fillna(False).astype(bool)]["name"]),
        "recently_rebooted": sorted(rebooted, key=lambda r: (r["at"] or "", r["name"])),
        "updating": sorted(str(n) for n in df[df["mc_state"].fillna("Done") != "Done"]["name"]),
    }


def machine_config_pools(snap: Snapshot) -> list[dict[str, Any]]:
    pools = snap.frame("machineconfigpools")
    return [{"name": str(p["name"]), "updating": bool(p["updating"]) if pd.notna(p["updating"]) else None,
             "degraded": bool(p["degraded"]) if pd.notna(p["degraded"]) else None,
             "machines": _int(p["machine_count"]), "updated": _int(p["updated_count"]),
             "updating_since": rfc3339(p["updating_since"])}
            for _, p in pools.sort_values("name").iterrows()]


def _status(row: pd.Series | None) -> bool | None:
    if row is None or pd.isna(row["status"]):
        return None
    return {"True": True, "False": False}.get(str(row["status"]))


def _time(value: Any) -> str | None:
    if value in (None, ""):
        return None
    ts = pd.to_datetime(value, utc=True, errors="coerce")
    return None if pd.isna(ts) else rfc3339(ts)


def _str(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, list | dict) and pd.isna(value)) else str(value)


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
