"""The one-line error of inputs with nothing to analyze says what they hold, not something false:
an access log given to ``mga routes`` (which reads Route objects) is a log, and an inspect of a
namespace without routes holds Kubernetes objects, just none of a route's concern."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mga.cli import app

LOG_LINE = ("10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:web:shop/pod:shop-1:shop:http:"
            '10.128.0.9:8080 0/0/1/2/3 200 512 - - --VN 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n')
PODS = """apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: central-1, namespace: stackrox}
  spec:
    containers: [{name: central, image: central:4.6}]
  status: {phase: Running}
"""


def mga(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stderr


def test_an_access_log_given_to_routes_is_not_called_not_a_log(tmp_path):
    log = tmp_path / "router.log"
    log.write_text(LOG_LINE)
    code, err = mga("routes", str(log))
    assert code == 2 and len(err.splitlines()) == 1
    assert "or log" not in err and f"`mga logs {log}`" in err and "--logs" in err, err


def test_an_inspect_of_a_namespace_without_routes_is_not_said_to_hold_no_kubernetes_object(tmp_path):
    inspect = tmp_path / "inspect.local.1"
    (inspect / "namespaces" / "stackrox" / "core").mkdir(parents=True)
    (inspect / "namespaces" / "stackrox" / "core" / "pods.yaml").write_text(PODS)
    (inspect / "timestamp").write_text("2025-01-01 10:00:00.0 +0000 UTC m=+0.1\n")
    for command in ("analyze", "routes"):
        code, err = mga(command, str(inspect))
        assert code == 2 and len(err.splitlines()) == 1
        assert "no Kubernetes objects found" not in err, err
        assert f"no route to analyze in {inspect}: 1 file held no Route" in err and "oc adm inspect" in err, err


def test_nothing_at_all_keeps_its_message(tmp_path):
    code, err = mga("analyze", str(tmp_path))
    assert code == 2 and err == f"mga: not a must-gather, inspect or log: no Kubernetes objects found in {tmp_path}\n"


def test_loose_notes_are_still_no_kubernetes_objects(tmp_path):
    (tmp_path / "README.txt").write_text("just documentation\n")
    (tmp_path / "notes.md").write_text("# notes\n")
    code, err = mga("analyze", str(tmp_path))
    assert code == 2 and "no Kubernetes objects found" in err


def test_an_empty_directory_among_inputs_is_said_on_stderr(tmp_path):
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "routes.yaml").write_text(
        "apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: shop, namespace: web}\n"
        "spec: {host: shop.example.com, to: {kind: Service, name: shop}}\n")
    (tmp_path / "empty").mkdir()
    code, err = mga("analyze", str(tmp_path / "case"), str(tmp_path / "empty"), "-q",
                    "--output", str(tmp_path / "r.json"), "-f", "json")
    assert code == 0
    assert err == f"mga: warning: {tmp_path / 'empty'}: holds no file; skipped, the other inputs are read\n"
    report = json.loads((tmp_path / "r.json").read_text())
    assert {"source": str(tmp_path / "empty"), "reason": f"{tmp_path / 'empty'}: holds no file",
            "offset": None} in report["skipped"]
    assert [entry["path"] for entry in report["inputs"]] == [str(tmp_path / "case")]
    code, err = mga("analyze", str(tmp_path / "case"), "-q", "--output", str(tmp_path / "r.json"), "-f", "json")
    assert code == 0 and err == ""


def test_an_empty_directory_among_the_paths_of_mga_logs_is_said_and_skipped(tmp_path):
    """``mga logs`` opens its paths as ``mga analyze`` does: an empty directory among them is the same skipped
    entry and warning, not silently nothing."""
    (tmp_path / "router.log").write_text(LOG_LINE)
    (tmp_path / "empty").mkdir()
    code, err = mga("logs", str(tmp_path / "router.log"), str(tmp_path / "empty"), "-f", "json",
                    "--output", str(tmp_path / "s.json"))
    assert code == 0
    assert err == f"mga: warning: {tmp_path / 'empty'}: holds no file; skipped, the other inputs are read\n"
    stats = json.loads((tmp_path / "s.json").read_text())
    assert stats["skipped"] == [{"source": str(tmp_path / "empty"), "reason": f"{tmp_path / 'empty'}: holds no file"}]
    assert stats["requests"] == 1
    code, err = mga("logs", str(tmp_path / "empty"))  # alone: no log to read, the command's own error
    assert code == 2 and "no router access log found" in err


def test_a_must_gather_given_with_logs_says_to_give_it_as_an_input(tmp_path):
    from tests.analyzer.scenario_helpers import SCENARIOS, router_log

    scenario = SCENARIOS / "B504-fires-app-timeout"
    must_gather = next(scenario.glob("must-gather.*"))
    code, err = mga("analyze", str(router_log(scenario)), "--logs", str(must_gather), "-q",
                    "--output", str(tmp_path / "r.json"), "-f", "json")
    assert code == 0
    assert err == (f"mga: warning: {must_gather}: a must-gather given with --logs: only its router access logs "
                   f"are read, its other files skipped; give it as an input to read its objects "
                   f"(mga analyze {must_gather} ...)\n")


def test_a_must_gather_given_to_mga_routes_with_logs_names_mga_routes(tmp_path):
    """The way to give it as an input names the command that was run: ``mga routes`` takes inputs too, and
    ``mga analyze`` there would send the engineer to another command than the one they ran."""
    from tests.analyzer.scenario_helpers import SCENARIOS

    scenario = SCENARIOS / "I701-fires-timeout-rejected"
    must_gather = next(scenario.glob("must-gather.*"))
    inspect = next(scenario.glob("inspect.*"))
    code, err = mga("routes", str(inspect), "--logs", str(must_gather))
    assert code == 0
    assert err == (f"mga: warning: {must_gather}: a must-gather given with --logs: only its router access logs "
                   f"are read, its other files skipped; give it as an input to read its objects "
                   f"(mga routes {must_gather} ...)\n")
