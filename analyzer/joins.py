"""Shared correlations every rule and view needs, computed once per snapshot.

route → backends (spec.to + alternateBackends) → service → the endpoints the router would use.
Endpoint selection follows the router exactly (router-facts §2, ``endpointsForAlias``): with a
route ``spec.port.targetPort`` only endpoints whose *port name* or *target port number* equals it
become servers; without one, every endpoint port does. Only ready addresses become servers.
"""

from __future__ import annotations

import pandas as pd

from parsers.snapshot import Snapshot


def endpoints_for_backend(endpoints: pd.DataFrame, namespace: str, service: str, target_port: object) -> pd.DataFrame:
    """The endpoint rows the router turns into servers for one route backend (ready or not)."""
    eps = endpoints[(endpoints["namespace"] == namespace) & (endpoints["service"] == service)]
    if target_port is None or pd.isna(target_port) or str(target_port) == "":
        return eps
    wanted = str(target_port)
    by_name = eps["port_name"].fillna("") == wanted
    by_number = eps["port"].astype("string").fillna("") == wanted
    return eps[by_name | by_number]


def distinct_servers(eps: pd.DataFrame) -> pd.DataFrame:
    """One row per (service, ip, port): endpoints and slices may both describe the same address."""
    if eps.empty:
        return eps
    ordered = eps.sort_values("ready", ascending=False, na_position="last")
    return ordered.drop_duplicates(subset=["service", "ip", "port"], keep="first")


SUMMARY_COLUMNS = [
    "namespace", "name", "host", "path", "termination", "services", "weights", "missing_services",
    "endpoints_ready", "endpoints_total", "namespace_collected", "admitted", "source", "line", "input",
]
FIRST_ROW_COLUMNS = ("host", "path", "termination", "admitted", "source", "line", "input")


def _collected(snap: Snapshot, ns: str, namespaces_with_endpoints: set) -> bool:
    """Endpoints count only when they were collected: absent files mean unknown, never zero."""
    return ns in snap.collected_namespaces and (
        (ns, "endpoints") in snap.collected_resources
        or (ns, "endpointslices") in snap.collected_resources
        or ns in namespaces_with_endpoints
    )


def route_summary(snap: Snapshot) -> pd.DataFrame:
    """One row per route: host, termination, services, servers ready/total, and what is known.

    ``endpoints_ready``/``endpoints_total`` are <NA> when the route's namespace was not collected
    (a default must-gather does not hold application namespaces): unknown, never zero.

    Every route of the snapshot at once: the routes, services and endpoints frames are each read
    once into Python lists and joined through dictionaries (route → backends → endpoints of each
    backend's service), so the cost grows with routes plus endpoints, not with their product.
    :func:`route_summary_by_filters` is the same summary by frame filters, kept as the reference.
    """
    routes = snap.frame("routes")
    if routes.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    services = snap.frame("services")
    endpoints = snap.frame("endpoints")
    known_services = set(zip(services["namespace"].tolist(), services["name"].tolist(), strict=True))
    namespaces_with_endpoints = set(endpoints["namespace"].dropna())
    eps_rows = _endpoint_rows(endpoints)

    col = {c: routes[c].tolist() for c in ("namespace", "name", "service", "target_port", "weight", "backend_index")}
    groups: dict[tuple[str, str], list[int]] = {}
    for pos, key in enumerate(zip(col["namespace"], col["name"], strict=True)):
        if any(v is pd.NA or v is None for v in key):
            continue  # groupby leaves rows without a key out
        groups.setdefault(key, []).append(pos)
    keys = sorted(groups)
    for key in keys:  # spec.to first, then alternateBackends (index order; a missing index last)
        idx = col["backend_index"]
        groups[key].sort(key=lambda p: (idx[p] is pd.NA, 0 if idx[p] is pd.NA else idx[p], p))
    firsts = routes.iloc[[groups[k][0] for k in keys]]
    first_values = {c: firsts[c].array for c in FIRST_ROW_COLUMNS}

    rows = []
    for i, (ns, name) in enumerate(keys):
        group = groups[(ns, name)]
        collected = _collected(snap, ns, namespaces_with_endpoints)
        svc_names = [str(col["service"][p]) for p in group if isinstance(col["service"][p], str)]
        missing = [s for s in svc_names if (ns, s) not in known_services] if collected else []
        ready = total = None
        if collected:
            servers: dict[tuple, object] = {}  # (service, ip, port) -> ready: True beats False beats unknown
            for p in group:
                service = col["service"][p]
                if not isinstance(service, str):
                    continue
                weight = col["weight"][p]
                zero = weight is not pd.NA and weight is not None and int(weight) == 0
                for svc, ip, port, port_name, port_text, up in eps_rows.get((ns, service), ()):
                    if not _port_selected(col["target_port"][p], port_name, port_text):
                        continue
                    state = False if zero else up
                    key = (svc, ip, port)
                    if key not in servers or _rank(state) < _rank(servers[key]):
                        servers[key] = state
            total = len(servers)
            ready = sum(1 for state in servers.values() if state is True) if total else 0
        row = {
            "namespace": ns,
            "name": name,
            "host": first_values["host"][i],
            "path": first_values["path"][i],
            "termination": first_values["termination"][i],
            "services": svc_names,
            "weights": [None if pd.isna(col["weight"][p]) else int(col["weight"][p]) for p in group],
            "missing_services": missing,
            "endpoints_ready": ready,
            "endpoints_total": total,
            "namespace_collected": collected,
        }
        row.update({c: first_values[c][i] for c in ("admitted", "source", "line", "input")})
        rows.append(row)
    out = pd.DataFrame(rows)
    out["endpoints_ready"] = out["endpoints_ready"].astype("Int64")
    out["endpoints_total"] = out["endpoints_total"].astype("Int64")
    return out


