"""Rendered router configurations: backends, servers, timeouts, from real and recorded files."""

from __future__ import annotations

from parsers.haproxy_config import parse_duration_ms, parse_haproxy_config
from parsers.router_names import split_server
from tests.conftest import FIXTURES, realworld


def parse(path, **kw):
    return parse_haproxy_config(path.read_text(), ingresscontroller="default", router_pod="r1", input="in",
                                source=path.name, **kw)


def test_real_aws_router_config():
    root = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz__extracted")
    path = next(root.rglob("router-default-6dd4c95495-7dqkw/haproxy.config"))
    cfg = parse(path)
    backends = cfg.backends.set_index("backend")
    assert backends.loc["be_edge_http:openshift-ingress-canary:canary", "server_count"] == 3
    assert backends.loc["be_tcp:openshift-authentication:oauth-openshift", "backend_kind"] == "be_tcp"
    assert backends.loc["be_secure:openshift-console:console", "route"] == "console"
    canary = cfg.servers[cfg.servers["route"] == "canary"].iloc[0]
    assert (canary["pod"], canary["service"], canary["port_name"], canary["ip"], canary["port"], canary["weight"],
            bool(canary["check"])) == ("ingress-canary-kb6zg", "ingress-canary", "8080-tcp", "10.128.2.5", 8080, 256,
                                       True)
    assert canary["line"] == 252  # the server statement's own line (mustgather-layout §6 sample)
    alert = cfg.servers[cfg.servers["route"] == "alertmanager-main"].iloc[0]
    assert bool(alert["ssl"]) and alert["verify"] == "required"
    assert cfg.defaults["timeout server"] == "30s" and cfg.defaults["timeout connect"] == "5s"
    assert cfg.defaults["global maxconn"] == "20000"


def test_recorded_lab_config():
    cfg = parse(FIXTURES / "haproxy-lab" / "haproxy.config")
    assert set(cfg.backends["route"].dropna()) == {"shop", "reports", "orders", "legacy", "worker", "status", "gone"}
    assert cfg.backends.set_index("route").loc["gone", "server_count"] == 0
    assert cfg.defaults["timeout server"] == "2000ms"


def test_server_names_of_every_generation():
    assert split_server("pod:p-1:svc:http:10.1.2.3:8080")["port_name"] == "http"
    assert split_server("pod:hello:hello:10.128.2.12:8080")["port_name"] is None
    assert split_server("pod:p:svc::10.1.2.3:8080")["port_name"] == ""
    assert split_server("ept:svc:https:10.0.0.1:443")["server_kind"] == "ept"
    assert split_server("pod:p:svc:http:fd01:0:0:1::5:8080")["ip"] == "fd01:0:0:1::5"
    assert split_server("_dynamic-pod-3")["server_kind"] == "dynamic"


def test_haproxy_durations():
    assert [parse_duration_ms(v) for v in ("30s", "90", "2m", "1h", "500us", "1d")] == [
        30000, 90, 120000, 3600000, 0, 86400000]
    assert parse_duration_ms("10 seconds") is None and parse_duration_ms("") is None


def test_ip_test_agrees_with_ipaddress_on_dotted_quads_and_near_misses():
    import ipaddress
    import itertools

    from parsers.router_names import _is_ip

    parts = ["0", "00", "1", "01", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "+1", " 1"]
    candidates = [".".join(p) for p in itertools.product(parts, repeat=4)][::7]
    candidates += ["1.2.3", "1.2.3.4.5", "fd00::1", "::ffff:1.2.3.4", "1.2.3.4 ", "\u0663.1.1.1", "", "a.b.c.d",
                   "http:10.0.0.1", "8443-tcp:fd00::1", "fe80::1%eth0", "fe80::1%", "FD00::ABCD", "fd00::g",
                   "web:1.2.3.4", "::", ":::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "\uff11.1.1.1", "fd00::\u0663"]

    def reference(text: str) -> bool:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            return False
        return True

    assert [c for c in candidates if _is_ip(c) != reference(c)] == []
    assert sum(map(_is_ip, candidates)) > 100
