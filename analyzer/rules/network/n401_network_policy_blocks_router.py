"""NetworkPolicies select the route's pods and none admits the router.

## What it does

Evaluates the namespace's NetworkPolicies against each of the route's pods: policies whose
`podSelector` selects a pod and whose types include Ingress isolate it; traffic is admitted only
if some rule allows it on the pod port the router connects to (`ports` by number, range or
container port name): no `from` at all, a `namespaceSelector` matching the router namespace's
labels (`policy-group.network.openshift.io/ingress`, legacy `network.openshift.io/policy-group:
ingress`; read from the collected `openshift-ingress` namespace), an empty `namespaceSelector`
(every namespace), or an `ipBlock` holding a router pod IP (node IP for HostNetwork; assumed
to admit when those are unknown). When every IngressController that admitted the route publishes
with HostNetwork, the rule must also carry `podSelector: {}`. Critical when every pod is
blocked, warning when some are. With access logs, 503 `sC` with `Tc=-1` (connect timeout on
every retry, Ta ≈ 4 × connect timeout) and `Server ... is DOWN ... Layer4 timeout` lines
confirm it, and the 503 `<NOSRV>` from such a DOWN until a server is UP again are counted too;
requests the pods answered through the router contradict it, and the finding says so. When
the policies at collection admit the router but the log holds connect timeouts (2 or more),
the policies as they stood at the first of them (those created by then) are judged the same
way: a block lifted by a policy created later is reported as a warning, titled in the past
tense with that policy and the time it was created, and nothing left to change. The
fault is dated (`began_at`) from the blocking policies' creation or last edit when it lies at
most 10 minutes before the first such error, and the requests after the last one say whether
it was over at collection.

## Why it matters

The SDN/OVN drops the router's SYNs: each request waits for the connect timeout three times and
ends with 503 after ~20 s; health checks mark the servers DOWN and later requests get `<NOSRV>`.

## Example

A `deny-by-default` policy (`podSelector: {}`, no ingress rule) plus `allow-same-namespace`,
and `be_edge_http:ledger:ledger/pod:... 0/15003/-1/-1/20004 503 2656 - - sCNN ... 3/2/1/0/3`.

## Remediation

Add a policy that admits the router's namespace (the command applies it), with
`podSelector: {}` for HostNetwork routers.

## Known problems

Egress policies on the router side, AdminNetworkPolicies and the SDN's multitenant isolation are
not evaluated. An ipBlock is checked against the router pod IPs found in the inputs, which may
have changed since.

## References

router-facts.md §5 (NetworkPolicy, HostNetwork), §4.2 (503 sC), §6 ("NetworkPolicy blocks router");
OCP docs "Network policy" (4.18); OCP 4.7 release notes (policy-group labels, host-network ingress).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import answered_lines, common, network_policies
from analyzer.wording import plural

RULE = rule(
    code="N401",
    name="network-policy-blocks-router",
    cause="network-policy-blocks-router",
    severity=Severity.CRITICAL,
    needs=("networkpolicies",),
)


def _connect_timeouts(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 sC with Tc=-1: the router's SYNs went unanswered until the connect timeout, on every retry."""
    req = common.route_select(ctx, route, status=503, term="sC")
    return req[(req["Tc"] == -1).fillna(False).astype(bool)] if not req.empty else req


