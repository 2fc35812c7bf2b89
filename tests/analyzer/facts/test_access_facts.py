"""Access-log facts: termination epochs from the backend prefix, servers per minute, gone servers,
``openshift_default`` hits mapped to routes by the captured Host."""

from __future__ import annotations

from tests.analyzer.facts.conftest import at, request, route

OLD = "pod:web-6b7f9c7d5-old11:web:http:10.128.2.10:8080"
NEW = "pod:web-6b7f9c7d5-new22:web:http:10.128.2.11:8080"


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": "web", "image": "web"}]}, "status": {"phase": "Running"}}


def edge_then_reencrypt() -> list[str]:
    """Edge from 02:00 to 02:06:30, then reencrypt to a plain-HTTP pod: every request 503 SC."""
    lines = [request(at(m / 2), "fe_sni~", "be_edge_http:shop:web", NEW, 200, "--NI") for m in range(14)]
    lines += [request(at(7 + m / 2), "fe_sni~", "be_secure:shop:web", NEW, 503, "SCNN", "0/3006/-1/-1/3006")
              for m in range(6)]
    return lines


def test_route_epochs_follow_the_backend_prefix(facts_of):
    facts = facts_of([route("shop", "web", "web.apps.example.com", "reencrypt"), pod("web-6b7f9c7d5-new22")],
                     edge_then_reencrypt())
    epochs = facts.route_epochs("shop", "web")
    assert [(e.backend_kind, e.termination, e.requests, e.errors) for e in epochs] == [
        ("be_edge_http", "edge", 14, 0), ("be_secure", "reencrypt", 6, 6)]
    assert epochs[0].first_seen == at(0) and epochs[0].last_seen == at(6.5)
    assert epochs[1].first_seen == at(7)
    assert epochs[1].first_line.line == 15 and epochs[1].first_line.source.endswith("access.log")
    [(before, after)] = facts.termination_changes("shop", "web")
    assert (before.termination, after.termination) == ("edge", "reencrypt")


def test_one_epoch_when_nothing_changed(facts_of):
    lines = [request(at(m), "public", "be_http:shop:web", NEW, 200, "--NI") for m in range(5)]
    facts = facts_of([route("shop", "web", "web.apps.example.com"), pod("web-6b7f9c7d5-new22")], lines)
    assert [e.termination for e in facts.route_epochs("shop", "web")] == ["none"]
    assert facts.termination_changes("shop", "web") == []
    assert facts.route_epochs("shop", "other") == []


def test_servers_per_minute_and_servers_of_gone_pods(facts_of):
    lines = [request(at(0), "public", "be_http:shop:web", OLD, 200, "--NI"),
             request(at(0.5), "public", "be_http:shop:web", OLD, 502, "SHNN", "0/0/0/-1/4"),
             request(at(1), "public", "be_http:shop:web", NEW, 200, "--NI"),
             request(at(1.2), "public", "be_http:shop:web", "<NOSRV>", 503, "SCNN", "0/-1/-1/-1/0")]
    facts = facts_of([route("shop", "web", "web.apps.example.com"), pod("web-6b7f9c7d5-new22")], lines)
    minutes = facts.servers_by_minute("shop", "web")
    assert [(m.minute, m.servers, m.requests) for m in minutes] == [
        (at(0), frozenset({OLD}), 2), (at(1), frozenset({NEW}), 2)]
    [gone] = facts.gone_servers("shop")
    assert (gone.pod, gone.requests, gone.errors, gone.first_line.line) == ("web-6b7f9c7d5-old11", 2, 1, 1)
    assert gone.first_seen == at(0) and gone.last_seen == at(0.5)


def test_no_gone_servers_when_the_namespace_pods_were_not_collected(facts_of):
    lines = [request(at(0), "public", "be_http:shop:web", OLD, 200, "--NI")]
    facts = facts_of([route("shop", "web", "web.apps.example.com")], lines)
    assert facts.gone_servers("shop") == []


def test_default_backend_hits_map_to_a_route_by_host_then_longest_path_then_oldest(facts_of):
    routes = [
        route("shop", "web", "web.apps.example.com", created=at(-600)),
        route("shop", "api", "web.apps.example.com", path="/api", created=at(-300)),
        route("other", "twin", "twin.apps.example.com", created=at(-100)),
        route("shop", "twin", "twin.apps.example.com", created=at(-200)),
    ]
    nosrv = ("public", "openshift_default", "<NOSRV>", 503, "SC--", "1/-1/-1/-1/0")
    lines = [
        request(at(1), *nosrv, path="/api/v1/items?id=3", capture="Web.Apps.Example.com:443|curl/8.0"),
        request(at(2), *nosrv, path="/index.html", capture="web.apps.example.com"),
        request(at(3), *nosrv, path="/", capture="twin.apps.example.com"),
        request(at(4), *nosrv, path="/", capture="nobody.apps.example.com"),
        request(at(5), *nosrv, path="/"),
    ]
    facts = facts_of(routes, lines)
    hits = facts.default_backend_hits()
    assert [(h.host, h.namespace, h.route, h.requests) for h in hits] == [
        ("web.apps.example.com", "shop", "api", 1),
        ("web.apps.example.com", "shop", "web", 1),
        ("twin.apps.example.com", "shop", "twin", 1),
        ("nobody.apps.example.com", None, None, 1),
        (None, None, None, 1),
    ]
    assert [h.route for h in facts.default_backend_hits("shop", "api")] == ["api"]
    assert hits[0].status == 503 and hits[0].term == "SC" and hits[0].first_line.line == 1

