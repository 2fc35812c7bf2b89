"""The JSON report follows report-contract.md, and the schema kept in the repo enforces the contract."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import numpy as np
import pytest

from analyzer.model import CAUSES, CHECKS
from reports.html import render_html
from reports.json_report import load_schema, ordered_routes, render_json
from reports.markdown import render_markdown
from tests.conftest import REPO
from tests.reports.sample_result import CONTROLS, control_result, sample_result, timeline_totals

CONTRACT = (REPO / ".." / "shared" / "spec" / "report-contract.md").resolve()

# Every field report-contract.md lists, by where it sits (read off the contract's JSON block).
CONTRACT_FIELDS: dict[str, tuple[str, ...]] = {
    "": ("schema", "tool", "generated_at", "inputs", "window", "summary", "routes", "findings", "gaps",
         "skipped"),
    "tool": ("name", "version"),
    "inputs/0": ("path", "kind", "files_read", "files_skipped"),
    "window": ("start", "end"),
    "summary": ("routes", "routes_with_findings", "log_lines", "log_lines_unparsed", "requests",
                "status_counts"),
    "routes/0": ("namespace", "name", "host", "services", "termination", "requests", "errors", "verdict",
                 "checklist", "findings"),
    "routes/0/errors": ("502", "503", "504"),
    "routes/0/checklist/0": ("check", "status", "detail"),
    "findings/0": ("id", "code", "cause", "severity", "namespace", "route", "service", "title", "explanation",
                   "evidence", "remediation", "first_seen", "last_seen", "affected_requests"),
    "findings/0/evidence/0": ("source", "line", "text"),
    "gaps/0": ("what", "why_it_matters", "how_to_collect"),
    "skipped/0": ("source", "reason"),
}


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return json.loads(render_json(sample_result()))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def at(data: Any, path: str) -> Any:
    for part in filter(None, path.split("/")):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def errors(validator: jsonschema.Draft202012Validator, report: dict[str, Any]) -> list[str]:
    return [e.message for e in validator.iter_errors(report)]


def test_sample_report_validates(report, validator):
    assert errors(validator, report) == []
    assert report["schema"] == "mga.report/v1"
    assert report["tool"] == {"name": "mga", "version": "0.1.0"}
    assert report["generated_at"] == "2026-11-20T09:05:12Z"
    assert report["window"] == {"start": "2026-11-20T08:30:00.412Z", "end": "2026-11-20T08:59:58.871Z",
                                "source": "access-log"}


def test_summary_counts_come_from_the_result(report):
    assert report["summary"] == {
        "routes": 6, "routes_with_findings": 2, "log_lines": 6843, "log_lines_unparsed": 3, "requests": 6836,
        "status_counts": {"200": 6059, "302": 180, "404": 148, "503": 412, "504": 37},
        "router_side_5xx": 449, "router_side_5xx_explained": 449, "router_side_5xx_no_route": 0,
    }


def test_routes_are_worst_first(report):
    # broken, degraded, unknown, then healthy by 5xx (none) and name
    assert [(r["namespace"], r["name"], r["verdict"]) for r in report["routes"]] == [
        ("payments", "checkout", "broken"),
        ("reporting", "export-api", "degraded"),
        ("legacy", "inventory", "unknown"),
        ("openshift-console", "console", "healthy"),
        ("payments", "checkout-admin", "healthy"),
        ("storefront", "www", "healthy"),
    ]


def test_within_a_verdict_more_affected_requests_come_first():
    result = sample_result()
    export = next(r for r in result.routes if r.name == "export-api")
    export.verdict = "broken"  # now two broken routes: 412 affected (checkout) before 37 (export-api)
    assert [r.name for r in ordered_routes(result)][:2] == ["checkout", "export-api"]
    export.affected_requests = 500  # the analysis' count of the route (each request once), not a finding's
    assert [r.name for r in ordered_routes(result)][:2] == ["export-api", "checkout"]


def test_findings_keep_their_contract_values(report):
    first = report["findings"][0]
    assert first["id"] == "F001-E202" and first["cause"] == "readiness-probe-failing"
    assert first["severity"] == "critical" and first["affected_requests"] == 412
    assert first["first_seen"] == "2026-11-20T08:41:12.118Z"
    assert first["last_seen"] == "2026-11-20T08:59:58.871Z"
    assert first["evidence"][0]["source"].endswith("namespaces/payments/core/pods.yaml")
    assert first["evidence"][0]["line"] == 212
    assert report["routes"][0]["findings"] == ["F001-E202"]
    assert report["routes"][0]["errors"] == {"502": 0, "503": 412, "504": 0}


@pytest.mark.parametrize("where", sorted(CONTRACT_FIELDS))
def test_every_contract_field_is_required(report, validator, where):
    for name in CONTRACT_FIELDS[where]:
        broken = copy.deepcopy(report)
        del at(broken, where)[name]
        assert errors(validator, broken), f"schema accepts a report without {where}/{name}"


@pytest.mark.parametrize(("where", "name", "value"), [
    ("findings/0", "cause", "readiness-probe-failed"),
    ("findings/0", "severity", "error"),
    ("routes/0", "verdict", "failing"),
    ("routes/0/checklist/0", "check", "pod-ready"),
    ("routes/0/checklist/0", "status", "skipped"),
    ("inputs/0", "kind", "sosreport"),
    ("routes/0", "termination", "tls"),
    ("findings/0", "first_seen", "20/Nov/2026:08:41:12"),
    ("", "schema", "mga.report/v2"),
])
def test_closed_enumerations_reject_other_values(report, validator, where, name, value):
    broken = copy.deepcopy(report)
    at(broken, where)[name] = value
    assert errors(validator, broken)


def test_extensions_are_allowed_where_the_contract_says_add_fields_freely(report, validator):
    extended = copy.deepcopy(report)
    extended["case"] = {"number": "04211876"}
    extended["findings"][0]["kcs"] = "https://access.redhat.com/solutions/0000000"
    extended["routes"][0]["shard"] = "default"
    assert errors(validator, extended) == []


def test_schema_enumerations_match_the_model():
    defs = load_schema()["$defs"]
    assert defs["cause"]["enum"] == list(CAUSES)
    assert defs["check"]["properties"]["check"]["enum"] == list(CHECKS)


def test_schema_enumerations_match_the_contract_document():
    if not CONTRACT.exists():
        pytest.skip(f"../shared/spec not present ({CONTRACT} missing): contract comparison skipped")
    text = CONTRACT.read_text()
    causes = _table_ids(text, "## Cause ids\n") + _table_ids(text, "## Cause ids added in v1.1")
    checks = _table_ids(text, "## Check ids")
    defs = load_schema()["$defs"]
    assert len(causes) == 20 and defs["cause"]["enum"] == causes
    assert len(checks) == 8 and set(defs["check"]["properties"]["check"]["enum"]) == set(checks)


def _table_ids(text: str, heading: str) -> list[str]:
    """The backticked ids in the first column of the table under one heading (up to the next heading)."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z-]+)` \|", section, re.M)


