"""The terminal summary of ``mga analyze`` when the inputs hold no route: it says so and what to collect,
instead of a bare "0 routes: 0 broken or degraded, 0 healthy, 0 unknown" that reads like a clean bill."""

from __future__ import annotations

from types import SimpleNamespace

from mga.summary import summary_lines


def lines(**fields: object) -> list[str]:
    result = SimpleNamespace(**{"findings": [], "routes": [], "skipped": [], "requests": None, **fields})
    return [text for _, text in summary_lines(result, "report.html")]


def test_no_route_says_what_to_collect():
    out = lines()
    assert out[0] == "0 routes: 0 broken or degraded, 0 healthy, 0 unknown; wrote report.html"
    assert out[1].startswith("no Route object in the inputs, so no route was diagnosed: add `oc adm inspect")
    assert "mga logs" not in out[1]


def test_a_log_without_routes_points_to_mga_logs():
    out = lines(requests=506)
    assert out[1].endswith("(the 506 requests of the access logs alone: `mga logs`)")


def test_routes_get_no_such_line_and_unknown_ones_say_why_when_no_access_log_was_read():
    route = SimpleNamespace(verdict="unknown", namespace="ns", name="r", findings=[], requests=None)
    assert lines(routes=[route]) == ["1 route: 0 broken or degraded, 0 healthy, 1 unknown (no access logs in the "
                                     "inputs: the report says what to collect); wrote report.html"]
    # with access logs each unknown route has its own reason (no line of it, its namespace not collected)
    assert lines(routes=[route], requests=12) == [
        "1 route: 0 broken or degraded, 0 healthy, 1 unknown; wrote report.html"]


def test_large_counts_are_grouped_by_thousands():
    out = lines(requests=2699998)
    assert out[1].endswith("(the 2,699,998 requests of the access logs alone: `mga logs`)")


def _failing(finding: SimpleNamespace) -> list[str]:
    route = SimpleNamespace(verdict="degraded", namespace="shop", name="web", findings=["F001-B501"], requests=10,
                            affected_requests=4)
    return lines(routes=[route], findings=[finding], requests=10)


def _finding(remediation: list[str], diagnostics: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(id="F001-B501", cause="backend-timeout", began_at=None, first_seen=None,
                           remediation=remediation, diagnostics=diagnostics or [])


def test_a_failing_route_says_the_first_change_its_finding_asks():
    out = _failing(_finding(["oc -n shop annotate route web haproxy.router.openshift.io/timeout=60s --overwrite",
                             "oc -n shop set probe deployment/web --readiness"]))
    assert out[0].startswith("DEGRADED shop/web  backend-timeout  since unknown  4 affected requests")
    assert out[1] == ("  fix: oc -n shop annotate route web haproxy.router.openshift.io/timeout=60s --overwrite"
                      "   (+1 more step in the report)")
    assert out[2].startswith("1 route: 1 broken or degraded")


def test_a_finding_without_a_change_names_the_command_that_confirms_it_and_the_line_is_escaped():
    assert _failing(_finding([], ["oc -n shop get events"]))[1] == "  check: oc -n shop get events"
    assert _failing(_finding([]))[1] == "  fix: none named: the report says what is known"
    assert _failing(_finding(["oc annotate \x1b[31mred"]))[1] == "  fix: oc annotate \\x1b[31mred"
