"""A realistic analysis Result for the report tests, built by hand so every number can be checked.

The case (2026-11-20, UTC), on cluster ``ocp-prod`` with apps domain ``apps.ocp-prod.acme-corp.com``:

- ``payments/checkout`` (edge) is **broken**: its three pods fail their readiness probe one after
  the other (08:41:12, 08:42:05, 08:43:30); from 08:41 the router answers 503 ``SC`` with
  ``<NOSRV>``, and from 08:44 every request is a 503 (23 a minute, clients retry less).
  Per minute: 08:30-08:40 40x2xx + 2x4xx; 08:41/42/43 30/26/20x2xx + 2x4xx + 10/14/20x503;
  08:44-08:59 23x503. Totals: 956 requests, 516 2xx, 28 4xx, 412 503.
- ``reporting/export-api`` (reencrypt) is **degraded**: 30 requests a minute 08:42-08:59 (540),
  of which 504 ``sH`` at 08:50-08:55: 5, 7, 8, 6, 6, 5 (37).
- ``payments/checkout-admin`` (230 requests, 23 a minute 08:30-08:39), ``storefront/www`` on the
  custom domain ``shop.acme-retail.com`` (4,800 requests: 150 2xx, 6 3xx, 4 4xx a minute,
  08:30-08:59) and ``openshift-console/console`` (310, 31 a minute 08:30-08:39) are **healthy**.
- ``legacy/inventory`` is **unknown**: its namespace was not collected.

Whole log: 6,836 requests (200: 6,059, 302: 180, 404: 148, 503: 412, 504: 37), 4 router
messages and 3 unparsed lines (6,843 lines).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analyzer.model import (
    CHECKS,
    CheckResult,
    CheckStatus,
    ErrorLedger,
    Evidence,
    Finding,
    Gap,
    InputSummary,
    LedgerShare,
    Result,
    RouteResult,
    Severity,
    Skipped,
    TimelineEvent,
    Verdict,
)

DAY = datetime(2026, 11, 20, tzinfo=UTC)
APPS_DOMAIN = "apps.ocp-prod.acme-corp.com"
CUSTOM_HOST = "shop.acme-retail.com"
MG = "must-gather.local.5520983407781230417"
INSPECT = "inspect.local.7316620088154903321"
IMAGE_DIR = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-5b3e1f7a9c2d4e6f8a0b1c3d5e7f9a2b4c6d8e0f"
ROUTER_LOG = (f"{MG}/{IMAGE_DIR}/namespaces/openshift-ingress/pods/router-default-7c9d8f6b54-4xk2m/"
              "router/router/logs/current.log")
NODE_AWS = "ip-10-0-141-27.us-east-2.compute.internal"
NODE_NAMED = "ocp-prod-7xk2p-worker-b-9zq4d"
CHECKOUT_PODS = ("checkout-7d9c6b8f4-2xkqp", "checkout-7d9c6b8f4-m8zrt", "checkout-7d9c6b8f4-v5nlc")
CHECKOUT_POD_IPS = ("10.128.2.15", "10.129.4.22", "10.131.0.38")
EXPORT_POD = "export-api-5b7f9d6c8-wq4zt"
EXPORT_POD_IP = "10.131.2.47"
CLIENT_IPS = ("203.0.113.45", "198.51.100.23", "2001:db8:4006:812::200e")
ROUTER_IP = "10.128.2.7"
CLUSTER_ID = "5f0c2b9e-8d41-4b7a-9a3e-1c2d3e4f5a6b"


def at(hour: int, minute: int, second: int = 0, ms: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second, microsecond=ms * 1000)


def minute_entry(ts: datetime, **counts: int) -> dict[str, Any]:
    """One per-minute bucket in the analyzer's shape (every status class present, zeros included)."""
    entry: dict[str, Any] = {"minute": ts.strftime("%Y-%m-%dT%H:%M:%SZ")}
    classes = {c: 0 for c in ("2xx", "3xx", "4xx", "502", "503", "504", "5xx_other", "other")}
    classes.update({k.removeprefix("s"): v for k, v in counts.items()})
    entry["total"] = sum(classes.values())
    entry.update(classes)
    return entry


