"""Service targetPort is not a port the application serves.

## What it does

Compares each route service port's `targetPort` with the route pods' containers: a *named*
targetPort that no container declares (Kubernetes then has no endpoint port), or a number that
no container declares while every container declares its ports (many declare none: then the
static check stays silent). Reads what the application's own log says at start-up
("listening on :8081", "bound to 127.0.0.1:8080") when container logs are in the input: only
the loopback address, or only other ports. With access logs, counts 503 `SC` answers naming
a real server with `Tc=-1` (every connection attempt refused, after retries) by pods that were
up, not restarting and not being deleted at the time, and, when the objects show the mismatch
too, the 503 `<NOSRV>` from a `Connection refused` health-check DOWN until a server is UP
again. When both kinds of evidence agree the finding says so (high confidence); log evidence
alone gives medium confidence. The fault is dated (`began_at`) from the service's last edit
(`managedFields`), or its creation when no edit is recorded (and the finding says which), when
it lies at most 10 minutes before the first error, and the requests
after the last one say whether it was over at collection. A targetPort corrected before collection
is found from the access log alone: the router's server names carry the endpoint's port, so
refused connections (503 `SC` with `Tc=-1`, and the `<NOSRV>` after a `Connection refused` DOWN
of those servers) on one port that is not the service's current target port and that no container
declares (every container declaring its ports), followed by answers from servers at the current
port, give a warning dated by those lines and marked ended (at least 3 failures, over before the log's end);
the service's last edit (`managedFields`) between the last failure (less the router's reload delay)
and the first answer is named as the fix. When those refused servers are named after another service
than the route's today (`pod:<pod>:<service>:...`), the route was pointed elsewhere: the errors are
that former service's, ended with the switch, and the finding says whether it still sends to that
port.

## Why it matters

The endpoints point at a port nothing listens on: the router's connections are refused, it
retries 3 times, and answers 503 after about 3 s. An application bound to 127.0.0.1 refuses
the router the same way, as the router connects to the pod IP.

## Example

Service `targetPort: 8081` while the container declares and listens on `8080`; log lines
`be_edge_http:discovery:search/pod:search-...:search:http:10.128.2.31:8081 0/3006/-1/-1/3006 503
2656 - - SCNN 4/3/1/0/3 0/0`.

## Remediation

Point the service's targetPort at the port the application listens on (the command names it
when the inputs do), or make the application listen on all interfaces on that port. A targetPort
corrected before collection needs no change: the diagnostics verify the service's port and
endpoints.

## Known problems

Containers are not required to declare their ports; without declarations, container logs and
access logs the rule cannot tell (the checklist says `unknown`). A corrected targetPort is only
found when the containers declare their ports: otherwise nothing says the old port was not served.
On a reencrypt route a failed TLS handshake logs the same 503 `SC`; P302 reports it when the port
looks like plain HTTP.

## References

runbook-502.md "Application not listening on the right port"; router-facts.md §4.2 (503 SC with a
real server, Tc=-1, retries), §5 (named targetPort), §6 ("Wrong port / app not listening / app on
localhost"); HAProxy configuration.txt §8.5 (`SC`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.lookup import column_values, is_text, iterrows_where, starts_with
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common, target_ports
from analyzer.rules.ports import shared
from analyzer.wording import plural

RULE = rule(
    code="P301",
    name="service-target-port-not-served",
    cause="service-port-mismatch",
    severity=Severity.CRITICAL,
    needs=(("services", LOGS),),
)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


STEADY = pd.Timedelta(seconds=60)  # a container this long up should accept connections


MIN_REFUSALS = 3  # log-only evidence needs a pattern, not one unlucky request


def is_loopback(host: str | None) -> bool:
    """An application bound here refuses the router, which connects to the pod IP."""
    return host in LOOPBACK


def _app_containers(ctx: Context, route: common.RouteRef) -> set[str]:
    if ctx.lookups is not None:
        init, name = column_values(ctx.lookups, "containers", "init", "name")
        found = ctx.lookups.index("containers", "pod").positions_any(
            (n,) for n in common.route_pod_names(ctx, route) if isinstance(n, str))
        return {name[p] for p in found if init[p] is not True and not pd.isna(name[p])}
    pods = common.route_pods(ctx, route)
    c = ctx.snap.frame("containers")
    return set(c[c["pod"].isin(pods["name"]) & ~c["init"].fillna(False).astype(bool)]["name"].dropna())


def undeclared_target_number(ctx: Context, route: common.RouteRef) -> list[pd.Series]:
    """Service ports whose numeric targetPort no container declares, while every app container declares ports.

    Declaring ports is optional in Kubernetes, so this only counts when every (non-init) container of the
    route's pods declares some: then an undeclared number is most likely a typo or an old port.
    """
    if ctx.lookups is not None:
        declared_rows = target_ports.declared_port_rows(ctx, route)
        if (common.route_pod_rows(ctx, route).empty or declared_rows.empty
                or _app_containers(ctx, route) - set(declared_rows.present("container"))):
            return []
        numbers = {str(int(p)) for p in declared_rows.present("port")}
        return [sp for _, sp in target_ports.target_port_rows(ctx, route).where(
            ("target_port_is_name", "target_port"), lambda sp: _numbered_and_undeclared(sp, numbers)).iterrows()]
    pods = common.route_pods(ctx, route)
    declared = target_ports.route_declared_ports(ctx, route)
    if pods.empty or declared.empty or _app_containers(ctx, route) - set(declared["container"].dropna()):
        return []
    numbers = {str(int(p)) for p in declared["port"].dropna()}
    return [
        sp for _, sp in iterrows_where(
            target_ports.target_service_ports(ctx, route), ("target_port_is_name", "target_port"),
            lambda sp: _numbered_and_undeclared(sp, numbers),
        )
    ]


def _numbered_and_undeclared(sp: dict, numbers: set[str]) -> bool:
    return not common.is_true(sp["target_port_is_name"]) and isinstance(sp["target_port"], str) \
        and sp["target_port"] not in numbers


@dataclass
class ListenClaims:
    """What the application's own start-up lines say about the target port."""

    on_target: list[pd.Series] = field(default_factory=list)  # announces the target port on a routable address
    loopback: list[pd.Series] = field(default_factory=list)  # announces it on 127.0.0.1 / localhost only
    elsewhere: list[pd.Series] = field(default_factory=list)  # announces only other ports


