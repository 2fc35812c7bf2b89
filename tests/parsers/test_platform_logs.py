"""Router container log and ingress-operator log: what is kept, how it is classified, where it is."""

from __future__ import annotations

from parsers import schema
from parsers.operator_log import scan_operator_log
from parsers.router_log import scan_router_log
from tests.conftest import FIXTURES

RELOAD = FIXTURES / "router-reload"


def _router_rows() -> list[dict]:
    data = (RELOAD / "router-current.log").read_bytes()
    return scan_router_log(data, router_pod="router-default-1", log="current", input="mg", source="x/current.log")


def test_failed_reload_is_kept_with_the_haproxy_alert_naming_the_config_line():
    rows = _router_rows()
    kinds = [r["kind"] for r in rows]
    assert kinds.count("reload-failed") == 2
    assert kinds.count("reload") == 2
    alert = next(r for r in rows if r["kind"] == "haproxy-alert" and r["config_line"] is not None)
    assert alert["config_file"] == "/var/lib/haproxy/conf/haproxy.config"
    assert alert["config_line"] == 34
    assert "timer overflow in argument '30d'" in alert["text"]
    # the same line number as the recorded config file's offending directive
    config = (RELOAD / "bad-timeout.haproxy.config").read_text().splitlines()
    assert config[alert["config_line"] - 1].split() == ["timeout", "server", "30d"]


def test_reload_script_output_lines_belong_to_the_failed_reload():
    rows = _router_rows()
    failed = next(r for r in rows if r["kind"] == "reload-failed")
    follow = [r for r in rows if r["ts"] == failed["ts"] and r is not failed]
    assert [r["kind"] for r in follow] == ["output", "output", "haproxy-alert", "haproxy-alert", "haproxy-alert"]
    assert all(r["line"] > failed["line"] for r in follow)


def test_router_rows_carry_source_line_and_the_exact_text():
    rows = _router_rows()
    lines = (RELOAD / "router-current.log").read_text().splitlines()
    for r in rows:
        assert r["source"] == "x/current.log"
        assert lines[r["line"] - 1].endswith(r["text"])
    frame = schema.conform("router_log", rows)
    assert list(frame.columns) == schema.column_names("router_log")
    assert str(frame["ts"].dtype) == schema.TS


def test_informational_router_lines_are_not_kept_and_garbage_never_raises():
    data = (b'2021-08-03T09:27:12.286249926Z I0803 09:27:12.285705       1 router.go:270] template "msg"="router '
            b'will coalesce reloads"\n\xff\xfe garbage\n\n'
            b'2021-08-03T09:30:21.836779561Z W0803 09:30:21.836727       1 reflector.go:436] watch of *v1.Route ended\n'
            b'2021-08-03T09:31:00.000000000Z E0803 09:31:00.000000       1 router.go:100] unable to find service '
            b'shop/web\n')
    rows = scan_router_log(data, router_pod="r", log="current", input="i", source="s")
    assert [(r["kind"], r["line"]) for r in rows] == [("warning", 4), ("service-missing", 5)]


def test_operator_log_keeps_errors_and_canary_failures_only():
    data = (FIXTURES / "platform" / "ingress-operator-current.log").read_bytes()
    rows = scan_operator_log(data, pod="ingress-operator-1", input="mg", source="op/current.log")
    assert [(r["kind"], r["line"]) for r in rows] == [("reconcile-error", 3), ("canary-failure", 4)]
    reconcile, canary = rows
    assert reconcile["object"] == "default"
    assert "DeploymentReplicasAllAvailable=False" in reconcile["error"]
    assert canary["controller"] == "canary_controller"
    assert canary["error"].startswith("error sending canary HTTP request")
    frame = schema.conform("operator_log", rows)
    assert frame["ts"].notna().all()
