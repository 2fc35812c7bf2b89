"""The Markdown case note: short, pasteable, with verdicts, causes, fixes, evidence and gaps."""

from __future__ import annotations

import re

import pytest

from analyzer.model import Evidence, Finding, Severity, Skipped, Verdict
from reports.markdown import MAX_DETAILED_ROUTES, code, fence, plain, render_markdown
from tests.reports.sample_result import readiness_finding, sample_result


@pytest.fixture(scope="module")
def note() -> str:
    return render_markdown(sample_result())


def section(note: str, title: str) -> str:
    return note.split(title, 1)[1].split("\n## ", 1)[0]


def test_title_and_table_of_routes_needing_attention(note):
    lines = note.splitlines()
    assert lines[0] == "# mga case note: 1 broken, 1 degraded, 1 unknown of 6 routes"
    table = [line for line in lines if line.startswith("| **")]
    assert table == [
        "| **broken** | `payments/checkout` | 956 | 0 | 412 | 0 | `readiness-probe-failing` |",
        "| **degraded** | `reporting/export-api` | 540 | 0 | 0 | 37 | `backend-timeout` |",
        "| **unknown** | `legacy/inventory` | no access logs | | | | namespace legacy was not collected |",
    ]
    assert "3 route(s) look healthy." in note


def test_broken_route_has_cause_sentence_count_span_fix_and_evidence(note):
    broken = section(note, "## broken: `payments/checkout`")
    assert ("**critical** `readiness-probe-failing` (E202, `mga rule E202`): 3 of 3 pods fail their "
            "readiness probe (httpGet /healthz/ready port 8080) — 412 requests affected, "
            "`2026-11-20T08:41:12.118Z` → `2026-11-20T08:59:58.871Z`.") in broken
    assert ("```sh\noc -n payments describe pod checkout-7d9c6b8f4-2xkqp\n"
            "oc -n payments logs checkout-7d9c6b8f4-2xkqp --previous\n"
            "oc -n payments get endpoints checkout -o wide\n```") in broken
    evidence = [line for line in broken.splitlines() if line.startswith("- `")]
    assert len(evidence) == 3  # of the finding's 4, the first 3
    assert evidence[0] == ("- `inspect.local.7316620088154903321/namespaces/payments/core/pods.yaml:212`: "
                           "`- lastTransitionTime: '2026-11-20T08:43:30Z' status: 'False' type: Ready`")


def test_cited_lines_name_their_input_when_several_inputs_hold_logs():
    """Two collections can hold the same router pod's ``current.log``: a cited line then says which input it
    is of; with the logs of one input it does not."""
    result = sample_result()
    [account] = result.log_accounting
    result.log_accounting = [account, {**account, "input": "/cases/0424/mg-later.tar.gz"}]
    evidence = [line for line in section(render_markdown(result), "## broken: `payments/checkout`").splitlines()
                if line.startswith("- `")]
    assert evidence[0].startswith("- `inspect.local.7316620088154903321: inspect.local.7316620088154903321/"
                                  "namespaces/payments/core/pods.yaml:212`: ")
    alone = section(render_markdown(sample_result()), "## broken: `payments/checkout`")
    assert "- `inspect.local.7316620088154903321/namespaces/payments/core/pods.yaml:212`: " in alone


def test_degraded_route_and_no_section_for_unknown_or_healthy(note):
    degraded = section(note, "## degraded: `reporting/export-api`")
    assert "`backend-timeout` (E401" in degraded and "37 requests affected" in degraded
    assert "haproxy.router.openshift.io/timeout=90s --overwrite" in degraded
    assert [line for line in note.splitlines() if line.startswith("## ")] == [
        "## Platform", "## broken: `payments/checkout`", "## degraded: `reporting/export-api`",
        "## What to collect next"]


def test_gaps_come_last_with_their_commands(note):
    gaps = note.split("## What to collect next", 1)[1]
    assert "- **Access logs of router-default-7c9d8f6b54-p9wq7**:" in gaps
    assert "```sh\noc adm inspect ns/legacy --dest-dir=inspect-legacy\n```" in gaps


def test_the_fix_comes_before_the_commands_that_confirm_it(note):
    fix = note.index("Fix:\n\n```sh\noc -n payments set probe deployment/checkout")
    confirm = note.index("Confirm with:\n\n```sh\noc -n payments describe pod ")
    assert fix < confirm


def test_markup_from_the_archive_stays_text():
    result = sample_result()
    result.findings[0].title = "probe <img src=x onerror=alert(1)> fails *now* [here](http://evil)"
    result.findings[0].evidence[0] = Evidence("a|b.yaml", 3, "text with ` backtick and </script>")
    result.findings[0].remediation = ["echo ``` done"]
    note = render_markdown(result)
    assert "probe \\<img src=x onerror=alert(1)\\> fails \\*now\\* \\[here\\](http://evil)" in note
    assert "- `a|b.yaml:3`: ``text with ` backtick and </script>``" in note
    assert "````sh\necho ``` done\n````" in note


def test_note_stays_short_with_many_broken_routes():
    result = sample_result()
    template = result.routes[3]
    for i in range(40):
        route = type(template)(namespace=f"team-{i:02d}", name="web", host=None, services=["web"],
                               termination="edge", verdict=Verdict.BROKEN, findings=[f"X{i:02d}"])
        result.routes.append(route)
        f = readiness_finding()
        f.id, f.namespace, f.route = f"X{i:02d}", route.namespace, route.name
        result.findings.append(f)
    note = render_markdown(result)
    assert note.count("\n## broken: ") == MAX_DETAILED_ROUTES
    assert "32 more broken or degraded routes are described in the HTML and JSON reports." in note  # 42 - 10
    assert len([line for line in note.splitlines() if line.startswith("| **")]) == 30
    assert "13 more routes need attention: see the HTML or JSON report." in note  # 43 not healthy, 30 shown


