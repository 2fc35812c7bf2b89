"""Honest verdicts (report-contract v1.1 "Verdicts"): each rule, in order, and the check that unexplained 5xx open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyzer.checklist import unexplained_checks, verdict
from analyzer.ledger import empty_ledger
from analyzer.model import (
    CHECKS,
    CheckResult,
    CheckStatus,
    ErrorLedger,
    Evidence,
    Finding,
    LedgerGroup,
    LedgerShare,
    RouteResult,
    Severity,
    Verdict,
)
from tests.analyzer.scenario_helpers import SCENARIOS, result

T = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def route(requests: int | None = None, led: ErrorLedger | None = None) -> RouteResult:
    rr = RouteResult(namespace="shop", name="web", host="web.example.com", services=["web"], termination="edge")
    rr.requests = requests
    rr.errors = None if requests is None else {"502": 0, "503": 0, "504": 0}
    rr.error_ledger = led
    rr.checklist = [CheckResult(c, CheckStatus.PASS, "ok") for c in CHECKS]
    return rr


def finding(severity: Severity) -> Finding:
    return Finding(code="X1", cause="backend-timeout", severity=severity, namespace="shop", title="t",
                   explanation="", evidence=[Evidence("x", 1, "x")], remediation=[], route="web")


def group(term: str, n: int) -> LedgerGroup:
    return LedgerGroup(503, term, "<NOSRV>", n, T, T, "meaning", check={"SC": "endpoints-populated",
                                                                      "sH": "timeout-sufficient"}[term])


def unexplained(n: int, term: str = "SC") -> ErrorLedger:
    return ErrorLedger(router_side_5xx=n, by_finding=(), unexplained_groups=(group(term, n),))


def judge(rr: RouteResult, findings: list[Finding] = (), collected: bool = True, logs: bool = True):
    return verdict(rr, list(findings), collected=collected, has_logs=logs)


def test_a_critical_finding_breaks_the_route_whatever_else():
    assert judge(route(100, empty_ledger()), [finding(Severity.CRITICAL)])[0] == Verdict.BROKEN
    assert judge(route(), [finding(Severity.CRITICAL)], logs=False)[0] == Verdict.BROKEN


def test_a_warning_finding_degrades_the_route():
    assert judge(route(), [finding(Severity.WARNING)], logs=False)[0] == Verdict.DEGRADED


def test_router_side_5xx_without_a_finding_degrade_the_route_and_say_how_many_are_unexplained():
    v, detail = judge(route(50, unexplained(7)))
    assert v == Verdict.DEGRADED
    assert "7 router-side 5xx" in detail and "7 of them unexplained" in detail


def test_healthy_needs_logged_requests_and_no_router_side_5xx():
    v, detail = judge(route(80, empty_ledger()), [finding(Severity.INFO)])
    assert v == Verdict.HEALTHY and "80 logged requests" in detail


def test_without_any_access_log_the_route_is_unknown_never_healthy():
    v, detail = judge(route(), logs=False)
    assert v == Verdict.UNKNOWN
    assert detail == "configuration checks pass; no access logs to confirm"


def test_without_logs_a_check_unknown_for_want_of_an_input_is_named_not_counted_as_passing():
    rr = route()
    rr.checklist[5] = CheckResult(CHECKS[5], CheckStatus.UNKNOWN, "NetworkPolicies of the namespace were not collected")
    assert judge(rr, logs=False) == (Verdict.UNKNOWN, f"configuration checks pass but {CHECKS[5]} is unknown; "
                                                      "no access logs to confirm")


def test_without_logs_and_a_failing_check_the_detail_does_not_claim_the_checks_pass():
    rr = route()
    rr.checklist[0] = CheckResult(CHECKS[0], CheckStatus.FAIL, "x")
    assert judge(rr, logs=False) == (Verdict.UNKNOWN, "no access logs to confirm")


def test_logs_of_other_routes_only_leave_the_route_unknown():
    v, detail = judge(route(), logs=True)
    assert v == Verdict.UNKNOWN and "no access-log line of this route" in detail


def test_a_namespace_not_collected_is_named():
    v, detail = judge(route(), collected=False, logs=False)
    assert v == Verdict.UNKNOWN and "namespace shop was not collected" in detail


@pytest.mark.parametrize(("term", "check"), [("SC", "endpoints-populated"), ("sH", "timeout-sufficient")])
def test_the_check_unexplained_lines_point_to_turns_unknown_with_the_count(term: str, check: str):
    rr = route(40, unexplained(12, term))
    out = {c.check: c for c in unexplained_checks(rr, rr.checklist)}
    assert out[check].status == CheckStatus.UNKNOWN
    assert "12 unexplained router-side 5xx" in out[check].detail
    assert [c for c in out.values() if c.status != CheckStatus.PASS] == [out[check]]


def test_explained_lines_leave_the_checklist_alone():
    led = ErrorLedger(router_side_5xx=5, by_finding=(LedgerShare("F001-X1", "backend-timeout", 5),),
                      unexplained_groups=())
    rr = route(40, led)
    assert unexplained_checks(rr, rr.checklist) == rr.checklist


def test_a_failing_check_keeps_its_finding():
    rr = route(40, unexplained(3))
    rr.checklist = [CheckResult("endpoints-populated", CheckStatus.FAIL, "F001: no endpoints")]
    assert unexplained_checks(rr, rr.checklist)[0].status == CheckStatus.FAIL


def test_server_timeouts_explained_by_another_cause_are_not_said_to_be_without_a_finding():
    # router at maxconn: the 504 sH lines of each route are owned by its I703 finding (the ledger says so)
    out = result(SCENARIOS / "I703-fires-router-at-maxconn")
    for r in out["routes"]:
        [check] = [c for c in r["checklist"] if c["check"] == "timeout-sufficient"]
        [share] = r["error_ledger"]["by_finding"]
        assert r["error_ledger"]["unexplained"] == 0
        assert check["status"] == "unknown"
        assert check["detail"] == f"4 server timeouts (504 sH), explained by {share['finding']} (router-saturation)"
