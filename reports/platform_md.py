"""The Markdown "Platform" section: the contract's ``cluster`` object as a few lines of a case note.

Upgrade state, the alerts that concern the ingress or the routes, router health (conditions that
are not as they should be, reloads, router pods not ready or restarting, capacity settings) and
the nodes that were not ready, cordoned or rebooted. Everything shown was computed by
:mod:`analyzer.cluster_context`; this module only words it.
"""

from __future__ import annotations

from typing import Any

from reports.markdown_text import code, plain

HEALTHY = {"Available": "True", "Degraded": "False", "LoadBalancerReady": "True", "DNSReady": "True",
           "CanaryChecksSucceeding": "True", "DeploymentAvailable": "True", "DeploymentReplicasAllAvailable": "True",
           "PodsScheduled": "True", "Admitted": "True", "Progressing": "False"}
MAX_ALERTS = 10


def router_pods_ready(replicas_ready: str) -> str:
    """The contract's ``replicas_ready`` as words: "2/2 router pods ready", or, for its ``?/N`` (neither the
    router Deployment nor its pods were in the inputs), that the router pods were not collected: a "?" among
    counts reads like a broken report."""
    ready, _, desired = replicas_ready.partition("/")
    if ready != "?":
        return f"{replicas_ready} router pods ready"
    wanted = f" ({desired} desired)" if desired not in ("", "0", "?") else ""
    return f"router pods not collected{wanted}"


def platform_lines(cluster: dict[str, Any]) -> list[str]:
    if not cluster:
        return []
    out = ["", "## Platform", ""]
    version = code(cluster.get("version") or "unknown")
    out.append(f"- **Cluster**: OpenShift {version}. {_upgrade(cluster.get('upgrade'))}")
    out += _alerts(cluster.get("alerts"))
    for ic in cluster.get("ingress_controllers") or []:
        out += _router(ic)
    nodes = cluster.get("nodes")
    if nodes:
        out.append(_nodes(nodes, cluster.get("machine_config_pools") or []))
    return out


def _upgrade(up: dict[str, Any] | None) -> str:
    if up is None:
        return "No ClusterVersion history in the inputs."
    if up["in_progress"]:
        return (f"**Upgrade in progress**: {code(up.get('from') or '?')} → {code(up['to'])} since "
                f"{code(up.get('started') or '?')}.")
    done = up["history"][0].get("completed") if up.get("history") else None
    source = f" from {code(up['from'])}" if up.get("from") else ""
    return f"Last update to {code(up['to'])}{source} started {code(up.get('started') or '?')}" + (
        f", completed {code(done)}." if done else ".")


def _alerts(alerts: dict[str, Any] | None) -> list[str]:
    if alerts is None:
        return ["- **Alerts**: no alert data in the inputs (`monitoring/alerts.json` absent)."]
    head = f"- **Alerts**: {alerts['firing']} firing, {alerts['pending']} pending ({code(alerts['source'])})"
    relevant = alerts.get("relevant") or []
    if not relevant:
        return [head + "; none concerns the ingress, the routes' namespaces or their nodes."]
    lines = [head + "; these concern the ingress, the routes' namespaces or their nodes:"]
    for a in relevant[:MAX_ALERTS]:
        summary = f": {plain(a['summary'])}" if a.get("summary") else ""
        lines.append(f"  - {code(a['name'])} {a.get('state')}, {a.get('severity') or 'no severity'}, "
                     f"{plain(a['concerns'])}, since {code(a.get('active_at') or '?')}{summary}")
    if len(relevant) > MAX_ALERTS:
        lines.append(f"  - {len(relevant) - MAX_ALERTS} more in the HTML/JSON report")
    return lines


def _router(ic: dict[str, Any]) -> list[str]:
    reloads, capacity = ic["reloads"], ic["capacity"]
    bad = [c for c in ic["conditions"] if c["type"] in HEALTHY and c["status"] != HEALTHY[c["type"]]]
    reload_text = (f"reloads {reloads['succeeded']} succeeded, {reloads['failed']} failed"
                   if reloads["logs_read"] else "reloads unknown (no log of the router container in the inputs)")
    limits = []
    if capacity["maxconn"]:
        limits.append(f"maxconn {'/'.join(map(str, capacity['maxconn']))}")
    if capacity["nbthread"]:
        limits.append(f"{'/'.join(map(str, capacity['nbthread']))} threads")
    available, degraded = ("?" if ic[k] is None else ic[k] for k in ("available", "degraded"))  # as the HTML says
    lines = [f"- **Router health** ({code(ic['name'])}): Available={available}, Degraded={degraded}, "
             f"{router_pods_ready(ic['replicas_ready'])}, {reload_text}"
             + (f", {', '.join(limits)}." if limits else ".")]
    for c in bad:
        message = f": {plain(c['message'])}" if c.get("message") else ""
        lines.append(f"  - {c['type']}={c['status']} since {code(c.get('since') or '?')}{message}")
    for p in ic["router_pods"]:
        if not p["ready"] or p["restarts"]:
            lines.append(f"  - router pod {code(p['name'])} on {code(p.get('node') or '?')}: "
                         f"{'ready' if p['ready'] else 'not ready'}, {p['restarts']} restart(s)")
    failed = reloads.get("first_failed")
    if failed:
        where = code(f"{failed['source']}:{failed['line']}")
        lines.append(f"  - first failed reload {code(failed['at'])}: {where} {code(failed['text'])}")
    return lines


def _nodes(nodes: dict[str, Any], pools: list[dict[str, Any]]) -> str:
    if nodes.get("total") is None:
        return "- **Nodes**: not collected (no node objects in the inputs)."
    parts = [f"- **Nodes**: {nodes['total']}"]
    if nodes["not_ready"]:
        parts.append(f"not ready: {', '.join(map(code, nodes['not_ready']))}")
    if nodes["unschedulable"]:
        parts.append(f"unschedulable: {', '.join(map(code, nodes['unschedulable']))}")
    if nodes["recently_rebooted"]:
        boots = nodes["recently_rebooted"]
        parts.append("rebooted: " + ", ".join(f"{code(b['name'])} at {code(b['at'])}" for b in boots))
    if nodes.get("updating"):
        parts.append(f"applying a MachineConfig: {', '.join(map(code, nodes['updating']))}")
    for p in pools:
        if p.get("updating") or p.get("degraded"):
            state = "degraded" if p.get("degraded") else f"updating since {p.get('updating_since') or '?'}"
            counts = f"{p.get('updated')}/{p.get('machines')} updated"
            parts.append(f"MachineConfigPool {code(p['name'])} {state} ({counts})")
    if len(parts) == 1:
        return parts[0] + ", all ready and schedulable, none rebooted per their events."
    return "; ".join(parts) + "."
