"""``--engine dask`` and ``mga batch``: the same chunk parser on a LocalCluster gives the same answers.

Every comparison is against the local engine on the same input: statistics JSON, the ``requests``
frame, the analysis JSON. A LocalCluster of two worker processes is started once for the module,
so the tasks really travel (pickled) to other processes.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import shutil
import tarfile
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analyzer.run import analyze
from bench.gen_logs import generate
from mga.cli import app
from mga.cmd_logs import statistics
from parsers import log_lines
from parsers.load_snapshot import load_snapshot
from parsers.log_groups import minute_groups
from parsers.log_jobs import load_access_logs
from tests.conftest import FIXTURES, add_tar_bytes, make_tar

distributed = pytest.importorskip("distributed", reason="the dask extra (mga[dask]) is not installed")

from mga.dask_engine import DaskChunks, byte_ranges  # noqa: E402

SCENARIOS = FIXTURES / "scenarios"
LAB_LOG = FIXTURES / "haproxy-lab" / "access.log"
WITH_LOGS = ["lab-timeout-reports", "lab-refused-orders", "K601-fires-oom-under-load", "B501-fires-slow-report",
             "E203-fires-transient-outage"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def mixed_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "mixed.log"
    generate(20_000, path, seed=5)
    return path


def without_time(report: dict) -> dict:
    report = dict(report)
    report.pop("generated_at")
    return report


def analysis(inputs: list[str], runner=None) -> dict:
    snap = load_snapshot(inputs, log_runner=runner)
    return without_time(analyze(snap, tool_version="test").to_dict())


def test_byte_ranges_start_on_lines_and_cover_the_file(tmp_path):
    path = tmp_path / "x.log"
    lines = [b"a" * n for n in (5, 300, 0, 2000, 7, 1, 4096, 3)]
    path.write_bytes(b"\n".join(lines))  # no final newline
    data = path.read_bytes()
    for chunk in (1, 10, 100, 1000, 5000, 100_000):
        ranges = byte_ranges(str(path), len(data), chunk)
        assert b"".join(data[o : o + n] for o, n in ranges) == data
        assert all(o == 0 or data[o - 1 : o] == b"\n" for o, _ in ranges)


@pytest.mark.parametrize("chunk_bytes", [64 << 10, 1 << 20])
def test_logs_statistics_equal_the_local_engine(client, mixed_log, tmp_path, chunk_bytes, monkeypatch):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", chunk_bytes)
    gz = tmp_path / "mixed.log.gz"
    # no offsets: chunks are shipped from here; its lines in reverse order, so it is not the plain log's
    # compressed twin (read once, parsers.log_duplicates) but another log of the same requests
    lines = mixed_log.read_bytes().splitlines()
    gz.write_bytes(gzip.compress(b"\n".join(reversed(lines)) + b"\n"))
    paths = [str(mixed_log), str(gz), str(LAB_LOG)]
    local = statistics(paths)
    remote = statistics(paths, runner=DaskChunks(client, chunk_bytes))
    assert local["requests"] > 30_000
    assert remote == local


def _truncated(mixed_log: Path, path: Path) -> None:
    data = gzip.compress(mixed_log.read_bytes())
    path.write_bytes(data[: len(data) * 6 // 10])


def _trailing_garbage(mixed_log: Path, path: Path) -> None:
    path.write_bytes(gzip.compress(mixed_log.read_bytes()) + b"trailing bytes after the gzip stream")


@pytest.mark.parametrize("damage", [_truncated, _trailing_garbage], ids=["truncated", "trailing-bytes"])
def test_a_damaged_gzip_keeps_what_was_read_and_where_it_stopped_like_the_local_engine(
        client, mixed_log, tmp_path, damage):
    gz = tmp_path / "mixed.log.gz"
    damage(mixed_log, gz)
    runner = DaskChunks(client, 64 << 10)  # several chunks in flight when the stream is cut
    local = statistics([str(gz)])
    remote = statistics([str(gz)], runner=runner)
    assert local["requests"] > 5_000
    assert remote == local
    [entry] = remote["skipped"]
    assert "damaged stream" in entry["reason"] and "reading stopped at byte" in entry["reason"]
    frames, skipped = load_access_logs([str(gz)], runner=runner)
    assert len(frames.requests) == local["requests"] and [r for _, r in skipped] == [entry["reason"]]


ROUTER_LOG = "mg/namespaces/openshift-ingress/pods/router-1/logs/logs/logs/current.log"


def _tar_cut_inside_the_log(mixed_log: Path, path: Path, mode: str) -> int:
    """The log as the one access log of a tar (``mode``), cut six tenths into it; the log's bytes it holds."""
    data = mixed_log.read_bytes()
    whole = path.with_name(f"whole-{path.name}")
    with tarfile.open(whole, mode) as tf:
        add_tar_bytes(tf, ROUTER_LOG, data)
    with tarfile.open(whole) as tf:
        start = tf.getmember(ROUTER_LOG).offset_data
    packed = whole.read_bytes()
    if mode == "w":
        path.write_bytes(packed[: start + len(data) * 6 // 10])
        return len(data) * 6 // 10
    path.write_bytes(packed[: len(packed) * 6 // 10])
    return len(zlib.decompressobj(31).decompress(path.read_bytes())) - start


def _zip_failing_its_crc(mixed_log: Path, path: Path) -> int:
    """The log as the one access log of a zip whose central directory records a wrong CRC-32 for it."""
    data = mixed_log.read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(ROUTER_LOG, data)
    packed = bytearray(path.read_bytes())
    packed[packed.find(b"PK\x01\x02") + 16] ^= 0xFF
    path.write_bytes(bytes(packed))
    return len(data)


@pytest.mark.parametrize("name", ["case.tar", "case.tar.gz", "case.zip"])
def test_an_archive_damaged_inside_its_log_keeps_what_was_read_and_where_it_stopped_like_the_local_engine(
        client, mixed_log, tmp_path, name):
    """A log member of an archive is streamed here and its chunks shipped: a tar cut inside it, or a zip member
    failing its CRC-32, keeps every chunk read before the damage, and the cut says the member's byte where
    reading stopped, as the local engine's does."""
    path = tmp_path / name
    held = (_zip_failing_its_crc(mixed_log, path) if name.endswith(".zip")
            else _tar_cut_inside_the_log(mixed_log, path, "w:gz" if name.endswith(".gz") else "w"))
    local = statistics([str(path)])
    remote = statistics([str(path)], runner=DaskChunks(client, 64 << 10))
    assert local["requests"] > 5_000
    assert remote == local
    [entry] = [s for s in remote["skipped"] if s["source"] == ROUTER_LOG]
    assert entry["reason"].endswith(f"(reading stopped at byte {held})")


def test_max_log_bytes_cuts_a_plain_log_on_the_workers_like_the_local_engine(client, mixed_log):
    cap = mixed_log.stat().st_size // 3
    local = statistics([str(mixed_log)], max_log_bytes=cap)
    remote = statistics([str(mixed_log)], runner=DaskChunks(client, 64 << 10), max_log_bytes=cap)
    assert remote == local
    assert 0 < local["lines_read"] < statistics([str(mixed_log)])["lines_read"]
    [entry] = remote["skipped"]
    assert f"({cap} bytes) was reached" in entry["reason"]
    offset = int(entry["reason"].rsplit("reading stopped at byte ", 1)[1].rstrip(")"))
    assert cap - 2000 < offset <= cap and mixed_log.read_bytes()[offset - 1:offset] == b"\n"  # after a whole line


def test_a_log_read_to_the_byte_where_another_inputs_log_starts_like_the_local_engine(client, mixed_log, tmp_path):
    """Two collections whose windows overlap (``parsers.log_overlaps``): the older plain log is read up to
    the newer one's first line on the workers too, and the common lines count once."""
    lines = mixed_log.read_bytes().splitlines(keepends=True)
    old, new = tmp_path / "old.log", tmp_path / "new.log"
    old.write_bytes(b"".join(lines[:12_000]))
    new.write_bytes(b"".join(lines[8_000:]))
    paths = [str(old), str(new)]
    local = statistics(paths)
    remote = statistics(paths, runner=DaskChunks(client, 64 << 10))
    assert remote == local and local["lines_read"] == statistics([str(mixed_log)])["lines_read"]
    [entry] = remote["skipped"]
    assert f"from byte {len(b''.join(lines[:8_000]))}, are the first bytes of new.log" in entry["reason"]


def test_requests_frames_equal_the_local_engine(client, mixed_log):
    local, _ = load_access_logs([str(mixed_log)])
    remote, _ = load_access_logs([str(mixed_log)], runner=DaskChunks(client, 256 << 10))
    pd.testing.assert_frame_equal(remote.requests, local.requests)
    pd.testing.assert_frame_equal(remote.router_events, local.router_events)
    # the minute groups folded on the workers, joined here: those of the local engine, of the frame
    assert remote.groups is not None and len(remote.groups) > 10
    pd.testing.assert_frame_equal(remote.groups, local.groups)
    pd.testing.assert_frame_equal(remote.groups, minute_groups(remote.requests))
    assert (remote.lines_read, remote.unparsed, remote.unparsed_samples, remote.accounting) == (
        local.lines_read, local.unparsed, local.unparsed_samples, local.accounting)


@pytest.mark.parametrize("name", WITH_LOGS)
def test_analysis_of_scenarios_equals_the_local_engine(client, name):
    inputs = sorted(str(p) for p in (SCENARIOS / name).iterdir() if p.is_dir())
    local = analysis(inputs)
    assert sum(a["requests"] for a in local["log_accounting"]) > 0
    assert analysis(inputs, DaskChunks(client, 4 << 10)) == local


def test_analysis_of_an_archive_equals_the_local_engine(client, tmp_path):
    root = SCENARIOS / "lab-timeout-reports"
    archives = [str(make_tar(p, tmp_path / f"{p.name}.tar.gz")) for p in sorted(root.iterdir()) if p.is_dir()]
    local = analysis(archives)
    assert analysis(archives, DaskChunks(client, 4 << 10)) == local


def test_cli_logs_and_analyze_with_the_dask_engine(tmp_path, mixed_log):
    runner = CliRunner()
    out_local, out_dask = tmp_path / "l.json", tmp_path / "d.json"
    for out, extra in ((out_local, []), (out_dask, ["--engine", "dask", "--workers", "1"])):
        result = runner.invoke(app, ["logs", str(mixed_log), "-f", "json", "--output", str(out), *extra])
        assert result.exit_code == 0, result.output
    assert json.loads(out_dask.read_text()) == json.loads(out_local.read_text())
    inputs = [str(p) for p in sorted((SCENARIOS / "lab-refused-orders").iterdir()) if p.is_dir()]
    for out, extra in ((out_local, []), (out_dask, ["--engine", "dask", "--workers", "1"])):
        result = runner.invoke(app, ["analyze", *inputs, "-f", "json", "--output", str(out), *extra])
        assert result.exit_code == 0, result.output
    assert without_time(json.loads(out_dask.read_text())) == without_time(json.loads(out_local.read_text()))


def test_unreachable_scheduler_is_one_line_and_exit_2(mixed_log, monkeypatch):
    import mga.dask_engine

    monkeypatch.setattr(mga.dask_engine, "CONNECT_TIMEOUT", "2s")
    result = CliRunner().invoke(app, ["logs", str(mixed_log), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("engine", ["dask", "local"])
def test_batch_writes_the_reports_analyze_writes_and_an_index(tmp_path, engine):
    a = tmp_path / "case-a"
    shutil.copytree(SCENARIOS / "lab-timeout-reports", a)
    b = make_tar(SCENARIOS / "R101-fires-host-claimed", tmp_path / "case-b.tar.gz", arc_prefix="")
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08not really gzip")
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["batch", str(a), str(b), str(bad), "-d", str(out), "-f", "json", "-f", "md",
                                      "--engine", engine, *(["--workers", "2"] if engine == "dask" else [])])
    assert result.exit_code == 2, result.output  # one input could not be read
    index = json.loads((out / "index.json").read_text())
    rows = {Path(r["input"]).name: r for r in index["inputs"]}
    assert list(rows) == ["case-a", "case-b.tar.gz", "broken.tar.gz"]
    assert "cannot read archive" in rows["broken.tar.gz"]["error"]
    assert rows["case-a"]["causes"] == {"backend-timeout": 1}
    assert rows["case-b.tar.gz"]["critical"] >= 1 and "route-not-admitted" in rows["case-b.tar.gz"]["causes"]
    for name, stem in (("case-a", "case-a"), ("case-b.tar.gz", "case-b")):
        assert rows[name]["reports"] == {"json": str(out / f"{stem}.json"), "md": str(out / f"{stem}.md")}
        single = tmp_path / f"{stem}.json"
        ok = CliRunner().invoke(
            app, ["analyze", str(a if stem == "case-a" else b), "-f", "json", "--output", str(single)])
        assert ok.exit_code == 0, ok.output
        assert without_time(json.loads((out / f"{stem}.json").read_text())) == without_time(
            json.loads(single.read_text()))


@pytest.mark.slow
def test_default_chunks_of_a_large_log_give_the_same_statistics_and_frame(client, tmp_path_factory):
    """150,000 lines (~52 MiB): two default-size chunks of statistics, four of frames (``log_lines.chunk_bytes``).
    ``make bench`` compares the 1M-line file too."""
    path = tmp_path_factory.mktemp("big") / "access_150k.log"
    generate(150_000, path, seed=3)
    assert path.stat().st_size > 3 * log_lines.chunk_bytes(stats_only=False)
    assert statistics([str(path)], runner=DaskChunks(client)) == statistics([str(path)])
    local, _ = load_access_logs([str(path)])
    remote, _ = load_access_logs([str(path)], runner=DaskChunks(client))
    assert len(local.requests) > 125_000
    assert_same_frame(remote.requests, local.requests)


def assert_same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """``assert_frame_equal``, with categorical columns compared by categories and codes.

    ``assert_frame_equal`` boxes every value of a categorical whose categories are Arrow
    timestamps one by one (minutes on 300,000 rows); categories and codes together say the same.
    """
    assert list(left.columns) == list(right.columns)
    pd.testing.assert_index_equal(left.index, right.index)
    for column in left.columns:
        a, b = left[column], right[column]
        if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
            assert a.cat.ordered == b.cat.ordered, column
            pd.testing.assert_index_equal(a.cat.categories, b.cat.categories, obj=column)
            assert (a.cat.codes.to_numpy() == b.cat.codes.to_numpy()).all(), column
        else:
            pd.testing.assert_series_equal(a, b, obj=column)


def test_batch_without_the_dask_extra_runs_locally_and_says_so(tmp_path, monkeypatch):
    import mga.cmd_batch

    monkeypatch.setattr(mga.cmd_batch, "dask_installed", lambda: False)
    out = tmp_path / "reports"
    result = CliRunner().invoke(app, ["batch", str(SCENARIOS / "lab-timeout-reports"), "-d", str(out), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "the dask extra is not installed" in result.output
    assert json.loads((out / "index.json").read_text())["inputs"][0]["causes"] == {"backend-timeout": 1}


class _CountingFile(io.FileIO):
    """A file that remembers the furthest byte its reads reached and the bytes they read (under its reader's
    buffer)."""

    def __init__(self, fd: int):
        super().__init__(fd, "rb")
        self.furthest = self.read_bytes = 0

    def readinto(self, buffer) -> int | None:
        got = super().readinto(buffer)
        self.furthest = max(self.furthest, self.tell())
        self.read_bytes += got or 0
        return got


def _long_line_log(path: Path, ending: str) -> bytes:
    """Router lines around a line longer than any router line (NUL bytes, as a node crash leaves them; or as one
    CRI piece, its line's end on the next line), or a long last line without a newline."""
    path_lines = path.with_suffix(".short")
    generate(300, path_lines, seed=9)
    lines = path_lines.read_bytes().splitlines(keepends=True)
    long = b"\x00" * 100_000 + b"\n"
    if ending == "cri piece":
        time = b"2026-11-20T08:30:04.288143123Z"
        long = time + b" stdout P " + long + time + b" stdout F the end of it\n"
    data = b"".join(lines[:100]) + long + b"".join(lines[100:200])
    if ending == "long last line":
        data += b"2026-11-20T08:30:04.288143123Z " + b"x" * 60_000
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("ending", ["newline", "long last line", "cri piece"])
def test_a_range_is_read_no_further_than_its_end_when_it_holds_a_long_line(tmp_path, monkeypatch, ending):
    """Each worker's range read stops at its range's end (at most a read buffer past it) and reads its bytes once,
    when the range's last line is a long line (``parsers.long_lines``) or the file's unended last line: the ranges'
    chunks give every line of the file, once."""
    from mga import dask_engine
    from parsers import long_lines
    from parsers.haproxy_log import open_job

    monkeypatch.setattr(long_lines, "LONG_LINE", 4096)
    monkeypatch.setattr(long_lines, "SKIP_BLOCK", 1000)
    path = tmp_path / "a.log"
    data = _long_line_log(path, ending)
    opened = dask_engine.os.fdopen

    files: list[_CountingFile] = []

    def counting(fd: int, mode: str = "r", *args, **kwargs):
        if mode != "rb":
            return opened(fd, mode, *args, **kwargs)
        files.append(_CountingFile(fd))
        return io.BufferedReader(files[-1])

    monkeypatch.setattr(dask_engine.os, "fdopen", counting)
    job = open_job(source="a.log", input="in", stats_only=True)
    ranges = byte_ranges(str(path), len(data), 8192)
    assert any(length > 100_000 for _, length in ranges) and ranges[-1][0] + ranges[-1][1] == len(data)
    physical = 0
    for offset, length in ranges:
        files.clear()
        results = dask_engine.parse_range(str(path), offset, length, job, None, True, chunk_bytes=8192)
        [file] = files
        furthest, read = file.furthest, file.read_bytes
        assert furthest <= offset + length + io.DEFAULT_BUFFER_SIZE, (offset, length, furthest)
        assert read <= length + io.DEFAULT_BUFFER_SIZE, (offset, length, read)
        assert sum(r.size for r in results) == length
        physical += sum(r.physical for r in results)
    assert physical == data.count(b"\n") + (not data.endswith(b"\n"))


@pytest.mark.parametrize("ending", ["newline", "long last line", "cri piece"])
def test_a_log_with_a_long_line_gives_the_local_engines_json(client, tmp_path, ending):
    """A line longer than any router line as shipped (3 MB, over ``long_lines.LONG_LINE``), cut out of the worker
    that reads it: ``mga logs`` and ``mga analyze`` give the local engine's JSON. The command line sends its
    chunks to the module's cluster (``--scheduler``, which implies the Dask engine): the cluster it starts
    itself is tested in :func:`test_cli_logs_and_analyze_with_the_dask_engine`."""
    path = tmp_path / "a.log"
    data = _long_line_log(path, ending)
    path.write_bytes(data.replace(b"\x00" * 100_000, b"\x00" * 3_000_000))
    runner = CliRunner()
    out_local, out_dask = tmp_path / "l.json", tmp_path / "d.json"
    for out, extra in ((out_local, []), (out_dask, ["--scheduler", client.scheduler.address])):
        result = runner.invoke(app, ["logs", str(path), "-f", "json", "--output", str(out), *extra])
        assert result.exit_code == 0, result.output
    local = json.loads(out_local.read_text())
    assert json.loads(out_dask.read_text()) == local
    assert (local["lines_read"], local["unparsed"]) == (201 + (ending != "newline"), 1 + (ending != "newline"))
    assert [s["line"] for s in local["unparsed_samples"]] == {
        "newline": [101], "long last line": [101, 202], "cri piece": [101, 102]}[ending]
    assert statistics([str(path)], runner=DaskChunks(client, 64 << 10)) == statistics([str(path)])
    assert analysis([str(path)], DaskChunks(client, 64 << 10)) == analysis([str(path)])
