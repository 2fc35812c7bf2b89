"""A service targetPort that was wrong while the access log ran and was corrected before collection.

The archive holds only the corrected service, so the old port is known from the access log alone:
the router names each server ``pod:<pod>:<svc>:<portName>:<ip>:<port>`` with the endpoint's
(target) port (router-facts.md, server naming). Connections refused on a port that is not the
service's current target port, that no container declares, followed by answers from servers at the
current port, are the old targetPort's doing; the service's last edit (``managedFields``) between
the failures and those answers dates the fix. Nothing is guessed without such log lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.facts.objects import ObjectTimes
from analyzer.facts.router import ServerStateChange
from analyzer.rules import common
from parsers.router_names import split_server

REFUSED_DOWN = ("Layer4 connection problem", "Connection refused")  # a health check's DOWN for a closed port


@dataclass
class PastPort:
    """What the log and the objects say about a target port the service no longer has."""

    port: int  # the port the router's servers named while their connections were refused
    current: int  # the service's target port now (resolved to its number)
    refused: pd.DataFrame  # 503 SC with Tc=-1 on servers at ``port``
    after_down: pd.DataFrame  # 503 <NOSRV> while the health checks had those servers DOWN (Connection refused)
    downs: list[ServerStateChange]
    first_answer: datetime  # the first answer from a server at ``current`` after the last failure
    fix: ObjectTimes | None  # the service's last edit, when it lies between the failures and that answer


def server_port(server: object) -> int | None:
    """The (target) port a server name ends with; None for ``<NOSRV>`` and names without one."""
    return split_server(server).get("port") if isinstance(server, str) else None


def addresses(rows: pd.DataFrame) -> list[str]:
    """The distinct ``<ip>:<port>`` the rows' server names end with, sorted."""
    found = set()
    for name in rows["server"].astype("object").dropna().unique():
        parts = split_server(name)
        if parts["ip"] and parts["port"] is not None:
            found.add(f"{parts['ip']}:{parts['port']}")
    return sorted(found)


def _ports(rows: pd.DataFrame) -> pd.Series:
    """Each row's server port, split once per distinct server name."""
    if rows.empty:
        return pd.Series([], index=rows.index, dtype="object")
    names = rows["server"].astype("object")
    known = {name: server_port(name) for name in names.dropna().unique()}
    return names.map(lambda name: known.get(name))


def past_port(ctx: Context, route: common.RouteRef, service: str, current: int | None, served: set[int],
              refused: pd.DataFrame) -> PastPort | None:
    """The old target port of ``service``, when the route's log shows one and the pods serve the current one.

    ``served`` are the port numbers the route's containers declare, every (non-init) container
    declaring some (empty when one declares none: then nothing says the old port was not served).
    ``refused`` are the route's 503 SC with Tc=-1 from pods that were up. Only when every refused
    connection named one port, not ``current`` and not declared, while ``current`` is declared, and a
    server at ``current`` answered after the last failure.
    """
    if refused.empty or current is None or current not in served:
        return None
    ports = set(_ports(refused).dropna())
    if len(ports) != 1:
        return None
    (port,) = ports
    if port == current or port in served:
        return None
    downs = [c for c in ctx.facts.server_changes(route.namespace, route.name, state="DOWN")
             if (c.reason or "").startswith(REFUSED_DOWN[0]) and REFUSED_DOWN[1] in (c.info or "")]
    after_down = common.no_rows(ctx, refused)
    if downs and all(server_port(c.server) == port for c in downs):
        after_down = common.down_nosrv(ctx, route, *REFUSED_DOWN).drop(refused.index, errors="ignore")
    else:
        downs = []
    last = max(refused["ts"].max(), after_down["ts"].max() if not after_down.empty else refused["ts"].max())
    first_answer = _first_answer_at(ctx, route, current, last)
    if first_answer is None:
        return None
    return PastPort(port=int(port), current=current, refused=refused, after_down=after_down, downs=downs,
                    first_answer=first_answer, fix=_fix(ctx, route.namespace, service, last, first_answer))


def _first_answer_at(ctx: Context, route: common.RouteRef, port: int, after: pd.Timestamp) -> datetime | None:
    """The first request after ``after`` that a server at ``port`` answered (connection made, status below 500)."""
    req = common.route_requests(ctx, route)
    if req.empty or pd.isna(after):
        return None
    later = req[(req["ts"] > after).fillna(False).astype(bool) & (req["Tc"] >= 0).fillna(False).astype(bool)
                & (req["status"] < 500).fillna(False).astype(bool)]
    if later.empty:
        return None
    at_port = later[(_ports(later) == port).to_numpy(dtype=bool)]
    return None if at_port.empty else at_port["ts"].min().to_pydatetime()


def _fix(ctx: Context, namespace: str, service: str, last_failure: pd.Timestamp,
         first_answer: datetime) -> ObjectTimes | None:
    """The service's last edit when it lies between the last failure (less the router's reload and
    rounding, :data:`windows.NEAR_EVENT`) and the first answer at the current port: the edit that ended it."""
    times = ctx.facts.object_times("service", namespace, service)
    if times is None or times.last_edited is None:
        return None
    edited = pd.Timestamp(times.last_edited)
    return times if last_failure - windows.NEAR_EVENT <= edited <= pd.Timestamp(first_answer) else None
