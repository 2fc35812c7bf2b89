"""Kubernetes and OpenShift objects -> the tidy frames of :mod:`parsers.schema`.

Objects arrive with their provenance (input, source path, line). :func:`collect` merges
duplicates (list file vs per-object file, two archives) keeping the newest ``resourceVersion``
and every source; :func:`build_frames` turns each kind into rows with exact Kubernetes
semantics (EndpointSlice ``ready: null`` counts as ready, ``targetPort`` defaults to ``port``,
``items: null`` is empty, event times fall back ``lastTimestamp`` → ``series`` → ``eventTime`` →
``creationTimestamp``). A malformed object is recorded in ``problems`` and skipped; it never
stops the other objects. The row builders live by concern in :mod:`parsers.kube_network`,
:mod:`parsers.kube_workloads` and :mod:`parsers.kube_cluster`; the object store in
:mod:`parsers.kube_objects`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from parsers import schema
from parsers.kube_cluster import _clusterversion_rows, _ingresscontroller_rows, _namespace_rows, _node_rows
from parsers.kube_network import (
    VALUE_LOST,
    _endpoints_rows,
    _endpointslice_rows,
    _netpol_rows,
    _route_rows,
    _service_rows,
)
from parsers.kube_objects import ObjectStore, Row, StoredObject, collect
from parsers.kube_platform import (
    CONDITION_KINDS,
    _condition_rows,
    _connectivity_rows,
    _machineconfigpool_rows,
)
from parsers.kube_workloads import _deployment_rows, _event_rows, _hpa_rows, _pdb_rows, _pod_rows, _replicaset_rows

__all__ = ["SIMPLE", "ObjectStore", "StoredObject", "build_frames", "collect"]

SIMPLE: dict[str, tuple[tuple[str, ...], Callable[[StoredObject], list[Row]]]] = {
    "namespaces": (("Namespace",), _namespace_rows),
    "routes": (("Route",), _route_rows),
    "endpoints": (("Endpoints",), _endpoints_rows),
    "events": (("Event",), _event_rows),
    "netpols": (("NetworkPolicy",), _netpol_rows),
    "hpas": (("HorizontalPodAutoscaler",), _hpa_rows),
    "pdbs": (("PodDisruptionBudget",), _pdb_rows),
    "deployments": (("Deployment", "StatefulSet", "DeploymentConfig"), _deployment_rows),
    "replicasets": (("ReplicaSet", "ReplicationController"), _replicaset_rows),
    "ingresscontrollers": (("IngressController",), _ingresscontroller_rows),
    "nodes": (("Node",), _node_rows),
    "clusterversion": (("ClusterVersion",), _clusterversion_rows),
    "object_conditions": (CONDITION_KINDS, _condition_rows),
    "machineconfigpools": (("MachineConfigPool",), _machineconfigpool_rows),
    "connectivity_outages": (("PodNetworkConnectivityCheck",), _connectivity_rows),
}


def build_frames(store: ObjectStore) -> dict[str, pd.DataFrame]:
    """Every object frame of :mod:`parsers.schema`, typed, from the de-duplicated objects.

    An object a row builder cannot read is recorded in ``store.problems``; a time a frame cannot
    hold (:func:`parsers.schema.conform`) is missing and recorded in ``store.values_lost``.
    """
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
    for row in rows["service_ports"]:  # a value no Kubernetes object holds, read as missing: said where
        lost = row.pop(VALUE_LOST, None)
        if lost:
            store.values_lost.append((row.get("input"), row.get("source"), row.get("line"), lost))
    frames = {}
    for name, frame_rows in rows.items():
        out_of_range: list[tuple[int, str]] = []
        frames[name] = schema.conform(name, frame_rows, out_of_range)
        for position, column in out_of_range:
            row = frame_rows[position]
            store.values_lost.append((row.get("input"), row.get("source"), row.get("line"),
                                      f"a time outside the years 1677-2262 read as missing ({name}.{column})"))
    return frames
