"""NetworkPolicy rule: the router cannot reach the route's pods."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analyzer import joins
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common

ROUTER_NAMESPACE = "openshift-ingress"
# labels the router namespace carries (router-facts §5); used when openshift-ingress was not collected
DEFAULT_ROUTER_NS_LABELS = {
    "kubernetes.io/metadata.name": ROUTER_NAMESPACE,
    "policy-group.network.openshift.io/ingress": "",
    "network.openshift.io/policy-group": "ingress",
}


def label_selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label selector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).

    ``None`` (the field is absent) selects nothing here; ``{}`` selects everything.
    """
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


@dataclass(frozen=True)
class RouterSide:
    """Where the router's connections come from, as far as the inputs tell."""

    namespace_labels: dict[str, str]
    host_network: bool
    source_ips: tuple[str, ...]  # router pod IPs (or node IPs for HostNetwork); empty when unknown


def port_allowed(rule_ports: list[dict] | None, port: int | None, port_names: Iterable[str]) -> bool:
    """Does a rule's ``ports`` list cover the pod port (number, or a named container port)?"""
    if not rule_ports:
        return True
    names = set(port_names)
    for p in rule_ports:
        value = p.get("port")
        if value is None or (port is not None and str(value) == str(port)) or str(value) in names:
            return True
        end = p.get("endPort")
        if isinstance(value, int) and isinstance(end, int) and port is not None and value <= port <= end:
            return True
    return False


def ip_block_admits(block: dict, source_ips: Iterable[str]) -> bool:
    """An ipBlock admits the router when it holds one of its source addresses (outside ``except``).

    With no known source address the block is assumed to admit: no false alarm on what cannot be checked.
    """
    try:
        cidr = ipaddress.ip_network(str(block.get("cidr")), strict=False)
        excluded = [ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []]
    except ValueError:
        return True
    ips = list(source_ips)
    if cidr.prefixlen == 0 or not ips:
        return True
    for text in ips:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if ip.version == cidr.version and ip in cidr and not any(ip.version == e.version and ip in e for e in excluded):
            return True
    return False


def admits_router(
    policy_ingress: list[dict],
    router: RouterSide,
    port: int | None,
    port_names: Iterable[str] = (),
) -> bool:
    """Does one policy's ingress list admit the router on this pod port?"""
    names = list(port_names)
    for entry in policy_ingress:
        if not port_allowed(entry.get("ports"), port, names):
            continue
        sources = entry.get("from")
        if not sources:
            return True  # no "from": every source
        for src in sources:
            if "ipBlock" in src:
                if ip_block_admits(src["ipBlock"] or {}, router.source_ips):
                    return True
                continue
            ns_sel = src.get("namespaceSelector")
            pod_sel = src.get("podSelector")
            if ns_sel is None:
                continue  # podSelector alone: pods of the policy's own namespace only
            # HostNetwork routers are admitted only with podSelector: {} beside the namespaceSelector
            if label_selector_matches(ns_sel, router.namespace_labels) and (
                not router.host_network or pod_sel == {}
            ):
                return True
    return False


def _whole(ctx: Context, name: str) -> pd.DataFrame:
    frames = getattr(ctx.snap, "frames", None)
    found = frames.get(name) if isinstance(frames, dict) else None
    return found if found is not None else ctx.snap.frame(name)


def router_side(ctx: Context, route: common.RouteRef) -> RouterSide:
    """The router namespace's labels, whether the admitting routers use HostNetwork, and their source IPs."""
    ns = ctx.snap.frame("namespaces")
    row = ns[ns["name"] == ROUTER_NAMESPACE]
    labels = common.labels_of(row.iloc[0]["labels"]) if not row.empty else dict(DEFAULT_ROUTER_NS_LABELS)
    ics = ctx.snap.frame("ingresscontrollers")
    admitted = route.row["admitted_routers"]
    names = {n for n in str(admitted).split(",") if n} if isinstance(admitted, str) else set()
    serving = ics[ics["name"].isin(names)] if names and not ics.empty else ics
    host_network = bool(not serving.empty and (serving["publishing"] == "HostNetwork").fillna(False).all())
    pods = _whole(ctx, "pods")
    prefixes = tuple(f"router-{n}-" for n in serving["name"].dropna()) or ("router-",)
    routers = pods[(pods["namespace"] == ROUTER_NAMESPACE) & pods["name"].astype("string").str.startswith(prefixes)]
    if host_network:
        nodes = ctx.snap.frame("nodes")
        ips = nodes[nodes["name"].isin(routers["node"].dropna())]["internal_ip"].dropna().tolist()
    else:
        ips = routers["pod_ip"].dropna().tolist()
    return RouterSide(labels, host_network, tuple(str(i) for i in ips))


