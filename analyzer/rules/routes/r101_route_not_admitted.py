"""Route not admitted by any router.

## What it does

Reads the route's `status.ingress[].conditions`. Fires (critical) when no router admitted
it: every `Admitted` condition is `False` (`HostAlreadyClaimed`, invalid TLS material,
rejected by a shard), or the route has no `status.ingress` at all while IngressControllers
exist in the inputs (no router selected it: sharding by `namespaceSelector`/`routeSelector`).
When the rendered `haproxy.config` of the admitting router was collected and has no backend
for a route that claims to be admitted, it fires as a warning. With access logs, a route whose
own backend logged requests is being served and does not fire for a missing status, unless
`openshift_default` 503s whose captured `Host` names it come after its backend's last
request: then it lost its router mid-window, and the finding dates that from the log.

## Why it matters

Requests for the host fall to the router's `openshift_default` backend and get the
router's own 503 ("Application is not available") with `<NOSRV>`; the application
never sees them.

## Example

`status.ingress[0].conditions: [{type: Admitted, status: "False", reason: HostAlreadyClaimed}]`
and access-log lines `fe_sni~ openshift_default/<NOSRV> 0/-1/-1/-1/0 503 3288 - - SC-- ...`.

## Remediation

Read the reason with `oc describe route`; give the route a unique host (or delete the
older claim), fix the TLS material, or label the route/namespace for the right shard.

## Known problems

The default log format does not log the Host header, so `openshift_default` 503s cannot
be tied to a route by name; they are counted in the explanation, never cited as the route's
evidence. A route created seconds before the must-gather may not have a status yet. A
haproxy.config copied before the route changed can lack a backend the router has now.

## References

router-facts.md §2 (`openshift_default`), §5 (`status.ingress` conditions, sharding selectors),
§6 ("Host/path not served"); mustgather-layout.md §6 (haproxy.config backends);
openshift/origin#23223; openshift/origin PR #12409.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.facts import DefaultBackendHits
from analyzer.model import Evidence, Finding, IncidentStatus, Severity
from analyzer.rule import rule
from analyzer.rules import answered_lines, common, default_backend
from analyzer.wording import plural

RULE = rule(
    code="R101",
    name="route-not-admitted",
    cause="route-not-admitted",
    severity=Severity.CRITICAL,
    needs=("routes",),
)


def admitted_state(value: object) -> bool | None:
    """The route's ``admitted`` column as True / False / None (no ``status.ingress`` at all)."""
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return None
    return bool(value)


def _default_backend_sentence(ctx: Context, route: common.RouteRef) -> str:
    rows = default_backend.default_backend_503s(ctx)
    if rows.empty:
        return ""
    first, last = common.span(rows)
    named = default_backend.named_default_503s(ctx, route)
    if not named.empty:
        return (
            f" The access log holds {len(named)} 503 answers from openshift_default whose captured Host header "
            f"names this route, between {common.fmt_ts(common.span(named)[0])} and "
            f"{common.fmt_ts(common.span(named)[1])}."
        )
    return (
        f" The access log holds {len(rows)} 503 answers from openshift_default between {common.fmt_ts(first)} "
        f"and {common.fmt_ts(last)}; the log format does not record the Host header, so they cannot be tied "
        "to this route by name."
    )


def _own_backend(lines: pd.DataFrame) -> object:
    """Which lines (rows, or normal-line keys) the route's own backend logged: not ``openshift_default``."""
    return lines["backend_kind"].astype("string") != "openshift_default"


def _served_by_log(ctx: Context, route: common.RouteRef) -> answered_lines.LineSpan:
    """The route's requests on its own backend: its rows and its counted normal lines."""
    req = common.route_requests(ctx, route)
    rows = req if req.empty else req[_own_backend(req)]
    return answered_lines.line_span(ctx, route, rows, _own_backend)


def shard_exclusions(ctx: Context, namespace: str) -> list[tuple[pd.Series, str]]:
    """IngressControllers whose ``namespaceSelector`` excludes the namespace, or that select routes by label."""
    ics = ctx.snap.frame("ingresscontrollers")
    namespaces = ctx.snap.frame("namespaces")
    ns_row = namespaces[namespaces["name"] == namespace]
    ns_labels = common.labels_of(ns_row.iloc[0]["labels"]) if not ns_row.empty else None
    out = []
    for _, ic in ics.iterrows():
        ns_sel = _selector(ic["namespace_selector"])
        route_sel = _selector(ic["route_selector"])
        if ns_sel and ns_labels is not None and not common.label_selector_matches(ns_sel, ns_labels):
            out.append((ic, f"IngressController {ic['name']} only serves namespaces matching {json.dumps(ns_sel)}"))
        elif route_sel:
            out.append((ic, f"IngressController {ic['name']} only serves routes matching {json.dumps(route_sel)}"))
    return out


