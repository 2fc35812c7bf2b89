"""Route TLS termination does not match what the backend serves.

## What it does

Classifies the route's target service port as TLS or plain HTTP from its names first (the
container's `targetPort` name, then the service port name: `https`/`tls`/`ssl` vs
`http`/`http-*`/`h2c`) and its numbers second (443/8443/9443/6443 vs 80/8080/8000/3000/5000).
`reencrypt` with neither a serving-cert annotation on the service nor a
`destinationCACertificate` on the route: a plain-HTTP port is a mismatch (warning), any other
port an untrusted-certificate risk (info). `passthrough` to a plain-HTTP port, and
`edge`/`none` to a TLS-only port, are mismatches (warning). Access-log lines that show the
failure raise it to critical: 503 `SC`/`sC` with a real server and `Tc=-1` (handshake
failed) for reencrypt, and its `<NOSRV>` 503s while the health checks had the servers DOWN
with `Layer6 invalid response`; 502 `SH`/`PH` with `Tr=-1` for edge/none. When the access
log's backend name changed to the route's current termination mid-window, the finding dates the
fault from that change (`began_at`), names the route's last edit (`managedFields`) when it is
within 10 minutes, and says whether requests still failed at the end of the log.

## Why it matters

The router speaks TLS to a plain-HTTP server or presents it a certificate it cannot verify
(handshake fails: 503), or speaks plain HTTP to a TLS port (the server closes or answers with a
TLS alert: 502).

## Example

`termination: reencrypt` to service port `http: 8080` of a plain-HTTP application, and
`be_secure:billing:billing/pod:...:8080 0/3012/-1/-1/3016 503 2656 - - SCNN ... 3/2/1/0/3`.

## Remediation

Use `edge` for a plain-HTTP backend; for `reencrypt` serve TLS with a service-serving
certificate (`service.beta.openshift.io/serving-cert-secret-name`) or give the route the
backend's CA. For an edge route to a TLS-only port, in this order: point it at the service's
plain-HTTP port when the service has one (nothing else changes); `reencrypt` alone only when
the router can verify the pod's certificate (the service has a serving-cert annotation, or the
route a `destinationCACertificate`); otherwise `reencrypt` together with the CA that signed the
pod's certificate as `destinationCACertificate` — reencrypt alone would have the router verify
it with the service CA and fail (503 `SC`, router-facts §5) — then, as alternatives, a
service-serving certificate mounted in the pod before switching to reencrypt, or passthrough
(clients then see the pod's certificate).

## Known problems

Port names are conventions, not guarantees; a port named `web` or numbered 9000 is not
classified. Without access logs the finding is a warning at medium confidence. OpenShift's own
reencrypt routes (console, monitoring) carry serving-cert annotations and stay silent.

## References

runbook-502.md "TLS misconfiguration"; router-facts.md §1.8 (`reencrypt2http`, `edge2tls` lines),
§4.2, §5 (destinationCACertificate, verifyhost with the service CA), §6.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import common, target_ports
from analyzer.rules.ports import shared
from analyzer.wording import plural

RULE = rule(
    code="P302",
    name="route-tls-termination-mismatch",
    cause="tls-termination-mismatch",
    severity=Severity.CRITICAL,
    needs=("routes", "services"),
)

EDIT_NEAR_SECONDS = 600  # a route edit this close to the backend-name change is taken as its cause


@RULE.check
def tls_termination_mismatch(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        case = shared.tls_case(ctx, route)
        if case is None:
            continue
        if case.confirm.empty and route.termination != "passthrough" and shared.served_fine(ctx, route):
            continue  # the router completed requests through this backend: the TLS set-up works
        sp = target_ports.target_service_ports(ctx, route).iloc[0]
        facts = common.log_facts(ctx, case.confirm) if not case.confirm.empty else {}
        story, story_evidence, began = _tls_in_time(ctx, route, facts)
        status, ended_at = common.incident_status(ctx, route, facts.get("last_seen"))
        port_name = common.text_or(sp["port_name"], "")
        needle = f"name: {port_name}" if port_name else f"targetPort: {sp['target_port']}"
        evidence = [common.route_evidence(ctx, route, "termination:"), object_evidence(ctx.snap, sp, needle)]
        yield RULE.finding(
            severity=Severity.CRITICAL if facts else case.severity_static,
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=str(sp["service"]),
            title=f"{route.termination} route to port {port_name or sp['port']} ({sp['target_port']}): TLS mismatch",
            explanation=case.problem[0].upper() + case.problem[1:]
            + "."
            + (f" The access log confirms it: {plural(facts['affected_requests'], 'request')} failed "
               f"({case.signature}) between {common.fmt_ts(facts['first_seen'])} and "
               f"{common.fmt_ts(facts['last_seen'])}." if facts
               else (" The access log shows no such failure." if ctx.has_logs else ""))
            + story,
            evidence=evidence + facts.get("evidence", []) + story_evidence,
            remediation=case.fix,
            diagnostics=[f"oc -n {route.namespace} get route {route.name} -o yaml",
                         f"oc -n {route.namespace} get service {sp['service']} -o yaml"],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            confidence="high" if facts else ("medium" if case.severity_static is Severity.WARNING else "low"),
            status_at_collection=status,
            ended_at=ended_at,
            began_at=began,
        )


def _tls_in_time(ctx: Context, route: common.RouteRef, facts: dict) -> tuple[str, list[Evidence], datetime | None]:
    """When the mismatch began, from the access log's backend names and the router's DOWN reasons.

    A backend-name prefix that changed to the route's current termination is the edit that caused
    it (the termination the router applied then); the route's last ``managedFields`` time, when it
    is near, dates the edit; a ``Layer6`` DOWN says the health checks failed the handshake.
    """
    if not facts:
        return "", [], None
    text, evidence = "", []
    began = facts["first_seen"]
    changes = [(a, b) for a, b in ctx.facts.termination_changes(route.namespace, route.name)
               if b.termination == route.termination]
    if changes:
        before, after = changes[-1]
        began = after.first_seen
        failed = ("every request failed" if after.errors == after.requests
                  else f"{after.errors} of {after.requests} requests failed")
        text += (f" The termination changed {before.termination} → {after.termination} at ~{common.hhmm(began)} "
                 f"(backend name in the access log: {before.backend_kind} until {common.hhmm(before.last_seen)}, "
                 f"{after.backend_kind} since); since then {failed}, while requests had succeeded before.")
        edit = ctx.facts.object_times("route", route.namespace, route.name)
        if edit and edit.last_edited and abs((edit.last_edited - began).total_seconds()) <= EDIT_NEAR_SECONDS:
            text += f" The route was last edited at {common.hhmm(edit.last_edited)} (managedFields)."
            stamp = edit.last_edited.strftime("%Y-%m-%dT%H:%M:%SZ")
            evidence.append(common.fact_evidence(ctx, edit.where, stamp, f"time: {stamp}"))
        evidence.append(common.fact_evidence(ctx, before.first_line, before.backend, before.backend))
    downs = [c for c in ctx.facts.server_changes(route.namespace, route.name, state="DOWN")
             if (c.reason or "").startswith("Layer6")]
    if downs:
        info = f', info: "{downs[0].info}"' if downs[0].info else ""
        text += (f" The router's health checks marked {len(downs)} server(s) DOWN from "
                 f"{common.hhmm(downs[0].ts)} ({downs[0].reason}{info}); after that the backend had no server.")
        evidence.append(common.fact_evidence(ctx, downs[0].where, "is DOWN", downs[0].text))
    return text, evidence, began
