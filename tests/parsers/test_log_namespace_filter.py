"""``--namespace`` drops other namespaces' access-log lines before parsing, without changing the answer."""

from __future__ import annotations

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot
from tests.conftest import FIXTURES

SCENARIO = FIXTURES / "scenarios" / "healthy-two-namespaces"


def inputs() -> list[str]:
    return sorted(str(p) for p in SCENARIO.iterdir() if p.is_dir())


def test_lines_of_other_namespaces_are_counted_not_parsed():
    whole = load_snapshot(inputs())
    narrowed = load_snapshot(inputs(), namespaces=["newsroom"])
    kept = narrowed.frames["requests"]
    assert set(kept["namespace"].dropna()) == {"newsroom"}
    shop = whole.frames["requests"]["namespace"] == "shop"
    [account] = narrowed.log_accounting
    assert account["other_namespaces"] == int(shop.sum())
    assert account["lines_read"] == whole.log_accounting[0]["lines_read"]
    # lines naming no route backend (TLS passthrough hops of be_sni, router messages) are all still read
    assert len(kept) == len(whole.frames["requests"]) - int(shop.sum())


def test_the_namespace_analysis_is_the_same_with_or_without_the_filter():
    def report(snap):
        out = analyze(snap, namespaces=["newsroom"], tool_version="test").to_dict()
        return out["routes"], out["findings"], out["summary"]["status_counts"]

    assert report(load_snapshot(inputs(), namespaces=["newsroom"])) == report(load_snapshot(inputs()))
