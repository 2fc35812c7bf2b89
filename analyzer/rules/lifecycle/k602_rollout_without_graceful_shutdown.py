"""Pods are replaced while the router still sends them traffic.

## What it does

Finds errors (502 `SH` in flight, 503 `SC` on a real server, `SD`) on pods that were being
deleted (`deletionTimestamp`, `Killing` events) or replaced (their ReplicaSet superseded by one
created around that time), and the router's `Server ... is DOWN` lines for them; checks whether
the containers have a `preStop` hook. Without access logs: a single-replica workload behind a
route with no `preStop` hook is reported as info (every rollout drops requests), except in
`openshift-*`/`kube-*` namespaces, whose workloads belong to the platform's operators.

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
then only the router's DOWN lines and the errors remain.

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
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common
from analyzer.rules.lifecycle import shared

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
    kind, name = workload or ("deployment", "<name>")
    value = '{"preStop":{"exec":{"command":["sleep","15"]}}}'
    return (f"oc -n {namespace} patch {kind}/{name} --type=json -p "
            f"'[{{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/lifecycle\",\"value\":{value}}}]'")


@RULE.check
def rollout_without_graceful_shutdown(ctx: Context) -> Iterator[Finding]:
    containers = ctx.snap.frame("containers")
    pods_frame = ctx.snap.frame("pods")
    events = ctx.snap.frame("router_events")
    deployments = ctx.snap.frame("deployments")
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route)
        req = common.route_requests(ctx, route)
        errors = shared.errors_on_pods(req)
        deleting = pods_frame[(pods_frame["namespace"] == route.namespace) & pods_frame["deleted"].notna()]
        down = (
            events[
                (events["namespace"] == route.namespace)
                & (events["route"] == route.name)
                & (events["event"] == "server-down")
            ]
            if not events.empty
            else events
        )
        disruptions: dict[str, list[pd.Timestamp]] = {}
        for _, p in deleting.iterrows():
            disruptions.setdefault(p["name"], []).append(p["deleted"])
        for _, d in down.iterrows():
            if isinstance(d["pod"], str) and pd.notna(d["ts"]):
                disruptions.setdefault(d["pod"], []).append(d["ts"])
        hits = (errors[windows.near_disruption(errors, disruptions)] if disruptions and not errors.empty
                else errors.iloc[0:0])
        no_prestop = containers[
            (containers["namespace"] == route.namespace)
            & containers["pod"].isin(pods["name"])
            & ~containers["init"].fillna(False).astype(bool)
            & ~containers["has_prestop"].fillna(False).astype(bool)
        ]
        if hits.empty:
            workload = common.workload_of(ctx, pods)
            if ctx.has_logs or workload is None or no_prestop.empty or route.namespace.startswith(PLATFORM):
                continue
            dep = deployments[(deployments["namespace"] == route.namespace) & (deployments["name"] == workload[1])]
            if dep.empty or dep.iloc[0]["replicas"] != 1:
                continue
            yield RULE.finding(
                severity=Severity.INFO,
                namespace=route.namespace,
                route=route.name,
                service=route.services[0] if route.services else None,
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
        for _, p in deleting[deleting["name"].isin(hits["pod"].dropna().astype(str))].head(2).iterrows():
            evidence.append(object_evidence(ctx.snap, p, "deletionTimestamp:"))
        for _, d in down.head(2).iterrows():
            evidence.append(
                Evidence(
                    source=str(d["source"]),
                    line=int(d["line"]) if pd.notna(d["line"]) else None,
                    text=str(d["text"]),
                    input=str(d["input"]),
                )
            )
        workload = common.workload_of(ctx, pods)
        yield RULE.finding(
            severity=Severity.CRITICAL if route.endpoints_ready == 0 else Severity.WARNING,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"{len(hits)} requests failed while pods were being replaced",
            explanation=(
                f"{len(hits)} requests failed on pods that were being deleted or had just been marked DOWN by the "
                f"router ({', '.join(sorted(disruptions))}). "
                + (
                    "Their containers have no preStop hook, so they stop before the router drops them."
                    if not no_prestop.empty
                    else "They have a preStop hook; check that the application drains on SIGTERM."
                )
            ),
            evidence=evidence,
            remediation=[
                prestop_patch(route.namespace, workload),
                f"oc -n {route.namespace} patch {workload[0] if workload else 'deployment'}/"
                f"{workload[1] if workload else '<name>'} --type=merge -p "
                '\'{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0}}}}\'',
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
        )
