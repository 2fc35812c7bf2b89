"""What the port and TLS rules share: how a port looks (TLS or plain HTTP), refused connections in the
access log, the TLS mismatch a route's objects show (the port rule leaves a failed handshake to it), and a
target port the log shows was wrong before the service was corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.facts.objects import ObjectTimes
from analyzer.facts.router import ServerStateChange
from analyzer.model import Severity
from analyzer.rules import common, target_ports
from parsers.normal_lines import first_accepted_after
from parsers.router_names import split_server

PLAIN_HTTP_PORTS = frozenset({80, 8080, 8000, 3000, 5000})


TLS_PORTS = frozenset({443, 8443, 9443, 6443})


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


def refused_requests(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """503 SC on a real server with Tc=-1: every connection attempt to the pod failed."""
    req = common.route_select(ctx, route, status=503, term="SC", server_kind="pod")
    return req[(req["Tc"] == -1).fillna(False).astype(bool)] if not req.empty else req


def served_fine(ctx: Context, route: common.RouteRef) -> bool:
    """The log shows the pods answering through the router (any response with a connection made).

    A counted normal line of a pod's server with a status is such an answer (connection made, status below
    500); a passthrough route's TCP line has no status and is no response, as its row is not.
    """
    if ctx.normal_lines.count(route.namespace, route.name, answered=True, server_kind="pod"):
        return True
    req = common.route_requests(ctx, route)
    if req.empty:
        return False
    ok = (req["server_kind"].astype("string") == "pod").fillna(False) & (req["Tc"] >= 0).fillna(False)
    return bool((ok & (req["status"] < 500).fillna(False)).any())


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


HANDSHAKE = ("503 SC/sC on a real server with Tc=-1: the TLS handshake to the pod failed on every retry; or 503 "
             "<NOSRV> while the health checks had marked the servers DOWN for that handshake")


def tls_case(ctx: Context, route: common.RouteRef) -> TlsCase | None:
    """The TLS mismatch the objects show for a route, with the log lines that would confirm it."""
    if ctx.lookups is not None:
        rows = target_ports.target_port_rows(ctx, route)
        if rows.empty:
            return None
        columns = [rows.values(c) for c in ("port_name", "target_port", "port")]
        sp = rows.first()
    else:
        ports = target_ports.target_service_ports(ctx, route)
        if ports.empty:
            return None
        columns = [ports[c].tolist() for c in ("port_name", "target_port", "port")]
        sp = ports.iloc[0]
    kinds = {  # the rows' values, as iterrows gives them
        port_protocol(name, target, port) for name, target, port in zip(*columns, strict=True)
    }
    ns, name, svc = route.namespace, route.name, str(sp["service"])
    req = common.route_requests(ctx, route)
    patch = f"oc -n {ns} patch route {name} --type=merge -p "
    if route.termination == "reencrypt":
        if has_serving_cert(ctx, ns, svc) or common.is_true(route.row["has_destination_ca"]):
            return None
        failed = pd.concat([refused_requests(ctx, route),
                            common.route_select(ctx, route, status=503, term="sC", server_kind="pod"),
                            common.tls_down_nosrv(ctx, route)])
        cert_fix = (f"oc -n {ns} annotate service {svc} service.beta.openshift.io/serving-cert-secret-name={svc}-tls"
                    "   # then serve TLS with the tls.crt/tls.key of that secret")
        if kinds == {"plain"}:
            return TlsCase(
                "the route re-encrypts to the backend, but the target port looks like plain HTTP and nothing "
                "provides a serving certificate: the router's TLS handshake to the pod fails",
                Severity.WARNING, failed,
                [patch + '\'{"spec":{"tls":{"termination":"edge"}}}\'   # the backend is plain HTTP', cert_fix],
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
        closed = pd.concat([common.route_select(ctx, route, status=502, term="SH"),
                            common.route_select(ctx, route, status=502, term="PH")])
        closed = closed[(closed["Tr"] == -1).fillna(False)] if not closed.empty else closed
        return TlsCase(
            f"the route sends plain HTTP from the router ({route.termination}) to a port that looks TLS-only: the "
            "server closes the connection or answers with a TLS alert",
            Severity.WARNING, closed, edge_to_tls_fix(ctx, route, svc),
            "502 SH/PH with Tr=-1: the server closed or sent non-HTTP bytes")
    return None


def plain_port_target(ctx: Context, namespace: str, service: str) -> str | None:
    """What a route's ``targetPort`` should say to reach the service's plain-HTTP port, if it has one:
    the service port's name (the endpoints carry it), else the container port number."""
    sp = ctx.snap.frame("service_ports")
    mine = sp[(sp["namespace"] == namespace) & (sp["service"] == service)] if not sp.empty else sp
    for _, row in mine.iterrows():
        if port_protocol(row["port_name"], row["target_port"], row["port"]) != "plain":
            continue
        if isinstance(row["port_name"], str) and row["port_name"]:
            return str(row["port_name"])
        if str(row["target_port"]).isdigit():
            return str(row["target_port"])
    return None


