"""The router rejected the backend's response as invalid (502 PH).

## What it does

Counts 502 `PH` lines (`Tr=-1`, the router's 209-byte 502 page) per route and pod.
The first and last of these lines date the fault (`began_at`; `ended_at` with
`status_at_collection: ended` when the route's requests after the last one
(and after the route's last router-side 5xx of any cause) succeeded for a
minute and three typical gaps between its errors), and the severity weighs them against the
route's requests from the first of them on (a warning when it was over before collection).

## Why it matters

The application answered, but HAProxy refused what it sent: invalid or oversized headers,
a duplicated `Transfer-Encoding` (rejected since HAProxy 2.5, OpenShift 4.14), or non-HTTP bytes
such as a TLS alert.

## Example

`be_http:ns:dupte/pod:...:127.0.0.1:9007 0/0/0/-1/4 502 209 - - PHNN`.

## Remediation

Fix the response headers in the application; for large headers raise
`tuningOptions.headerBufferBytes`/`headerBufferMaxRewriteBytes` on the IngressController.

## Known problems

The log does not say which header was wrong; reproduce with `curl -v` from a router pod.

## References

router-facts.md §4.2 (502 PH), §6; KCS 7055002 (duplicate Transfer-Encoding after 4.14); HAProxy
configuration.txt §8.5.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.context import Context
from analyzer.model import NO_CLAIMS, Finding, Severity
from analyzer.rule import LOGS, rule
from analyzer.rules import common
from analyzer.rules.backend import shared
from analyzer.wording import plural

RULE = rule(
    code="B503",
    name="backend-response-rejected",
    cause="invalid-response",
    severity=Severity.WARNING,
    needs=(LOGS,),
)


@RULE.check
def invalid_response(ctx: Context) -> Iterator[Finding]:
    for route in common.routes(ctx):
        bad = common.route_select(ctx, route, status=502, term="PH")
        if bad.empty:
            continue
        req = common.route_requests(ctx, route)
        facts = common.log_facts(ctx, bad)
        pods = sorted(bad["pod"].dropna().astype(str).unique())
        when, said = common.timing(ctx, route, facts)
        ic = common.ic_of(route)  # the router that rejected the responses: its settings, its pods
        yield RULE.finding(
            severity=shared.severity_by_share(bad, req, when["status_at_collection"], ctx.facts.lines,
                                              ctx.normal_lines, (route.namespace, route.name)),
            namespace=route.namespace,
            route=route.name,
            names=common.command_names(ctx, route, ic, f"router-{ic}"),
            service=common.first_service(route),
            title=f"{plural(len(bad), 'response')} rejected by the router as invalid (502 PH)",
            explanation=(
                f"The router received responses from {', '.join(pods) or 'the backend'} that it could not accept "
                "(malformed or oversized headers, duplicate Transfer-Encoding, non-HTTP bytes) and answered 502."
                + said
            ),
            evidence=facts["evidence"],
            remediation=[
                "# fix the headers the application sends (duplicate Transfer-Encoding, malformed or oversized)",
                f"oc -n openshift-ingress-operator patch ingresscontroller/{ic} --type=merge -p "
                '\'{"spec":{"tuningOptions":{"headerBufferBytes":65536}}}\'  # only for large headers',
            ],
            diagnostics=[
                f"oc -n openshift-ingress rsh deploy/router-{ic} curl -sv http://POD_IP:PORT/PATH  "
                "# inspect the raw headers; POD_IP:PORT/PATH: a rejected request's server and path (the evidence)",
            ],
            first_seen=facts["first_seen"],
            last_seen=facts["last_seen"],
            affected_requests=facts["affected_requests"],
            claims=facts.get("claims", NO_CLAIMS),
            **when,
        )
