"""The router could not load its new configuration and keeps serving the old one.

## What it does

Reads the router container's own log (`namespaces/openshift-ingress/pods/<router>/router/router/
logs/*.log`) for `error reloading router` and the HAProxy `[ALERT]` lines that follow it.
When an alert names a config line and the router pod's `haproxy.config` was collected, the
`backend` section holding that line names the route whose setting HAProxy rejects. Fires
(critical) for that route and for every route created after the first failed reload: the
running router never loaded them. A route last edited (`managedFields`) after the first failure
gets a warning: the router still serves it as it was before the edit. A later `router reloaded`
line of the same router ends the incident (`status_at_collection: ended`). All findings of one
failure share the incident id `router-reload-failed@<first failure>`.

## Why it matters

HAProxy refuses the whole file, so the old process keeps serving the previous configuration:
routes created after the failure get the router's own 503 from `openshift_default`, removed
pods stay targeted, changed settings do not apply — for every route, not just the broken one.

## Example

`E1124 02:11:46.479914 1 limiter.go:165] error reloading router: exit status 1` followed by
`[ALERT] (23652) : config : parsing [/var/lib/haproxy/conf/haproxy.config:34] : timer overflow
in argument '30d' to 'timeout server'` (recorded from HAProxy 2.6, fixtures/router-reload).

## Remediation

Fix or remove the setting HAProxy rejects (usually a route annotation such as
`haproxy.router.openshift.io/timeout`); the next reload then succeeds and loads every route.

## Known problems

Without the router pod's collected `haproxy.config` the rejected route cannot be named; only
routes created or edited after the failure are reported. An edit is dated by the route's last
`managedFields` time only: an object collected without managedFields shows none. Only the
router log in the inputs is read: a failure older than the log is not seen.

## References

router-facts.md §8 (a rejected configuration); openshift/router#196, #831; openshift/origin#18201.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from analyzer.context import Context
from analyzer.facts.objects import ObjectTimes
from analyzer.model import Evidence, Finding, IncidentStatus, Severity, rfc3339
from analyzer.rule import rule
from analyzer.rules import common, default_backend
from analyzer.rules.platform.shared import log_evidence, text

RULE = rule(
    code="I701",
    name="router-reload-failed",
    cause="router-reload-failed",
    severity=Severity.CRITICAL,
)


def reload_failures(ctx: Context) -> pd.DataFrame:
    """Failed reloads of every router, each with the HAProxy alert that names a config line, if any."""
    log = common.whole_frame(ctx, "router_log")
    if log.empty:
        return log
    return log[log["kind"] == "reload-failed"].sort_values(["ts", "line"])


def rejected_backend(ctx: Context, alert: pd.Series) -> pd.Series | None:
    """The ``backend`` section of the collected haproxy.config holding the line HAProxy rejected.

    The router leaves the rejected configuration on disk (router-facts.md §8), so the collected
    ``haproxy.config`` of the same router pod is the file the line number refers to.
    """
    backends = common.whole_frame(ctx, "router_backends")
    if backends.empty or pd.isna(alert["config_line"]):
        return None
    mine = backends[(backends["router_pod"].astype("string") == str(alert["router_pod"])).fillna(False)]
    before = mine[(mine["line"] <= int(alert["config_line"])).fillna(False)]
    if before.empty:
        return None
    return before.sort_values("line").iloc[-1]


@RULE.check
def router_reload_failed(ctx: Context) -> Iterator[Finding]:
    failures = reload_failures(ctx)
    if failures.empty:
        return
    log = common.whole_frame(ctx, "router_log")
    first = failures.iloc[0]
    began = first["ts"].to_pydatetime(warn=False) if pd.notna(first["ts"]) else None
    incident = f"router-reload-failed@{rfc3339(began)}" if began else "router-reload-failed"
    alerts = log[(log["kind"] == "haproxy-alert") & log["config_line"].notna()]
    alert = alerts.sort_values(["ts", "line"]).iloc[0] if not alerts.empty else None
    bad = rejected_backend(ctx, alert) if alert is not None else None
    ended = _ended_at(log, failures)
    for route in common.routes(ctx):
        created = route.row["created"]
        is_rejected = bad is not None and (str(bad["namespace"]), str(bad["route"])) == (route.namespace, route.name)
        is_new = began is not None and pd.notna(created) and created.to_pydatetime() > began
        if is_rejected or is_new:
            yield _finding(ctx, route, first, alert, bad, began, ended, incident, rejected=is_rejected)
        elif began is not None and (edited := _edited_after(ctx, route, began)) is not None:
            yield _edited_finding(ctx, route, first, alert, bad, began, ended, incident, edited)


def _edited_after(ctx: Context, route: common.RouteRef, began: datetime) -> ObjectTimes | None:
    """The route's last edit (``managedFields``), when it came after the first failed reload."""
    times = ctx.facts.object_times("route", route.namespace, route.name)
    if times is None or times.last_edited is None or times.last_edited <= began:
        return None
    return times