def _selector(value: object) -> dict | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        data = json.loads(str(value))
    except ValueError:
        return None
    return data if isinstance(data, dict) and (data.get("matchLabels") or data.get("matchExpressions")) else None


def configs_missing_backend(ctx: Context, route: common.RouteRef) -> pd.DataFrame:
    """Rendered configs of the routers that admitted the route, when none of them has its backend.

    Empty when no config of those routers was collected (then nothing can be said) or when one has it.
    """
    backends = common.whole_frame(ctx, "router_backends")
    if backends.empty:
        return backends
    routers = str(route.row["admitted_routers"] or "") if isinstance(route.row["admitted_routers"], str) else ""
    wanted = {r for r in routers.split(",") if r}
    ic = backends["ingresscontroller"].astype("string")
    mine = backends[ic.isin(wanted).fillna(False)] if wanted else backends
    if mine.empty:
        return mine
    has = (mine["namespace"].astype("string") == route.namespace) & (mine["route"].astype("string") == route.name)
    if bool(has.fillna(False).any()):
        return mine.iloc[0:0]
    return mine.drop_duplicates(subset=["router_pod"])


@RULE.check
def route_not_admitted(ctx: Context) -> Iterator[Finding]:
    have_ics = not ctx.snap.frame("ingresscontrollers").empty
    for route in common.routes(ctx):
        state = admitted_state(route.row["admitted"])
        if state is False:
            yield _rejected(ctx, route)
        elif state is None and have_ics and (_served_by_log(ctx, route).empty or _moved_away(ctx, route)):
            yield _no_status(ctx, route)
        elif state is True:
            configs = configs_missing_backend(ctx, route)
            if not configs.empty:
                yield _no_backend(ctx, route, configs)


def _rejected(ctx: Context, route: common.RouteRef) -> Finding:
    row = route.row
    reason = row["not_admitted_reason"] if isinstance(row["not_admitted_reason"], str) else "not admitted"
    host = row["host"] if isinstance(row["host"], str) else None
    served = _served_by_log(ctx, route)
    served_note = ""
    if not served.empty:
        served_note = (
            f" The access log still shows {plural(served.count, 'request')} on the route's own backend between "
            f"{common.fmt_ts(served.first)} and {common.fmt_ts(served.last)}: it was served before it lost admission."
        )
    checks = [f"oc -n {route.namespace} describe route {route.name}"]
    if "HostAlreadyClaimed" in reason and host:
        fix = [
            f"oc -n {route.namespace} patch route {route.name} --type=merge "
            '-p \'{"spec":{"host":"NEW_HOST"}}\'   # NEW_HOST: a host no other route uses; or free the host on the '
            'older route',
        ]
        checks.append(f"oc get routes -A -o wide | grep -F '{host}'   # the older route that holds the host")
    else:
        fix = [f"oc -n {route.namespace} edit route {route.name}   # fix what the Admitted condition names: {reason}"]
        checks.append("oc -n openshift-ingress-operator get ingresscontrollers -o yaml   # shard selectors")
    return RULE.finding(
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=f"route {route.name} is not admitted by any router ({reason})",
        explanation=(
            f"The route's status says no router admitted it: {reason}. No router has a backend for it, so "
            "every request for its host ends on openshift_default with the router's 503."
            + served_note
            + _default_backend_sentence(ctx, route)
        ),
        evidence=[
            common.route_evidence(ctx, route, 'status: "False"'),
            common.route_evidence(ctx, route, "reason:"),
        ],
        remediation=fix,
        diagnostics=checks,
        **default_backend.default_claims(ctx, route),
    )


def _moved_away(ctx: Context, route: common.RouteRef) -> list[DefaultBackendHits]:
    """The route's ``openshift_default`` 503s (by captured Host) that came after its own backend's last request.

    A route served earlier in the window and then answered from ``openshift_default`` lost its router
    mid-window (re-labelled for another shard, host taken): its missing status is the state of now.
    """
    epochs = ctx.facts.route_epochs(route.namespace, route.name)
    if not epochs:
        return []
    last_served = max(e.last_seen for e in epochs)
    return [h for h in ctx.facts.default_backend_hits(route.namespace, route.name)
            if h.status == 503 and h.first_seen > last_served]


def _moved_sentence(ctx: Context, route: common.RouteRef) -> tuple[str, dict]:
    """When the route stopped being served, from its backend's last request and its Host on openshift_default."""
    hits = _moved_away(ctx, route)
    if not hits:
        return "", {}
    epochs = ctx.facts.route_epochs(route.namespace, route.name)
    last = max(epochs, key=lambda e: e.last_seen)
    began = min(h.first_seen for h in hits)
    ended = max(h.last_seen for h in hits)
    text = (f" It was served earlier in the window: its own backend ({last.backend}) logged requests until "
            f"{common.hhmm(last.last_seen)}; since {common.hhmm(began)} requests for its host end on "
            f"openshift_default (captured Host header, {plural(sum(h.requests for h in hits), 'answer')} with 503).")
    edit = ctx.facts.object_times("route", route.namespace, route.name)
    if edit and edit.last_edited and last.last_seen <= edit.last_edited <= began + pd.Timedelta(minutes=1):
        text += f" The route was last edited at {common.hhmm(edit.last_edited)} (managedFields), between the two."
    # the route's own backend never came back after the default answers: still failing at the end of the log
    return text, {"began_at": began, "status_at_collection": IncidentStatus.ONGOING
                  if last.last_seen < ended else IncidentStatus.ENDED,
                  "ended_at": None if last.last_seen < ended else ended}