def edge_to_tls_fix(ctx: Context, route: common.RouteRef, svc: str) -> list[str]:
    """Changes that make an edge (or plain) route to a TLS-only port work, the one that works as is first.

    The service's plain-HTTP port, when it has one, needs nothing else. ``reencrypt`` alone only works
    when the router can verify the pod's certificate: the route's ``destinationCACertificate``, or the
    service CA for a service with a serving-cert annotation (router-facts §5: otherwise the router
    verifies with the service CA and a certificate it did not sign fails, 503 ``SC``). Without either,
    reencrypt goes together with the CA that signed the pod's certificate; a service-serving
    certificate mounted in the pod, or passthrough (the client then sees the pod's certificate), are
    the alternatives.
    """
    ns, name = route.namespace, route.name
    patch = f"oc -n {ns} patch route {name} --type=merge -p "
    plain = plain_port_target(ctx, ns, svc)
    fix = []
    if plain is not None:
        value = plain if plain.isdigit() else f'"{plain}"'
        fix.append(patch + f"'{{\"spec\":{{\"port\":{{\"targetPort\":{value}}}}}}}'   # the service's "
                   "plain-HTTP port: edge works as it is")
    if has_serving_cert(ctx, ns, svc) or common.is_true(route.row["has_destination_ca"]):
        fix.append(patch + '\'{"spec":{"tls":{"termination":"reencrypt"}}}\'   # the router verifies the pod with '
                   + ("the route's destinationCACertificate" if common.is_true(route.row["has_destination_ca"])
                      else "the service CA (the service has a serving-cert annotation)"))
        return fix
    fix += [
        patch + '"{\\"spec\\":{\\"tls\\":{\\"termination\\":\\"reencrypt\\",\\"destinationCACertificate\\":'
        '$(jq -Rs . < pod-ca.crt)}}}"   # pod-ca.crt: the CA that signed the pod\'s certificate; reencrypt '
        "alone fails: the router would verify it with the service CA",
        f"oc -n {ns} annotate service {svc} service.beta.openshift.io/serving-cert-secret-name={svc}-tls   # or: "
        f"serve TLS from the secret {svc}-tls (mount it in the pod), then patch the route to reencrypt",
        f"oc -n {ns} patch route {name} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/tls\",\"value\":"
        '{"termination":"passthrough","insecureEdgeTerminationPolicy":"Redirect"}}]\'   '
        "# or: the pod terminates TLS itself; clients then see the certificate of the pod (it must name the host)",
    ]
    return fix


# ------------------------------------------------------------------ a target port corrected before collection
# The archive holds only the corrected service, so the old port is known from the access log alone: the
# router names each server ``pod:<pod>:<svc>:<portName>:<ip>:<port>`` with the endpoint's (target) port
# (router-facts.md, server naming). Connections refused on a port that is not the service's current target
# port, that no container declares, followed by answers from servers at the current port, are the old
# targetPort's doing; the service's last edit (``managedFields``) between the failures and those answers
# dates the fix. Nothing is guessed without such log lines.

REFUSED_DOWN = ("Layer4 connection problem", "Connection refused")  # a health check's DOWN for a closed port


@dataclass
class PastPort:
    """What the log and the objects say about a target port the service no longer has."""

    port: int  # the port the router's servers named while their connections were refused
    current: int  # the service's target port now (resolved to its number)
    refused: pd.DataFrame  # 503 SC with Tc=-1 on servers at ``port``
    after_down: pd.DataFrame  # 503 <NOSRV> while the health checks had those servers DOWN (Connection refused)
    downs: list[ServerStateChange]
    first_answer: datetime  # the first answer from a server at ``current`` after the last failure
    fix: ObjectTimes | None  # the service's last edit, when it lies between the failures and that answer


def server_port(server: object) -> int | None:
    """The (target) port a server name ends with; None for ``<NOSRV>`` and names without one."""
    return split_server(server).get("port") if isinstance(server, str) else None


def addresses(rows: pd.DataFrame) -> list[str]:
    """The distinct ``<ip>:<port>`` the rows' server names end with, sorted."""
    found = set()
    for name in rows["server"].astype("object").dropna().unique():
        parts = split_server(name)
        if parts["ip"] and parts["port"] is not None:
            found.add(f"{parts['ip']}:{parts['port']}")
    return sorted(found)


