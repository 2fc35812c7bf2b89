"""Port and TLS rules: the router connects to a port the application does not serve, or speaks the wrong protocol."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.registry import rule
from analyzer.rules import common
from analyzer.rules.routes import memo, route_backends

PLAIN_HTTP_PORTS = frozenset({80, 8080, 8000, 3000, 5000})
TLS_PORTS = frozenset({443, 8443, 9443, 6443})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
STEADY = pd.Timedelta(seconds=60)  # a container this long up should accept connections
NEAR_RESTART = pd.Timedelta(seconds=120)  # refusals this close to a restart belong to the restart (K601)
MIN_REFUSALS = 3  # log-only evidence needs a pattern, not one unlucky request


def is_true(value: object) -> bool:
    """A nullable boolean cell as a plain bool (``<NA>`` is not true)."""
    return value is not None and not pd.isna(value) and bool(value)


def is_loopback(host: str | None) -> bool:
    """An application bound here refuses the router, which connects to the pod IP."""
    return host in LOOPBACK


def port_protocol(port_name: object, target: object, port: object) -> str | None:
    """``"tls"``, ``"plain"`` or None (cannot tell) for a service port, names before numbers.

    The target port's name is the container's own word for what it serves, so it counts first; a
    name like ``web`` says nothing (OpenShift's monitoring serves TLS on ports named ``web``).
    """
    for name in (target, port_name):
        if not isinstance(name, str) or not name or name.isdigit():
            continue
        low = name.lower()
        if re.search(r"https|tls|ssl", low):
            return "tls"
        if re.fullmatch(r"h2c|http2?|http-.+|.+-http", low):
            return "plain"
    numbers = {int(x) for x in (target, port) if x is not None and not pd.isna(x) and str(x).isdigit()}
    if numbers & TLS_PORTS:
        return "tls"
    if numbers & PLAIN_HTTP_PORTS:
        return "plain"
    return None


def target_service_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """The service ports the route uses (all of them when the route names no targetPort), computed once."""
    return memo(ctx, ("target-service-ports", route.namespace, route.name), lambda: _target_service_ports(ctx, route))


def _target_service_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    sp = ctx.snap.frame("service_ports")
    mine = sp[sp["service"].isin(list(route.services))]
    rows = route_backends(ctx, route)
    target = rows.iloc[0]["target_port"] if not rows.empty else None
    if isinstance(target, str) and not mine.empty:
        picked = mine[
            (mine["port_name"] == target) | (mine["target_port"] == target) | (mine["port"].astype("string") == target)
        ]
        return picked if not picked.empty else mine
    return mine


def _declared(ctx: Context, pods: pd.DataFrame) -> pd.DataFrame:
    cports = ctx.snap.frame("container_ports")
    return cports[cports["pod"].isin(pods["name"])]


def route_declared_ports(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Container ports declared by the route's pods, computed once."""
    return memo(ctx, ("declared-ports", route.namespace, route.name),
                lambda: _declared(ctx, common.route_pods(ctx, route)))


def named_target_port_missing(ctx: Context, route: common.RouteRef) -> list[pd.Series]:
    """Service ports whose *named* targetPort no container of the route's pods declares.

    Kubernetes resolves a named targetPort through the container's ``ports[].name``; with no such name
    the pod gets no endpoint port at all, whatever the application listens on.
    """
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return []
    names = set(route_declared_ports(ctx, route)["name"].dropna())
    return [
        sp for _, sp in target_service_ports(ctx, route).iterrows()
        if is_true(sp["target_port_is_name"]) and isinstance(sp["target_port"], str) and sp["target_port"] not in names
    ]


def _app_containers(ctx: Context, pods: pd.DataFrame) -> set[str]:
    c = ctx.snap.frame("containers")
    return set(c[c["pod"].isin(pods["name"]) & ~c["init"].fillna(False).astype(bool)]["name"].dropna())


def undeclared_target_number(ctx: Context, route: common.RouteRef) -> list[pd.Series]:
    """Service ports whose numeric targetPort no container declares, while every app container declares ports.

    Declaring ports is optional in Kubernetes, so this only counts when every (non-init) container of the
    route's pods declares some: then an undeclared number is most likely a typo or an old port.
    """
    pods = common.route_pods(ctx, route)
    declared = route_declared_ports(ctx, route)
    if pods.empty or declared.empty or _app_containers(ctx, pods) - set(declared["container"].dropna()):
        return []
    numbers = {str(int(p)) for p in declared["port"].dropna()}
    return [
        sp for _, sp in target_service_ports(ctx, route).iterrows()
        if not is_true(sp["target_port_is_name"]) and isinstance(sp["target_port"], str)
        and sp["target_port"] not in numbers
    ]


@dataclass
class ListenClaims:
    """What the application's own start-up lines say about the target port."""

    on_target: list[pd.Series] = field(default_factory=list)  # announces the target port on a routable address
    loopback: list[pd.Series] = field(default_factory=list)  # announces it on 127.0.0.1 / localhost only
    elsewhere: list[pd.Series] = field(default_factory=list)  # announces only other ports


def listen_claims(ctx: Context, pods: pd.DataFrame, number: int | None) -> ListenClaims:
    """Sort the pods' listen announcements against the port the service sends to.

    An application often announces several listeners (metrics, admin); only when none of them is the
    target port does "listens elsewhere" hold.
    """
    claims = ListenClaims()
    lines = ctx.snap.frame("container_log_lines")
    mine = lines[lines["pod"].isin(pods["name"])]
    if mine.empty or number is None:
        return claims
    for _, row in mine.iterrows():
        port = int(row["port"]) if pd.notna(row["port"]) else None
        host = row["host"] if isinstance(row["host"], str) else None
        if port == number:
            (claims.loopback if is_loopback(host) else claims.on_target).append(row)
        else:
            claims.elsewhere.append(row)
    if claims.on_target:
        claims.loopback, claims.elsewhere = [], []
    elif claims.loopback:
        claims.elsewhere = []
    return claims


def _target_number(sp: pd.Series, declared: pd.DataFrame) -> int | None:
    target = sp["target_port"]
    if not isinstance(target, str):
        return None
    if target.isdigit():
        return int(target)
    named = declared[declared["name"] == target]
    return int(named.iloc[0]["port"]) if not named.empty and pd.notna(named.iloc[0]["port"]) else None


def refused_requests(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC on a real server with Tc=-1: every connection attempt to the pod failed."""
    req = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="pod")
    return req[(req["Tc"] == -1).fillna(False).astype(bool)] if not req.empty else req


def steady_refusals(ctx: Context, route: common.RouteRef, refused: pd.DataFrame) -> pd.DataFrame:
    """Refusals by pods that exist, are not being deleted, and were up and not restarting at the time.

    A pod that is starting, restarting or going away refuses connections for a moment: that is the
    restart's or the rollout's story (pods-restarting, rollout-without-graceful-shutdown), not a port fault.
    """
    if refused.empty or not common.has_resource(ctx, route.namespace, "pods"):
        return refused
    pods = ctx.snap.frame("pods")
    containers = ctx.snap.frame("containers")
    keep = []
    for _, r in refused.iterrows():
        pod_name = str(r["pod"]) if pd.notna(r["pod"]) else ""
        pod = pods[pods["name"] == pod_name]
        if pod.empty or pd.notna(pod.iloc[0]["deleted"]):
            keep.append(False)
            continue
        mine = containers[(containers["pod"] == pod_name) & ~containers["init"].fillna(False).astype(bool)]
        ts = r["ts"]
        restarting = any(
            (pd.notna(c["last_finished"]) and abs(ts - c["last_finished"]) <= NEAR_RESTART)
            or (pd.notna(c["state_since"]) and str(c["state"]) == "running" and ts < c["state_since"] + STEADY)
            for _, c in mine.iterrows()
        ) if pd.notna(ts) else False
        keep.append(not restarting)
    return refused[keep]


def refusal_share(ctx: Context, route: common.RouteRef, refused: pd.DataFrame) -> float:
    """Refused requests as a share of the route's logged requests (client aborts aside)."""
    req = common.route_requests(ctx, route)
    client = req["term"].astype("string").str.startswith(("C", "c")).fillna(False)
    counted = int((~client).sum())
    return len(refused) / counted if counted else 1.0


@dataclass
class PortCase:
    """The static side of a port finding."""

    detail: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    certain: bool = False  # Kubernetes itself cannot route (named port) or the app says loopback
    no_endpoints: bool = False  # the fault leaves the service without endpoints: it shows as 503 <NOSRV>
    right_port: int | str | None = None  # what the service should target, when known
    service_port: pd.Series | None = None
    loopback: bool = False


@rule(
    code="P301",
    name="service-target-port-not-served",
    cause="service-port-mismatch",
    severity=Severity.CRITICAL,
    needs=("service_ports",),
)
def service_port_mismatch(ctx: Context) -> Iterator[Finding]:
    """Service targetPort is not a port the application serves.

    What it does:
        Compares each route service port's ``targetPort`` with the route pods' containers: a *named*
        targetPort that no container declares (Kubernetes then has no endpoint port), or a number that
        no container declares while every container declares its ports (many declare none: then the
        static check stays silent). Reads what the application's own log says at start-up
        ("listening on :8081", "bound to 127.0.0.1:8080") when container logs are in the input: only
        the loopback address, or only other ports. With access logs, counts 503 ``SC`` answers naming
        a real server with ``Tc=-1`` (every connection attempt refused, after retries) by pods that were
        up, not restarting and not being deleted at the time. When both kinds of evidence agree the
        finding says so (high confidence); log evidence alone gives medium confidence.

    Why it matters:
        The endpoints point at a port nothing listens on: the router's connections are refused, it
        retries 3 times, and answers 503 after about 3 s. An application bound to 127.0.0.1 refuses
        the router the same way, as the router connects to the pod IP.

    Example:
        Service ``targetPort: 8081`` while the container declares and listens on ``8080``; log lines
        ``be_edge_http:discovery:search/pod:search-...:search:http:10.128.2.31:8081 0/3006/-1/-1/3006 503
        2656 - - SCNN 4/3/1/0/3 0/0``.

    Remediation:
        Point the service's targetPort at the port the application listens on (the command names it
        when the inputs do), or make the application listen on all interfaces on that port.

    Known problems:
        Containers are not required to declare their ports; without declarations, container logs and
        access logs the rule cannot tell (the checklist says ``unknown``). On a reencrypt route a failed
        TLS handshake logs the same 503 ``SC``; P302 reports it when the port looks like plain HTTP.

    References:
        runbook-502.md "Application not listening on the right port"; router-facts.md §4.2 (503 SC with a
        real server, Tc=-1, retries), §5 (named targetPort), §6 ("Wrong port / app not listening / app on
        localhost"); HAProxy configuration.txt §8.5 (``SC``).
    """
    for route in common.routes(ctx):
        finding = _port_finding(ctx, route)
        if finding is not None:
            yield finding


def static_port_case(ctx: Context, route: common.RouteRef) -> PortCase | None:
    """What the objects and the application's log say is wrong with the port, if anything."""
    pods = common.route_pods(ctx, route)
    declared = route_declared_ports(ctx, route)
    for sp in named_target_port_missing(ctx, route):
        names = sorted(str(n) for n in declared["name"].dropna().unique())
        right = names[0] if len(names) == 1 else None
        return PortCase(
            detail=(f"service {sp['service']} sends to the named targetPort '{sp['target_port']}', but no container "
                    f"of the route's pods declares a port with that name (they declare {names or 'none'}), so "
                    "Kubernetes gives the pods no endpoint port"),
            evidence=[object_evidence(ctx.snap, sp, f"targetPort: {sp['target_port']}")]
            + ([object_evidence(ctx.snap, declared.iloc[0], "containerPort:")] if not declared.empty else []),
            certain=True, right_port=right, service_port=sp, no_endpoints=True,
        )
    wanted = target_service_ports(ctx, route)
    if wanted.empty:
        return None
    sp = wanted.iloc[0]
    number = _target_number(sp, declared)
    claims = listen_claims(ctx, pods, number)
    cite_target = object_evidence(ctx.snap, sp, f"targetPort: {sp['target_port']}")
    if claims.loopback:
        row = claims.loopback[0]
        return PortCase(
            detail=(f"the application in pod {row['pod']} says it listens only on {row['host']}:{row['port']}, so "
                    "connections from the router (to the pod IP) are refused"),
            evidence=[cite_target, _log_line(row)], certain=True, service_port=sp, loopback=True,
            right_port=number,
        )
    undeclared = undeclared_target_number(ctx, route)
    if undeclared:
        sp = undeclared[0]
        numbers = sorted({int(p) for p in declared["port"].dropna()})
        said = [int(r["port"]) for r in claims.elsewhere if pd.notna(r["port"])]
        right = said[0] if said and said[0] in numbers else (numbers[0] if len(numbers) == 1 else None)
        return PortCase(
            detail=(f"service {sp['service']} sends to targetPort {sp['target_port']}, but the pods' containers "
                    f"declare only {numbers}"),
            evidence=[object_evidence(ctx.snap, sp, f"targetPort: {sp['target_port']}"),
                      object_evidence(ctx.snap, declared.iloc[0], "containerPort:")]
            + [_log_line(r) for r in claims.elsewhere[:1]],
            right_port=right, service_port=sp,
        )
    if claims.elsewhere and not claims.on_target:
        row = claims.elsewhere[0]
        ports = sorted({int(r["port"]) for r in claims.elsewhere if pd.notna(r["port"])})
        return PortCase(
            detail=(f"the application in pod {row['pod']} announces port(s) {ports}, never {number}, the port "
                    f"service {sp['service']} sends to"),
            evidence=[cite_target, _log_line(row)], right_port=ports[0] if len(ports) == 1 else None,
            service_port=sp,
        )
    return None


def _log_line(row: pd.Series) -> Evidence:
    return Evidence(source=str(row["source"]), line=int(row["line"]), text=str(row["text"]),
                    input=None if pd.isna(row["input"]) else str(row["input"]))


def _served_fine(ctx: Context, route: common.RouteRef) -> bool:
    """The log shows the pods answering through the router (any response with a connection made)."""
    req = common.route_requests(ctx, route)
    if req.empty:
        return False
    ok = (req["server_kind"].astype("string") == "pod").fillna(False) & (req["Tc"] >= 0).fillna(False)
    return bool((ok & (req["status"] < 500).fillna(False)).any())


def _port_finding(ctx: Context, route: common.RouteRef) -> Finding | None:
    case = static_port_case(ctx, route)
    refused = steady_refusals(ctx, route, refused_requests(ctx, route))
    if case is None and (route.termination == "reencrypt" and _tls_finding_owns(ctx, route)):
        refused = refused.iloc[0:0]  # a failed handshake looks the same; P302 reports it
    if case is None and len(refused) < MIN_REFUSALS:
        return None
    if case is not None and not case.certain and refused.empty and _served_fine(ctx, route):
        return None  # the objects look wrong, but the router reached the application: nothing to report
    if case is not None and case.no_endpoints and refused.empty:
        refused = common.select(common.route_requests(ctx, route), status=503, term="SC", server_kind="nosrv")
    facts = common.log_facts(ctx, refused) if not refused.empty else {}
    if case is not None:
        severity = Severity.CRITICAL if case.certain or facts else Severity.WARNING
        confidence = "high" if case.certain or facts else "medium"
    else:
        severity = Severity.CRITICAL if refusal_share(ctx, route, refused) >= 0.5 else Severity.WARNING
        confidence = "medium"
    return Finding(
        code="P301",
        cause="service-port-mismatch",
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        service=str(case.service_port["service"]) if case and case.service_port is not None else (
            route.services[0] if route.services else None),
        title=f"route {route.name}: the service's targetPort is not served by the pods"
        + (f" ({facts['affected_requests']} requests " + ("without a server)" if case and case.no_endpoints
                                                          else "refused)") if facts else ""),
        explanation=_port_explanation(ctx, route, case, facts),
        evidence=(case.evidence if case else []) + facts.get("evidence", []),
        remediation=_port_fix(ctx, route, case),
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence=confidence,
    )


def _port_explanation(ctx: Context, route: common.RouteRef, case: PortCase | None, facts: dict) -> str:
    text = (case.detail[0].upper() + case.detail[1:] + ". ") if case else ""
    if facts and case is not None and case.no_endpoints:
        text += (
            f"The access log shows {facts['affected_requests']} requests answered by the router's 503 <NOSRV> "
            f"between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    elif facts:
        text += (
            f"The router's connections to the pods were refused on every attempt: {facts['affected_requests']} "
            f"requests got 503 SC with Tc=-1 between {common.fmt_ts(facts['first_seen'])} and "
            f"{common.fmt_ts(facts['last_seen'])}, from pods that were up at the time."
        )
    elif case is not None and ctx.has_logs:
        text += "The access log shows no refused connection on this route in its time range."
    else:
        text += "The router will connect to a port nothing listens on and answer 503 after its retries."
    if case and facts:
        text += " The objects and the access log agree."
    elif facts:
        text += (
            f" The objects do not show the port mismatch ({_declaration_note(ctx, route)}): the log and the "
            "objects disagree. Check what the application listens on; it may be bound to 127.0.0.1 or listen on "
            "another port."
        )
        if route.termination == "reencrypt":
            text += " On this reencrypt route a failed TLS handshake to the pod logs the same 503 SC."
    return text


def _declaration_note(ctx: Context, route: common.RouteRef) -> str:
    declared = route_declared_ports(ctx, route)
    wanted = target_service_ports(ctx, route)
    numbers = {_target_number(sp, declared) for _, sp in wanted.iterrows()} - {None}
    if declared.empty:
        return "no container declares its ports"
    if numbers & {int(p) for p in declared["port"].dropna()}:
        return f"the containers declare the target port {sorted(numbers)[0]}"
    return "not every container declares its ports"


def _port_fix(ctx: Context, route: common.RouteRef, case: PortCase | None) -> list[str]:
    ns = route.namespace
    pods = common.route_pods(ctx, route)
    workload = common.workload_of(ctx, pods)
    target = f"{workload[0]}/{workload[1]}" if workload else (f"pod/{pods.iloc[0]['name']}" if not pods.empty else None)
    fix = []
    if target:
        fix.append(f"oc -n {ns} exec {target} -- sh -c 'ss -ltn || netstat -ltn'   # what does it listen on?")
    if case is not None and case.loopback:
        fix.append(f"# make the application bind 0.0.0.0:{case.right_port or '<port>'} (its listen-address "
                   f"setting), then: oc -n {ns} rollout restart {target or 'deployment/<name>'}")
        return fix
    sp = case.service_port if case is not None else None
    service = str(sp["service"]) if sp is not None else (route.services[0] if route.services else "<service>")
    index = _port_index(ctx, sp) if sp is not None else 0
    value = case.right_port if case is not None else None
    rendered = ("<port>" if value is None else (str(value) if isinstance(value, int) or str(value).isdigit()
                                                else f'"{value}"'))
    fix.append(f"oc -n {ns} patch service {service} --type=json "
               f"-p '[{{\"op\":\"replace\",\"path\":\"/spec/ports/{index}/targetPort\",\"value\":{rendered}}}]'")
    return fix


def _port_index(ctx: Context, sp: pd.Series) -> int:
    ports = ctx.snap.frame("service_ports")
    mine = ports[ports["service"] == sp["service"]].reset_index(drop=True)
    for i, row in mine.iterrows():
        if str(row["port_name"]) == str(sp["port_name"]) and str(row["port"]) == str(sp["port"]):
            return int(i)
    return 0


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default


def has_serving_cert(ctx: Context, namespace: str, service: str) -> bool:
    """The service asks the service CA operator for a certificate (beta or alpha annotation)."""
    svc = common.service_row(ctx, namespace, service)
    return svc is not None and isinstance(svc["serving_cert_secret"], str) and bool(svc["serving_cert_secret"])


@dataclass
class TlsCase:
    problem: str
    severity_static: Severity
    confirm: pd.DataFrame
    fix: list[str]
    signature: str = ""  # how the failure shows in the access log


HANDSHAKE = "503 SC/sC on a real server with Tc=-1: the TLS handshake to the pod failed on every retry"


def tls_case(ctx: Context, route: common.RouteRef) -> TlsCase | None:
    """The TLS mismatch the objects show for a route, with the log lines that would confirm it."""
    ports = target_service_ports(ctx, route)
    if ports.empty:
        return None
    kinds = {port_protocol(sp["port_name"], sp["target_port"], sp["port"]) for _, sp in ports.iterrows()}
    sp = ports.iloc[0]
    ns, name, svc = route.namespace, route.name, str(sp["service"])
    req = common.route_requests(ctx, route)
    patch = f"oc -n {ns} patch route {name} --type=merge -p "
    if route.termination == "reencrypt":
        if has_serving_cert(ctx, ns, svc) or is_true(route.row["has_destination_ca"]):
            return None
        failed = pd.concat([refused_requests(ctx, route),
                            common.select(req, status=503, term="sC", server_kind="pod")])
        cert_fix = (f"oc -n {ns} annotate service {svc} service.beta.openshift.io/serving-cert-secret-name={svc}-tls"
                    "   # then serve TLS with the tls.crt/tls.key of that secret")
        if kinds == {"plain"}:
            return TlsCase(
                "the route re-encrypts to the backend, but the target port looks like plain HTTP and nothing "
                "provides a serving certificate: the router's TLS handshake to the pod fails",
                Severity.WARNING, failed,
                [cert_fix, patch + '\'{"spec":{"tls":{"termination":"edge"}}}\'   # if the backend is plain HTTP'],
                HANDSHAKE)
        return TlsCase(
            "the route re-encrypts to the backend without a destinationCACertificate, so the router verifies the "
            f"pod's certificate against the service CA for {svc}.{ns}.svc, and the service has no serving-cert "
            "annotation: unless the pod's certificate comes from the service CA, every handshake fails",
            Severity.INFO, failed,
            [cert_fix, f"oc -n {ns} edit route {name}   # or set spec.tls.destinationCACertificate to the pod's CA"],
            HANDSHAKE)
    if route.termination == "passthrough" and kinds == {"plain"}:
        return TlsCase("the route passes the client's TLS through to a port that looks like plain HTTP",
                       Severity.WARNING, req.iloc[0:0],
                       [patch + '\'{"spec":{"tls":{"termination":"edge"}}}\''])
    if route.termination in ("edge", "none") and kinds == {"tls"}:
        closed = pd.concat([common.select(req, status=502, term="SH"), common.select(req, status=502, term="PH")])
        closed = closed[(closed["Tr"] == -1).fillna(False)] if not closed.empty else closed
        return TlsCase(
            f"the route sends plain HTTP from the router ({route.termination}) to a port that looks TLS-only: the "
            "server closes the connection or answers with a TLS alert",
            Severity.WARNING, closed,
            [patch + '\'{"spec":{"tls":{"termination":"reencrypt"}}}\'   # or point the route at the HTTP port'],
            "502 SH/PH with Tr=-1: the server closed or sent non-HTTP bytes")
    return None


def _tls_finding_owns(ctx: Context, route: common.RouteRef) -> bool:
    return tls_case(ctx, route) is not None


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
        Classifies the route's target service port as TLS or plain HTTP from its names first (the
        container's ``targetPort`` name, then the service port name: ``https``/``tls``/``ssl`` vs
        ``http``/``http-*``/``h2c``) and its numbers second (443/8443/9443/6443 vs 80/8080/8000/3000/5000).
        ``reencrypt`` with neither a serving-cert annotation on the service nor a
        ``destinationCACertificate`` on the route: a plain-HTTP port is a mismatch (warning), any other
        port an untrusted-certificate risk (info). ``passthrough`` to a plain-HTTP port, and
        ``edge``/``none`` to a TLS-only port, are mismatches (warning). Access-log lines that show the
        failure raise it to critical: 503 ``SC``/``sC`` with a real server and ``Tc=-1`` (handshake
        failed) for reencrypt, 502 ``SH``/``PH`` with ``Tr=-1`` for edge/none.

    Why it matters:
        The router speaks TLS to a plain-HTTP server or presents it a certificate it cannot verify
        (handshake fails: 503), or speaks plain HTTP to a TLS port (the server closes or answers with a
        TLS alert: 502).

    Example:
        ``termination: reencrypt`` to service port ``http: 8080`` of a plain-HTTP application, and
        ``be_secure:billing:billing/pod:...:8080 0/3012/-1/-1/3016 503 2656 - - SCNN ... 3/2/1/0/3``.

    Remediation:
        Use ``edge`` for a plain-HTTP backend; for ``reencrypt`` serve TLS with a service-serving
        certificate (``service.beta.openshift.io/serving-cert-secret-name``) or give the route the
        backend's CA; point edge routes at the plain-HTTP port.

    Known problems:
        Port names are conventions, not guarantees; a port named ``web`` or numbered 9000 is not
        classified. Without access logs the finding is a warning at medium confidence. OpenShift's own
        reencrypt routes (console, monitoring) carry serving-cert annotations and stay silent.

    References:
        runbook-502.md "TLS misconfiguration"; router-facts.md §1.8 (``reencrypt2http``, ``edge2tls`` lines),
        §4.2, §5 (destinationCACertificate, verifyhost with the service CA), §6.
    """
    for route in common.routes(ctx):
        case = tls_case(ctx, route)
        if case is None:
            continue
        if case.confirm.empty and route.termination != "passthrough" and _served_fine(ctx, route):
            continue  # the router completed requests through this backend: the TLS set-up works
        sp = target_service_ports(ctx, route).iloc[0]
        facts = common.log_facts(ctx, case.confirm) if not case.confirm.empty else {}
        needle = f"name: {sp['port_name']}" if _text(sp["port_name"], "") else f"targetPort: {sp['target_port']}"
        evidence = [common.route_evidence(ctx, route, "termination:"), object_evidence(ctx.snap, sp, needle)]
        yield Finding(
            code="P302",
            cause="tls-termination-mismatch",
            severity=Severity.CRITICAL if facts else case.severity_static,
            namespace=route.namespace,
            route=route.name,
            service=str(sp["service"]),
            title=f"{route.termination} route to port {_text(sp['port_name'], str(sp['port']))} ({sp['target_port']}): "
            "TLS mismatch",
            explanation=case.problem[0].upper() + case.problem[1:]
            + "."
            + (f" The access log confirms it: {facts['affected_requests']} requests failed ({case.signature}) between "
               f"{common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}." if facts
               else (" The access log shows no such failure." if ctx.has_logs else "")),
            evidence=evidence + facts.get("evidence", []),
            remediation=case.fix,
            first_seen=facts.get("first_seen"),
            last_seen=facts.get("last_seen"),
            affected_requests=facts.get("affected_requests", 0),
            claims=facts.get("claims", NO_CLAIMS),
            confidence="high" if facts else ("medium" if case.severity_static is Severity.WARNING else "low"),
        )


RULES = [service_port_mismatch, tls_termination_mismatch]
