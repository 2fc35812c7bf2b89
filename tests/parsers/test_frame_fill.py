"""A file's chunk tables written chunk by chunk into the request frame (``parsers.frame_fill``), against the
whole-table conversion and the route ordering they replace for ``mga analyze``'s rows.

The chunks here hold what analyze's kept rows hold (timestamps, integers narrowed apart, booleans, names
and request lines as dictionaries of their own), with missing values in every kind of column.
"""

from __future__ import annotations

import os
from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from numpy._core.multiarray import _set_madvise_hugepage

from parsers import frame_fill, normal_lines
from parsers.frame_fill import FileChunks
from parsers.load_logs import abnormal_lines
from parsers.log_fields import TS_MS
from parsers.log_frames import frame_of_files, ordered_by_route
from tests.parsers.test_frame_order import T0, _sorted_reference, _whole_table_reference


def _one(tables: list[pa.Table], *, source: str, input: str, by_route: bool = False):
    return frame_of_files([FileChunks(tables, input, source)], by_route=by_route)


NAMES = np.array(["z", "a", "m", None], dtype=object)
PATHS = np.array(["/z", "/a", None, "/k"], dtype=object)


def _chunk(rng: np.random.Generator, first_line: int, rows: int) -> pa.Table:
    """A chunk as analyze's parse hands it over: its own dictionaries (first seen first), its own widths."""
    status_type = [pa.int8(), pa.int16(), pa.int32()][int(rng.integers(0, 3))]
    top = {pa.int8(): 120, pa.int16(): 600, pa.int32(): 70000}[status_type]
    statuses = [None if rng.random() < 0.1 else int(rng.integers(-1, top)) for _ in range(rows)]
    return pa.table({
        "ts": pa.array([None if rng.random() < 0.05 else T0 + timedelta(milliseconds=int(rng.integers(0, 5000)))
                        for _ in range(rows)], TS_MS),
        "tls": pa.array([None if rng.random() < 0.1 else bool(rng.integers(0, 2)) for _ in range(rows)]),
        "namespace": pa.array(rng.choice(NAMES, rows, p=[0.3, 0.3, 0.3, 0.1])).dictionary_encode(),
        "route": pa.array(rng.choice(NAMES, rows, p=[0.3, 0.3, 0.3, 0.1])).dictionary_encode(),
        "status": pa.array(statuses, status_type),
        "path": pa.array(rng.choice(PATHS, rows)).dictionary_encode(),
        "line": pa.array(range(first_line, first_line + rows), pa.int32()),
    })


def _chunks(seed: int, count: int) -> list[pa.Table]:
    rng = np.random.default_rng(seed)
    out, line = [], 1
    for _ in range(count):
        rows = int(rng.integers(1, 60))
        out.append(_chunk(rng, line, rows))
        line += rows
    return out


@pytest.fixture(params=[(workers, mapped_from) for workers in (1, 2) for mapped_from in (1 << 20, 1)],
                ids=lambda p: f"workers{p[0]}-{'allocated' if p[1] > 1 else 'mapped'}")
def writing(request, monkeypatch):
    """One or two chunks written at once; masks allocated, or mapped and written where values are missing."""
    workers, mapped_from = request.param
    monkeypatch.setattr(frame_fill, "CHUNK_WORKERS", workers)
    monkeypatch.setattr(frame_fill, "_MAPPED_FROM", mapped_from)


@pytest.mark.parametrize("seed", range(12))
def test_written_in_line_order_is_the_whole_table_conversion(seed, writing):
    tables = _chunks(seed, 1 + seed % 6)
    assert frame_fill.fillable(tables)
    expected = _whole_table_reference(_chunks(seed, 1 + seed % 6), source="current.log", input="case.tar.gz")
    got, placed = _one(tables, source="current.log", input="case.tar.gz")
    assert placed is None and tables == []  # consumed: each chunk dropped once written
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    # the request lines' categories stay in the order ``to_pandas`` unifies them; the names' are sorted
    assert list(got["namespace"].cat.categories) == sorted(got["namespace"].cat.categories)


