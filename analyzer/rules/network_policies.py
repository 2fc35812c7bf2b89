"""NetworkPolicy semantics as the SDN applies them to the router's connections to a route's pods.

Read by the network-policy rule and by the endpoint rules (a burst of 503s on a blocked route is the
policy's, not a transient outage).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from analyzer import joins
from analyzer.context import Context
from analyzer.rules import common

ROUTER_NAMESPACE = "openshift-ingress"


DEFAULT_ROUTER_NS_LABELS = {
    "kubernetes.io/metadata.name": ROUTER_NAMESPACE,
    "policy-group.network.openshift.io/ingress": "",
    "network.openshift.io/policy-group": "ingress",
}


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
            if common.label_selector_matches(ns_sel, router.namespace_labels) and (
                not router.host_network or pod_sel == {}
            ):
                return True
    return False


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
    pods = common.whole_frame(ctx, "pods")
    prefixes = tuple(f"router-{n}-" for n in serving["name"].dropna()) or ("router-",)
    routers = pods[(pods["namespace"] == ROUTER_NAMESPACE) & pods["name"].astype("string").str.startswith(prefixes)]
    if host_network:
        nodes = ctx.snap.frame("nodes")
        ips = nodes[nodes["name"].isin(routers["node"].dropna())]["internal_ip"].dropna().tolist()
    else:
        ips = routers["pod_ip"].dropna().tolist()
    return RouterSide(labels, host_network, tuple(str(i) for i in ips))


def pod_port(ctx: Context, route: common.RouteRef) -> tuple[int | None, list[str]]:
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


def policy_blocks_router(ctx: Context, route: common.RouteRef, at: datetime | None = None) -> Blocked | None:
    """The route's pods that NetworkPolicies isolate for ingress with no rule admitting the router.

    With ``at``, only the policies created by then count: the set as it stood at that moment, as far
    as the archive tells (a policy edited since is judged by its current spec).
    """
    netpols = ctx.snap.frame("netpols")
    if netpols.empty:
        return None
    if at is not None:
        netpols = netpols[~(netpols["created"] > pd.Timestamp(at)).fillna(False).astype(bool)]
    ingress_pols = netpols[netpols["applies_to_ingress"].fillna(False).astype(bool)]
    pods = common.route_pods(ctx, route)
    if ingress_pols.empty or pods.empty:
        return None
    router = router_side(ctx, route)
    port, names = pod_port(ctx, route)
    parsed = [(p, json.loads(common.first_text(p["pod_selector"], default="{}")),
               json.loads(common.first_text(p["ingress"], default="[]")))
              for _, p in ingress_pols.iterrows()]
    blocked: list[str] = []
    isolating: dict[str, pd.Series] = {}
    for _, pod in pods.iterrows():
        labels = common.labels_of(pod["labels"])
        selecting = [(p, ingress) for p, sel, ingress in parsed if common.label_selector_matches(sel, labels)]
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