def checkout_timeline() -> list[dict[str, Any]]:
    minutes = [minute_entry(at(8, m), **{"2xx": 40, "4xx": 2}) for m in range(30, 41)]
    for m, ok, errors in ((41, 30, 10), (42, 26, 14), (43, 20, 20)):
        minutes.append(minute_entry(at(8, m), **{"2xx": ok, "4xx": 2, "s503": errors}))
    minutes += [minute_entry(at(8, m), s503=23) for m in range(44, 60)]
    return minutes


def export_timeline() -> list[dict[str, Any]]:
    timeouts = {50: 5, 51: 7, 52: 8, 53: 6, 54: 6, 55: 5}
    return [minute_entry(at(8, m), **{"2xx": 30 - timeouts.get(m, 0), "s504": timeouts.get(m, 0)})
            for m in range(42, 60)]


def steady_timeline(start: int, minutes: int, **per_minute: int) -> list[dict[str, Any]]:
    return [minute_entry(at(8, start + i), **per_minute) for i in range(minutes)]


def pods_yaml(ns: str) -> str:
    return f"{INSPECT}/namespaces/{ns}/core/pods.yaml"


def checklist(**statuses: tuple[str, str]) -> list[CheckResult]:
    """Every check of the runbook, in contract order; unnamed ones pass with a generic detail."""
    out = []
    for check in CHECKS:
        status, detail = statuses.get(check.replace("-", "_"), ("pass", "no problem found"))
        out.append(CheckResult(check, CheckStatus(status), detail))
    return out


def readiness_finding() -> Finding:
    return Finding(
        id="F001-E202",
        code="E202",
        cause="readiness-probe-failing",
        severity=Severity.CRITICAL,
        namespace="payments",
        route="checkout",
        service="checkout",
        title="3 of 3 pods fail their readiness probe (httpGet /healthz/ready port 8080)",
        explanation=(
            "The readiness probe of every checkout pod answers HTTP 500, so the kubelet marks them not "
            "ready and the endpoints controller removes them; with no server left the router answers "
            f"503 with <NOSRV> for checkout-payments.{APPS_DOMAIN}."
        ),
        evidence=[
            Evidence(pods_yaml("payments"), 212,
                     "- lastTransitionTime: '2026-11-20T08:43:30Z'  status: 'False'  type: Ready", INSPECT),
            Evidence(f"{INSPECT}/namespaces/payments/core/events.yaml", 88,
                     "Readiness probe failed: HTTP probe failed with statuscode: 500 "
                     f"(pod {CHECKOUT_PODS[2]}, {CHECKOUT_POD_IPS[2]}:8080, node {NODE_AWS})", INSPECT),
            Evidence(f"{INSPECT}/namespaces/payments/core/endpoints.yaml", 17,
                     f"notReadyAddresses: ip: {CHECKOUT_POD_IPS[0]} nodeName: {NODE_NAMED}", INSPECT),
            Evidence(ROUTER_LOG, 4187,
                     f"{CLIENT_IPS[0]}:51234 [20/Nov/2026:08:43:31.104] fe_sni~ "
                     "be_edge_http:payments:checkout/<NOSRV> 0/-1/-1/-1/0 503 3406 - - SC-- "
                     "212/112/0/0/0 0/0 "
                     f"\"GET /api/cart?next=</script><b>x</b> HTTP/1.1\"", MG),
        ],
        remediation=[
            "oc -n payments set probe deployment/checkout --readiness --get-url=http://:8080/healthz/ready "
            "--timeout-seconds=3 --failure-threshold=3   # only if the probe itself is wrong",
        ],
        diagnostics=[
            f"oc -n payments describe pod {CHECKOUT_PODS[0]}",
            f"oc -n payments logs {CHECKOUT_PODS[0]} --previous",
            "oc -n payments get endpoints checkout -o wide",
        ],
        first_seen=at(8, 41, 12, 118),
        last_seen=at(8, 59, 58, 871),
        affected_requests=412,
        doc="mga rule E202",
        extra={"not_ready_pods": list(CHECKOUT_PODS), "probe": {"path": "/healthz/ready", "port": 8080}},
    )


