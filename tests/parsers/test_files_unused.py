"""Files read whose content could not be used at all: a log without one router line, a YAML file that
does not parse, a JSON file of something other than Kubernetes objects. Each is counted in its input's
``files_skipped`` (not ``files_read``: every file seen is read or skipped) with ``skipped`` entries saying
why, and a log of them makes no access log: ``mga routes --logs`` and ``mga analyze`` say so on stderr, and
5XX stays unknown, not 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from parsers.load_snapshot import load_snapshot
from tests.analyzer.scenario_helpers import SCENARIOS, router_log

ROOT = Path(__file__).resolve().parents[2]
ROUTE = """apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: shop, namespace: web}
spec:
  host: shop.example.com
  to: {kind: Service, name: shop}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "routes.yaml").write_text(ROUTE)
    return folder


def test_a_yaml_file_that_does_not_parse_is_skipped_not_read(tmp_path):
    folder = dump(tmp_path)
    (folder / "bad.yaml").write_text("kind: [unclosed\n  foo: : bar\n")
    snap = load_snapshot([str(folder)], want_logs=False)
    [record] = snap.inputs
    assert (record.files_seen, record.files_read, record.files_skipped) == (2, 1, 1)
    assert [entry[0] for entry in snap.skipped] == ["bad.yaml"]
    assert len(snap.frame("routes")) == 1


def test_a_yaml_file_with_one_bad_item_is_still_read(tmp_path):
    folder = dump(tmp_path)
    (folder / "list.yaml").write_text("apiVersion: v1\nkind: List\nitems:\n- 42\n- " +
                                      ROUTE.replace("name: shop", "name: cart").replace("\n", "\n  ").rstrip() + "\n")
    snap = load_snapshot([str(folder)], want_logs=False)
    [record] = snap.inputs
    assert (record.files_read, record.files_skipped) == (2, 0)


def test_a_log_without_one_router_line_is_skipped_and_makes_no_access_log(tmp_path):
    folder = dump(tmp_path)
    other = tmp_path / "app.log"
    other.write_text("hello world\nnot a router line\n")
    snap = load_snapshot([str(folder)], [str(other), str(folder / "routes.yaml")])
    logs = [r for r in snap.inputs if r.kind == "access-log"]
    assert [(r.files_read, r.files_skipped) for r in logs] == [(0, 1), (0, 1)]
    reasons = dict(entry[:2] for entry in snap.skipped)
    assert reasons["app.log"].startswith("not an access log: 2 lines read, none a router request line")
    assert "'hello world'" in reasons["app.log"]
    assert reasons["routes.yaml"].startswith("not an access log: 6 lines read")
    assert not snap.has_access_logs


def test_a_real_log_beside_it_is_read_and_counted(tmp_path):
    other = tmp_path / "app.log"
    other.write_text("hello world\n")
    router = tmp_path / "router.log"
    router.write_bytes(router_log(SCENARIOS / "B504-fires-app-timeout").read_bytes())
    snap = load_snapshot([str(dump(tmp_path))], [str(router), str(other)])
    logs = {r.path: (r.files_read, r.files_skipped) for r in snap.inputs if r.kind == "access-log"}
    assert logs == {str(router): (1, 0), str(other): (0, 1)}
    assert snap.has_access_logs
    for record in snap.inputs:
        assert record.files_seen == record.files_read + record.files_skipped, record


def test_routes_logs_with_a_yaml_file_warns_and_shows_5xx_unknown(tmp_path):
    folder = dump(tmp_path)
    proc = run("routes", str(folder), "--logs", str(folder / "routes.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("mga: warning: routes.yaml: not an access log: 6 lines read, none a router")
    assert len(proc.stderr.splitlines()) == 1
    header, row = proc.stdout.splitlines()
    assert header.split()[-1] == "5XX" and row.split()[-1] == "-"


def test_analyze_records_the_log_without_router_lines(tmp_path):
    folder = dump(tmp_path)
    other = tmp_path / "app.log"
    other.write_text("hello world\n")
    out = tmp_path / "r.json"
    proc = run("analyze", str(folder), "--logs", str(other), "-o", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "mga: warning: app.log: not an access log: 1 line read" in proc.stderr
    report = json.loads(out.read_text())
    log_input = next(i for i in report["inputs"] if i["kind"] == "access-log")
    assert (log_input["files_read"], log_input["files_skipped"]) == (0, 1)
    assert any(s["source"] == "app.log" and s["reason"].startswith("not an access log") for s in report["skipped"])
    assert report["summary"]["status_counts"] is None


def test_a_json_of_something_else_beside_the_dump_is_skipped_and_named(tmp_path):
    """A case note saved as ``.json`` parses, but none of its objects is a Kubernetes object: nothing was taken
    from it, so it is skipped (not read), listed as a file that is not what it was read as, and its object's
    ``skipped`` entry stays; a file whose one object is kept and another left out is still read."""
    folder = dump(tmp_path)
    (folder / "case.json").write_text('{"a": 1}\n')
    (folder / "mixed.yaml").write_text(ROUTE.replace("name: shop,", "name: cart,") + "---\n{b: 2}\n")
    snap = load_snapshot([str(folder)], want_logs=False)
    [record] = snap.inputs
    assert (record.files_seen, record.files_read, record.files_skipped) == (3, 2, 1)
    assert record.not_what_read_as == [("case.json", "Kubernetes objects")]
    assert ("case.json", "line 1: object left out: no kind") in snap.skipped
    assert ("mixed.yaml", "line 8: object left out: no kind") in snap.skipped
