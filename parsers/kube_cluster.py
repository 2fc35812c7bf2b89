"""The cluster around the routes: Namespaces, IngressControllers, Nodes, the ClusterVersion -> rows."""

from __future__ import annotations

import json

from parsers.kube_objects import Row, StoredObject, _b, _condition, _d, _i, _j, _l, _meta, _prov, _s, _ts


def _namespace_rows(o: StoredObject) -> list[Row]:
    m = _meta(o)
    return [
        {
            "name": m.get("name"),
            "labels": _j(_d(m.get("labels"))),
            "phase": _s(_d(o.obj.get("status")).get("phase")),
            "uid": _s(m.get("uid")),
            **_prov(o),
        }
    ]


def _ingresscontroller_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    access = _d(_d(spec.get("logging")).get("access"))
    dest = _d(access.get("destination"))
    tuning = _d(spec.get("tuningOptions"))
    publishing = _d(status.get("endpointPublishingStrategy") or spec.get("endpointPublishingStrategy"))
    pub_type = _s(publishing.get("type"))
    pub_params = _d(publishing.get(pub_type[0].lower() + pub_type[1:] if pub_type else ""))
    available = _condition(status.get("conditions"), "Available")
    return [
        {
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "domain": _s(status.get("domain") or spec.get("domain")),
            "replicas": _i(spec.get("replicas")),
            "publishing": pub_type,
            "proxy_protocol": _s(pub_params.get("protocol")) == "PROXY",
            "access_logging": bool(access),
            "log_destination": _s(dest.get("type")) if access else None,
            "http_log_format": _s(access.get("httpLogFormat")),
            "capture_headers": _j(access.get("httpCaptureHeaders")) if access.get("httpCaptureHeaders") else None,
            "server_timeout": _s(tuning.get("serverTimeout")),
            "client_timeout": _s(tuning.get("clientTimeout")),
            "connect_timeout": _s(tuning.get("connectTimeout")),
            "tunnel_timeout": _s(tuning.get("tunnelTimeout")),
            "max_connections": _i(tuning.get("maxConnections")),
            "tuning": _j(tuning),
            "route_selector": _j(spec.get("routeSelector")),
            "namespace_selector": _j(spec.get("namespaceSelector")),
            "available": _b(available.get("status")) if available else None,
            "conditions": _j(_l(status.get("conditions"))),
            **_prov(o),
        }
    ]


MC = "machineconfiguration.openshift.io/"


def _node_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    ready = _condition(status.get("conditions"), "Ready")
    labels = _d(m.get("labels"))
    annotations = _d(m.get("annotations"))
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    address = next(
        (_d(a).get("address") for a in _l(status.get("addresses")) if _d(a).get("type") == "InternalIP"), None
    )
    info = _d(status.get("nodeInfo"))
    return [
        {
            "name": m.get("name"),
            "ready": _b(ready.get("status")),
            "ready_since": _ts(ready.get("lastTransitionTime")),
            "unschedulable": bool(spec.get("unschedulable")),
            "internal_ip": _s(address),
            "roles": ",".join(roles) or None,
            "kubelet_version": _s(info.get("kubeletVersion")),
            "os_image": _s(info.get("osImage")),
            "boot_id": _s(info.get("bootID")),
            "taints": _j(_l(spec.get("taints"))) if spec.get("taints") else None,
            "mc_current": _s(annotations.get(f"{MC}currentConfig")),
            "mc_desired": _s(annotations.get(f"{MC}desiredConfig")),
            "mc_state": _s(annotations.get(f"{MC}state")),
            "mc_reason": _s(annotations.get(f"{MC}reason")) or None,
            "pod_subnets": _j(subnets) if (subnets := _pod_subnets(spec, annotations)) else None,
            "created": _ts(m.get("creationTimestamp")),
            **_prov(o),
        }
    ]


def _pod_subnets(spec: dict, annotations: dict) -> list[str]:
    """The node's pod subnets: ``spec.podCIDRs``/``podCIDR``, and OVN's ``k8s.ovn.org/node-subnets``
    annotation (``{"default":["10.128.2.0/23"]}``; a plain string in older releases)."""
    found = [str(c) for c in _l(spec.get("podCIDRs")) if c] or ([str(spec["podCIDR"])] if spec.get("podCIDR") else [])
    raw = annotations.get("k8s.ovn.org/node-subnets")
    try:
        ovn = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        ovn = {}
    for value in (ovn.values() if isinstance(ovn, dict) else []):
        found += [str(v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return list(dict.fromkeys(found))


def _clusterversion_rows(o: StoredObject) -> list[Row]:
    spec, status = _d(o.obj.get("spec")), _d(o.obj.get("status"))
    return [
        {
            "version": _s(_d(status.get("desired")).get("version")),
            "channel": _s(spec.get("channel")),
            "cluster_id": _s(spec.get("clusterID")),
            "history": _j(_l(status.get("history"))),
            "conditions": _j(_l(status.get("conditions"))),
            **_prov(o),
        }
    ]