def listen_claims(ctx: Context, route: common.RouteRef, number: int | None) -> ListenClaims:
    """Sort the route pods' listen announcements against the port the service sends to.

    An application often announces several listeners (metrics, admin); only when none of them is the
    target port does "listens elsewhere" hold.
    """
    claims = ListenClaims()
    if ctx.lookups is not None:
        found = ctx.lookups.index("container_log_lines", "pod").positions_any(
            (n,) for n in common.route_pod_names(ctx, route) if isinstance(n, str))
        if not found or number is None:
            return claims
        mine = ctx.lookups.take("container_log_lines", found)
    else:
        pods = common.route_pods(ctx, route)
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


def _target_number(ctx: Context, route: common.RouteRef, sp: pd.Series) -> int | None:
    """The port number ``sp``'s targetPort means: its digits, or the port of the first declared port of that name."""
    target = sp["target_port"]
    if not isinstance(target, str):
        return None
    if target.isdigit():
        return int(target)
    if ctx.lookups is not None:
        declared_rows = target_ports.declared_port_rows(ctx, route)
        ports = [port for name, port in zip(declared_rows.values("name"), declared_rows.values("port"), strict=True)
                 if is_text(name, target)]
        return int(ports[0]) if ports and pd.notna(ports[0]) else None
    declared = target_ports.route_declared_ports(ctx, route)
    named = declared[declared["name"] == target]
    return int(named.iloc[0]["port"]) if not named.empty and pd.notna(named.iloc[0]["port"]) else None


