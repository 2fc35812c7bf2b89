"""Route-level rules: the router does not serve the route, or its backend names nothing usable."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from typing import TypeVar

import pandas as pd

from analyzer import joins
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.host_routes import default_line_routes
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common
from analyzer.rules.network import label_selector_matches

T = TypeVar("T")


def memo(ctx: Context, key: tuple, build: Callable[[], T]) -> T:
    """Compute once per analysis context: several rules ask the same question of the same route."""
    if key not in ctx._cache:
        ctx._cache[key] = build()
    return ctx._cache[key]


def route_backends(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The route's backend rows (spec.to first, then alternateBackends), computed once."""
    return memo(ctx, ("backends", route.namespace, route.name), lambda: common.backend_rows(ctx, route))


def service_names(ctx: Context) -> frozenset[str]:
    return memo(ctx, ("service-names",), lambda: frozenset(ctx.snap.frame("services")["name"].dropna()))


def whole_frame(ctx: Context, name: str) -> pd.DataFrame:
    """A frame across every namespace: rules run per namespace, but router-wide facts are not namespaced."""
    frames = getattr(ctx.snap, "frames", None)
    found = frames.get(name) if isinstance(frames, dict) else None
    return found if found is not None else ctx.snap.frame(name)


def admitted_state(value: object) -> bool | None:
    """The route's ``admitted`` column as True / False / None (no ``status.ingress`` at all)."""
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return None
    return bool(value)


def default_backend_503s(ctx: Context) -> pd.DataFrame:
    """Requests the router answered from ``openshift_default``: no route matched their host/path."""
    req = whole_frame(ctx, "requests")
    if req.empty:
        return req
    kind = req["backend_kind"].astype("string")
    return req[(kind == "openshift_default").fillna(False) & (req["status"] == 503).fillna(False)]


def _default_backend_sentence(ctx: Context, route: common.RouteRef) -> str:
    rows = default_backend_503s(ctx)
    if rows.empty:
        return ""
    first, last = common.span(rows)
    named = _named_default_503s(ctx, route)
    if not named.empty:
        return (
            f" The access log holds {len(named)} 503 answers from openshift_default whose captured Host header "
            f"names this route, between {common.fmt_ts(common.span(named)[0])} and "
            f"{common.fmt_ts(common.span(named)[1])}."
        )
    return (
        f" The access log holds {len(rows)} 503 answers from openshift_default between {common.fmt_ts(first)} "
        f"and {common.fmt_ts(last)}; the log format does not record the Host header, so they cannot be tied "
        "to this route by name."
    )


