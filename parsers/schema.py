"""Column contracts of every frame the parsers produce.

Each frame is declared once here: its column names, in order, and their pandas dtypes. Parsers
build frames with :func:`empty_frame` / :func:`conform`, and a test checks every parser's output
against these declarations, so rules and reports can rely on a column existing with one dtype
whether the input had zero rows or a million.

Conventions:
- ``string``: pandas nullable string; missing values are ``<NA>``.
- ``Int64`` / ``boolean``: nullable; ``<NA>`` means "the input did not say".
- ``ts``: UTC timestamps (``datetime64[ns, UTC]``).
- ``json``: a compact JSON string (sorted keys) for nested data kept for evidence, never for joins.
- Every object frame carries ``input`` (the input as given on the command line), ``source`` (the
  path inside that input) and ``line`` (1-based line where the object starts, when known).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import pandas as pd

from parsers.schema_cluster import CLUSTER_FRAMES
from parsers.schema_types import BOOL, FLOAT, INT, JSON, STR, TS

__all__ = ["BOOL", "FLOAT", "FRAMES", "INT", "JSON", "STR", "TS", "column_names", "columns", "conform", "empty_frame"]

PROVENANCE: tuple[tuple[str, str], ...] = (("input", STR), ("source", STR), ("line", INT))

# frame name -> ((column, dtype), ...). Provenance columns are appended to object frames.
FRAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "namespaces": (
        ("name", STR),
        ("labels", JSON),
        ("phase", STR),
        ("uid", STR),
    ),
    "routes": (
        # one row per route backend: spec.to plus each alternateBackend
        ("namespace", STR),
        ("name", STR),
        ("host", STR),
        ("path", STR),
        ("termination", STR),  # none | edge | reencrypt | passthrough
        ("insecure_policy", STR),  # None | Allow | Redirect (as written), <NA> when unset
        ("service", STR),  # backend object name
        ("service_kind", STR),  # normally Service
        ("weight", INT),  # 0..256, default 100 when unset
        ("backend_index", INT),  # 0 = spec.to, 1.. = alternateBackends[i-1]
        ("target_port", STR),  # spec.port.targetPort as written (name or number), <NA> when unset
        ("wildcard_policy", STR),
        ("has_destination_ca", BOOL),
        ("timeout", STR),  # haproxy.router.openshift.io/timeout annotation as written
        ("timeout_tunnel", STR),
        ("pod_concurrent_connections", INT),
        ("annotations", JSON),
        ("admitted", BOOL),  # <NA> when status.ingress is absent
        ("admitted_routers", STR),  # comma-joined routerName of Admitted=True ingress entries
        ("not_admitted_reason", STR),  # reason/message of the first Admitted=False condition
        ("uid", STR),
        ("resource_version", STR),
        ("created", TS),
        ("last_edited", TS),  # latest metadata.managedFields[].time outside status: the last edit of the route
    ),
    "services": (
        ("namespace", STR),
        ("name", STR),
        ("type", STR),
        ("cluster_ip", STR),
        ("selector", JSON),  # {} when the service has no selector (manual endpoints)
        ("has_selector", BOOL),
        ("serving_cert_secret", STR),  # service.beta/alpha.openshift.io/serving-cert-secret-name
        ("annotations", JSON),
        ("uid", STR),
        ("created", TS),
        ("last_edited", TS),  # latest metadata.managedFields[].time outside status
    ),
    "service_ports": (
        ("namespace", STR),
        ("service", STR),
        ("port_name", STR),  # "" for a single unnamed port
        ("port", INT),
        ("target_port", STR),  # number as text, or a container port name
        ("target_port_is_name", BOOL),
        ("protocol", STR),
        ("app_protocol", STR),
    ),
    "endpoints": (
        # one row per address x port, from Endpoints and EndpointSlices alike
        ("namespace", STR),
        ("service", STR),
        ("ip", STR),
        ("port", INT),  # target (container) port
        ("port_name", STR),
        ("protocol", STR),
        ("ready", BOOL),
        ("serving", BOOL),
        ("terminating", BOOL),
        ("pod", STR),  # targetRef name when targetRef.kind == Pod
        ("target_kind", STR),
        ("node", STR),
        ("origin", STR),  # Endpoints | EndpointSlice
        ("object_name", STR),  # the Endpoints / EndpointSlice object name
    ),
    "pods": (
        ("namespace", STR),
        ("name", STR),
        ("uid", STR),
        ("node", STR),
        ("phase", STR),
        ("reason", STR),  # status.reason, e.g. Evicted
        ("message", STR),
        ("pod_ip", STR),
        ("ready", BOOL),  # condition Ready
        ("ready_since", TS),  # lastTransitionTime of the Ready condition
        ("containers_ready", BOOL),
        ("conditions", JSON),  # [{type, status, reason, message, lastTransitionTime}] as written
        ("labels", JSON),
        ("owner_kind", STR),
        ("owner_name", STR),
        ("created", TS),
        ("started", TS),
        ("deleted", TS),  # metadata.deletionTimestamp
        ("grace_period", INT),  # spec.terminationGracePeriodSeconds (30 when unset)
        ("host_network", BOOL),
    ),
    "containers": (
        ("namespace", STR),
        ("pod", STR),
        ("name", STR),
        ("init", BOOL),
        ("image", STR),
        ("ready", BOOL),
        ("started", BOOL),
        ("restart_count", INT),
        ("state", STR),  # running | waiting | terminated
        ("state_reason", STR),
        ("state_since", TS),
        ("last_reason", STR),  # lastState.terminated.reason, e.g. OOMKilled, Error
        ("last_exit_code", INT),
        ("last_started", TS),
        ("last_finished", TS),
        ("readiness_probe", JSON),
        ("readiness_kind", STR),  # httpGet | tcpSocket | exec | grpc
        ("readiness_port", STR),  # number as text or a port name
        ("readiness_path", STR),
        ("readiness_scheme", STR),
        ("liveness_probe", JSON),
        ("has_prestop", BOOL),
        ("prestop", JSON),
        ("memory_limit", STR),
    ),
    "container_ports": (
        ("namespace", STR),
        ("pod", STR),
        ("container", STR),
        ("name", STR),
        ("port", INT),
        ("protocol", STR),
    ),
    "events": (
        ("namespace", STR),
        ("name", STR),
        ("type", STR),  # Normal | Warning
        ("reason", STR),
        ("message", STR),
        ("involved_kind", STR),
        ("involved_name", STR),
        ("involved_namespace", STR),
        ("first_seen", TS),
        ("last_seen", TS),  # lastTimestamp or series.lastObservedTime or eventTime or creationTimestamp
        ("count", INT),
        ("component", STR),
    ),
    "netpols": (
        ("namespace", STR),
        ("name", STR),
        ("pod_selector", JSON),
        ("policy_types", STR),  # comma-joined
        ("ingress", JSON),  # spec.ingress as JSON, [] when absent
        ("applies_to_ingress", BOOL),
        ("created", TS),
        ("last_edited", TS),  # latest metadata.managedFields[].time outside status
    ),
    "hpas": (
        ("namespace", STR),
        ("name", STR),
        ("target_kind", STR),
        ("target_name", STR),
        ("min_replicas", INT),
        ("max_replicas", INT),
        ("current_replicas", INT),
        ("desired_replicas", INT),
        ("scaling_limited", BOOL),  # condition ScalingLimited True
        ("conditions", JSON),
    ),
    "pdbs": (
        # PodDisruptionBudgets: whether a drain may evict every replica of a workload at once
        ("namespace", STR),
        ("name", STR),
        ("selector", JSON),  # spec.selector (matchLabels / matchExpressions); None when absent
        ("min_available", STR),  # spec.minAvailable as written: a count or a percentage
        ("max_unavailable", STR),  # spec.maxUnavailable as written
        ("disruptions_allowed", INT),  # status.disruptionsAllowed at collection
        ("current_healthy", INT),
        ("desired_healthy", INT),
        ("expected_pods", INT),
    ),
    "deployments": (
        # Deployments, StatefulSets, DeploymentConfigs
        ("kind", STR),
        ("namespace", STR),
        ("name", STR),
        ("replicas", INT),
        ("ready_replicas", INT),
        ("available_replicas", INT),
        ("updated_replicas", INT),
        ("strategy", STR),
        ("max_unavailable", STR),
        ("max_surge", STR),
        ("selector", JSON),
        ("generation", INT),
        ("observed_generation", INT),
        ("created", TS),
        ("conditions", JSON),
    ),
    "replicasets": (
        # ReplicaSets and ReplicationControllers
        ("kind", STR),
        ("namespace", STR),
        ("name", STR),
        ("owner_kind", STR),
        ("owner_name", STR),
        ("replicas", INT),
        ("ready_replicas", INT),
        ("revision", STR),
        ("created", TS),
    ),
    **CLUSTER_FRAMES,
    # --- logs of the router and its operator (parsers/router_log.py, parsers/operator_log.py) ---
    "router_log": (
        ("ts", TS),  # kubelet timestamp of the line
        ("router_pod", STR),
        ("log", STR),  # current | previous
        ("level", STR),  # klog I/W/E/F, or E/W for HAProxy ALERT/WARNING; <NA> for continuation output
        ("kind", STR),  # reload | reload-failed | haproxy-alert | haproxy-warning | template-error |
        # service-missing | error | warning | output
        ("config_file", STR),  # the haproxy config a HAProxy message names
        ("config_line", INT),  # ... and its line
        ("text", STR),  # the message, after the kubelet timestamp
        ("raw", STR),  # the line as it stands in the file, its timestamp included: what a citation quotes
    ),
    "operator_log": (
        ("ts", TS),
        ("pod", STR),
        ("level", STR),  # ERROR | WARN | INFO ...
        ("controller", STR),  # last part of the zap logger name, e.g. canary_controller
        ("kind", STR),  # canary-failure | reconcile-error | error
        ("message", STR),
        ("object", STR),  # the "name" field (the IngressController, usually)
        ("error", STR),
        ("text", STR),
    ),
    # --- Prometheus alerts (parsers/alerts.py) ---
    "alerts": (
        ("name", STR),
        ("state", STR),  # firing | pending
        ("severity", STR),
        ("namespace", STR),
        ("node", STR),
        ("pod", STR),
        ("active_at", TS),
        ("summary", STR),
        ("labels", JSON),
    ),
    # --- rendered router configuration (parsers/haproxy_config.py) ---
    "router_backends": (
        ("ingresscontroller", STR),
        ("router_pod", STR),
        ("backend", STR),
        ("backend_kind", STR),  # be_http | be_edge_http | be_secure | be_tcp | other
        ("namespace", STR),
        ("route", STR),
        ("timeout_server", STR),
        ("timeout_tunnel", STR),
        ("balance", STR),
        ("server_count", INT),
    ),
    "router_servers": (
        ("ingresscontroller", STR),
        ("router_pod", STR),
        ("backend", STR),
        ("namespace", STR),
        ("route", STR),
        ("server", STR),
        ("pod", STR),
        ("service", STR),
        ("port_name", STR),
        ("ip", STR),
        ("port", INT),
        ("weight", INT),
        ("check", BOOL),
        ("maxconn", INT),
        ("ssl", BOOL),
        ("verify", STR),  # none | required
        ("disabled", BOOL),
    ),
    # --- router access logs (parsers/haproxy_log.py); Arrow-backed dtypes allowed for speed ---
    # Names that repeat over millions of rows are "category" (grouping on codes, a fraction of the memory);
    # compare them with strings as usual, and add new values with .astype("string") first.
    "requests": (
        ("ts", TS),  # HAProxy accept date ([%tr] / [%t]), as UTC
        ("received", TS),  # syslog receive time (rsyslog / kubelet prefix), when present
        ("mode", "category"),  # http | tcp
        ("client_ip", STR),
        ("client_port", INT),
        ("frontend", "category"),  # without the "~"
        ("tls", BOOL),  # frontend had the "~" suffix
        ("backend", "category"),
        ("backend_kind", "category"),  # be_http | be_edge_http | be_secure | be_tcp | openshift_default | be_sni | ...
        ("namespace", "category"),
        ("route", "category"),
        ("server", "category"),  # as logged, "<NOSRV>" kept
        ("server_kind", "category"),  # pod | ept | dynamic | nosrv | other
        ("pod", "category"),
        ("service", "category"),
        ("port_name", "category"),
        ("server_ip", "category"),
        ("server_port", INT),
        ("TR", INT),
        ("Tw", INT),
        ("Tc", INT),
        ("Tr", INT),
        ("Ta", INT),  # Tt for TCP lines
        ("status", INT),  # <NA> for TCP lines; -1 when no response was sent
        ("bytes", INT),
        ("term", "category"),  # 2-char termination state (the diagnosis key)
        ("term_full", "category"),  # 4 chars for HTTP, 2 for TCP
        ("retries", INT),
        ("redispatched", BOOL),  # retries logged with "+"
        ("actconn", INT),
        ("feconn", INT),
        ("beconn", INT),
        ("srv_conn", INT),
        ("srv_queue", INT),
        ("backend_queue", INT),
        ("method", "category"),
        ("path", STR),
        ("http_version", "category"),
        ("request_headers", STR),  # first captured header group ({a|b}, httpCaptureHeaders) as logged, <NA> without
        ("router_pod", "category"),  # syslog host token, or the router pod dir the log came from
        ("pid", INT),
    ),
    "router_events": (
        # non-access router messages: server DOWN/UP, no server available, proxy started/stopped, SSL errors
        ("ts", TS),
        ("router_pod", STR),
        ("pid", INT),
        ("event", STR),  # server-down | server-up | no-server | proxy-started | proxy-stopped | ssl-error | other
        ("backend", STR),
        ("namespace", STR),
        ("route", STR),
        ("server", STR),
        ("pod", STR),
        ("text", STR),
    ),
    "container_log_lines": (
        # application container log lines that say where the app listens (evidence only)
        ("namespace", STR),
        ("pod", STR),
        ("container", STR),
        ("ts", TS),
        ("text", STR),
        ("host", STR),  # the address the application says it listens on (None: all interfaces)
        ("port", INT),
    ),
}

# A million requests come from a handful of files: their input and file names are categoricals there
# (a plain string column repeated per row cost 90 MB per 333k rows, and a second to sort).
REQUEST_PROVENANCE: tuple[tuple[str, str], ...] = (("input", "category"), ("source", "category"), ("line", INT))


def columns(frame: str) -> tuple[tuple[str, str], ...]:
    """All (column, dtype) pairs of ``frame``, provenance included."""
    return FRAMES[frame] + (REQUEST_PROVENANCE if frame == "requests" else PROVENANCE)


def column_names(frame: str) -> list[str]:
    return [name for name, _ in columns(frame)]


def empty_frame(frame: str) -> pd.DataFrame:
    """A zero-row frame with the declared columns and dtypes: a copy of one built once per frame name (built
    column by column it took 20–40 ms for the request frame's, and every log file read makes one)."""
    return _empty_template(frame).copy()


@functools.cache
def _empty_template(frame: str) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns(frame)})


