"""Service selector matches no pod.

## What it does

For each weighted service of a route whose selector is set and whose endpoints are empty, looks
for pods of the namespace whose labels contain every selector pair (only when the namespace's pods
were collected and it has pods at all, and no workload scaled to 0 has the selector's pairs in
its `matchLabels`). Names the pod whose labels come closest and the selector it would match.
Critical when the route is left without a ready endpoint, warning when other backends still
serve it. With access logs, the route's 503 `<NOSRV>` answers are counted; the fault is dated
(`began_at`) from the service's last edit (`managedFields`), or its creation when no edit is
recorded (the finding says which), when it lies at most 10 minutes
before the first of them, else from that first 503, and the requests after the last one say
whether it was over at collection.

## Why it matters

No pod is selected, so the service has no endpoints and the router's backend has no servers:
every request gets 503 `<NOSRV>`.

## Example

Service selector `app: profile, tier: web` while the pods are labelled `app: profile`.

## Remediation

Make the selector match the pod template labels (the command uses the closest pod's labels), or
fix the labels in the Deployment's pod template.

## Known problems

Pods that were not collected cannot be matched; a selector written for pods that do not exist
yet (scaled to zero) is reported by E203 instead.

## References

runbook-502.md step 2; router-facts.md §5 (selector ↔ pod labels), §6 (No ready endpoints / selector
mismatch); KCS 7013260.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from analyzer.context import Context
from analyzer.evidence import object_evidence
from analyzer.model import NO_CLAIMS, Finding, Severity
from analyzer.rule import rule
from analyzer.rules import common
from analyzer.rules.endpoints import shared

RULE = rule(
    code="E201",
    name="service-selector-matches-no-pod",
    cause="service-selector-mismatch",
    severity=Severity.CRITICAL,
    needs=("services", "pods"),
)

TEMPLATE_LABELS = ("pod-template-hash", "controller-revision-hash", "deployment", "deploymentconfig",
                   "statefulset.kubernetes.io/pod-name", "pod-template-generation")


def closest_pod(pods: pd.DataFrame, selector: dict[str, str]) -> tuple[pd.Series, dict[str, str]] | None:
    """The pod whose labels come nearest the selector: most equal pairs, then most shared keys."""
    best: tuple[float, pd.Series, dict[str, str]] | None = None
    for _, p in pods.iterrows():
        labels = common.labels_of(p["labels"])
        score = sum(labels.get(k) == v for k, v in selector.items()) + 0.5 * sum(k in labels for k in selector)
        if score > 0 and (best is None or score > best[0]):
            best = (score, p, labels)
    return None if best is None else (best[1], best[2])


def suggested_selector(selector: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """A selector the closest pod satisfies: the selector's keys it carries, with its values."""
    kept = {k: labels[k] for k in selector if k in labels}
    if kept:
        return kept
    return {k: v for k, v in labels.items() if k not in TEMPLATE_LABELS}


@RULE.check
def service_selector_mismatch(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        misses = shared.selector_misses(ctx, route)
        if not misses:
            continue
        pods = ctx.snap.frame("pods")  # the namespace's pods, taken only for a finding
        nosrv = shared.nosrv(ctx, route)
        facts = common.log_facts(ctx, nosrv) if not nosrv.empty else {}
        severity = Severity.WARNING if route.endpoints_ready else Severity.CRITICAL
        for miss in misses:
            yield _selector_finding(ctx, route, miss, pods, facts, severity)


def _selector_finding(ctx: Context, route: common.RouteRef, miss: shared.SelectorMiss, pods: pd.DataFrame, facts: dict,
                      severity: Severity) -> Finding:
    svc, selector = miss.service, miss.selector
    sel = ",".join(f"{k}={v}" for k, v in selector.items())
    evidence = [object_evidence(ctx.snap, svc, "selector:")]
    hint = ""
    checks = [f"oc -n {route.namespace} get pods --show-labels"]
    near = closest_pod(pods, selector)
    if near is not None:
        pod, labels = near
        shown = {k: v for k, v in labels.items() if k not in TEMPLATE_LABELS}
        hint = f" The closest pod, {pod['name']}, has labels {shown}."
        key = next((k for k in selector if k in labels), next(iter(shown), None))
        evidence.append(object_evidence(ctx.snap, pod, f"{key}:" if key else "labels:"))
        new = ",".join(f"{k}={v}" for k, v in suggested_selector(selector, labels).items())
        fix = [f"oc -n {route.namespace} set selector service/{svc['name']} '{new}'"]
    else:
        fix = [f"oc -n {route.namespace} set selector service/{svc['name']} 'KEY=VALUE'  "
               "# KEY=VALUE: the labels of the pod template that should serve the route"]
        checks.append(f"oc -n {route.namespace} get deployments -o jsonpath='{{..template.metadata.labels}}'")
    changed, source = common.dated_change(ctx, "service", route.namespace, str(svc["name"]), f"service {svc['name']}")
    when, said = common.timing(ctx, route, facts, changed, source=source or None)
    return RULE.finding(
        severity=severity,
        namespace=route.namespace,
        route=route.name,
        names=common.command_names(ctx, route),
        service=str(svc["name"]),
        title=f"service {svc['name']} selects no pod ({sel})",
        explanation=(
            f"Service {svc['name']} selects pods with {sel}, and no pod in {route.namespace} has all these "
            f"labels, so its endpoints are empty and the router has no server from it for route {route.name}."
            + hint
            + (f" The access log shows {facts['affected_requests']} 503 <NOSRV> answers on the route." if facts
               else "")
            + said
        ),
        evidence=evidence + facts.get("evidence", []),
        remediation=fix,
        diagnostics=checks,
        first_seen=facts.get("first_seen"),
        last_seen=facts.get("last_seen"),
        affected_requests=facts.get("affected_requests", 0),
        claims=facts.get("claims", NO_CLAIMS),
        **when,
    )
