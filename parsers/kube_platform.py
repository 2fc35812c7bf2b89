"""The platform around the routers: conditions with their times, MachineConfigPools, connectivity outages.

Rows for the frames that say whether the platform was serving (issue 14): every status condition
of IngressControllers, ClusterOperators, the ClusterVersion, MachineConfigPools and Nodes as one
row each (``object_conditions``, with ``lastTransitionTime`` as ``since``), the MachineConfigPools'
counts, and the outages recorded by PodNetworkConnectivityChecks
(``controlplane.operator.openshift.io/v1alpha1``, router-facts.md §8). Nothing here judges them.
"""

from __future__ import annotations

from parsers.kube_objects import Row, StoredObject, _d, _i, _l, _meta, _prov, _s, _ts

CONDITION_KINDS = ("IngressController", "ClusterOperator", "ClusterVersion", "MachineConfigPool", "Node")


def _condition_rows(o: StoredObject) -> list[Row]:
    m, status = _meta(o), _d(o.obj.get("status"))
    rows = []
    for c in _l(status.get("conditions")):
        c = _d(c)
        if not c.get("type"):
            continue
        rows.append({
            "kind": o.obj.get("kind"),
            "namespace": _s(m.get("namespace")),
            "name": _s(m.get("name")),
            "type": _s(c.get("type")),
            "status": _s(c.get("status")),
            "reason": _s(c.get("reason")),
            "message": (_s(c.get("message")) or "")[:1000] or None,
            "since": _ts(c.get("lastTransitionTime") or c.get("lastHeartbeatTime")),
            **_prov(o),
        })
    return rows


def _machineconfigpool_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    conditions = {_d(c).get("type"): _d(c) for c in _l(status.get("conditions"))}

    def true(ctype: str) -> bool | None:
        value = conditions.get(ctype, {}).get("status")
        return None if value is None else str(value) == "True"

    updating = conditions.get("Updating", {})
    return [{
        "name": _s(m.get("name")),
        "machine_count": _i(status.get("machineCount")),
        "ready_count": _i(status.get("readyMachineCount")),
        "updated_count": _i(status.get("updatedMachineCount")),
        "unavailable_count": _i(status.get("unavailableMachineCount")),
        "degraded_count": _i(status.get("degradedMachineCount")),
        "updating": true("Updating"),
        "updating_since": _ts(updating.get("lastTransitionTime")),
        "degraded": true("Degraded"),
        "paused": bool(spec.get("paused")),
        "current_config": _s(_d(status.get("configuration")).get("name")),
        "desired_config": _s(_d(spec.get("configuration")).get("name")),
        **_prov(o),
    }]


def _connectivity_rows(o: StoredObject) -> list[Row]:
    m, spec, status = _meta(o), _d(o.obj.get("spec")), _d(o.obj.get("status"))
    rows = []
    for outage in _l(status.get("outages")):
        outage = _d(outage)
        rows.append({
            "check": _s(m.get("name")),
            "source_pod": _s(spec.get("sourcePod")),
            "target": _s(spec.get("targetEndpoint")),
            "start": _ts(outage.get("start")),
            "end": _ts(outage.get("end")),
            "message": (_s(outage.get("message")) or "")[:1000] or None,
            **_prov(o),
        })
    return rows
