"""How ``mga analyze``'s request frame is built and ordered, against plain references.

- :func:`parsers.log_frames._to_frame` converts column by column (releasing Arrow memory as it goes):
  it must give exactly the frame the whole-table conversion gave.
- :func:`parsers.log_frames.ordered_by_route` groups rows by (namespace, route): the same rows, each
  route's in their order, missing names last.
- :func:`parsers.log_frames.joined_in_order` joins several files' frames in time or route order column by
  column: it must equal pandas' concat and stable sorts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from parsers.log_fields import TS_MS
from parsers.log_frames import (
    CATEGORICAL,
    REQUEST_COLUMNS,
    _concat_requests,
    _same_integer_types,
    _to_frame,
    joined_in_order,
    ordered_by_route,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _chunk(namespaces: list, routes: list, statuses: list, status_type: pa.DataType, first_line: int) -> pa.Table:
    """A chunk table as the parsers hand it over: dictionaries of its own, integers narrowed apart."""
    n = len(namespaces)
    return pa.table({
        "ts": pa.array([None if i == 1 else T0 + timedelta(seconds=first_line + i) for i in range(n)], TS_MS),
        "tls": pa.array([i % 2 == 0 for i in range(n)]),
        "namespace": pa.array(namespaces).dictionary_encode(),
        "route": pa.array(routes).dictionary_encode(),
        "status": pa.array(statuses, status_type),
        "path": pa.array([None if i % 3 else f"/p{i}" for i in range(n)]),
        "line": pa.array(range(first_line, first_line + n), pa.int32()),
    })


def _chunks() -> list[pa.Table]:
    return [
        _chunk(["z", "a", None, "z"], ["r2", "r1", None, "r0"], [503, None, 200, 502], pa.int16(), 1),
        _chunk(["a", "m", "a"], ["r9", None, "r1"], [200, 70000, -1], pa.int32(), 5),  # other dictionaries, wider
    ]


def _whole_table_reference(tables: list[pa.Table], *, source: str, input: str) -> pd.DataFrame:
    """The conversion ``_to_frame`` did before it went column by column (one ``Table.to_pandas``)."""
    table = pa.concat_tables(_same_integer_types(tables))
    same = pa.array(np.zeros(table.num_rows, dtype=np.int32))
    table = table.append_column("input", pa.DictionaryArray.from_arrays(same, pa.array([input], pa.string())))
    table = table.append_column("source", pa.DictionaryArray.from_arrays(same, pa.array([source], pa.string())))
    table = table.unify_dictionaries()
    mapping = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
               pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}
    df = table.to_pandas(types_mapper=mapping.get)
    df["ts"] = df["ts"].astype("datetime64[ns, UTC]")
    for name in CATEGORICAL:
        if name in df and not df[name].cat.categories.is_monotonic_increasing:
            df[name] = df[name].cat.reorder_categories(df[name].cat.categories.sort_values())
    return df[[name for name in REQUEST_COLUMNS if name in df]]


def test_the_frame_built_column_by_column_is_the_whole_table_conversion():
    tables = _chunks()
    expected = _whole_table_reference(_chunks(), source="current.log", input="case.tar.gz")
    got = _to_frame(tables, source="current.log", input="case.tar.gz")
    assert tables == []  # consumed: the chunk tables' memory goes as their columns are converted
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    assert list(got["namespace"].cat.categories) == ["a", "m", "z"]  # sorted, whatever the chunks held
    assert str(got["status"].dtype) == "Int32" and got["status"].tolist()[4:6] == [200, 70000]


def _frame() -> pd.DataFrame:
    return _to_frame(_chunks(), source="current.log", input="case.tar.gz")


def test_rows_are_grouped_by_namespace_and_route_each_route_in_file_order_missing_names_last():
    before = _frame()
    got = ordered_by_route(_frame())
    assert got[["namespace", "route", "line"]].astype(object).where(got[["namespace", "route", "line"]].notna(),
                                                                    None).values.tolist() == [
        ["a", "r1", 2], ["a", "r1", 7], ["a", "r9", 5], ["m", None, 6], ["z", "r0", 4], ["z", "r2", 1],
        [None, None, 3],
    ]
    assert isinstance(got.index, pd.RangeIndex) and got.index.equals(pd.RangeIndex(len(before)))
    assert list(got.columns) == list(before.columns)
    assert got.dtypes.equals(before.dtypes)
    # the same rows, value for value: each row of the ordered frame is the row of the same line before
    by_line = before.set_index("line").loc[got["line"].tolist()].reset_index()[list(before.columns)]
    pd.testing.assert_frame_equal(got, by_line, check_exact=True)


def test_a_frame_already_in_route_order_is_returned_as_it_is():
    frame = ordered_by_route(_frame())
    assert ordered_by_route(frame) is frame
    empty = _frame().iloc[0:0]
    assert ordered_by_route(empty) is empty


@pytest.mark.parametrize("seed", range(20))
def test_route_order_equals_a_stable_pandas_sort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    names = np.array(["a", "b", "c", None], dtype=object)
    frame = pd.DataFrame({
        "namespace": pd.Categorical(rng.choice(names, n), categories=["a", "b", "c"]),
        "route": pd.Categorical(rng.choice(names, n), categories=["a", "b", "c"]),
        "line": pd.array(np.arange(n), dtype="Int32"),
    })
    expected = frame.sort_values(["namespace", "route"], kind="stable", na_position="last")["line"].tolist()
    assert ordered_by_route(frame.copy())["line"].tolist() == expected



@pytest.mark.parametrize("names", [255, 256, 300])
def test_route_order_with_more_names_than_a_16_bit_key_holds(names):
    """(names + 1)² keys: 65,536 at 255 names fits 16 bits, 256 and 300 take the 64-bit key."""
    rng = np.random.default_rng(names)
    n = 3000
    pool = np.array([f"n{i:03d}" for i in range(names)] + [None], dtype=object)
    categories = sorted(pool[:-1])
    frame = pd.DataFrame({
        "namespace": pd.Categorical(rng.choice(pool, n), categories=categories),
        "route": pd.Categorical(rng.choice(pool, n), categories=categories),
        "line": pd.array(np.arange(n), dtype="Int32"),
    })
    expected = frame.sort_values(["namespace", "route"], kind="stable", na_position="last")["line"].tolist()
    assert ordered_by_route(frame.copy())["line"].tolist() == expected

ROUTES = """apiVersion: v1
kind: List
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata: {name: web, namespace: shop}
  spec: {host: shop.apps.example.com, to: {kind: Service, name: web}}