def test_no_blank_line_runs(note):
    assert "\n\n\n" not in note


def test_helpers():
    assert code("a `b` c") == "``a `b` c``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", cell=True) == "`a\\|b`" and code("a|b") == "`a|b`"
    assert plain("be_http <NOSRV> *x*") == "be\\_http \\<NOSRV\\> \\*x\\*"
    assert fence(["a", "b"]) == "```sh\na\nb\n```"


def test_a_finding_without_time_or_requests_reads_cleanly():
    result = sample_result()
    result.findings[1] = Finding(code="E301", cause="service-port-mismatch", severity=Severity.WARNING,
                                 namespace="reporting", route="export-api", title="targetPort 8443 is closed",
                                 explanation="Nothing listens on 8443.", remediation=[], id="F002-E401",
                                 evidence=[Evidence("svc.yaml", None, "x")])
    note = render_markdown(result)
    line = next(line for line in note.splitlines() if line.startswith("**warning**"))
    assert line == "**warning** `service-port-mismatch` (E301, `mga rule E301`): targetPort 8443 is closed."
    assert re.search(r"- `svc\.yaml`: `x`", note)


def test_platform_section_says_what_the_archive_says(note):
    platform = section(note, "## Platform")
    assert "- **Cluster**: OpenShift `4.16.21`. Last update to `4.16.21` from `4.16.19` started" in platform
    assert "4 firing, 1 pending" in platform
    assert ("  - `KubeDeploymentReplicasMismatch` firing, warning, namespace payments, since "
            "`2026-11-20T08:56:12Z`") in platform
    assert ("Available=True, Degraded=False, 2/2 router pods ready, reloads unknown (no log of the router container "
            "in the inputs)") in platform
    assert "maxconn 50000, 4 threads" in platform
    assert "unschedulable: `ocp-prod-7xk2p-worker-b-9zq4d`" in platform
    assert "rebooted: `ocp-prod-7xk2p-worker-b-9zq4d` at `2026-11-20T08:35:02Z`" in platform


def test_platform_section_without_node_objects_says_not_collected():
    result = sample_result()
    result.cluster["nodes"] = {"total": None, "not_ready": [], "unschedulable": [], "recently_rebooted": [],
                               "updating": []}
    platform = section(render_markdown(result), "## Platform")
    assert "- **Nodes**: not collected (no node objects in the inputs)." in platform
    assert "**Nodes**: None" not in platform and "all ready and schedulable" not in platform


def test_the_skipped_list_is_counted_as_entries_and_what_was_cut_named(note):
    assert "3 entries in the skipped list (files not read, rules not run), listed in the HTML/JSON report." in note
    result = sample_result()
    result.skipped[0] = Skipped(result.skipped[0].source, "access log cut: too big", 4096)
    assert ("3 entries in the skipped list (files not read, rules not run; 1 of them cut or left unread at a limit "
            "or damage), listed in the HTML/JSON report.") in render_markdown(result)


def test_one_skipped_entry_is_one_entry():
    result = sample_result()
    result.skipped = result.skipped[:1]
    assert "\n1 entry in the skipped list (files not read, rules not run), listed in" in render_markdown(result)


def test_a_router_condition_the_archive_does_not_say_is_a_question_mark():
    """As the HTML says it (``Degraded=?``), never Python's ``None``."""
    result = sample_result()
    result.cluster["ingress_controllers"][0]["degraded"] = None
    platform = section(render_markdown(result), "## Platform")
    assert "Available=True, Degraded=?, 2/2 router pods ready" in platform and "None" not in platform


def test_router_pods_not_collected_are_said_so_not_a_question_mark():
    """The contract's ``replicas_ready`` is ``?/2`` when neither the router Deployment nor its pods were in the
    inputs: the case note says they were not collected, not "?/2 router pods ready"."""
    result = sample_result()
    result.cluster["ingress_controllers"][0]["replicas_ready"] = "?/2"
    platform = section(render_markdown(result), "## Platform")
    assert "Available=True, Degraded=False, router pods not collected (2 desired), reloads" in platform
    assert "?/2" not in platform


def test_the_case_note_groups_large_counts_by_thousands():
    result = sample_result()
    result.requests, result.log_lines_unparsed = 2699998, 1234
    note = render_markdown(result)
    assert ": 2,699,998 requests, 1,234 lines not understood. Inputs:" in note


def test_names_from_the_inputs_in_a_gap_are_code_not_prose():
    """A gap's sentence names namespaces and routes: the note sets them as code spans, as every other text from the
    archive, so a name holding markup stays text in any Markdown viewer."""
    from analyzer.model import Gap

    result = sample_result()
    odd = "shop/<img src=x onerror=alert(1)>"
    result.gaps = [Gap(f"No access-log line of route {odd} (IngressController default) in the logs read",
                       f"The route {odd} is *not* counted by openshift_default.", "oc logs ...",
                       names=("default", odd))]
    gaps = render_markdown(result).split("## What to collect next", 1)[1]
    assert (f"- **No access-log line of route `{odd}` (IngressController `default`) in the logs read**: "
            f"The route `{odd}` is \\*not\\* counted by openshift\\_default.") in gaps
