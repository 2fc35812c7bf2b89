"""Route-level rules: the router does not serve the route, or its backend names nothing usable."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer import joins
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common


@rule(code="R101", name="route-not-admitted", cause="route-not-admitted", severity=Severity.CRITICAL, needs=("routes",))
def route_not_admitted(ctx: Context) -> Iterator[Finding]:
    """Route not admitted by any router.

    What it does:
        Reads the route's ``status.ingress[].conditions``: a route whose only ``Admitted`` condition
        is ``False`` (``HostAlreadyClaimed``, invalid TLS, rejected by a shard) is served by no router.
        When the routers' rendered ``haproxy.config`` was collected, a route that claims to be
        admitted but has no backend in any of them is reported too (warning).

    Why it matters:
        Requests for the host fall to the router's ``openshift_default`` backend and get the
        router's own 503 ("Application is not available") with ``<NOSRV>``; the application
        never sees them.

    Example:
        ``status.ingress[0].conditions: [{type: Admitted, status: "False", reason: HostAlreadyClaimed}]``
        and access-log lines ``public openshift_default/<NOSRV> 1/-1/-1/-1/0 503 ... SC--``.

    Remediation:
        Read the reason with ``oc describe route``; give the route a unique host (or delete the
        older claim), fix the TLS material, or label the route/namespace for the right shard.

    Known problems:
        The default log format does not log the Host header, so ``openshift_default`` 503s cannot
        be tied to a route by name unless ``httpCaptureHeaders`` captured the host.

    References:
        router-facts.md §2 (``openshift_default``), §5 (``status.ingress`` conditions);
        openshift/origin#23223; openshift/origin PR #12409.
    """
    backends = ctx.snap.frame("router_backends")
    have_configs = not backends.empty
    served = set(zip(backends["namespace"], backends["route"], strict=True)) if have_configs else set()
    for route in common.routes(ctx):
        row = route.row
        if row["admitted"] is False or (pd.notna(row["admitted"]) and not bool(row["admitted"])):
            reason = row["not_admitted_reason"] if isinstance(row["not_admitted_reason"], str) else "not admitted"
            yield Finding(
                code="R101",
                cause="route-not-admitted",
                severity=Severity.CRITICAL,
                namespace=route.namespace,
                route=route.name,
                service=route.services[0] if route.services else None,
                title=f"route {route.name} is not admitted by any router ({reason})",
                explanation=(
                    f"The route's status says no router admitted it: {reason}. The router has no backend for "
                    "it, so every request for its host ends on openshift_default with the router's 503."
                ),
                evidence=[
                    common.route_evidence(ctx, route, 'status: "False"'),
                    common.route_evidence(ctx, route, "type: Admitted"),
                ],
                remediation=[
                    f"oc -n {route.namespace} describe route {route.name}",
                    f"oc get routes -A | grep {row['host']}" if isinstance(row["host"], str) else "oc get routes -A",
                ],
            )
        elif have_configs and (route.namespace, route.name) not in served and bool(row["admitted"]):
            yield Finding(
                code="R101",
                cause="route-not-admitted",
                severity=Severity.WARNING,
                namespace=route.namespace,
                route=route.name,
                service=route.services[0] if route.services else None,
                title=f"route {route.name} claims to be admitted but no router configuration serves it",
                explanation=(
                    "None of the collected router configurations (haproxy.config) has a backend for this route, "
                    "although its status says it was admitted: the router may be sharded away, or the route "
                    "changed after the configuration was rendered."
                ),
                evidence=[
                    common.route_evidence(ctx, route, "routerName:"),
                    Evidence(
                        source=str(backends.iloc[0]["source"]),
                        line=None,
                        text=f"no backend *:{route.namespace}:{route.name} in this haproxy.config",
                        input=str(backends.iloc[0]["input"]),
                    ),
                ],
                remediation=[
                    f"oc -n {route.namespace} get route {route.name} -o yaml",
                    "oc -n openshift-ingress-operator get ingresscontroller -o yaml  # routeSelector, "
                    "namespaceSelector",
                ],
                confidence="medium",
            )


@rule(
    code="R102",
    name="route-backend-service-missing",
    cause="route-service-missing",
    severity=Severity.CRITICAL,
    needs=("routes", "services"),
)
def route_service_missing(ctx: Context) -> Iterator[Finding]:
    """Route points at a service that does not exist.

    What it does:
        Checks ``spec.to`` and every ``spec.alternateBackends[]`` entry against the services of the
        route's namespace (only when that namespace's services were collected).

    Why it matters:
        A backend naming a missing service has no servers. When it is the only weighted backend the
        router answers every request with 503 ``<NOSRV>``; a missing alternate backend with a weight
        silently loses its share of traffic.

    Example:
        ``spec.to.name: frontend-v2`` while the namespace only has the service ``frontend``.

    Remediation:
        Point the route at the existing service or create the service.

    Known problems:
        Services of other kinds of backends (``kind`` other than Service) are not checked.

    References:
        router-facts.md §2 (alternateBackends, weight 0 kept for stickiness), §6; route/v1 types.go.
    """
    for route in common.routes(ctx):
        if not common.has_resource(ctx, route.namespace, "services"):
            continue
        rows = common.backend_rows(ctx, route)
        existing = set(ctx.snap.frame("services").query("namespace == @route.namespace")["name"])
        missing = rows[rows["service"].notna() & ~rows["service"].isin(existing)]
        if missing.empty:
            continue
        weighted = rows[rows["weight"].fillna(100) > 0]
        all_weighted_missing = not weighted.empty and weighted["service"].isin(missing["service"]).all()
        for _, b in missing.iterrows():
            primary = int(b["backend_index"]) == 0
            severity = (
                Severity.CRITICAL
                if all_weighted_missing
                else (Severity.WARNING if int(b["weight"] if pd.notna(b["weight"]) else 100) > 0 else Severity.INFO)
            )
            where = "spec.to" if primary else f"spec.alternateBackends[{int(b['backend_index']) - 1}]"
            options = sorted(existing)[:5]
            yield Finding(
                code="R102",
                cause="route-service-missing",
                severity=severity,
                namespace=route.namespace,
                route=route.name,
                service=b["service"],
                title=f"{where} names service {b['service']}, which does not exist",
                explanation=(
                    f"The route sends {'all' if all_weighted_missing else 'part of the'} traffic to service "
                    f"{b['service']}, but the namespace has no such service"
                    + (f" (it has: {', '.join(options)})" if options else "")
                    + ". A backend without a service has no servers, so the router answers 503."
                ),
                evidence=[object_evidence(ctx.snap, b, f"name: {b['service']}")],
                remediation=[
                    f"oc -n {route.namespace} get svc",
                    (
                        f"oc -n {route.namespace} patch route {route.name} --type=json -p "
                        f'\'[{{"op":"replace","path":"/spec/to/name","value":"{options[0]}"}}]\''
                    )
                    if primary and options
                    else f"oc -n {route.namespace} create service ... # named {b['service']}",
                ],
            )


@rule(
    code="R103",
    name="route-target-port-matches-nothing",
    cause="route-target-port-mismatch",
    severity=Severity.CRITICAL,
    needs=("routes", "endpoints"),
)
def route_target_port_mismatch(ctx: Context) -> Iterator[Finding]:
    """Route targetPort matches no endpoint port of its services.

    What it does:
        Applies the router's own endpoint selection: with ``spec.port.targetPort`` set, only endpoints
        whose port *name* or target port *number* equals it become servers. Fires when the services do
        have endpoints but none survives that filter.

    Why it matters:
        The backend is rendered with no servers: every request gets the router's 503 ``<NOSRV>``
        although the pods are healthy and ready.

    Example:
        Service port ``80 → targetPort 8080`` and the route says ``targetPort: 80``: 80 is the
        service port, not a container port, so nothing matches.

    Remediation:
        Set the route's ``spec.port.targetPort`` to the service port *name* (or the container port
        number).

    Known problems:
        Endpoints captured a moment after a rollout may carry different port names than the route
        expects; check both objects' timestamps.

    References:
        router-facts.md §2 ("Endpoint selection", ``endpointsForAlias``), §6; KCS 7013260.
    """
    eps = ctx.snap.frame("endpoints")
    for route in common.routes(ctx):
        rows = common.backend_rows(ctx, route)
        target = rows.iloc[0]["target_port"]
        if not isinstance(target, str) or not common.has_resource(ctx, route.namespace, "endpoints"):
            continue
        all_eps = eps[(eps["namespace"] == route.namespace) & eps["service"].isin(list(route.services))]
        if all_eps.empty:
            continue
        kept = [joins.endpoints_for_backend(eps, route.namespace, s, target) for s in route.services]
        if any(not k.empty for k in kept):
            continue
        names = sorted({n for n in all_eps["port_name"].dropna() if n})
        numbers = sorted({int(p) for p in all_eps["port"].dropna()})
        ports = ctx.snap.frame("service_ports")
        sp = ports[(ports["namespace"] == route.namespace) & ports["service"].isin(list(route.services))]
        suggestion = names[0] if names else (str(numbers[0]) if numbers else None)
        evidence = [common.route_evidence(ctx, route, "targetPort:")]
        if not sp.empty:
            evidence.append(object_evidence(ctx.snap, sp.iloc[0], "targetPort:"))
        nosrv = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        yield Finding(
            code="R103",
            cause="route-target-port-mismatch",
            severity=Severity.CRITICAL,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"route targetPort {target} matches no endpoint port (names {names or ['<none>']}, "
            f"numbers {numbers})",
            explanation=(
                f"The router keeps only endpoints whose port name or target port equals the route's targetPort "
                f"'{target}'. The services' endpoints use port names {names or ['(none)']} and container ports "
                f"{numbers}, so the backend has no servers and every request gets the router's 503."
                + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> responses." if facts else "")
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                f'-p \'{{"spec":{{"port":{{"targetPort":"{suggestion}"}}}}}}\''
                if suggestion
                else f"oc -n {route.namespace} get endpoints -o yaml",
            ],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
        )


RULES = [route_not_admitted, route_service_missing, route_target_port_mismatch]
