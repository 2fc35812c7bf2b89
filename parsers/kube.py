"""Kubernetes and OpenShift objects -> the tidy frames of :mod:`parsers.schema`.

Objects arrive with their provenance (input, source path, line). :func:`collect` merges
duplicates (list file vs per-object file, two archives) keeping the newest ``resourceVersion``
and every source; :func:`build_frames` turns each kind into rows with exact Kubernetes
semantics (EndpointSlice ``ready: null`` counts as ready, ``targetPort`` defaults to ``port``,
``items: null`` is empty, event times fall back ``lastTimestamp`` → ``series`` → ``eventTime`` →
``creationTimestamp``). A malformed object is recorded in ``problems`` and skipped; it never
stops the other objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from parsers import schema

Row = dict[str, Any]


@dataclass
class StoredObject:
    obj: dict
    input: str
    source: str
    line: int
    also: list[tuple[str, str, int]] = field(default_factory=list)  # other (input, source, line)


@dataclass
class ObjectStore:
    objects: dict[tuple[str, str, str, str], StoredObject] = field(default_factory=dict)
    problems: list[tuple[str, str, int, str]] = field(default_factory=list)  # (input, source, line, reason)

    def of_kind(self, *kinds: str) -> list[StoredObject]:
        return [o for (kind, *_), o in self.objects.items() if kind in kinds]


def _rv(obj: dict) -> tuple[int, str]:
    rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return (int(rv), rv) if rv.isdigit() else (-1, rv)


def collect(objects: Iterable[tuple[dict, str, str, int]]) -> ObjectStore:
    """De-duplicate by (kind, namespace, name[, uid]); keep the newest resourceVersion and all sources."""
    store = ObjectStore()
    for obj, inp, source, line in objects:
        meta = obj.get("metadata")
        kind = obj.get("kind")
        if not isinstance(meta, dict) or not isinstance(kind, str) or not isinstance(meta.get("name"), str):
            continue
        key = (kind, str(meta.get("namespace") or ""), meta["name"], "")
        existing = store.objects.get(key)
        if existing is not None:
            old_uid = (existing.obj.get("metadata") or {}).get("uid")
            new_uid = meta.get("uid")
            if old_uid and new_uid and old_uid != new_uid:
                key = (*key[:3], str(new_uid))  # a re-created object of the same name: keep both
                existing = store.objects.get(key)
        if existing is None:
            store.objects[key] = StoredObject(obj, inp, source, line)
        elif _rv(obj) > _rv(existing.obj):
            store.objects[key] = StoredObject(
                obj, inp, source, line, [*existing.also, (existing.input, existing.source, existing.line)]
            )
        else:
            existing.also.append((inp, source, line))
    return store


# ------------------------------------------------------------------ small helpers
def _j(value: Any) -> str | None:
    """Compact, sorted JSON for nested data kept as evidence."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _i(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _b(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _ts(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _condition(conditions: Any, ctype: str) -> dict:
    for c in _l(conditions):
        if isinstance(c, dict) and c.get("type") == ctype:
            return c
    return {}


def _prov(o: StoredObject) -> Row:
    return {"input": o.input, "source": o.source, "line": o.line}


def _meta(o: StoredObject) -> dict:
    return _d(o.obj.get("metadata"))