def conform(
    frame: str, rows: Sequence[Mapping[str, object]] | pd.DataFrame, out_of_range: list[tuple[int, str]] | None = None
) -> pd.DataFrame:
    """Build ``frame`` from row dicts (or a frame), with exactly the declared columns and dtypes.

    Missing columns become all-missing; unknown keys are an error, so a typo in a parser fails a
    test instead of silently dropping data. A time a ``ts`` column cannot hold (nanoseconds reach
    the years 1677-2262: ``0001-01-01``, ``9999-12-31``) is missing, like text that is no time;
    its (row position, column) is appended to ``out_of_range`` when given.
    """
    spec = columns(frame)
    names = [name for name, _ in spec]
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    extra = set(df.columns) - set(names)
    if extra:
        raise KeyError(f"frame {frame!r} has undeclared columns: {sorted(extra)}")
    if df.empty and not len(df.columns):
        return empty_frame(frame)
    out = {}
    for name, dtype in spec:
        if name in df.columns:
            col = df[name]
            if dtype == TS:
                out[name] = _times(col, name, out_of_range)
            elif dtype == INT:
                out[name] = pd.to_numeric(col, errors="coerce").astype(INT)
            elif dtype == BOOL:
                out[name] = col.astype("object").where(col.notna(), None).astype(BOOL)
            else:
                out[name] = col.astype("object").where(col.notna(), None).astype(dtype)
        else:
            out[name] = pd.Series([None] * len(df), dtype=dtype, index=df.index)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


_TS_MIN, _TS_MAX = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")


def _times(col: pd.Series, name: str, out_of_range: list[tuple[int, str]] | None) -> pd.Series:
    """``col`` as UTC nanosecond times: pandas parses into a wider unit, so a time outside the
    nanosecond range is made missing before the cast (it raised ``OutOfBoundsDatetime`` and ended the run)."""
    parsed = pd.to_datetime(col, utc=True, errors="coerce", format="ISO8601")
    outside = parsed.notna() & ((parsed < _TS_MIN) | (parsed > _TS_MAX))
    if outside.any():
        if out_of_range is not None:
            out_of_range.extend((int(i), name) for i in outside.to_numpy().nonzero()[0])
        parsed = parsed.where(~outside)
    return parsed.astype(TS)