def timeout_finding() -> Finding:
    return Finding(
        id="F002-E401",
        code="E401",
        cause="backend-timeout",
        severity=Severity.WARNING,
        namespace="reporting",
        route="export-api",
        service="export-api",
        title="37 requests timed out after 30s (504 sH) on route export-api",
        explanation=(
            "The router waited the default 30s server timeout for the first response byte and gave up "
            f"(termination sH); the pod {EXPORT_POD} ({EXPORT_POD_IP}) answers the export calls in 31-48s."
        ),
        evidence=[
            Evidence(ROUTER_LOG, 5120,
                     f"{CLIENT_IPS[1]}:40112 [20/Nov/2026:08:50:02.311] fe_sni~ be_secure:reporting:"
                     f"export-api/pod:{EXPORT_POD}:export-api:https:{EXPORT_POD_IP}:8443 0/0/1/-1/30001 504 "
                     "194 - - sH-- 98/40/3/1/0 0/0 \"POST /v1/exports HTTP/1.1\"", MG),
            Evidence(ROUTER_LOG, 5391,
                     f"{CLIENT_IPS[2]}:40188 [20/Nov/2026:08:53:44.902] fe_sni~ be_secure:reporting:"
                     f"export-api/pod:{EXPORT_POD}:export-api:https:{EXPORT_POD_IP}:8443 0/0/0/-1/30000 504 "
                     "194 - - sH-- 101/44/2/1/0 0/0 \"POST /v1/exports HTTP/1.1\"", MG),
        ],
        remediation=[
            "oc -n reporting annotate route export-api haproxy.router.openshift.io/timeout=90s --overwrite",
        ],
        first_seen=at(8, 50, 2, 311),
        last_seen=at(8, 55, 41, 76),
        affected_requests=37,
        doc="mga rule E401",
    )


def route_events() -> list[TimelineEvent]:
    events_yaml = f"{INSPECT}/namespaces/payments/core/events.yaml"
    out = [
        TimelineEvent(at(8, 36, 2), "rollout", None, "ReplicaSet checkout-7d9c6b8f4 created (revision 14)",
                      f"{INSPECT}/namespaces/payments/apps/replicasets.yaml", 9),
        TimelineEvent(at(8, 40, 51), "probe-failed", CHECKOUT_PODS[0],
                      "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500",
                      events_yaml, 41),
    ]
    times = (at(8, 41, 12), at(8, 42, 5), at(8, 43, 30))
    for pod, ip, ts, line in zip(CHECKOUT_PODS, CHECKOUT_POD_IPS, times, (58, 135, 212), strict=True):
        text = f"{pod} ({ip}) not ready"
        out.append(TimelineEvent(ts, "not-ready", pod, text, pods_yaml("payments"), line))
    out.append(TimelineEvent(at(8, 43, 31), "no-server", None,
                             "backend be_edge_http:payments:checkout has no server available!",
                             ROUTER_LOG, 4186))
    out.append(TimelineEvent(at(8, 47, 20), "restart", CHECKOUT_PODS[1],
                             f"{CHECKOUT_PODS[1]}/checkout terminated: OOMKilled (exit 137)",
                             pods_yaml("payments"), 160))
    out.append(TimelineEvent(at(8, 52, 0), "router-reload", None,
                             "Proxy be_edge_http:payments:checkout started", ROUTER_LOG, 5002))
    return out