# ------------------------------------------------------------------ per-kind row builders
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
        **_prov(o),
    }
    ports = []
    for p in _l(spec.get("ports")):
        p = _d(p)
        target = p.get("targetPort", p.get("port"))
        ports.append(
            {
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


def _probe(probe: Any) -> tuple[str | None, str | None, str | None, str | None]:
    probe = _d(probe)
    for kind in ("httpGet", "tcpSocket", "grpc", "exec"):
        if kind in probe:
            body = _d(probe[kind])
            port = body.get("port")
            return kind, None if port is None else str(port), _s(body.get("path")), _s(body.get("scheme"))
    return None, None, None, None


def _pod_rows(o: StoredObject) -> tuple[list[Row], list[Row], list[Row]]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    ready = _condition(status.get("conditions"), "Ready")
    owner = next((_d(r) for r in _l(m.get("ownerReferences")) if _d(r).get("controller")), {})
    grace = _i(spec.get("terminationGracePeriodSeconds"))
    ns, pod = m.get("namespace"), m.get("name")
    pods = [
        {
            "namespace": ns,
            "name": pod,
            "uid": _s(m.get("uid")),
            "node": _s(spec.get("nodeName")),
            "phase": _s(status.get("phase")),
            "reason": _s(status.get("reason")),
            "message": _s(status.get("message")),
            "pod_ip": _s(status.get("podIP")),
            "ready": _b(ready.get("status")),
            "ready_since": _ts(ready.get("lastTransitionTime")),
            "containers_ready": _b(_condition(status.get("conditions"), "ContainersReady").get("status")),
            "labels": _j(_d(m.get("labels"))),
            "owner_kind": _s(owner.get("kind")),
            "owner_name": _s(owner.get("name")),
            "created": _ts(m.get("creationTimestamp")),
            "started": _ts(status.get("startTime")),
            "deleted": _ts(m.get("deletionTimestamp")),
            "grace_period": 30 if grace is None else grace,
            "host_network": bool(spec.get("hostNetwork")),
            **_prov(o),
        }
    ]
    containers, ports = [], []
    for init, spec_key, status_key in (
        (False, "containers", "containerStatuses"),
        (True, "initContainers", "initContainerStatuses"),
    ):
        statuses = {_d(s).get("name"): _d(s) for s in _l(status.get(status_key))}
        for c in _l(spec.get(spec_key)):
            c = _d(c)
            st = statuses.get(c.get("name"), {})
            state = _d(st.get("state"))
            state_name = next(iter(state), None) if state else None
            state_body = _d(state.get(state_name)) if state_name else {}
            last = _d(_d(st.get("lastState")).get("terminated"))
            kind, port, path, scheme = _probe(c.get("readinessProbe"))
            prestop = _d(_d(c.get("lifecycle")).get("preStop"))
            containers.append(
                {
                    "namespace": ns,
                    "pod": pod,
                    "name": _s(c.get("name")),
                    "init": init,
                    "image": _s(c.get("image")),
                    "ready": _b(st.get("ready")),
                    "started": _b(st.get("started")),
                    "restart_count": _i(st.get("restartCount")),
                    "state": state_name,
                    "state_reason": _s(state_body.get("reason")),
                    "state_since": _ts(state_body.get("startedAt") or state_body.get("finishedAt")),
                    "last_reason": _s(last.get("reason")),
                    "last_exit_code": _i(last.get("exitCode")),
                    "last_started": _ts(last.get("startedAt")),
                    "last_finished": _ts(last.get("finishedAt")),
                    "readiness_probe": _j(c.get("readinessProbe")),
                    "readiness_kind": kind,
                    "readiness_port": port,
                    "readiness_path": path,
                    "readiness_scheme": scheme,
                    "liveness_probe": _j(c.get("livenessProbe")),
                    "has_prestop": bool(prestop),
                    "prestop": _j(prestop) if prestop else None,
                    "memory_limit": _s(_d(_d(c.get("resources")).get("limits")).get("memory")),
                    **_prov(o),
                }
            )
            for p in _l(c.get("ports")):
                p = _d(p)
                ports.append(
                    {
                        "namespace": ns,
                        "pod": pod,
                        "container": _s(c.get("name")),
                        "name": _s(p.get("name")),
                        "port": _i(p.get("containerPort")),
                        "protocol": _s(p.get("protocol")) or "TCP",
                        **_prov(o),
                    }
                )
    return pods, containers, ports


def _event_rows(o: StoredObject) -> list[Row]:
    e, m = o.obj, _meta(o)
    involved = _d(e.get("involvedObject") or e.get("regarding"))
    series = _d(e.get("series"))
    last = (
        e.get("lastTimestamp")
        or e.get("deprecatedLastTimestamp")
        or series.get("lastObservedTime")
        or e.get("eventTime")
        or m.get("creationTimestamp")
    )
    first = (
        e.get("firstTimestamp") or e.get("deprecatedFirstTimestamp") or e.get("eventTime") or m.get("creationTimestamp")
    )
    count = _i(e.get("count") or e.get("deprecatedCount") or series.get("count"))
    return [
        {
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "type": _s(e.get("type")),
            "reason": _s(e.get("reason")),
            "message": _s(e.get("message") or e.get("note")),
            "involved_kind": _s(involved.get("kind")),
            "involved_name": _s(involved.get("name")),
            "involved_namespace": _s(involved.get("namespace")),
            "first_seen": _ts(first),
            "last_seen": _ts(last),
            "count": count if count is not None else 1,
            "component": _s(
                _d(e.get("source")).get("component") or e.get("reportingComponent") or e.get("reportingController")
            ),
            **_prov(o),
        }
    ]


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
            **_prov(o),
        }
    ]


def _hpa_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    target = _d(spec.get("scaleTargetRef"))
    conditions = _l(status.get("conditions"))
    if not conditions:  # autoscaling/v1 keeps them in an annotation
        raw = _d(m.get("annotations")).get("autoscaling.alpha.kubernetes.io/conditions")
        try:
            conditions = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            conditions = []
    limited = _condition(conditions, "ScalingLimited")
    return [
        {
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "target_kind": _s(target.get("kind")),
            "target_name": _s(target.get("name")),
            "min_replicas": _i(spec.get("minReplicas")) or 1,
            "max_replicas": _i(spec.get("maxReplicas")),
            "current_replicas": _i(status.get("currentReplicas")),
            "desired_replicas": _i(status.get("desiredReplicas")),
            "scaling_limited": _b(limited.get("status")) if limited else None,
            "conditions": _j(conditions),
            **_prov(o),
        }
    ]


