"""The helpers rules use to date a fault (analyzer/rules/common.py): began_at from the change that caused it,
status_at_collection and ended_at from the requests after the last error. Read on the time stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analyzer.context import Context
from analyzer.model import IncidentStatus
from analyzer.rules import common, network_policies
from parsers.load_snapshot import load_snapshot
from tests.analyzer.scenario_helpers import SCENARIOS, result


def context(name: str) -> tuple[Context, common.RouteRef]:
    """The story's snapshot; its must-gather holds the router pod's log, read as the access log."""
    root = SCENARIOS / name
    inputs = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    ctx = Context(load_snapshot(inputs, []))
    [route] = list(common.routes(ctx))
    return ctx, route


def at(hh: int, mm: int, ss: int = 0, ms: int = 0) -> datetime:
    return datetime(2026, 11, 20, hh, mm, ss, ms * 1000, tzinfo=UTC)


def test_the_service_edit_before_the_first_error_is_when_the_fault_began():
    ctx, route = context("time-selector-edited-mid-window")
    edit = common.last_change(ctx, "service", "accounts", "profile")
    assert edit == at(8, 40)
    began, status, ended = common.incident_timing(ctx, route, at(8, 40, 0, 120), at(8, 49, 50, 103), edit)
    assert (began, ended) == (at(8, 40), None)
    assert status is IncidentStatus.ONGOING  # the router log in the must-gather fails to its end


def test_a_change_after_the_first_error_or_long_before_it_did_not_start_the_fault():
    ctx, route = context("time-selector-edited-mid-window")
    first = at(8, 40, 0, 120)
    later, long_before = first + timedelta(seconds=1), first - common.LEAD_TIME - timedelta(seconds=1)
    assert common.incident_timing(ctx, route, first, first, later, long_before)[0] == first
    assert common.incident_timing(ctx, route, first, first, later, first - common.LEAD_TIME)[0] == (
        first - common.LEAD_TIME)
    assert common.incident_timing(ctx, route, None, None, later, long_before)[0] == later  # no error: the change
    assert common.incident_timing(ctx, route, None, None) == (None, IncidentStatus.UNKNOWN, None)


def test_the_first_failed_probe_dates_a_readiness_fault():
    ctx, _ = context("time-readiness-failed-and-recovered")
    pods = ["web-7c9d5b6f48-k2x9p", "web-7c9d5b6f48-w7q4d"]
    assert common.first_event(ctx, "webshop", pods, "Unhealthy") == at(8, 39, 40)
    assert common.first_event(ctx, "webshop", pods, "Killing") is None
    assert common.first_event(ctx, "webshop", ["another-pod"], "Unhealthy") is None


def test_a_policy_is_dated_by_its_creation_when_never_edited():
    ctx, _ = context("time-netpol-fixed-before-collection")
    assert common.last_change(ctx, "networkpolicy", "ledger", "deny-by-default") == at(8, 40)
    assert common.last_change(ctx, "networkpolicy", "ledger", "allow-from-openshift-ingress") == at(8, 46)
    assert common.last_change(ctx, "networkpolicy", "ledger", "absent") is None


def test_errors_followed_by_successful_requests_ended_and_errors_to_the_end_are_ongoing():
    ctx, route = context("time-timeout-ended")
    last = at(8, 45, 30, 647)  # the last 504 sH; four minutes of successful requests follow
    assert common.incident_timing(ctx, route, at(8, 40, 0, 40), last) == (
        at(8, 40, 0, 40), IncidentStatus.ENDED, last)
    # a 504 follows 08:44:30, but the 504s stopped at 08:45:30 too: four minutes of success end the route's errors
    assert common.incident_status(ctx, route, at(8, 44, 30)) == (IncidentStatus.ENDED, at(8, 44, 30))


def test_the_pause_between_two_errors_of_an_intermittent_fault_is_not_its_end():
    """One request in four queues out (every 40 s); the log ends 20 s after the last one: ongoing."""
    ctx, route = context("time-saturation-mid-window")
    assert common.incident_status(ctx, route, at(8, 49, 30, 729)) == (IncidentStatus.ONGOING, None)
    assert common.incident_status(ctx, route, at(8, 41, 0)) == (IncidentStatus.ONGOING, None)


def test_the_timing_sentence_says_when_and_whether_it_was_over():
    began, ended = at(8, 40), at(8, 45, 30, 647)
    assert common.timing_sentence(began, IncidentStatus.ENDED, ended, "the service's last edit") == (
        " It began at 08:40:00 (the service's last edit) and ended at 08:45:30: the route's requests after that "
        "succeeded.")
    assert common.timing_sentence(began, IncidentStatus.ONGOING, None) == (
        " It began at 08:40:00; requests still failed at the end of the access log.")
    assert common.timing_sentence(None, IncidentStatus.UNKNOWN, None) == ""


def test_a_pod_in_a_crash_loop_was_restarting_at_each_down_and_its_healthy_twin_was_not():
    ctx, _ = context("time-crashloop-mid-window")
    crashing, healthy = "render-7c9d5b6f48-w7q4d", "render-7c9d5b6f48-k2x9p"
    window = timedelta(minutes=2)
    assert common.restarting_at(ctx.facts, "media", crashing, at(8, 43, 27), window)  # BackOff events span it
    assert common.restarting_at(ctx.facts, "media", crashing, at(8, 49, 30), window)  # its last termination
    assert not common.restarting_at(ctx.facts, "media", crashing, at(8, 35), window)  # before the first BackOff
    assert not common.restarting_at(ctx.facts, "media", healthy, at(8, 43, 27), window)


def test_the_policies_are_judged_as_they_stood_when_the_router_was_blocked():
    ctx, route = context("time-netpol-fixed-before-collection")
    assert network_policies.policy_blocks_router(ctx, route) is None  # the allow policy of 08:46 admits it now
    then = network_policies.policy_blocks_router(ctx, route, at=at(8, 40, 30))
    assert then is not None and sorted(str(p["name"]) for p in then.policies) == [
        "allow-same-namespace", "deny-by-default"]
    assert network_policies.policy_blocks_router(ctx, route, at=at(8, 39)) is None  # no policy yet


def _status_from_rows(ctx: Context, route: common.RouteRef,
                      last_error: datetime) -> tuple[IncidentStatus, datetime | None]:
    """The status read from the route's rows for this one error, with no memory of other questions."""
    req = common.route_requests(ctx, route)
    later = (req["ts"] > pd.Timestamp(last_error)).fillna(False).to_numpy(dtype=bool)
    failing = common.router_side_mask(req).to_numpy(dtype=bool)
    if req.empty or not later.any():
        return (IncidentStatus.UNKNOWN if req.empty else IncidentStatus.ONGOING), None
    gaps = req["ts"][failing].dropna().sort_values().diff().dropna()
    needed = max(common.QUIET_MIN, 3 * gaps.median().to_pytimedelta()) if not gaps.empty else common.QUIET_MIN
    quiet_from = max(pd.Timestamp(last_error), req["ts"][failing & later].max()) if (failing & later).any() else (
        pd.Timestamp(last_error))  # a later failure of the route: its quiet runs from there
    quiet = req["ts"][later].max() - quiet_from
    return (IncidentStatus.ONGOING, None) if quiet < needed else (IncidentStatus.ENDED, last_error)


