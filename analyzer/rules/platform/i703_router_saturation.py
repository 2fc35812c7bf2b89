"""The router ran at its connection limit while routes of unrelated services failed at the same time.

## What it does

Reads the `actconn` field of every access-log line (connections the HAProxy process held;
counted for every line parsed, also of routes the inputs hold no objects of) and the router's
limit: the smallest `global maxconn` of the collected `haproxy.config` files, else the
IngressController's `tuningOptions.maxConnections`, else the router's default (20000 up to
4.11, 50000 from 4.12; 50000 when the version is unknown).
The minutes in which some line shows `actconn` at 90 % of that limit or more are the
router's saturated minutes. Their router-side 5xx are read from the request rows and, for
namespaces the inputs hold no objects of, from the parse's counts per minute and route (of those
failures the parse keeps one row per minute, status and state: the one logged at the highest
`actconn`). Fires (critical) when the router-side 5xx of those minutes belong to at least two
routes of different services: one finding per such route, claiming that
route's router-side 5xx of the saturated minutes, all sharing the incident id
`router-saturation@<first saturated line>`.

## Why it matters

A router at `maxconn` stops accepting and queues every connection, whatever route it is
for: requests wait, time out or fail on backends that are themselves healthy. Scaling or
fixing one application changes nothing; the router needs more capacity.

## Example

`... be_edge_http:shop:web/pod:web-…:10.128.2.31:8080 0/30000/-1/-1/30001 503 … sQ--
49873/49850/310/12/0 0/41` beside 503/504 lines of `shop/promo` and `shop/api` in the same
minutes, with `maxconn 50000` in the router's haproxy.config.

## Remediation

Raise `tuningOptions.maxConnections` (and `threadCount` if the router's CPU is the limit)
of the IngressController, or add router replicas; then find what holds so many connections
(long-lived websockets, slow clients, a retry storm).

## Known problems

Saturation is seen only through access-log lines: a router that refused connections at its
limit logs nothing for them. `actconn` is per HAProxy process, the limit per process too;
with several router pods each is judged against the smallest limit collected. Threads and
CPU are not measured (no metrics in a must-gather). With `maxConnections: -1` HAProxy
sizes its own limit and nothing says it: the rule stays silent.

## References

report-contract.md (cause `router-saturation`); router-facts.md §1 (the `actconn/feconn`
fields), §3 (`maxconn` defaults and `maxConnections`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.evidence import log_evidence, object_evidence
from analyzer.ledger import line_routes, router_side_mask
from analyzer.model import Evidence, Finding, Severity, rfc3339
from analyzer.rule import LOGS, rule
from analyzer.rules import common
from analyzer.rules.platform.shared import once_per_snapshot, text
from analyzer.wording import plural
from parsers.log_totals import LogTotals
from parsers.term_side import router_side_state

RULE = rule(
    code="I703",
    name="router-saturation",
    cause="router-saturation",
    severity=Severity.CRITICAL,
    needs=(LOGS,),
)


DEFAULT_MAXCONN = 50000  # tuningOptions.maxConnections unset or 0: the router's default from 4.12 (router-facts.md §3)
OLD_DEFAULT_MAXCONN = 20000  # ... and up to 4.11
SATURATED = 0.9  # share of maxconn from which the router is at its limit
MIN_ROUTES = 2  # routes of different services failing in the same minutes


@dataclass(frozen=True)
class ConnLimit:
    """The router's connection limit, where it was read, and the line that says it (None for the default)."""

    value: int
    said: str
    evidence: Evidence | None


@dataclass(frozen=True)
class Saturation:
    """Minutes in which a router ran at its connection limit, and the router-side 5xx of routes then."""

    limit: ConnLimit
    start: datetime | None
    end: datetime | None
    peak: pd.Series  # the router-side 5xx logged at the highest actconn
    errors: pd.DataFrame  # those 5xx lines kept as rows, with the ``namespace``/``route`` they belong to
    routes: int
    failed: int  # those 5xx, also of the other namespaces' lines counted without their rows