def _no_status(ctx: Context, route: common.RouteRef) -> Finding:
    shards = shard_exclusions(ctx, route.namespace)
    moved, timing = _moved_sentence(ctx, route)
    why = (
        "; ".join(text for _, text in shards)
        if shards
        else "no IngressController in the inputs explains it (router down, or the route is very new)"
    )
    evidence = [common.route_evidence(ctx, route, "host:")]
    ics = ctx.snap.frame("ingresscontrollers")
    for ic, _ in shards[:2]:
        needle = "namespaceSelector:" if _selector(ic["namespace_selector"]) else "routeSelector:"
        evidence.append(object_evidence(ctx.snap, ic, needle))
    if not shards and not ics.empty:
        evidence.append(object_evidence(ctx.snap, ics.iloc[0], "domain:"))
    return RULE.finding(
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=f"route {route.name} has no status from any router: no router serves it",
        explanation=(
            f"Route {route.name} carries no status.ingress entry, while {len(ics)} IngressController(s) exist: "
            f"no router admitted it ({why}). Requests for its host end on openshift_default with the router's 503."
            + _default_backend_sentence(ctx, route)
            + moved
        ),
        evidence=evidence,
        remediation=shard_fix(route, shards),
        diagnostics=[
            f"oc -n {route.namespace} get route {route.name} -o yaml",
            "oc -n openshift-ingress-operator get ingresscontrollers -o yaml   # routeSelector, namespaceSelector",
            f"oc get namespace {route.namespace} --show-labels",
        ],
        confidence="medium",
        **default_backend.default_claims(ctx, route),
        **timing,
    )


def shard_fix(route: common.RouteRef, shards: list[tuple[pd.Series, str]]) -> list[str]:
    """The labels that put the route in a shard's selection (``matchLabels``), or the IngressController to edit."""
    fix = []
    for ic, text in shards:
        by_namespace = "only serves namespaces" in text
        selector = _selector(ic["namespace_selector"] if by_namespace else ic["route_selector"]) or {}
        pairs = " ".join(f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items())
        target = f"namespace {route.namespace}" if by_namespace else f"-n {route.namespace} route {route.name}"
        if pairs and not selector.get("matchExpressions"):
            fix.append(f"oc label {target} {pairs}   # so IngressController {ic['name']} serves it")
        else:
            fix.append(f"oc -n openshift-ingress-operator edit ingresscontroller/{ic['name']}   # "
                       f"{'namespaceSelector' if by_namespace else 'routeSelector'}, or label the "
                       f"{'namespace' if by_namespace else 'route'} to match it")
    return fix or ["# no shard in the inputs excludes the route: once a router selects it, it writes status.ingress"]


def _no_backend(ctx: Context, route: common.RouteRef, configs: pd.DataFrame) -> Finding:
    pods = ", ".join(str(p) for p in configs["router_pod"].tolist()[:3])
    first = configs.iloc[0]
    router = common.first_text(first["ingresscontroller"], default="default")
    return RULE.finding(
        severity=Severity.WARNING,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=common.first_service(route),
        title=f"route {route.name} claims to be admitted but the router configuration has no backend for it",
        explanation=(
            f"The route's status says router {route.row['admitted_routers']} admitted it, yet the haproxy.config "
            f"collected from {pods} has no backend *:{route.namespace}:{route.name}. The router may be sharded "
            "away from it, or the route changed after the configuration was copied."
        ),
        evidence=[
            common.route_evidence(ctx, route, "routerName:"),
            Evidence(
                source=str(first["source"]),
                line=None,
                text=f"no backend *:{route.namespace}:{route.name} in this haproxy.config",
                input=None if pd.isna(first["input"]) else str(first["input"]),
            ),
        ],
        remediation=[
            f"oc -n openshift-ingress rollout restart deployment/router-{router}   # only if the router's live "
            "haproxy.config lacks the backend too (the diagnostics below): the router reads every route again",
        ],
        diagnostics=[
            f"oc -n {route.namespace} get route {route.name} -o yaml",
            f"oc -n openshift-ingress exec {first['router_pod']} -- grep -c ':{route.namespace}:{route.name}$' "
            "/var/lib/haproxy/conf/haproxy.config",
        ],
        confidence="medium",
    )
