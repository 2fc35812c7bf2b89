"""How traffic reaches a pod: Routes, Services and their ports, Endpoints, EndpointSlices, NetworkPolicies -> rows.

Exact Kubernetes semantics: one route row per backend (``to`` plus each alternateBackend, with
its weight), ``targetPort`` defaults to ``port``, an EndpointSlice ``ready: null`` counts as ready.
"""

from __future__ import annotations

import re

from parsers.kube_objects import Row, StoredObject, _b, _condition, _d, _i, _j, _l, _last_edited, _meta, _prov, _s, _ts

ADMITTED = "Admitted"


def _route_rows(o: StoredObject) -> list[Row]:
    m, spec = _meta(o), _d(o.obj.get("spec"))
    ann = _d(m.get("annotations"))
    tls = _d(spec.get("tls"))
    port = _d(spec.get("port")).get("targetPort")
    admitted: bool | None = None
    routers, reason = [], None
    for ing in _l(_d(o.obj.get("status")).get("ingress")):
        cond = _condition(_d(ing).get("conditions"), ADMITTED)
        if not cond:
            continue
        status = str(cond.get("status"))
        if status == "True":
            admitted = True
            routers.append(str(_d(ing).get("routerName") or ""))
        elif admitted is None:
            admitted = False
            if reason is None:
                reason = " ".join(str(x) for x in (cond.get("reason"), cond.get("message")) if x)
    if admitted is None and _l(_d(o.obj.get("status")).get("ingress")):
        admitted = False
    base = {
        "namespace": m.get("namespace"),
        "name": m.get("name"),
        "host": _s(spec.get("host")),
        "path": _s(spec.get("path")),
        "termination": str(tls.get("termination") or "none").lower() if tls else "none",
        "insecure_policy": _s(tls.get("insecureEdgeTerminationPolicy")),
        "target_port": None if port is None else str(port),
        "wildcard_policy": _s(spec.get("wildcardPolicy")),
        "has_destination_ca": bool(tls.get("destinationCACertificate")),
        "timeout": _s(ann.get("haproxy.router.openshift.io/timeout")),
        "timeout_tunnel": _s(ann.get("haproxy.router.openshift.io/timeout-tunnel")),
        "pod_concurrent_connections": _i(ann.get("haproxy.router.openshift.io/pod-concurrent-connections")),
        "annotations": _j(ann),
        "admitted": admitted,
        "admitted_routers": ",".join(r for r in routers if r) or None,
        "not_admitted_reason": reason,
        "uid": _s(m.get("uid")),
        "resource_version": _s(m.get("resourceVersion")),
        "created": _ts(m.get("creationTimestamp")),
        "last_edited": _last_edited(m),
        **_prov(o),
    }
    backends = [_d(spec.get("to"))] + [_d(b) for b in _l(spec.get("alternateBackends"))]
    rows = []
    for index, backend in enumerate(backends):
        weight = _i(backend.get("weight"))
        rows.append(
            {
                **base,
                "service": _s(backend.get("name")),
                "service_kind": _s(backend.get("kind")) or "Service",
                "weight": 100 if weight is None else weight,
                "backend_index": index,
            }
        )
    return rows


SERVING_CERT = (
    "service.beta.openshift.io/serving-cert-secret-name",
    "service.alpha.openshift.io/serving-cert-secret-name",
)


def _service_rows(o: StoredObject) -> tuple[list[Row], list[Row]]:
    m, spec = _meta(o), _d(o.obj.get("spec"))
    ann = _d(m.get("annotations"))
    selector = _d(spec.get("selector"))
    svc = {
        "namespace": m.get("namespace"),
        "name": m.get("name"),
        "type": _s(spec.get("type")) or "ClusterIP",
        "cluster_ip": _s(spec.get("clusterIP")),
        "selector": _j(selector),
        "has_selector": bool(selector),
        "serving_cert_secret": next((str(ann[k]) for k in SERVING_CERT if ann.get(k)), None),
        "annotations": _j(ann),
        "uid": _s(m.get("uid")),
        "created": _ts(m.get("creationTimestamp")),
        "last_edited": _last_edited(m),
        **_prov(o),
    }
    ports = []
    for index, p in enumerate(_l(spec.get("ports"))):
        p = _d(p)
        target = p.get("targetPort", p.get("port"))
        lost = None
        if target is not None and not is_port_number_or_name(target):
            lost = (f"Service {m.get('namespace')}/{m.get('name')} spec.ports[{index}].targetPort {str(target)[:80]!r} "
                    "is neither a port number (1-65535) nor a port name: read as missing")
            target = None
        ports.append(
            {
                VALUE_LOST: lost,
                "namespace": m.get("namespace"),
                "service": m.get("name"),
                "port_name": str(p.get("name") or ""),
                "port": _i(p.get("port")),
                "target_port": None if target is None else str(target),
                "target_port_is_name": isinstance(target, str) and not target.isdigit(),
                "protocol": _s(p.get("protocol")) or "TCP",
                "app_protocol": _s(p.get("appProtocol")),
                **_prov(o),
            }
        )
    return [svc], ports


