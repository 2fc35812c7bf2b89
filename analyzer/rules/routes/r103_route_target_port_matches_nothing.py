"""Route targetPort matches no endpoint port of its services.

## What it does

Applies the router's own endpoint selection: with `spec.port.targetPort` set, only endpoints
whose port *name* or target port *number* equals it become servers. Fires when the services do
have endpoints but none survives that filter. With access logs, the route's 503 `SC`
`<NOSRV>` answers are the affected requests; the fault is dated (`began_at`) from the route's
last edit (`managedFields`), or its creation when no edit is recorded (the explanation says
which), when that lies at most 10 minutes before the first of them, else from that first 503,
and the requests after the last one say whether it was over at collection.

A backend without servers cannot answer: the router gives every request its own 503
`<NOSRV>` (router-facts §2, `endpointsForAlias`). So when the log holds no such 503 but the
route's own servers answered requests (status below 500) after the route's last dated change,
the collected route is not what the router served then (edited later with no `managedFields`
record, or a log of another time): the finding says so, is a warning of low confidence, and
is not dated. Answered requests that all came before a later dated edit agree with it: the
edit broke the route after them, and the finding stays critical, dated from the edit.

## Why it matters

The backend is rendered with no servers: every request gets the router's 503 `<NOSRV>`
although the pods are healthy and ready (once the router has loaded the route as collected).

## Example

Service port `http: 80 → targetPort 8080` and the route says `targetPort: 80`: 80 is the
service port, not a container port, so nothing matches.

## Remediation

Set the route's `spec.port.targetPort` to the service port *name* (the command names it),
or to the container port number.

## Known problems

Endpoints captured a moment after a rollout may carry different port names than the route
expects; check both objects' timestamps. A route edited without a `managedFields` record
(rare) is dated by its creation; answered requests after that date then read as a
contradiction even if the edit came later.

## References

router-facts.md §2 ("Endpoint selection", `endpointsForAlias`), §4.2, §6; KCS 7013260.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Finding, IncidentStatus, Severity
from analyzer.rule import rule
from analyzer.rules import answered_lines, backend_services, common
from analyzer.wording import plural

RULE = rule(
    code="R103",
    name="route-target-port-matches-nothing",
    cause="route-target-port-mismatch",
    severity=Severity.CRITICAL,
    needs=("routes", "endpoints"),
)


def json_value(value: str) -> str:
    """A port for a JSON patch: a number stays a number (IntOrString), a name is quoted."""
    return value if value.isdigit() else json.dumps(value)


def suggested_target(target: str, service_ports: pd.DataFrame, endpoint_names: list[str]) -> str | None:
    """What the route should say: the name (or container port) of the service port it meant."""
    meant = service_ports[service_ports["port"].astype("string") == target]
    pick = meant.iloc[0] if not meant.empty else (service_ports.iloc[0] if len(service_ports) == 1 else None)
    if pick is not None:
        if isinstance(pick["port_name"], str) and pick["port_name"]:
            return str(pick["port_name"])
        if isinstance(pick["target_port"], str):
            return str(pick["target_port"])
    return endpoint_names[0] if endpoint_names else None


def _dated(source: str, change: datetime) -> str:
    """``the route's creation at <time> (creationTimestamp)`` from a :func:`common.dated_change` source."""
    what, _, how = source.partition(", ")
    return f"{what} at {common.fmt_ts(change)}" + (f" ({how})" if how else "")


def _answered(lines: pd.DataFrame) -> pd.Series:
    """Which lines (rows, or normal-line keys) the route's own servers answered below 500."""
    status = pd.to_numeric(lines["status"], errors="coerce")
    real = lines["server_kind"].astype("string").isin(["pod", "ept", "dynamic", "other"]).fillna(False)
    own = (lines["backend_kind"].astype("string") != "openshift_default").fillna(True)
    return ((status >= 100) & (status < 500) & real & own).fillna(False)