def test_values_json_cannot_hold_become_plain():
    result = sample_result()
    result.findings[0].extra = {"p99": float("nan"), "count": np.int64(7), "ratio": np.float64(0.25),
                                "pods": {"b", "a"}}
    text = render_json(result)
    assert "NaN" not in text
    extra = json.loads(text)["findings"][0]["extra"]
    assert extra == {"p99": None, "count": 7, "ratio": 0.25, "pods": ["a", "b"]}


def test_an_empty_analysis_still_renders_everywhere(validator):
    result = sample_result()
    result.routes, result.findings, result.gaps, result.skipped, result.inputs = [], [], [], [], []
    result.window_start = result.window_end = result.window_source = None
    result.unparsed_samples, result.log_accounting, result.status_counts = [], [], {}
    report = json.loads(render_json(result))
    assert errors(validator, report) == []
    assert report["window"] == {"start": None, "end": None, "source": None} and report["summary"]["routes"] == 0
    assert "The inputs hold no route." in render_html(result)
    note = render_markdown(result)
    assert note.splitlines()[0] == "# mga case note: 0 broken, 0 degraded, 0 unknown of 0 routes"
    assert "The inputs hold no route." in note and "no access-log window" in note


def test_sample_totals_match_their_description():
    """The numbers the other tests expect are the ones the sample's docstring derives by hand."""
    routes = {r.name: r for r in sample_result().routes}
    assert timeline_totals(routes["checkout"].timeline) | {"minutes": len(routes["checkout"].timeline)} == {
        "total": 956, "2xx": 516, "3xx": 0, "4xx": 28, "502": 0, "503": 412, "504": 0, "5xx_other": 0,
        "other": 0, "minutes": 30}
    assert timeline_totals(routes["export-api"].timeline)["504"] == 37
    assert sum(r.requests or 0 for r in routes.values()) == 6836
    assert routes["inventory"].requests is None  # not measured: no access-log line of the route


def test_control_bytes_are_escaped_in_the_json_and_read_back_unchanged():
    text = render_json(control_result())
    assert re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]", text) == []
    assert "\\u001b[31m\\u0000\\u007f\\u0085" in text
    data = json.loads(text)
    checkout = next(r for r in data["routes"] if r["name"] == "checkout")
    assert checkout["host"].startswith(f"checkout{CONTROLS}.")
