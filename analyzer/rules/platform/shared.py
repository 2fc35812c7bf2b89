"""What the platform rules share: the router's own log lines and object conditions as evidence, facts
built once per snapshot (rules run once per namespace), and which node a name or a pod IP means."""

from __future__ import annotations

import ipaddress
import json
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from analyzer.context import Context
from analyzer.model import Evidence
from analyzer.rules import common


def text(value: object) -> str:
    """A cell as text; missing values are the empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def log_evidence(row: pd.Series) -> Evidence:
    """A router-log row as evidence: its file, line and the line as it stands there (its kubelet timestamp
    included, so that it can be searched for in the file), or its message where the row has no such text."""
    raw = text(row["raw"]) if "raw" in row else ""
    return Evidence(source=str(row["source"]), line=int(row["line"]), text=raw or text(row["text"]),
                    input=text(row["input"]))


_ONCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def once_per_snapshot(ctx: Context, key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per snapshot: rules run once per namespace, router-wide facts need not be rebuilt."""
    memo = _ONCE.setdefault(ctx.facts, {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


def moment(value: object) -> datetime | None:
    """A frame timestamp as ``datetime`` (None when missing)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def node_subnets(ctx: Context) -> list[tuple[Any, str, pd.Series]]:
    """(pod subnet, node name, node row) of every node that says its pod subnets, computed once."""
    return once_per_snapshot(ctx, "node-subnets", lambda: _node_subnets(ctx))


def _node_subnets(ctx: Context) -> list[tuple[Any, str, pd.Series]]:
    nodes = common.whole_frame(ctx, "nodes")
    out = []
    for _, row in nodes.iterrows():
        if pd.isna(row["pod_subnets"]):
            continue
        for cidr in json.loads(str(row["pod_subnets"])):
            try:
                out.append((ipaddress.ip_network(str(cidr), strict=False), str(row["name"]), row))
            except ValueError:
                continue
    return out


def node_of_ip(ctx: Context, ip: str) -> tuple[str, pd.Series] | None:
    """The node whose pod subnet holds ``ip`` (and its row), when the nodes say their subnets."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for net, name, row in node_subnets(ctx):
        if address.version == net.version and address in net:
            return name, row
    return None


def subnet_needle(row: pd.Series, ip: str) -> str:
    """The subnet of the node row that holds ``ip``, as written (the text an evidence line is found by)."""
    for cidr in json.loads(str(row["pod_subnets"])):
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(str(cidr), strict=False):
                return str(cidr)
        except ValueError:
            continue
    return "node-subnets"


def same_node(a: str, b: str) -> bool:
    """Node names are equal, or equal without their domain (checks and events may drop it)."""
    return a == b or a.split(".", 1)[0] == b.split(".", 1)[0]
