"""Backend answers slower than the router's server timeout (504 sH).

## What it does

Counts 504 `sH` lines (server timeout while waiting for response headers, `Tr=-1`, `Ta` ≈ the
timeout) per route, works out the effective `timeout server` (route annotation
`haproxy.router.openshift.io/timeout`, the backend's rendered `timeout server`, the
IngressController's `tuningOptions.serverTimeout`, the router default 30 s) and compares the
successful responses' times with it (close to it: the backend is slow; far below it: only some
requests hang). The first and last of these lines date the fault (`began_at`; `ended_at` with
`status_at_collection: ended` when the route's requests after the last one
(and after the route's last router-side 5xx of any cause) succeeded for a
minute and three typical gaps between its errors), and the severity weighs them against the
route's requests from the first of them on (a warning when it was over before collection).

It also checks the route's `haproxy.router.openshift.io/timeout` annotation, logs or not:
a value the router cannot parse (`2 minutes`, `30 s`) is silently ignored, so the route
runs with the default although its owner believes it raised it (info). Both findings of a
route give one fix, the same value: the owner's intent when its words say one (`2 minutes`:
`120s`), or what the 504s need (twice the current timeout, or twice the slowest answered
request) when that is more; 120 s when neither says a value.

## Why it matters

The router gives up and answers 504 while the application is still working; clients retry and
add load.

## Example

`be_edge_http:shop:reports/pod:... 0/0/1/-1/30001 504 198 - - sHNN`.

## Remediation

Make the request faster, or raise the route's timeout above the slowest legitimate response.

## Known problems

Without `option abortonclose` a client that gave up still shows the server-side 504.

## References

router-facts.md §3 (timeouts, annotation syntax), §4.2 (504 sH), §6; OCP docs "Configuring route
timeouts"; runbook-502.md "Pod taking too long to respond".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Evidence, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.backend import shared
from analyzer.wording import plural
from parsers.haproxy_config import parse_duration_ms

RULE = rule(
    code="B501",
    name="backend-slower-than-router-timeout",
    cause="backend-timeout",
    severity=Severity.WARNING,
    needs=("routes",),
)

DEFAULT_SERVER_TIMEOUT_MS = 30_000


def effective_timeout(ctx: Context, route: common.RouteRef) -> tuple[int, str, Evidence | None]:
    """(ms, where it comes from, evidence): route annotation > haproxy.config backend > IngressController > 30s."""
    annotation = route.row["timeout"]
    if isinstance(annotation, str):
        ms = parse_duration_ms(annotation)
        if ms:
            return (
                ms,
                f"route annotation haproxy.router.openshift.io/timeout={annotation}",
                common.route_evidence(ctx, route, "haproxy.router.openshift.io/timeout"),
            )
    backends = ctx.snap.frame("router_backends")
    mine = backends[
        (backends["namespace"] == route.namespace)
        & (backends["route"] == route.name)
        & backends["timeout_server"].notna()
    ] if not backends.empty else backends  # no haproxy.config: no filter to build per route
    if not mine.empty:
        ms = parse_duration_ms(mine.iloc[0]["timeout_server"])
        if ms:
            return (
                ms,
                f"haproxy.config backend timeout server {mine.iloc[0]['timeout_server']}",
                object_evidence(ctx.snap, mine.iloc[0], "timeout server"),
            )
    ics = ctx.snap.frame("ingresscontrollers")
    configured = ics[ics["server_timeout"].notna()] if not ics.empty else ics
    if not configured.empty:
        ms = parse_duration_ms(configured.iloc[0]["server_timeout"])
        if ms:
            return (
                ms,
                f"IngressController {configured.iloc[0]['name']} tuningOptions.serverTimeout "
                f"{configured.iloc[0]['server_timeout']}",
                object_evidence(ctx.snap, configured.iloc[0], "serverTimeout"),
            )
    for defaults in ctx.snap.router_defaults.values():
        ms = parse_duration_ms(defaults.get("timeout server"))
        if ms:
            return ms, f"router default timeout server {defaults.get('timeout server')}", None
    return DEFAULT_SERVER_TIMEOUT_MS, "the router's default timeout server 30s", None


def _answered_times(ctx: Context, req: pd.DataFrame,
                    route: common.RouteRef | None = None) -> tuple[int | None, int | None]:
    """The slowest response time (``Tr``) of the route's requests answered below 500, and its p99 (linear
    interpolation); read from the whole frame's columns at the route's positions where they can be placed.
    The route's counted normal lines (``ctx.normal_lines``, of ``route``) are answered requests too: their
    ``Tr`` values join the rows' (:func:`quantile_of_counts`, the same p99 as of every value); a TCP line
    logs no ``Tr`` (tallied -1) and is left out, as its row is."""
    counted = ({v: n for v, n in ctx.normal_lines.tr_counts(route.namespace, route.name).items() if v >= 0}
               if route is not None else {})
    lines, at = common.line_positions(ctx, req) if len(req) else (None, slice(0, 0))
    if lines is not None:
        tr, status = lines.values_at("Tr", at), lines.values_at("status", at)
        ok = tr[(status < 500) & (tr >= 0)]  # NaN (a missing value) compares False
        if counted:
            return _with_counts(ok, counted)
        return (int(ok.max()), int(np.quantile(ok, 0.99))) if len(ok) else (None, None)
    if req.empty:
        return _with_counts(np.zeros(0), counted)
    tr = req["Tr"]  # of the answered requests (column alone: the route's rows are not copied)
    answered = tr[(req["status"] < 500).fillna(False).astype(bool) & tr.notna() & (tr >= 0).fillna(False).astype(bool)]
    if counted:
        return _with_counts(answered.to_numpy(dtype="float64"), counted)
    return (int(answered.max()), int(answered.quantile(0.99))) if not answered.empty else (None, None)


def _with_counts(values: np.ndarray, counted: dict[int, int]) -> tuple[int | None, int | None]:
    """The slowest and the p99 of ``values`` and of ``counted`` (value -> how many lines), as whole ms."""
    found, times = np.unique(values, return_counts=True)
    merged: dict[float, int] = dict(zip(found.tolist(), times.tolist(), strict=True))
    for value, count in counted.items():
        merged[float(value)] = merged.get(float(value), 0) + count
    if not merged:
        return None, None
    return int(max(merged)), int(quantile_of_counts(merged, 0.99))


def quantile_of_counts(counted: dict[float, int], q: float) -> float:
    """``np.quantile`` (linear) of the values ``counted`` holds (value -> how many times), without writing
    each one out: a busy route's normal lines are counted by ``Tr`` value, millions of lines in a few
    thousand values. The same float as numpy's: its virtual index ``(n - 1) * q``, the two values at its
    floor and the next, and numpy's own interpolation of those two by the index's fraction (the
    quantile ``g`` of the pair ``[a, b]`` is exactly numpy's ``lerp(a, b, g)``)."""
    values = np.array(sorted(counted), dtype="float64")
    ends = np.cumsum([counted[v] for v in sorted(counted)])  # the last sorted position + 1 of each value
    n = int(ends[-1])
    virtual = (n - 1) * np.float64(q)
    if virtual >= n - 1:  # numpy takes the last value (a single line)
        return float(values[-1])
    below = int(np.floor(virtual))
    fraction = float(virtual - below)
    low, high = (values[int(np.searchsorted(ends, p, side="right"))] for p in (below, below + 1))
    return float(np.quantile(np.array([low, high], dtype="float64"), fraction))


_INTENT = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?"
                     r"|h|hrs?|hours?|d|days?)", re.IGNORECASE)