STORIES = ["time-timeout-ended", "time-saturation-mid-window", "time-selector-edited-mid-window"]


@pytest.mark.parametrize("name", STORIES)
def test_a_routes_status_for_any_last_error_is_what_its_rows_say_however_many_were_asked(name):
    """The route's latest times are read once per route; each question keeps its own answer: every 20 s
    of the story and each of its error lines, asked in one context in an order that goes back and forth."""
    ctx, route = context(name)
    req = common.route_requests(ctx, route)
    errors = req["ts"][common.router_side_mask(req).to_numpy(dtype=bool)].dropna()
    start, end = req["ts"].min().to_pydatetime(), req["ts"].max().to_pydatetime()
    moments = [start + timedelta(seconds=20 * i) for i in range(int((end - start).total_seconds() // 20) + 4)]
    moments += [t.to_pydatetime() for t in errors.iloc[::-1]]
    gaps = errors.sort_values().diff().dropna()
    needed = max(common.QUIET_MIN, 3 * gaps.median().to_pytimedelta()) if not gaps.empty else common.QUIET_MIN
    moments += [end - needed, end - needed + timedelta(milliseconds=1)]  # a quiet stretch just long enough, and not
    answers = [common.incident_status(ctx, route, t) for t in moments]
    assert answers == [_status_from_rows(ctx, route, t) for t in moments]
    assert {s for s, _ in answers} == {IncidentStatus.ONGOING, IncidentStatus.ENDED} or name != "time-timeout-ended"


def test_findings_of_one_route_agree_that_its_errors_were_over_when_every_cause_stopped():
    """B502's last 503 sQ comes 20 s before B501's last 504 on the same routes, then minutes of success
    follow: the route answered at the end of its log, so neither finding says its errors were still going on."""
    out = result(SCENARIOS / "I703-quiet-errors-below-maxconn")
    for route in ("api", "promo", "web"):
        found = {f["code"]: f for f in out["findings"] if f["route"] == route}
        assert set(found) == {"B501", "B502"}
        for f in found.values():
            assert (f["status_at_collection"], f["ended_at"]) == ("ended", f["last_seen"]), f["id"]
            assert "still failed at the end" not in f["explanation"]
