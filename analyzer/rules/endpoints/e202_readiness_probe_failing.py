"""Selected pods are running but fail their readiness probe.

## What it does

Finds the route's pods that are `Running` with `Ready=False`, not being deleted, whose probed
containers are running and whose node was not reported down (a NotReady node, or a pod whose
last event is `NodeNotReady`: that is E203's), cites their not-ready status, the kubelet's `Unhealthy` events
("Readiness probe failed: ...") and the probe definition. Critical when no ready endpoint
remains, warning when others still serve. With access logs, counts the router's 503
`<NOSRV>` on the route from the time the pods went not ready, and the 5xx answered by the
failing pods' servers. The fault is dated (`began_at`) from the first `Unhealthy` event or
the pods' `Ready` transition when it lies at most 10 minutes before the first such error (pods
still not ready at collection: from their earliest `Ready` transition, or the first `Unhealthy`
event up to 10 minutes before it, however late the first line read); pods still not ready at
collection are an incident still going on, whatever the route's later requests
(the other pods answer those) and whether the lines read hold any of the route's. When the pods
are ready again at collection, it still fires (warning) for a burst (2 or more) of 503
`<NOSRV>` within two minutes of the span of their `Readiness probe failed` events: an outage
the probe caused and that was over before the must-gather (the precedence table gives those
lines to this cause rather than E203's).

## Why it matters

Not-ready pods are removed from the endpoints and from the router's backend. With none left,
every request gets 503; with some left, capacity drops and the rest may saturate.

## Example

`Readiness probe failed: HTTP probe failed with statuscode: 503` on both web pods and
`be_edge_http:webshop:web/<NOSRV> 0/-1/-1/-1/0 503 2656 - - SCNN` in the access log.

## Remediation

Find out why the health endpoint fails (`oc logs`, dependencies), or fix the probe (path,
port, timeout, initial delay) so it reflects real readiness.

## Known problems

A probe that fails because a dependency is down is doing its job: fix the dependency. Without
`Unhealthy` events (they expire after about 3 hours) the probe is inferred from the pod state
and the finding says so (medium confidence).

## References

runbook-502.md step 3; router-facts.md §2 (only ready addresses become servers), §4.2, §6; KCS 7013260.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer import windows
from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.lookup import Rows, column_values, is_text, starts_with
from analyzer.model import NO_CLAIMS, Evidence, Finding, IncidentStatus, Severity
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.endpoints import shared
from analyzer.wording import plural

RULE = rule(
    code="E202",
    name="readiness-probe-failing",
    cause="readiness-probe-failing",
    severity=Severity.CRITICAL,
    needs=("pods",),
)


def _probe_events(ctx: Context, pods: list[str]) -> pd.DataFrame:
    ev = ctx.snap.frame("events")
    return ev[
        ev["involved_name"].isin(pods)
        & (ev["reason"] == "Unhealthy")
        & ev["message"].fillna("").str.startswith("Readiness probe failed")
    ]


def _has_dated_probe_events(ctx: Context, pods: Rows) -> bool:
    """Whether :func:`_probe_events` of these pods holds a row with both times (by lookup, no frame built)."""
    if pods.empty:
        return False
    lookups = ctx.lookups
    assert lookups is not None
    names = {str(n) for n in pods.values("name")}
    reason, message, first, last = column_values(lookups, "events", "reason", "message", "first_seen", "last_seen")
    return any(
        is_text(reason[p], "Unhealthy") and isinstance(message[p], str)
        and message[p].startswith("Readiness probe failed") and pd.notna(first[p]) and pd.notna(last[p])
        for p in lookups.index("events", "involved_name").positions_any((n,) for n in names)
    )


def _server_errors_on(req: pd.DataFrame, pods: list[str]) -> pd.DataFrame:
    """5xx answered by these pods' servers, client aborts aside."""
    if req.empty:
        return req
    on_pods = req["pod"].astype("string").isin(pods).fillna(False)
    five = req["status"].between(500, 599).fillna(False)
    client = starts_with(req["term"], ("C", "c"))
    return req[on_pods & five & ~client]


def _ready_left(ctx: Context, route: common.RouteRef, failing: pd.DataFrame) -> int:
    if route.endpoints_ready is not None:
        return route.endpoints_ready
    pods = common.route_pods(ctx, route)
    others = pods[~pods["name"].isin(failing["name"])]
    return int((others["ready"] == True).fillna(False).sum())  # noqa: E712 - nullable boolean


