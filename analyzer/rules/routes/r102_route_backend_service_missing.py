"""Route points at a service that does not exist.

## What it does

Checks `spec.to` and every `spec.alternateBackends[]` entry against the services of the
route's namespace (only when that namespace's services were collected). Critical when no
backend with a weight above 0 is left (`spec.to` alone, or every weighted backend missing),
warning for a missing backend that still carries a weight, info for a weight-0 backend.
With access logs, the route's 503 `<NOSRV>` answers are its affected requests; the first of
them dates the fault (`began_at`: a deleted service leaves no date in the archive), and
the requests after the last one say whether it was over at collection.

## Why it matters

A backend naming a missing service has no servers. When no weighted backend is left the router
answers every request with 503 `<NOSRV>`; a missing alternate backend with a weight silently
loses its share of traffic (the others take it).

## Example

`spec.to.name: checkout-v2` while the namespace only has the service `checkout`.

## Remediation

Point the route at the existing service (the command names the closest one) or create the
service: `oc expose` of the Deployment of its name (else `DEPLOYMENT` to fill in), on the route's
numeric `targetPort`, or with the ports the Deployment declares (`PORT` to fill in where its pods declare
none) and, for a named `targetPort`, a patch that gives the service's port that name. Remove a stale
alternate backend.

## Known problems

Backends of another kind than Service are not checked. A service deleted and recreated during
the collection can look missing in one file and present in another.

## References

router-facts.md §2 (alternateBackends, weight 0 kept for stickiness), §4.2 (503 SC <NOSRV>), §6;
openshift/api route/v1 types.go.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import backend_services, common

RULE = rule(
    code="R102",
    name="route-backend-service-missing",
    cause="route-service-missing",
    severity=Severity.CRITICAL,
    needs=("routes", "services"),
)


def closest_service(name: str, existing: list[str]) -> str | None:
    """The existing service a human most likely meant (``checkout`` for ``checkout-v2``)."""
    close = difflib.get_close_matches(name, existing, n=1, cutoff=0.5)
    return close[0] if close else None


def _expose(ctx: Context, route: common.RouteRef, service: str) -> list[str]:
    """The ``oc expose`` that recreates the service: from the Deployment of the same name when the namespace has one
    (a deleted service usually shared its workload's name), else with an upper-case word to replace, which a shell
    reads as a plain argument (``<workload>`` was a redirection from a file named ``workload``).

    Its ports are those the Deployment's containers declare (``oc expose`` copies them), or the route's numeric
    ``targetPort`` (the service forwards it to the same port of the pods, which the route's number means), or
    ``PORT`` to fill in where neither is known (no pod of the Deployment declares a port). A route
    whose ``targetPort`` is a name finds the port of the service that carries that name, which ``oc expose`` does
    not give: a second command names the service's port."""
    deployments = ctx.snap.frame("deployments")
    named = (not deployments.empty
             and bool(((deployments["namespace"] == route.namespace) & (deployments["name"] == service)).any()))
    target = route.row.get("target_port")
    target = target if isinstance(target, str) and target else None
    number = target is not None and target.isdigit()
    # without --port, oc expose fails on a Deployment whose pods declare no container port
    port = f" --port={target}" if number else ("" if named and _declares_ports(ctx, route.namespace, service)
                                               else " --port=PORT")
    command = f"oc -n {route.namespace} expose deployment/{service if named else 'DEPLOYMENT'} --name={service}{port}"
    notes = ([] if named else ["DEPLOYMENT: the Deployment whose pods should serve the route"]) + (
        ["PORT: the port its pods serve on"] if port == " --port=PORT" else [])
    commands = [command + ("  # " + "; ".join(notes) if notes else "")]
    if target is not None and not number:
        value = json.dumps([{"op": "add", "path": "/spec/ports/0/name", "value": target}], separators=(",", ":"))
        commands.append(f"oc -n {route.namespace} patch service {service} --type=json -p '{value}'  "
                        f"# the route asks for port {target} by name: the service port must carry it")
    return commands


def _declares_ports(ctx: Context, namespace: str, deployment: str) -> bool:
    """Whether a pod of ``deployment`` (through its ReplicaSets) declares a container port: ``oc expose`` copies
    those ports; with none it needs ``--port``."""
    replicasets = ctx.snap.frame("replicasets")
    owned = replicasets.loc[(replicasets["namespace"] == namespace) & (replicasets["owner_kind"] == "Deployment")
                            & (replicasets["owner_name"] == deployment), "name"]
    pods = ctx.snap.frame("pods")
    mine = pods.loc[(pods["namespace"] == namespace) & (pods["owner_kind"] == "ReplicaSet")
                    & pods["owner_name"].isin(owned), "name"]
    ports = ctx.snap.frame("container_ports")
    return bool(((ports["namespace"] == namespace) & ports["pod"].isin(mine)).any())


@RULE.check
def route_service_missing(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        missing = backend_services.missing_backends(ctx, route)
        if missing.empty:
            continue
        in_use = set(common.route_backends(ctx, route)["service"].dropna())
        existing = sorted(str(s) for s in ctx.snap.frame("services")["name"].dropna().unique() if s not in in_use)
        total_loss = backend_services.every_weighted_backend_missing(ctx, route)
        nosrv = common.route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
        for _, b in missing.iterrows():
            yield _missing_service(ctx, route, b, existing, total_loss, nosrv)


def _missing_service(
    ctx: Context, route: common.RouteRef, b: pd.Series, existing: list[str], total_loss: bool, nosrv: pd.DataFrame
) -> Finding:
    index = int(b["backend_index"])
    weight = backend_services.weight(b["weight"])
    severity = Severity.CRITICAL if total_loss else (Severity.WARNING if weight > 0 else Severity.INFO)
    where = "spec.to" if index == 0 else f"spec.alternateBackends[{index - 1}]"
    guess = closest_service(str(b["service"]), existing)
    path = "/spec/to/name" if index == 0 else f"/spec/alternateBackends/{index - 1}/name"
    fix = []
    if guess:
        fix.append(
            f"oc -n {route.namespace} patch route {route.name} --type=json "
            f'-p \'[{{"op":"replace","path":"{path}","value":"{guess}"}}]\''
        )
    elif index > 0:
        fix.append(
            f"oc -n {route.namespace} patch route {route.name} --type=json "
            f'-p \'[{{"op":"remove","path":"/spec/alternateBackends/{index - 1}"}}]\''
        )
    else:
        fix += _expose(ctx, route, str(b["service"]))
    facts = common.log_facts(ctx, nosrv) if total_loss and not nosrv.empty else {}
    share = "all" if total_loss else ("part of the" if weight > 0 else "none of the (weight 0)")
    when, said = common.timing(ctx, route, facts)
    return RULE.finding(
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route, guess, route.row.get("target_port")),
        service=str(b["service"]),
        title=f"{where} names service {b['service']}, which does not exist",
        explanation=(
            f"The route sends {share} traffic to service {b['service']}, but namespace {route.namespace} has no "
            "such service"
            + (f" (did you mean {guess}?)" if guess else (f" (it has: {', '.join(existing[:5])})" if existing else ""))
            + ". A backend without a service has no servers"
            + (", and no other weighted backend is left: the router answers 503 to every request." if total_loss
               else "; the other backends take its share.")
            + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> answers." if facts else "")
            + said
        ),
        evidence=[object_evidence(ctx.snap, b, f"name: {b['service']}"), *facts.get("evidence", [])],
        remediation=fix,
        diagnostics=[f"oc -n {route.namespace} get svc"],
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        **when,
    )
