"""The HTML report without a browser: first screen, sections, escaping, CSP, on-demand checklists."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar

import pytest

import reports.html as html_report
from analyzer.model import CheckResult, CheckStatus, RouteResult, Verdict
from reports.html import embed_json, render_html
from reports.markdown import render_markdown
from tests.reports.sample_result import APPS_DOMAIN, CONTROLS, CONTROLS_SHOWN, control_result, sample_result


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class Page(HTMLParser):
    """A small DOM: enough to find elements by tag and attribute and read their text."""

    VOID: ClassVar[frozenset[str]] = frozenset({"meta", "input", "br", "img", "link", "hr", "col", "source"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.all: list[Element] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs})
        for parent in self.stack[1:]:
            parent.text += " "  # element boundaries separate words, as a browser's layout would
        self.stack[-1].children.append(el)
        self.all.append(el)
        if tag not in self.VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        for el in self.stack[1:]:
            el.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}  # class_, http_equiv
        return [e for e in self.all if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())]


@pytest.fixture(scope="module")
def text() -> str:
    return render_html(sample_result())


@pytest.fixture(scope="module")
def page(text: str) -> Page:
    return Page(text)


def rows(page: Page, table_id: str) -> list[Element]:
    table = page.find("table", id=table_id)[0]
    body = next(c for c in table.children if c.tag == "tbody")
    return [c for c in body.children if c.tag == "tr"]


def squash(s: str) -> str:
    return " ".join(s.split())


def test_first_row_is_the_broken_route_with_cause_count_span_and_fix(page):
    first = rows(page, "routes-table")[0]
    cells = [squash(c.text) for c in first.children if c.tag == "td"]
    assert first.attrs["data-route"] == "payments/checkout"
    assert cells[0] == "broken"
    assert cells[1] == "payments/checkout edge · checkout-payments.apps.ocp-prod.acme-corp.com"
    assert cells[2:7] == ["0/3", "956", "0", "412", "0"]
    assert cells[7].startswith("readiness-probe-failing 3 of 3 pods fail their readiness probe")
    assert cells[8:] == ["412", "2026-11-20 08:41:12 → 08:59:58"]
    button = next(e for e in first.children[7].children if e.tag == "div").children[1]
    assert button.attrs["data-copy"] == (
        "oc -n payments set probe deployment/checkout --readiness --get-url=http://:8080/healthz/ready "
        "--timeout-seconds=3 --failure-threshold=3   # only if the probe itself is wrong")


def test_every_route_is_listed_worst_first(page):
    assert [r.attrs["data-route"] for r in rows(page, "routes-table")] == [
        "payments/checkout", "reporting/export-api", "legacy/inventory", "openshift-console/console",
        "payments/checkout-admin", "storefront/www"]
    unknown = rows(page, "routes-table")[2]
    assert "namespace legacy was not collected" in unknown.text


def test_small_reports_have_a_section_per_route_only_the_bad_ones_open(page):
    sections = page.find("details", class_="route")
    assert [squash(s.children[0].text).split(" ")[:2] for s in sections] == [
        ["broken", "payments/checkout"], ["degraded", "reporting/export-api"],
        ["unknown", "legacy/inventory"], ["healthy", "openshift-console/console"],
        ["healthy", "payments/checkout-admin"], ["healthy", "storefront/www"]]
    assert ["open" in s.attrs for s in sections] == [True, True, False, False, False, False]
    assert len([e for e in page.all if e.tag == "svg"]) == 5  # every route with log data; not inventory


def test_section_holds_checklist_events_finding_evidence_and_doc(page):
    section = page.find("details", id="route-payments-checkout")[0]
    body = squash(section.text)
    assert "pods-ready fail F001-E202: 3 of 3 pods fail their readiness probe" in body
    assert "capacity-sufficient pass no problem found" in body
    assert "2026-11-20T08:47:20Z restart checkout-7d9c6b8f4-m8zrt" in body
    assert "rule E202: mga rule E202" in body
    evidence = page.find("table", class_="evidence small")[0]
    assert "…ocal.7316620088154903321/namespaces/payments/core/pods.yaml:212" in evidence.text
    fix = page.find("pre", id="fix-finding-E202-payments-checkout")[0]
    assert fix.text.startswith("oc -n payments set probe deployment/checkout ")
    assert "oc -n payments describe pod checkout-7d9c6b8f4-2xkqp" in page.find("div", class_="diagnostics")[0].text


def test_gaps_inputs_skipped_and_unparsed_sections(page):
    assert [squash(p.text) for p in page.find("pre") if p.attrs.get("id", "").startswith("gap-")] == [
        "oc -n openshift-ingress logs router-default-7c9d8f6b54-p9wq7 -c logs > router-p9wq7.log",
        "oc adm inspect ns/legacy --dest-dir=inspect-legacy"]
    assert len(rows(page, "inputs-table")) == 2
    assert [squash(r.children[1].text) for r in rows(page, "skipped-table")] == [
        "application container log (not a router log)", "symbolic link: not followed",
        "larger than the 512 MiB member limit (node ip-10-0-141-27.us-east-2.compute.internal, 10.128.2.7)"]
    assert [squash(r.children[1].text) for r in rows(page, "unparsed-table")] == [
        "truncated at the 1024-byte log limit", "no haproxy[pid]: tag", "unknown log shape"]


def test_inputs_section_shows_the_requests_of_each_status_as_the_json_counts_them(page):
    """The summary's 502/503/504 card is one sum: the whole-log count of each status stands beside the inputs."""
    line = squash(page.find("p", id="status-counts")[0].text)
    assert line == "Requests by status: 200 6059 · 302 180 · 404 148 · 503 412 · 504 37."


