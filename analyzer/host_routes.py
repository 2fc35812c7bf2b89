"""Which route an ``openshift_default`` line names: by its captured ``Host`` header, or its absolute URI.

The router answers from ``openshift_default`` when no route it serves matches the request (not
admitted, sharded away, a host typo). The default log format does not say which host was asked
for; with ``httpCaptureHeaders`` the captured ``Host`` header does, and an HTTP/2 request logged in
absolute form (``GET https://host/path``) names it too. This module ties such lines back to the
route whose host (and path, longest prefix first; the oldest route on a tie, as the router decides
a contested host) they name, so the error ledger counts them on that route and rules can cite them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

RouteKey = tuple[str, str]
DEFAULT_BACKEND = "openshift_default"


def _host_of(value: str) -> str:
    host = value.strip().lower()
    if host.startswith("[") and "]" in host:  # [v6]:port
        return host[1 : host.index("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _request_target(path: object) -> tuple[str | None, str]:
    """(host, path) of a logged request target: an HTTP/2 absolute form names its host."""
    text = path if isinstance(path, str) else ""
    for scheme in ("https://", "http://"):
        if text.lower().startswith(scheme):
            rest = text[len(scheme) :]
            host, _, tail = rest.partition("/")
            return _host_of(host), "/" + tail
    return None, text or "/"


def _route_table(routes: pd.DataFrame) -> dict[str, list[tuple[str, int, pd.Timestamp, RouteKey]]]:
    """host -> [(path prefix, -len, created, (namespace, name))], longest prefix then oldest first."""
    table: dict[str, list[tuple[str, int, pd.Timestamp, RouteKey]]] = {}
    if routes.empty:
        return table
    firsts = routes.drop_duplicates(subset=["namespace", "name"])
    for _, r in firsts.iterrows():
        if not isinstance(r["host"], str) or not r["host"]:
            continue
        prefix = r["path"] if isinstance(r["path"], str) and r["path"] else "/"
        created = r["created"] if pd.notna(r["created"]) else pd.Timestamp.max.tz_localize("UTC")
        table.setdefault(r["host"].lower(), []).append((prefix, -len(prefix), created, (r["namespace"], r["name"])))
    for candidates in table.values():
        candidates.sort(key=lambda c: (c[1], c[2], c[3]))
    return table


def _match(table: dict, hosts: Iterable[str], path: str) -> RouteKey | None:
    for host in hosts:
        for prefix, _, _, key in table.get(host, ()):
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or prefix == "/":
                return key
    return None


def route_table(routes: pd.DataFrame) -> dict[str, list[tuple[str, int, pd.Timestamp, RouteKey]]]:
    """The host -> candidate routes table :func:`route_named` reads (build once, query many times)."""
    return _route_table(routes)


def route_named(table: dict, headers: str | None, path: object) -> tuple[str | None, RouteKey | None]:
    """(host, route) an ``openshift_default`` request names by its captured headers or absolute URI.

    ``host`` is the first host-like value asked for (the absolute URI's, else a captured value a
    route claims, else the first captured value), ``None`` when the line names none.
    """
    uri_host, uri_path = _request_target(path)
    hosts = [uri_host] if uri_host else []
    if isinstance(headers, str):
        hosts += [_host_of(v) for v in headers.split("|") if v.strip()]
    key = _match(table, hosts, uri_path.split("?", 1)[0])
    claimed = next((h for h in hosts if h in table), None)
    return claimed or (hosts[0] if hosts else None), key


def unnamed_default_lines(requests: pd.DataFrame) -> pd.Series:
    """Which lines are ``openshift_default`` answers that name no host: no captured header, no absolute URI.

    Nothing in such a line says which route was asked for (the default log format, without
    ``httpCaptureHeaders``): it can be nobody's, whatever route its host was meant for.
    """
    out = np.zeros(len(requests), dtype=bool)
    if requests.empty:
        return pd.Series(out, index=requests.index, copy=False)
    # compared as it is (a categorical on its few categories); only the default lines' texts are read
    at = np.flatnonzero((requests["backend_kind"] == DEFAULT_BACKEND).fillna(False).to_numpy(dtype=bool))
    named = np.zeros(len(at), dtype=bool)
    if "request_headers" in requests:
        named |= requests["request_headers"].iloc[at].notna().to_numpy(dtype=bool)
    path = requests["path"].iloc[at].astype("string").str.lower()
    named |= path.str.startswith("http").fillna(False).to_numpy(dtype=bool)
    out[at[~named]] = True
    return pd.Series(out, index=requests.index, copy=False)


def default_line_routes(requests: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """``openshift_default`` lines that name a route by their captured ``Host`` header (or absolute URI).

    Returns ``namespace``/``route`` columns indexed by the lines' labels; lines naming no route are
    left out. Paths match the route's path as a prefix, longest first; among routes still tied, the
    oldest by ``creationTimestamp`` wins (the router's own rule for a contested host).
    """
    empty = pd.DataFrame({"namespace": pd.Series(dtype=object), "route": pd.Series(dtype=object)})
    if requests.empty or routes.empty:
        return empty
    kind = requests["backend_kind"]  # compared as it is: a categorical is compared on its few categories
    lines = requests[(kind == DEFAULT_BACKEND).fillna(False).astype(bool)]
    if lines.empty:
        return empty
    captured = lines["request_headers"] if "request_headers" in lines else pd.Series(pd.NA, index=lines.index)
    absolute = lines["path"].astype("string").str.lower().str.startswith("http").fillna(False).astype(bool)
    named = captured.notna().to_numpy() | absolute.to_numpy()
    if not named.any():  # the usual case: no capture configured, no HTTP/2 absolute form
        return empty
    lines, captured = lines[named], captured[named]
    table = _route_table(routes)
    found: dict[object, RouteKey] = {}
    for label, headers, path in zip(lines.index, captured, lines["path"], strict=True):
        uri_host, uri_path = _request_target(path)
        hosts = [uri_host] if uri_host else []
        if isinstance(headers, str):
            hosts += [_host_of(v) for v in headers.split("|") if v.strip()]
        key = _match(table, hosts, uri_path.split("?", 1)[0])
        if key is not None:
            found[label] = key
    if not found:
        return empty
    return pd.DataFrame.from_dict(found, orient="index", columns=["namespace", "route"])