def routes() -> list[RouteResult]:
    not_collected = "namespace legacy was not collected"
    checkout = RouteResult(
        namespace="payments", name="checkout", host=f"checkout-payments.{APPS_DOMAIN}", services=["checkout"],
        termination="edge", requests=956, errors={"502": 0, "503": 412, "504": 0}, verdict=Verdict.BROKEN,
        error_ledger=ErrorLedger(412, (LedgerShare("F001-E202", "readiness-probe-failing", 412),), ()),
        checklist=checklist(
            pods_ready=("fail", "F001-E202: 3 of 3 pods fail their readiness probe (httpGet /healthz/ready)"),
            endpoints_populated=("fail", "F001-E202: 0 of 3 endpoints ready"),
            health_endpoint_ok=("fail", "F001-E202: /healthz/ready answers 500"),
            timeout_sufficient=("pass", "slowest answer 1.8s, route timeout 30s"),
        ),
        findings=["F001-E202"], affected_requests=412, router_errors=412, endpoints_ready=0, endpoints_total=3,
        timeline=checkout_timeline(), events=route_events(),
        cause_sentence="readiness-probe-failing: 3 of 3 pods fail their readiness probe",
    )
    export = RouteResult(
        namespace="reporting", name="export-api", host=f"export-api-reporting.{APPS_DOMAIN}",
        services=["export-api"], termination="reencrypt", requests=540,
        errors={"502": 0, "503": 0, "504": 37}, verdict=Verdict.DEGRADED,
        error_ledger=ErrorLedger(37, (LedgerShare("F002-E401", "backend-timeout", 37),), ()),
        checklist=checklist(timeout_sufficient=("fail", "F002-E401: 37 requests timed out after 30s")),
        findings=["F002-E401"], affected_requests=37, router_errors=37, endpoints_ready=2, endpoints_total=2,
        timeline=export_timeline(),
        events=[TimelineEvent(at(8, 49, 58), "event", EXPORT_POD, "Pulled: image already present on machine "
                              f"{NODE_NAMED}", f"{INSPECT}/namespaces/reporting/core/events.yaml", 12)],
        cause_sentence="backend-timeout: 37 requests timed out after 30s (504 sH) on route export-api",
    )
    admin = RouteResult(
        namespace="payments", name="checkout-admin", host=f"checkout-admin-payments.{APPS_DOMAIN}",
        services=["checkout-admin"], termination="edge", requests=230, verdict=Verdict.HEALTHY,
        errors=NO_ERRORS, error_ledger=ErrorLedger(0, (), ()),
        checklist=checklist(), endpoints_ready=1, endpoints_total=1,
        timeline=steady_timeline(30, 10, **{"2xx": 23}),
    )
    www = RouteResult(
        namespace="storefront", name="www", host=CUSTOM_HOST, services=["storefront-web"], termination="edge",
        requests=4800, verdict=Verdict.HEALTHY,
        errors=NO_ERRORS, error_ledger=ErrorLedger(0, (), ()), checklist=checklist(), endpoints_ready=4,
        endpoints_total=4,
        timeline=steady_timeline(30, 30, **{"2xx": 150, "3xx": 6, "4xx": 4}),
    )
    console = RouteResult(
        namespace="openshift-console", name="console", host=f"console-openshift-console.{APPS_DOMAIN}",
        services=["console"], termination="reencrypt", requests=310, verdict=Verdict.HEALTHY,
        errors=NO_ERRORS, error_ledger=ErrorLedger(0, (), ()),
        checklist=checklist(), endpoints_ready=2, endpoints_total=2,
        timeline=steady_timeline(30, 10, **{"2xx": 31}),
    )
    unknown = {c.replace("-", "_"): ("unknown", not_collected) for c in CHECKS}
    unknown["tls_matches_backend"] = ("pass", "edge route, the service serves plain HTTP on 8080")
    inventory = RouteResult(
        namespace="legacy", name="inventory", host=f"inventory-legacy.{APPS_DOMAIN}", services=["inventory"],
        termination="edge", verdict=Verdict.UNKNOWN, checklist=checklist(**unknown),
    )
    # deliberately not in verdict order: the reports order routes themselves
    return [admin, www, inventory, checkout, console, export]


NO_ERRORS = {"502": 0, "503": 0, "504": 0}