def _ports(rows: pd.DataFrame) -> pd.Series:
    """Each row's server port, split once per distinct server name."""
    if rows.empty:
        return pd.Series([], index=rows.index, dtype="object")
    names = rows["server"].astype("object")
    return names.map({name: server_port(name) for name in names.dropna().unique()})


def former_service(refused: pd.DataFrame, current: str) -> str | None:
    """The one service the refused lines' servers are named after (``pod:<pod>:<service>:...``), when it is not
    ``current``: the route sent to another service then. None when they name ``current``, several or none."""
    if "service" not in refused.columns:
        return None
    named = {str(v) for v in refused["service"].dropna().tolist()}
    return named.pop() if len(named) == 1 and current not in named else None


def past_port(ctx: Context, route: common.RouteRef, service: str, current: int | None, served: set[int],
              refused: pd.DataFrame) -> PastPort | None:
    """The old target port of ``service``, when the route's log shows one and the pods serve the current one.

    ``served`` are the port numbers the route's containers declare, every (non-init) container
    declaring some (empty when one declares none: then nothing says the old port was not served).
    ``refused`` are the route's 503 SC with Tc=-1 from pods that were up. Only when every refused
    connection named one port, not ``current`` and not declared, while ``current`` is declared, and a
    server at ``current`` answered after the last failure.
    """
    if refused.empty or current is None or current not in served:
        return None
    ports = set(_ports(refused).dropna())
    if len(ports) != 1:
        return None
    (port,) = ports
    if port == current or port in served:
        return None
    downs = [c for c in ctx.facts.server_changes(route.namespace, route.name, state="DOWN")
             if (c.reason or "").startswith(REFUSED_DOWN[0]) and REFUSED_DOWN[1] in (c.info or "")]
    after_down = common.no_rows(ctx, refused)
    if downs and all(server_port(c.server) == port for c in downs):
        after_down = common.down_nosrv(ctx, route, *REFUSED_DOWN).drop(refused.index, errors="ignore")
    else:
        downs = []
    last = max(refused["ts"].max(), after_down["ts"].max() if not after_down.empty else refused["ts"].max())
    first_answer = _first_answer_at(ctx, route, current, last)
    if first_answer is None:
        return None
    return PastPort(port=int(port), current=current, refused=refused, after_down=after_down, downs=downs,
                    first_answer=first_answer, fix=_fix(ctx, route.namespace, service, last, first_answer))


def _first_answer_at(ctx: Context, route: common.RouteRef, port: int, after: pd.Timestamp) -> datetime | None:
    """The first request after ``after`` that a server at ``port`` answered (connection made, status below 500):
    the earlier of the route's rows and its counted normal lines with a status (each an answer with a
    connection; a TCP line, without a status, is none, as its row is not)."""
    if pd.isna(after):
        return None
    found = [t for t in (_first_row_answer(ctx, route, port, after), _first_normal_answer(ctx, route, port, after))
             if t is not None]
    return min(found).to_pydatetime() if found else None


def _first_row_answer(ctx: Context, route: common.RouteRef, port: int, after: pd.Timestamp) -> pd.Timestamp | None:
    req = common.route_requests(ctx, route)
    if req.empty:
        return None
    later = req[(req["ts"] > after).fillna(False).astype(bool) & (req["Tc"] >= 0).fillna(False).astype(bool)
                & (req["status"] < 500).fillna(False).astype(bool)]
    if later.empty:
        return None
    at_port = later[(_ports(later) == port).to_numpy(dtype=bool)]
    return None if at_port.empty else at_port["ts"].min()


def _first_normal_answer(ctx: Context, route: common.RouteRef, port: int, after: pd.Timestamp) -> pd.Timestamp | None:
    """The first counted normal line with a status after ``after`` of a server at ``port`` (the key names the
    server)."""
    keys = ctx.normal_lines.route_keys(route.namespace, route.name)
    if keys.empty:
        return None
    servers = keys["server"].astype("object").dropna().unique()
    found = [first_accepted_after(ctx.normal_lines, route.namespace, route.name, after, answered=True,
                                   server=name)
             for name in servers if server_port(name) == port]
    found = [t for t in found if t is not None]
    return min(found) if found else None


def _fix(ctx: Context, namespace: str, service: str, last_failure: pd.Timestamp,
         first_answer: datetime) -> ObjectTimes | None:
    """The service's last edit when it lies between the last failure (less the router's reload and
    rounding, :data:`windows.NEAR_EVENT`) and the first answer at the current port: the edit that ended it."""
    times = ctx.facts.object_times("service", namespace, service)
    if times is None or times.last_edited is None:
        return None
    edited = pd.Timestamp(times.last_edited)
    return times if last_failure - windows.NEAR_EVENT <= edited <= pd.Timestamp(first_answer) else None
