"""``mga describe route`` on what real must-gathers hold: a service described twice (Endpoints and
EndpointSlices both collected, as in every must-gather of OpenShift 4.8 on), a route that is not
there, a backend rendered without a ``balance`` line, the server timeout a backend inherits, the balancing
algorithm that applies."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mga.cli import app
from tests.conftest import realworld

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"

OBJECTS = """apiVersion: v1
kind: List
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata: {name: console, namespace: web}
  spec:
    host: console.example.com
    to: {kind: Service, name: console, weight: 100}
    port: {targetPort: https}
    tls: {termination: reencrypt}
- apiVersion: v1
  kind: Service
  metadata: {name: console, namespace: web}
  spec:
    selector: {app: console}
    ports: [{name: https, port: 443, targetPort: 8443}]
- apiVersion: v1
  kind: Endpoints
  metadata: {name: console, namespace: web}
  subsets:
  - addresses:
    - ip: 10.128.0.67
      targetRef: {kind: Pod, name: console-a, namespace: web}
    - ip: 10.130.0.33
      targetRef: {kind: Pod, name: console-b, namespace: web}
    ports: [{name: https, port: 8443, protocol: TCP}]
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata:
    name: console-x7k2p
    namespace: web
    labels: {kubernetes.io/service-name: console}
  addressType: IPv4
  endpoints:
  - addresses: [10.128.0.67]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: console-a, namespace: web}
  - addresses: [10.130.0.33]
    conditions: {ready: true}
    targetRef: {kind: Pod, name: console-b, namespace: web}
  ports: [{name: https, port: 8443, protocol: TCP}]
"""


def describe(tmp_path: Path, route: str) -> tuple[int, str, str]:
    (tmp_path / "objects.yaml").write_text(OBJECTS)
    result = CliRunner().invoke(app, ["describe", "route", str(tmp_path), route], env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def test_an_address_in_endpoints_and_in_a_slice_is_one_endpoint(tmp_path):
    code, out, _ = describe(tmp_path, "web/console")
    assert code == 0
    assert "console (weight 100): 2 endpoints" in out
    assert out.count("console-a ") == 1 and out.count("console-b ") == 1


def test_a_missing_route_is_named_as_typed_not_as_an_option_not_given(tmp_path):
    code, _, err = describe(tmp_path, "web/consol")
    assert code == 2
    assert err.startswith("mga: describe route web/consol: no such route; closest: web/console"), err
    assert "--route" not in err


def test_an_empty_value_reads_none_not_nothing():
    from mga.cmd_describe import _value

    assert _value("") == "<none>"
    assert _value(None) == "<none>" and _value("random") == "random"


def test_a_name_without_its_namespace_says_how_to_find_it(tmp_path):
    code, _, err = describe(tmp_path, "console")
    assert code == 2
    assert err == (f"mga: describe route 'console': expected NAMESPACE/NAME (`mga routes {tmp_path} console` shows "
                   "the routes and their namespaces)\n")


def test_a_backend_without_its_own_server_timeout_shows_the_one_its_defaults_section_gives():
    """OpenShift's backends set ``timeout server`` only for a route that asks for one (its annotation); HAProxy
    applies the ``defaults`` section's to the others, 30s on a real 4.8 router: that is the value shown, with
    where it comes from, never ``<none>`` (read as "no timeout")."""
    archive = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    result = CliRunner().invoke(app, ["describe", "route", str(archive), "openshift-console/console"],
                                env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    backends = [line for line in result.stdout.splitlines() if line.startswith("  be_secure:openshift-console:console")]
    assert len(backends) == 2  # the two router pods' configs
    assert all(": timeout server 30s (defaults section), balance" in line for line in backends), backends


def test_a_backend_with_its_own_server_timeout_shows_it_as_rendered():
    scenario = SCENARIOS / "I701-quiet-reloads-succeed"
    inputs = sorted(str(p) for p in scenario.iterdir() if p.is_dir())
    result = CliRunner().invoke(app, ["describe", "route", *inputs, "shop/web"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert ": timeout server 90s, balance" in result.stdout, result.stdout
    assert "(defaults section)" not in result.stdout


def test_the_balance_shown_is_the_algorithm_haproxy_applies():
    """A real 4.8 router renders ``balance`` without an algorithm for a route without the balance annotation
    (HAProxy then balances round robin), ``balance source`` for a passthrough route."""
    archive = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    for name, shown in (("openshift-console/console", "balance roundrobin (a balance line without an algorithm)"),
                        ("openshift-authentication/oauth-openshift", "balance source")):
        result = CliRunner().invoke(app, ["describe", "route", str(archive), name], env={"NO_COLOR": "1"})
        assert result.exit_code == 0, result.stderr
        backends = [line for line in result.stdout.splitlines() if line.startswith("  be_")]
        assert len(backends) == 2 and all(line.endswith(shown) for line in backends), backends


def test_a_backend_without_a_balance_line_uses_its_defaults_section_then_round_robin():
    from mga.cmd_describe import _balance
    from parsers.haproxy_config import parse_haproxy_config

    def shown(defaults: str, backend: str) -> str:
        text = f"defaults\n  mode http\n{defaults}\nbackend be_http:shop:web\n{backend}\n  server s 10.0.0.1:8080\n"
        config = parse_haproxy_config(text, ingresscontroller="default", router_pod="r1", input="in", source="cfg")
        snap = type("Snap", (), {"router_defaults": {"r1": config.defaults}})()
        return _balance(snap, config.backends.iloc[0])

    assert shown("  balance leastconn", "") == "leastconn (defaults section)"
    assert shown("", "") == "roundrobin (HAProxy's default)"
    assert shown("  balance leastconn", "  balance ") == "roundrobin (a balance line without an algorithm)"
    assert shown("  balance leastconn", "  balance uri") == "uri"
    assert shown("  balance \x1b[31mx", "") == "\\x1b[31mx (defaults section)"


def test_every_remediation_step_is_a_fix_line_in_order(demo_dir: Path):
    """E202's first step on the demo case is a comment: the runnable ``oc set probe`` after it is shown too."""
    result = CliRunner().invoke(app, ["describe", "route", str(demo_dir), "shop/frontend"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    fixes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("fix: ")]
    assert len(fixes) == 2, result.stdout
    assert fixes[0].startswith("fix: # make the readiness endpoint of frontend-")
    assert fixes[1].startswith("fix: oc -n shop set probe deployment/frontend --readiness ")
    assert result.stdout.index(fixes[1]) < result.stdout.index("check: oc -n shop describe pod")