@RULE.check
def readiness_probe_failing(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        failing = shared.probe_failing_pods(ctx, route)
        if not failing.empty:
            yield _probe_finding(ctx, route, failing)
            continue
        recovered = _recovered_finding(ctx, route)
        if recovered is not None:
            yield recovered


MIN_BURST = 2  # 503 <NOSRV> lines inside the failing probes' span that make a recovered outage worth a finding


def _recovered_finding(ctx: Context, route: common.RouteRef) -> Finding | None:
    """Pods ready again at collection whose readiness probe failed while the router had no server."""
    if ctx.lookups is not None and not _has_dated_probe_events(ctx, common.route_pod_rows(ctx, route)):
        return None  # no pod, or no dated failed probe of one: what the frames below would conclude
    pods = common.route_pods(ctx, route)
    if pods.empty:
        return None
    events = _probe_events(ctx, pods["name"].astype(str).tolist())
    events = events[events["first_seen"].notna() & events["last_seen"].notna()]
    ready = set(pods.loc[(pods["ready"] == True).fillna(False).astype(bool), "name"].astype(str))  # noqa: E712
    if not set(events["involved_name"].astype(str)) <= ready:
        return None  # a probed pod is still not ready (or crash-looping): not a recovered probe failure
    nosrv = shared.nosrv(ctx, route)
    if events.empty or len(nosrv) < MIN_BURST:
        return None
    start, end = events["first_seen"].min(), events["last_seen"].max()
    inside = nosrv[((nosrv["ts"] >= start - windows.NEAR_EVENT) & (nosrv["ts"] <= end + windows.NEAR_EVENT))
                   .fillna(False).astype(bool)]
    if len(inside) < MIN_BURST:
        return None
    facts = common.log_facts(ctx, inside)
    names = sorted(events["involved_name"].astype(str).unique())
    when, said = common.timing(ctx, route, facts, start.to_pydatetime(), source="the first failed probe")
    last_msg = events.sort_values("last_seen").iloc[-1]["message"]
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route, *names),
        service=common.first_service(route),
        title=f"readiness probe of {len(names)} pod(s) failed from {common.hhmm(start.to_pydatetime())} to "
        f"{common.hhmm(end.to_pydatetime())}; {plural(len(inside), 'request')} found no server",
        explanation=(
            f"The readiness probe of {', '.join(names)} failed between {common.fmt_ts(start.to_pydatetime())} and "
            f"{common.fmt_ts(end.to_pydatetime())} (\"{last_msg}\", "
            f"{plural(int(events['count'].fillna(1).sum()), 'time')}), and in that time "
            f"{plural(len(inside), 'request')} got the router's 503 <NOSRV>: not-ready pods are not servers "
            f"of the backend. At collection the pods are ready again ({route.endpoints_ready} ready endpoint(s))."
            + said
        ),
        evidence=[object_evidence(ctx.snap, e, "Readiness probe failed") for _, e in events.head(2).iterrows()]
        + facts["evidence"],
        remediation=[f"# make the readiness endpoint of {names[0]} answer through what made it fail then (a "
                     "dependency, a slow start): the application's log of that time says why"],
        diagnostics=[f"oc -n {route.namespace} logs {names[0]} --since-time={facts['first_seen']:%Y-%m-%dT%H:%M:%SZ}"
                     if facts["first_seen"] else f"oc -n {route.namespace} logs {names[0]}",
                     f"oc -n {route.namespace} get events --field-selector reason=Unhealthy"],
        first_seen=facts["first_seen"],
        last_seen=facts["last_seen"],
        affected_requests=facts["affected_requests"],
        claims=facts.get("claims", NO_CLAIMS),
        confidence="high",
        **when,
    )


def _not_ready_from(since: object, unhealthy: datetime | None) -> datetime | None:
    """When pods still not ready began to be: their earliest ``Ready`` transition, or the first ``Unhealthy``
    event of them when it lies at most :data:`analyzer.rules.common.LEAD_TIME` before it (the failed probes that
    turned them not ready); None without a transition."""
    if since is None or pd.isna(since):
        return None
    ready_at = pd.Timestamp(since).to_pydatetime()
    if unhealthy is not None and ready_at - common.LEAD_TIME <= unhealthy <= ready_at:
        return unhealthy
    return ready_at


def _not_ready_since(failing: pd.DataFrame) -> str:
    """"Pods a, b are running but not ready since T", each pod's own time when they differ (the earliest alone
    would say every pod failed from then)."""
    names = failing["name"].tolist()
    since = failing["ready_since"].tolist()
    dated = [t for t in since if pd.notna(t)]
    if len(names) == 1 or len({pd.Timestamp(t) for t in dated}) <= 1 or len(dated) < len(names):
        first = min(dated) if dated else None
        return ((f"Pods {', '.join(names)} are" if len(names) > 1 else f"Pod {names[0]} is") + " running but not ready"
                + (f" since {common.fmt_ts(pd.Timestamp(first).to_pydatetime())}" if first is not None else ""))
    order = sorted(zip(since, names, strict=True), key=lambda pair: pd.Timestamp(pair[0]))
    return "Pods " + ", ".join(f"{name} (since {common.fmt_ts(pd.Timestamp(t).to_pydatetime())})"
                               for t, name in order) + " are running but not ready"


