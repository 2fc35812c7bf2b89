"""Backend and server names of the OpenShift router (router-facts.md §2), parsed once for every reader.

The router names its backends ``<kind>:<namespace>:<route>`` (``be_http``, ``be_edge_http``,
``be_secure``, ``be_tcp``) next to a few of its own (``openshift_default``, ``be_sni``,
``be_no_sni``), and its servers ``pod:<pod>:<svc>:<portName>:<ip>:<port>`` (older routers: no port
name; ``ept:`` servers have no pod). The same names appear in the rendered ``haproxy.config``, in
every access-log line and in the router's own messages, so their parsing lives here, once.

Two readers want two answers for a backend that is not a route's: the access-log frames keep its
own name as ``backend_kind`` (``openshift_default``, ``be_sni``, or any other name the line
carries: :func:`split_log_backend`), while ``router_backends`` from ``haproxy.config`` calls every
section that is neither a route's nor one of the router's specials ``other``
(:func:`split_config_backend`). Both read the route backends with the same table.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from parsers.arrow_arrays import one_array

ROUTE_BACKEND_KINDS = ("be_http", "be_edge_http", "be_secure", "be_tcp")
SPECIAL_BACKENDS = ("openshift_default", "be_sni", "be_no_sni")  # the router's own backends, not a route's
DEFAULT_BACKEND = SPECIAL_BACKENDS[0]  # the router's answer to a request no route took


@lru_cache(maxsize=1 << 16)
def split_log_backend(backend: str | None) -> dict[str, Any]:
    """``be_http:<ns>:<route>`` -> kind, namespace, route; other backends keep their name as kind.

    The access-log reading (``requests`` and ``router_events`` columns); see the module docstring.
    """
    parts = (backend or "").split(":", 2)
    if len(parts) == 3 and parts[0] in ROUTE_BACKEND_KINDS:
        return {"backend_kind": parts[0], "namespace": parts[1], "route": parts[2]}
    return {"backend_kind": backend, "namespace": None, "route": None}


def split_config_backend(name: str) -> tuple[str, str | None, str | None]:
    """``be_edge_http:shop:frontend`` -> ("be_edge_http", "shop", "frontend"); specials keep their name as kind.

    The ``haproxy.config`` reading (``router_backends``): any other section's kind is ``other``.
    """
    parts = name.split(":", 2)
    if len(parts) == 3 and parts[0] in ROUTE_BACKEND_KINDS:
        return parts[0], parts[1], parts[2]
    if name in SPECIAL_BACKENDS:
        return name, None, None
    return "other", None, None

def split_server(name: str) -> dict[str, Any]:
    """Server name -> kind/pod/service/port_name/ip/port, parsed from the right (IPv6 ips hold ':').

    OCP 4.4+: ``pod:<pod>:<svc>:<portName>:<ip>:<port>``; older: ``pod:<pod>:<svc>:<ip>:<port>``;
    non-pod endpoints: ``ept:<svc>[:<portName>]:<ip>:<port>``; dynamic slots ``_dynamic-pod-N``.
    """
    out: dict[str, Any] = {
        "server_kind": "other",
        "pod": None,
        "service": None,
        "port_name": None,
        "ip": None,
        "port": None,
    }
    if name == "<NOSRV>":
        out["server_kind"] = "nosrv"
        return out
    if name.startswith("_dynamic-pod-"):
        out["server_kind"] = "dynamic"
        return out
    kind, sep, rest = name.partition(":")
    head, _, port = rest.rpartition(":")
    if not sep or kind not in ("pod", "ept") or not port.isdigit():
        return out
    fields = head.split(":")
    known = 2 if kind == "pod" else 1
    if len(fields) <= known:
        return out
    out["server_kind"], out["port"] = kind, int(port)
    if kind == "pod":
        out["pod"], out["service"] = fields[0], fields[1]
    else:
        out["service"] = fields[0]
    tail = fields[known:]
    if _is_ip(":".join(tail)):  # old form: no port name
        out["ip"] = ":".join(tail)
    else:
        out["port_name"], out["ip"] = tail[0], ":".join(tail[1:]) or None
    return out


# a dotted quad as ``ipaddress`` accepts it (no leading zeros, each part <= 255): the common case, a
# regex match instead of building an address object (12,500 server names of a busy router log: 0.09 s)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")

_NOT_IP_CHAR_RE = re.compile(r"[^0-9A-Fa-f:.]")  # outside an address, unless after an IPv6 "%scope"


def _is_ip(text: str) -> bool:
    if _IPV4_RE.fullmatch(text):
        return True
    if "%" not in text and _NOT_IP_CHAR_RE.search(text):  # "http:10.0.0.1": a port name in front
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _per_distinct(values: pa.Array, split: Callable[[str | None], dict[str, Any]]) -> dict[str, pa.Array]:
    """Apply ``split`` once per distinct value and spread the results over the rows as dictionaries."""
    values = one_array(values)
    encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    distinct = [split(v) for v in encoded.dictionary.to_pylist()]
    out: dict[str, pa.Array] = {}
    for name in distinct[0] if distinct else split(None):
        column = [d[name] for d in distinct]
        if any(isinstance(v, int) for v in column):
            out[name] = pc.take(pa.array(column, pa.int64()), encoded.indices)
            continue
        sub = pc.dictionary_encode(pa.array(column, pa.string()))
        out[name] = pa.DictionaryArray.from_arrays(pc.take(sub.indices, encoded.indices), sub.dictionary)
    return out


def _backend_columns(backend: pa.Array) -> dict[str, pa.Array]:
    return _per_distinct(backend, split_log_backend)


@lru_cache(maxsize=1 << 16)  # chunks of one file see the same servers again: split each once
def _split_server(name: str | None) -> dict[str, Any]:
    """:func:`split_server` with the ``requests`` frame's column names (the same names as in haproxy.config)."""
    if name is None:
        return dict.fromkeys(("server_kind", "pod", "service", "port_name", "server_ip", "server_port"))
    parts = split_server(name)
    return {
        "server_kind": parts["server_kind"],
        "pod": parts["pod"],
        "service": parts["service"],
        "port_name": parts["port_name"],
        "server_ip": parts["ip"],
        "server_port": parts["port"],
    }


def server_pod(server: str | None) -> str | None:
    """The pod a server name points at (both server-name generations), as the ``pod`` column has it."""
    return _split_server(server)["pod"]


def _server_columns(server: pa.Array) -> dict[str, pa.Array]:
    out = _per_distinct(server, _split_server)
    if not pa.types.is_integer(out["server_port"].type):
        out["server_port"] = pc.cast(pc.dictionary_decode(out["server_port"]), pa.int64())
    return out