def steady_refusals(ctx: Context, route: common.RouteRef, refused: pd.DataFrame) -> pd.DataFrame:
    """Refusals by pods that exist, are not being deleted, and were up and not restarting at the time
    (a termination near it, or ``BackOff`` events spanning it: :func:`common.restarting_at`).

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
            (pd.notna(c["last_finished"]) and abs(ts - c["last_finished"]) <= windows.NEAR_EVENT)
            or (pd.notna(c["state_since"]) and str(c["state"]) == "running" and ts < c["state_since"] + STEADY)
            for _, c in mine.iterrows()
        ) if pd.notna(ts) else False
        restarting = restarting or (pd.notna(ts) and common.restarting_at(
            ctx.facts, route.namespace, pod_name, ts.to_pydatetime(), windows.NEAR_EVENT))
        keep.append(not restarting)
    return refused[keep]


def refusal_share(ctx: Context, route: common.RouteRef, refused: pd.DataFrame) -> float:
    """Refused requests as a share of the route's logged requests (client aborts aside; a counted normal line
    is no client abort: its termination state is ``--``)."""
    req = common.route_requests(ctx, route)
    client = starts_with(req["term"], ("C", "c"))
    counted = int((~client).sum()) + ctx.normal_lines.count(route.namespace, route.name)
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


@RULE.check
def service_port_mismatch(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        finding = _port_finding(ctx, route)
        if finding is not None:
            yield finding


def static_port_case(ctx: Context, route: common.RouteRef) -> PortCase | None:
    """What the objects and the application's log say is wrong with the port, if anything."""
    for sp in target_ports.named_target_port_missing(ctx, route):
        declared = target_ports.route_declared_ports(ctx, route)
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
    if ctx.lookups is not None:
        sp = target_ports.target_port_rows(ctx, route).first()
        if sp is None:
            return None
    else:
        wanted = target_ports.target_service_ports(ctx, route)
        if wanted.empty:
            return None
        sp = wanted.iloc[0]
    number = _target_number(ctx, route, sp)
    claims = listen_claims(ctx, route, number)
    def cite_target() -> Evidence:  # only for a case found: finding the line in the kept text costs
        return object_evidence(ctx.snap, sp, f"targetPort: {sp['target_port']}")

    if claims.loopback:
        row = claims.loopback[0]
        return PortCase(
            detail=(f"the application in pod {row['pod']} says it listens only on {row['host']}:{row['port']}, so "
                    "connections from the router (to the pod IP) are refused"),
            evidence=[cite_target(), _log_line(row)], certain=True, service_port=sp, loopback=True,
            right_port=number,
        )
    undeclared = undeclared_target_number(ctx, route)
    if undeclared:
        sp = undeclared[0]
        declared = target_ports.route_declared_ports(ctx, route)
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
            evidence=[cite_target(), _log_line(row)], right_port=ports[0] if len(ports) == 1 else None,
            service_port=sp,
        )
    return None


def _log_line(row: pd.Series) -> Evidence:
    return Evidence(source=str(row["source"]), line=int(row["line"]), text=str(row["text"]),
                    input=None if pd.isna(row["input"]) else str(row["input"]))


def _port_finding(ctx: Context, route: common.RouteRef) -> Finding | None:
    case = static_port_case(ctx, route)
    refused = steady_refusals(ctx, route, shared.refused_requests(ctx, route))
    if case is None and (route.termination == "reencrypt" and shared.tls_case(ctx, route) is not None):
        refused = refused.iloc[0:0]  # a failed handshake looks the same; P302 reports it
    if case is None and not refused.empty:
        ended = _past_port_finding(ctx, route, refused)
        if ended is not None:
            return ended
    if case is None and len(refused) < MIN_REFUSALS:
        return None
    if case is not None and not case.certain and refused.empty and shared.served_fine(ctx, route):
        return None  # the objects look wrong, but the router reached the application: nothing to report
    if case is not None and case.no_endpoints and refused.empty:
        refused = common.route_select(ctx, route, status=503, term="SC", server_kind="nosrv")
    after_down = 0
    if case is not None and not case.no_endpoints and not refused.empty:
        down = common.down_nosrv(ctx, route, "Layer4 connection problem", "Connection refused")
        down = down.drop(refused.index, errors="ignore")
        after_down = len(down)
        refused = pd.concat([refused, down]).sort_index().sort_values("ts", kind="stable") if after_down else refused
    facts = common.log_facts(ctx, refused) if not refused.empty else {}
    service = case.service_port["service"] if case and case.service_port is not None else None
    changed, source = (common.dated_change(ctx, "service", route.namespace, str(service), f"service {service}")
                       if service is not None else (None, ""))
    when, said = common.timing(ctx, route, facts, changed, source=source or None)
    if case is not None:
        severity = Severity.CRITICAL if case.certain or facts else Severity.WARNING
        confidence = "high" if case.certain or facts else "medium"
    else:
        severity = Severity.CRITICAL if refusal_share(ctx, route, refused) >= 0.5 else Severity.WARNING
        confidence = "medium"
    return RULE.finding(
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=str(case.service_port["service"]) if case and case.service_port is not None else (
            common.first_service(route)),
        title=f"route {route.name}: the service's targetPort is not served by the pods"
        + (f" ({plural(facts['affected_requests'], 'request')} " + ("without a server)" if case and case.no_endpoints
                                                          else "refused)") if facts else ""),
        explanation=_port_explanation(ctx, route, case, facts, after_down) + said,
        evidence=(case.evidence if case else []) + facts.get("evidence", []),
        remediation=_port_fix(ctx, route, case),
        diagnostics=_port_checks(ctx, route),
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence=confidence,
        **when,
    )