def test_no_access_log_no_status_line():
    result = sample_result()
    result.status_counts = None
    assert Page(render_html(result)).find("p", id="status-counts") == []


def test_log_files_name_their_input_when_several_inputs_hold_logs():
    """Two collections hold logs of the same name (the same router pod's ``current.log``): each row of the log
    files and each cited line says which input it is of; with one input the column and the prefix are left out."""
    one = sample_result()
    [account] = one.log_accounting
    assert [e.tag for e in rows(Page(render_html(one)), "logs-table")[0].children] == ["td"] * 5
    two = sample_result()
    two.log_accounting = [account, {**account, "input": "/cases/0424/mg-later.tar.gz", "lines_read": 12}]
    shown = Page(render_html(two))
    found = rows(shown, "logs-table")
    cited = [squash(c.children[0].text) for t in shown.find("table", class_="evidence small")
             for b in t.children if b.tag == "tbody" for c in b.children if c.tag == "tr"]
    assert cited and all(": " in c for c in cited) and f"{account['input']}: " in " ".join(cited)
    plain = [squash(c.children[0].text) for t in Page(render_html(one)).find("table", class_="evidence small")
             for b in t.children if b.tag == "tbody" for c in b.children if c.tag == "tr"]
    assert plain and not any(": " in c for c in plain)
    assert [(squash(r.children[0].text), r.children[0].attrs["title"], squash(r.children[2].text)) for r in found] == [
        (account["input"], account["input"], "6843"),
        ("/cases/0424/mg-later.tar.gz", "/cases/0424/mg-later.tar.gz", "12")]


def test_archive_strings_are_escaped(text, page):
    assert "&lt;script&gt;alert(document.domain)&lt;/script&gt;" in text
    assert "next=&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in text
    assert "<b>x</b>" not in text and "alert(document.domain)</script>" not in text
    assert len(page.find("script")) == 4  # the JSON block and the three shipped scripts, nothing injected


RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # invalid in HTML, invisible on screen


