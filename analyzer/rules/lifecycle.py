"""Pod lifecycle rules: errors caused by pods that crash, get killed, or are replaced without draining."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common
from analyzer.rules.backend import near_disruption

WINDOW = pd.Timedelta(seconds=120)
PLATFORM = ("openshift-", "kube-")  # operator-owned workloads: the customer cannot patch them


def _errors_on_pods(req: pd.DataFrame) -> pd.DataFrame:
    """Errors a pod going away produces: 502 SH, 503 SC on a real server, truncated bodies (SD)."""
    if req.empty:
        return req
    term = req["term"].astype("string")
    sh = (req["status"] == 502).fillna(False).astype(bool) & (term == "SH").fillna(False).astype(bool)
    sc = (
        (req["status"] == 503).fillna(False).astype(bool)
        & (term == "SC").fillna(False).astype(bool)
        & (req["server_kind"].astype("string") == "pod").fillna(False).astype(bool)
    )
    sd = (term == "SD").fillna(False).astype(bool)
    return req[sh | sc | sd]


def _restart_times(ctx: Context, namespace: str, pods: list[str]) -> dict[str, list[tuple[pd.Timestamp, pd.Series]]]:
    containers = ctx.snap.frame("containers")
    out: dict[str, list[tuple[pd.Timestamp, pd.Series]]] = {}
    mine = containers[(containers["namespace"] == namespace) & containers["pod"].isin(pods)]
    for _, c in mine.iterrows():
        if pd.notna(c["last_finished"]):
            out.setdefault(c["pod"], []).append((c["last_finished"], c))
    return out


def prestop_patch(namespace: str, workload: tuple[str, str] | None) -> str:
    """The ``oc patch`` that adds a 15 s preStop sleep to the workload's first container."""
    kind, name = workload or ("deployment", "<name>")
    value = '{"preStop":{"exec":{"command":["sleep","15"]}}}'
    return (f"oc -n {namespace} patch {kind}/{name} --type=json -p "
            f"'[{{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/lifecycle\",\"value\":{value}}}]'")


RECENT = pd.Timedelta(hours=1)
MANY_RESTARTS = 3


def _static_restarts(ctx: Context, containers: pd.DataFrame, namespace: str, pods: list[str]) -> pd.DataFrame:
    """Restarts worth reporting without logs: crash loops, OOM kills, or repeated recent errors.

    A single old restart (typically during installation or a node reboot) says nothing about today's
    errors and is left out.
    """
    mine = containers[(containers["namespace"] == namespace) & containers["pod"].isin(pods)]
    if mine.empty:
        return mine
    end = ctx.snap.collection_window[1]
    if end is not None:
        recent = (mine["last_finished"] >= pd.Timestamp(end) - RECENT).fillna(False)
    else:
        recent = pd.Series(True, index=mine.index)
    crash = (mine["state_reason"] == "CrashLoopBackOff").fillna(False)
    oom = (mine["last_reason"] == "OOMKilled").fillna(False)
    errors = (mine["restart_count"].fillna(0) >= MANY_RESTARTS) & (mine["last_reason"] == "Error").fillna(False)
    return mine[(crash | oom | (errors & recent)).astype(bool)]


