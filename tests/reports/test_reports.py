"""The demo case end to end through the CLI: JSON schema, case note, redaction, --fail-on exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from mga.cli import app
from reports.json_report import load_schema

IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_demo_json_validates_and_names_the_causes(demo_dir: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    code, output = run(["analyze", str(demo_dir), "--format", "json", "--output", str(out)])
    assert code == 0, output
    report = json.loads(out.read_text())
    jsonschema.validate(report, load_schema())
    verdicts = {r["name"]: r["verdict"] for r in report["routes"]}
    assert verdicts == {"frontend": "broken", "reports": "degraded", "api": "healthy", "static": "healthy",
                        "canary": "healthy"}
    causes = {(f["route"], f["cause"]) for f in report["findings"]}
    assert causes == {("frontend", "readiness-probe-failing"), ("reports", "backend-timeout")}
    frontend = next(f for f in report["findings"] if f["route"] == "frontend")
    assert frontend["affected_requests"] == report["routes"][0]["errors"]["503"] == 116
    assert frontend["first_seen"].startswith("2026-11-20T08:41:")


def test_schema_rejects_a_renamed_field(demo_dir: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    run(["analyze", str(demo_dir), "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    report["findings"][0]["cause_id"] = report["findings"][0].pop("cause")
    try:
        jsonschema.validate(report, load_schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted a report without findings[].cause")


def test_markdown_case_note(demo_dir: Path, tmp_path: Path):
    out = tmp_path / "r.md"
    code, _ = run(["analyze", str(demo_dir), "--format", "md", "--output", str(out)])
    assert code == 0
    text = out.read_text()
    assert text.startswith("# mga case note")
    assert "## broken: `shop/frontend`" in text and "## degraded: `shop/reports`" in text
    assert "`readiness-probe-failing`" in text and "`backend-timeout`" in text
    assert "```sh\noc -n shop describe pod frontend-6f8d9c7b5-" in text
    assert "haproxy.router.openshift.io/timeout=" in text
    assert re.search(r"- `inspect\.local\.\d+/namespaces/shop/core/pods\.yaml:\d+`: `type: Ready`", text)


def test_fail_on_exit_codes(demo_dir: Path, tmp_path: Path):
    base = ["analyze", str(demo_dir), "--format", "json", "--output", str(tmp_path / "r.json")]
    assert run([*base, "--fail-on", "critical"])[0] == 1
    assert run([*base, "--fail-on", "warning"])[0] == 1
    assert run([*base, "--fail-on", "never"])[0] == 0
    assert run([*base, "--route", "shop/reports", "--fail-on", "critical"])[0] == 0  # only a warning there
    assert run([*base, "--route", "shop/reports", "--fail-on", "warning"])[0] == 1


def _input_secrets(root: Path) -> tuple[set[str], set[str]]:
    ips: set[str] = set()
    hosts: set[str] = set()
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            ips |= set(IPV4.findall(text))
            hosts |= set(re.findall(r"[a-z0-9.-]+\.demo-cluster\.example\.com", text))
    return ips, hosts


def test_redacted_outputs_contain_no_ip_or_host_of_the_input(demo_dir: Path, tmp_path: Path):
    ips, hosts = _input_secrets(demo_dir)
    assert len(ips) > 20 and len(hosts) > 5  # the demo really carries addresses and names
    for fmt in ("json", "html", "md"):
        out = tmp_path / f"r.{fmt}"
        mapping = tmp_path / f"map-{fmt}.json"  # an existing map is never overwritten without --force
        code, output = run(["analyze", str(demo_dir), "--format", fmt, "--output", str(out), "--redact",
                            "--redact-map", str(mapping)])
        assert code == 0, output
        text = out.read_text()
        leaked = [ip for ip in ips if re.search(rf"(?<![\w.]){re.escape(ip)}(?![\w.])", text)]
        assert not leaked, f"{fmt} leaks {leaked[:5]}"
        assert not [h for h in hosts if h in text], f"{fmt} leaks hosts"
        assert "demo-cluster" not in text
    tokens = json.loads(mapping.read_text())
    assert tokens["10.129.2.18"].startswith("ip-")  # the reports pod, cited in its 504 log lines
    report = json.loads((tmp_path / "r.json").read_text())
    # correlations survive: the same pod IP gets the same token everywhere
    assert re.fullmatch(r"host-\d{4}\.example", report["routes"][0]["host"])


def test_demo_ledger_explains_every_router_side_5xx(demo_dir: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    code, output = run(["analyze", str(demo_dir), "--format", "json", "--output", str(out)])
    assert code == 0, output
    report = json.loads(out.read_text())
    ledgers = {r["name"]: r["error_ledger"] for r in report["routes"]}
    assert {name: (led["router_side_5xx"], led["unexplained"]) for name, led in ledgers.items()} == {
        "frontend": (116, 0), "reports": (35, 0), "api": (0, 0), "static": (0, 0), "canary": (0, 0)}
    assert [s["cause"] for s in ledgers["frontend"]["by_finding"]] == ["readiness-probe-failing"]
    assert [s["cause"] for s in ledgers["reports"]["by_finding"]] == ["backend-timeout"]
    assert report["summary"]["router_side_5xx"] == report["summary"]["router_side_5xx_explained"] == 151
    assert report["window"]["source"] == "access-log"