def test_control_bytes_from_the_inputs_are_shown_escaped_never_written_raw():
    text = render_html(control_result())
    assert RAW_CONTROL.findall(text) == []
    page = Page(text)
    shown = squash(" ".join(e.text for e in page.all))
    for what in (f"2m{CONTROLS_SHOWN}", f"/api/c{CONTROLS_SHOWN}art", f"ReplicaSet {CONTROLS_SHOWN} created",
                 f"router{CONTROLS_SHOWN}reloaded", f"odd{CONTROLS_SHOWN}name.log", f"in{CONTROLS_SHOWN}spect",
                 f"checkout{CONTROLS_SHOWN}."):
        assert what in shown, what
    copy = next(e for e in page.all if e.tag == "button" and "data-copy" in e.attrs)
    assert copy.attrs["data-copy"] == f"oc annotate route checkout note=a{CONTROLS_SHOWN}b"


def test_control_bytes_in_checklists_drawn_on_demand_are_shown_escaped():
    result = many_routes(60)
    result.routes[-1].checklist = [CheckResult("pods-ready", CheckStatus.PASS, f"pod {CONTROLS} ready")]
    text = render_html(result)
    assert RAW_CONTROL.findall(text) == []
    data = json.loads(Page(text).find("script", id="mga-lazy")[0].text)
    assert f"pod {CONTROLS_SHOWN} ready" in data["strings"]


def test_bidirectional_overrides_from_the_inputs_are_shown_escaped_so_a_fix_reads_as_it_copies():
    """U+202E and its kin are invisible and reorder what follows on screen: a fix command with one in it would
    read differently from what the copy button copies (and the terminal would show it reordered too)."""
    result = sample_result()
    finding = result.findings[0]
    finding.remediation = ["oc annotate route checkout note=a\u202egnp.exe\u2066b\u2069\u200f"]
    text = render_html(result)
    assert re.findall("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", text) == []
    fix = next(e for e in Page(text).all if e.tag == "pre" and e.attrs.get("id", "").startswith("fix-"))
    assert fix.text == "oc annotate route checkout note=a\\u202egnp.exe\\u2066b\\u2069\\u200f"


def test_embedded_json_writes_no_raw_control_character():
    block = str(embed_json({"path": f"/x{CONTROLS}"}))
    assert RAW_CONTROL.findall(block) == [] and json.loads(block) == {"path": f"/x{CONTROLS}"}


def test_markdown_note_shows_control_bytes_as_the_terminal_does():
    note = render_markdown(control_result())
    assert RAW_CONTROL.findall(note) == []
    assert f"`checkout{CONTROLS_SHOWN}.{APPS_DOMAIN}`" in note


def test_hostile_titles_and_attributes_stay_text():
    result = sample_result()
    result.findings[0].title = '"><img src=x onerror=alert(1)>'
    result.findings[0].remediation = ['oc get pods" onclick="alert(1)']
    page = Page(render_html(result))
    assert page.find("img") == []
    assert not [e for e in page.all if any(k.startswith("on") for k in e.attrs)]
    copy = next(e for e in page.all if e.tag == "button" and "data-copy" in e.attrs)
    assert copy.attrs["data-copy"] == 'oc get pods" onclick="alert(1)'


def test_content_security_policy_forbids_the_network_and_pins_the_scripts(page):
    csp = page.find("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'none'"
    assert directives["img-src"] == "data:" and directives["font-src"] == "'none'"
    scripts = [s.text for s in page.find("script") if s.attrs.get("type") != "application/json"]
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts}
    assert set(directives["script-src"].split()) == hashes and len(hashes) == 3


def test_nothing_is_fetched_from_anywhere(page, text):
    assert not [e for e in page.all if "src" in e.attrs]
    assert page.find("link") == []
    hrefs = {e.attrs["href"] for e in page.all if "href" in e.attrs}
    assert hrefs and all(h.startswith("#") for h in hrefs)
    assert "@import" not in text and "url(http" not in text


def test_the_sample_report_is_small(text):
    assert len(text.encode()) < 300_000


