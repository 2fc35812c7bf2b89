"""How ``mga analyze``'s request frame is built and ordered, against plain references.

- :func:`parsers.log_frames._to_frame` converts column by column (releasing Arrow memory as it goes):
  it must give exactly the frame the whole-table conversion gave.
- :func:`parsers.log_frames.ordered_by_route` groups rows by (namespace, route): the same rows, each
  route's in their order, missing names last.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from parsers.log_fields import TS_MS
from parsers.log_frames import CATEGORICAL, REQUEST_COLUMNS, _same_integer_types, _to_frame, ordered_by_route

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


ROUTES = """apiVersion: v1
kind: List
items:
- apiVersion: route.openshift.io/v1
  kind: Route
  metadata: {name: web, namespace: shop}
  spec: {host: shop.apps.example.com, to: {kind: Service, name: web}}
"""


@pytest.mark.parametrize("seed", range(4))
def test_several_files_in_route_order_with_one_gather_equal_the_time_sort_then_the_route_order(
        seed, tmp_path, monkeypatch):
    """Rows of several files are put in route order, each route's rows in time order, in one gather; the
    evidence lines are the first abnormal ones in time order: as when the joined rows were sorted by time
    first (the reference, ``combine(by_time=True)``), then by route."""
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
    monkeypatch.setattr(haproxy_log, "combine", lambda parses, by_time=True: original(parses, by_time=True))
    expected = load_snapshot([str(dump)], logs, keep_all_requests=False)
    frame = got.frames["requests"]
    assert frame["route"].nunique() >= 2 and frame["source"].nunique() == 3
    pd.testing.assert_frame_equal(frame, expected.frames["requests"], check_exact=True)
    assert got.log_texts == expected.log_texts and len(got.log_texts) == 40


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
