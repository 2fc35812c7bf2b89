"""``mga routes -o yaml|json`` prints the collected Route objects with their source; LABELS and 5XX columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.test_cmd_logs import DOCS_HTTP, SH

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"

ROUTES = """\
apiVersion: v1
kind: List
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata:
    name: closenoresp
    namespace: ns
    labels: {app: closenoresp, tier: web}
    annotations: {haproxy.router.openshift.io/timeout: 2m}
  spec:
    host: c.apps.example.com
    to: {kind: Service, name: closenoresp, weight: 100}
    port: {targetPort: http}
    tls: {termination: reencrypt, destinationCACertificate: "-----BEGIN CERTIFICATE-----"}
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata: {name: hello-openshift, namespace: hello-openshift}
  spec:
    host: hello.apps.example.com
    to: {kind: Service, name: hello-openshift}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _routes(tmp_path: Path) -> Path:
    path = tmp_path / "routes.yaml"
    path.write_text(ROUTES)
    return path


def test_yaml_prints_each_route_object_after_a_comment_naming_its_file_and_line(tmp_path):
    proc = run("routes", str(_routes(tmp_path)), "-o", "yaml")
    assert proc.returncode == 0, proc.stderr
    docs = proc.stdout.split("---\n")
    assert [d.splitlines()[0] for d in docs] == [
        f"# source: {tmp_path / 'routes.yaml'}: routes.yaml:16",  # sorted: hello-openshift first
        f"# source: {tmp_path / 'routes.yaml'}: routes.yaml:4",
    ]
    objs = [yaml.safe_load(d) for d in docs]
    assert objs[1]["spec"]["tls"] == {"termination": "reencrypt", "destinationCACertificate":
                                      "-----BEGIN CERTIFICATE-----"}
    assert objs[1]["metadata"]["annotations"] == {"haproxy.router.openshift.io/timeout": "2m"}
    assert objs[1]["spec"]["port"] == {"targetPort": "http"}
    assert objs[0]["kind"] == "Route" and "port" not in objs[0]["spec"]


def test_json_is_a_list_whose_items_carry_mga_source(tmp_path):
    proc = run("routes", str(_routes(tmp_path)), "closenoresp", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["kind"] == "List" and len(doc["items"]) == 1
    item = doc["items"][0]
    assert item["mga.source"] == {"input": str(tmp_path / "routes.yaml"), "file": "routes.yaml", "line": 4}
    assert item["spec"]["tls"]["termination"] == "reencrypt"
    assert item["metadata"]["labels"] == {"app": "closenoresp", "tier": "web"}


def test_show_labels_adds_labels_last_like_oc(tmp_path):
    proc = run("routes", str(_routes(tmp_path)), "--show-labels")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[-3:] == ["READY", "5XX", "LABELS"]
    assert lines[1].split()[-1] == "<none>"
    assert lines[2].split()[-1] == "app=closenoresp,tier=web"


def test_5xx_is_unknown_without_logs_and_counts_router_side_5xx_with_them(tmp_path):
    routes = _routes(tmp_path)
    proc = run("routes", str(routes))
    assert [line.split()[-1] for line in proc.stdout.splitlines()] == ["5XX", "-", "-"]
    app_503 = SH.replace(" 502 209 - - SHNN ", " 503 209 - - ---- ")  # the application answered 503
    client_gone = SH.replace(" 502 209 - - SHNN ", " 502 209 - - CHNN ")  # the client aborted
    log = tmp_path / "access.log"
    log.write_text("\n".join([SH, SH, app_503, client_gone, DOCS_HTTP]) + "\n")
    proc = run("routes", str(routes), "--logs", str(log))
    assert proc.returncode == 0, proc.stderr
    cells = {line.split()[1]: line.split()[-1] for line in proc.stdout.splitlines()[1:]}
    assert cells == {"closenoresp": "2", "hello-openshift": "0"}