def _edited_finding(ctx: Context, route: common.RouteRef, first: pd.Series, alert: pd.Series | None,
                    bad: pd.Series | None, began: datetime, ended: datetime | None, incident: str,
                    edited: ObjectTimes) -> Finding:
    """A route changed after the reloads began failing: the router still serves its previous settings."""
    evidence = [log_evidence(first)] + ([log_evidence(alert)] if alert is not None else [])
    stamp = edited.last_edited.strftime("%Y-%m-%dT%H:%M:%SZ") if edited.last_edited else ""
    evidence.append(common.fact_evidence(ctx, edited.where, stamp, f"time: {stamp}"))
    bad_name = f"{bad['namespace']}/{bad['route']}" if bad is not None else None
    fix = ([_fix_for(alert, str(bad["namespace"]), str(bad["route"])) + "   # the next reload then applies the edit"]
           if bad is not None else ["# fix the setting HAProxy rejects (the [ALERT] lines after 'error reloading "
                                    "router' in the router log name it); the next reload applies the edit"])
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=route.namespace, route=route.name, service=common.first_service(route),
        names=common.command_names(ctx, route, router_deployment(first, route),
                                   *(() if bad is None else (bad["namespace"], bad["route"]))),
        title=f"route {route.name} was edited after the router's reloads started failing: the edit is not applied",
        explanation=(f"Route {route.name} was last edited at {common.fmt_ts(edited.last_edited)} (managedFields), "
                     f"after router {first['router_pod']} began failing every reload ({common.fmt_ts(began)})"
                     + (f"; HAProxy rejects the backend of route {bad_name}" if bad_name else "")
                     + ". The running router still serves the route as it was before the edit, so the archive shows "
                     "settings (termination, target port, timeouts, services) the traffic does not follow."),
        evidence=evidence, remediation=fix,
        diagnostics=[f"oc -n openshift-ingress logs deploy/{router_deployment(first, route)} -c router --timestamps | "
                     "grep -A8 'error reloading router'",
                     f"oc -n {route.namespace} get route {route.name} -o yaml --show-managed-fields   # what changed"],
        began_at=edited.last_edited, ended_at=ended, incident=incident,
        status_at_collection=IncidentStatus.ENDED if ended else IncidentStatus.ONGOING,
        confidence="medium",
    )


def router_deployment(first: pd.Series, route: common.RouteRef) -> str:
    """The deployment of the router pod whose reloads failed (``router-<controller>-<replicaset>-<pod>`` less its
    two hashes): the one whose log holds the failures; the route's controller's when the pod is not named."""
    pod = first.get("router_pod")
    parts = pod.rsplit("-", 2) if isinstance(pod, str) else []
    return parts[0] if len(parts) == 3 and parts[0].startswith("router-") else f"router-{common.ic_of(route)}"


