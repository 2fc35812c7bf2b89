"""Redaction: stable tokens, nothing original in any output, correlations and contract values intact."""

from __future__ import annotations

import json
import re

import pytest

from analyzer.model import Gap, Severity, TimelineEvent, Verdict
from reports.html import render_html
from reports.json_report import load_schema, render_json
from reports.markdown import render_markdown
from reports.redact import Redactor, cluster_domains, redact_result
from tests.reports.sample_result import (
    CHECKOUT_POD_IPS,
    CLIENT_IPS,
    CLUSTER_ID,
    NODE_AWS,
    NODE_NAMED,
    at,
    sample_result,
    secrets_of,
)

RENDERERS = {"json": render_json, "html": render_html, "md": render_markdown}


@pytest.fixture(scope="module")
def redacted():
    return redact_result(sample_result())


@pytest.fixture(scope="module")
def outputs(redacted) -> dict[str, str]:
    result, _ = redacted
    return {name: render(result) for name, render in RENDERERS.items()}


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_no_address_host_or_node_of_the_input_survives(outputs, fmt):
    text = outputs[fmt].lower()
    leaked = sorted(s for s in secrets_of(sample_result()) if s.lower() in text)
    assert leaked == [], f"{fmt} leaks {leaked}"


def test_the_unredacted_outputs_do_carry_them():
    """The leak test above means something: without --redact each secret is in the JSON."""
    text = render_json(sample_result()).lower()
    assert sorted(s for s in secrets_of(sample_result()) if s.lower() not in text) == []


def test_same_value_same_token_everywhere(redacted):
    result, mapping = redacted
    ip = mapping[CHECKOUT_POD_IPS[0]]
    assert re.fullmatch(r"ip-\d{4}", ip)
    endpoint_evidence = result.findings[0].evidence[2].text
    unparsed = result.unparsed_samples[0]["text"]
    assert f"ip: {ip} " in endpoint_evidence  # the endpoint's address ...
    assert f":http:{ip}:8080 " in unparsed  # ... is the server of that log line
    client = mapping[CLIENT_IPS[0]]
    assert result.findings[0].evidence[3].text.startswith(f"{client}:51234 ")
    assert result.unparsed_samples[0]["text"].startswith(f"{client}:50911 ")


def test_token_shapes_and_kinds(redacted):
    result, mapping = redacted
    routes = {r.name: r for r in result.routes}
    assert re.fullmatch(r"host-\d{4}\.example", routes["checkout"].host)
    assert routes["www"].host == mapping["shop.acme-retail.com"]  # custom domain: a route host too
    assert mapping[NODE_AWS] == mapping["ip-10-0-141-27"]  # short and full node name: one node
    assert re.fullmatch(r"node-\d{4}", mapping[NODE_NAMED])
    assert mapping[CLUSTER_ID] == "cluster-0001" and result.cluster["cluster_id"] == "cluster-0001"
    assert result.cluster["apps_domain"] == mapping["apps.ocp-prod.acme-corp.com"]
    tokens = [token for original, token in mapping.items() if original != NODE_AWS]  # the one alias
    assert len(tokens) == len(set(tokens))  # otherwise, different values never share a token
    assert mapping[CLIENT_IPS[2]] != mapping[CLIENT_IPS[0]]


def test_ipv6_with_haproxy_port_keeps_the_port(redacted):
    result, mapping = redacted
    text = result.findings[1].evidence[1].text
    assert text.startswith(f"{mapping['2001:db8:4006:812::200e']}:40188 [20/Nov/2026:08:53:44.902]")


def test_namespaces_stay_unless_asked(redacted):
    result, _ = redacted
    assert [r.namespace for r in result.routes][:2] == ["payments", "storefront"]
    assert "be_edge_http:payments:checkout" in result.findings[0].evidence[3].text


def test_namespaces_when_asked_everywhere_but_the_platform_ones():
    result, mapping = redact_result(sample_result(), namespaces=True)
    ns = mapping["payments"]
    assert re.fullmatch(r"ns-\d{4}", ns)
    checkout = next(r for r in result.routes if r.name == "checkout")
    assert checkout.namespace == ns
    assert result.findings[0].namespace == ns
    assert f"be_edge_http:{ns}:checkout/<NOSRV>" in result.findings[0].evidence[3].text  # backend names too
    assert f"/namespaces/{ns}/core/pods.yaml" in result.findings[0].evidence[0].source
    assert result.findings[0].remediation[0].startswith(f"oc -n {ns} set probe ")
    assert result.findings[0].diagnostics[0].startswith(f"oc -n {ns} describe pod ")  # every field, new ones too
    assert "openshift-console" in [r.namespace for r in result.routes]  # platform namespaces are kept
    assert "/namespaces/openshift-ingress/pods/" in result.findings[1].evidence[0].source
    text = render_json(result)
    for name in ("payments", "reporting", "storefront", "legacy"):
        assert not re.search(rf"(?<![\w-]){name}(?![\w-])", text), name