def _served_numbers(ctx: Context, route: common.RouteRef) -> set[int]:
    """The port numbers the route's containers declare, when every app container declares some (else none:
    a container without declarations may serve any port)."""
    declared = target_ports.route_declared_ports(ctx, route)
    if declared.empty or _app_containers(ctx, route) - set(declared["container"].dropna()):
        return set()
    return {int(p) for p in declared["port"].dropna()}


def _past_port_finding(ctx: Context, route: common.RouteRef, refused: pd.DataFrame) -> Finding | None:
    """The outage of a targetPort corrected before collection: the service's port now is served, but the
    log's refused servers named another port, and the route's requests succeeded at the current one after.

    Reported as over (a warning, nothing to change); ``None`` when the log does not show all of it, or
    the errors were not over at the end of the log (then the other cases of the rule judge them).
    """
    wanted = target_ports.target_service_ports(ctx, route)
    if wanted.empty:
        return None
    sp = wanted.iloc[0]
    service = str(sp["service"])
    served = _served_numbers(ctx, route)
    past = shared.past_port(ctx, route, service, _target_number(ctx, route, sp), served, refused)
    if past is None:
        return None
    rows = (pd.concat([past.refused, past.after_down]).sort_index().sort_values("ts", kind="stable")
            if not past.after_down.empty else past.refused)
    if len(rows) < MIN_REFUSALS:
        return None
    facts = common.log_facts(ctx, rows)
    when, said = common.timing(ctx, route, facts)
    if when["status_at_collection"] is not IncidentStatus.ENDED:
        return None
    last_named = past.refused["ts"].max().to_pydatetime()
    # the refused servers' names say which service the route sent to: another than today's is a route switched
    former = shared.former_service(past.refused, service)
    if former is not None:
        return _switched_service_finding(ctx, route, past, former, service, facts, when, said)
    text = (
        f"Service {service}'s targetPort was {past.port} while the access log ran: the router's servers named "
        f"{', '.join(shared.addresses(past.refused))} until {common.hhmm(last_named)}, and every connection "
        f"to them was refused: {plural(len(past.refused), 'request')} got 503 SC with Tc=-1"
        + (f" and {len(past.after_down)} got 503 <NOSRV> once the health checks had marked every server DOWN "
           "(Connection refused)" if not past.after_down.empty else "")
        + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}, from pods "
        f"that were up. No container of the route's pods declares {past.port}; they declare "
        f"{sorted(served)}, and the service sends to {past.current} now. "
    )
    if past.fix is not None and past.fix.last_edited is not None:
        text += (f"The errors stopped when the service was edited at {common.hhmm(past.fix.last_edited)} "
                 f"(managedFields): a server at port {past.current} answered from {common.hhmm(past.first_answer)}.")
    else:
        text += (f"A server at port {past.current} answered from {common.hhmm(past.first_answer)}; the archive "
                 "does not date the service's change (no edit recorded between the errors and that answer).")
    text += said + " The outage was over before collection: nothing to change; the diagnostics verify the port."
    evidence = list(facts["evidence"])
    if past.downs:
        evidence.append(common.fact_evidence(ctx, past.downs[0].where, "is DOWN", past.downs[0].text))
    if past.fix is not None and past.fix.last_edited is not None:
        stamp = past.fix.last_edited.strftime("%Y-%m-%dT%H:%M:%SZ")
        evidence.append(common.fact_evidence(ctx, past.fix.where, stamp, f"time: {stamp}"))
    evidence.append(object_evidence(ctx.snap, sp, f"targetPort: {sp['target_port']}"))
    declared = target_ports.route_declared_ports(ctx, route)
    evidence.append(object_evidence(ctx.snap, declared.iloc[0], "containerPort:"))
    ns = route.namespace
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=ns,
        route=route.name,
        names=common.command_names(ctx, route),
        service=service,
        title=(f"route {route.name}: the service's targetPort was {past.port}, a port the pods do not serve, "
               f"until {common.hhmm(facts['last_seen'])} ({plural(facts['affected_requests'], 'request')} failed; "
               "ended before collection)"),
        explanation=text,
        evidence=evidence,
        remediation=[],  # the service was corrected: nothing to change
        diagnostics=[
            f"oc -n {ns} get service {service} -o jsonpath='{{.spec.ports[*].targetPort}}'   # {past.current} now",
            f"oc -n {ns} get endpoints {service}   # the pods at port {past.current}",
            f"oc -n {ns} get service {service} -o yaml --show-managed-fields   # who changed it, and when",
            *_port_checks(ctx, route),
        ],
        first_seen=facts["first_seen"],
        last_seen=facts["last_seen"],
        affected_requests=facts["affected_requests"],
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium",
        **when,
    )