def sample_result() -> Result:
    return Result(
        tool_version="0.1.0",
        generated_at=at(9, 5, 12),
        inputs=[
            InputSummary(f"/cases/04211876/{MG}.tar.gz", "must-gather", 1834, 3, 1837, [f"{MG}/{IMAGE_DIR}"]),
            InputSummary(f"/cases/04211876/{INSPECT}", "inspect", 14, 0, 14, [INSPECT]),
        ],
        window_start=at(8, 30, 0, 412),
        window_end=at(8, 59, 58, 871),
        routes=routes(),
        findings=[readiness_finding(), timeout_finding()],
        gaps=[
            Gap("Access logs of router-default-7c9d8f6b54-p9wq7",
                "Only one of the two router pods logged requests; the other half of the traffic is unseen.",
                "oc -n openshift-ingress logs router-default-7c9d8f6b54-p9wq7 -c logs > router-p9wq7.log"),
            Gap("The legacy namespace",
                "Route legacy/inventory is in a namespace the inputs do not hold, so its checks are unknown.",
                "oc adm inspect ns/legacy --dest-dir=inspect-legacy"),
        ],
        skipped=[
            Skipped(f"{MG}/{IMAGE_DIR}/namespaces/payments/pods/checkout-7d9c6b8f4-2xkqp/checkout/checkout/logs/"
                    "current.log", "application container log (not a router log)"),
            Skipped(f"{MG}/{IMAGE_DIR}/host_service_logs/masters/kubelet_service.log",
                    "symbolic link: not followed"),
            Skipped(f"{MG}/{IMAGE_DIR}/network_logs/{NODE_AWS}/ovs-flows.tar.gz",
                    f"larger than the 512 MiB member limit (node {NODE_AWS}, {ROUTER_IP})"),
        ],
        log_lines=6843,
        log_lines_unparsed=3,
        requests=6836,
        status_counts={"200": 6059, "302": 180, "404": 148, "503": 412, "504": 37},
        window_source="access-log",
        router_side_5xx=449,
        router_side_5xx_explained=449,
        router_side_5xx_no_route=0,
        unparsed_samples=[
            {"input": MG, "source": ROUTER_LOG, "line": 77, "reason": "truncated at the 1024-byte log limit",
             "text": f"{CLIENT_IPS[0]}:50911 [20/Nov/2026:08:31:07.552] fe_sni~ be_edge_http:payments:"
                     f"checkout/pod:{CHECKOUT_PODS[0]}:checkout:http:{CHECKOUT_POD_IPS[0]}:8080 0/0/1/12/13 "
                     "200 1180 - - ---- 180/80/1/0/0 0/0 "
                     "\"GET /search?q=<script>alert(document.domain)</script>&page=1"},
            {"input": MG, "source": ROUTER_LOG, "line": 2950, "reason": "no haproxy[pid]: tag",
             "text": "I1120 08:44:10.101733       1 router.go:669] template \"msg\"=\"router reloaded\""},
            {"input": MG, "source": ROUTER_LOG, "line": 6001, "reason": "unknown log shape",
             "text": f"{CLIENT_IPS[2]} - - [20/Nov/2026:08:55:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" "
                     "\"curl/8.5\""},
        ],
        cluster=cluster(),
        log_accounting=[
            {"input": MG, "source": ROUTER_LOG, "lines_read": 6843, "requests": 6836, "router_messages": 4,
             "unparsed": 3, "outside_window": 0},
        ],
    )


