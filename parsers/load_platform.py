"""Loader phase for the platform around the routers: alerts, router and operator logs, node events, checks.

Chosen by path (mustgather-layout.md, issue 14) and read with phase 1, in archive order:

- ``monitoring/alerts.json`` and JSON files under ``monitoring/prometheus/`` -> ``alerts``
  (:mod:`parsers.alerts`);
- the router container's log ``namespaces/openshift-ingress/pods/<router>/router/router/logs/*.log``
  (and the ``haproxy`` container of 4.23+ routers) -> ``router_log`` (:mod:`parsers.router_log`);
- the ingress operator's log -> ``operator_log`` (:mod:`parsers.operator_log`);
- node events (``namespaces/default/core/events.yaml``) and PodNetworkConnectivityChecks
  (``pod_network_connectivity_check/*.yaml``, or the inspected ``openshift-network-diagnostics``
  namespace) are Kubernetes documents: the caller parses them with the other objects.

A file that cannot be read or parsed is a ``skipped`` entry; it never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsers.alerts import AlertsError, parse_alerts
from parsers.layout import Place
from parsers.operator_log import scan_operator_log
from parsers.router_log import scan_router_log
from parsers.sources import Member

ROUTER_CONTAINERS = ("router", "haproxy")
OPERATOR_CONTAINER = "ingress-operator"
LOG_NAMES = ("current.log", "previous.log", "current.insecure.log", "previous.insecure.log")


@dataclass
class PlatformRows:
    """What the platform phase read, frame by frame (rows for :func:`parsers.schema.conform`)."""

    alerts: list[dict[str, Any]] = field(default_factory=list)
    alert_files: list[str] = field(default_factory=list)  # files that held alert data (even none active)
    router_log: list[dict[str, Any]] = field(default_factory=list)
    router_log_files: list[str] = field(default_factory=list)
    operator_log: list[dict[str, Any]] = field(default_factory=list)


def _relative(member: Member, place: Place) -> str:
    root = place.root or ""
    return member.name[len(root) + 1:] if root and member.name.startswith(root + "/") else member.name


def platform_kind(member: Member, place: Place) -> str | None:
    """``alerts`` | ``router-log`` | ``operator-log`` | ``document`` for a platform member, else None."""
    if place.category == "container-log":
        return log_kind(place)
    if place.category in ("list", "object"):
        if place.namespace == "default" and place.resource == "events":
            return "document"
        if place.resource == "podnetworkconnectivitychecks":
            return "document"
        return None
    if place.category != "other" or place.root is None:
        return None
    rel = _relative(member, place)
    if rel == "monitoring/alerts.json" or (rel.startswith("monitoring/prometheus/") and rel.endswith(".json")):
        return "alerts"
    if rel.startswith("pod_network_connectivity_check/") and rel.endswith((".yaml", ".yml", ".json")):
        return "document"
    return None


def log_kind(place: Place) -> str | None:
    """``router-log`` | ``operator-log`` for a container log of the router or the ingress operator, else None."""
    if place.category != "container-log" or place.name not in LOG_NAMES:
        return None
    ns = place.namespace or ""
    if ns == "openshift-ingress" and place.container in ROUTER_CONTAINERS:
        return "router-log"
    if ns == "openshift-ingress-operator" and place.container == OPERATOR_CONTAINER:
        return "operator-log"
    return None


def take(kind: str, label: str, member: Member, place: Place, data: bytes, rows: PlatformRows,
         skipped: list) -> bool:
    """Parse one platform member (not ``document``: the caller parses those) into ``rows``; True when
    the whole file was lost (an ``alerts.json`` that does not parse, recorded in ``skipped``)."""
    if kind == "alerts":
        try:
            found = parse_alerts(data, input=label, source=member.name)
        except AlertsError as exc:
            if _relative(member, place) == "monitoring/alerts.json":  # other Prometheus answers are not alerts
                skipped.append((member.name, f"alerts not read: {exc}"))
                return True
            return False
        rows.alerts.extend(found)
        rows.alert_files.append(member.name)
    elif kind == "router-log":
        log = (place.name or "").split(".", 1)[0]
        rows.router_log.extend(scan_router_log(data, router_pod=place.pod or "", log=log, input=label,
                                               source=member.name))
        if data.strip():  # an empty log (a container that never restarted: previous.log) tells nothing,
            rows.router_log_files.append(member.name)  # as an empty access log is read but makes no access log
    elif kind == "operator-log":
        rows.operator_log.extend(scan_operator_log(data, pod=place.pod or "", input=label, source=member.name))
    return False
