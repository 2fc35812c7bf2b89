"""Names from the inputs are quoted in a finding's commands only where a shell would not read them as one plain
word: a crafted namespace cannot run a command when a fix is pasted, and normal names read as written."""

from __future__ import annotations

import shlex

from analyzer.model import Evidence, Severity
from analyzer.rule import rule
from analyzer.shell_words import quote_names

RULE = rule(code="X999", name="test-only", cause="route-service-missing", severity=Severity.INFO)


def test_plain_names_are_left_as_written():
    command = "oc -n shop patch route/web --type=json -p '[{\"value\":\"web\"}]'"
    assert quote_names(command, ["shop", "web", None]) == command


def test_a_name_a_shell_would_run_is_quoted_where_it_stands():
    command = "oc -n x;id patch route/w $(id) -p '[{\"value\":\"w $(id)\"}]'  # w $(id)"
    assert quote_names(command, ["x;id", "w $(id)"]) == (
        "oc -n 'x;id' patch route/'w $(id)' -p '[{\"value\":\"w $(id)\"}]'  # w $(id)")


def test_a_quote_in_a_name_neither_ends_the_quotes_it_stands_in_nor_opens_any():
    command = "oc -n a'b patch svc s -p '{\"ns\":\"a'b\"}'"
    quoted = quote_names(command, ["a'b"])
    assert shlex.split(quoted) == ["oc", "-n", "a'b", "patch", "svc", "s", "-p", "{\"ns\":\"a'b\"}"]


def test_every_finding_quotes_its_namespace_route_and_service():
    f = RULE.finding(namespace="pay;rm -rf ~", route="web", service="svc`id`", title="t", explanation="e",
                     evidence=[Evidence("routes.yaml", 1, "name: web")],
                     remediation=["oc -n pay;rm -rf ~ expose deployment/x --name=svc`id`", "# in pay;rm -rf ~"],
                     diagnostics=["oc -n pay;rm -rf ~ get route web"])
    assert f.remediation == ["oc -n 'pay;rm -rf ~' expose deployment/x --name='svc`id`'", "# in pay;rm -rf ~"]
    assert f.diagnostics == ["oc -n 'pay;rm -rf ~' get route web"]
    assert shlex.split(f.remediation[0])[2] == "pay;rm -rf ~"


def test_a_name_joined_to_other_text_is_quoted_where_it_stands():
    command = "oc -n s annotate service w$(id) x/serving-cert-secret-name=w$(id)-tls; curl http://w$(id).s.svc"
    quoted = quote_names(command, ["w$(id)"])
    assert quoted == ("oc -n s annotate service 'w$(id)' x/serving-cert-secret-name='w$(id)'-tls; "
                      "curl http://'w$(id)'.s.svc")
    assert shlex.split(quoted.split(";")[0])[-1] == "x/serving-cert-secret-name=w$(id)-tls"
    assert quote_names("oc get pod aw$(id)b", ["w$(id)"]) == "oc get pod aw$(id)b"  # another word that holds it


def test_a_finding_quotes_the_other_names_its_rule_hands_it():
    f = RULE.finding(namespace="shop", route="web", title="t", explanation="e",
                     evidence=[Evidence("pods.yaml", 1, "name: web-1")],
                     remediation=["oc -n shop scale deployment/web$(id) --replicas=2"],
                     diagnostics=["oc -n shop logs web-1`id`", "oc describe node n;id"],
                     names=["web$(id)", "web-1`id`", "n;id", None])
    assert f.remediation == ["oc -n shop scale deployment/'web$(id)' --replicas=2"]
    assert f.diagnostics == ["oc -n shop logs 'web-1`id`'", "oc describe node 'n;id'"]


def test_a_line_break_in_a_name_cannot_end_a_comment_and_run_the_next_line():
    name = "pay\nrm -rf ~"
    for command in (f"oc -n shop get route web  # in {name}", f"# in {name}"):
        quoted = quote_names(command, [name])
        assert "\n" not in quoted
        assert quoted.endswith("# in pay\\nrm -rf ~")
    assert shlex.split(quote_names(f"oc -n {name} get route web", [name]))[2] == name  # quoted, kept whole
