"""The IngressController that serves the route says it is not available, or degraded.

## What it does

Reads each IngressController's status conditions with their times. Fires for every route the
controller admitted (`status.ingress[].routerName`): critical when `Available` is `False`,
warning when it is available but `Degraded` is `True`. All findings about one controller
share the incident id `ingress-controller-unavailable@<since>`.

## Why it matters

When the router pods are not serving (not ready, crash-looping, unschedulable) or the load
balancer or DNS is not ready, requests fail before any route or application is involved; the
backend-level checks of the route judge a path the traffic never took.

## Example

`{type: Available, status: "False", message: "One or more status conditions indicate unavailable:
DeploymentAvailable=False …"}` on `ingresscontrollers/default`.

## Remediation

Read the conditions' messages; fix what they name (router pods pending or crashing, the load
balancer service, DNS), e.g. `oc -n openshift-ingress get pods -o wide` and its events.

## Known problems

The conditions are the state at collection time; an outage that ended before the must-gather is
seen only in the condition's `lastTransitionTime`. Routes of other IngressControllers are not
touched.

## References

report-contract.md (cause `ingress-controller-unavailable`); cluster-ingress-operator#481, #500, #865.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.model import Evidence, Finding, IncidentStatus, Severity, rfc3339
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.platform.shared import text

RULE = rule(
    code="I702",
    name="ingress-controller-unavailable",
    cause="ingress-controller-unavailable",
    severity=Severity.CRITICAL,
)


def _condition(conditions: pd.DataFrame, ctype: str) -> pd.Series | None:
    rows = conditions[conditions["type"] == ctype]
    return rows.iloc[0] if not rows.empty else None


@RULE.check
def ingress_controller_unavailable(ctx: Context) -> Iterator[Finding]:
    ics = ctx.snap.frame("ingresscontrollers")
    conditions = common.whole_frame(ctx, "object_conditions")
    if ics.empty or conditions.empty:
        return
    for _, ic in ics.iterrows():
        mine = conditions[(conditions["kind"] == "IngressController") & (conditions["name"] == ic["name"])]
        available, degraded = _condition(mine, "Available"), _condition(mine, "Degraded")
        down = available is not None and str(available["status"]) == "False"
        bad = degraded is not None and str(degraded["status"]) == "True"
        if not (down or bad):
            continue
        cause = available if down else degraded
        since = cause["since"].to_pydatetime() if pd.notna(cause["since"]) else None
        for route in common.routes(ctx):
            routers = str(route.row["admitted_routers"]) if isinstance(route.row["admitted_routers"], str) else ""
            if str(ic["name"]) not in routers.split(","):
                continue
            yield _unavailable(ctx, route, ic, cause, since, down=down)


def _unavailable(ctx: Context, route: common.RouteRef, ic: pd.Series, cause: pd.Series, since: datetime | None,
                 *, down: bool) -> Finding:
    ctype, status = str(cause["type"]), str(cause["status"])
    message = text(cause["message"])
    line, found = ctx.snap.find_line(text(cause["input"]), str(cause["source"]), int(cause["line"]),
                                    f"type: {ctype}")
    evidence = [Evidence(source=str(cause["source"]), line=line, text=found, input=text(cause["input"]))]
    for near in (line - 1, line + 1):  # the condition's status is next to its type (keys sorted or not)
        nearby = ctx.snap.source_line(text(cause["input"]), str(cause["source"]), near)
        if nearby is not None and nearby.strip().lstrip("- ").startswith("status:"):
            evidence.append(Evidence(source=str(cause["source"]), line=near, text=nearby.strip(),
                                     input=text(cause["input"])))
            break
    evidence.append(common.route_evidence(ctx, route, "routerName:"))
    name = str(ic["name"])
    return RULE.finding(
        severity=Severity.CRITICAL if down else Severity.WARNING,
        namespace=route.namespace, route=route.name, service=common.first_service(route),
        names=common.command_names(ctx, route, name, f"router-{name}"),
        title=(f"IngressController {name}, which serves route {route.name}, is "
               + ("not available" if down else "degraded")),
        explanation=(f"IngressController {name} reports {ctype}={status} since {common.fmt_ts(since)}"
                     + (f": {message}" if message else "") + f". It is the router that admitted route {route.name}; "
                     "while it is " + ("unavailable" if down else "degraded") + " requests for the route can fail in "
                     "the router before they reach any pod."),
        evidence=evidence,
        remediation=[f"# fix what IngressController {name}'s {ctype} condition names: router pods that cannot be "
                     "scheduled or stay not ready (node capacity, nodePlacement, spec.replicas), the load balancer "
                     "service, or DNS"],
        diagnostics=["oc -n openshift-ingress get pods -o wide   # router pods: pending, crash-looping, not ready?",
                     f"oc -n openshift-ingress-operator get ingresscontroller {name} -o yaml",
                     "oc -n openshift-ingress get events --sort-by=.lastTimestamp",
                     f"oc -n openshift-ingress get svc router-{name} -o wide   # load balancer"],
        began_at=since, incident=f"ingress-controller-unavailable@{rfc3339(since)}" if since else None,
        status_at_collection=IncidentStatus.ONGOING,
    )
