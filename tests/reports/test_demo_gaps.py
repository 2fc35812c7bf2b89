"""The demo case: the canary namespace comes without its pods and NetworkPolicies, so four rules do not run there
and three of its route's checks stay unknown. "What to collect next" says how to collect them, never "Nothing"."""

from __future__ import annotations

import pytest

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from reports.html import render_html
from reports.markdown import render_markdown
from tests.reports.test_html import Page, squash

CANARY = "openshift-ingress-canary"


@pytest.fixture(scope="module")
def demo(demo_dir):
    return analyze(load_snapshot([str(demo_dir)]), tool_version="test")


def test_rules_skipped_and_checks_unknown_for_want_of_an_input_have_a_gap(demo):
    skipped = {s.source: s.reason for s in demo.skipped if s.source.startswith("rule ")}
    assert skipped == {f"rule {code}": f"no {what} in the inputs for namespace {CANARY}" for code, what in
                       (("E201", "pods"), ("E202", "pods"), ("K601", "pods"), ("N401", "NetworkPolicies"))}
    [canary] = [r for r in demo.routes if r.namespace == CANARY]
    unknown = sorted(c.check for c in canary.checklist if str(c.status) == "unknown")
    assert unknown == ["health-endpoint-ok", "network-policy-allows-router", "service-port-matches"]
    [gap] = demo.gaps
    assert gap.what == f"Pods and NetworkPolicies of namespace {CANARY} were not collected"
    assert gap.why_it_matters == (
        "Rules E201, E202, K601 and N401 did not run there (see the skipped list), and the checks of its routes "
        "that read them stay unknown: health-endpoint-ok, network-policy-allows-router and service-port-matches.")
    assert gap.how_to_collect == (f"oc adm inspect ns/{CANARY} --dest-dir=inspect-{CANARY}  # oc 4.11 or later "
                                  "collects NetworkPolicies too; then pass it as another INPUT")


def test_the_html_and_the_note_say_what_to_collect_not_nothing(demo):
    page = Page(render_html(demo))
    gaps = squash(page.find("section", id="gaps")[0].text)
    assert "Nothing" not in gaps
    assert f"Pods and NetworkPolicies of namespace {CANARY} were not collected" in gaps
    assert f"oc adm inspect ns/{CANARY} --dest-dir=inspect-{CANARY}" in gaps
    note = render_markdown(demo)
    assert (f"## What to collect next\n\n- **Pods and NetworkPolicies of namespace `{CANARY}` were not collected**: "
            "Rules E201, E202, K601 and N401 did not run there") in note


def test_without_gaps_the_page_does_not_claim_every_check_was_covered():
    """No gap: no check is unknown for want of an input; a check can still be unknown for another reason."""
    empty = analyze(load_snapshot([]), tool_version="test")
    empty.gaps = []
    gaps = squash(Page(render_html(empty)).find("section", id="gaps")[0].text)
    assert gaps == "What to collect next Nothing: no check is left unknown for want of an input."
