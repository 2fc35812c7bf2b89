"""The log pass runs with the objects alive before it frozen out of the cyclic collector, and only then."""

from __future__ import annotations

import gc

import pytest

from parsers import log_jobs
from parsers.collector_pause import objects_frozen
from parsers.load_snapshot import load_snapshot
from tests.conftest import INSPECT_SHOP

LINE = ('10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:shop:web/pod:web-1:web:http:'
        '10.128.0.9:8080 0/0/1/2/3 503 512 - - SC-- 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n')


@pytest.fixture(autouse=True)
def _unfrozen():
    assert gc.get_freeze_count() == 0, "an earlier test left objects frozen"
    yield
    gc.unfreeze()


def _in_oldest_generation(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=2))


def test_frozen_for_the_block_and_given_back_after():
    kept = [object()]  # a list: tracked by the collector
    with objects_frozen():
        assert gc.get_freeze_count() >= 1
        assert not _in_oldest_generation(kept)  # in the permanent generation: no pass walks it
    assert gc.get_freeze_count() == 0
    assert _in_oldest_generation(kept)  # back where the collector's full passes see it


def test_given_back_when_the_block_raises():
    with pytest.raises(RuntimeError), objects_frozen():
        raise RuntimeError("a damaged log")
    assert gc.get_freeze_count() == 0


def test_an_inner_block_freezes_what_came_since_and_leaves_the_giving_back_to_the_outer_one():
    with objects_frozen():
        later = [object()]  # allocated after the outer block froze the rest
        assert any(o is later for o in gc.get_objects())
        with objects_frozen():
            assert not any(o is later for o in gc.get_objects())  # frozen by the inner block
        assert gc.get_freeze_count() >= 1
        assert not any(o is later for o in gc.get_objects())  # still frozen: the outer block is open
    assert gc.get_freeze_count() == 0
    assert _in_oldest_generation(later)


def test_objects_the_program_froze_itself_stay_frozen():
    mine = [object()]
    gc.freeze()
    with objects_frozen():
        pass
    assert not any(o is mine for o in gc.get_objects())


def test_mga_logs_pass_consumes_every_chunk_frozen(tmp_path):
    log = tmp_path / "router.log"
    log.write_text(LINE * 3)
    seen: list[int] = []
    tallies, skipped = log_jobs.scan_access_logs([str(log)], lambda result: seen.append(gc.get_freeze_count()))
    assert seen and all(count > 0 for count in seen) and not skipped
    assert sum(t.lines_read for t in tallies) == 3
    assert gc.get_freeze_count() == 0


def test_analyze_pass_parses_frozen_and_gives_back(tmp_path, monkeypatch):
    log = tmp_path / "router.log"
    log.write_text(LINE * 3)
    collected: list[int] = []
    original = log_jobs.parse_log_jobs

    def watched(*args, **kwargs):
        from parsers import haproxy_log

        collect = haproxy_log.collect

        def collect_watched(job, results, **kwargs):
            collected.append(gc.get_freeze_count())
            return collect(job, results, **kwargs)

        monkeypatch.setattr(haproxy_log, "collect", collect_watched)
        return original(*args, **kwargs)

    monkeypatch.setattr("parsers.load_logs.parse_log_jobs", watched)
    snap = load_snapshot([str(INSPECT_SHOP)], [str(log)])
    assert collected and all(count > 0 for count in collected)
    assert gc.get_freeze_count() == 0
    assert snap.log_lines == 3


def test_the_commands_build_their_reports_frozen_and_give_the_objects_back(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mga import cmd_analyze, cmd_logs
    from mga.cli import app

    log = tmp_path / "router.log"
    log.write_text(LINE * 3)
    seen: dict[str, int] = {}

    def watching(name, render):
        def watched(*args, **kwargs):
            seen[name] = gc.get_freeze_count()
            return render(*args, **kwargs)
        return watched

    monkeypatch.setattr(cmd_logs, "to_json", watching("logs", cmd_logs.to_json))
    monkeypatch.setattr(cmd_analyze, "render", watching("analyze", cmd_analyze.render))
    runner = CliRunner()
    done = runner.invoke(app, ["logs", str(log), "--format", "json", "--output", str(tmp_path / "l.json")])
    assert done.exit_code == 0, done.output
    assert gc.get_freeze_count() == 0
    done = runner.invoke(app, ["analyze", str(INSPECT_SHOP), "--logs", str(log), "--format", "json",
                               "--output", str(tmp_path / "a.json"), "--quiet"])
    assert done.exit_code in (0, 1), done.output
    assert gc.get_freeze_count() == 0
    assert seen["logs"] > 0 and seen["analyze"] > 0


def test_the_command_line_ends_with_the_objects_frozen(tmp_path):
    """The interpreter's last collection then walks nothing: a process that ends needs none of its objects."""
    import subprocess
    import sys

    log = tmp_path / "router.log"
    log.write_text(LINE)
    code = ("import gc, sys\nfrom mga.cli import main\n"
            f"sys.argv = ['mga', 'logs', {str(log)!r}, '--format', 'json', '--output', {str(tmp_path / 'l.json')!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint(gc.get_freeze_count())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert int(out.stdout.split()[-1]) > 0
