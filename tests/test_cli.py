"""The command line: exit codes and one-line errors of the contract."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from mga import __version__
from mga.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"mga {__version__}"


def test_python_dash_m_mga_runs_the_command():
    """Where the installed ``mga`` script is not on the PATH, ``python -m mga`` is the same command."""
    proc = subprocess.run([sys.executable, "-m", "mga", "version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"mga {__version__}"


def test_missing_input_is_one_line_on_stderr_and_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "analyze", str(tmp_path / "nope.tar.gz"), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_archive_is_exit_2(tmp_path):
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage-that-is-not-gzip")
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", "routes", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("mga: ") and "Traceback" not in proc.stderr


def test_inputs_without_routes_say_what_to_collect(tmp_path):
    (tmp_path / "pods.yaml").write_text(
        "kind: PodList\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: shop}}\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["analyze", str(tmp_path / "pods.yaml"), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["routes"] == []
    assert report["gaps"][0]["what"] == "No Route objects in the inputs"


def test_unknown_rule_is_exit_2():
    result = runner.invoke(app, ["rule", "Z999"])
    assert result.exit_code == 2


def test_rules_json_lists_every_registered_rule():
    from analyzer.registry import all_rules

    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0
    assert [r["code"] for r in json.loads(result.output)] == [r.code for r in all_rules()]


def test_bad_route_option_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path), "--route", "no-slash"])
    assert result.exit_code == 2


def test_routes_table_like_oc_get_routes():
    from tests.conftest import INSPECT_SHOP, MUST_GATHER

    result = runner.invoke(app, ["routes", str(MUST_GATHER), str(INSPECT_SHOP), "-A", "-o", "wide"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "HOST/PORT", "PATH", "SERVICES", "PORT", "TERMINATION",
                                "WILDCARD", "READY", "5XX", "SOURCE"]
    frontend = next(line for line in lines if " frontend " in line)
    assert "frontend(90%),frontend-canary(10%)" in frontend and "edge" in frontend and "2/3" in frontend
    canary = next(line for line in lines if line.startswith("openshift-ingress-canary"))
    assert canary.split()[-3:-1] == ["2/2", "-"]  # no access logs read: 5XX unknown


def test_routes_namespace_filter_and_yaml():
    import yaml

    from tests.conftest import INSPECT_SHOP

    result = runner.invoke(app, ["routes", str(INSPECT_SHOP), "-n", "shop", "-o", "yaml"])
    assert result.exit_code == 0, result.output
    routes = list(yaml.safe_load_all(result.output))
    assert [(r["metadata"]["namespace"], r["metadata"]["name"], (r["spec"].get("tls") or {}).get("termination"))
            for r in routes] == [("shop", "api", None), ("shop", "frontend", "edge")]