def router_maxconn(ctx: Context) -> ConnLimit | None:
    """The smallest ``global maxconn`` of the collected haproxy.config files, else the IngressController's
    ``tuningOptions.maxConnections``, else the router's default for the cluster's version. None when
    ``maxConnections: -1`` lets HAProxy size the limit itself (no ``maxconn`` line): unknown."""
    found: ConnLimit | None = None
    for pod, defaults in sorted(ctx.snap.router_defaults.items()):
        value = str(defaults.get("global maxconn", ""))
        if not value.isdigit():
            continue
        where = defaults.get("where") or {}
        line = (defaults.get("lines") or {}).get("global maxconn")
        evidence = None
        if where.get("source") and line:
            text = ctx.snap.source_line(where.get("input"), where["source"], int(line))
            evidence = Evidence(source=where["source"], line=int(line), text=(text or f"maxconn {value}").strip(),
                                input=where.get("input"))
        limit = ConnLimit(int(value), f"maxconn {value} in the global section of router {pod}'s haproxy.config",
                          evidence)
        if found is None or limit.value < found.value:
            found = limit
    if found is not None:
        return found
    ics = common.whole_frame(ctx, "ingresscontrollers")
    if not ics.empty and (ics["max_connections"] == -1).fillna(False).any():
        return None
    tuned = ics[(ics["max_connections"] > 0).fillna(False).astype(bool)] if not ics.empty else ics
    if not tuned.empty:
        row = tuned.sort_values("max_connections").iloc[0]
        value = int(row["max_connections"])
        return ConnLimit(value, f"IngressController {row['name']} tuningOptions.maxConnections {value}",
                         object_evidence(ctx.snap, row, "maxConnections"))
    version = _minor_version(common.whole_frame(ctx, "clusterversion"))
    value = OLD_DEFAULT_MAXCONN if version is not None and version < (4, 12) else DEFAULT_MAXCONN
    return ConnLimit(value, f"the router's default maxconn {value} (no haproxy.config collected, "
                     "tuningOptions.maxConnections unset)", None)


def _minor_version(cv: pd.DataFrame) -> tuple[int, int] | None:
    """(4, 16) from the ClusterVersion's desired version, when it reads like one."""
    if cv.empty:
        return None
    m = re.match(r"(\d+)\.(\d+)", text(cv.iloc[0]["version"]))
    return (int(m.group(1)), int(m.group(2))) if m else None


def saturation(ctx: Context) -> Saturation | None:
    """Router saturation across the whole snapshot, computed once, or None."""
    return once_per_snapshot(ctx, "saturation", lambda: _saturation(ctx))


def _saturation(ctx: Context) -> Saturation | None:
    totals = ctx.snap.totals()  # every line's actconn, also of routes whose rows are not kept
    if not totals.has_actconn:
        return None
    limit = router_maxconn(ctx)
    if limit is None:
        return None
    threshold = math.ceil(SATURATED * limit.value)
    busy_lines, busy_first, busy_last = totals.actconn_at_least(threshold)
    req = common.whole_frame(ctx, "requests")
    if not busy_lines or req.empty:
        return None
    busy = (req["actconn"] >= threshold).fillna(False).astype(bool)
    minute = req["ts"].dt.floor("min")
    saturated = np.fromiter(totals.minutes_with_actconn_at_least(threshold), dtype=np.int64)
    in_busy = pd.Series(np.isin(minute.array.asi8, saturated) & minute.notna().to_numpy(), index=req.index)
    mask = router_side_mask(req) & in_busy
    routes = common.whole_frame(ctx, "routes")
    keys = line_routes(req, routes, mask)
    if keys.empty:
        return None
    services: dict[tuple[str, str], tuple[str, str]] = {}  # route -> (namespace, service of spec.to)
    for ns, name, svc in routes.sort_values("backend_index")[["namespace", "name", "service"]].itertuples(index=False):
        services.setdefault((str(ns), str(name)), (str(ns), str(svc)))
    affected = set(zip(keys["namespace"].astype(str), keys["route"].astype(str), strict=True))
    left_out = _left_out_errors(totals, set(saturated.tolist()))
    affected |= set(left_out)
    if len(affected) < MIN_ROUTES or len({services.get(k, k) for k in affected}) < MIN_ROUTES:
        return None
    errors = req.loc[keys.index].assign(namespace=keys["namespace"].astype(object), route=keys["route"].astype(object))
    loud = errors[busy.loc[errors.index]]
    # the busiest line, then the earliest, then the first in its file (the frame's order is by route)
    peak = (loud if not loud.empty else errors).sort_values(["actconn", "ts", "line"],
                                                            ascending=[False, True, True]).iloc[0]
    start, end = (None if t is None else pd.Timestamp(t, tz="UTC").to_pydatetime() for t in (busy_first, busy_last))
    return Saturation(limit, start, end, peak, errors, len(affected), len(errors) + sum(left_out.values()))


