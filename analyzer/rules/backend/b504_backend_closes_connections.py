"""Backend closes connections before answering, with no restart or rollout to explain it (502 SH).

## What it does

Counts 502 `SH` lines (server closed or reset before sending headers, `Tr=-1`) whose pod was
not restarted, OOM-killed, deleted or killed within two minutes, nor replaced by a rollout whose
new pods came up within two minutes of it (a pod gone from the archive, of a revision scaled to 0:
`analyzer/rules/rollouts.py`); those belong to K601/K602.
The first and last of these lines date the fault (`began_at`; `ended_at` with
`status_at_collection: ended` when the route's requests after the last one
(and after the route's last router-side 5xx of any cause) succeeded for a
minute and three typical gaps between its errors), and the severity weighs them against the
route's requests from the first of them on (a warning when it was over before collection).

## Why it matters

The application drops the connection mid-request: an application-side timeout (Ta close to a
round number such as 30000/60000), a crash of a worker thread, a sidecar resetting, or a keep-alive
race on a fresh connection.

## Example

`be_http:ns:closenoresp/pod:closenoresp-5c6d:closenoresp:http:127.0.0.1:9003 0/0/0/-1/4 502 209 - - SHNN`.

## Remediation

Read the application's logs at those times; align its idle/keep-alive and request timeouts with the
router (keep-alive above the router's reuse, request timeout below the route timeout).

## Known problems

HAProxy ≤ 2.8.9 does not log such failures on reused keep-alive connections at all (router-facts
§4.3): the real count can be higher than the log shows.

## References

router-facts.md §4.2 (502 SH), §4.3, §6 (keep-alive row); haproxy/haproxy#3414.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.facts.common import distinct_texts
from analyzer.model import NO_CLAIMS, Finding, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common, rollouts
from analyzer.rules.backend import shared
from analyzer.wording import plural

RULE = rule(
    code="B504",
    name="backend-closes-connections",
    cause="backend-connection-closed",
    severity=Severity.WARNING,
    needs=(LOGS,),
)


def pod_disruption_times(ctx: Context, namespace: str) -> dict[str, list[pd.Timestamp]]:
    """Per pod, the moments it restarted, was OOM-killed, deleted or killed (for time correlation)."""
    out: dict[str, list[pd.Timestamp]] = {}
    # (a namespace without pods, events or containers, as a routes dump has it, asks no filter of them)
    containers = ctx.snap.frame("containers")
    for _, c in (containers[containers["namespace"] == namespace] if not containers.empty else containers).iterrows():
        for col in ("last_finished", "last_started"):
            if pd.notna(c[col]) and col == "last_finished":
                out.setdefault(c["pod"], []).append(c[col])
        if pd.notna(c["state_since"]) and pd.notna(c["restart_count"]) and c["restart_count"] > 0:
            out.setdefault(c["pod"], []).append(c["state_since"])
    pods = ctx.snap.frame("pods")
    deleted = pods[(pods["namespace"] == namespace) & pods["deleted"].notna()] if not pods.empty else pods
    for _, p in deleted.iterrows():
        out.setdefault(p["name"], []).append(p["deleted"])
    ev = ctx.snap.frame("events")
    kills = ev[(ev["namespace"] == namespace) & ev["reason"].isin(["Killing", "BackOff", "Evicted", "OOMKilling"])
               ] if not ev.empty else ev
    for _, e in kills.iterrows():
        for col in ("first_seen", "last_seen"):
            if pd.notna(e[col]):
                out.setdefault(e["involved_name"], []).append(e[col])
    return out


@RULE.check
def backend_connection_closed(ctx: Context) -> Iterator[Finding]:
    disruptions: dict[str, dict[str, list[pd.Timestamp]]] = {}  # per namespace, read once for all its routes
    for route in common.routes(ctx):
        closed = common.route_select(ctx, route, status=502, term="SH")
        if closed.empty:
            continue
        req = common.route_requests(ctx, route)
        if route.namespace not in disruptions:
            disruptions[route.namespace] = pod_disruption_times(ctx, route.namespace)
        near = disruptions[route.namespace]
        if rollouts.replacements(ctx, route.namespace):  # pods a rollout replaced, gone with their events
            replaced = {pod: rollouts.replaced_pod(ctx, route.namespace, pod) for pod in distinct_texts(closed["pod"])}
            near = {**near, **{pod: [*near.get(pod, []), *r.moments] for pod, r in replaced.items() if r is not None}}
        if near:  # none in the namespace (a routes dump): every line stays, no copy
            closed = closed[~windows.near_disruption(closed, near)]
        if closed.empty:
            continue
        facts = common.log_facts(ctx, closed)
        ta = closed["Ta"].dropna()
        typical = int(ta.median()) if not ta.empty else None
        when, said = common.timing(ctx, route, facts)
        yield RULE.finding(
            severity=shared.severity_by_share(closed, req, when["status_at_collection"], ctx.facts.lines,
                                              ctx.normal_lines, (route.namespace, route.name)),
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route, *closed_by(closed)),
            service=common.first_service(route),
            title=f"{plural(len(closed), 'request')}: the backend closed the connection before answering (502 SH)",
            explanation=(
                f"{plural(len(closed), 'request')} on route {route.name} ended with the server closing the connection "
                "before any response header, and no restart, OOM kill or deletion of the pods explains them."
                + (f" They typically lasted {typical} ms" if typical is not None else "")
                + (
                    ": a round number suggests an application-side timeout."
                    if typical and typical >= 1000 and typical % 1000 < 50
                    else "."
                )
                + said
            ),
            evidence=facts["evidence"],
            remediation=[
                "# keep the application's idle/keep-alive timeout above the router's and its request timeout "
                "below the route's",
            ],
            diagnostics=[_logs_command(route.namespace, closed, facts["first_seen"])],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
            confidence="medium",
            **when,
        )


def closed_by(closed: pd.DataFrame) -> list[str]:
    """The pods named by these lines (gone pods too: the logs command names the busiest of them)."""
    return closed["pod"].dropna().astype(str).unique().tolist() if "pod" in closed else []


def _logs_command(namespace: str, closed: pd.DataFrame, since: datetime | None) -> str:
    """``oc logs`` of the pod that closed the most of these connections, from the first one; ``POD`` to fill in
    (and a comment that says so) where the lines name no pod (a bare angle-bracket ``<pod>`` is a redirection)."""
    pods = closed["pod"].dropna().astype(str) if "pod" in closed else pd.Series(dtype=str)
    counted = sorted(pods.value_counts().items(), key=lambda item: (-item[1], item[0]))  # ties by name
    pod = counted[0][0] if counted else "POD"
    window = f" --since-time={since:%Y-%m-%dT%H:%M:%SZ}" if since else ""
    note = "what the application said" if len(pods) else "POD: a pod of the route's service; what the application said"
    return f"oc -n {namespace} logs{window} {pod}  # {note}"
