"""``parsers.normal_lines``: which lines are normal, and their counts and times, exact.

The counts are what the rules read instead of the rows, so each question is checked against the
rows it replaces: a chunk's normal lines counted and timed equal the same rows filtered by hand,
chunks joined equal one chunk of all their rows, and a window's bounds count a line accepted
exactly at them the way ``ts >= start`` / ``ts <= end`` count rows (also for a bound between two
milliseconds, which the frame's whole-millisecond times never hold).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from parsers.normal_lines import KEY_COLUMNS, NormalLines, normal_mask

T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def _rows(spec: list[tuple]) -> pd.DataFrame:
    """Rows of (route, server, status, term, Tc, Tr, srv_queue, ms after T0 or None)."""
    out = []
    for route, server, status, term, tc, tr, queue, ms in spec:
        out.append({
            "namespace": "shop", "route": route, "backend": f"be_http:shop:{route}", "backend_kind": "be_http",
            "server": server, "server_kind": "pod", "pod": server.split(":")[0], "service": None,
            "port_name": None, "server_ip": None, "router_pod": "router-1", "status": status, "term": term,
            "Tc": tc, "Tr": tr, "srv_queue": queue, "backend_queue": 0,
            "ts": None if ms is None else pd.Timestamp(T0) + pd.Timedelta(milliseconds=ms),
        })
    return typed_frame(out)


def typed_frame(lines: list[dict]) -> pd.DataFrame:
    """Request rows (dicts of the frame's columns) with the frame's types: ms times, nullable integers,
    categorical names."""
    frame = pd.DataFrame(lines)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True).astype("datetime64[ms, UTC]")
    for name in ("status", "Tc", "Tr", "srv_queue", "backend_queue"):
        frame[name] = frame[name].astype("Int64")
    for name in ("namespace", "route", "backend", "backend_kind", "server", "server_kind", "pod", "service",
                 "port_name", "server_ip", "router_pod", "term"):
        frame[name] = frame[name].astype("category")
    return frame


MIXED = [
    ("web", "web-a", 200, "--", 0, 12, 0, 1000),     # normal
    ("web", "web-a", 404, "--", 1, 3, 0, 2000),      # normal (below 500)
    ("web", "web-b", 200, "--", 0, 40, 0, 1500),     # normal, another server
    ("web", "web-a", 503, "SC", -1, -1, 0, 2500),    # 5xx: a row
    ("web", "web-a", 200, "CD", 0, 10, 0, 2600),     # client abort: a row
    ("web", "web-a", 200, "--", -1, -1, 0, 2700),    # never connected: a row
    ("web", "web-a", 200, "--", 0, 5, 2, 2800),      # queued: a row
    ("web", "web-a", 200, "--", 0, 5, 0, None),      # no accept time: a row
    ("web", "web-a", -1, "--", 0, -1, 0, 2900),      # no response: a row
    ("api", "api-a", 302, "--", 0, 1, 0, 3000),      # normal, another route
]


def test_normal_lines_are_answered_below_500_connected_unqueued_and_dated():
    frame = _rows(MIXED)
    mask = normal_mask(pa.Table.from_pandas(frame, preserve_index=False))
    assert mask.tolist() == [True, True, True, False, False, False, False, False, False, True]


def test_a_chunk_without_the_columns_the_definition_reads_has_no_normal_line():
    frame = _rows(MIXED).drop(columns=["Tc"])
    assert not normal_mask(pa.Table.from_pandas(frame, preserve_index=False)).any()


def test_counts_times_and_tr_equal_the_normal_rows():
    frame = _rows(MIXED)
    lines = NormalLines.of_frame(frame)
    assert len(lines) == 4
    assert lines.routes() == [("shop", "api"), ("shop", "web")]
    assert lines.count("shop", "web") == 3
    assert lines.count("shop", "web", server="web-a") == 2
    assert lines.count("shop", "web", server="web-a", status=404) == 1
    assert lines.count("shop", "nope") == 0
    ms = int(pd.Timestamp(T0).value // 1_000_000)
    assert lines.accept_times("shop", "web").tolist() == [ms + 1000, ms + 1500, ms + 2000]
    assert lines.tr_counts("shop", "web") == {12: 1, 3: 1, 40: 1}
    keys = lines.route_keys("shop", "web")
    assert list(keys.columns) == [*KEY_COLUMNS, "requests", "first", "last"]
    assert keys["requests"].tolist() == [1, 1, 1] and sorted(keys["server"]) == ["web-a", "web-a", "web-b"]


def _with_dictionary(table: pa.Table, name: str, dictionary: list[str], codes: list[int]) -> pa.Table:
    column = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(dictionary))
    return table.set_column(table.schema.get_field_index(name), name, column)


def test_equal_names_under_two_dictionary_entries_are_one_key():
    """A dictionary need not be unique (a chunk's names joined from two parts): lines naming one server under
    two entries are counted under one key, as the same rows with plain text are."""
    spec = [("web", server, 200, "--", 0, 10 + i, 0, 1000 + i) for i, server in enumerate(["a", "b", "a", "a", "b"])]
    plain = pa.Table.from_pandas(_rows(spec), preserve_index=False)
    twice = _with_dictionary(plain, "server", ["a", "b", "a"], [0, 1, 2, 0, 1])  # "a" as entry 0 and entry 2
    joined, reference = NormalLines.of_table(twice), NormalLines.of_table(plain)
    assert joined.keys == reference.keys
    assert [t.tolist() for t in joined.times] == [t.tolist() for t in reference.times]
    assert joined.count("shop", "web", server="a") == 3


def test_wide_dictionaries_key_as_their_lines_do():
    """Dictionaries of many names each (a shared router's chunk names thousands of servers, routes and pods, no
    line using most of them) key the lines as their names do: the order of the keys is the names' order."""
    rng = np.random.default_rng(3)
    spec = [(f"r{int(rng.integers(0, 40))}", f"p-{int(rng.integers(0, 60))}", int(rng.choice([200, 404])), "--", 0,
             int(rng.integers(0, 50)), 0, int(rng.integers(0, 60_000))) for _ in range(3_000)]
    table = pa.Table.from_pandas(_rows(spec), preserve_index=False)
    reference = NormalLines.of_table(table)
    for name in ("route", "server", "pod", "router_pod"):  # each column's values among 50,000 unused names
        values = table.column(name).to_pylist()
        dictionary = [f"unused-{i:05d}" for i in range(50_000)] + sorted(set(values), reverse=True)
        table = _with_dictionary(table, name, dictionary, [dictionary.index(v, 50_000) for v in values])
    wide = NormalLines.of_table(table)
    assert wide.keys == reference.keys
    assert [t.tolist() for t in wide.times] == [t.tolist() for t in reference.times]
    assert wide.tr == reference.tr


def test_chunks_joined_equal_one_chunk_of_all_their_rows():
    rng = np.random.default_rng(7)
    spec = [("web" if i % 3 else "api", f"p-{i % 4}", int(rng.choice([200, 204, 301, 404, 503])),
             "--" if i % 5 else "SD", 0, int(rng.integers(0, 900)), 0, int(rng.integers(0, 600_000)))
            for i in range(400)]
    frame = _rows(spec)
    whole = NormalLines.of_frame(frame)
    parts = NormalLines.merged(NormalLines.of_frame(frame.iloc[i:i + 57]) for i in range(0, len(frame), 57))
    assert parts.keys == whole.keys
    assert all(np.array_equal(a, b) for a, b in zip(parts.times, whole.times, strict=True))
    assert parts.tr == whole.tr
    assert all(np.all(np.diff(t) >= 0) for t in parts.times)


def test_parts_joined_as_they_are_let_go_give_the_same_lines():
    """``merged(consume=True)`` (a log's chunks at the end of its parse) writes each part's times once into the
    joined array and empties the part: the same keys, times and tallies as a join that keeps its parts."""
    rng = np.random.default_rng(11)
    spec = [(f"r{i % 7}", f"p-{i % 5}", int(rng.choice([200, 302, 404])), "--", 0, int(rng.integers(0, 50)), 0,
             int(rng.integers(0, 3_600_000))) for i in range(900)]
    frame = _rows(spec)
    kept = NormalLines.merged([NormalLines.of_frame(frame.iloc[i:i + 100]) for i in range(0, 900, 100)])
    parts = [NormalLines.of_frame(frame.iloc[i:i + 100]) for i in range(0, 900, 100)]
    joined = NormalLines.merged(parts, consume=True)
    assert joined.keys == kept.keys == NormalLines.of_frame(frame).keys
    assert [t.tolist() for t in joined.times] == [t.tolist() for t in kept.times]
    assert joined.tr == kept.tr and len(joined) == 900
    assert all(len(p) == 0 and not p.routes() for p in parts)  # each part let go once copied


class _Part:
    """A part's times as :func:`parsers.key_times.joined_times` reads them."""

    def __init__(self, starts: list[int], ms: list[int], kind: type = np.uint32):
        self.starts, self.base = np.array(starts, dtype=np.int64), min(ms)
        self.stamps = (np.array(ms, dtype=np.int64) - self.base).astype(kind)

    def release_times(self) -> None:
        self.stamps = np.zeros(0, dtype=np.uint32)


def test_parts_joined_by_key_and_time_in_four_bytes_a_line_where_they_fit():
    """Each key's times from every part, sorted (a key whose parts' runs are out of order is sorted again),
    as offsets of 32 bits from the earliest time; the parts let go once copied."""
    from parsers.key_times import joined_times

    parts = [_Part([0, 2, 3], [1_000, 1_090, 1_007]), _Part([0, 1, 3], [1_089, 1_001, 1_002])]
    starts, base, stamps = joined_times(parts, [np.array([0, 2]), np.array([1, 2])], 3, consume=True)
    assert starts.tolist() == [0, 2, 3, 6] and base == 1_000 and stamps.dtype == np.uint32
    assert (stamps.astype(np.int64) + base).tolist() == [1_000, 1_090, 1_089, 1_001, 1_002, 1_007]
    assert all(not len(p.stamps) for p in parts)


def test_times_more_than_49_days_apart_are_held_in_eight_bytes():
    from parsers.key_times import joined_times, offsets

    far = 50 * 86_400_000  # 50 days of milliseconds: past 32 bits
    base, stamps = offsets(np.array([far + 5, 5], dtype=np.int64))
    assert base == 5 and stamps.dtype == np.int64 and stamps.tolist() == [far, 0]
    parts = [_Part([0, 2], [5, far], np.int64), _Part([0, 1], [3])]
    starts, base, stamps = joined_times(parts, [np.array([0]), np.array([0])], 1, consume=False)
    assert starts.tolist() == [0, 3] and base == 3 and stamps.dtype == np.int64
    assert (stamps + base).tolist() == [3, 5, far]


def test_a_window_before_the_first_or_past_the_last_offset_counts_nothing_there():
    """A bound before a log's earliest time is a negative offset, one past 49.7 days after it does not fit 32
    bits: both still count as ``ts >= start`` / ``ts <= end`` count rows."""
    lines = NormalLines.of_frame(_rows(MIXED))
    assert lines.stamps.dtype == np.uint32
    every = lines.count_between("shop", "web", None, None)
    assert lines.count_between("shop", "web", T0 - timedelta(days=1), T0 + timedelta(days=400)) == every
    assert lines.count_between("shop", "web", T0 + timedelta(days=100), T0 + timedelta(days=400)) == 0
    assert lines.count_between("shop", "web", T0 - timedelta(days=400), T0 - timedelta(days=1)) == 0


@pytest.mark.parametrize("after,before", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("shift_us", [0, 1, 999])
def test_a_window_counts_lines_as_the_rows_comparisons_do(after: bool, before: bool, shift_us: int):
    frame = _rows(MIXED)
    lines = NormalLines.of_frame(frame)
    normal = frame[normal_mask(pa.Table.from_pandas(frame, preserve_index=False))]
    normal = normal[normal["route"] == "web"]
    for start_ms, end_ms in ((1000, 2000), (1500, 1500), (999, 2001), (0, 900)):
        start = T0 + timedelta(milliseconds=start_ms, microseconds=shift_us)
        end = T0 + timedelta(milliseconds=end_ms, microseconds=shift_us)
        ts = normal["ts"]
        low = ts > pd.Timestamp(start) if after else ts >= pd.Timestamp(start)
        high = ts < pd.Timestamp(end) if before else ts <= pd.Timestamp(end)
        expected = int((low & high).sum())
        assert lines.count_between("shop", "web", start, end, after=after, before=before) == expected
    assert lines.count_between("shop", "web", None, None) == 3
    assert lines.count_between("shop", "web", T0 + timedelta(milliseconds=1500), None) == 2


def test_naive_moments_are_utc():
    lines = NormalLines.of_frame(_rows(MIXED))
    naive = datetime(2026, 11, 20, 8, 30, 1, 500_000)
    assert lines.count_between("shop", "web", naive, naive) == 1
