"""A passthrough route's connections the router could not open (tcplog ``Tc`` -1, ``SC``/``sC``): the client
sees its TLS connection closed, not a 5xx, so the error ledger does not hold them; the route must still not be
called ``healthy`` (router-facts §4.2: TCP ``SC``/``sC`` have the same causes as HTTP's), and the check its
state points to is ``unknown`` with the count (``analyzer.run.tcp_failures``, ``analyzer.checklist``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.analyzer.scenario_helpers import copy_scenario, result, router_log

FEEDS = "be_tcp:newsroom:feeds/"
TCP_TAIL = re.compile(rb"(\] public_ssl be_tcp:newsroom:feeds/\S+) \d+/\d+/\d+ \d+ -- (\d+/\d+/\d+/\d+)/\d+")


def with_feeds_lines(tmp_path: Path, timers: str, state: str, every: int = 1) -> dict:
    """``healthy-two-namespaces`` whose passthrough route ``newsroom/feeds`` logs ``timers`` and ``state`` on
    every ``every``-th of its 20 tcplog lines (the others as they are: connected, ``--``)."""
    root = copy_scenario(tmp_path, "healthy-two-namespaces")
    log = router_log(root)
    seen = 0

    def change(match: re.Match) -> bytes:
        nonlocal seen
        seen += 1
        if (seen - 1) % every:
            return match.group(0)
        return match.group(1) + f" {timers} 0 {state} ".encode() + match.group(2) + b"/3"

    text = TCP_TAIL.sub(change, log.read_bytes())
    assert seen == 20
    log.write_bytes(text)
    return result(root)


def feeds(out: dict) -> dict:
    [route] = [r for r in out["routes"] if (r["namespace"], r["name"]) == ("newsroom", "feeds")]
    return route


def test_the_scenario_as_written_is_healthy(tmp_path: Path):
    route = feeds(with_feeds_lines(tmp_path, "1/0/1200", "--"))
    assert route["verdict"] == "healthy" and route["requests"] == 20


@pytest.mark.parametrize("state", ["SC", "sC"])
def test_connections_never_opened_make_the_route_degraded(tmp_path: Path, state: str):
    route = feeds(with_feeds_lines(tmp_path, "3001/-1/3002", state, every=2))
    assert route["verdict"] == "degraded" and route["findings"] == []
    assert route["verdict_detail"] == (
        f"10 passthrough connections the router could not open to a server (10 × {state}), no finding explains them")
    checks = {c["check"]: c for c in route["checklist"]}
    pointed = {"SC": "endpoints-populated", "sC": "network-policy-allows-router"}[state]  # as the ledger's 5xx
    assert [name for name, c in checks.items() if c["detail"].startswith("10 passthrough")] == [pointed]
    assert checks[pointed]["status"] == "unknown"
    assert checks[pointed]["detail"].startswith(
        f"10 passthrough connections the router could not open point here (10 × {state}); ")
    # not a 5xx: not in the ledger
    assert route["errors"] == {"502": 0, "503": 0, "504": 0} and route["router_errors"] == 0
    assert route["error_ledger"]["router_side_5xx"] == 0


@pytest.mark.parametrize(("timers", "state"), [("1/0/600000", "sD"), ("1/0/1200", "CD"), ("1/0/5", "SD")])
def test_connections_that_opened_are_not_counted(tmp_path: Path, timers: str, state: str):
    """An idle tunnel the server timed out, a client that went away, a server that closed a connection it had
    accepted: ``Tc`` ≥ 0, so the router did reach the server."""
    assert feeds(with_feeds_lines(tmp_path, timers, state))["verdict"] == "healthy"


def test_a_client_side_state_with_no_connection_is_not_counted(tmp_path: Path):
    """``CC``: the client closed before the server connection was made; not the router's side."""
    assert feeds(with_feeds_lines(tmp_path, "3001/-1/3002", "CC"))["verdict"] == "healthy"


def test_the_html_table_says_why_the_route_is_degraded(tmp_path: Path):
    """No finding names the route: its row's cause cell gives the verdict's reason, not nothing."""
    from analyzer.run import analyze
    from parsers.load_snapshot import load_snapshot
    from reports.html import route_rows

    root = tmp_path / "copy"
    with_feeds_lines(root, "3001/-1/3002", "SC")
    inputs = sorted(str(p) for p in (root / "healthy-two-namespaces").iterdir() if p.is_dir())
    [row] = [r for r in route_rows(analyze(load_snapshot(inputs), tool_version="test")) if r.route.name == "feeds"]
    assert row.no_finding_reason.startswith("20 passthrough connections the router could not open to a server")