def _layer4_down(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    events = ctx.snap.frame("router_events")
    if events.empty:
        return events
    down = events[(events["route"] == route.name) & (events["event"] == "server-down")]
    return down[down["text"].fillna("").str.contains("Layer4 timeout")]


def event_evidence(row: pd.Series) -> Evidence:
    """Cite a router event line (``Server ... is DOWN``): its message, read back as the whole line as it stands in
    the log once the rules are done (:func:`analyzer.evidence.quote_cited_log_lines`), as a request line is."""
    line = int(row["line"]) if pd.notna(row["line"]) else None
    return Evidence(source=str(row["source"]), line=line, text=str(row["text"]),
                    input=None if pd.isna(row["input"]) else str(row["input"]), described=line is not None)


def _served(ctx: Context, route: common.RouteRef, pods: list[str]) -> int:
    """How many of the route's requests the router connected to one of ``pods`` for (``Tc >= 0``): its rows and
    its counted normal lines of those pods (every one a connection made)."""
    counted = int(answered_lines.normal_keys(ctx, route, lambda keys: keys["pod"].isin(pods))["requests"].sum())
    req = common.route_requests(ctx, route)
    if req.empty:
        return counted
    hit = req["pod"].astype("string").isin(pods).fillna(False) & (req["Tc"] >= 0).fillna(False)
    return counted + int(hit.sum())


@RULE.check
def network_policy_blocks_router(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        blocked = network_policies.policy_blocks_router(ctx, route)
        if blocked is not None:
            yield _blocked_finding(ctx, route, blocked)
            continue
        timeouts = _connect_timeouts(ctx, route)
        if len(timeouts) < MIN_PAST_TIMEOUTS:
            continue
        then = timeouts["ts"].min().to_pydatetime()
        blocked = network_policies.policy_blocks_router(ctx, route, at=then)
        if blocked is not None:
            yield _blocked_finding(ctx, route, blocked, lifted_by=_created_after(ctx, route, then))


MIN_PAST_TIMEOUTS = 2  # connect timeouts that make a policy set of the past worth judging


def _created_after(ctx: Context, route: common.RouteRef, moment: datetime) -> list[pd.Series]:
    """The route namespace's policies created after ``moment`` (one of them admits the router now)."""
    pols = ctx.snap.frame("netpols")
    mine = pols[(pols["namespace"] == route.namespace) & (pols["created"] > pd.Timestamp(moment)).fillna(False)]
    return [p for _, p in mine.iterrows()]


def _title(names: str, lifted_by: list[pd.Series] | None) -> str:
    """The finding's one line: the policies block the router now, or blocked it until a later policy admitted it
    (the archive's policies no longer block it: said in the past tense, as the explanation says it)."""
    if not lifted_by:
        return f"NetworkPolicy {names} isolates the route's pods and nothing admits the router"
    admitted = ", ".join(str(p["name"]) for p in lifted_by)
    first = min(p["created"] for p in lifted_by).to_pydatetime()
    return (f"NetworkPolicy {names} isolated the route's pods from the router until {admitted} admitted it at "
            f"{common.hhmm(first)} (lifted before collection)")


def _blocked_finding(ctx: Context, route: common.RouteRef, blocked: network_policies.Blocked,
                     lifted_by: list[pd.Series] | None = None) -> Finding:
    timeouts = _connect_timeouts(ctx, route)
    down = _layer4_down(ctx, route)
    nosrv = common.down_nosrv(ctx, route, "Layer4 timeout").drop(timeouts.index, errors="ignore")
    counted = (pd.concat([timeouts, nosrv]).sort_index().sort_values("ts", kind="stable") if not nosrv.empty
               else timeouts)
    facts = common.log_facts(ctx, counted) if not counted.empty else {}
    when, said = common.timing(ctx, route, facts, *(
        common.last_change(ctx, "networkpolicy", route.namespace, str(p["name"])) for p in blocked.policies),
        source="the blocking policy's creation or last edit")
    served = _served(ctx, route, blocked.pods) if ctx.has_logs and timeouts.empty else 0
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
            f" The access log agrees: {plural(len(timeouts), 'request')} ended 503 sC (connect timeout on every retry)"
            + (f" and {len(nosrv)} got 503 <NOSRV> while the health checks had every server DOWN (Layer4 timeout)"
               if not nosrv.empty else "")
            + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    if not down.empty:
        explanation += f" The router marked {len(down)} server(s) DOWN on Layer4 timeouts."
    if served:
        explanation += (
            f" The access log disagrees: the router reached these pods for {plural(served, 'request')}, so the "
            "policies may have been created after them, or a rule admits the router that this check cannot "
            "evaluate."
        )
    if lifted_by:
        explanation += (
            " Since then, " + ", ".join(f"{p['name']} (created {common.fmt_ts(p['created'].to_pydatetime())})"
                                        for p in lifted_by)
            + " admits the router: the policies in the archive no longer block it."
        )
    explanation += said
    severity = Severity.CRITICAL if everyone and not served and not lifted_by else Severity.WARNING
    policy = network_policies.allow_policy(route.namespace, router.host_network)
    return RULE.finding(
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=_title(names, lifted_by),
        explanation=explanation,
        evidence=[object_evidence(ctx.snap, p, "podSelector:") for p in blocked.policies[:3]]
        + [object_evidence(ctx.snap, p, "creationTimestamp:") for p in (lifted_by or [])[:1]]
        + facts.get("evidence", [])
        + [event_evidence(r) for _, r in down.head(1).iterrows()],
        remediation=[] if lifted_by else [f"cat <<'EOF' | oc apply -f -\n{json.dumps(policy, indent=2)}\nEOF"],
        diagnostics=[f"oc -n {route.namespace} get networkpolicy -o yaml"],
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="low" if served else "high",
        **when,
    )