def _ended_at(log: pd.DataFrame, failures: pd.DataFrame) -> datetime | None:
    """The first successful reload after the last failure of every router that failed, if each had one."""
    ends = []
    for pod, group in failures.groupby("router_pod"):
        later = log[(log["router_pod"] == pod) & (log["kind"] == "reload") & (log["ts"] > group["ts"].max())]
        if later.empty:
            return None
        ends.append(later["ts"].min().to_pydatetime(warn=False))
    return max(ends) if ends else None


def _fix_for(alert: pd.Series | None, namespace: str, route: str) -> str:
    """The change that makes HAProxy accept the configuration again, as far as its alert tells."""
    if alert is not None and "'timeout" in text(alert["text"]):
        return (f"oc -n {namespace} annotate route {route} haproxy.router.openshift.io/timeout-   "
                "# or set a value HAProxy accepts (at most 24d)")
    return (f"# edit route {namespace}/{route}: remove or correct the annotation or certificate the HAProxy alert "
            "names")


def _finding(ctx: Context, route: common.RouteRef, first: pd.Series, alert: pd.Series | None,
             bad: pd.Series | None, began: datetime | None, ended: datetime | None, incident: str,
             *, rejected: bool) -> Finding:
    evidence = [log_evidence(first)]
    if alert is not None:
        evidence.append(log_evidence(alert))
    bad_name = f"{bad['namespace']}/{bad['route']}" if bad is not None else None
    if bad is not None and alert is not None:
        line = int(alert["config_line"])
        line_text = ctx.snap.source_line(text(bad["input"]), str(bad["source"]), line)
        if line_text is not None:
            evidence.append(Evidence(source=str(bad["source"]), line=line, text=line_text.strip(),
                                     input=text(bad["input"])))
    when = common.fmt_ts(began)
    if rejected:
        title = f"HAProxy rejects the configuration rendered for route {route.name}: every router reload fails"
        why = (f"Since {when} every reload of router {first['router_pod']} fails: HAProxy rejects line "
               f"{int(alert['config_line'])} of the new configuration, in this route's backend"
               + (f" ({text(alert['text'])})" if alert is not None else "") + ". The router keeps serving its "
               "previous configuration, so no route created or changed since then is served as the archive shows.")
        fix = [_fix_for(alert, route.namespace, route.name)]
        evidence.append(common.route_evidence(ctx, route, "haproxy.router.openshift.io/timeout"))
    else:
        title = f"route {route.name} was created after the router's reloads started failing: it is not served"
        why = (f"Route {route.name} was created at {common.fmt_ts(route.row['created'].to_pydatetime())}, after "
               f"router {first['router_pod']} began failing every reload ({when})"
               + (f"; HAProxy rejects the backend of route {bad_name}" if bad_name else "") + ". The running router "
               "never loaded this route, so requests for its host end on openshift_default with the router's 503.")
        fix = ([_fix_for(alert, str(bad["namespace"]), str(bad["route"]))
                + "   # the next reload then loads this route too"]
               if bad is not None else ["# fix the setting HAProxy rejects (the [ALERT] lines after 'error reloading "
                                        "router' in the router log name it); the next reload loads this route"])
        evidence.append(common.route_evidence(ctx, route, "creationTimestamp:"))
    return RULE.finding(
        namespace=route.namespace,
        route=route.name, service=common.first_service(route), title=title, explanation=why,
        names=common.command_names(ctx, route, router_deployment(first, route),
                                   *(() if bad is None else (bad["namespace"], bad["route"]))),
        evidence=evidence, remediation=fix,
        diagnostics=[f"oc -n openshift-ingress logs deploy/{router_deployment(first, route)} -c router --timestamps | "
                     "grep -A8 'error reloading router'"],
        began_at=began, ended_at=ended, incident=incident,
        status_at_collection=IncidentStatus.ENDED if ended else IncidentStatus.ONGOING,
        **({} if rejected else default_backend.default_claims(ctx, route)),
    )