def _left_out_errors(totals: LogTotals, minutes: set[int]) -> dict[tuple[str, str], int]:
    """Router-side 5xx of the saturated ``minutes`` that the parse counted without keeping their rows
    (other namespaces' failures: ``parsers.log_left_out``), per route."""
    out: dict[tuple[str, str], int] = {}
    for _, namespace, route, status, term, n in totals.left_out.groups(minutes):
        if 500 <= status < 600 and router_side_state(term):
            out[(namespace, route)] = out.get((namespace, route), 0) + n
    return out


@RULE.check
def router_saturation(ctx: Context) -> Iterator[Finding]:
    found = saturation(ctx)
    if found is None:
        return
    incident = f"router-saturation@{rfc3339(found.start)}" if found.start else "router-saturation"
    for route in common.routes(ctx):
        mine = found.errors[(found.errors["namespace"] == route.namespace) & (found.errors["route"] == route.name)]
        if mine.empty:
            continue
        yield _saturated(ctx, route, found, mine, incident)


def _saturated(ctx: Context, route: common.RouteRef, found: Saturation, mine: pd.DataFrame,
               incident: str) -> Finding:
    peak = found.peak
    evidence = log_evidence(ctx.snap, peak.to_frame().T, limit=1)
    if found.limit.evidence is not None:
        evidence.append(found.limit.evidence)
    evidence += [e for e in log_evidence(ctx.snap, mine, limit=2) if e not in evidence]
    first, last = common.span(mine)
    status, ended = common.incident_status(ctx, route, last)
    share = int(peak["actconn"]) * 100 // max(1, found.limit.value)
    terms = ", ".join(f"{int(s)} {t}" for (s, t), _ in mine.groupby(
        [mine["status"].astype("int64"), mine["term"].astype(str)], sort=True))
    ic = common.ic_of(route)
    patch = json.dumps({"spec": {"tuningOptions": {"maxConnections": found.limit.value * 2}}}, separators=(",", ":"))
    return RULE.finding(
        namespace=route.namespace,
        route=route.name, service=common.first_service(route),
        names=common.command_names(ctx, route, ic, f"router-{ic}"),
        title=f"the router was at its connection limit while route {route.name} and other routes failed",
        explanation=(f"From {common.hhmm(found.start)} to {common.hhmm(found.end)} the router held up to "
                     f"{int(peak['actconn'])} connections ({share}% of {found.limit.said}). In those minutes "
                     f"{plural(found.failed, 'request')} of {found.routes} routes of different services failed in the "
                     f"router; {len(mine)} of them on route {route.name} ({terms}). Unrelated backends failing at "
                     "the same moment while the router runs at its limit: the router, not this route's backend, "
                     "was the bottleneck."),
        evidence=evidence,
        remediation=[f"oc -n openshift-ingress-operator patch ingresscontroller/{ic} --type=merge -p '{patch}'   "
                     "# or add router replicas (spec.replicas) / threads (tuningOptions.threadCount)"],
        diagnostics=["oc -n openshift-ingress adm top pods   # router CPU near its limit?",
                     f"oc -n openshift-ingress-operator get ingresscontroller {ic} "
                     "-o jsonpath='{.spec.tuningOptions}'",
                     f"oc -n openshift-ingress rsh deploy/router-{ic} grep -E 'maxconn|nbthread' "
                     "/var/lib/haproxy/conf/haproxy.config"],
        first_seen=first, last_seen=last, affected_requests=len(mine), claims=mine.index,
        began_at=found.start, ended_at=ended, status_at_collection=status, incident=incident,
    )