def test_routes_beyond_the_chart_budget_get_a_table_of_their_5xx_minutes(monkeypatch):
    monkeypatch.setattr(html_report, "MAX_CHARTS", 1)
    page = Page(render_html(sample_result()))
    assert len([e for e in page.all if e.tag == "svg"]) == 1  # the broken route's
    export = page.find("details", id="route-reporting-export-api")[0]
    table = next(e for e in export.children if e.tag == "table" and "minutes" in e.attrs.get("class", ""))
    body = next(c for c in table.children if c.tag == "tbody")
    timeouts = ((50, 5), (51, 7), (52, 8), (53, 6), (54, 6), (55, 5))  # the sample's 504s per minute
    expected = [f"2026-11-20T08:{m}:00Z 30 0 0 {n} 0" for m, n in timeouts]
    assert [squash(r.text) for r in body.children] == expected
    console = squash(page.find("details", id="route-openshift-console-console")[0].text)
    assert "10 minutes of traffic, none with a 5xx." in console


def many_routes(n: int) -> object:
    result = sample_result()
    for i in range(n):
        detail = "</script><script>alert(1)</script> & more" if i == 0 else f"all {i % 3 + 1} pods ready"
        result.routes.append(RouteResult(
            namespace=f"team-{i // 10:02d}", name=f"svc-{i:03d}", host=None, services=[f"svc-{i:03d}"],
            termination="edge", verdict=Verdict.HEALTHY,
            checklist=[CheckResult("pods-ready", CheckStatus.PASS, detail),
                       CheckResult("timeout-sufficient", CheckStatus.UNKNOWN, "no router access logs")]))
    return result


def test_big_reports_draw_healthy_checklists_on_demand_from_escaped_json():
    page_text = render_html(many_routes(60))
    page = Page(page_text)
    assert len(page.find("details", class_="route")) == 3  # broken, degraded, unknown
    lazy = [e for e in page.all if e.tag == "details" and "data-lazy" in e.attrs]
    assert len(lazy) == 63  # 3 healthy routes of the sample + 60
    block = page.find("script", id="mga-lazy")[0].text
    assert "</" not in block and "<" not in block and "&" not in block
    data = json.loads(block)
    first = next(e for e in lazy if "team-00/svc-000" in e.text)
    rows_ = data["routes"][int(first.attrs["data-lazy"])]
    assert [(data["checks"][c], data["statuses"][s], data["strings"][d]) for c, s, d in rows_] == [
        ("pods-ready", "pass", "</script><script>alert(1)</script> & more"),
        ("timeout-sufficient", "unknown", "no router access logs")]
    assert len(data["strings"]) < 10  # repeated details are stored once


def test_embedded_json_cannot_end_its_script_element():
    block = embed_json({"path": "/x?a=</script><!--&b=\u2028"})
    assert str(block) == '{"path":"/x?a=\\u003c/script\\u003e\\u003c!--\\u0026b=\\u2028"}'
    assert json.loads(str(block)) == {"path": "/x?a=</script><!--&b=\u2028"}


def test_print_styles_open_nothing_interactive(text):
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    assert style is not None
    printing = style.group(1).split("@media print", 1)[1]
    assert ".filterbar, button:not(.card), .permalink { display: none !important; }" in printing  # cards are counts


def test_platform_section_shows_upgrade_alerts_router_health_and_nodes(page):
    section = squash(page.find("section", id="platform")[0].text)
    assert "OpenShift 4.16.21" in section and "Last update: 4.16.21 (from 4.16.19)" in section
    assert "4 firing, 1 pending" in section
    assert "KubeDeploymentReplicasMismatch firing warning namespace payments 2026-11-20T08:56:12Z" in section
    assert "IngressController default Available=True, Degraded=False, 2/2 router pods ready" in section
    assert "maxconn 50000, 4 threads" in section
    assert "unschedulable: ocp-prod-7xk2p-worker-b-9zq4d" in section
    assert "rebooted: ocp-prod-7xk2p-worker-b-9zq4d at 2026-11-20T08:35:02Z" in section