"""


def _sorted_reference(frames: list[pd.DataFrame], by_route: bool) -> tuple[pd.DataFrame, np.ndarray | None]:
    """What :func:`joined_in_order` must give, in plain pandas: the frames joined, sorted by time (stable,
    missing times last), then (``by_route``) by namespace and route (stable, missing names last), and the
    time-sorted rows' positions in the result."""
    joined = _concat_requests([f.copy(deep=True) for f in frames])
    if len(frames) > 1:
        joined = joined.sort_values("ts", kind="stable", na_position="last").reset_index(drop=True)
    if not by_route:
        return joined, None
    ordered = joined.sort_values(["namespace", "route"], kind="stable", na_position="last")
    where = np.empty(len(ordered), dtype=np.intp)
    where[ordered.index.to_numpy()] = np.arange(len(ordered))
    return ordered.reset_index(drop=True), where


def _file_frames(seed: int, files: int) -> list[pd.DataFrame]:
    """Frames of several files: names each file has of its own, times out of order and equal, missing ones."""
    rng = np.random.default_rng(seed)
    frames = []
    for f in range(files):
        n = int(rng.integers(1, 300))
        names = np.array(["a", "b", f"only-{f}", None], dtype=object)
        ts = pd.Series(pd.to_datetime(T0) + pd.to_timedelta(rng.integers(0, 40, n), unit="s"))
        ts[rng.random(n) < 0.05] = pd.NaT
        frame = pd.DataFrame({
            "ts": ts.astype("datetime64[ns, UTC]"),
            "namespace": pd.Categorical(rng.choice(names, n)),
            "route": pd.Categorical(rng.choice(names, n)),
            "line": pd.array(np.arange(1, n + 1), dtype="Int16" if f % 2 else "Int32"),
            "source": pd.Categorical([f"router-{f}.log"] * n),
        })
        frame["namespace"] = frame["namespace"].cat.reorder_categories(sorted(frame["namespace"].cat.categories))
        frame["route"] = frame["route"].cat.reorder_categories(sorted(frame["route"].cat.categories))
        frames.append(frame)
    return frames


@pytest.mark.parametrize("by_route", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_files_joined_in_one_gather_equal_the_joined_frame_sorted(seed, by_route):
    """Several files' frames (or one) joined and ordered column by column equal pandas' concat and stable
    sorts; the reading positions say where each time-sorted row went; the files' columns are consumed."""
    frames = _file_frames(seed, 1 + seed % 4)
    expected, where = _sorted_reference(frames, by_route)
    got, positions = joined_in_order(frames, by_route=by_route)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    assert str(got["line"].dtype) == ("Int32" if len(frames) > 1 or seed % 4 == 0 else "Int16")
    if len(frames) == 1 and not by_route:
        assert positions is None and got is frames[0]  # one file in its order: returned as it is
        return
    if by_route and positions is None:  # already grouped: the frame is the one file's, in line order
        assert len(frames) == 1 and got is frames[0]
        return
    assert positions is None if not by_route else np.array_equal(positions, where)
    assert all(len(f.columns) == 0 for f in frames)


@pytest.mark.parametrize("by_route", [True, False])
def test_files_with_different_columns_are_joined_and_ordered_all_the_same(by_route):
    """Not met in a run (its files keep the same columns), but then the frames are joined by pandas first:
    every column of any file is kept, and the rows still come in time (and route) order."""
    frames = _file_frames(3, 3)
    frames[1] = frames[1].drop(columns=["line"])
    expected, where = _sorted_reference(frames, by_route)
    got, positions = joined_in_order(frames, by_route=by_route)
    assert "line" in got.columns and len(got) == sum(len(f) for f in _file_frames(3, 3))
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_categorical=True)
    assert (positions is None) if not by_route else np.array_equal(positions, where)


