"""The streamed ``mga logs`` statistics equal the whole-frame pandas statistics, chunk size aside."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from analyzer.logstats import (
    TIMER_MAX,
    LogStats,
    _counted,
    _factorized,
    _fold_status,
    _pairs,
    _quantiles,
    _sorted_by_group,
    _value_counts,
    log_statistics,
    summarize_chunk,
)
from bench.gen_logs import generate
from mga.cmd_logs import statistics
from parsers import log_lines
from parsers.log_jobs import load_access_logs
from tests.analyzer.logstats_reference import reference_statistics
from tests.conftest import FIXTURES

LAB_LOG = FIXTURES / "haproxy-lab" / "access.log"


def streamed(paths: list[str], **kw) -> dict:
    out = statistics(paths, **kw)
    assert out.pop("skipped") == []
    return out


def reference(paths: list[str], **kw) -> dict:
    parse, skipped = load_access_logs(paths, **kw)
    assert skipped == []
    return json.loads(json.dumps(reference_statistics(parse)))


@pytest.fixture(scope="module")
def mixed_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "mixed.log"
    generate(30_000, path, seed=7)
    return path


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 64 << 10])
def test_generated_mixed_log_equals_the_frame_statistics(mixed_log, monkeypatch, chunk_bytes):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", chunk_bytes)  # many chunks: merging is exercised
    got = streamed([str(mixed_log)])
    assert got["requests"] > 20_000 and len(got["servers"]) > 100
    assert got == reference([str(mixed_log)])


def test_several_files_and_a_window_equal_the_frame_statistics(mixed_log, tmp_path, monkeypatch):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 256 << 10)
    other = tmp_path / "other.log"
    generate(5_000, other, seed=11)
    paths = [str(mixed_log), str(other), str(LAB_LOG)]
    got = streamed(paths)
    assert got == reference(paths)
    window = {"since": datetime(2026, 1, 1, tzinfo=UTC), "until": datetime(2030, 1, 1, tzinfo=UTC)}
    narrowed = streamed(paths, **window)
    assert narrowed == reference(paths, **window)


def test_real_haproxy_output_equals_the_frame_statistics():
    got = streamed([str(LAB_LOG)])
    assert got["status_counts"]  # the lab log has 502/503/504 answers of a real HAProxy
    assert got == reference([str(LAB_LOG)])


def test_frame_api_gives_the_same_object(mixed_log):
    parse, _ = load_access_logs([str(mixed_log)])
    assert json.loads(json.dumps(log_statistics(parse))) == reference([str(mixed_log)])


def test_quantiles_follow_pandas_linear_interpolation():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    group = rng.integers(0, 40, 20_000)
    values = rng.integers(0, 300, 20_000)  # many repeats: counted once each
    pairs, counts = np.unique(np.stack([group, values], axis=1), axis=0, return_counts=True)
    got = _quantiles(pairs[:, 0], pairs[:, 1], counts, 42)
    want = pd.Series(values.astype(float)).groupby(group).quantile([0.5, 0.95, 0.99]).unstack()
    assert np.isnan(got[40:]).all()
    assert (got[:40] == want.to_numpy()).all()


def test_compacted_timer_values_give_the_same_statistics(mixed_log, monkeypatch):
    from analyzer.logstats import TimerValues

    monkeypatch.setattr(TimerValues, "COMPACT_AT", 5_000)  # fold the raw values many times over
    assert streamed([str(mixed_log)]) == reference([str(mixed_log)])


@pytest.mark.parametrize("table_cells", [1 << 22, 0])  # status counts per group counted in a table, or sorted
def test_folded_status_counts_give_the_same_statistics(mixed_log, monkeypatch, table_cells):
    import analyzer.logstats as logstats

    monkeypatch.setattr(logstats, "STATUS_FOLD_AT", 500)  # fold the per-chunk (pair, status) entries often
    monkeypatch.setattr(logstats, "STATUS_TABLE_CELLS", table_cells)
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 128 << 10)
    assert streamed([str(mixed_log)]) == reference([str(mixed_log)])


def test_interner_ids_follow_first_appearance_and_nulls_are_minus_one():
    import numpy as np
    import pyarrow as pa

    from analyzer.logstats import Interner

    names = Interner()
    assert names.ids(pa.array(["b", None, "a", "b"])).tolist() == [0, -1, 1, 0]
    assert names.ids(pa.array(["a", "c", None])).tolist() == [1, 2, -1]
    assert names.values == ["b", "a", "c"] and names.size == 3
    keys = Interner()
    assert keys.ids(np.array([7, 3, 7], np.int64)).tolist() == [0, 1, 0]
    assert keys.ids(np.array([3, 9], np.int64)).tolist() == [1, 2]
    assert keys.values == [7, 3, 9]


def test_requests_without_backend_or_server_count_only_where_pandas_counts_them():
    import pyarrow as pa

    table = pa.table({
        "backend": pa.array(["be_http:a:b", "be_http:a:b", None, "public"]).dictionary_encode(),
        "server": pa.array(["s1", None, "s2", None]).dictionary_encode(),
        "status": pa.array([503, 200, 502, None], pa.int64()),
        "Tc": pa.array([1, -1, 2, None], pa.int64()),
        "Tr": pa.array([10, 20, 30, None], pa.int64()),
        "Ta": pa.array([11, 21, 31, 5], pa.int64()),
        "term": pa.array(["SC--", "----", "SH--", None]),
        "ts": pa.array([0, 60_000, 120_000, None], pa.timestamp("ms", tz="UTC")),
    })
    stats = LogStats()
    stats.add(summarize_chunk(table))
    out = stats.result(lines_read=4, unparsed=0, router_messages=0, files=[], samples=[], pod_of=lambda s: None)
    assert out["requests"] == 4 and out["status_counts"] == {"200": 1, "502": 1, "503": 1}
    assert [(b["backend"], b["requests"], b["errors_5xx"], b["avg_tc"]) for b in out["backends"]] == [
        ("be_http:a:b", 2, 1, 1.0), ("public", 1, 0, None)]
    assert [(s["backend"], s["server"], s["requests"]) for s in out["servers"]] == [("be_http:a:b", "s1", 1)]
    assert out["backends"][0]["tr"] == {"p50": 15, "p95": 20, "p99": 20}
    assert [m["minute"] for m in out["worst_minutes"]] == ["1970-01-01T00:00:00Z", "1970-01-01T00:02:00Z"]


@pytest.mark.parametrize("largest", [(50, 900, 40), (1 << 20, TIMER_MAX, 1 << 20)])
def test_packed_sorts_give_what_the_arg_sorts_give(largest):
    """Entries packed into one integer sort as the (group, value) arg-sort and the (key, code) lexsort
    do, and entries too wide to pack take those sorts: the same quantiles and folded counts."""
    rng = np.random.default_rng(3)
    group_max, value_max, count_max = largest
    n = 20_000
    group = rng.integers(0, group_max, n)
    value = rng.integers(0, value_max, n, endpoint=True)
    counts = rng.integers(1, count_max, n, endpoint=True)
    got = _sorted_by_group(group, value, counts)
    order = np.argsort((group << 32) | value, kind="stable")
    assert (got[0] == group[order]).all() and (got[1] == value[order]).all()
    groups = int(group.max()) + 1
    assert np.array_equal(_quantiles(*got, groups), _quantiles(group[order], value[order], counts[order], groups),
                          equal_nan=True)
    code = rng.integers(-1, 600, n)  # status -1 (no answer) is a key of its own, as halog counts it
    for codes in (code, np.abs(code)):
        key, folded_code, folded = _fold_status([(group[: n // 2], codes[: n // 2], counts[: n // 2]),
                                                 (group[n // 2 :], codes[n // 2 :], counts[n // 2 :])])
        expected: dict[tuple[int, int], int] = {}
        for k, c, m in zip(group.tolist(), codes.tolist(), counts.tolist(), strict=True):
            expected[(k, c)] = expected.get((k, c), 0) + m
        assert list(zip(key.tolist(), folded_code.tolist(), folded.tolist(), strict=True)) == [
            (k, c, expected[(k, c)]) for k, c in sorted(expected)]


@pytest.mark.parametrize("spread", [10, 1 << 40])
def test_counting_by_table_or_by_sort_gives_what_unique_gives(spread):
    """Keys of a small range (minutes, status codes) are counted in a table, others by a sort: both
    must be ``np.unique``'s answer, negative keys included."""
    keys = np.random.default_rng(5).integers(-spread, spread, 5_000)
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    got_keys, got_inverse = _factorized(keys)
    assert np.array_equal(got_keys, unique_keys) and np.array_equal(got_inverse, inverse)
    for some in (keys, keys[:0]):  # no keys at all: a chunk without one status (tcplog lines only)
        counted = np.unique(some, return_counts=True)
        assert all(np.array_equal(a, b) for a, b in zip(_counted(some), counted, strict=True))


def test_value_counts_of_a_dictionary_column_add_up_repeated_values_and_leave_out_nulls():
    column = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, None, 1, 3], pa.int32()),
                                            pa.array(["SD", "----", "SD", None]))
    assert _value_counts(column) == {"SD": 2, "----": 2}
    assert _value_counts(column.dictionary_decode()) == {"SD": 2, "----": 2}


@pytest.mark.parametrize("shared", [False, True])
def test_pairs_looked_up_by_server_are_the_sorted_pair_keys(shared):
    """Pair ids as ``np.unique(keys, return_inverse=True)`` gives them: servers that belong to one
    backend each (in any order of backends), and servers shared by several backends, missing names
    (-1) included."""
    rng = np.random.default_rng(11)
    servers, n = 300, 20_000
    server = rng.integers(-1, servers, n)
    owner = rng.permutation(servers + 1) % 40 - 1  # backend -1 (none) too
    backend = owner[server + 1]
    if shared:
        backend = np.where(rng.random(n) < 0.2, rng.integers(-1, 40, n), backend)
    width = servers + 1
    expected = np.unique((backend + 1) * width + (server + 1), return_inverse=True)
    got = _pairs(backend, server, width)
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