@rule(
    code="K601",
    name="pods-restarting-under-traffic",
    cause="pods-restarting",
    severity=Severity.WARNING,
    needs=("containers",),
)
def pods_restarting(ctx: Context) -> Iterator[Finding]:
    """Backend containers crash, are OOM-killed or evicted while serving the route.

    What it does:
        Joins the route's errors (502 ``SH``, 503 ``SC`` on a real server, ``SD`` truncated bodies) to the
        pod that served them and to that pod's container terminations (``lastState.terminated``
        finishedAt, reason, exit code) within two minutes. Without access logs it reports the route's pods
        that are in ``CrashLoopBackOff``, were OOM-killed, restarted 3+ times with errors in the hour
        before collection, or were
        ``Evicted``.

    Why it matters:
        In-flight requests die with the process (502 SH), new ones are refused until the container is up
        again (503 SC), and a crash loop keeps the pod out of the backend.

    Example:
        ``lastState.terminated: {reason: OOMKilled, exitCode: 137, finishedAt: 08:40:58Z}`` and 502 SH
        lines on that pod's server at 08:40:5x.

    Remediation:
        Read the previous container log; raise the memory limit when OOM-killed; fix the crash.

    Known problems:
        Only the last termination of each container is in the archive; older restarts cannot be placed
        in time.

    References:
        router-facts.md §4.2 (502 SH: app crashed/OOM-killed), §6; runbook-502.md step 3.
    """
    containers = ctx.snap.frame("containers")
    pods_frame = ctx.snap.frame("pods")
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route)
        names = pods["name"].tolist()
        req = common.route_requests(ctx, route)
        errors = _errors_on_pods(req)
        restarts = _restart_times(ctx, route.namespace, names)
        hit_rows: list[pd.DataFrame] = []
        evidence: list[Evidence] = []
        reasons: set[str] = set()
        for pod, items in restarts.items():
            mine = (
                errors[(errors["pod"].astype("string") == pod).fillna(False).astype(bool)]
                if not errors.empty
                else errors
            )
            for ts, c in items:
                if mine.empty:
                    continue
                near = mine[((mine["ts"] - ts).abs() <= WINDOW).fillna(False).astype(bool)]
                if not near.empty:
                    hit_rows.append(near)
                    evidence.append(object_evidence(ctx.snap, c, "finishedAt:"))
                    why = common.first_text(c["last_reason"], default="terminated")
                    reasons.add(f"{pod} {why} at {common.fmt_ts(ts.to_pydatetime())}")
        static = _static_restarts(ctx, containers, route.namespace, names)
        evicted = pods_frame[
            (pods_frame["namespace"] == route.namespace)
            & pods_frame["name"].isin(names)
            & (pods_frame["reason"] == "Evicted")
        ]
        if not hit_rows and static.empty and evicted.empty:
            continue
        rows = pd.concat(hit_rows).drop_duplicates() if hit_rows else req.iloc[0:0]
        facts = common.log_facts(ctx, rows) if not rows.empty else {}
        if not evidence:
            for _, c in static.head(2).iterrows():
                why = common.first_text(c["last_reason"], c["state_reason"])
                evidence.append(object_evidence(ctx.snap, c, "reason: " + why))
                reasons.add(f"{c['pod']}/{c['name']} {why} (restarts {c['restart_count']})")
            for _, p in evicted.head(1).iterrows():
                evidence.append(object_evidence(ctx.snap, p, "reason: Evicted"))
                reasons.add(f"{p['name']} Evicted")
        oom = any("OOMKilled" in r for r in reasons)
        severity = Severity.CRITICAL if route.endpoints_ready == 0 else Severity.WARNING
        if not facts and ctx.has_logs:
            severity = Severity.INFO  # restarts happened, but no logged request suffered from them
        yield Finding(
            code="K601",
            cause="pods-restarting",
            severity=severity,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=(
                f"{facts['affected_requests']} errors when backend pods restarted" if facts else "backend pods restart"
            )
            + (" (OOM-killed)" if oom else ""),
            explanation=(
                "; ".join(sorted(reasons))
                + ". "
                + (
                    f"{facts['affected_requests']} requests on those pods failed within two minutes of it "
                    "(502 SH in flight, 503 SC while the container was down)."
                    if facts
                    else "Each restart drops in-flight requests and takes the pod out of the backend."
                )
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[f"oc -n {route.namespace} logs --previous {sorted(reasons)[0].split(' ')[0].split('/')[0]}"]
            + (
                [
                    f"oc -n {route.namespace} set resources {w[0]}/{w[1]} --limits=memory=<more>"
                    for w in [common.workload_of(ctx, pods)]
                    if w and oom
                ]
            ),
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            confidence="high" if facts else "medium",
        )


@rule(
    code="K602",
    name="rollout-without-graceful-shutdown",
    cause="rollout-without-graceful-shutdown",
    severity=Severity.WARNING,
    needs=("pods",),
)
def rollout_without_graceful_shutdown(ctx: Context) -> Iterator[Finding]:
    """Pods are replaced while the router still sends them traffic.

    What it does:
        Finds errors (502 ``SH`` in flight, 503 ``SC`` on a real server, ``SD``) on pods that were being
        deleted (``deletionTimestamp``, ``Killing`` events) or replaced (their ReplicaSet superseded by one
        created around that time), and the router's ``Server ... is DOWN`` lines for them; checks whether
        the containers have a ``preStop`` hook. Without access logs: a single-replica workload behind a
        route with no ``preStop`` hook is reported as info (every rollout drops requests), except in
        ``openshift-*``/``kube-*`` namespaces, whose workloads belong to the platform's operators.

    Why it matters:
        The router learns about a deleted endpoint only after its next reload (≥ 5 s) and health check;
        a pod that exits on SIGTERM immediately drops the requests it still receives.

    Example:
        ``deletionTimestamp: 08:52:10Z`` on the old pod, 502 SH on its server at 08:52:10–08:52:15,
        ``Server be_http:shop:web/pod:web-old... is DOWN``.

    Remediation:
        Add a ``preStop`` sleep (10–15 s) and handle SIGTERM by draining; run ≥ 2 replicas with
        ``maxUnavailable: 0``.

    Known problems:
        Deleted pods disappear from the API: an archive taken long after the rollout only has the new pods;
        then only the router's DOWN lines and the errors remain.

    References:
        router-facts.md §6 (rollout without graceful shutdown: preStop, RELOAD_INTERVAL), §3 (health checks);
        openshift/router#654.
    """
    containers = ctx.snap.frame("containers")
    pods_frame = ctx.snap.frame("pods")
    events = ctx.snap.frame("router_events")
    deployments = ctx.snap.frame("deployments")
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route)
        req = common.route_requests(ctx, route)
        errors = _errors_on_pods(req)
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
        hits = errors[near_disruption(errors, disruptions)] if disruptions and not errors.empty else errors.iloc[0:0]
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
            yield Finding(
                code="K602",
                cause="rollout-without-graceful-shutdown",
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
        yield Finding(
            code="K602",
            cause="rollout-without-graceful-shutdown",
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


RULES = [pods_restarting, rollout_without_graceful_shutdown]
