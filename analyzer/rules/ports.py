"""Port and TLS rules: the router connects to a port the application does not serve, or speaks the wrong protocol."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common

PLAIN_HTTP_PORTS = {80, 8080, 8000, 3000, 5000}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str | None) -> bool:
    """An application bound here refuses the router, which connects to the pod IP."""
    return host in LOOPBACK
TLS_PORTS = {443, 8443, 9443, 6443}


def _target_service_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The service ports the route uses (all of them when the route names no targetPort)."""
    sp = ctx.snap.frame("service_ports")
    mine = sp[(sp["namespace"] == route.namespace) & sp["service"].isin(list(route.services))]
    target = common.backend_rows(ctx, route).iloc[0]["target_port"]
    if isinstance(target, str) and not mine.empty:
        picked = mine[
            (mine["port_name"] == target) | (mine["target_port"] == target) | (mine["port"].astype("string") == target)
        ]
        return picked if not picked.empty else mine
    return mine


def _refused(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC with a real server and no connection (Tc=-1): connection refused / reset on every retry."""
    req = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="pod")
    return req[(req["Tc"] == -1).fillna(False).astype(bool)] if not req.empty else req


@rule(
    code="P301",
    name="service-target-port-not-served",
    cause="service-port-mismatch",
    severity=Severity.CRITICAL,
    needs=("service_ports", "container_ports"),
)
def service_port_mismatch(ctx: Context) -> Iterator[Finding]:
    """Service targetPort is not a port the application serves.

    What it does:
        Compares each route service port's ``targetPort`` with the ports the selected containers
        declare (a named targetPort must exist as a container port name; a number should be declared
        when the containers declare any), and with what the application's own log says at start-up
        ("listening on :8081", "bound to 127.0.0.1:8080") when container logs are in the input. With
        access logs, counts 503 ``SC`` answers that name a real server with ``Tc=-1`` (every connection
        attempt refused) on pods that are ready.

    Why it matters:
        The endpoints point at a port nothing listens on: the router's connections are refused, it
        retries 3 times, and answers 503 after ~3 s. An application bound to 127.0.0.1 refuses the
        router the same way.

    Example:
        Service ``targetPort: 8080`` while the container declares and listens on ``8081``; log lines
        ``be_http:shop:api/pod:api-1:api:http:10.128.2.52:8080 0/3006/-1/-1/3006 503 217 - - SCNN ... 1/1/0/0/3``.

    Remediation:
        Point the service's targetPort at the port the application listens on, or make the application
        listen on all interfaces on that port.

    Known problems:
        Containers are not required to declare their ports; without declarations and without logs
        the static check cannot tell and stays silent (the checklist says ``unknown``).

    References:
        runbook-502.md "Application not listening on the right port"; router-facts.md §4.2 (503 SC, Tc=-1,
        retries), §6.
    """
    cports = ctx.snap.frame("container_ports")
    for route in common.routes(ctx):
        pods = common.route_pods(ctx, route)
        declared = cports[(cports["namespace"] == route.namespace) & cports["pod"].isin(pods["name"])]
        wanted = _target_service_ports(ctx, route)
        static: list[Evidence] = []
        detail = ""
        if not declared.empty and not wanted.empty:
            names = set(declared["name"].dropna())
            numbers = {str(int(p)) for p in declared["port"].dropna()}
            for _, sp in wanted.iterrows():
                target = sp["target_port"]
                if not isinstance(target, str):
                    continue
                if (bool(sp["target_port_is_name"]) and target not in names) or (
                    not bool(sp["target_port_is_name"]) and target not in numbers
                ):
                    static.append(object_evidence(ctx.snap, sp, f"targetPort: {target}"))
                    static.append(object_evidence(ctx.snap, declared.iloc[0], "containerPort:"))
                    detail = (
                        f"service {sp['service']} sends to targetPort {target}, but the pods declare "
                        f"{sorted(names) or ''} {sorted(numbers, key=int)}"
                    )
                    break
        if not static and not wanted.empty:
            said, detail = _app_says_elsewhere(ctx, route, pods, declared, wanted)
            static += said
        # on a reencrypt route a failed TLS handshake logs the same 503 SC: P302 owns log-only evidence there
        refused = _refused(ctx, route) if route.termination != "reencrypt" or static else _refused(ctx, route).iloc[0:0]
        if refused.empty and not static:
            continue
        facts = common.log_facts(ctx, refused) if not refused.empty else {}
        both = bool(static) and bool(facts)
        explanation = (detail + ". " if detail else "") + (
            f"The router's connections to the pods were refused on every attempt: {facts['affected_requests']} "
            f"requests got 503 SC with Tc=-1 after 3 retries."
            if facts
            else "The router will connect to a port nothing listens on and answer 503."
        )
        if both:
            explanation += " The objects and the access log agree."
        elif facts:
            explanation += (
                " The objects do not show a port mismatch (ports not declared?): check what the "
                "application listens on (it may be bound to 127.0.0.1)."
            )
        yield Finding(
            code="P301",
            cause="service-port-mismatch",
            severity=Severity.CRITICAL,
            namespace=route.namespace,
            route=route.name,
            service=route.services[0] if route.services else None,
            title=f"route {route.name}: the service's targetPort is not served by the pods"
            + (f" ({facts['affected_requests']} connections refused)" if facts else ""),
            explanation=explanation,
            evidence=static + facts.get("evidence", []),
            remediation=[
                f"oc -n {route.namespace} exec deploy/<workload> -- ss -tlnp   # what does it listen on?",
                f"oc -n {route.namespace} get svc {route.services[0] if route.services else ''} -o yaml",
                f"oc -n {route.namespace} patch svc {route.services[0] if route.services else ''} "
                '--type=json -p \'[{"op":"replace","path":"/spec/ports/0/targetPort","value":<port>}]\'',
            ],
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            confidence="high" if both or static else "medium",
        )


def _target_number(target: str, declared: pd.DataFrame) -> int | None:
    if target.isdigit():
        return int(target)
    named = declared[declared["name"] == target]
    return int(named.iloc[0]["port"]) if not named.empty and pd.notna(named.iloc[0]["port"]) else None


def _app_says_elsewhere(ctx: Context, route: common.RouteRef, pods: pd.DataFrame, declared: pd.DataFrame,
                        wanted: pd.DataFrame) -> tuple[list[Evidence], str]:
    """The application's own start-up lines: listening on another port, or only on the loopback address."""
    lines = ctx.snap.frame("container_log_lines")
    mine = lines[(lines["namespace"] == route.namespace) & lines["pod"].isin(pods["name"])]
    if mine.empty:
        return [], ""
    target = wanted.iloc[0]["target_port"]
    number = _target_number(str(target), declared) if isinstance(target, str) else None
    for _, row in mine.iterrows():
        port = int(row["port"]) if pd.notna(row["port"]) else None
        host = row["host"] if isinstance(row["host"], str) else None
        evidence = [object_evidence(ctx.snap, wanted.iloc[0], f"targetPort: {target}"),
                    Evidence(source=str(row["source"]), line=int(row["line"]), text=str(row["text"]),
                             input=str(row["input"]))]
        if number is not None and port is not None and port != number:
            return evidence, (f"the application in pod {row['pod']} says it listens on port {port}, but service "
                              f"{wanted.iloc[0]['service']} sends to {number}")
        if is_loopback(host) and (number is None or port == number):
            return evidence, (f"the application in pod {row['pod']} listens only on {host}:{port}, so connections "
                              "from the router (to the pod IP) are refused")
    return [], ""


def _looks_plain(sp: pd.Series) -> bool:
    name = str(sp["port_name"] or "").lower()
    target = str(sp["target_port"] or "").lower()
    if re.search(r"https|tls|ssl|secure", name + " " + target):
        return False
    numbers = {int(x) for x in (sp["target_port"], sp["port"]) if pd.notna(x) and str(x).isdigit()}
    return bool(re.search(r"\bhttp\b|^http-|-http$", name)) or target == "http" or bool(numbers & PLAIN_HTTP_PORTS)


def _looks_tls_only(sp: pd.Series) -> bool:
    name = str(sp["port_name"] or "").lower() + " " + str(sp["target_port"] or "").lower()
    numbers = {int(x) for x in (sp["target_port"], sp["port"]) if pd.notna(x) and str(x).isdigit()}
    return bool(re.search(r"https|tls", name)) or bool(numbers & TLS_PORTS and not numbers & PLAIN_HTTP_PORTS)


@rule(
    code="P302",
    name="route-tls-termination-mismatch",
    cause="tls-termination-mismatch",
    severity=Severity.CRITICAL,
    needs=("routes", "service_ports"),
)
def tls_termination_mismatch(ctx: Context) -> Iterator[Finding]:
    """Route TLS termination does not match what the backend serves.

    What it does:
        ``reencrypt``: the target service port looks like plain HTTP (named ``http`` or 80/8080) while
        the service has no serving-cert annotation and the route no ``destinationCACertificate``;
        ``passthrough``: the port looks like plain HTTP; ``edge``/``none``: the port looks TLS-only
        (named ``https`` or 443/8443). With access logs, reencrypt routes are confirmed by 503 ``SC``
        with a real server and ``Tc=-1`` (failed TLS handshakes) and edge routes by 502 ``SH``/``PH``
        with ``Tr=-1``.

    Why it matters:
        The router speaks TLS to a plain-HTTP server (handshake fails: 503) or plain HTTP to a TLS
        port (the server closes or answers with a TLS alert: 502).

    Example:
        ``termination: reencrypt`` to service port ``http: 8080`` of a plain Node.js app.

    Remediation:
        Use ``edge`` for a plain-HTTP backend; for ``reencrypt`` serve TLS with a service-serving
        certificate (``service.beta.openshift.io/serving-cert-secret-name``) or give the route the
        backend's CA; point edge routes at the plain-HTTP port.

    Known problems:
        Port names are conventions, not guarantees: a port named ``http`` may serve TLS. The static
        part is a heuristic and says so (medium confidence) unless the access log confirms it.

    References:
        runbook-502.md "TLS misconfiguration"; router-facts.md §1.8 (reencrypt2http, edge2tls lines),
        §4.2, §5 (destinationCACertificate, verifyhost).
    """
    for route in common.routes(ctx):
        ports = _target_service_ports(ctx, route)
        if ports.empty:
            continue
        sp = ports.iloc[0]
        svc = common.service_row(ctx, route.namespace, str(sp["service"]))
        has_cert = svc is not None and isinstance(svc["serving_cert_secret"], str)
        row = route.row
        problem = None
        req = common.route_requests(ctx, route)
        confirm = req.iloc[0:0]
        if (
            route.termination == "reencrypt"
            and _looks_plain(sp)
            and not has_cert
            and not bool(row["has_destination_ca"])
        ):
            problem = (
                "the route re-encrypts to the backend, but the target port looks like plain HTTP and "
                "nothing provides a serving certificate: the router's TLS handshake fails"
            )
            confirm = _refused(ctx, route)
            confirm = pd.concat([confirm, common.select(req, status=503, term="sC", server_kind="pod")])
        elif route.termination == "passthrough" and _looks_plain(sp):
            problem = "the route passes TLS through to a port that looks like plain HTTP"
            confirm = common.select(req, term="SC", server_kind="pod")
        elif route.termination in ("edge", "none") and _looks_tls_only(sp):
            problem = (
                f"the route terminates TLS at the router ({route.termination}) and sends plain HTTP to a "
                "port that looks TLS-only: the server closes the connection or answers with a TLS alert"
            )
            confirm = pd.concat([common.select(req, status=502, term="SH"), common.select(req, status=502, term="PH")])
        if problem is None:
            continue
        facts = common.log_facts(ctx, confirm) if not confirm.empty else {}
        evidence = [
            common.route_evidence(ctx, route, "termination:"),
            object_evidence(ctx.snap, sp, f"name: {sp['port_name']}" if sp["port_name"] else "port:"),
        ]
        fix = {
            "reencrypt": [
                f"oc -n {route.namespace} annotate svc {sp['service']} "
                f"service.beta.openshift.io/serving-cert-secret-name={sp['service']}-tls  # and serve it",
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                '-p \'{"spec":{"tls":{"termination":"edge"}}}\'  # if the backend is plain HTTP',
            ],
            "passthrough": [
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                '-p \'{"spec":{"tls":{"termination":"edge"}}}\''
            ],
        }.get(
            route.termination,
            [
                f"oc -n {route.namespace} patch route {route.name} --type=merge "
                '-p \'{"spec":{"tls":{"termination":"reencrypt"}}}\'  # or target the '
                "HTTP port"
            ],
        )
        yield Finding(
            code="P302",
            cause="tls-termination-mismatch",
            severity=Severity.CRITICAL if facts else Severity.WARNING,
            namespace=route.namespace,
            route=route.name,
            service=str(sp["service"]),
            title=f"{route.termination} route to port {sp['port_name'] or sp['port']} ({sp['target_port']}): "
            "TLS mismatch",
            explanation=problem
            + "."
            + (f" The access log confirms it: {facts['affected_requests']} failed requests." if facts else ""),
            evidence=evidence + facts.get("evidence", []),
            remediation=fix,
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            confidence="high" if facts else "medium",
        )


RULES = [service_port_mismatch, tls_termination_mismatch]
