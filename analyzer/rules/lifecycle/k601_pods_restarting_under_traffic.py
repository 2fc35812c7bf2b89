"""Backend containers crash, are OOM-killed or evicted while serving the route.

## What it does

Joins the route's errors (502 `SH`, 503 `SC` on a real server, `SD` truncated bodies) to the
pod that served them and to that pod's container terminations (`lastState.terminated`
finishedAt, reason, exit code) within two minutes, and to the router's `Layer4 connection`
DOWN marks of a pod that was restarting then (its last termination near the DOWN, or its
`BackOff` events spanning it: a crash loop whose earlier terminations the archive no longer
holds). When the only replica (or every replica at once) was down restarting, the route's 503
`SC` `<NOSRV>` lines from its termination to the pod's `Ready` transition after it (two minutes
without one) are its too: the router had no server left, and the restart is why. The fault is
dated (`began_at`) from a termination, or the first `BackOff` event of a pod whose errors it
joined (a crash loop that began before its last termination), at most 10 minutes
before the first such error, else from that error, and the requests after the last one say whether
it was over at collection. Without access logs it reports the route's pods
that are in `CrashLoopBackOff`, were OOM-killed, restarted 3+ times with errors in the hour
before collection, or were
`Evicted`.

## Why it matters

In-flight requests die with the process (502 SH), new ones are refused until the container is up
again (503 SC), and a crash loop keeps the pod out of the backend.

## Example

`lastState.terminated: {reason: OOMKilled, exitCode: 137, finishedAt: 08:40:58Z}` and 502 SH
lines on that pod's server at 08:40:5x.

## Remediation

Read the previous container log; raise the memory limit when OOM-killed; fix the crash.

## Known problems

Only the last termination of each container is in the archive; older restarts cannot be placed
in time.

## References

router-facts.md §4.2 (502 SH: app crashed/OOM-killed), §6; runbook-502.md step 3.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.lookup import column_values, is_text, positions_in
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.lifecycle import shared
from analyzer.rules.restarts import nosrv_while_down, restart_times
from analyzer.wording import plural

RULE = rule(
    code="K601",
    name="pods-restarting-under-traffic",
    cause="pods-restarting",
    severity=Severity.WARNING,
    needs=("pods",),
)


RECENT = pd.Timedelta(hours=1)


MANY_RESTARTS = 3


def _static_restarts(ctx: Context, namespace: str, pods: list[str]) -> pd.DataFrame:
    """Restarts worth reporting without logs: crash loops, OOM kills, or repeated recent errors.

    A single old restart (typically during installation or a node reboot) says nothing about today's
    errors and is left out.
    """
    if ctx.lookups is not None:
        return _static_restarts_by_lookup(ctx, namespace, pods)
    containers = ctx.snap.frame("containers")
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


def _static_restarts_by_lookup(ctx: Context, namespace: str, pods: list[str]) -> pd.DataFrame:
    """:func:`_static_restarts` by row positions and the columns' values (no frame filter per route)."""
    lookups = ctx.lookups
    assert lookups is not None
    state, last, count, finished = column_values(
        lookups, "containers", "state_reason", "last_reason", "restart_count", "last_finished"
    )
    end = ctx.snap.collection_window[1]
    since = pd.Timestamp(end) - RECENT if end is not None else None

    def keep(p: int) -> bool:
        if is_text(state[p], "CrashLoopBackOff") or is_text(last[p], "OOMKilled"):
            return True
        errors = (0 if pd.isna(count[p]) else count[p]) >= MANY_RESTARTS and is_text(last[p], "Error")
        recent = since is None or (pd.notna(finished[p]) and finished[p] >= since)
        return bool(errors and recent)

    found = positions_in(lookups, "containers", namespace, "pod", pods)
    return lookups.take("containers", [p for p in found if keep(p)])



def _evicted(ctx: Context, namespace: str, names: list[str]) -> pd.DataFrame:
    """The route's pods evicted by their node."""
    if ctx.lookups is not None:
        reason = ctx.lookups.column("pods", "reason")
        found = positions_in(ctx.lookups, "pods", namespace, "name", names)
        return ctx.lookups.take("pods", [p for p in found if is_text(reason[p], "Evicted")])
    pods_frame = ctx.snap.frame("pods")
    return pods_frame[
        (pods_frame["namespace"] == namespace) & pods_frame["name"].isin(names) & (pods_frame["reason"] == "Evicted")
    ]