def _deployment_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    strategy = _d(spec.get("strategy") or spec.get("updateStrategy"))
    rolling = _d(strategy.get("rollingUpdate") or strategy.get("rollingParams"))
    selector = spec.get("selector")
    return [
        {
            "kind": o.obj.get("kind"),
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "replicas": _i(spec.get("replicas")),
            "ready_replicas": _i(status.get("readyReplicas")) or 0,
            "available_replicas": _i(status.get("availableReplicas")) or 0,
            "updated_replicas": _i(status.get("updatedReplicas")) or 0,
            "strategy": _s(strategy.get("type")),
            "max_unavailable": _s(rolling.get("maxUnavailable")),
            "max_surge": _s(rolling.get("maxSurge")),
            "selector": _j(_d(selector).get("matchLabels", selector) if isinstance(selector, dict) else selector),
            "generation": _i(m.get("generation")),
            "observed_generation": _i(status.get("observedGeneration")),
            "created": _ts(m.get("creationTimestamp")),
            "conditions": _j(_l(status.get("conditions"))),
            **_prov(o),
        }
    ]


def _replicaset_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    owner = next((_d(r) for r in _l(m.get("ownerReferences")) if _d(r).get("controller")), {})
    ann = _d(m.get("annotations"))
    revision = ann.get("deployment.kubernetes.io/revision") or ann.get("openshift.io/deployment-config.latest-version")
    return [
        {
            "kind": o.obj.get("kind"),
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "owner_kind": _s(owner.get("kind")),
            "owner_name": _s(owner.get("name")),
            "replicas": _i(spec.get("replicas")),
            "ready_replicas": _i(status.get("readyReplicas")) or 0,
            "revision": _s(revision),
            "created": _ts(m.get("creationTimestamp")),
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


def _node_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    ready = _condition(status.get("conditions"), "Ready")
    labels = _d(m.get("labels"))
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
            **_prov(o),
        }
    ]


def _clusterversion_rows(o: StoredObject) -> list[Row]:
    spec, status = _d(o.obj.get("spec")), _d(o.obj.get("status"))
    return [
        {
            "version": _s(_d(status.get("desired")).get("version")),
            "channel": _s(spec.get("channel")),
            "cluster_id": _s(spec.get("clusterID")),
            "history": _j(_l(status.get("history"))),
            **_prov(o),
        }
    ]


SIMPLE: dict[str, tuple[tuple[str, ...], Callable[[StoredObject], list[Row]]]] = {
    "namespaces": (("Namespace",), _namespace_rows),
    "routes": (("Route",), _route_rows),
    "endpoints": (("Endpoints",), _endpoints_rows),
    "events": (("Event",), _event_rows),
    "netpols": (("NetworkPolicy",), _netpol_rows),
    "hpas": (("HorizontalPodAutoscaler",), _hpa_rows),
    "deployments": (("Deployment", "StatefulSet", "DeploymentConfig"), _deployment_rows),
    "replicasets": (("ReplicaSet", "ReplicationController"), _replicaset_rows),
    "ingresscontrollers": (("IngressController",), _ingresscontroller_rows),
    "nodes": (("Node",), _node_rows),
    "clusterversion": (("ClusterVersion",), _clusterversion_rows),
}


def build_frames(store: ObjectStore) -> dict[str, pd.DataFrame]:
    """Every object frame of :mod:`parsers.schema`, typed, from the de-duplicated objects."""
    rows: dict[str, list[Row]] = {
        name: [] for name in (*SIMPLE, "services", "service_ports", "pods", "containers", "container_ports")
    }

    def guarded(o: StoredObject, fn: Callable[[StoredObject], Any]) -> Any:
        try:
            return fn(o)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            store.problems.append((o.input, o.source, o.line, f"{o.obj.get('kind')} not understood: {exc}"))
            return None

    for frame, (kinds, fn) in SIMPLE.items():
        for o in store.of_kind(*kinds):
            out = guarded(o, fn)
            if out:
                rows[frame].extend(out)
    for o in store.of_kind("EndpointSlice"):
        out = guarded(o, _endpointslice_rows)
        if out:
            rows["endpoints"].extend(out)
    for o in store.of_kind("Service"):
        out = guarded(o, _service_rows)
        if out:
            rows["services"].extend(out[0])
            rows["service_ports"].extend(out[1])
    for o in store.of_kind("Pod"):
        out = guarded(o, _pod_rows)
        if out:
            rows["pods"].extend(out[0])
            rows["containers"].extend(out[1])
            rows["container_ports"].extend(out[2])
    return {name: schema.conform(name, r) for name, r in rows.items()}
