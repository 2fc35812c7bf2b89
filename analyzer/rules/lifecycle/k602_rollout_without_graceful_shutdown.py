"""Pods are replaced while the router still sends them traffic.

## What it does

Finds errors (502 `SH` in flight, 503 `SC` on a real server, `SD`) on pods that were being
deleted (`deletionTimestamp`), killed (`Killing` events, read also for pods no longer in the
archive), replaced by a rollout the workload's revisions still show (a pod the archive no longer
holds, of a ReplicaSet or ReplicationController scaled to 0 beside a newer revision: dated by the
new revision's creation and its pods' creation and `Ready` times, once the events have expired)
or marked DOWN by the router's health check because the connection was refused
(`Server ... is DOWN, reason: Layer4 connection problem`; a TLS or timeout DOWN is another
cause's, and so is the DOWN of a pod that was restarting its container then, K601's),
within a short window of the error. A DOWN counts only for a pod that went away: one the archive
no longer holds, or holds created after the DOWN (a StatefulSet's pod comes back under its name);
a pod running since before its DOWN, not being deleted, was not replaced, and its refusals are
another cause's (a port nothing listens on: P301); checks whether the containers have a `preStop`
hook. The finding says when it began (the first such disruption) and whether it had ended at
the end of the route's log (requests succeeded after the last error). Without access logs: a
single-replica workload behind a route with no `preStop` hook is reported as info (every
rollout drops requests), except in `openshift-*`/`kube-*` namespaces, whose workloads belong to
the platform's operators.

## Why it matters

The router learns about a deleted endpoint only after its next reload (≥ 5 s) and health check;
a pod that exits on SIGTERM immediately drops the requests it still receives.

## Example

`deletionTimestamp: 08:52:10Z` on the old pod, 502 SH on its server at 08:52:10–08:52:15,
`Server be_http:shop:web/pod:web-old... is DOWN`.

## Remediation

Add a `preStop` sleep (10–15 s) and handle SIGTERM by draining; run ≥ 2 replicas with
`maxUnavailable: 0`.

## Known problems

Deleted pods disappear from the API: an archive taken long after the rollout only has the new pods;
their `Killing` events expire after about 3 h, then only the router's DOWN lines and the errors
remain. A pod killed for another reason (eviction, liveness) near its errors is read as replaced.

## References

router-facts.md §6 (rollout without graceful shutdown: preStop, RELOAD_INTERVAL), §3 (health checks);
openshift/router#654.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.facts.common import distinct_texts
from analyzer.lookup import Lookups, column_values, is_text, iterrows, positions_in
from analyzer.model import NO_CLAIMS, Finding, IncidentStatus, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common, rollouts
from analyzer.rules.lifecycle import shared
from analyzer.wording import plural

RULE = rule(
    code="K602",
    name="rollout-without-graceful-shutdown",
    cause="rollout-without-graceful-shutdown",
    severity=Severity.WARNING,
    needs=(("pods", LOGS),),
)

PLATFORM = ("openshift-", "kube-")  # operator-owned workloads: the customer cannot patch them


def prestop_patch(namespace: str, workload: tuple[str, str] | None) -> str:
    """The ``oc patch`` that adds a 15 s preStop sleep to the workload's first container."""
    kind, name = workload or ("deployment", "DEPLOYMENT")
    value = '{"preStop":{"exec":{"command":["sleep","15"]}}}'
    return (f"oc -n {namespace} patch {kind}/{name} --type=json -p "
            f"'[{{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/lifecycle\",\"value\":{value}}}]'"
            + ("" if workload else f"   # {common.FILL_IN_WORKLOAD}"))