@pytest.mark.parametrize("seed", range(4))
def test_several_files_in_route_order_with_one_gather_equal_the_time_sort_then_the_route_order(
        seed, tmp_path, monkeypatch):
    """Rows of several files are put in route order, each route's rows in time order, in one gather; the
    evidence lines are the first abnormal ones in time order: as when the joined rows were sorted by time
    first, then by route, in plain pandas (the reference)."""
    from parsers import haproxy_log, load_logs, log_chunks, log_lines
    from parsers.load_snapshot import load_snapshot
    from tests.parsers.test_log_groups import mixed_lines

    dump = tmp_path / "routes.yaml"
    dump.write_text(ROUTES)
    logs = []
    for i in range(3):
        path = tmp_path / f"router-{i}.log"
        path.write_text("\n".join(mixed_lines(seed * 7 + i, 600)) + "\n")  # times not in order, equal ones
        logs.append(str(path))
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 16 << 10)
    monkeypatch.setattr(log_chunks, "WORKERS", 2)
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 40)  # which lines come first decides the evidence
    got = load_snapshot([str(dump)], logs, keep_all_requests=False)
    original = haproxy_log.combine

    def reference(parses, by_time=True):
        parses = list(parses)  # analyze's parses hand their chunk tables over: each file converted whole here
        files = [p.pending for p in parses if p.pending is not None and p.pending.rows]
        frames = [_whole_table_reference(f.tables, source=f.source, input=f.input) for f in files]
        expected, where = _sorted_reference(frames, by_route=True)
        combined = original(parses, by_time=True)
        combined.requests, combined.in_time = expected, where
        return combined

    monkeypatch.setattr(haproxy_log, "combine", reference)
    expected = load_snapshot([str(dump)], logs, keep_all_requests=False)
    frame = got.frames["requests"]
    assert frame["route"].nunique() >= 2 and frame["source"].nunique() == 3
    pd.testing.assert_frame_equal(frame, expected.frames["requests"], check_exact=True)
    assert got.log_texts == expected.log_texts and len(got.log_texts) == 40


def test_one_files_evidence_lines_are_its_first_abnormal_lines_in_line_order(tmp_path, monkeypatch):
    """One file's rows are put in route order too; the evidence lines are still its first abnormal lines in
    line order (the reading positions map them), not the first in route order."""
    from parsers import load_logs
    from parsers.load_snapshot import load_snapshot
    from parsers.term_side import router_side_states
    from tests.parsers.test_log_groups import mixed_lines

    dump = tmp_path / "routes.yaml"
    dump.write_text(ROUTES)
    log = tmp_path / "router.log"
    log.write_text("\n".join(mixed_lines(5, 600)) + "\n")
    monkeypatch.setattr(load_logs, "EVIDENCE_LINE_CAP", 25)
    snap = load_snapshot([str(dump)], [str(log)], keep_all_requests=False)
    frame = snap.frames["requests"]
    assert not frame["line"].is_monotonic_increasing  # reordered by route
    status = frame["status"]
    queued = (frame["srv_queue"].fillna(0) > 0) | (frame["backend_queue"].fillna(0) > 0)
    abnormal = ((status >= 500) | (status == -1) | queued).fillna(False).to_numpy(dtype=bool)
    abnormal |= router_side_states(frame["term"])
    first = sorted(frame["line"][abnormal].tolist())[:25]
    assert sorted(line for _, _, line in snap.log_texts) == first


def test_columns_worked_two_at_a_time_come_back_in_column_order():
    """``by_column`` (the frame's conversion and its route order): the results are in column order whichever
    column finished first, and a column's failure is the caller's."""
    import threading
    import time

    from parsers.log_frames import COLUMN_WORKERS, by_column

    running, most = [0], [0]
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02 * (5 - i))  # the first columns finish last
        with lock:
            running[0] -= 1
        return i * i

    assert by_column(5, work) == [0, 1, 4, 9, 16]
    assert most[0] == COLUMN_WORKERS
    assert by_column(1, work) == [0] and by_column(0, work) == []

    def broken(i: int) -> int:
        if i == 2:
            raise ValueError("column 2")
        return i

    with pytest.raises(ValueError, match="column 2"):
        by_column(4, broken)