def test_request_lines_keep_the_order_their_dictionaries_were_first_seen_in():
    tables = [pa.table({"path": pa.array(["/z", "/a"]).dictionary_encode(),
                        "namespace": pa.array(["z", "a"]).dictionary_encode()}),
              pa.table({"path": pa.array(["/b", "/a"]).dictionary_encode(),
                        "namespace": pa.array(["b", "a"]).dictionary_encode()})]
    got, _ = _one(tables, source="s", input="i")
    assert list(got["path"].cat.categories) == ["/z", "/a", "/b"]
    assert list(got["namespace"].cat.categories) == ["a", "b", "z"]
    assert got["path"].tolist() == ["/z", "/a", "/b", "/a"] and got["namespace"].tolist() == ["z", "a", "b", "a"]


@pytest.mark.parametrize("seed", range(12))
def test_written_by_route_is_the_converted_frame_ordered_by_route(seed, writing):
    expected = ordered_by_route(_whole_table_reference(_chunks(seed, 1 + seed % 6), source="s", input="i"))
    got, placed = _one(_chunks(seed, 1 + seed % 6), source="s", input="i", by_route=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    # where each line went: the row of line k is at placed[k - 1]
    assert placed is not None and placed.dtype == np.int32
    np.testing.assert_array_equal(got["line"].to_numpy()[placed], np.arange(1, len(got) + 1))


def test_a_file_already_in_route_order_says_so():
    table = pa.table({"namespace": pa.array(["a", "a", "b", None]).dictionary_encode(),
                      "route": pa.array(["r", "s", "r", None]).dictionary_encode(),
                      "line": pa.array([1, 2, 3, 4], pa.int32())})
    got, placed = _one([table.slice(0, 2), table.slice(2)], source="s", input="i", by_route=True)
    assert placed is None and got["line"].tolist() == [1, 2, 3, 4]


def test_text_columns_are_converted_as_before_then_ordered():
    """``mga routes`` and the library keep the request line as text: converted whole, then ordered."""
    tables = [t.set_column(t.column_names.index("path"), "path", t.column("path").cast(pa.string()))
              for t in _chunks(3, 4)]
    assert not frame_fill.fillable(tables)
    expected = ordered_by_route(_whole_table_reference([t for t in tables], source="s", input="i"))
    got, placed = _one(tables, source="s", input="i", by_route=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    np.testing.assert_array_equal(got["line"].to_numpy()[placed], np.arange(1, len(got) + 1))


def test_huge_pages_are_asked_for_again_once_the_columns_are_made():
    before = _set_madvise_hugepage(True)
    try:
        _one(_chunks(1, 3), source="s", input="i", by_route=True)
        assert _set_madvise_hugepage(True) is True
    finally:
        _set_madvise_hugepage(before)


def _resident_kib(array: np.ndarray) -> int:
    """The resident size of the mapping that holds ``array`` (``/proc/self/smaps``; the kernel may have merged
    it with neighbouring mappings of the same kind, the other masks)."""
    address = array.ctypes.data
    with open("/proc/self/smaps") as smaps:
        inside = False
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                low, high = (int(part, 16) for part in head.split("-"))
                inside = low <= address < high
            elif inside and head == "Rss:":
                return int(line.split()[1])
    raise AssertionError("no mapping holds the array")


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="needs Linux's /proc/self/smaps")
def test_a_mask_costs_memory_only_where_values_are_missing():
    """A column without a missing value: its mask is mapped and holds no page, even once read whole; a column
    with four: only their pages (a mask written whole, or read from a shared mapping, is 3 MiB resident)."""
    rows = 3 << 20
    with_gaps = np.arange(rows) % 1_000_000 == 7
    table = pa.table({"line": pa.array(np.arange(rows, dtype=np.int32)),
                      "Tr": pa.array(np.arange(rows, dtype=np.int16), mask=with_gaps)})
    got, _ = _one([table.slice(0, rows // 2), table.slice(rows // 2)], source="s", input="i")
    line, tr = got["line"].array, got["Tr"].array
    assert _resident_kib(line._mask) < 256 and _resident_kib(tr._mask) < 256
    assert not line._mask.any() and line.isna().sum() == 0 and tr._mask.sum() == 4  # read whole
    assert _resident_kib(line._mask) < 256 and _resident_kib(tr._mask) < 256
    np.testing.assert_array_equal(tr._mask, with_gaps)
    assert got["line"].tolist()[-1] == rows - 1


def test_a_mask_that_cannot_be_mapped_is_allocated(monkeypatch):
    """No address space to map (or a platform without private anonymous mappings): the mask is allocated
    and the frame is the same."""
    def refuse(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    mapping = frame_fill.mmap.mmap

    def mapped(array: np.ndarray) -> bool:
        base = array.base
        while isinstance(base, np.ndarray):
            base = base.base
        return isinstance(base.obj if isinstance(base, memoryview) else base, mapping)

    monkeypatch.setattr(frame_fill, "_MAPPED_FROM", 1)
    expected, _ = _one(_chunks(5, 3), source="s", input="i", by_route=True)
    assert mapped(expected["status"].array._mask)
    monkeypatch.setattr(frame_fill.mmap, "mmap", refuse)
    got, _ = _one(_chunks(5, 3), source="s", input="i", by_route=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["status"].isna().any() and not mapped(got["status"].array._mask)


def test_many_routes_and_chunks_place_every_row_once(monkeypatch):
    """Keys past the table of small keys (a binary search) and more than 256 of them (16-bit ids)."""
    monkeypatch.setattr(frame_fill, "CHUNK_WORKERS", 2)
    rng = np.random.default_rng(7)
    names = np.array([f"n{i:04d}" for i in range(1200)], dtype=object)
    tables = []
    for start in range(0, 6000, 500):
        tables.append(pa.table({
            "ts": pa.array([T0 + timedelta(seconds=int(s)) for s in rng.integers(0, 100, 500)], TS_MS),
            "namespace": pa.array(rng.choice(names, 500)).dictionary_encode(),
            "route": pa.array(rng.choice(names, 500)).dictionary_encode(),
            "line": pa.array(np.arange(start + 1, start + 501), pa.int32()),
        }))
    reference = _whole_table_reference([t for t in tables], source="s", input="i")
    expected = reference.sort_values(["namespace", "route"], kind="stable", na_position="last", ignore_index=True)
    got, placed = _one(tables, source="s", input="i", by_route=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert sorted(placed.tolist()) == list(range(6000))


def _quotable(tables: list[pa.Table], seed: int) -> list[pa.Table]:
    """The chunks with what the evidence's abnormal rows are read from (termination states, queues)."""
    rng = np.random.default_rng(seed)
    out = []
    states = np.array(["----", "sH--", "SC--", "CD--", None], dtype=object)

    def queues(rows: int, size: int, kind: pa.DataType) -> pa.Array:
        return pa.array([None if rng.random() < 0.1 else size * int(rng.random() < 0.05) for _ in range(rows)], kind)

    for table in tables:
        rows = table.num_rows
        term = pa.array(rng.choice(states, rows, p=[0.8, 0.05, 0.05, 0.05, 0.05])).dictionary_encode()
        out.append(table.append_column("term", term).append_column("srv_queue", queues(rows, 1, pa.int8()))
                   .append_column("backend_queue", queues(rows, 2, pa.int16())))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_a_file_by_route_gives_the_reading_places_of_the_rows_evidence_may_quote(seed):
    """Where the chunks say which rows the evidence may quote (a 5xx or no answer, queued, a router-side
    state), only those rows' places are given, in line order: the evidence's first lines are picked among
    them as among every row's (4 bytes a row fewer from the writing to the evidence lines)."""
    tables = _quotable(_chunks(seed, 1 + seed % 6), seed)
    got, placed = _one(tables, source="s", input="i", by_route=True)
    every = np.argsort(got["line"].to_numpy(), kind="stable")  # the row of each line, in line order
    abnormal = abnormal_lines(got)
    assert 0 < abnormal.sum() < len(got)
    np.testing.assert_array_equal(placed, every[abnormal[every]])
    assert placed.dtype == np.int32


@pytest.mark.parametrize("by_route", [True, False])
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("quotable", [False, True])
def test_several_files_written_at_once_are_their_frames_joined_and_ordered(seed, by_route, quotable, writing):
    """Every file's chunks written straight to their places: the frames of the files (each converted whole)
    joined in time order, then grouped by route, as ``joined_in_order`` does; where each row in time order
    went. Names and request lines each file has of its own, equal and missing times."""
    count = 2 + seed % 3

    def files() -> list[FileChunks]:
        tables = [_chunks(seed * 10 + f, 1 + (seed + f) % 4) for f in range(count)]
        if quotable:
            tables = [_quotable(file, seed * 10 + f) for f, file in enumerate(tables)]
        return [FileChunks(file, f"case-{f % 2}.tar.gz", f"router-{f}.log") for f, file in enumerate(tables)]

    frames = [_whole_table_reference(f.tables, source=f.source, input=f.input) for f in files()]
    expected, where = _sorted_reference(frames, by_route)
    given = files()
    got, positions = frame_of_files(given, by_route=by_route)
    assert all(f.tables == [] for f in given)  # consumed
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    assert list(got["source"].cat.categories) == [f"router-{f}.log" for f in range(count)]
    if by_route and quotable:  # the places of the rows the evidence may quote only, in reading order
        np.testing.assert_array_equal(positions, where[abnormal_lines(expected)[where]])
    elif by_route:
        np.testing.assert_array_equal(positions, where)
    else:
        assert positions is None


def test_a_file_without_rows_is_left_out_of_the_joined_frame():
    tables = _chunks(2, 2)
    frame, _ = frame_of_files([FileChunks([], "i", "empty.log"), FileChunks(tables, "i", "full.log")], by_route=True)
    assert list(frame["source"].cat.categories) == ["full.log"] and len(frame) > 0
    assert frame_of_files([FileChunks([], "i", "a.log")], by_route=True)[0].empty


@pytest.mark.parametrize("by_time", [False, True])
def test_a_parse_already_made_a_frame_joins_with_kept_chunk_tables_as_they_would(tmp_path, by_time, monkeypatch):
    """``combine`` of parses whose chunk tables were kept (analyze) and one made a frame as it was parsed (not
    met in a run: every parse of one run is made alike) gives the frame and reading positions of all kept:
    no parse is dropped, and ties keep the files' order."""
    monkeypatch.setenv(normal_lines.ENVIRONMENT, "rows")  # the rows themselves, normal lines included
    from parsers import haproxy_log, log_lines
    from tests.parsers.test_log_groups import mixed_lines

    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 16 << 10)
    paths = []
    for i in range(3):
        path = tmp_path / f"router-{i}.log"
        path.write_text("\n".join(mixed_lines(40 + i, 400)) + "\n")
        paths.append(path)

    def parses(defers: list[bool]) -> list:
        out = []
        for path, defer in zip(paths, defers, strict=True):
            job = haproxy_log.open_job(source=path.name, input="case", keep_namespaces=frozenset({"shop"}))
            with open(path, "rb") as stream:
                out.append(haproxy_log.collect(job, haproxy_log.iter_chunks(stream, job), defer=defer))
        return out

    kept = haproxy_log.combine(parses([True, True, True]), by_time=by_time)
    mixed = haproxy_log.combine(parses([True, False, True]), by_time=by_time)
    assert len(kept.requests) > 1000 and kept.requests["source"].nunique() == 3
    pd.testing.assert_frame_equal(mixed.requests, kept.requests, check_exact=True)
    assert (mixed.in_time is None) == (kept.in_time is None)
    if kept.in_time is not None:  # the kept tables give the reading positions of the rows evidence may quote
        abnormal = abnormal_lines(kept.requests)
        assert abnormal[kept.in_time].all() and len(kept.in_time) == abnormal.sum() > 50
        np.testing.assert_array_equal(mixed.in_time[abnormal[mixed.in_time]], kept.in_time)
