"""The bench's routes dump: the routes the generated log names, whole or cut to its first namespaces."""

from __future__ import annotations

from pathlib import Path

from bench.gen_logs import generate, write_routes_dump
from parsers.load_snapshot import load_snapshot


def test_a_cut_dump_holds_the_first_namespaces_routes_and_the_log_names_them(tmp_path: Path):
    dump, log = tmp_path / "routes.json", tmp_path / "access.log"
    write_routes_dump(dump, 3)
    generate(20_000, log, seed=1, http_only=True)
    snap = load_snapshot([str(dump)], [str(log)], keep_all_requests=False)
    routes = snap.frame("routes")
    assert sorted(set(routes["namespace"])) == ["ns-000-team", "ns-001-team", "ns-002-team"]
    assert routes[["namespace", "name"]].drop_duplicates().shape[0] == 30
    kept = snap.frame("requests")
    named = kept.dropna(subset=["route"])
    mine = named[named["namespace"].isin(set(routes["namespace"]))]
    others = named[~named["namespace"].isin(set(routes["namespace"]))]
    assert ((others["status"] >= 500) & (others["status"] < 600)).all()  # of other routes, only 5xx are kept
    assert set(zip(mine["namespace"], mine["route"], strict=True)) <= set(
        zip(routes["namespace"], routes["name"], strict=True))
    counted = sum(snap.normal_lines.count(ns, r) for ns, r in snap.normal_lines.routes())
    assert len(mine) + counted > 100  # the log really serves the dumped routes (rows, or normal lines counted)
    assert {ns for ns, _ in snap.normal_lines.routes()} <= set(routes["namespace"])


def test_the_whole_dump_holds_every_route_of_the_log(tmp_path: Path):
    dump = tmp_path / "routes.json"
    write_routes_dump(dump)
    routes = load_snapshot([str(dump)]).frame("routes")
    assert routes[["namespace", "name"]].drop_duplicates().shape[0] == 5000