def _probe_finding(ctx: Context, route: common.RouteRef, failing: pd.DataFrame) -> Finding:
    names = failing["name"].tolist()
    events = _probe_events(ctx, names)
    left = _ready_left(ctx, route, failing)
    evidence: list[Evidence] = [object_evidence(ctx.snap, p, "type: Ready") for _, p in failing.head(3).iterrows()]
    evidence += [object_evidence(ctx.snap, e, "Readiness probe failed") for _, e in events.head(2).iterrows()]
    c = shared.probed_containers(ctx, names).iloc[0]
    evidence.append(object_evidence(ctx.snap, c, "readinessProbe:"))
    evidence.append(object_evidence(ctx.snap, failing.iloc[0], "ready: false"))
    since = failing["ready_since"].min()
    req = common.route_requests(ctx, route)
    nosrv = shared.nosrv(ctx, route)
    if not nosrv.empty and pd.notna(since):
        nosrv = nosrv[nosrv["ts"] >= since - pd.Timedelta(minutes=1)]
    on_pods = _server_errors_on(req, names)
    counted = pd.concat([nosrv, on_pods]) if not on_pods.empty else nosrv
    facts = common.log_facts(ctx, counted) if not counted.empty else {}
    probe = " ".join(str(x) for x in (c["readiness_kind"], c["readiness_path"], "port", c["readiness_port"])
                     if isinstance(x, str))
    last_msg = events.sort_values("last_seen").iloc[-1]["message"] if not events.empty else None
    agree = ""
    if facts:
        agree = (
            f" The access log agrees: {plural(len(nosrv), 'request')} got the router's 503 <NOSRV>"
            + (f" and {len(on_pods)} got a 5xx from the failing pods" if not on_pods.empty else "")
            + f" between {common.fmt_ts(facts['first_seen'])} and {common.fmt_ts(facts['last_seen'])}."
        )
    workload = common.workload_of(ctx, failing)
    checks = [f"oc -n {route.namespace} describe pod {names[0]}", f"oc -n {route.namespace} logs {names[0]}"]
    fix = [f"# make the readiness endpoint of {names[0]} answer: its log says why it fails (a dependency, a crash)"]
    if workload and c["readiness_kind"] == "httpGet":
        fix.append(
            f"oc -n {route.namespace} set probe {workload[0]}/{workload[1]} --readiness "
            f"--get-url=http://:{c['readiness_port']}{common.text_or(c['readiness_path'], '/')} --timeout-seconds=3 "
            "--failure-threshold=3   # only if the probe itself is wrong"
        )
    total = len(common.route_pods(ctx, route))
    unhealthy = common.first_event(ctx, route.namespace, names, "Unhealthy")
    source = "the first failed probe or the pods' Ready transition"
    when, said = common.timing(ctx, route, facts, unhealthy, since.to_pydatetime() if pd.notna(since) else None,
                               source=source)
    # not ready without a break since their Ready transition: the fault began then (or at the failed probes that
    # led to it), however late the first line read (a --since, a log that starts later)
    began = _not_ready_from(since, unhealthy)
    if began is not None and when["began_at"] is not None and began < when["began_at"]:
        when = {**when, "began_at": began}
        said = common.timing_sentence(began, when["status_at_collection"], when["ended_at"], source,
                                      common.unseen_end(ctx) if facts.get("last_seen") else None)
    # the pods are still not ready at collection: the route's later successes are the other pods', and neither
    # where the logs read stop nor a window without a line of the route says anything of the pods' state then
    if when["status_at_collection"] is not IncidentStatus.ONGOING:
        when = {**when, "status_at_collection": IncidentStatus.ONGOING, "ended_at": None}
        said = (f" It began at {common.hhmm(when['began_at'])}; the pods were still not ready at collection."
                if when["began_at"] is not None else "")
    return RULE.finding(
        severity=Severity.CRITICAL if left == 0 else Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route, *names, c["readiness_path"]),
        service=common.first_service(route),
        title=f"{len(names)} of {total} pods fail their readiness probe ({probe})",
        explanation=(
            _not_ready_since(failing)
            + f"; their readiness probe ({probe}) fails"
            + (f': "{last_msg}"' if last_msg else " (no Unhealthy event left in the archive to quote)")
            + f". Not-ready pods are not servers of the router's backend; {left} ready endpoint(s) remain for "
            f"route {route.name}." + agree + said
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        diagnostics=checks,
        first_seen=facts.get("first_seen") or (since.to_pydatetime() if pd.notna(since) else None),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        confidence="high" if not events.empty else "medium",
        **when,
    )
