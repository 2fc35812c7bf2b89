"""Router-message facts: DOWN/UP with the health check's reason and info, reloads per router pod."""

from __future__ import annotations

from tests.analyzer.facts.conftest import ROUTER, at, log_line, route

SRV = "be_secure:shop:web/pod:web-6b7f9c7d5-new22:web:http:10.128.2.11:8080"


def test_server_down_carries_reason_info_and_servers_left(facts_of):
    lines = [
        log_line(at(7.1), f"Server {SRV} is DOWN, reason: Layer6 invalid response, info: \"SSL handshake failure\", "
                          "check duration: 2ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, "
                          "0 remaining in queue."),
        log_line(at(9), f"Server {SRV} is UP, reason: Layer6 check passed, check duration: 3ms. "
                        "2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."),
    ]
    facts = facts_of([route("shop", "web", "web.apps.example.com", "reencrypt")], lines)
    down, up = facts.server_changes("shop", "web")
    assert (down.state, down.reason, down.info, down.check_ms, down.servers_left) == (
        "DOWN", "Layer6 invalid response", "SSL handshake failure", 2, 1)
    assert down.ts == at(7.1) and down.pod == "web-6b7f9c7d5-new22" and down.router_pod == ROUTER
    assert down.where.line == 1 and down.where.source.endswith("access.log")
    assert (up.state, up.reason, up.info) == ("UP", "Layer6 check passed", None)
    assert facts.server_changes("shop", "web", state="DOWN") == [down]
    assert facts.server_changes("shop", "other") == []


def test_layer4_reasons_without_info(facts_of):
    lines = [log_line(at(1), f"Server {SRV} is DOWN, reason: Layer4 timeout, check duration: 5001ms. "
                             "0 active and 0 backup servers left. 0 sessions active, 0 requeued, "
                             "0 remaining in queue.")]
    [down] = facts_of([], lines).server_changes()
    assert (down.reason, down.info, down.check_ms, down.servers_left) == ("Layer4 timeout", None, 5001, 0)


def test_reloads_are_new_pids_starting_proxies(facts_of):
    lines = [
        log_line(at(0), "Proxy public started.", pid=100),
        log_line(at(0), "Proxy be_http:shop:web started.", pid=100),
        log_line(at(7), "Proxy public started.", pid=230),
        log_line(at(7), "Proxy be_secure:shop:web started.", pid=230),
        log_line(at(7.1), "Proxy be_http:shop:web stopped (cumulated conns: FE: 0, BE: 12).", pid=100),
    ]
    facts = facts_of([], lines)
    reloads = facts.reloads()
    assert [(r.pid, r.at, r.proxies_started, r.is_reload) for r in reloads] == [
        (100, at(0), 2, False), (230, at(7), 2, True)]
    [stopped] = facts.router_messages("proxy-stopped")
    assert (stopped.route, stopped.ts, stopped.pid) == ("web", at(7.1), 100)