@RULE.check
def pods_restarting(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        names = common.route_pod_names(ctx, route)
        req = common.route_requests(ctx, route)
        errors = shared.errors_on_pods(req)
        restarts = restart_times(ctx, route.namespace, names)
        hit_rows: list[pd.DataFrame] = []
        hit_pods: set[str] = set()
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
                near = mine[((mine["ts"] - ts).abs() <= windows.NEAR_EVENT).fillna(False).astype(bool)]
                if not near.empty:
                    hit_rows.append(near)
                    hit_pods.add(pod)
                    evidence.append(object_evidence(ctx.snap, c, "finishedAt:"))
                    why = common.first_text(c["last_reason"], default="terminated")
                    reasons.add(f"{pod} {why} at {common.fmt_ts(ts.to_pydatetime())}")
        for c in ctx.facts.server_changes(route.namespace, route.name, state="DOWN"):
            if not (c.pod and c.ts is not None and (c.reason or "").startswith("Layer4 connection")
                    and common.restarting_at(ctx.facts, route.namespace, str(c.pod), c.ts, windows.NEAR_EVENT)):
                continue
            mine = errors[(errors["pod"].astype("string") == c.pod).fillna(False).astype(bool)] if not (
                errors.empty) else errors
            near = mine[((mine["ts"] - pd.Timestamp(c.ts)).abs() <= windows.NEAR_EVENT).fillna(False).astype(bool)]
            if not near.empty:
                hit_rows.append(near)
                hit_pods.add(str(c.pod))
                evidence.append(common.fact_evidence(ctx, c.where, "is DOWN", c.text))
                reasons.add(f"{c.pod} refused connections while restarting (router DOWN at "
                            f"{common.fmt_ts(c.ts)})")
        # the only replica (or every one) down restarting: the router had no server left, 503 <NOSRV>
        no_server = nosrv_while_down(ctx, route)
        if not no_server.empty:
            hit_rows.append(no_server)
            first, last = no_server["ts"].min(), no_server["ts"].max()
            for pod, items in restarts.items():
                for ts, c in items:
                    if ts - windows.NEAR_EVENT <= first and ts <= last:
                        if pod not in hit_pods:
                            evidence.append(object_evidence(ctx.snap, c, "finishedAt:"))
                        hit_pods.add(pod)
                        why = common.first_text(c["last_reason"], default="terminated")
                        reasons.add(f"{pod} {why} at {common.fmt_ts(ts.to_pydatetime())}")
            whose = "the route's only pod was" if len(names) == 1 else "every pod of the route was"
            down_words = f"{plural(len(no_server), 'request')} found no server at all while {whose} down (503 <NOSRV>)."
        else:
            down_words = ""
        static = _static_restarts(ctx, route.namespace, names)
        evicted = _evicted(ctx, route.namespace, names)
        if not hit_rows and static.empty and evicted.empty:
            continue
        rows = pd.concat(hit_rows).drop_duplicates() if hit_rows else req.iloc[0:0]
        facts = common.log_facts(ctx, rows) if not rows.empty else {}
        terminated = [ts.to_pydatetime() for items in restarts.values() for ts, _ in items]
        # a crash loop's earlier terminations are gone from the pod's status; its BackOff events still date it
        backoff = common.first_event(ctx, route.namespace, sorted(hit_pods), "BackOff") if hit_pods else None
        began = common.began_at(facts.get("first_seen"), *terminated, backoff)
        source = ("the kubelet's first BackOff event of the crash loop"
                  if backoff is not None and began == backoff and began not in terminated
                  else "the container's termination")
        when, said = common.timing(ctx, route, facts, *terminated, backoff, source=source)
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
        yield RULE.finding(
            severity=severity,
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=common.first_service(route),
            title=(
                f"{plural(facts['affected_requests'], 'error')} when backend pods restarted" if facts
                else "backend pods restart"
            )
            + (" (OOM-killed)" if oom else ""),
            explanation=(
                "; ".join(sorted(reasons))
                + ". "
                + " ".join(part for part in (
                    f"{plural(facts['affected_requests'] - len(no_server), 'request')} on those pods failed within "
                    "two minutes of it (502 SH in flight, 503 SC while the container was down)."
                    if facts and len(no_server) < facts["affected_requests"] else "",
                    down_words,
                    "" if facts else "Each restart drops in-flight requests and takes the pod out of the backend.",
                ) if part)
                + said
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} set resources {w[0]}/{w[1]} --limits=memory=LIMIT  "
                "# LIMIT: above the memory limit the container was OOM-killed at"
                for w in [common.route_workload(ctx, route)]
                if w and oom
            ]
            or ["# fix the crash the previous container's log shows"],
            diagnostics=[
                f"oc -n {route.namespace} logs --previous {sorted(reasons)[0].split(' ')[0].split('/')[0]}"
            ],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            confidence="high" if facts else "medium",
            **when,
        )
