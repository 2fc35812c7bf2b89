"""``mga analyze`` keeps request rows only for the namespaces the inputs hold objects of: same report.

``load_snapshot(keep_all_requests=False)`` parses every line but keeps full rows only for requests
of namespaces some object frame has and of no namespace, and of the other namespaces' 5xx the busiest
of each minute, status and state; every request counts in the snapshot's ``LogTotals`` (the 5xx left
out per minute and route). The reference is the full frame (``keep_all_requests=True``): the contract
JSON must be identical on every scenario, on every scenario's objects read with *all* scenarios'
logs (most lines then name namespaces without objects, so their rows are left out), and on the real
must-gather with a generated router log of thousands of routes it holds nothing of. The totals
themselves are compared with what the report computed from the full frame before they existed.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analyzer.run import analyze
from bench.gen_logs import generate as generate_log
from bench.gen_logs import write_routes_dump
from parsers import log_chunks, log_jobs, log_lines, normal_lines
from parsers.load_snapshot import load_snapshot, object_namespaces
from parsers.log_keep import LeanHint, keep_rows
from parsers.log_left_out import LeftOutFailures
from parsers.log_totals import LogTotals
from parsers.snapshot import Snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs
from tests.conftest import realworld

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def _access_logs(scenario: Path) -> list[str]:
    """The router access logs inside a scenario's must-gather (the ``logs`` sidecar's files)."""
    return sorted(str(p) for p in scenario.glob("*/*/namespaces/openshift-ingress/pods/*/logs/logs/logs/*.log"))


WITH_LOGS = [p for p in SCENARIO_DIRS if _access_logs(p)]


def _report(snap: Snapshot, **options: object) -> dict:
    return json.loads(json.dumps(analyze(snap, tool_version="test", now=NOW, **options).to_dict(), sort_keys=True,
                                 default=str))


_LOADED: dict[tuple, Snapshot] = {}
_LEAN_SELECTION = log_chunks.lean_selection


def _load(inputs: list[str], logs: list[str], *, keep_all_requests: bool = True) -> Snapshot:
    """``load_snapshot(inputs, logs)``; the inputs several tests below ask with every scenario's logs
    (:func:`_shared_inputs`) are loaded once for the module under the same settings (a snapshot is read-only
    once loaded, ``parsers.snapshot.Snapshot``; the others are not kept: about 10 MiB each). The key holds
    whatever the tests below change that changes a load: the environment's normal-lines and scanner choices,
    the chunk size, ``LeanHint.FULL_FROM`` and ``SMALL_FILE`` and the scanner's floor; a test that wraps the
    lean selection to count its calls gets a load of its own."""
    if (list(logs) != _all_logs() or tuple(inputs) not in _shared_inputs()
            or log_chunks.lean_selection is not _LEAN_SELECTION):
        return load_snapshot(inputs, logs, keep_all_requests=keep_all_requests)
    key = (tuple(inputs), keep_all_requests, os.environ.get(normal_lines.ENVIRONMENT),
           os.environ.get("MGA_LOG_SCANNER"), log_lines.chunk_bytes(False), LeanHint.FULL_FROM,
           LeanHint.SMALL_FILE, log_jobs.SCANNER_FLOOR)
    if key not in _LOADED:
        _LOADED[key] = load_snapshot(inputs, logs, keep_all_requests=keep_all_requests)
    return _LOADED[key]


def _filter_inputs() -> list[str]:
    return [i for p in WITH_LOGS[::5] for i in scenario_inputs(p)[0]]


def _shared_inputs() -> set[tuple[str, ...]]:
    """Inputs asked with every scenario's logs by more than one load below: the first scenario's (the
    totals, the kept rows and the lean-first tests), R101's (the columns test) and the namespace filter's."""
    sharded = next(p for p in WITH_LOGS if p.name == "R101-fires-sharded-away")
    return {tuple(scenario_inputs(WITH_LOGS[0])[0]), tuple(scenario_inputs(sharded)[0]), tuple(_filter_inputs())}


def _both(inputs: list[str], logs: list[str], **options: object) -> tuple[Snapshot, Snapshot, dict]:
    full = _load(inputs, logs)
    kept = _load(inputs, logs, keep_all_requests=False)
    report = _report(kept, **options)
    assert report == _report(full, **options)
    return full, kept, report


def _all_logs() -> list[str]:
    return [log for p in SCENARIO_DIRS for log in _access_logs(p)]


LINE_GROUPS = 4


def every_line_logs(directory: Path) -> list[str]:
    """Every scenario's access-log lines in :data:`LINE_GROUPS` files: file ``k`` holds the logs
    ``_all_logs()[k::LINE_GROUPS]`` one after another, each whole and ending in a newline. The same lines as
    the 76 files of :func:`_all_logs`, read in a tenth of the time (about 40 ms goes to each file read, the
    lines aside); the tests that ask every scenario's log once per scenario read these, and the tests of
    this module and of ``test_normal_lines_differential`` that read :func:`_all_logs` keep the many files
    (one identical file twice among them) covered."""
    logs = _all_logs()
    paths = []
    for k in range(LINE_GROUPS):
        path = directory / f"every-line-{k}.log"
        with path.open("wb") as out:
            for log in logs[k::LINE_GROUPS]:
                data = Path(log).read_bytes()
                out.write(data if data.endswith(b"\n") else data + b"\n")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def grouped_logs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return every_line_logs(tmp_path_factory.mktemp("every-line"))


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_scenario_report_with_kept_rows_equals_the_full_frame(scenario: Path):
    _both(*scenario_inputs(scenario))


@pytest.mark.parametrize("scenario", WITH_LOGS[::3], ids=[p.name for p in WITH_LOGS[::3]])
def test_one_scenario_with_every_scenario_log_equals_the_full_frame(scenario: Path, grouped_logs: list[str]):
    """Most lines then name namespaces the inputs hold nothing of: their rows go, the report stays. (Every
    scenario's lines, in :func:`every_line_logs`' few files.)"""
    inputs, _ = scenario_inputs(scenario)
    full, kept, report = _both(inputs, grouped_logs)
    assert len(kept.frame("requests")) < len(full.frame("requests"))  # rows were really left out
    assert report["summary"]["requests"] == len(full.frame("requests"))  # and still counted


def test_namespace_filter_with_kept_rows_equals_the_full_frame():
    inputs = _filter_inputs()
    full = _load(inputs, _all_logs())
    namespaces = sorted({str(ns) for ns in full.frame("routes")["namespace"].dropna()})[::2]
    _both(inputs, _all_logs(), namespaces=namespaces)


def _expected_kept(full: pd.DataFrame, mine: frozenset[str]) -> tuple[pd.DataFrame, list[tuple]]:
    """Reference of ``kept_mask`` on a full frame: rows of ``mine`` or of no namespace, and of the other
    namespaces' dated 5xx the busiest of each (minute, status, state) of each file (the scenarios' logs
    are one chunk each); the 5xx left out, counted."""
    names = full["namespace"].astype(object)
    five = full["status"].between(500, 599).fillna(False).astype(bool)
    others = full[five & names.notna() & ~names.isin(mine) & full["ts"].notna()]
    ranked = others.assign(_minute=others["ts"].dt.floor("min"), _term=others["term"].astype(object),
                           _missing=others["actconn"].isna(), _at=np.arange(len(others)))
    ranked = ranked.sort_values(["input", "source", "_minute", "status", "_term", "_missing", "actconn", "ts",
                                 "_at"], ascending=[True] * 6 + [False, True, True], na_position="first")
    first = ~ranked.duplicated(["input", "source", "_minute", "status", "_term"])
    busiest = ranked.index[first.to_numpy()]
    expected = full[names.isna() | names.isin(mine) | full.index.isin(busiest)]
    rest = ranked[~first.to_numpy()]
    counts = rest.groupby([rest["_minute"].map(lambda t: t.value), rest["namespace"].astype(object),
                           rest["route"].astype(object), rest["status"].astype(int), rest["_term"]],
                          sort=True, dropna=False).size()
    return expected, [(*key, int(n)) for key, n in counts.items()]


def test_kept_rows_are_those_of_object_namespaces_of_none_and_the_busiest_other_5xx(monkeypatch):
    # which rows are kept, before their normal lines are counted (``parsers.normal_lines``: every one a row here)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    full = _load(inputs, _all_logs())
    kept = _load(inputs, _all_logs(), keep_all_requests=False)
    expected, left_out = _expected_kept(full.frame("requests"), object_namespaces(full.frames))
    got = kept.frame("requests")
    assert len(got) == len(expected) > 0
    pairs = ["input", "source", "line"]
    # the same rows; analyze's frame holds them by route (parsers.log_frames.ordered_by_route)
    assert sorted(got[pairs].astype(str).values.tolist()) == sorted(expected[pairs].astype(str).values.tolist())
    counted = sorted(kept.totals().left_out.groups(), key=_sortable)
    assert counted == sorted(left_out, key=_sortable) and left_out  # every other 5xx kept or counted
    assert len(got) + sum(n for *_, n in left_out) > len(expected)  # (and some were counted, not kept)
    assert kept.log_accounting == full.log_accounting  # every line still accounted for


def _chunk(rows: list[tuple]) -> pa.Table:
    """A chunk table of (namespace, route, status, term, actconn, second of 2026-01-01 00:00, line)."""
    ns, route, status, term, conn, second, line = (list(c) for c in zip(*rows, strict=True))
    ts = [None if s is None else datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s) for s in second]
    return pa.table({"namespace": pa.array(ns).dictionary_encode(), "route": pa.array(route), "status": pa.array(
        status, pa.int16()), "term": pa.array(term), "actconn": pa.array(conn, pa.int32()), "ts": pa.array(
        ts, pa.timestamp("ms", tz="UTC")), "line": pa.array(line)})


def test_keep_rows_keeps_rows_of_the_inputs_and_of_none_and_the_busiest_other_5xx_of_each_minute():
    table = _chunk([
        ("a", "r", 200, "--", 5, 0, 0),  # the inputs' namespace: kept whatever its status
        (None, None, 200, "--", 5, 1, 1),  # no namespace: kept
        ("b", "x", 200, "--", 9, 2, 2),  # another namespace, not a 5xx: counted in the totals only
        ("c", "y", 503, "sQ", 7, 3, 3),  # another namespace's 5xx, minute 0, 503 sQ: not the busiest
        ("c", "z", 503, "sQ", 9, 4, 4),  # ... the busiest of (0, 503, sQ): kept
        ("b", "x", 503, "sQ", 9, 4, 5),  # ... a tie on actconn and time, later in the file: counted
        ("b", "x", 503, "SC", 1, 5, 6),  # (0, 503, SC): alone, kept
        ("b", "x", 503, "sQ", 3, 61, 7),  # minute 1: kept
        ("b", "x", 504, "sH", None, 62, 8),  # missing actconn ranks last ...
        ("b", "x", 504, "sH", 2, 63, 9),  # ... so this one is kept
        ("b", "x", 502, "SH", 8, None, 10),  # no accept time: no minute, neither kept nor counted here
        ("a", "r", 600, "--", 5, 0, 11),
    ])
    rows, left_out = keep_rows(table, frozenset({"a"}))
    assert rows.column("line").to_pylist() == [0, 1, 4, 6, 7, 9, 11]
    minute = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    assert sorted(left_out.groups()) == [(minute, "b", "x", 503, "sQ", 1), (minute, "c", "y", 503, "sQ", 1),
                                         (minute + 60 * 10**9, "b", "x", 504, "sH", 1)]
    everything, none_left_out = keep_rows(table, frozenset({"a", "b", "c"}))
    assert everything is table and not none_left_out
    only_others = _chunk([("b", "x", 200, "--", 1, 0, 0), ("c", "y", 499, "CD", 1, 0, 1)])
    assert keep_rows(only_others, frozenset({"a"}))[0] is None


def test_left_out_failures_fold_and_add_exactly(monkeypatch):
    """Counts folded early (a tiny fold threshold) and added across parts equal one count of every row."""
    from parsers import log_left_out

    rng = np.random.default_rng(7)
    n = 5000
    minute = rng.integers(0, 6, n) * 60 * 10**9
    names = [f"ns-{i}" for i in rng.integers(0, 3, n)]
    routes = [f"r-{i}" for i in rng.integers(0, 4, n)]
    status = rng.choice([502, 503, 504], n)
    term = [None if t == "" else t for t in rng.choice(["sQ", "SC", "sH", ""], n)]
    whole = _counted(minute, names, routes, status, term)
    monkeypatch.setattr(log_left_out, "FOLD_AT", 7)
    parts = LeftOutFailures()
    for lo in range(0, n, 611):
        hi = min(n, lo + 611)
        parts.add(_counted(minute[lo:hi], names[lo:hi], routes[lo:hi], status[lo:hi], term[lo:hi]))
    counted = pd.Series(1, index=pd.MultiIndex.from_arrays([minute, names, routes, status, [
        t if t is not None else "\x00" for t in term]])).groupby(level=[0, 1, 2, 3, 4]).sum()
    reference = [(m, ns, r, s, None if t == "\x00" else t, int(c)) for (m, ns, r, s, t), c in counted.items()]
    assert sorted(whole.groups(), key=_sortable) == sorted(reference, key=_sortable)
    assert parts == whole and sum(g[-1] for g in parts.groups()) == n


def _counted(minute: np.ndarray, names: list[str], routes: list[str], status: np.ndarray,
             term: list[str | None]) -> LeftOutFailures:
    """Rows given column by column, coded as ``kept_mask`` codes them (each part with codes of its own)."""
    pairs = sorted(set(zip(names, routes, strict=True)))
    terms = sorted(set(term), key=lambda t: (t is None, t or ""))
    return LeftOutFailures.of_codes(minute, [pairs.index(p) for p in zip(names, routes, strict=True)], pairs,
                                    status, [terms.index(t) for t in term], terms)


def _sortable(group: tuple) -> tuple:
    return tuple("" if v is None else v for v in group)


def _reference_totals(requests: pd.DataFrame) -> dict:
    """What ``analyzer.run`` and I703 computed from the full frame before the totals existed."""
    status = requests["status"].dropna().astype("int64").value_counts().sort_index()
    dated = requests["ts"].dropna()
    return {
        "requests": len(requests),
        "statuses": {int(k): int(v) for k, v in status.items()},
        "window": (dated.min().value, dated.max().value) if len(dated) else None,
        "actconn": not requests["actconn"].isna().all() if len(requests) else False,
    }


def _busy(requests: pd.DataFrame, limit: int) -> tuple[int, set[int], int | None, int | None]:
    busy = (requests["actconn"] >= limit).fillna(False).astype(bool)
    minute = requests["ts"].dt.floor("min")
    minutes = {m.value for m in minute[busy].dropna()}
    ts = requests.loc[busy, "ts"].dropna()
    return int(busy.sum()), minutes, (ts.min().value if len(ts) else None), (ts.max().value if len(ts) else None)


@pytest.mark.parametrize("chunk", [None, 4096], ids=["one-chunk", "4-kib-chunks"])
def test_streamed_totals_equal_the_full_frame_figures(chunk: int | None, monkeypatch):
    """The totals counted chunk by chunk equal the figures of the full frame read as one chunk (every row
    counts whatever the chunks; the reference is the same frame for both chunk sizes)."""
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    full = _load(inputs, _all_logs()).frame("requests")
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    snap = _load(inputs, _all_logs(), keep_all_requests=False)
    totals = snap.totals()
    ref = _reference_totals(full)
    assert totals.requests() == ref["requests"] > 1000
    assert totals.status_counts() == ref["statuses"]
    assert totals.time_range() == ref["window"]
    assert totals.has_actconn == ref["actconn"]
    values = sorted(full["actconn"].dropna().astype("int64").unique())
    for limit in [values[0], values[len(values) // 2], values[-1], values[-1] + 1]:
        n, first, last = totals.actconn_at_least(int(limit))
        busy, minutes, ref_first, ref_last = _busy(full, int(limit))
        assert (n, first, last) == (busy, ref_first, ref_last)
        assert totals.minutes_with_actconn_at_least(int(limit)) == minutes
    some = frozenset(sorted({str(n) for n in full["namespace"].dropna()})[:3])
    mine = full[full["namespace"].astype(object).isin(some)]
    assert totals.requests(some) == len(mine)
    assert totals.status_counts(some) == _reference_totals(mine)["statuses"]
    assert totals.time_range(some) == _reference_totals(mine)["window"]
    figures = LogTotals.of_frame(full)  # the fallback for snapshots built without a parse (keeps every row)
    assert not figures.left_out and replace(totals, left_out=figures.left_out) == figures


def test_real_must_gather_with_a_router_log_of_other_routes_equals_the_full_frame(tmp_path: Path):
    """The bench's case: a router log of 5,000 generated routes beside a real must-gather."""
    archive = realworld("openshift__must-gather-clean", "test", "files", "must-gather-aws.tar.xz")
    log = tmp_path / "router.log"
    generate_log(30_000, log, seed=3)
    full, kept, report = _both([str(archive)], [str(log)])
    assert len(kept.frame("requests")) < len(full.frame("requests")) // 10  # the 5xx rows (2 %) stay
    assert report["summary"]["requests"] == len(full.frame("requests")) and report["summary"]["status_counts"]
    assert report["window"]["source"] == "access-log"


