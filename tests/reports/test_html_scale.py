"""The HTML report stays usable at 5,000 routes: small file, charts capped, every route listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analyzer.model import (
    CheckResult,
    CheckStatus,
    Evidence,
    Finding,
    Gap,
    InputSummary,
    Result,
    RouteResult,
    Severity,
    TimelineEvent,
    Verdict,
)
from reports.html import MAX_CHARTS, render_html

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def big_result(n_routes: int = 5000, broken: int = 300) -> Result:
    routes, findings = [], []
    for i in range(n_routes):
        ns, name = f"team-{i // 50:03d}", f"app-{i:04d}"
        rr = RouteResult(namespace=ns, name=name, host=f"{name}-{ns}.apps.example.com", services=[name],
                         termination="edge", requests=600, endpoints_ready=2, endpoints_total=2,
                         checklist=[CheckResult("pods-ready", CheckStatus.PASS, "all 2 endpoint pod(s) ready")])
        if i < broken:
            f = Finding(code="E202", cause="readiness-probe-failing", severity=Severity.CRITICAL, namespace=ns,
                        route=name, title="2 of 2 pods fail their readiness probe", explanation="…",
                        evidence=[Evidence(f"namespaces/{ns}/core/pods.yaml", 12, "type: Ready")],
                        remediation=[f"oc -n {ns} describe pod {name}-1"], id=f"F{i:04d}-E202",
                        affected_requests=100, first_seen=T0, last_seen=T0 + timedelta(minutes=30))
            findings.append(f)
            rr.findings = [f.id]
            rr.verdict = Verdict.BROKEN
            rr.errors = {"502": 0, "503": 100, "504": 0}
            rr.timeline = [{"minute": (T0 + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ"), "total": 10,
                            "2xx": 10 if m < 30 else 0, "3xx": 0, "4xx": 0, "502": 0, "503": 0 if m < 30 else 10,
                            "504": 0, "5xx_other": 0, "other": 0} for m in range(60)]
            rr.events = [TimelineEvent(T0 + timedelta(minutes=30), "not-ready", f"{name}-1", "not ready")]
        else:
            rr.verdict = Verdict.HEALTHY
        routes.append(rr)
    return Result(tool_version="test", generated_at=T0, inputs=[InputSummary("mg.tar.gz", "must-gather", 10, 0)],
                  window_start=T0, window_end=T0 + timedelta(hours=1), routes=routes, findings=findings,
                  gaps=[Gap("x", "y", "z")], skipped=[], requests=600 * n_routes)


def test_five_thousand_routes_render_small_with_capped_charts():
    html = render_html(big_result())
    assert len(html.encode()) < 5 * 1024 * 1024
    assert html.count("<svg") == MAX_CHARTS  # only the worst routes get a chart; the rest stay tables
    assert html.count('<tr data-route="') == 5000
    assert html.count('<details class="route"') == 300  # healthy routes are listed, not expanded
