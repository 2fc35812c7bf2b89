"""Column contracts of the frames about the cluster around the router: ingress controllers, nodes,
the cluster version, operator and pod conditions, MachineConfigPools and pod-network outages.

Part of :mod:`parsers.schema` (which holds the conventions and every other frame), kept apart so
each module stays short; ``schema.FRAMES`` includes these in its order.
"""

from __future__ import annotations

from parsers.schema_types import BOOL, INT, JSON, STR, TS

CLUSTER_FRAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "ingresscontrollers": (
        ("namespace", STR),
        ("name", STR),
        ("domain", STR),
        ("replicas", INT),
        ("publishing", STR),  # endpointPublishingStrategy.type
        ("proxy_protocol", BOOL),
        ("access_logging", BOOL),  # spec.logging.access set
        ("log_destination", STR),  # Container | Syslog
        ("http_log_format", STR),
        ("capture_headers", JSON),
        ("server_timeout", STR),
        ("client_timeout", STR),
        ("connect_timeout", STR),
        ("tunnel_timeout", STR),
        ("max_connections", INT),
        ("tuning", JSON),
        ("route_selector", JSON),
        ("namespace_selector", JSON),
        ("available", BOOL),
        ("conditions", JSON),
    ),
    "nodes": (
        ("name", STR),
        ("ready", BOOL),
        ("ready_since", TS),
        ("unschedulable", BOOL),
        ("internal_ip", STR),
        ("roles", STR),
        ("kubelet_version", STR),
        ("os_image", STR),
        ("boot_id", STR),  # status.nodeInfo.bootID: changes at every reboot
        ("taints", JSON),  # spec.taints as written
        ("mc_current", STR),  # machineconfiguration.openshift.io/currentConfig
        ("mc_desired", STR),  # .../desiredConfig: differs from current while an update is pending
        ("mc_state", STR),  # .../state: Done | Working | Degraded
        ("mc_reason", STR),
        ("pod_subnets", JSON),  # spec.podCIDRs and OVN's k8s.ovn.org/node-subnets: which pod IPs live here
        ("created", TS),
    ),
    "clusterversion": (
        ("version", STR),
        ("channel", STR),
        ("cluster_id", STR),
        ("history", JSON),
        ("conditions", JSON),
    ),
    # --- the platform around the routers (parsers/kube_platform.py) ---
    "object_conditions": (
        # one row per status condition of IngressControllers, ClusterOperators, the ClusterVersion,
        # MachineConfigPools and Nodes
        ("kind", STR),
        ("namespace", STR),
        ("name", STR),
        ("type", STR),
        ("status", STR),  # True | False | Unknown as written
        ("reason", STR),
        ("message", STR),
        ("since", TS),  # lastTransitionTime
    ),
    "machineconfigpools": (
        ("name", STR),
        ("machine_count", INT),
        ("ready_count", INT),
        ("updated_count", INT),
        ("unavailable_count", INT),
        ("degraded_count", INT),
        ("updating", BOOL),
        ("updating_since", TS),
        ("degraded", BOOL),
        ("paused", BOOL),
        ("current_config", STR),
        ("desired_config", STR),
    ),
    "connectivity_outages": (
        # PodNetworkConnectivityCheck status.outages[], one row each
        ("check", STR),
        ("source_pod", STR),
        ("target", STR),  # ip:port of the target endpoint
        ("start", TS),
        ("end", TS),  # <NA> while the outage lasts
        ("message", STR),
    ),
}