def _pod_port(ctx: Context, route: common.RouteRef) -> tuple[int | None, list[str]]:
    """The pod port the router connects to (endpoint port), and the container port names it carries."""
    eps = ctx.snap.frame("endpoints")
    rows = common.backend_rows(ctx, route)
    target = rows.iloc[0]["target_port"] if not rows.empty else None
    numbers: list[int] = []
    for svc in route.services:
        picked = joins.endpoints_for_backend(eps, route.namespace, svc, target)
        numbers += [int(p) for p in picked["port"].dropna()]
    names: list[str] = []
    sp = ctx.snap.frame("service_ports")
    mine = sp[sp["service"].isin(list(route.services))]
    if isinstance(target, str):
        mine = mine[(mine["port_name"] == target) | (mine["target_port"] == target)
                    | (mine["port"].astype("string") == target)] if not mine.empty else mine
    for t in mine["target_port"].dropna():
        if str(t).isdigit():
            numbers.append(int(t))
        else:
            names.append(str(t))
    port = numbers[0] if numbers else None
    cports = ctx.snap.frame("container_ports")
    pods = common.route_pods(ctx, route)
    declared = cports[cports["pod"].isin(pods["name"])]
    if port is not None:
        names += [str(n) for n in declared[declared["port"] == port]["name"].dropna()]
    elif names:
        found = declared[declared["name"].isin(names)]["port"].dropna()
        port = int(found.iloc[0]) if not found.empty else None
    return port, sorted(set(names))


@dataclass
class Blocked:
    policies: list[pd.Series]  # the policies isolating the blocked pods
    pods: list[str]  # route pods no rule admits the router to
    total: int  # route pods considered
    port: int | None
    router: RouterSide


def policy_blocks_router(ctx: Context, route: common.RouteRef) -> Blocked | None:
    """The route's pods that NetworkPolicies isolate for ingress with no rule admitting the router."""
    netpols = ctx.snap.frame("netpols")
    if netpols.empty:
        return None
    ingress_pols = netpols[netpols["applies_to_ingress"].fillna(False).astype(bool)]
    pods = common.route_pods(ctx, route)
    if ingress_pols.empty or pods.empty:
        return None
    router = router_side(ctx, route)
    port, names = _pod_port(ctx, route)
    parsed = [(p, json.loads(common.first_text(p["pod_selector"], default="{}")),
               json.loads(common.first_text(p["ingress"], default="[]")))
              for _, p in ingress_pols.iterrows()]
    blocked: list[str] = []
    isolating: dict[str, pd.Series] = {}
    for _, pod in pods.iterrows():
        labels = common.labels_of(pod["labels"])
        selecting = [(p, ingress) for p, sel, ingress in parsed if label_selector_matches(sel, labels)]
        if not selecting or any(admits_router(ingress, router, port, names) for _, ingress in selecting):
            continue
        blocked.append(str(pod["name"]))
        for p, _ in selecting:
            isolating[str(p["name"])] = p
    if not blocked:
        return None
    return Blocked(list(isolating.values()), blocked, len(pods), port, router)


def allow_policy(namespace: str, host_network: bool) -> dict:
    """The NetworkPolicy that admits the router (router-facts §5)."""
    source: dict[str, Any] = {"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}}}
    if host_network:
        source["podSelector"] = {}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-from-openshift-ingress", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [source]}]},
    }