def cluster() -> dict[str, Any]:
    """The platform around the routes: no upgrade running, one alert on the payments namespace, a worker
    (``NODE_NAMED``, where a checkout pod ran) cordoned and rebooted at 08:35, both routers ready."""
    return {
        "version": "4.16.21", "cluster_id": CLUSTER_ID, "apps_domain": APPS_DOMAIN,
        "upgrade": {"in_progress": False, "from": "4.16.19", "to": "4.16.21", "started": "2026-11-02T10:00:00Z",
                    "history": [
                        {"version": "4.16.21", "state": "Completed", "started": "2026-11-02T10:00:00Z",
                         "completed": "2026-11-02T11:02:13Z"},
                        {"version": "4.16.19", "state": "Completed", "started": "2026-10-01T09:00:00Z",
                         "completed": "2026-10-01T10:01:00Z"}]},
        "alerts": {"source": f"{MG}/{IMAGE_DIR}/monitoring/alerts.json", "firing": 4, "pending": 1, "relevant": [
            {"name": "KubeDeploymentReplicasMismatch", "severity": "warning", "namespace": "payments",
             "active_at": "2026-11-20T08:56:12Z", "state": "firing", "concerns": "namespace payments",
             "labels": {"alertname": "KubeDeploymentReplicasMismatch", "deployment": "checkout",
                        "namespace": "payments", "severity": "warning"},
             "summary": "Deployment has not matched the expected number of replicas.",
             "source": f"{MG}/{IMAGE_DIR}/monitoring/alerts.json", "line": 1}]},
        "ingress_controllers": [{
            "name": "default", "available": True, "degraded": False, "replicas_ready": "2/2",
            "conditions": [
                {"type": "Available", "status": "True", "since": "2026-11-02T10:40:00Z", "message": None,
                 "source": None, "line": None},
                {"type": "Degraded", "status": "False", "since": "2026-11-02T10:40:00Z", "message": None,
                 "source": None, "line": None}],
            "router_pods": [
                {"name": "router-default-7c9d8f6b54-4xk2m", "node": NODE_AWS, "phase": "Running", "ready": True,
                 "ready_since": "2026-11-02T10:39:00Z", "restarts": 0, "source": None, "line": None}],
            "reloads": {"logs_read": 0, "succeeded": 0, "failed": 0, "last_succeeded": None, "first_failed": None},
            "capacity": {"maxconn": [50000], "nbthread": [4], "tuning_max_connections": None,
                         "tuning_thread_count": None},
            "access_logging": True}],
        "nodes": {"total": 6, "not_ready": [], "unschedulable": [NODE_NAMED],
                  "recently_rebooted": [{"name": NODE_NAMED, "at": "2026-11-20T08:35:02Z", "reason": "Rebooted",
                                         "source": None, "line": None}], "updating": []},
        "machine_config_pools": [],
    }


def secrets_of(result: Result) -> set[str]:
    """Every IP address, host name and node name the sample carries: none may survive redaction."""
    return {
        *CHECKOUT_POD_IPS, EXPORT_POD_IP, ROUTER_IP, *CLIENT_IPS,
        APPS_DOMAIN, "ocp-prod.acme-corp.com", "acme-corp", CUSTOM_HOST, "acme-retail", NODE_AWS,
        "ip-10-0-141-27", NODE_NAMED, CLUSTER_ID,
        *(r.host for r in result.routes if r.host),
    }


def route_keys() -> list[str]:
    return [f"{r.namespace}/{r.name}" for r in routes()]


def timeline_totals(timeline: list[dict[str, Any]]) -> dict[str, int]:
    """Sums per status class (used by tests to check the builder's own arithmetic against the docstring)."""
    keys = ("total", "2xx", "3xx", "4xx", "502", "503", "504", "5xx_other", "other")
    return {k: sum(m[k] for m in timeline) for k in keys}


BIG_T0 = DAY.replace(hour=8)
BIG_BROKEN, BIG_UNKNOWN, BIG_ROUTES = 400, 300, 5000


def big_minute(m: int, ok: int, errors: int) -> dict[str, Any]:
    ts = (BIG_T0 + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"minute": ts, "total": ok + errors, "2xx": ok, "3xx": 0, "4xx": 0, "502": 0, "503": errors,
            "504": 0, "5xx_other": 0, "other": 0}


