"""Backend saturated: requests queued or rejected for lack of connections (503 sQ, queues, HPA at max).

## What it does

Finds requests that waited in a server or backend queue (`sq`/`bq` > 0) or timed out in it
(503 `sQ`, `<NOSRV>`); counts and claims the queued requests that failed at the router (a
router-side 5xx: those are `affected_requests`, dated by `first_seen`/`last_seen`) and names
the number that waited in the title; cites the route's `pod-concurrent-connections` annotation (server
`maxconn`) and a HorizontalPodAutoscaler of the route's workload stuck at `maxReplicas`.
Without access logs, an HPA at its maximum is reported as info. The first and last queued
request date the fault (`began_at`; `ended_at` with `status_at_collection: ended` when the
route's requests after the last one
(and after the route's last router-side 5xx of any cause) succeeded for a minute and three typical gaps between
its errors).

## Why it matters

Queued requests wait up to the queue timeout (5 s) and then get the router's 503; the
application cannot take more load.

## Example

`be_http:ns:maxconn/<NOSRV> 0/2001/-1/-1/2001 503 217 - - sQNN 2/2/1/0/0 0/2`.

## Remediation

Scale out (raise the HPA maximum), raise or remove `pod-concurrent-connections`, make the
application faster.

## Known problems

Queueing without a maxconn limit is rare on the router; large `Tw` with `Tc=-1` is retry
delay, not queueing.

## References

router-facts.md §4.2 (503 sQ), §6 (pod-concurrent-connections); runbook-502.md "Too many connections".
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.ledger import router_side_mask
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common
from analyzer.wording import plural

RULE = rule(
    code="B502",
    name="backend-saturated",
    cause="backend-saturation",
    severity=Severity.WARNING,
    needs=(("pods", LOGS),),
)


def _waited(req: pd.DataFrame) -> np.ndarray:
    """Which requests waited in a router queue: ended in it (``sQ``) or logged a server or backend queue."""
    return (
        common.equals(req["term"], "sQ")  # a categorical compared through its codes, not as text row by row
        | (req["srv_queue"].fillna(0) > 0).to_numpy(dtype=bool)
        | (req["backend_queue"].fillna(0) > 0).to_numpy(dtype=bool)
    )


def _queued(ctx: Context, req: pd.DataFrame) -> pd.DataFrame:
    """The route's requests that waited in a router queue; which did is read once for the whole frame
    (``Facts.lines``) where the rows can be placed in it: three column comparisons a route otherwise."""
    lines, at = common.line_positions(ctx, req)
    waited = lines.mask("queued", _waited)[at] if lines is not None else _waited(req)
    return req[waited] if waited.any() else common.no_rows(ctx, req)


def _failed(ctx: Context, queued: pd.DataFrame) -> pd.DataFrame:
    """The queued requests that failed at the router (a router-side 5xx, e.g. 503 ``sQ``): the requests the
    finding counts and claims. A queued request that was answered waited, it did not fail."""
    if queued.empty:
        return queued
    failed = router_side_mask(queued).to_numpy(dtype=bool)
    return queued[failed] if failed.any() else common.no_rows(ctx, queued)


@RULE.check
def backend_saturation(ctx: Context) -> Iterator[Finding]:
    hpas = ctx.snap.frame("hpas")
    no_hpa = hpas if hpas.empty else hpas.iloc[0:0]  # an empty frame is its own empty slice
    for route in common.routes(ctx):
        req = common.route_requests(ctx, route)
        queued = req if req.empty else _queued(ctx, req)  # no rows: nothing queued
        workload = common.route_workload(ctx, route)
        at_max = no_hpa
        if workload and not hpas.empty:
            at_max = hpas[
                (hpas["namespace"] == route.namespace)
                & (hpas["target_name"] == workload[1])
                & (hpas["current_replicas"] >= hpas["max_replicas"]).fillna(False).astype(bool)
            ]
        maxconn = route.row["pod_concurrent_connections"]
        if queued.empty and at_max.empty:
            continue
        evidence: list[Evidence] = []
        facts = common.log_facts(ctx, queued) if not queued.empty else {}
        when, said = common.timing(ctx, route, facts)  # the first and last queued request date the fault
        failed = _failed(ctx, queued)
        counted = common.log_facts(ctx, failed) if not failed.empty else {}
        evidence += counted.get("evidence", []) or facts.get("evidence", [])
        if pd.notna(maxconn):
            evidence.append(common.route_evidence(ctx, route, "pod-concurrent-connections"))
        for _, h in at_max.head(1).iterrows():
            evidence.append(object_evidence(ctx.snap, h, "maxReplicas:"))
        rejected = int((queued["status"] == 503).fillna(False).sum()) if not queued.empty else 0
        severity = Severity.INFO  # an HPA at its maximum with no queueing seen
        if not queued.empty:
            # the route's requests: its rows and its counted normal lines (``parsers.normal_lines``)
            requests = len(req) + ctx.normal_lines.count(route.namespace, route.name)
            severity = Severity.CRITICAL if rejected >= 0.5 * max(1, requests) else Severity.WARNING
        fix = []
        if not at_max.empty:
            h = at_max.iloc[0]
            fix.append(
                f"oc -n {route.namespace} patch hpa {h['name']} --type=merge "
                f'-p \'{{"spec":{{"maxReplicas":{int(h["max_replicas"]) * 2}}}}}\''
            )
        if pd.notna(maxconn):
            fix.append(
                f"oc -n {route.namespace} annotate route {route.name} "
                f"haproxy.router.openshift.io/pod-concurrent-connections={int(maxconn) * 4} --overwrite"
            )
        if workload:
            fix.append(f"oc -n {route.namespace} scale {workload[0]}/{workload[1]} --replicas=REPLICAS  "
                       "# REPLICAS: more than the pods serving now")
        yield RULE.finding(
            severity=severity,
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=common.first_service(route),
            title=(
                f"{plural(len(queued), 'request')} queued, {rejected} rejected with 503 sQ"
                if not queued.empty
                else f"HorizontalPodAutoscaler {at_max.iloc[0]['name']} is at its maximum"
            ),
            explanation=(
                (
                    f"{plural(len(queued), 'request')} waited in the router's queues for route {route.name}; "
                    f"{rejected} timed out in the queue and got 503."
                    if not queued.empty
                    else ""
                )
                + (
                    f" The per-pod connection limit is {int(maxconn)} (pod-concurrent-connections)."
                    if pd.notna(maxconn)
                    else ""
                )
                + (
                    f" HPA {at_max.iloc[0]['name']} runs {int(at_max.iloc[0]['current_replicas'])} of at most "
                    f"{int(at_max.iloc[0]['max_replicas'])} replicas: it cannot add capacity."
                    if not at_max.empty
                    else ""
                )
                + said
            ).strip(),
            evidence=evidence or [common.route_evidence(ctx, route)],
            remediation=fix,
            diagnostics=[f"oc -n {route.namespace} get hpa"],
            first_seen=(counted or facts).get("first_seen"),
            last_seen=(counted or facts).get("last_seen"),
            affected_requests=counted.get("affected_requests", 0),
            claims=counted.get("claims", NO_CLAIMS),
            confidence="high" if facts else "medium",
            **when,
        )