def _connect_timeouts(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 sC with Tc=-1: the router's SYNs went unanswered until the connect timeout, on every retry."""
    req = common.select(common.route_requests(ctx, route), status=503, term="sC")
    return req[(req["Tc"] == -1).fillna(False).astype(bool)] if not req.empty else req


def _layer4_down(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    events = ctx.snap.frame("router_events")
    if events.empty:
        return events
    down = events[(events["route"] == route.name) & (events["event"] == "server-down")]
    return down[down["text"].fillna("").str.contains("Layer4 timeout")]


def event_evidence(row: pd.Series) -> Evidence:
    """Cite a router event line (``Server ... is DOWN``) with the message as logged."""
    line = int(row["line"]) if pd.notna(row["line"]) else None
    return Evidence(source=str(row["source"]), line=line, text=str(row["text"]),
                    input=None if pd.isna(row["input"]) else str(row["input"]))


def _served(ctx: Context, route: common.RouteRef, pods: list[str]) -> pd.DataFrame:
    req = common.route_requests(ctx, route)
    if req.empty:
        return req
    hit = req["pod"].astype("string").isin(pods).fillna(False) & (req["Tc"] >= 0).fillna(False)
    return req[hit]


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
        Evaluates the namespace's NetworkPolicies against each of the route's pods: policies whose
        ``podSelector`` selects a pod and whose types include Ingress isolate it; traffic is admitted only
        if some rule allows it on the pod port the router connects to (``ports`` by number, range or
        container port name): no ``from`` at all, a ``namespaceSelector`` matching the router namespace's
        labels (``policy-group.network.openshift.io/ingress``, legacy ``network.openshift.io/policy-group:
        ingress``; read from the collected ``openshift-ingress`` namespace), an empty ``namespaceSelector``
        (every namespace), or an ``ipBlock`` holding a router pod IP (node IP for HostNetwork; assumed
        to admit when those are unknown). When every IngressController that admitted the route publishes
        with HostNetwork, the rule must also carry ``podSelector: {}``. Critical when every pod is
        blocked, warning when some are. With access logs, 503 ``sC`` with ``Tc=-1`` (connect timeout on
        every retry, Ta ≈ 4 × connect timeout) and ``Server ... is DOWN ... Layer4 timeout`` lines
        confirm it; requests the pods answered through the router contradict it, and the finding says so.

    Why it matters:
        The SDN/OVN drops the router's SYNs: each request waits for the connect timeout three times and
        ends with 503 after ~20 s; health checks mark the servers DOWN and later requests get ``<NOSRV>``.

    Example:
        A ``deny-by-default`` policy (``podSelector: {}``, no ingress rule) plus ``allow-same-namespace``,
        and ``be_edge_http:ledger:ledger/pod:... 0/15003/-1/-1/20004 503 2656 - - sCNN ... 3/2/1/0/3``.

    Remediation:
        Add a policy that admits the router's namespace (the command applies it), with
        ``podSelector: {}`` for HostNetwork routers.

    Known problems:
        Egress policies on the router side, AdminNetworkPolicies and the SDN's multitenant isolation are
        not evaluated. An ipBlock is checked against the router pod IPs found in the inputs, which may
        have changed since.

    References:
        router-facts.md §5 (NetworkPolicy, HostNetwork), §4.2 (503 sC), §6 ("NetworkPolicy blocks router");
        OCP docs "Network policy" (4.18); OCP 4.7 release notes (policy-group labels, host-network ingress).
    """
    for route in common.routes(ctx):
        blocked = policy_blocks_router(ctx, route)
        if blocked is not None:
            yield _blocked_finding(ctx, route, blocked)


def _blocked_finding(ctx: Context, route: common.RouteRef, blocked: Blocked) -> Finding:
    timeouts = _connect_timeouts(ctx, route)
    down = _layer4_down(ctx, route)
    facts = common.log_facts(ctx, timeouts) if not timeouts.empty else {}
    served = _served(ctx, route, blocked.pods) if ctx.has_logs and timeouts.empty else pd.DataFrame()
    names = ", ".join(str(p["name"]) for p in blocked.policies)
    everyone = len(blocked.pods) == blocked.total
    router = blocked.router
    explanation = (
        f"NetworkPolic{'y' if len(blocked.policies) == 1 else 'ies'} {names} isolate "
        + (f"all {blocked.total} pod(s)" if everyone else f"{len(blocked.pods)} of the {blocked.total} pods")
        + f" of route {route.name} for ingress, and no rule admits the router's namespace "
        f"(labels {router.namespace_labels})"
        + (" with podSelector: {} (the admitting router uses HostNetwork)" if router.host_network else "")
        + f" on port {blocked.port if blocked.port is not None else 'unknown'}. The router's connection attempts "
        "are dropped and time out."
    )
    if facts:
        explanation += (
            f" The access log agrees: {facts['affected_requests']} requests ended 503 sC (connect timeout on every "
            f"retry) between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    if not down.empty:
        explanation += f" The router marked {len(down)} server(s) DOWN on Layer4 timeouts."
    if not served.empty:
        explanation += (
            f" The access log disagrees: the router reached these pods for {len(served)} requests, so the "
            "policies may have been created after them, or a rule admits the router that this check cannot "
            "evaluate."
        )
    severity = Severity.CRITICAL if everyone and served.empty else Severity.WARNING
    policy = allow_policy(route.namespace, router.host_network)
    return Finding(
        code="N401",
        cause="network-policy-blocks-router",
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        service=route.services[0] if route.services else None,
        title=f"NetworkPolicy {names} isolates the route's pods and nothing admits the router",
        explanation=explanation,
        evidence=[object_evidence(ctx.snap, p, "podSelector:") for p in blocked.policies[:3]]
        + facts.get("evidence", [])
        + [event_evidence(r) for _, r in down.head(1).iterrows()],
        remediation=[f"cat <<'EOF' | oc apply -f -\n{json.dumps(policy, indent=2)}\nEOF"],
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="low" if not served.empty else "high",
    )


RULES = [network_policy_blocks_router]