def _busy_other_routes_log(path: Path) -> None:
    """Dense failures of routes of two namespaces the I703 scenario's inputs hold nothing of, in its
    saturated minutes (08:38, 08:42) and a calm one (08:35): several lines per (minute, status, state),
    the highest ``actconn`` of the log twice at the same instant (the first in the file is the peak)."""
    rng = np.random.default_rng(11)
    router = "router-default-5f7d8c9b64-q2w4e"
    outcomes = [("503", "sQ--", "0/30000/-1/-1/30001"), ("504", "sH--", "0/0/1/-1/30002"),
                ("502", "SH--", "0/0/1/-1/12"), ("503", "SC--", "0/0/-1/-1/3"), ("500", "--VN", "0/0/1/5/6"),
                ("503", "CD--", "0/0/1/-1/9"), ("200", "--VN", "0/0/1/5/6")]
    routes = [("billing", "pay"), ("billing", "invoices"), ("billing", "ledger"), ("search", "query"),
              ("search", "suggest")]
    lines = []
    for minute in (35, 38, 42):
        for i in range(240):
            second, milli = divmod(i * 250, 1000)
            ns, route = routes[i % len(routes)]
            status, term, timers = outcomes[int(rng.integers(0, len(outcomes)))]
            conn = int(rng.integers(49000, 49900)) if minute != 35 else int(rng.integers(700, 900))
            if minute == 42 and i in (100, 105):  # a tie on actconn and time, routes apart: the first is the peak
                conn, second, milli, status, term, timers = 49990, 25, 0, "503", "sQ--", "0/30000/-1/-1/30001"
            accept = f"20/Nov/2026:08:{minute:02d}:{second:02d}.{milli:03d}"
            logged = f"2026-11-20T08:{minute:02d}:{second:02d}.{milli:03d}"
            lines.append(f"{logged}449118Z {logged}412+00:00 {router} {router} haproxy[4121]: 10.0.1.5:{40000 + i} "
                         f"[{accept}] fe_sni~ be_edge_http:{ns}:{route}/pod:{route}-7c9d5b6f48-k2x9p:{route}:http:"
                         f"10.130.0.{i % 50 + 2}:8080 {timers} {status} 2656 - - {term} {conn}/{conn - 20}/310/12/0 "
                         f'0/0 "GET /{route}/{i} HTTP/1.1"')
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("chunk", [None, 4096], ids=["one-chunk", "4-kib-chunks"])
def test_router_saturation_counts_the_other_routes_failures_it_does_not_keep(chunk: int | None, tmp_path: Path,
                                                                          monkeypatch):
    """I703 counts and cites the failures of routes of namespaces without objects exactly as from every row."""
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    scenario = next(p for p in SCENARIO_DIRS if p.name == "I703-fires-router-at-maxconn")
    inputs, logs = scenario_inputs(scenario)
    other = tmp_path / "other-routes.log"
    _busy_other_routes_log(other)
    full, kept, report = _both(inputs, [*logs, str(other)])
    names = full.frame("requests")["namespace"].astype(object)
    others_full = int(names.isin(["billing", "search"]).sum())
    others_kept = int(kept.frame("requests")["namespace"].astype(object).isin(["billing", "search"]).sum())
    # most of those rows were counted, not kept (one row per minute, status and state of each chunk is)
    assert others_kept < (others_full // 4 if chunk is None else others_full)
    saturation = [f for f in report["findings"] if f["code"] == "I703"]
    assert saturation and all("of 8 routes of different services" in f["explanation"] for f in saturation)
    peak = next(e for e in saturation[0]["evidence"] if "49990/" in e.get("text", ""))
    assert "be_edge_http:billing:pay/" in peak["text"]  # the first of the two busiest lines in the file


@pytest.mark.parametrize("chunk", [None, 4096], ids=["one-chunk", "4-kib-chunks"])
@pytest.mark.parametrize("full_from", [0.0, 0.5], ids=["always-in-full", "adaptive"])
def test_rows_and_figures_are_the_same_whether_chunks_are_read_lean_first_or_not(chunk: int | None, full_from: float,
                                                                                   monkeypatch):
    """Skipping the lean first pass (``LeanHint``: most lines kept) keeps the same rows, counts the same."""
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    # the scenarios' logs are small files, parsed in full at once by default (the next test): here every one
    # starts lean, so that the kept share decides
    monkeypatch.setattr(LeanHint, "SMALL_FILE", 0)
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    monkeypatch.setattr(LeanHint, "FULL_FROM", 2.0)  # never skipped: the reference
    lean = _load(inputs, _all_logs(), keep_all_requests=False)
    monkeypatch.setattr(LeanHint, "FULL_FROM", full_from)

    read_lean = []
    lean_selection = log_chunks.lean_selection
    monkeypatch.setattr(log_chunks, "lean_selection", lambda *a, **k: read_lean.append(1) or lean_selection(*a, **k))
    other = _load(inputs, _all_logs(), keep_all_requests=False)  # (its own: the lean selection is wrapped)
    assert (not read_lean) if full_from == 0.0 else read_lean  # (adaptive: some files' chunks skip it)
    pairs = ["input", "source", "line"]
    assert (other.frame("requests")[pairs].astype(str).values.tolist()
            == lean.frame("requests")[pairs].astype(str).values.tolist())
    assert other.totals() == lean.totals() and lean.totals().left_out
    assert other.log_accounting == lean.log_accounting


def test_small_files_are_parsed_in_full_at_once_with_the_rows_and_figures_of_a_lean_read(monkeypatch, tmp_path):
    """A file smaller than ``LeanHint.SMALL_FILE`` and than one chunk skips the lean first pass (every scenario
    log does, at the default chunk size); a larger one is still read lean. The rows, totals and accounting are
    those of every file read lean first."""
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    big = tmp_path / "big.log"
    generate_log(1_500, big, seed=9)  # about 500 KB, above SMALL_FILE: its chunk is read lean
    assert big.stat().st_size > LeanHint.SMALL_FILE
    logs = [*_all_logs(), str(big)]
    lean_selection = log_chunks.lean_selection
    read_lean: list[int] = []

    def counted(lines, *args, **kwargs):  # type: ignore[no-untyped-def]
        read_lean.append(len(lines.text))
        return lean_selection(lines, *args, **kwargs)

    monkeypatch.setattr(log_chunks, "lean_selection", counted)
    small_in_full = load_snapshot(inputs, logs, keep_all_requests=False)
    assert read_lean == [1_500]  # only the big file's one chunk was read lean
    read_lean.clear()
    monkeypatch.setattr(LeanHint, "SMALL_FILE", 0)  # the reference: every file read lean first
    every_lean = load_snapshot(inputs, logs, keep_all_requests=False)
    assert len(read_lean) > len(logs) * 0.9  # every file read (a copy of another is skipped), each in one chunk
    # the same rows and values (a file parsed in full at once lists the names of the rows it left out among its
    # columns' categories, as a chunk read without the lean pass always has)
    pd.testing.assert_frame_equal(_as_values(small_in_full.frame("requests")), _as_values(every_lean.frame("requests")))
    assert small_in_full.totals() == every_lean.totals() and every_lean.totals().left_out
    assert small_in_full.log_accounting == every_lean.log_accounting


def _as_values(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


@pytest.mark.parametrize(("size", "chunk", "in_full"), [
    (None, 16 << 20, False), (0, 16 << 20, False), (1, 16 << 20, True), ((256 << 10) - 1, 16 << 20, True),
    (256 << 10, 16 << 20, False), (3000, 4096, True), (5000, 4096, False)])
def test_a_file_starts_in_full_only_when_small_and_in_one_chunk(size, chunk, in_full):
    assert LeanHint.for_file(size, chunk).lean_first() is not in_full


@pytest.mark.parametrize(("chunk", "crlf"), [(None, False), (4096, False), (4096, True)],
                         ids=["one-chunk", "4-kib-chunks", "4-kib-chunks-crlf"])
def test_kept_rows_the_scanner_read_whole_equal_the_full_parse(chunk: int | None, crlf: bool, monkeypatch, tmp_path):
    """With the compiled scanner on, the kept rows it read are taken as they are, not parsed again: the
    frame (every column, the router's default answers with their request line), the router messages,
    the samples of lines not understood, the totals and the accounting equal the Arrow path's, where
    every kept line is parsed in full. The scanner reads lines with their terminators (``\\n``, or
    ``\\r\\n`` with ``crlf``); the lines it leaves are trimmed before the Arrow path reads them."""
    from parsers import log_scan

    if not log_scan.enabled():
        pytest.skip("Numba is not installed: the scanner is off")
    if chunk is not None:
        monkeypatch.setattr(log_lines, "chunk_bytes", lambda stats_only=False: chunk)
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)  # the scanner reads these small logs too
    # the Arrow path reads them lean first too, as the scanner's does (a small file is otherwise parsed in full at
    # once, its columns' categories then naming the rows it left out: test_small_files_are_parsed_in_full_at_once…)
    monkeypatch.setattr(LeanHint, "SMALL_FILE", 0)
    # every kept line a row (the normal ones the scanner read are otherwise counted where the log is read lean,
    # never built as rows: tests/parsers/test_lean_normal.py compares those with the full parse's)
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")
    generated = tmp_path / "access.log"
    # tcplog lines and router messages among them; with the scenario logs, about 1,350 (one chunk) to 1,600
    # (4 KiB chunks) rows are taken from the scanner, 850 to 1,000 of them this log's
    generate_log(8_000, generated, seed=7)
    if crlf:
        generated.write_bytes(generated.read_bytes().replace(b"\n", b"\r\n"))
    dump = tmp_path / "routes.json"
    write_routes_dump(dump, 50)  # the generated log's first 50 namespaces: a tenth of its lines kept
    inputs, _ = scenario_inputs(WITH_LOGS[0])
    inputs = [*inputs, str(dump)]
    logs = [*_all_logs(), str(generated)]
    taken: list[int] = []
    lean_selection = log_chunks.lean_selection

    def counted(*args: object, **kwargs: object) -> object:
        selection = lean_selection(*args, **kwargs)
        taken.append(0 if selection is None or selection.scanned is None else selection.scanned.num_rows)
        return selection

    monkeypatch.setattr(log_chunks, "lean_selection", counted)
    scanned = load_snapshot(inputs, logs, keep_all_requests=False)
    assert sum(taken) > 1_000  # rows were taken from the scanner
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    parsed = load_snapshot(inputs, logs, keep_all_requests=False)
    requests = scanned.frame("requests")
    pd.testing.assert_frame_equal(requests, parsed.frame("requests"))
    defaults = requests[(requests["backend_kind"] == "openshift_default").fillna(False).astype(bool)]
    assert len(defaults) and defaults["path"].notna().all()  # parsed in full: the request line is there
    # the routes of the failures left out are numbered as each path met them (I703 reads them as a set)
    assert (sorted(scanned.totals().left_out.groups(), key=_sortable)
            == sorted(parsed.totals().left_out.groups(), key=_sortable))
    assert replace(scanned.totals(), left_out=LeftOutFailures()) == replace(parsed.totals(), left_out=LeftOutFailures())
    assert scanned.log_accounting == parsed.log_accounting
    assert scanned.log_lines == parsed.log_lines and scanned.log_unparsed == parsed.log_unparsed
    pd.testing.assert_frame_equal(scanned.frame("router_events"), parsed.frame("router_events"))
    assert len(scanned.frame("router_events")) and scanned.unparsed_samples == parsed.unparsed_samples
    assert not any("\r" in str(text) or "\n" in str(text) for text in scanned.frame("router_events")["text"])


def test_kept_rows_hold_only_the_columns_the_analysis_reads():
    """``mga analyze``'s rows leave out what no rule reads (client address, bytes, ...) and keep the request
    line on the router's default answers only (mapped to routes by Host); the reports are the same
    (the scenario tests above)."""
    from parsers.log_frames import DEFAULT_ANSWER_ONLY, UNANALYZED

    scenario = next(p for p in WITH_LOGS if p.name == "R101-fires-sharded-away")  # default answers with paths
    inputs, _ = scenario_inputs(scenario)
    logs = _all_logs()
    full = _load(inputs, logs).frame("requests")
    kept = _load(inputs, logs, keep_all_requests=False).frame("requests")
    assert list(kept.columns) == [c for c in full.columns if c not in UNANALYZED]
    default = (kept["backend_kind"] == "openshift_default").fillna(False).astype(bool)
    assert default.any() and (~default).any()
    for name in DEFAULT_ANSWER_ONLY:
        assert kept.loc[~default, name].isna().all()
    assert kept.loc[default, "path"].tolist() == full.loc[(full["backend_kind"] == "openshift_default")
                                                          .fillna(False).astype(bool), "path"].tolist()
    assert full.loc[(full["backend_kind"] != "openshift_default").fillna(True).astype(bool), "path"].notna().any()


def test_lean_hint_follows_the_last_chunk_kept_share():
    from parsers.log_keep import LeanHint

    hint = LeanHint()
    assert hint.lean_first()
    hint.saw(95, 100)
    assert not hint.lean_first()  # nearly every line kept: the next chunks are parsed in full at once
    hint.saw(10, 100)
    assert hint.lean_first()  # few kept again: lean first again
    hint.saw(0, 0)
    assert hint.lean_first()  # an empty chunk changes nothing


def test_left_out_groups_of_some_minutes_are_those_groups():
    minute = np.array([0, 60, 60, 120]) * 10**9
    counted = _counted(minute, ["a", "a", "b", "a"], ["r", "r", "s", "r"], np.array([503, 503, 504, 502]),
                       ["sQ", "sQ", "SC", None])
    some = [g for g in counted.groups() if g[0] in {60 * 10**9, 120 * 10**9}]
    assert sorted(counted.groups([60 * 10**9, 120 * 10**9]), key=_sortable) == sorted(some, key=_sortable)
    assert len(some) == 3 and list(counted.groups([])) == []
