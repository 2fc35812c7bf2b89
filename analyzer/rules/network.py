"""NetworkPolicy rule: the router cannot reach the route's pods."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common

# labels the router namespace carries (router-facts §5); used when openshift-ingress was not collected
DEFAULT_ROUTER_NS_LABELS = {
    "kubernetes.io/metadata.name": "openshift-ingress",
    "policy-group.network.openshift.io/ingress": "",
    "network.openshift.io/policy-group": "ingress",
}


def _matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist)."""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(str(k)) != str(v):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = str(expr.get("key")), expr.get("operator"), [str(x) for x in expr.get("values") or []]
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _router_namespace_labels(ctx: Context) -> dict[str, str]:
    ns = ctx.snap.frame("namespaces")
    row = ns[ns["name"] == "openshift-ingress"]
    return common.labels_of(row.iloc[0]["labels"]) if not row.empty else dict(DEFAULT_ROUTER_NS_LABELS)


def _port_allowed(rule_ports: list[dict] | None, port: int | None, port_name: str | None) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        value = p.get("port")
        if value is None or str(value) == str(port) or (port_name and str(value) == port_name):
            return True
        end = p.get("endPort")
        if isinstance(value, int) and isinstance(end, int) and port is not None and value <= port <= end:
            return True
    return False


def admits_router(
    policy_ingress: list[dict],
    router_labels: dict[str, str],
    host_network: bool,
    port: int | None,
    port_name: str | None,
) -> bool:
    """Does one policy's ingress list admit the router on this port?"""
    for entry in policy_ingress:
        if not _port_allowed(entry.get("ports"), port, port_name):
            continue
        sources = entry.get("from")
        if not sources:
            return True  # no "from": every source
        for src in sources:
            if "ipBlock" in src:
                return True  # cannot evaluate node/pod CIDRs offline: assume it admits (no false alarm)
            ns_sel = src.get("namespaceSelector")
            pod_sel = src.get("podSelector")
            if ns_sel is None:
                continue  # podSelector alone: pods of the policy's own namespace only
            # HostNetwork routers are admitted only with podSelector: {} beside the namespaceSelector
            if (ns_sel == {} or _matches(ns_sel, router_labels)) and (not host_network or pod_sel == {}):
                return True
    return False


@rule(
    code="N401",
    name="network-policy-blocks-router",
    cause="network-policy-blocks-router",
    severity=Severity.CRITICAL,
    needs=("netpols",),
)
def network_policy_blocks_router(ctx: Context) -> Iterator[Finding]:
    """NetworkPolicies select the route's pods and none admits the router.

    What it does:
        Evaluates the namespace's NetworkPolicies against the route's pods: policies whose
        ``podSelector`` selects them and whose types include Ingress isolate them; traffic is admitted
        only if some rule allows it — no ``from`` at all, a ``namespaceSelector`` matching the router
        namespace's labels (``policy-group.network.openshift.io/ingress``, legacy
        ``network.openshift.io/policy-group: ingress``), an empty ``namespaceSelector`` (every
        namespace), or an ``ipBlock`` (assumed to admit, it cannot be evaluated offline) — on the
        target port. With a HostNetwork IngressController the rule must also carry ``podSelector: {}``.
        With access logs, 503 ``sC`` (connect timeout after retries, Ta ≈ 4 × connect timeout) confirm it.

    Why it matters:
        The SDN/OVN drops the router's SYNs: each request waits for the connect timeout three times and
        ends with 503 after ~20 s; health checks mark the servers DOWN and later requests get ``<NOSRV>``.

    Example:
        A ``deny-all`` policy plus an ``allow-same-namespace`` policy, and no policy admitting the
        ingress policy group.

    Remediation:
        Add a policy that admits the router's namespace (see the command), with ``podSelector: {}``
        for HostNetwork routers.

    Known problems:
        Egress policies on the router side and ipBlock rules are not evaluated.

    References:
        router-facts.md §5 (NetworkPolicy, HostNetwork), §6; OCP docs "Network policy" (4.18), OCP 4.7
        release notes (policy-group labels).
    """
    netpols = ctx.snap.frame("netpols")
    if netpols.empty:
        return
    router_labels = _router_namespace_labels(ctx)
    ics = ctx.snap.frame("ingresscontrollers")
    host_network = bool((ics["publishing"] == "HostNetwork").fillna(False).any()) if not ics.empty else False
    sp = ctx.snap.frame("service_ports")
    for route in common.routes(ctx):
        mine = netpols[
            (netpols["namespace"] == route.namespace) & netpols["applies_to_ingress"].fillna(False).astype(bool)
        ]
        if mine.empty:
            continue
        pods = common.route_pods(ctx, route)
        if pods.empty:
            continue
        labels = common.labels_of(pods.iloc[0]["labels"])
        selecting = [p for _, p in mine.iterrows() if _matches(json.loads(p["pod_selector"] or "{}"), labels)]
        if not selecting:
            continue
        ports = sp[(sp["namespace"] == route.namespace) & sp["service"].isin(list(route.services))]
        target = ports.iloc[0]["target_port"] if not ports.empty else None
        port = int(target) if isinstance(target, str) and target.isdigit() else None
        name = target if isinstance(target, str) and not target.isdigit() else None
        if any(
            admits_router(json.loads(p["ingress"] or "[]"), router_labels, host_network, port, name) for p in selecting
        ):
            continue
        timeouts = common.select(common.route_requests(ctx, route), status=503, term="sC")
        facts = common.log_facts(ctx, timeouts) if not timeouts.empty else {}
        evidence = [object_evidence(ctx.snap, p, "podSelector:") for p in selecting[:3]]
        names = ", ".join(str(p["name"]) for p in selecting)
        selector = "{}" if host_network else None
        policy = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-from-openshift-ingress", "namespace": route.namespace},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}},
                                **({"podSelector": {}} if selector else {}),
                            }
                        ]
                    }
                ],
            },
        }
        yield Finding(
            code="N401",
            cause="network-policy-blocks-router",
            severity=Severity.CRITICAL,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"NetworkPolicy {names} isolates the route's pods and nothing admits the router",
            explanation=(
                f"{len(selecting)} NetworkPolic{'y' if len(selecting) == 1 else 'ies'} ({names}) select the pods "
                f"of route {route.name} for ingress, and no rule admits the router's namespace "
                f"(labels {router_labels}){' with podSelector: {} (HostNetwork router)' if host_network else ''} "
                f"on port {target}. The router's connection attempts are dropped and time out."
                + (
                    f" The access log agrees: {facts['affected_requests']} requests ended 503 sC (connect timeout)."
                    if facts
                    else ""
                )
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[f"cat <<'EOF' | oc apply -f -\n{json.dumps(policy, indent=2)}\nEOF"],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
        )


RULES = [network_policy_blocks_router]