def _named_default_503s(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The openshift_default 503s whose captured Host (or absolute URI) names this route: the lines it explains."""
    rows = default_backend_503s(ctx)
    if rows.empty:
        return rows
    named = default_line_routes(rows, whole_frame(ctx, "routes"))
    mine = named[(named["namespace"] == route.namespace) & (named["route"] == route.name)]
    return rows.loc[mine.index]


def _default_claims(ctx: Context, route: common.RouteRef) -> dict:
    named = _named_default_503s(ctx, route)
    if named.empty:
        return {}
    first, last = common.span(named)
    return {"claims": named.index, "affected_requests": len(named), "first_seen": first, "last_seen": last}


def _served_by_log(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    req = common.route_requests(ctx, route)
    return req if req.empty else req[req["backend_kind"].astype("string") != "openshift_default"]


def shard_exclusions(ctx: Context, namespace: str) -> list[tuple[pd.Series, str]]:
    """IngressControllers whose ``namespaceSelector`` excludes the namespace, or that select routes by label."""
    ics = ctx.snap.frame("ingresscontrollers")
    namespaces = ctx.snap.frame("namespaces")
    ns_row = namespaces[namespaces["name"] == namespace]
    ns_labels = common.labels_of(ns_row.iloc[0]["labels"]) if not ns_row.empty else None
    out = []
    for _, ic in ics.iterrows():
        ns_sel = _selector(ic["namespace_selector"])
        route_sel = _selector(ic["route_selector"])
        if ns_sel and ns_labels is not None and not label_selector_matches(ns_sel, ns_labels):
            out.append((ic, f"IngressController {ic['name']} only serves namespaces matching {json.dumps(ns_sel)}"))
        elif route_sel:
            out.append((ic, f"IngressController {ic['name']} only serves routes matching {json.dumps(route_sel)}"))
    return out


def _selector(value: object) -> dict | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        data = json.loads(str(value))
    except ValueError:
        return None
    return data if isinstance(data, dict) and (data.get("matchLabels") or data.get("matchExpressions")) else None


def configs_missing_backend(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Rendered configs of the routers that admitted the route, when none of them has its backend.

    Empty when no config of those routers was collected (then nothing can be said) or when one has it.
    """
    backends = whole_frame(ctx, "router_backends")
    if backends.empty:
        return backends
    routers = str(route.row["admitted_routers"] or "") if isinstance(route.row["admitted_routers"], str) else ""
    wanted = {r for r in routers.split(",") if r}
    ic = backends["ingresscontroller"].astype("string")
    mine = backends[ic.isin(wanted).fillna(False)] if wanted else backends
    if mine.empty:
        return mine
    has = (mine["namespace"].astype("string") == route.namespace) & (mine["route"].astype("string") == route.name)
    if bool(has.fillna(False).any()):
        return mine.iloc[0:0]
    return mine.drop_duplicates(subset=["router_pod"])


@rule(code="R101", name="route-not-admitted", cause="route-not-admitted", severity=Severity.CRITICAL, needs=("routes",))
def route_not_admitted(ctx: Context) -> Iterator[Finding]:
    """Route not admitted by any router.

    What it does:
        Reads the route's ``status.ingress[].conditions``. Fires (critical) when no router admitted
        it: every ``Admitted`` condition is ``False`` (``HostAlreadyClaimed``, invalid TLS material,
        rejected by a shard), or the route has no ``status.ingress`` at all while IngressControllers
        exist in the inputs (no router selected it: sharding by ``namespaceSelector``/``routeSelector``).
        When the rendered ``haproxy.config`` of the admitting router was collected and has no backend
        for a route that claims to be admitted, it fires as a warning. With access logs, a route whose
        own backend logged requests is being served and does not fire for a missing status.

    Why it matters:
        Requests for the host fall to the router's ``openshift_default`` backend and get the
        router's own 503 ("Application is not available") with ``<NOSRV>``; the application
        never sees them.

    Example:
        ``status.ingress[0].conditions: [{type: Admitted, status: "False", reason: HostAlreadyClaimed}]``
        and access-log lines ``fe_sni~ openshift_default/<NOSRV> 0/-1/-1/-1/0 503 3288 - - SC-- ...``.

    Remediation:
        Read the reason with ``oc describe route``; give the route a unique host (or delete the
        older claim), fix the TLS material, or label the route/namespace for the right shard.

    Known problems:
        The default log format does not log the Host header, so ``openshift_default`` 503s cannot
        be tied to a route by name; they are counted in the explanation, never cited as the route's
        evidence. A route created seconds before the must-gather may not have a status yet. A
        haproxy.config copied before the route changed can lack a backend the router has now.

    References:
        router-facts.md §2 (``openshift_default``), §5 (``status.ingress`` conditions, sharding selectors),
        §6 ("Host/path not served"); mustgather-layout.md §6 (haproxy.config backends);
        openshift/origin#23223; openshift/origin PR #12409.
    """
    have_ics = not ctx.snap.frame("ingresscontrollers").empty
    for route in common.routes(ctx):
        state = admitted_state(route.row["admitted"])
        if state is False:
            yield _rejected(ctx, route)
        elif state is None and have_ics and _served_by_log(ctx, route).empty:
            yield _no_status(ctx, route)
        elif state is True:
            configs = configs_missing_backend(ctx, route)
            if not configs.empty:
                yield _no_backend(ctx, route, configs)


def _service(route: common.RouteRef) -> str | None:
    return route.services[0] if route.services else None


def _rejected(ctx: Context, route: common.RouteRef) -> Finding:
    row = route.row
    reason = row["not_admitted_reason"] if isinstance(row["not_admitted_reason"], str) else "not admitted"
    host = row["host"] if isinstance(row["host"], str) else None
    served = _served_by_log(ctx, route)
    served_note = ""
    if not served.empty:
        first, last = common.span(served)
        served_note = (
            f" The access log still shows {len(served)} requests on the route's own backend between "
            f"{common.fmt_ts(first)} and {common.fmt_ts(last)}: it was served before it lost admission."
        )
    fix = [f"oc -n {route.namespace} describe route {route.name}"]
    if "HostAlreadyClaimed" in reason and host:
        fix += [
            f"oc get routes -A -o wide | grep -F '{host}'   # the older route that holds the host",
            f"oc -n {route.namespace} patch route {route.name} --type=merge "
            '-p \'{"spec":{"host":"<a host no other route uses>"}}\'   # or free the host on the older route',
        ]
    else:
        fix.append("oc -n openshift-ingress-operator get ingresscontrollers -o yaml   # shard selectors")
    return Finding(
        code="R101",
        cause="route-not-admitted",
        severity=Severity.CRITICAL,
        namespace=route.namespace,
        route=route.name,
        service=_service(route),
        title=f"route {route.name} is not admitted by any router ({reason})",
        explanation=(
            f"The route's status says no router admitted it: {reason}. No router has a backend for it, so "
            "every request for its host ends on openshift_default with the router's 503."
            + served_note
            + _default_backend_sentence(ctx, route)
        ),
        evidence=[
            common.route_evidence(ctx, route, 'status: "False"'),
            common.route_evidence(ctx, route, "reason:"),
        ],
        remediation=fix,
        **_default_claims(ctx, route),
    )


def _no_status(ctx: Context, route: common.RouteRef) -> Finding:
    shards = shard_exclusions(ctx, route.namespace)
    why = (
        "; ".join(text for _, text in shards)
        if shards
        else "no IngressController in the inputs explains it (router down, or the route is very new)"
    )
    evidence = [common.route_evidence(ctx, route, "host:")]
    ics = ctx.snap.frame("ingresscontrollers")
    for ic, _ in shards[:2]:
        needle = "namespaceSelector:" if _selector(ic["namespace_selector"]) else "routeSelector:"
        evidence.append(object_evidence(ctx.snap, ic, needle))
    if not shards and not ics.empty:
        evidence.append(object_evidence(ctx.snap, ics.iloc[0], "domain:"))
    return Finding(
        code="R101",
        cause="route-not-admitted",
        severity=Severity.CRITICAL,
        namespace=route.namespace,
        route=route.name,
        service=_service(route),
        title=f"route {route.name} has no status from any router: no router serves it",
        explanation=(
            f"Route {route.name} carries no status.ingress entry, while {len(ics)} IngressController(s) exist: "
            f"no router admitted it ({why}). Requests for its host end on openshift_default with the router's 503."
            + _default_backend_sentence(ctx, route)
        ),
        evidence=evidence,
        remediation=[
            f"oc -n {route.namespace} get route {route.name} -o yaml",
            "oc -n openshift-ingress-operator get ingresscontrollers -o yaml   # routeSelector, namespaceSelector",
            f"oc get namespace {route.namespace} --show-labels",
        ],
        confidence="medium",
        **_default_claims(ctx, route),
    )


def _no_backend(ctx: Context, route: common.RouteRef, configs: pd.DataFrame) -> Finding:
    pods = ", ".join(str(p) for p in configs["router_pod"].tolist()[:3])
    first = configs.iloc[0]
    return Finding(
        code="R101",
        cause="route-not-admitted",
        severity=Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        service=_service(route),
        title=f"route {route.name} claims to be admitted but the router configuration has no backend for it",
        explanation=(
            f"The route's status says router {route.row['admitted_routers']} admitted it, yet the haproxy.config "
            f"collected from {pods} has no backend *:{route.namespace}:{route.name}. The router may be sharded "
            "away from it, or the route changed after the configuration was copied."
        ),
        evidence=[
            common.route_evidence(ctx, route, "routerName:"),
            Evidence(
                source=str(first["source"]),
                line=None,
                text=f"no backend *:{route.namespace}:{route.name} in this haproxy.config",
                input=None if pd.isna(first["input"]) else str(first["input"]),
            ),
        ],
        remediation=[
            f"oc -n {route.namespace} get route {route.name} -o yaml",
            f"oc -n openshift-ingress exec {first['router_pod']} -- grep -c ':{route.namespace}:{route.name}$' "
            "/var/lib/haproxy/conf/haproxy.config",
        ],
        confidence="medium",
    )


def _weight(value: object) -> int:
    return 100 if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def missing_backends(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Backend rows (spec.to, alternateBackends) naming a service absent from a collected namespace."""
    if not common.has_resource(ctx, route.namespace, "services"):
        return ctx.routes.iloc[0:0]
    rows = route_backends(ctx, route)
    existing = service_names(ctx)
    kind = rows["service_kind"].fillna("Service")
    return rows[rows["service"].notna() & (kind == "Service") & ~rows["service"].isin(existing)]


def every_weighted_backend_missing(ctx: Context, route: common.RouteRef) -> bool:
    """No backend with a weight above 0 names an existing service: the route has no server at all."""
    missing = missing_backends(ctx, route)
    if missing.empty:
        return False
    rows = route_backends(ctx, route)
    weighted = rows[[_weight(w) > 0 for w in rows["weight"]]]
    return weighted.empty or bool(weighted["service"].isin(missing["service"]).all())


def closest_service(name: str, existing: list[str]) -> str | None:
    """The existing service a human most likely meant (``checkout`` for ``checkout-v2``)."""
    close = difflib.get_close_matches(name, existing, n=1, cutoff=0.5)
    return close[0] if close else None


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
        route's namespace (only when that namespace's services were collected). Critical when no
        backend with a weight above 0 is left (``spec.to`` alone, or every weighted backend missing),
        warning for a missing backend that still carries a weight, info for a weight-0 backend.
        With access logs, the route's 503 ``<NOSRV>`` answers are its affected requests.

    Why it matters:
        A backend naming a missing service has no servers. When no weighted backend is left the router
        answers every request with 503 ``<NOSRV>``; a missing alternate backend with a weight silently
        loses its share of traffic (the others take it).

    Example:
        ``spec.to.name: checkout-v2`` while the namespace only has the service ``checkout``.

    Remediation:
        Point the route at the existing service (the command names the closest one) or create the
        service; remove a stale alternate backend.

    Known problems:
        Backends of another kind than Service are not checked. A service deleted and recreated during
        the collection can look missing in one file and present in another.

    References:
        router-facts.md §2 (alternateBackends, weight 0 kept for stickiness), §4.2 (503 SC <NOSRV>), §6;
        openshift/api route/v1 types.go.
    """
    for route in common.routes(ctx):
        missing = missing_backends(ctx, route)
        if missing.empty:
            continue
        in_use = set(route_backends(ctx, route)["service"].dropna())
        existing = sorted(str(s) for s in ctx.snap.frame("services")["name"].dropna().unique() if s not in in_use)
        total_loss = every_weighted_backend_missing(ctx, route)
        nosrv = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")
        for _, b in missing.iterrows():
            yield _missing_service(ctx, route, b, existing, total_loss, nosrv)


def _missing_service(
    ctx: Context, route: common.RouteRef, b: pd.Series, existing: list[str], total_loss: bool, nosrv: pd.DataFrame
) -> Finding:
    index = int(b["backend_index"])
    weight = _weight(b["weight"])
    severity = Severity.CRITICAL if total_loss else (Severity.WARNING if weight > 0 else Severity.INFO)
    where = "spec.to" if index == 0 else f"spec.alternateBackends[{index - 1}]"
    guess = closest_service(str(b["service"]), existing)
    path = "/spec/to/name" if index == 0 else f"/spec/alternateBackends/{index - 1}/name"
    fix = [f"oc -n {route.namespace} get svc"]
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
        fix.append(f"oc -n {route.namespace} expose deployment <workload> --name={b['service']} --port=8080")
    facts = common.log_facts(ctx, nosrv) if total_loss and not nosrv.empty else {}
    share = "all" if total_loss else ("part of the" if weight > 0 else "none of the (weight 0)")
    return Finding(
        code="R102",
        cause="route-service-missing",
        severity=severity,
        namespace=route.namespace,
        route=route.name,
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
        ),
        evidence=[object_evidence(ctx.snap, b, f"name: {b['service']}"), *facts.get("evidence", [])],
        remediation=fix,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
    )


def target_port_matches_nothing(ctx: Context, route: common.RouteRef) -> bool:
    """The router's endpoint filter (``endpointsForAlias``) leaves no endpoint although some exist."""
    rows = route_backends(ctx, route)
    target = rows.iloc[0]["target_port"] if not rows.empty else None
    if not isinstance(target, str) or not common.has_resource(ctx, route.namespace, "endpoints"):
        return False
    eps = ctx.snap.frame("endpoints")
    services = list(route.services)
    if eps[eps["service"].isin(services)].empty:
        return False
    return all(joins.endpoints_for_backend(eps, route.namespace, s, target).empty for s in services)


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
        have endpoints but none survives that filter. With access logs, the route's 503 ``SC``
        ``<NOSRV>`` answers are the affected requests.

    Why it matters:
        The backend is rendered with no servers: every request gets the router's 503 ``<NOSRV>``
        although the pods are healthy and ready.

    Example:
        Service port ``http: 80 → targetPort 8080`` and the route says ``targetPort: 80``: 80 is the
        service port, not a container port, so nothing matches.

    Remediation:
        Set the route's ``spec.port.targetPort`` to the service port *name* (the command names it),
        or to the container port number.

    Known problems:
        Endpoints captured a moment after a rollout may carry different port names than the route
        expects; check both objects' timestamps.

    References:
        router-facts.md §2 ("Endpoint selection", ``endpointsForAlias``), §4.2, §6; KCS 7013260.
    """
    eps = ctx.snap.frame("endpoints")
    ports = ctx.snap.frame("service_ports")
    for route in common.routes(ctx):
        if not target_port_matches_nothing(ctx, route):
            continue
        target = str(route_backends(ctx, route).iloc[0]["target_port"])
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
        nosrv = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        service_port_note = (
            f" {target} is the port of service {meant.iloc[0]['service']}, not a container port: the router "
            "matches the service port's name or the endpoint's (container) port."
            if not meant.empty
            else ""
        )
        yield Finding(
            code="R103",
            cause="route-target-port-mismatch",
            severity=Severity.CRITICAL,
            namespace=route.namespace,
            route=route.name,
            service=_service(route),
            title=f"route targetPort {target} matches no endpoint port (names {names or ['<none>']}, "
            f"numbers {numbers})",
            explanation=(
                f"The router keeps only endpoints whose port name or target port equals the route's targetPort "
                f"'{target}'. The services' endpoints use port names {names or ['(none)']} and container ports "
                f"{numbers}, so the backend has no servers and every request gets the router's 503."
                + service_port_note
                + (f" The access log shows {facts['affected_requests']} such 503 <NOSRV> answers." if facts else "")
            ),
            evidence=evidence + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                f"-p '{{\"spec\":{{\"port\":{{\"targetPort\":{json_value(suggestion)}}}}}}}'"
                if suggestion
                else f"oc -n {route.namespace} get endpoints {' '.join(route.services)} -o yaml",
            ],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
        )


RULES = [route_not_admitted, route_service_missing, route_target_port_mismatch]