@RULE.check
def rollout_without_graceful_shutdown(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route) if ctx.lookups is None else None
        req = common.route_requests(ctx, route)
        if ctx.lookups is not None:
            deleting, _ = _deleting_and_down(ctx.lookups, route)
        else:
            pods_frame = ctx.snap.frame("pods")
            deleting = pods_frame[(pods_frame["namespace"] == route.namespace) & pods_frame["deleted"].notna()]
        # a refused health check is a pod that stopped listening; TLS/timeout DOWNs are other causes'
        # and the DOWN of a pod restarting its container then is that crash's (K601)
        down = [c for c in ctx.facts.server_changes(route.namespace, route.name, state="DOWN")
                if c.pod and c.ts is not None and (c.reason or "").startswith("Layer4 connection")
                and not common.restarting_at(ctx.facts, route.namespace, str(c.pod), c.ts, windows.NEAR_EVENT)
                and not _stayed(ctx, route.namespace, str(c.pod), pd.Timestamp(c.ts))]
        kills = [e for e in ctx.facts.events(route.namespace, kind="Pod", reason="Killing")
                 if e.name and e.last_seen is not None]
        disruptions: dict[str, list[pd.Timestamp]] = {}
        for _, p in iterrows(deleting):
            disruptions.setdefault(p["name"], []).append(p["deleted"])
        for c in down:
            disruptions.setdefault(str(c.pod), []).append(pd.Timestamp(c.ts))
        for e in kills:
            disruptions.setdefault(str(e.name), []).append(pd.Timestamp(e.last_seen))
        replaced = _replaced_pods(ctx, route, req)
        for pod, replacement in replaced.items():
            disruptions.setdefault(pod, []).extend(replacement.moments)
        # the route's errors are picked only where a pod was going away (most routes: no pod was)
        errors = shared.errors_on_pods(req) if disruptions else common.no_rows(ctx, req)
        hits = errors[windows.near_disruption(errors, disruptions)] if not errors.empty else errors
        if ctx.lookups is not None:  # positions first: the rows are built only for a finding
            init, prestop = column_values(ctx.lookups, "containers", "init", "has_prestop")
            found = positions_in(ctx.lookups, "containers", route.namespace, "pod", common.route_pod_names(ctx, route))
            kept = [p for p in found if init[p] is not True and prestop[p] is not True]
            no_prestop_empty = not kept
            no_prestop = ctx.lookups.take("containers", kept) if kept and not hits.empty else None
        else:
            containers = ctx.snap.frame("containers")
            no_prestop = containers[
                (containers["namespace"] == route.namespace)
                & containers["pod"].isin(pods["name"])  # type: ignore[index]
                & ~containers["init"].fillna(False).astype(bool)
                & ~containers["has_prestop"].fillna(False).astype(bool)
            ]
            no_prestop_empty = no_prestop.empty
        if hits.empty:
            workload = common.route_workload(ctx, route)
            if ctx.has_logs or workload is None or no_prestop_empty or route.namespace.startswith(PLATFORM):
                continue
            if ctx.lookups is not None:
                dep = ctx.lookups.index("deployments", "namespace", "name").rows((route.namespace, workload[1]))
            else:
                deployments = ctx.snap.frame("deployments")
                dep = deployments[(deployments["namespace"] == route.namespace) & (deployments["name"] == workload[1])]
            if dep.empty or dep.iloc[0]["replicas"] != 1:
                continue
            if no_prestop is None:
                no_prestop = ctx.lookups.take("containers", kept)  # type: ignore[union-attr]
            yield RULE.finding(
                severity=Severity.INFO,
                namespace=route.namespace,
                route=route.name,
                names=common.command_names(ctx, route),
                service=common.first_service(route),
                title=f"{workload[1]} runs one replica without a preStop hook: every rollout drops requests",
                explanation=(
                    "With a single replica and no preStop hook, the only server leaves the router's backend "
                    "when the pod is deleted, before its replacement is ready or the router reloads."
                ),
                evidence=[
                    object_evidence(ctx.snap, dep.iloc[0], "replicas: 1"),
                    object_evidence(ctx.snap, no_prestop.iloc[0], "name: " + str(no_prestop.iloc[0]["name"])),
                ],
                remediation=[
                    f"oc -n {route.namespace} scale {workload[0]}/{workload[1]} --replicas=2",
                    prestop_patch(route.namespace, workload),
                ],
                confidence="medium",
            )
            continue
        facts = common.log_facts(ctx, hits)
        evidence = list(facts["evidence"])
        for _, p in deleting[deleting["name"].isin(sorted(distinct_texts(hits["pod"])))].head(2).iterrows():
            evidence.append(object_evidence(ctx.snap, p, "deletionTimestamp:"))
        hit_pods = distinct_texts(hits["pod"])
        hit_kills = [e for e in kills if e.name in hit_pods]
        hit_downs = [c for c in down if c.pod in hit_pods]
        for e in hit_kills[:2]:
            evidence.append(common.fact_evidence(ctx, e.where, "reason: Killing", f"Killing {e.name}"))
        for c in hit_downs[:2]:
            evidence.append(common.fact_evidence(ctx, c.where, "is DOWN", c.text))
        rollouts_seen = {str(r.old["name"]): r for p, r in replaced.items() if p in hit_pods}
        for r in list(rollouts_seen.values())[:2]:
            evidence += [object_evidence(ctx.snap, r.old, "replicas: 0"),
                         object_evidence(ctx.snap, r.new, "creationTimestamp:")]
        gone = sorted(p for p in hit_pods if not ctx.facts.objects.pod_exists(route.namespace, p))
        times = [t for p in hit_pods for t in disruptions.get(p, []) if pd.notna(t)]
        first = facts["first_seen"]
        window = windows.NEAR_EVENT
        before = [t for t in times if first is not None and first - window <= t <= first]
        began = min(before).to_pydatetime() if before else first
        status, ended_at = common.incident_status(ctx, route, facts["last_seen"])
        when = "; ".join(
            f"{e.name} killed at {common.hhmm(e.last_seen)}" for e in sorted(hit_kills, key=lambda e: e.last_seen)
        )
        workload = common.route_workload(ctx, route)
        yield RULE.finding(
            severity=Severity.CRITICAL if route.endpoints_ready == 0 else Severity.WARNING,
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=common.first_service(route),
            title=f"{plural(len(hits), 'request')} failed while pods were being replaced",
            explanation=(
                f"{plural(len(hits), 'request')} failed on pods that were going away (deleted, killed, replaced by a "
                f"rollout or just marked DOWN by the router: {', '.join(sorted(hit_pods))}). "
                + (f"Kubernetes events: {when} (Killing). " if when else "")
                + (f"Pods no longer in the archive: {', '.join(gone)}. " if gone else "")
                + "".join(f"{r.old['kind']} {r.old['name']}{_revision_words(r.old)} was scaled to 0, replaced by "
                          f"{r.new['name']}{_revision_words(r.new)}"
                          + (f" created at {common.hhmm(r.new['created'].to_pydatetime())}"
                             if pd.notna(r.new["created"]) else "") + ". "
                          for r in rollouts_seen.values())
                + ("The errors had stopped at collection: requests succeeded after the last one. "
                   if status is IncidentStatus.ENDED else "")
                + (
                    "Their containers have no preStop hook, so they stop before the router drops them."
                    if not no_prestop_empty
                    else "They have a preStop hook; check that the application drains on SIGTERM."
                )
            ),
            evidence=evidence,
            remediation=[
                prestop_patch(route.namespace, workload),
                f"oc -n {route.namespace} patch {workload[0] if workload else 'deployment'}/"
                f"{workload[1] if workload else 'DEPLOYMENT'} --type=merge -p "
                '\'{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0}}}}\''
                + ("" if workload else f"   # {common.FILL_IN_WORKLOAD}"),
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
            status_at_collection=status,
            ended_at=ended_at,
            began_at=began,
        )



def _replaced_pods(ctx: Context, route: common.RouteRef, req: pd.DataFrame) -> dict[str, rollouts.Replacement]:
    """The pods the route's errors name that a rollout replaced and the archive no longer holds
    (:mod:`analyzer.rules.rollouts`): their ``Killing`` events may have expired, the workload's revisions
    still date them."""
    if not rollouts.replacements(ctx, route.namespace):
        return {}
    errors = shared.errors_on_pods(req)
    if errors.empty:
        return {}
    found = {pod: rollouts.replaced_pod(ctx, route.namespace, pod) for pod in sorted(distinct_texts(errors["pod"]))}
    return {pod: r for pod, r in found.items() if r is not None}


def _revision_words(row: pd.Series) -> str:
    return f" (revision {row['revision']})" if isinstance(row["revision"], str) and row["revision"] else ""


def _stayed(ctx: Context, namespace: str, pod: str, down_at: pd.Timestamp) -> bool:
    """Whether the pod the router marked DOWN at ``down_at`` is still the archive's: created before the DOWN and
    not being deleted. A Deployment's replaced pod is gone from the archive (its successors have new names); a
    StatefulSet's comes back under its name, created after the DOWN."""
    if not ctx.facts.objects.pod_exists(namespace, pod):
        return False
    pod_now = ctx.facts.objects.pod_timeline(namespace, pod)
    return pod_now.deleted is None and pod_now.created is not None and pd.Timestamp(pod_now.created) <= down_at


def _deleting_and_down(lookups: Lookups, route: common.RouteRef) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pods of the namespace being deleted, and the router's server-down messages for the route."""
    key = ("deleting", route.namespace)
    if key not in lookups.memo:
        deleted = lookups.column("pods", "deleted")
        found = lookups.index("pods", "namespace").positions((route.namespace,))
        lookups.memo[key] = lookups.take("pods", [p for p in found if pd.notna(deleted[p])])
    event = lookups.column("router_events", "event")
    found = lookups.index("router_events", "namespace", "route").positions((route.namespace, route.name))
    return lookups.memo[key], lookups.take("router_events", [p for p in found if is_text(event[p], "server-down")])

