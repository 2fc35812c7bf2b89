"""The runbook's quick checklist per route (report-contract check ids) and the route verdict.

A check fails when a finding of a matching cause names the route; it passes only on positive
evidence from the inputs; everything else is ``unknown`` with the reason, never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer import joins, termination
from analyzer.context import Context
from analyzer.model import CHECKS, CheckResult, CheckStatus, Finding, RouteResult, Severity, Verdict

CAUSES_BY_CHECK: dict[str, tuple[str, ...]] = {
    "pods-ready": ("readiness-probe-failing", "no-ready-endpoints", "pods-restarting", "service-selector-mismatch"),
    "endpoints-populated": (
        "no-ready-endpoints",
        "service-selector-mismatch",
        "readiness-probe-failing",
        "route-target-port-mismatch",
        "route-service-missing",
        "route-not-admitted",
        "node-disruption",
    ),
    "service-port-matches": ("service-port-mismatch", "route-target-port-mismatch"),
    "tls-matches-backend": ("tls-termination-mismatch",),
    "health-endpoint-ok": ("readiness-probe-failing",),
    "network-policy-allows-router": ("network-policy-blocks-router",),
    "timeout-sufficient": ("backend-timeout",),
    "capacity-sufficient": ("backend-saturation", "router-saturation"),
}

NO_LOGS = "no router access logs in the inputs"


def apply_checklist(ctx: Context, routes: list[RouteResult], findings: list[Finding]) -> None:
    by_route: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_route.setdefault((f.namespace, f.route or ""), []).append(f)
    for rr in routes:
        mine = by_route.get((rr.namespace, rr.name), [])
        rr.checklist = unexplained_checks(rr, [_check(ctx, rr, check, mine) for check in CHECKS])
        rr.verdict, rr.verdict_detail = verdict(rr, mine, collected=rr.namespace in ctx.snap.collected_namespaces,
                                                has_logs=ctx.has_logs)
        if mine:
            worst = mine[0]
            rr.cause_sentence = f"{worst.cause}: {worst.title}"


def _check(ctx: Context, rr: RouteResult, check: str, findings: list[Finding]) -> CheckResult:
    failing = [f for f in findings if f.cause in CAUSES_BY_CHECK[check]]
    if failing:
        return CheckResult(check, CheckStatus.FAIL, "; ".join(f"{f.id}: {f.title}" for f in failing))
    collected = rr.namespace in ctx.snap.collected_namespaces
    if not collected and check in (
        "pods-ready",
        "endpoints-populated",
        "service-port-matches",
        "health-endpoint-ok",
        "network-policy-allows-router",
    ):
        return CheckResult(check, CheckStatus.UNKNOWN, f"namespace {rr.namespace} was not collected")
    return _positive(ctx, rr, check, findings)


def _positive(ctx: Context, rr: RouteResult, check: str, findings: list[Finding]) -> CheckResult:
    ready, total = rr.endpoints_ready, rr.endpoints_total
    if check == "endpoints-populated":
        if ready:
            return CheckResult(check, CheckStatus.PASS, f"{ready} ready endpoint(s) of {total}")
        return CheckResult(check, CheckStatus.UNKNOWN, f"{ready or 0} ready endpoints of {total or 0}")
    if check == "pods-ready":
        if total and ready == total:
            return CheckResult(check, CheckStatus.PASS, f"all {total} endpoint pod(s) ready")
        return CheckResult(check, CheckStatus.UNKNOWN, f"{ready or 0} of {total or 0} endpoint pods ready")
    if check == "health-endpoint-ok":
        probes = _backend_containers(ctx, rr)
        with_probe = probes[probes["readiness_kind"].notna()] if not probes.empty else probes
        if total and ready == total and not with_probe.empty:
            return CheckResult(check, CheckStatus.PASS, "readiness probes pass on every endpoint pod")
        if not with_probe.empty or probes.empty:
            return CheckResult(check, CheckStatus.UNKNOWN, "readiness state of the backend pods is not conclusive")
        return CheckResult(check, CheckStatus.UNKNOWN, "backend containers define no readiness probe")
    if check == "service-port-matches":
        return _port_check(ctx, rr)
    if check == "network-policy-allows-router":
        netpols = ctx.snap.frame("netpols")
        if (rr.namespace, "networkpolicies") not in ctx.snap.collected_resources:
            return CheckResult(check, CheckStatus.UNKNOWN, "NetworkPolicies of the namespace were not collected")
        if ctx.lookups is not None:
            mine = ctx.lookups.index("netpols", "namespace").rows((rr.namespace,))
        else:
            mine = netpols[netpols["namespace"] == rr.namespace]
        if mine.empty:
            return CheckResult(check, CheckStatus.PASS, "no NetworkPolicy in the namespace")
        return CheckResult(check, CheckStatus.PASS, f"{len(mine)} NetworkPolicy object(s); none blocks the router")
    if not ctx.has_logs:
        return CheckResult(check, CheckStatus.UNKNOWN, NO_LOGS)
    counts = _log_counts(ctx, rr)
    if not counts.lines:
        return CheckResult(check, CheckStatus.UNKNOWN, "no logged requests for this route")
    if check == "timeout-sufficient":
        if counts.timeouts == 0:
            return CheckResult(check, CheckStatus.PASS, f"no server timeout (504 sH) in {counts.lines} requests")
        return CheckResult(check, CheckStatus.UNKNOWN,
                           _lines_detail(ctx, rr, findings, "sH", counts.timeouts, "server timeouts (504 sH)"))
    if check == "capacity-sufficient":
        if counts.queued == 0:
            return CheckResult(check, CheckStatus.PASS, f"no queueing in {counts.lines} requests")
        return CheckResult(check, CheckStatus.UNKNOWN,
                           _lines_detail(ctx, rr, findings, "sQ", counts.queued, "queued requests"))
    if check == "tls-matches-backend":
        ok = counts.completed_tcp if rr.termination == "passthrough" else counts.answered
        if ok:
            return CheckResult(check, CheckStatus.PASS, f"{ok} requests completed through the backend")
        return CheckResult(check, CheckStatus.UNKNOWN, "no completed request proves the TLS set-up")
    return CheckResult(check, CheckStatus.UNKNOWN, "not evaluated")


def _lines_detail(ctx: Context, rr: RouteResult, findings: list[Finding], term: str, count: int, what: str) -> str:
    """Whether the route's ``count`` lines of ``what`` (ended ``term``) are explained, as its error ledger says.

    The findings named are those of the route (of causes other than the check's: those fail it) that
    claim lines ended ``term``; the ledger's unexplained groups of that state are the rest. Only lines
    no finding explains are said to be "without a finding".
    """
    ledger = rr.error_ledger
    if ledger is None or not findings:
        return f"{count} {what} without a finding"
    unexplained = sum(g.requests for g in ledger.unexplained_groups if g.termination == term)
    terms = ctx.requests["term"]  # read at each finding's claimed lines only, not a copy of the route's rows
    names = [f"{f.id} ({f.cause})" for f in findings
             if len(f.claims) and bool((terms.reindex(f.claims) == term).fillna(False).any())]
    if not names:
        return f"{count} {what} without a finding"
    by = ", ".join(names)
    if unexplained == 0:
        return f"{count} {what}, explained by {by}"
    return f"{count} {what}: {unexplained} without a finding, the others explained by {by}"


@dataclass(frozen=True)
class LogCounts:
    """What the log checks count of a route's lines."""

    lines: int
    timeouts: int  # ended ``sH``
    queued: int  # ended ``sQ``, plus those that logged a server queue
    answered: int  # status 100-499
    completed_tcp: int  # ended ``--`` (a passthrough route's lines have no status)


def _log_counts(ctx: Context, rr: RouteResult) -> LogCounts:
    """The route's :class:`LogCounts`, once for its three log checks: read from the whole frame's arrays at its
    positions (``Context.route_lines``), or counted on its rows where they cannot be placed there (taking a
    route's rows cost 0.2 ms); its counted normal lines added."""
    key = ("log-counts", rr.namespace, rr.name)
    found = ctx._cache.get(key)
    if found is not None:
        return found
    req = ctx.requests
    placed = None if req.empty else ctx.route_lines(rr.namespace, rr.name)
    if placed is not None:
        lines, at = placed
        status = lines.values_at("status", at)
        found = LogCounts(len(status), lines.count_equal("term", "sH", at),
                          lines.count_equal("term", "sQ", at)
                          + int(np.count_nonzero(lines.values_at("srv_queue", at) > 0)),
                          int(np.count_nonzero((status >= 100) & (status <= 499))), lines.count_equal("term", "--", at))
    else:
        mine = ctx.route_rows(rr.namespace, rr.name)  # most routes of a cluster-wide dump: the empty frame itself
        found = LogCounts(
            len(mine), int((mine["term"] == "sH").sum()) if len(mine) else 0,
            int((mine["term"] == "sQ").sum()) + int((mine["srv_queue"].fillna(0) > 0).sum()) if len(mine) else 0,
            int(mine["status"].between(100, 499).sum()) if len(mine) and "status" in mine else 0,
            int((mine["term"] == "--").sum()) if len(mine) else 0)
    found = _with_normal(found, ctx.normal_lines.count(rr.namespace, rr.name),
                         ctx.normal_lines.count(rr.namespace, rr.name, answered=True))
    ctx._cache[key] = found
    return found


def _with_normal(counts: LogCounts, normal: int, answered: int) -> LogCounts:
    """The counts of a route's rows with its ``normal`` lines counted instead of kept (``parsers.normal_lines``):
    each ended ``--``, neither timed out nor queued; ``answered`` of them have a status (100-499), the others
    are a passthrough route's TCP lines (no status)."""
    if not normal:
        return counts
    return LogCounts(counts.lines + normal, counts.timeouts, counts.queued, counts.answered + answered,
                     counts.completed_tcp + normal)


def _backend_pods(ctx: Context, rr: RouteResult) -> list[str]:
    """The endpoint target pods of each service of the route, service by service (a pod may repeat)."""
    if ctx.lookups is not None:
        key = ("backend-pods", rr.namespace, tuple(rr.services))
        if key not in ctx.lookups.memo:
            index = ctx.lookups.index("endpoints", "namespace", "service")
            names = ctx.lookups.column("endpoints", "pod")
            found: list[str] = []
            for svc in rr.services:
                seen: set[str] = set()
                for p in index.positions((rr.namespace, svc)):  # unique() keeps the first of each
                    if names[p] is not pd.NA and names[p] is not None and names[p] not in seen:
                        seen.add(names[p])
                        if names[p]:
                            found.append(names[p])
            ctx.lookups.memo[key] = found
        return ctx.lookups.memo[key]
    endpoints = ctx.snap.frame("endpoints")
    pods: list[str] = []
    for svc in rr.services:
        eps = endpoints[(endpoints["namespace"] == rr.namespace) & (endpoints["service"] == svc)]
        pods.extend(p for p in eps["pod"].dropna().unique().tolist() if p)
    return pods


def _backend_containers(ctx: Context, rr: RouteResult) -> pd.DataFrame:
    pods = _backend_pods(ctx, rr)
    if ctx.lookups is not None:
        return ctx.lookups.index("containers", "namespace", "pod").rows_any((rr.namespace, p) for p in pods)
    containers = ctx.snap.frame("containers")
    return containers[(containers["namespace"] == rr.namespace) & containers["pod"].isin(pods)]


def _port_check(ctx: Context, rr: RouteResult) -> CheckResult:
    check = "service-port-matches"
    pods = _backend_pods(ctx, rr)
    lookups = ctx.lookups
    if lookups is not None:
        declared = lookups.index("container_ports", "namespace", "pod").rows_any((rr.namespace, p) for p in pods)
    else:
        ports = ctx.snap.frame("container_ports")
        declared = ports[(ports["namespace"] == rr.namespace) & ports["pod"].isin(pods)]
    if declared.empty:
        return CheckResult(check, CheckStatus.UNKNOWN, "backend pods declare no container ports to compare with")
    if lookups is not None:
        wanted = lookups.index("service_ports", "namespace", "service").rows_any((rr.namespace, s) for s in rr.services)
    else:
        sp = ctx.snap.frame("service_ports")
        wanted = sp[(sp["namespace"] == rr.namespace) & sp["service"].isin(rr.services)]
    names = set(declared["name"].dropna())
    numbers = {str(int(p)) for p in declared["port"].dropna()}
    missing = [
        t for t in wanted["target_port"].dropna().tolist() if t not in names and t not in numbers
    ]
    if wanted.empty:
        return CheckResult(check, CheckStatus.UNKNOWN, "service ports not found")
    if missing:
        return CheckResult(check, CheckStatus.UNKNOWN, f"targetPort {', '.join(missing)} not declared by the pods")
    if lookups is not None:
        rows = len(lookups.index("endpoints", "namespace", "service").positions((rr.namespace, rr.services[0])))
    else:
        rows = len(joins.endpoints_for_backend(ctx.snap.frame("endpoints"), rr.namespace, rr.services[0], None))
    return CheckResult(
        check, CheckStatus.PASS, f"service targetPort(s) declared by the pods ({rows} endpoint port rows)"
    )


def unexplained_checks(rr: RouteResult, checks: list[CheckResult]) -> list[CheckResult]:
    """Turn the check that unexplained router-side failures point to ``unknown`` (report-contract "Verdicts").

    A route with router-side 5xx must never show every check passing with no finding: the
    termination state of the unexplained lines names the check (``SC`` -> endpoints-populated, ``sH``
    -> timeout-sufficient, ...). A failing check keeps its finding; an unknown one gains the count.
    A passthrough route's connections the router could not open (``RouteResult.tcp_failures``) point
    the same way by their state; no finding claims such lines, so they count while no check fails.
    """
    ledger = rr.error_ledger
    counts: dict[str, list[str]] = {}
    if ledger is not None and ledger.unexplained:
        for g in ledger.unexplained_groups:
            counts.setdefault(g.check or "pods-ready", []).append(f"{g.requests} × {g.status} {g.termination}")
    tcp: dict[str, list[str]] = {}
    if not any(c.status == CheckStatus.FAIL for c in checks):
        for term, n in rr.tcp_failures.items():
            tcp.setdefault(termination.check_for(term), []).append(f"{n} × {term}")
    if not counts and not tcp:
        return checks
    out = []
    for c in checks:
        hits, opened = counts.get(c.check), tcp.get(c.check)
        if (hits is None and opened is None) or c.status == CheckStatus.FAIL:
            out.append(c)
            continue
        why = []
        if hits is not None:
            total = sum(int(h.split(" ", 1)[0]) for h in hits)
            why.append(f"{total} unexplained router-side 5xx point here ({', '.join(hits)})")
        if opened is not None:
            total = sum(int(h.split(" ", 1)[0]) for h in opened)
            why.append(f"{total} passthrough connections the router could not open point here ({', '.join(opened)})")
        text = "; ".join(why)
        out.append(CheckResult(c.check, CheckStatus.UNKNOWN, f"{text}; {c.detail}" if c.detail else text))
    return out


def verdict(rr: RouteResult, findings: list[Finding], *, collected: bool, has_logs: bool) -> tuple[Verdict, str]:
    """The route's verdict and why, in the contract's order: broken, degraded, healthy, unknown."""
    if any(f.severity == Severity.CRITICAL for f in findings):
        return Verdict.BROKEN, "a critical finding names this route"
    ledger = rr.error_ledger
    side = ledger.router_side_5xx if ledger is not None else 0
    if any(f.severity == Severity.WARNING for f in findings):
        return Verdict.DEGRADED, "a warning finding names this route"
    if side:
        return Verdict.DEGRADED, f"{side} router-side 5xx, {ledger.unexplained} of them unexplained"
    if rr.tcp_failures:
        total = sum(rr.tcp_failures.values())
        states = ", ".join(f"{n} × {term}" for term, n in rr.tcp_failures.items())
        return Verdict.DEGRADED, (f"{total} passthrough connections the router could not open to a server ({states}),"
                                  " no finding explains them")
    if rr.requests and ledger is not None:
        return Verdict.HEALTHY, f"{rr.requests} logged requests, no router-side 5xx"
    reasons = []
    if not collected:
        reasons.append(f"namespace {rr.namespace} was not collected")
    if not has_logs:
        failing = any(c.status == CheckStatus.FAIL for c in rr.checklist)
        # a check unknown for another reason than the missing logs (NetworkPolicies not collected) did not pass
        unsure = [c.check for c in rr.checklist if c.status == CheckStatus.UNKNOWN and c.detail != NO_LOGS]
        if failing or not collected:
            reasons.append("no access logs to confirm")
        elif unsure:
            reasons.append(f"configuration checks pass but {', '.join(unsure)} {'is' if len(unsure) == 1 else 'are'} "
                           "unknown; no access logs to confirm")
        else:
            reasons.append("configuration checks pass; no access logs to confirm")
    else:
        reasons.append("no access-log line of this route in the window (logs of other routers only, or no traffic)")
    return Verdict.UNKNOWN, "; ".join(reasons)