def _switched_service_finding(ctx: Context, route: common.RouteRef, past: shared.PastPort, former: str,
                              current: str, facts: dict, when: dict, said: str) -> Finding:
    """:func:`_past_port_finding` when the refused servers belong to another service than the route's today: the
    route sent to ``former``, whose targetPort its pods do not serve, and was pointed at ``current`` since. The
    errors are ``former``'s, and ended with the switch; ``former`` still sends to that port when the archive
    holds it so (a route pointed back at it would fail again)."""
    ns = route.namespace
    edited, edited_by = common.dated_change(ctx, "route", ns, route.name, f"route {route.name}")
    still = _service_target(ctx, ns, former, past.port)
    text = (
        f"Route {route.name} sent to service {former} while the access log ran (the router's servers "
        f"{', '.join(shared.addresses(past.refused))} are named after it), whose targetPort {past.port} no container "
        f"of the route's pods declares (they declare {sorted(_served_numbers(ctx, route))}): every connection "
        f"to them was refused, {plural(len(past.refused), 'request')} got "
        f"503 SC with Tc=-1"
        + (f" and {len(past.after_down)} got 503 <NOSRV> once the health checks had marked every server DOWN"
           if not past.after_down.empty else "")
        + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}. "
        f"The route points to service {current} now, whose servers at port {past.current} answered from "
        f"{common.hhmm(past.first_answer)}"
        + (f" (the route's last edit, managedFields: {common.hhmm(edited)})"
           if edited is not None and "managedFields" in edited_by else "")
        + "."
        + (f" Service {former} still sends to targetPort {past.port}: a route pointed back at it would fail again."
           if still is not None else "")
        + said
        + " The outage was over before collection: nothing to change on the route."
    )
    evidence = list(facts["evidence"])
    if past.downs:
        evidence.append(common.fact_evidence(ctx, past.downs[0].where, "is DOWN", past.downs[0].text))
    evidence.append(object_evidence(ctx.snap, still, f"targetPort: {past.port}") if still is not None
                    else common.route_evidence(ctx, route, "name:"))
    evidence.append(common.route_evidence(ctx, route, "to:"))
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=ns,
        route=route.name,
        names=common.command_names(ctx, route, former),
        service=former,
        title=(f"route {route.name}: service {former} sent to targetPort {past.port}, a port the pods do not serve, "
               f"until the route was pointed at {current} ({plural(facts['affected_requests'], 'request')} failed; "
               "ended before collection)"),
        explanation=text,
        evidence=evidence,
        remediation=[],  # the route no longer sends to it
        diagnostics=[
            f"oc -n {ns} get route {route.name} -o jsonpath='{{.spec.to.name}}'   # {current} now",
            f"oc -n {ns} get service {former} -o jsonpath='{{.spec.ports[*].targetPort}}'   # {past.port}: not served",
            f"oc -n {ns} get route {route.name} -o yaml --show-managed-fields   # who changed it, and when",
        ],
        first_seen=facts["first_seen"],
        last_seen=facts["last_seen"],
        affected_requests=facts["affected_requests"],
        claims=facts.get("claims", NO_CLAIMS),
        confidence="medium",
        **when,
    )


