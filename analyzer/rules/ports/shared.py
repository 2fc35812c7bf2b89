"""What the port and TLS rules share: how a port looks (TLS or plain HTTP), refused connections in the
access log, and the TLS mismatch a route's objects show (the port rule leaves a failed handshake to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analyzer.context import Context
from analyzer.model import Severity
from analyzer.rules import common, target_ports

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
    """The log shows the pods answering through the router (any response with a connection made)."""
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
            Severity.WARNING, closed,
            [patch + '\'{"spec":{"tls":{"termination":"reencrypt"}}}\'   # or point the route at the HTTP port'],
            "502 SH/PH with Tr=-1: the server closed or sent non-HTTP bytes")
    return None