FALLBACK_TIMEOUT_S = 120  # suggested when an invalid annotation's words say no value and no 504 asks for more


def intended_seconds(annotation: str) -> int | None:
    """What an annotation the router cannot parse meant, when its words say it (``2 minutes``, ``90 sec``,
    ``1.5m``): whole seconds, rounded up; None when they do not."""
    found = _INTENT.fullmatch(annotation.strip())
    if found is None:
        return None
    unit = found.group(2).lower()
    factor = (0.001 if unit.startswith(("ms", "mil")) else 1 if unit.startswith("s") else 60 if unit.startswith("m")
              else 3600 if unit.startswith("h") else 86400)
    return max(1, int(np.ceil(float(found.group(1)) * factor)))


@RULE.check
def backend_timeout(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        annotation = route.row["timeout"]
        invalid = isinstance(annotation, str) and parse_duration_ms(annotation) is None
        intent = intended_seconds(annotation) if invalid else None
        timeouts = common.route_select(ctx, route, status=504, term="sH") if ctx.has_logs else None
        slow = _slow(ctx, route, timeouts, intent) if timeouts is not None and not timeouts.empty else None
        # one value for the route, whichever finding gives it: the owner's intent, or what the 504s need
        suggested = max(intent or 0, slow[0] if slow else 0) or FALLBACK_TIMEOUT_S
        fix = (f"oc -n {route.namespace} annotate route {route.name} "
               f"haproxy.router.openshift.io/timeout={suggested}s --overwrite")
        if invalid:
            yield RULE.finding(
                severity=Severity.INFO,
                namespace=route.namespace,
                route=route.name,
                names=common.command_names(ctx, route),
                service=common.first_service(route),
                title=f"timeout annotation {annotation!r} is not a valid HAProxy time: the router ignores it",
                explanation=(
                    f"haproxy.router.openshift.io/timeout={annotation!r} does not match [1-9][0-9]*(us|ms|s|m|h|d)?; "
                    "the router silently drops invalid values, so this route runs with the default server timeout."
                    + (f" Its owner meant {intent}s; written {intent}s, the router applies it." if intent else "")
                    + (f" The route's 504s need at least {slow[0]}s." if slow and slow[0] > (intent or 0) else "")
                ),
                evidence=[common.route_evidence(ctx, route, "haproxy.router.openshift.io/timeout")],
                remediation=[fix],
            )
        if slow is not None:
            yield slow[1](fix + "  # or make the request faster", annotation if invalid else None)


NEAR_LIMIT = 0.5  # answered requests this close to the timeout (a share of it) say the backend is slow overall


def _answered_sentence(slowest: int, p99: int, limit: int) -> str:
    """What the answered requests' times say beside the 504s: close to the limit, the backend is slow; far below
    it, most requests are fast and only some hang (a slow endpoint, a stuck call)."""
    took = f" Successful responses took up to {slowest / 1000:.1f}s (p99 {p99 / 1000:.1f}s)"
    if slowest >= NEAR_LIMIT * limit:
        return took + ", close to the limit: the backend is slow, not down."
    return (took + f", far below the {limit / 1000:g}s limit: the backend answers, but some requests hang "
            "(a slow endpoint or a stuck call).")


def _slow(ctx: Context, route: common.RouteRef, timeouts: pd.DataFrame,
          intent: int | None) -> tuple[int, Callable[[str, str | None], Finding]]:
    """What the route's 504 ``sH`` lines ask of its timeout (twice the current one, or twice the slowest
    answered request, in whole seconds), and the finding about them given the route's one fix."""
    req = common.route_requests(ctx, route)
    limit, origin, cfg_evidence = effective_timeout(ctx, route)
    slowest, p99 = _answered_times(ctx, req, route)
    facts = common.log_facts(ctx, timeouts)
    needed = max(2 * limit, 2 * (slowest or 0)) // 1000
    evidence = facts["evidence"] + ([cfg_evidence] if cfg_evidence else [])
    when, said = common.timing(ctx, route, facts)

    def finding(fix: str, invalid: str | None) -> Finding:
        return RULE.finding(
            severity=shared.severity_by_share(timeouts, req, when["status_at_collection"], ctx.facts.lines,
                                              ctx.normal_lines, (route.namespace, route.name)),
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route),
            service=common.first_service(route),
            title=f"{plural(len(timeouts), 'request')} timed out after {limit / 1000:g}s (504) on route {route.name}",
            explanation=(
                f"The router waited {limit / 1000:g}s ({origin}) for response headers and gave up {len(timeouts)} "
                f"times ({shared.share(timeouts, req, ctx.normal_lines, (route.namespace, route.name)):.0%} "
                "of the route's requests)."
                + (_answered_sentence(slowest, p99, limit) if slowest is not None else "")
                + (f" The route's timeout annotation {invalid!r} is not a valid HAProxy time, so the router ignores "
                   "it" + (f" (its owner meant {intent}s)." if intent else ".") if invalid else "")
                + said
            ),
            evidence=evidence,
            remediation=[fix],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
            **when,
        )

    return needed, finding