# a row's key for what it could not hold (``parsers.kube.build_frames`` records it and drops the key)
VALUE_LOST = "_value_lost"
_PORT_NAME = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*")


def is_port_number_or_name(value: object) -> bool:
    """Whether a ``targetPort`` is one Kubernetes accepts: a number from 1 to 65535 (an integer, or its digits),
    or a port name (IANA_SVC_NAME: at most 15 lower-case letters, digits and inner single hyphens, at least
    one letter). The API server refuses any other, so another in a dump is damage or a hand edit."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= 65535
    if not isinstance(value, str):
        return False
    if value.isdigit():
        return 1 <= int(value) <= 65535
    return len(value) <= 15 and _PORT_NAME.fullmatch(value) is not None and any(c.isalpha() for c in value)


def _endpoints_rows(o: StoredObject) -> list[Row]:
    m = _meta(o)
    rows = []
    for subset in _l(o.obj.get("subsets")):
        subset = _d(subset)
        ports = [_d(p) for p in _l(subset.get("ports"))] or [{}]
        for ready, key in ((True, "addresses"), (False, "notReadyAddresses")):
            for addr in _l(subset.get(key)):
                addr = _d(addr)
                ref = _d(addr.get("targetRef"))
                for p in ports:
                    rows.append(
                        {
                            "namespace": m.get("namespace"),
                            "service": m.get("name"),
                            "ip": _s(addr.get("ip")),
                            "port": _i(p.get("port")),
                            "port_name": str(p.get("name") or ""),
                            "protocol": _s(p.get("protocol")) or "TCP",
                            "ready": ready,
                            "serving": None,
                            "terminating": None,
                            "pod": _s(ref.get("name")) if ref.get("kind") == "Pod" else None,
                            "target_kind": _s(ref.get("kind")),
                            "node": _s(addr.get("nodeName")),
                            "origin": "Endpoints",
                            "object_name": m.get("name"),
                            **_prov(o),
                        }
                    )
    return rows


def _endpointslice_rows(o: StoredObject) -> list[Row]:
    m = _meta(o)
    service = _d(m.get("labels")).get("kubernetes.io/service-name")
    if not service:
        return []
    ports = [_d(p) for p in _l(o.obj.get("ports"))] or [{}]
    rows = []
    for ep in _l(o.obj.get("endpoints")):
        ep = _d(ep)
        cond = _d(ep.get("conditions"))
        ready = _b(cond.get("ready"))
        ready = True if ready is None else ready  # API: a nil ready condition means ready
        ref = _d(ep.get("targetRef"))
        for addr in _l(ep.get("addresses")):
            for p in ports:
                rows.append(
                    {
                        "namespace": m.get("namespace"),
                        "service": str(service),
                        "ip": _s(addr),
                        "port": _i(p.get("port")),
                        "port_name": str(p.get("name") or ""),
                        "protocol": _s(p.get("protocol")) or "TCP",
                        "ready": ready,
                        "serving": _b(cond.get("serving")),
                        "terminating": _b(cond.get("terminating")),
                        "pod": _s(ref.get("name")) if ref.get("kind") == "Pod" else None,
                        "target_kind": _s(ref.get("kind")),
                        "node": _s(ep.get("nodeName")),
                        "origin": "EndpointSlice",
                        "object_name": m.get("name"),
                        **_prov(o),
                    }
                )
    return rows


def _netpol_rows(o: StoredObject) -> list[Row]:
    m, spec = _meta(o), _d(o.obj.get("spec"))
    types = [str(t) for t in _l(spec.get("policyTypes"))]
    applies = "Ingress" in types or not types or "ingress" in spec
    return [
        {
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "pod_selector": _j(_d(spec.get("podSelector"))),
            "policy_types": ",".join(types) or None,
            "ingress": _j(_l(spec.get("ingress"))),
            "applies_to_ingress": applies,
            "created": _ts(m.get("creationTimestamp")),
            "last_edited": _last_edited(m),
            **_prov(o),
        }
    ]