def _endpoint_rows(endpoints: pd.DataFrame) -> dict[tuple[str, str], list[tuple]]:
    """Endpoint rows by (namespace, service), in frame order: (service, ip, port, port name, port text, ready)."""
    out: dict[tuple[str, str], list[tuple]] = {}
    if endpoints.empty:
        return out
    cols = [endpoints[c].tolist() for c in ("namespace", "service", "ip", "port", "port_name", "ready")]
    for ns, svc, ip, port, port_name, up in zip(*cols, strict=True):
        if ns is pd.NA or svc is pd.NA:
            continue
        port_text = "" if port is pd.NA or port is None else str(port)
        name_text = "" if port_name is pd.NA or port_name is None else str(port_name)
        out.setdefault((ns, svc), []).append((svc, ip, port, name_text, port_text, up))
    return out


def _port_selected(target_port: object, port_name: str, port_text: str) -> bool:
    """:func:`endpoints_for_backend`'s port rule for one endpoint row."""
    if target_port is None or pd.isna(target_port) or str(target_port) == "":
        return True
    wanted = str(target_port)
    return port_name == wanted or port_text == wanted


def _rank(ready: object) -> int:
    """The order :func:`distinct_servers` keeps duplicates in: ready first, then not ready, then unknown."""
    return 0 if ready is True else 1 if ready is False else 2


def route_summary_by_filters(snap: Snapshot) -> pd.DataFrame:
    """:func:`route_summary` by frame filters per backend: the reference its joins are tested against."""
    routes = snap.frame("routes")
    services = snap.frame("services")
    endpoints = snap.frame("endpoints")
    known_services = set(zip(services["namespace"], services["name"], strict=True))
    rows = []
    if routes.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    namespaces_with_endpoints = set(endpoints["namespace"].dropna())
    for (ns, name), group in routes.sort_values("backend_index").groupby(["namespace", "name"], sort=True):
        first = group.iloc[0]
        # endpoints count only when they were collected: absent files mean unknown, never zero
        collected = ns in snap.collected_namespaces and (
            (ns, "endpoints") in snap.collected_resources
            or (ns, "endpointslices") in snap.collected_resources
            or ns in namespaces_with_endpoints
        )
        svc_names = [str(s) for s in group["service"].tolist() if isinstance(s, str)]
        missing = [s for s in svc_names if (ns, s) not in known_services] if collected else []
        ready = total = None
        if collected:
            picked = []
            for _, backend in group.iterrows():
                if not isinstance(backend["service"], str):
                    continue
                eps = endpoints_for_backend(endpoints, ns, backend["service"], backend["target_port"])
                if pd.notna(backend["weight"]) and int(backend["weight"]) == 0:
                    eps = eps.assign(ready=False)
                picked.append(eps)
            servers = distinct_servers(pd.concat(picked)) if picked else endpoints.iloc[0:0]
            total = len(servers)
            ready = int(servers["ready"].fillna(False).astype(bool).sum()) if total else 0
        rows.append(
            {
                "namespace": ns,
                "name": name,
                "host": first["host"],
                "path": first["path"],
                "termination": first["termination"],
                "services": svc_names,
                "weights": [None if pd.isna(w) else int(w) for w in group["weight"].tolist()],
                "missing_services": missing,
                "endpoints_ready": ready,
                "endpoints_total": total,
                "namespace_collected": collected,
                "admitted": first["admitted"],
                "source": first["source"],
                "line": first["line"],
                "input": first["input"],
            }
        )
    out = pd.DataFrame(rows)
    out["endpoints_ready"] = out["endpoints_ready"].astype("Int64")
    out["endpoints_total"] = out["endpoints_total"].astype("Int64")
    return out
