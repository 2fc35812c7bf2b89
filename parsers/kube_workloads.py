"""What runs behind a service: Pods and their containers, Deployments, ReplicaSets, HPAs, and Events -> rows.

Event times fall back ``lastTimestamp`` → ``series`` → ``eventTime`` → ``creationTimestamp``;
autoscaling/v1 HPAs keep their conditions in an annotation.
"""

from __future__ import annotations

import json
from typing import Any

from parsers.kube_objects import Row, StoredObject, _b, _condition, _d, _i, _j, _l, _meta, _prov, _s, _ts


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
            "conditions": _j([
                {k: c.get(k) for k in ("type", "status", "reason", "message", "lastTransitionTime") if c.get(k)}
                for c in _l(status.get("conditions")) if isinstance(c, dict)
            ]),
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


def _pdb_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    selector = spec.get("selector")
    return [
        {
            "namespace": m.get("namespace"),
            "name": m.get("name"),
            "selector": _j(selector) if isinstance(selector, dict) else None,
            "min_available": _s(spec.get("minAvailable")),
            "max_unavailable": _s(spec.get("maxUnavailable")),
            "disruptions_allowed": _i(status.get("disruptionsAllowed")),
            "current_healthy": _i(status.get("currentHealthy")),
            "desired_healthy": _i(status.get("desiredHealthy")),
            "expected_pods": _i(status.get("expectedPods")),
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