def test_contract_values_and_types_survive(redacted):
    result, _ = redacted
    data = json.loads(render_json(result))
    import jsonschema

    jsonschema.validate(data, load_schema())
    assert result.findings[0].severity is Severity.CRITICAL and result.findings[0].severity.rank == 3
    assert result.routes[3].verdict is Verdict.BROKEN
    assert [f["cause"] for f in data["findings"]] == ["readiness-probe-failing", "backend-timeout"]
    assert data["summary"]["status_counts"]["503"] == 412
    assert data["routes"][0]["timeline"][11] == {  # 08:41, first minute with 503 (see the sample)
        "minute": "2026-11-20T08:41:00Z", "total": 42, "2xx": 30, "3xx": 0, "4xx": 2, "502": 0, "503": 10,
        "504": 0, "5xx_other": 0, "other": 0}


def test_the_original_result_is_not_changed():
    original = sample_result()
    before = render_json(original)
    redact_result(original, namespaces=True)
    assert render_json(original) == before


def test_the_mapping_is_not_in_any_output(redacted, outputs):
    _, mapping = redacted
    for fmt, text in outputs.items():
        assert "ip-10-0-141-27" not in text and json.dumps(mapping) not in text, fmt


@pytest.mark.parametrize(("text", "expected"), [
    ("x-ipv4-0000000001-x:8080 and x-fqdn-0000000002-x", "x-ipv4-0000000001-x:8080 and x-fqdn-0000000002-x"),
    ("at 08:41:03.104 and 0a:58:0a:80:02:0f", "at 08:41:03.104 and mac-0001"),  # OVN: 0a:58 + the pod IP
    ('"mac_address":"0A-58-0A-80-02-0F","x":"0a:58:0a:80:02:0f"', '"mac_address":"mac-0001","x":"mac-0001"'),
    ("fe80::858:aff:fe80:20f and 0a:58:0a:80:02", "ip-0001 and 0a:58:0a:80:02"),  # 5 groups: not a MAC
    ("OCP 4.16.21, OID 1.3.6.1.4.1", "OCP 4.16.21, OID 1.3.6.1.4.1"),
    ("pod dns 10-128-2-15.payments.pod.cluster.local", "pod dns ip-0001.payments.pod.cluster.local"),
    ("10.128.2.15/23 via [fd01::5]:8080", "ip-0001/23 via [ip-0002]:8080"),
    ("http://10.128.2.15.nip.io/x", "http://ip-0001.nip.io/x"),
    ("https://docs.openshift.com/container-platform", "https://docs.openshift.com/container-platform"),
    ("client ::ffff:203.0.113.77:40188 in", "client ip-0001:40188 in"),  # IPv4-mapped IPv6: one token
    ("range 10.9.8.1-10.9.8.9 and _10.9.7.1", "range ip-0001-ip-0002 and _ip-0003"),
    ("by Bob.Smith+ops@example.com and bob.smith+ops@example.com", "by user-0001@example.invalid and "
     "user-0001@example.invalid"),
    ("GET /cb?token=abc&user=x&api_key=k1&password=p&sig=zz#f", "GET /cb?token=secret-0001&user=x&api_key=secret-0002"
     "&password=secret-0003&sig=secret-0004#f"),
    ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "Bearer secret-0001"),
    ("quay.io/openshift/router@sha256:0123abcd", "quay.io/openshift/router@sha256:0123abcd"),
])
def test_scrubbing_edge_cases(text, expected):
    assert Redactor().scrub(text) == expected


def test_node_names_from_scheduler_events_and_their_infrastructure_id():
    infra = "ci-ln-x1y2z3-8c773-jn5dn"
    pod = "checkout-7d9c6b8f4-2xkqp"
    result = sample_result()
    checkout = next(r for r in result.routes if r.name == "checkout")
    scheduled = f"Scheduled: Successfully assigned payments/{pod} to {infra}-worker-c547l"
    checkout.events.append(TimelineEvent(at(8, 29), "event", pod, scheduled))
    result.gaps.append(Gap(f"Machines of {infra}-worker-eastus21", "the node pool of the pods",
                           f"oc get machines -A -l machine.openshift.io/cluster-api-cluster={infra}"))
    redacted, mapping = redact_result(result)
    event = next(r for r in redacted.routes if r.name == "checkout").events[-1]
    node = mapping[f"{infra}-worker-c547l"]
    assert event.text == f"Scheduled: Successfully assigned payments/{pod} to {node}"
    machines = mapping[f"{infra}-worker-eastus21"]
    assert redacted.gaps[-1].what == f"Machines of {machines}" and machines.startswith("node-")
    assert redacted.gaps[-1].how_to_collect.endswith(f"cluster-api-cluster={mapping[infra]}")
    assert mapping[infra].startswith("cluster-") and "ci-ln" not in render_json(redacted)


def test_hosts_under_the_cluster_domains_without_cluster_information():
    domains = cluster_domains({}, ["a-x.apps.c1.example.org", "b-y.apps.c1.example.org"])
    assert domains == ["apps.c1.example.org", "c1.example.org"]
    redactor = Redactor(domains=domains)
    assert redactor.scrub("oauth-openshift.apps.c1.example.org, api.c1.example.org, example.org") == \
        "host-0001.example, host-0002.example, example.org"


def test_base_domain_comes_from_the_apps_domain():
    domains = cluster_domains({"apps_domain": "apps.ocp-prod.acme-corp.com"}, [])
    assert domains == ["apps.ocp-prod.acme-corp.com", "ocp-prod.acme-corp.com"]
    assert Redactor(domains=domains).scrub("api.ocp-prod.acme-corp.com:6443") == "host-0001.example:6443"
