"""The requests frame's integer columns are narrow, and still hold every value the parser accepts exactly."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest

from parsers.haproxy_log import combine, parse_access_log
from parsers.log_frames import INTEGER, narrowest_integer

HEAD = "2020-05-11T19:11:50.135710+00:00 router-a router-a haproxy[108]: "
BACKEND = "be_http:ns:route/pod:p-1:svc:10.128.2.12:8080"


def _line(client_port: str, timers: str, status: str, size: str, conns: str, queues: str) -> str:
    return (f"{HEAD}10.0.0.1:{client_port} [11/May/2020:19:11:50.133] public {BACKEND} {timers} {status} {size} "
            f'- - --NI {conns} {queues} "GET / HTTP/1.1"')


def _parse(*lines: str):
    data = ("\n".join(lines) + "\n").encode()
    return parse_access_log(io.BytesIO(data), source="a.log", input="in")


BIG = "9" * 18  # the longest number the parser reads


def test_usual_values_take_narrow_types_and_aborted_timers_stay_minus_one():
    frame = _parse(_line("39654", "0/-1/-1/-1/0", "503", "3278", "2/1/0/0/0", "0/0"),
                   _line("65535", "10/0/1/30000/30011", "200", "142", "1/1/1/1/0", "0/0")).requests
    assert frame["Tw"].tolist() == [-1, 0] and frame["Tr"].tolist() == [-1, 30000]
    assert frame["client_port"].tolist() == [39654, 65535]
    assert str(frame["Tr"].dtype) == "Int16" and str(frame["status"].dtype) == "Int16"
    assert str(frame["client_port"].dtype) == "Int32" and str(frame["Tw"].dtype) == "Int8"
    row_bytes = frame[list(INTEGER)].memory_usage(deep=True, index=False).sum() / len(frame)
    assert row_bytes < 9 * len(INTEGER) / 2  # under half of nullable Int64's 9 bytes a value


def test_the_largest_values_the_parser_accepts_are_exact():
    frame = _parse(_line(BIG, f"{BIG}/-1/{BIG}/-1/{BIG}", "-1", BIG, f"{BIG}/{BIG}/{BIG}/{BIG}/{BIG}",
                         f"{BIG}/{BIG}"),
                   _line("1", "0/0/0/0/0", "200", "1", "0/0/0/0/0", "0/0")).requests
    big = int(BIG)
    assert frame["client_port"].tolist() == [big, 1]
    assert frame["TR"].tolist() == [big, 0] and frame["Tw"].tolist() == [-1, 0]
    assert frame["status"].tolist() == [-1, 200] and frame["bytes"].tolist() == [big, 1]
    for name in ("actconn", "feconn", "beconn", "srv_conn", "retries", "srv_queue", "backend_queue"):
        assert frame[name].tolist() == [big, 0], name
    assert str(frame["TR"].dtype) == "Int64" and str(frame["Tw"].dtype) == "Int8"


def test_files_of_different_widths_combine_in_the_widest_exactly():
    small = _parse(_line("1", "0/0/0/0/0", "200", "1", "0/0/0/0/0", "0/0"))
    large = _parse(_line("2", "0/0/0/70000/0", "200", BIG, "0/0/0/0/0", "0/0"))
    both = combine([small, large]).requests
    assert str(both["Tr"].dtype) == "Int32" and both["Tr"].tolist() == [0, 70000]
    assert str(both["bytes"].dtype) == "Int64" and both["bytes"].tolist() == [1, int(BIG)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([None, None], pa.int8()),
        ([-128, 127], pa.int8()),
        ([-129, 0], pa.int16()),
        ([0, 32768], pa.int32()),
        ([-(2**31), 2**31 - 1], pa.int32()),
        ([0, 2**31], pa.int64()),
        ([-1, None, 2**63 - 1], pa.int64()),
    ],
)
def test_narrowest_integer_bounds(values, expected):
    assert narrowest_integer(pa.array(values, pa.int64())) == expected
    held = pa.array(values, pa.int64()).cast(expected)
    assert held.to_pylist() == values


def test_chunks_narrowed_apart_join_in_the_widest_type_of_the_file_exactly(monkeypatch):
    from parsers import log_lines

    monkeypatch.setattr(log_lines, "CHUNK_BYTES", 300)  # about one line a chunk: each chunk narrowed alone
    lines = [_line("1", "0/0/0/5/5", "200", "1", "0/0/0/0/0", "0/0"),
             _line("2", "0/-1/-1/-1/0", "503", "0", "0/0/0/0/0", "0/0"),
             _line("3", "0/0/0/70000/70000", "200", BIG, "0/0/0/0/0", "0/0"),
             _line("4", "0/0/0/7/7", "200", "3", "0/0/0/0/0", "0/0")]
    frame = _parse(*lines).requests
    assert frame["Tr"].tolist() == [5, -1, 70000, 7] and str(frame["Tr"].dtype) == "Int32"
    assert frame["bytes"].tolist() == [1, 0, int(BIG), 3] and str(frame["bytes"].dtype) == "Int64"
    assert frame["Tw"].tolist() == [0, -1, 0, 0] and str(frame["Tw"].dtype) == "Int8"
    assert frame["line"].tolist() == [1, 2, 3, 4]
