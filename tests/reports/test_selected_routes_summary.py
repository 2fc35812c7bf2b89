"""With ``--route``, the summary's figures are the selected routes' own: its requests, requests per status and
window, not those of every line of the log (a Markdown header of 869 requests above two routes of 442)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot


def _summary(demo_dir: Path, **options: object) -> dict:
    snap = load_snapshot([str(demo_dir)], [], keep_all_requests=False)
    return analyze(snap, tool_version="test", **options).to_dict()


def test_selected_routes_figures_are_theirs_and_add_up(demo_dir):
    whole = _summary(demo_dir)
    shop = _summary(demo_dir, namespaces=["shop"])
    every_shop_route = [("shop", r["name"]) for r in shop["routes"]]
    by_route = {key: _summary(demo_dir, routes=[key]) for key in every_shop_route}
    for key, one in by_route.items():
        route = next(r for r in whole["routes"] if (r["namespace"], r["name"]) == key)
        assert one["summary"]["requests"] == route["requests"]
        assert one["summary"]["status_counts"].get("503", 0) == route["errors"]["503"]
    two = _summary(demo_dir, routes=every_shop_route[:2])
    assert two["summary"]["requests"] == sum(by_route[k]["summary"]["requests"] for k in every_shop_route[:2])
    assert Counter(two["summary"]["status_counts"]) == sum(
        (Counter(by_route[k]["summary"]["status_counts"]) for k in every_shop_route[:2]), Counter())
    assert two["summary"]["requests"] < shop["summary"]["requests"]
    # every route of the namespace selected: the namespace's figures (the demo logs no line of shop outside them)
    every = _summary(demo_dir, routes=every_shop_route)
    assert every["summary"]["requests"] == shop["summary"]["requests"]
    assert every["summary"]["status_counts"] == shop["summary"]["status_counts"]
    assert every["window"] == shop["window"]
    starts = [by_route[k]["window"]["start"] for k in every_shop_route]
    assert every["window"]["start"] == min(starts)