def test_platform_section_without_node_objects_says_not_collected_not_zero():
    result = sample_result()
    result.cluster["nodes"] = {"total": None, "not_ready": [], "unschedulable": [], "recently_rebooted": [],
                               "updating": []}
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "Nodes: not collected (no node objects in the inputs)." in section
    assert "Nodes: 0" not in section and "all ready and schedulable" not in section


def test_platform_section_says_reloads_unknown_without_a_router_container_log_not_zero():
    """An access log (the ``logs`` sidecar) says nothing of reloads: without the router container's log they are
    unknown, not "0 succeeded, 0 failed"; read, they are counted (HTML and Markdown alike)."""
    result = sample_result()
    reloads = result.cluster["ingress_controllers"][0]["reloads"]
    assert reloads["logs_read"] == 0
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "reloads unknown (no log of the router container in the inputs; an access log is not one)" in section
    assert "0 succeeded" not in section and "reloads unknown" in render_markdown(result)
    reloads.update(logs_read=2, succeeded=5, failed=1)
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "reloads 5 succeeded, 1 failed;" in section and "unknown" not in section
    assert "reloads 5 succeeded, 1 failed" in render_markdown(result)


def test_router_health_without_capacity_figures_ends_its_sentence_once():
    """No maxconn or thread count in the inputs (no haproxy.config): the sentence ends after the reloads, not with
    a dangling "; ."; a tuningOptions figure alone is still said."""
    result = sample_result()
    ic = result.cluster["ingress_controllers"][0]
    ic["capacity"] = {"maxconn": [], "nbthread": [], "tuning_max_connections": None}
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "an access log is not one)." in section and "; ." not in section and ";." not in section
    ic["capacity"]["tuning_max_connections"] = 40000
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "an access log is not one); tuningOptions.maxConnections 40000." in section


def test_platform_section_without_alert_data_says_so_and_escapes_messages():
    result = sample_result()
    result.cluster["alerts"] = None
    result.cluster["ingress_controllers"][0]["conditions"][0]["message"] = "<img src=x onerror=alert(1)>"
    page = Page(render_html(result))
    section = squash(page.find("section", id="platform")[0].text)
    assert "no alert data in the inputs" in section
    assert "<img src=x onerror=alert(1)>" in section  # shown as text ...
    assert page.find("img") == []  # ... never as markup


def test_copy_fix_copies_the_fix_and_the_confirming_commands_stand_apart(page):
    fix = page.find("pre", id="fix-finding-E202-payments-checkout")[0].text
    assert fix.startswith("oc -n payments set probe deployment/checkout")
    [checks] = page.find("div", class_="diagnostics")
    assert "confirm with" in checks.text and "oc -n payments describe pod " in checks.text
    assert "describe pod" not in fix
    copy = [e.attrs["data-copy"] for e in page.all if e.tag == "button" and "data-copy" in e.attrs]
    assert copy and not any(c.startswith(("oc -n payments describe", "oc -n payments get")) for c in copy)


def test_router_pods_not_collected_are_said_so_not_a_question_mark():
    result = sample_result()
    result.cluster["ingress_controllers"][0]["replicas_ready"] = "?/2"
    section = squash(Page(render_html(result)).find("section", id="platform")[0].text)
    assert "IngressController default Available=True, Degraded=False, router pods not collected (2 desired);" in section
    assert "?/2" not in section and "router pods ready" not in section


def test_the_page_groups_large_counts_by_thousands():
    result = sample_result()
    result.log_lines, result.requests, result.log_lines_unparsed = 2700100, 2699998, 102
    html = render_html(result)
    text = squash(" ".join(e.text for e in Page(html).find("body")))
    assert "Access-log lines: 2,700,100 read, 2,699,998 requests, 102 not understood." in text
    assert '<div class="card"><b>2,699,998</b>logged requests</div>' in html