def _service_target(ctx: Context, namespace: str, service: str, port: int) -> pd.Series | None:
    """The port row of ``service`` whose targetPort is ``port`` (a number), when the archive holds one."""
    ports = ctx.snap.frame("service_ports")
    if ports.empty:
        return None
    mine = ports[(ports["namespace"] == namespace).fillna(False).astype(bool)
                 & (ports["service"] == service).fillna(False).astype(bool)
                 & (ports["target_port"].astype("string") == str(port)).fillna(False).astype(bool)]
    return mine.iloc[0] if not mine.empty else None


def _port_explanation(ctx: Context, route: common.RouteRef, case: PortCase | None, facts: dict,
                      after_down: int = 0) -> str:
    text = (case.detail[0].upper() + case.detail[1:] + ". ") if case else ""
    if facts and case is not None and case.no_endpoints:
        text += (
            f"The access log shows {plural(facts['affected_requests'], 'request')} answered by the router's "
            f"503 <NOSRV> between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    elif facts:
        text += (
            f"The router's connections to the pods were refused on every attempt: "
            f"{plural(facts['affected_requests'] - after_down, 'request')} got 503 SC with Tc=-1"
            + (f" and {after_down} got 503 <NOSRV> once the health checks had marked every server DOWN "
               "(Connection refused)" if after_down else "")
            + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}, from pods "
            "that were up at the time."
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
    declared = target_ports.route_declared_ports(ctx, route)
    wanted = target_ports.target_service_ports(ctx, route)
    numbers = {_target_number(ctx, route, sp) for _, sp in wanted.iterrows()} - {None}
    if declared.empty:
        return "no container declares its ports"
    if numbers & {int(p) for p in declared["port"].dropna()}:
        return f"the containers declare the target port {sorted(numbers)[0]}"
    return "not every container declares its ports"


def _port_checks(ctx: Context, route: common.RouteRef) -> list[str]:
    """What the application really listens on, asked inside its pod."""
    target = _exec_target(ctx, route)
    ns = route.namespace
    if target is None:
        return []
    return [f"oc -n {ns} exec {target} -- sh -c 'ss -ltn || netstat -ltn'   # what does it listen on?"]


def _exec_target(ctx: Context, route: common.RouteRef) -> str | None:
    pods = common.route_pods(ctx, route)
    workload = common.workload_of(ctx, pods)
    return f"{workload[0]}/{workload[1]}" if workload else (f"pod/{pods.iloc[0]['name']}" if not pods.empty else None)


def _port_fix(ctx: Context, route: common.RouteRef, case: PortCase | None) -> list[str]:
    ns = route.namespace
    target = _exec_target(ctx, route)
    fix = []
    if case is not None and case.loopback:
        fix.append(f"# make the application bind 0.0.0.0:{case.right_port or '<port>'} (its listen-address "
                   f"setting), then: oc -n {ns} rollout restart {target or 'deployment/<name>'}")
        return fix
    sp = case.service_port if case is not None else None
    service = str(sp["service"]) if sp is not None else (route.services[0] if route.services else "SERVICE")
    index = _port_index(ctx, sp) if sp is not None else 0
    value = case.right_port if case is not None else None
    unnamed = "SERVICE: the route's service" if service == "SERVICE" else ""
    if value is None:  # no port the pods serve is known: the engineer sets it, in the editor
        fix.append(f"oc -n {ns} edit service {service}  # set spec.ports[{index}].targetPort to the port the "
                   f"application listens on" + (f"; {unnamed}" if unnamed else ""))
        return fix
    rendered = str(value) if isinstance(value, int) or str(value).isdigit() else f'"{value}"'
    fix.append(f"oc -n {ns} patch service {service} --type=json "
               f"-p '[{{\"op\":\"replace\",\"path\":\"/spec/ports/{index}/targetPort\",\"value\":{rendered}}}]'"
               + (f"  # {unnamed}" if unnamed else ""))
    return fix


def _port_index(ctx: Context, sp: pd.Series) -> int:
    ports = ctx.snap.frame("service_ports")
    mine = ports[ports["service"] == sp["service"]].reset_index(drop=True)
    for i, row in mine.iterrows():
        if str(row["port_name"]) == str(sp["port_name"]) and str(row["port"]) == str(sp["port"]):
            return int(i)
    return 0