def big_result() -> Result:
    """5,000 routes: 400 broken (readiness, 60 minutes of logs each), 300 unknown, the rest healthy."""
    routes, findings = [], []
    for i in range(BIG_ROUTES):
        ns, name = f"team-{i // 50:03d}", f"app-{i:04d}"
        checks = [CheckResult(c, CheckStatus.PASS, "all 2 endpoint pod(s) ready and serving") for c in CHECKS]
        rr = RouteResult(namespace=ns, name=name, host=f"{name}-{ns}.{APPS_DOMAIN}", services=[name],
                         termination="edge", requests=600, endpoints_ready=2, endpoints_total=2,
                         errors=dict(NO_ERRORS), error_ledger=ErrorLedger(0, (), ()),
                         checklist=checks, verdict=Verdict.HEALTHY,
                         timeline=[big_minute(m, 10, 0) for m in range(60)])
        if i < BIG_BROKEN:
            f = Finding(code="E202", cause="readiness-probe-failing", severity=Severity.CRITICAL,
                        namespace=ns, route=name,
                        title="2 of 2 pods fail their readiness probe (httpGet /healthz port 8080)",
                        explanation="The readiness probe answers 500, so the pods leave the endpoints.",
                        evidence=[Evidence(f"inspect/namespaces/{ns}/core/pods.yaml", 12 + i, "type: Ready"),
                                  Evidence(f"inspect/namespaces/{ns}/core/events.yaml", 40 + i,
                                           "Readiness probe failed: HTTP probe failed with statuscode: 500")],
                        remediation=[f"oc -n {ns} describe pod {name}-6f8d9c7b5-h2j4k"],
                        id=f"F{i + 1:04d}-E202",
                        affected_requests=300 - i % 200, first_seen=BIG_T0 + timedelta(minutes=30),
                        last_seen=BIG_T0 + timedelta(minutes=59))
            findings.append(f)
            rr.findings, rr.verdict = [f.id], Verdict.BROKEN
            rr.errors = {"502": 0, "503": f.affected_requests, "504": 0}
            rr.error_ledger = ErrorLedger(f.affected_requests, (LedgerShare(f.id, f.cause, f.affected_requests),), ())
            rr.checklist[0] = CheckResult("pods-ready", CheckStatus.FAIL, f"{f.id}: {f.title}")
            rr.timeline = [big_minute(m, 10 if m < 30 else 0, 0 if m < 30 else 10) for m in range(60)]
            rr.events = [TimelineEvent(BIG_T0 + timedelta(minutes=30), "not-ready", f"{name}-6f8d9c7b5-h2j4k",
                                       "not ready", f"inspect/namespaces/{ns}/core/pods.yaml", 12 + i)]
        elif i < BIG_BROKEN + BIG_UNKNOWN:
            rr.verdict, rr.timeline, rr.requests, rr.errors, rr.error_ledger = Verdict.UNKNOWN, [], None, None, None
            missing = f"namespace {ns} was not collected"
            rr.checklist = [CheckResult(c, CheckStatus.UNKNOWN, missing) for c in CHECKS]
        routes.append(rr)
    return Result(tool_version="test", generated_at=BIG_T0,
                  inputs=[InputSummary("mg.tar.gz", "must-gather", 10, 0)], window_start=BIG_T0,
                  window_end=BIG_T0 + timedelta(hours=1), routes=routes, findings=findings,
                  gaps=[Gap("x", "y", "z")], skipped=[], requests=600 * BIG_ROUTES)


CONTROLS = "\x1b[31m\x00\x7f\x85"  # ESC (a colour sequence), NUL, DEL and a C1 byte from an input
CONTROLS_SHOWN = "\\x1b[31m\\x00\\x7f\\x85"  # how the terminal prints them (mga.console.clean)


def control_result() -> Result:
    """The sample with control bytes in what the inputs wrote: a route annotation and a log line
    cited as evidence, an event message, an unparsed line, a skipped file's name, a route's host,
    an input path and a healthy route's checklist detail (drawn on demand in big reports)."""
    result = sample_result()
    finding = result.findings[0]
    finding.evidence.append(Evidence(f"{INSPECT}/namespaces/payments/route.openshift.io/routes/checkout.yaml", 9,
                                     f"haproxy.router.openshift.io/timeout: 2m{CONTROLS}", INSPECT))
    finding.evidence[3] = Evidence(ROUTER_LOG, 4187, finding.evidence[3].text.replace("/api/cart",
                                                                                      f"/api/c{CONTROLS}art"), MG)
    finding.remediation = [f"oc annotate route checkout note=a{CONTROLS}b"]
    checkout = next(r for r in result.routes if r.name == "checkout")
    checkout.host = f"checkout{CONTROLS}.{APPS_DOMAIN}"
    checkout.events[0].text = f"ReplicaSet {CONTROLS} created"
    result.unparsed_samples[1]["text"] = f"I1120 router{CONTROLS}reloaded"
    result.skipped.append(Skipped(f"{MG}/odd{CONTROLS}name.log", "not UTF-8"))
    result.inputs[1].path = f"/cases/in{CONTROLS}spect"
    healthy = next(r for r in result.routes if r.verdict == Verdict.HEALTHY)
    healthy.checklist = [CheckResult("pods-ready", CheckStatus.PASS, f"pod {CONTROLS} ready")]
    return result
