"""Redacting real CI must-gathers (../shared/realworld): no address, node, host or id of the input survives.

The inputs are read once more here, independently of the parsers, to collect what must not leak:
every IPv4 address in any file, every ``nodeName``, the cluster's apps domain and every name under
its base domain, and the cluster id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from reports.html import render_html
from reports.json_report import render_json
from reports.markdown import render_markdown
from reports.redact import redact_result
from tests.conftest import realworld

pytestmark = pytest.mark.realworld

IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
RENDERERS = (render_json, render_html, render_markdown)
FILES = ("openshift__must-gather-clean", "test", "files")


def input_secrets(root: Path) -> tuple[set[str], set[str]]:
    ips: set[str] = set()
    nodes: set[str] = set()
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            ips |= set(IPV4.findall(text))
            nodes |= set(re.findall(r"nodeName: ([a-z0-9.-]+)", text))
    return ips, nodes


def present(value: str, text: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\d)", text) is not None


@pytest.mark.parametrize("cluster", ["aws", "azure", "metal", "vsphere"])
def test_real_cluster_redaction_leaks_nothing(cluster):
    root = realworld(*FILES, f"must-gather-{cluster}.tar.xz__extracted")
    ips, nodes = input_secrets(root)
    result = analyze(load_snapshot([str(root)], []), tool_version="test")
    apps = result.cluster["apps_domain"]
    base = apps.removeprefix("apps.")
    plain = render_json(result)
    # the check means something: the unredacted report does carry addresses, nodes and hosts
    assert sum(present(ip, plain) for ip in ips) >= 5 and any(n in plain for n in nodes) and apps in plain
    redacted, mapping = redact_result(result)
    for render in RENDERERS:
        text = render(redacted)
        assert [ip for ip in ips if present(ip, text)] == [], render.__name__
        assert [n for n in nodes if n in text] == [], render.__name__
        assert base not in text and result.cluster["cluster_id"] not in text, render.__name__
    assert mapping[apps].endswith(".example")
