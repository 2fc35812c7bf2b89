"""Start-up lines that say where an application listens, and lines that only look like it."""

from __future__ import annotations

import pytest

from parsers import schema
from parsers.app_logs import MAX_ROWS, scan_listen_lines


def scan(data: bytes) -> list[dict]:
    return scan_listen_lines(data, namespace="n", pod="p", container="c", input="i", source="s")


@pytest.mark.parametrize(
    ("line", "host", "port"),
    [
        ("2026-11-20T08:00:01.100000000Z INFO server listening on :8081", None, 8081),
        ("Listening on http://127.0.0.1:8080", "127.0.0.1", 8080),
        ("HTTP server bound to 127.0.0.1:8080", "127.0.0.1", 8080),
        ("Started server on 0.0.0.0:3000", "0.0.0.0", 3000),
        ("Starting server on :8080", None, 8080),
        ("Now listening on: http://[::]:8080", "::", 8080),
        (" * Running on http://localhost:5000/ (Press CTRL+C to quit)", "localhost", 5000),
        ("Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)", "0.0.0.0", 8000),
        ("Tomcat started on port(s): 8080 (http) with context path ''", None, 8080),
        ("Netty started on port 8080", None, 8080),
        ("listening at port 9000", None, 9000),
        ("[INFO] Listening at: http://0.0.0.0:8000 (1)", "0.0.0.0", 8000),
        ("Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...", "0.0.0.0", 8000),
        ("Server running at http://127.0.0.1:3000/", "127.0.0.1", 3000),
        ("App listening on port 3000!", None, 3000),
    ],
)
def test_listen_announcements(line, host, port):
    [row] = scan(line.encode())
    assert (row["host"], row["port"], row["line"]) == (host, port, 1)


@pytest.mark.parametrize(
    "line",
    [
        "Started job at 12:30:11",  # a clock, not a port
        "running migrations on postgres:5432",  # the application's client, not its listener
        "Connected to redis at redis:6379",
        "Kafka consumer listening on topic orders",  # no port at all
        "Binding to database pool size 10",
        "bind to 127.0.0.1:8080 failed: address already in use",  # a failed bind announces nothing
        "GET /healthz 200 12ms",
    ],
)
def test_lines_that_only_look_like_announcements(line):
    assert scan(line.encode()) == []


def test_rows_carry_line_numbers_timestamps_and_the_frame_columns():
    data = (b"2026-11-20T08:00:00.000000001Z starting\n"
            b"2026-11-20T08:00:01.5Z listening on :8080\n"
            b"GET /x 200\n"
            b"2023-11-02T06:12:07.604163885+00:00 stdout F metrics server listening on :9090\n")
    rows = scan(data)
    assert [(r["line"], r["ts"], r["port"]) for r in rows] == [
        (2, "2026-11-20T08:00:01.5Z", 8080), (4, "2023-11-02T06:12:07.604163885+00:00", 9090)]
    frame = schema.conform("container_log_lines", rows)
    assert list(frame["port"]) == [8080, 9090] and str(frame["ts"].dtype) == "datetime64[ns, UTC]"


def test_scanning_stops_after_the_first_announcements_and_survives_bad_bytes():
    data = b"\xff\xfe junk\n" + b"listening on :8080\n" * (MAX_ROWS + 5)
    rows = scan(data)
    assert len(rows) == MAX_ROWS and rows[0]["line"] == 2


def test_line_numbers_count_newlines_only_and_one_line_gives_one_row():
    data = b"boot\rstill line one\nListening on :8080 and listening on :9090\nno announcement\nbound to 127.0.0.1:81\n"
    rows = scan_listen_lines(data, namespace="n", pod="p", container="c", input="i", source="s")
    assert [(r["line"], r["port"]) for r in rows] == [(2, 8080), (4, 81)]


@pytest.mark.parametrize("verb", [
    "listening", "listens", "listen", "bound", "binding", "bind", "serving https", "accepting connections",
    "http server is started", "server running", "starting the web server", "started http server",
    "Tomcat started", "Jetty running", "netty listening", "Undertow started", "Uvicorn running", "gunicorn started",
    "Puma listening", "Kestrel running", "started", "running",
])
def test_every_announcement_verb_contains_a_stem_the_prefilter_looks_for(verb):
    from parsers.app_logs import LISTEN_RE, VERB_STEMS

    assert LISTEN_RE.search(f"{verb} on 0.0.0.0:8080"), verb  # the sample really is one of the verbs
    assert any(stem in verb.lower() for stem in VERB_STEMS), verb


def test_text_that_changes_length_when_lower_cased_is_scanned_the_slow_way():
    data = "İstanbul office\nListening on :8080\n".encode()
    rows = scan_listen_lines(data, namespace="n", pod="p", container="c", input="i", source="s")
    assert [(r["line"], r["port"]) for r in rows] == [(2, 8080)]


PREFIXES = ("", "2026-11-20T08:00:01.100000000Z ", "2023-11-02T06:12:07.604163885+00:00 stdout F ",
            "2026-11-20T08:00:01Z stderr P ")
MESSAGES = ("server listening on :8081", "serving request", "Started job at 12:30:11",
            "bind to 127.0.0.1:8080 failed: address already in use", "Listening on http://127.0.0.1:8080",
            "running on port 3000", "Connected to redis at redis:6379", "HTTP server bound to 0.0.0.0:9000")


def test_repeated_messages_with_different_time_prefixes_give_each_line_its_own_answer():
    """Each message is parsed once per log; every line still gets the answer (and time) of the line alone."""
    from parsers.app_logs import listen_address

    lines = [prefix + message for message in MESSAGES for prefix in PREFIXES] * 2
    rows = scan("\n".join(lines).encode())
    expected = [(number, *found) for number, line in enumerate(lines, start=1)
                if (found := listen_address(line)) is not None][:MAX_ROWS]
    assert [(r["line"], r["host"], r["port"]) for r in rows] == expected
    assert len(expected) == MAX_ROWS  # repeated hits count again, up to the cap
    assert {r["ts"] for r in rows} == {None, "2026-11-20T08:00:01.100000000Z", "2023-11-02T06:12:07.604163885+00:00",
                                       "2026-11-20T08:00:01Z"}


@pytest.mark.parametrize("filler", [
    "serving request",                      # a verb stem on every line, no preposition: the stems are many
    "connected to db at db:5432",           # prepositions on every line, no verb stem: the words are many
    "request took 3ms on worker 2",         # both kinds of word, many of each
    "",
])
def test_candidate_lines_find_every_line_the_grammar_accepts_whichever_word_is_rarer(filler):
    """The prefilter searches the rarer of the verb stems and the prepositions; the rows stay those of
    reading every line with :func:`listen_address`."""
    from parsers.app_logs import listen_address

    lines = [f"2026-11-20T08:00:0{i % 10}Z {filler}" for i in range(30)]
    lines[3] = "2026-11-20T08:00:03Z Listening on :8080"
    lines[17] = "HTTP server bound TO 0.0.0.0:9000"
    lines[25] = "gunicorn started at http://localhost:8000"
    rows = scan("\n".join(lines).encode())
    expected = [(number, *found) for number, line in enumerate(lines, start=1)
                if (found := listen_address(line)) is not None]
    assert [(r["line"], r["host"], r["port"]) for r in rows] == expected
    assert [number for number, *_ in expected] == [4, 18, 26]
