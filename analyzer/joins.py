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


def route_summary(snap: Snapshot) -> pd.DataFrame:
    """One row per route: host, termination, services, servers ready/total, and what is known.

    ``endpoints_ready``/``endpoints_total`` are <NA> when the route's namespace was not collected
    (a default must-gather does not hold application namespaces): unknown, never zero.
    """
    routes = snap.frame("routes")
    services = snap.frame("services")
    endpoints = snap.frame("endpoints")
    known_services = set(zip(services["namespace"], services["name"], strict=True))
    rows = []
    if routes.empty:
        return pd.DataFrame(
            columns=[
                "namespace", "name", "host", "path", "termination", "services", "weights", "missing_services",
                "endpoints_ready", "endpoints_total", "namespace_collected", "admitted", "source", "line", "input",
            ]
        )
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
