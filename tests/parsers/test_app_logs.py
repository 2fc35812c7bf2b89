"""Start-up lines that say where an application listens."""

from __future__ import annotations

import pytest

from analyzer.rules.ports import is_loopback
from parsers.app_logs import scan_listen_lines


@pytest.mark.parametrize(
    ("line", "host", "port"),
    [
        ("2026-11-20T08:00:01.100000000Z INFO server listening on :8081", None, 8081),
        ("Listening on http://127.0.0.1:8080", "127.0.0.1", 8080),
        ("HTTP server bound to 127.0.0.1:8080", "127.0.0.1", 8080),
        ("Started server on 0.0.0.0:3000", "0.0.0.0", 3000),
        ("Now listening on: http://[::]:8080", "::", 8080),
        (" * Running on http://localhost:5000/ (Press CTRL+C to quit)", "localhost", 5000),
        ("Tomcat started on port(s): 8080 (http) with context path ''", None, 8080),
        ("listening at port 9000", None, 9000),
    ],
)
def test_listen_announcements(line, host, port):
    [row] = scan_listen_lines(line.encode(), namespace="n", pod="p", container="c", input="i", source="s")
    assert (row["host"], row["port"], row["line"]) == (host, port, 1)


def test_other_lines_and_timestamps():
    data = b"2026-11-20T08:00:00.000000001Z starting\n2026-11-20T08:00:01.5Z listening on :8080\nGET /x 200\n"
    [row] = scan_listen_lines(data, namespace="n", pod="p", container="c", input="i", source="s")
    assert (row["line"], row["ts"]) == (2, "2026-11-20T08:00:01.5Z")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