def answered_requests(ctx: Context, route: common.RouteRef) -> answered_lines.LineSpan:
    """The route's requests its own servers answered below 500, its rows and its counted normal lines: proof
    the router had servers for it."""
    req = common.route_requests(ctx, route)
    rows = req if req.empty else req[_answered(req).to_numpy()]
    return answered_lines.line_span(ctx, route, rows, _answered)


@RULE.check
def route_target_port_mismatch(ctx: Context) -> Iterator[Finding]:
    eps = ctx.snap.frame("endpoints")
    ports = ctx.snap.frame("service_ports")
    for route in common.routes(ctx):
        if not backend_services.target_port_matches_nothing(ctx, route):
            continue
        target = str(common.route_backends(ctx, route).iloc[0]["target_port"])
        mine = eps[eps["service"].isin(list(route.services))]
        names = sorted({str(n) for n in mine["port_name"].dropna() if n})
        numbers = sorted({int(p) for p in mine["port"].dropna()})
        sp = ports[ports["service"].isin(list(route.services))]
        suggestion = suggested_target(target, sp, names)
        evidence = [common.route_evidence(ctx, route, "targetPort:")]
        meant = sp[sp["port"].astype("string") == target]
        if not meant.empty:
            evidence.append(object_evidence(ctx.snap, meant.iloc[0], f"port: {target}"))
        elif not sp.empty:
            evidence.append(object_evidence(ctx.snap, sp.iloc[0], "targetPort:"))
        nosrv = common.route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        change, source = common.dated_change(ctx, "route", route.namespace, route.name, "the route")
        answered = answered_requests(ctx, route) if nosrv.empty else answered_lines.LineSpan()
        first_ok, last_ok = answered.first, answered.last
        contradicted = last_ok is not None and (change is None or change <= last_ok)
        if contradicted:
            when: dict = {"began_at": None, "status_at_collection": IncidentStatus.UNKNOWN, "ended_at": None}
            said = (
                f" Yet the access log shows {plural(answered.count, 'request')} answered (status below 500) by the "
                f"route's own servers between {common.fmt_ts(first_ok)} and {common.fmt_ts(last_ok)}"
                + (f", after {_dated(source, change)}" if change else "")
                + ", and no 503 <NOSRV>: the router had servers for it then, so the route it served did not say "
                f"targetPort '{target}'. The collected route and the log disagree (the route changed after the "
                "last of them without a managedFields record, or the log is from another time): check the live "
                "route before changing it."
            )
        else:
            when, said = common.timing(ctx, route, facts, change, source=source or None)
            if last_ok is not None and change is not None:
                said += (f" The route's own servers answered {plural(answered.count, 'request')} until "
                         f"{common.fmt_ts(last_ok)}, before that change.")
        service_port_note = (
            f" {target} is the port of service {meant.iloc[0]['service']}, not a container port: the router "
            "matches the service port's name or the endpoint's (container) port."
            if not meant.empty
            else ""
        )
        yield RULE.finding(
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=common.first_service(route),
            title=f"route targetPort {target} matches no endpoint port (names {names or ['<none>']}, "
            f"numbers {numbers})",
            explanation=(
                f"The router keeps only endpoints whose port name or target port equals the route's targetPort "
                f"'{target}'. The services' endpoints use port names {names or ['(none)']} and container ports "
                f"{numbers}, so the backend has no servers and every request gets the router's 503"
                + (" once the router loads the route as collected." if contradicted else ".")
                + service_port_note
                + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> answers." if facts else "")
                + said
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                f"-p '{{\"spec\":{{\"port\":{{\"targetPort\":{json_value(suggestion or '<port name>')}}}}}}}'"
            ],
            diagnostics=[f"oc -n {route.namespace} get endpoints {' '.join(route.services)} -o yaml"],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            **({"severity": Severity.WARNING, "confidence": "low"} if contradicted else {}),
            **when,
        )
