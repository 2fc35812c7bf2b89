"""``mga logs``: halog-style counts per route from log files and from the router logs inside inputs."""

from __future__ import annotations

import gzip
import json

import pytest
from typer.testing import CliRunner

from mga.cli import app

KUBELET = "2026-11-24T00:55:21.000000001Z "
DOCS_HTTP = (  # router-facts.md §1.7, the OCP docs line
    "2020-05-11T19:11:50.135710+00:00 router-default-57dfc6cd95-bpmk6 router-default-57dfc6cd95-bpmk6 haproxy[108]: "
    "174.19.21.82:39654 [11/May/2020:19:11:50.133] public be_http:hello-openshift:hello-openshift/pod:hello-openshift:"
    'hello-openshift:10.128.2.12:8080 0/0/1/0/1 200 142 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"'
)
NOSRV = (
    "2019-06-20T06:45:44+00:00 10.128.6.1 haproxy[19]: 127.0.0.1:33384 [20/Jun/2019:06:45:44.643] public "
    'openshift_default/<NOSRV> 1/-1/-1/-1/0 503 3278 - - SC-- 2/1/0/0/0 0/0 "HEAD / HTTP/1.1"'
)
SH = (
    "2026-11-24T00:55:20.712940+00:00 vm vm haproxy[19270]: 127.0.0.1:58476 [24/Nov/2026:00:55:20.711] public "
    "be_http:ns:closenoresp/pod:closenoresp-5c6d:closenoresp:http:127.0.0.1:9003 0/0/0/-1/0 502 209 - - SHNN "
    '1/1/0/0/0 0/0 "GET /rs-closenoresp HTTP/1.1"'
)
TCP_SC = (
    "2026-11-24T00:55:23.723464+00:00 vm vm haproxy[19270]: 127.0.0.1:41368 [24/Nov/2026:00:55:20.719] public_ssl "
    "be_tcp:ns:pass-refused/pod:pass-1:pass:https:127.0.0.1:9002 2/-1/3004 0 SC 1/1/0/0/3 0/0"
)
DOWN = (
    "2026-11-24T00:55:14.619891+00:00 vm vm haproxy[19270]: Server be_http:ns:closenoresp/pod:a-1:a:http:"
    '127.0.0.1:9002 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.'
)
REJECT = (
    "2026-11-24T00:56:01.000001+00:00 vm vm haproxy[19270]: 127.0.0.1:58477 [24/Nov/2026:00:56:00.500] public "
    'be_http:ns:allow/<NOSRV> -1/-1/-1/-1/0 -1 0 - - PRNN 1/1/0/0/0 0/0 "GET / HTTP/1.1"'
)
LINES = [DOCS_HTTP, NOSRV, KUBELET + SH, KUBELET + TCP_SC, KUBELET + DOWN, REJECT, "garbage", DOCS_HTTP]


def run(*args: str):
    return CliRunner().invoke(app, ["logs", *args])


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "router.log"
    path.write_text("\n".join(LINES) + "\n")
    return path


def stats_of(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_counts_like_halog_per_route(log):
    stats = stats_of(str(log))
    assert stats["schema"] == "mga.logs/v1"
    assert (stats["lines_read"], stats["requests"], stats["router_messages"], stats["unparsed"]) == (8, 6, 1, 1)
    assert stats["status_counts"] == {"-1": 1, "200": 2, "502": 1, "503": 1}  # the TCP line has no status
    assert stats["term_counts"] == {"--": 2, "PR": 1, "SC": 2, "SH": 1}
    backends = {b["backend"]: b for b in stats["backends"]}
    assert {k: (b["requests"], b["status_counts"], b["namespace"], b["route"]) for k, b in backends.items()} == {
        "be_http:hello-openshift:hello-openshift": (2, {"200": 2}, "hello-openshift", "hello-openshift"),
        "openshift_default": (1, {"503": 1}, None, None),
        "be_http:ns:closenoresp": (1, {"502": 1}, "ns", "closenoresp"),
        "be_tcp:ns:pass-refused": (1, {}, "ns", "pass-refused"),
        "be_http:ns:allow": (1, {"-1": 1}, "ns", "allow"),
    }
    servers = {(s["backend"], s["server"]): s for s in stats["servers"]}
    sh = servers[("be_http:ns:closenoresp", "pod:closenoresp-5c6d:closenoresp:http:127.0.0.1:9003")]
    assert (sh["requests"], sh["errors_5xx"], sh["pod"]) == (1, 1, "closenoresp-5c6d")
    [sample] = stats["unparsed_samples"]
    assert (sample["source"], sample["line"], sample["text"]) == ("router.log", 7, "garbage")
    assert sample["reason"] == "no haproxy[pid]: tag and not a bare HAProxy line"


def test_worst_minutes_rank_5xx(log):
    minutes = stats_of(str(log))["worst_minutes"]
    assert [(m["minute"], m["errors_5xx"], m["502"], m["503"]) for m in minutes] == [
        ("2026-11-24T00:55:00Z", 1, 1, 0),  # same 5xx count: the minute with more requests first
        ("2019-06-20T06:45:00Z", 1, 0, 1),
    ]


def test_since_and_until_keep_the_window(log):
    stats = stats_of(str(log), "--since", "2026-11-24T00:55:00Z", "--until", "24/Nov/2026:00:55:59")
    assert stats["requests"] == 2  # the 502 and the TCP line; the -1 at 00:56:00.500 is after --until
    assert stats["status_counts"] == {"502": 1}
    assert stats["router_messages"] == 1 and stats["unparsed"] == 1


def test_table_output_to_a_file(log, tmp_path):
    out = tmp_path / "logs.txt"
    result = run(str(log), "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("lines read 8, requests 6, router messages 1, unparsed 1\n")
    assert "status  -1:1  200:2  502:1  503:1" in text
    assert "term    --:2  PR:1  SC:2  SH:1" in text
    first_route = text.split("ROUTE", 1)[1].splitlines()[1].split()
    assert first_route[:4] == ["ns/closenoresp", "be_http:ns:closenoresp", "1", "1"]  # ties: backend name order
    assert "garbage" in text


def test_gzipped_log_and_several_files(log, tmp_path):
    gz = tmp_path / "older.log.gz"
    gz.write_bytes(gzip.compress((SH + "\n").encode()))
    stats = stats_of(str(log), str(gz))
    assert (stats["lines_read"], stats["requests"], stats["status_counts"]["502"]) == (9, 7, 2)
    assert [f["lines_read"] for f in stats["files"]] == [8, 1]


def test_router_logs_inside_a_must_gather(tmp_path):
    pod_dir = tmp_path / "mg" / "namespaces" / "openshift-ingress" / "pods" / "router-default-1"
    log_dir = pod_dir / "logs" / "logs" / "logs"
    log_dir.mkdir(parents=True)
    bare = SH.split("haproxy[19270]: ", 1)[1]  # a bare HAProxy line behind the kubelet's time
    (log_dir / "current.log").write_text(KUBELET + bare + "\n")
    (pod_dir / "router" / "router" / "logs").mkdir(parents=True)
    (pod_dir / "router" / "router" / "logs" / "current.log").write_text("I1124 router started\n")
    stats = stats_of(str(tmp_path / "mg"))
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (1, 1, 0)
    assert stats["files"][0]["source"].endswith("router-default-1/logs/logs/logs/current.log")
    assert stats["worst_minutes"][0]["minute"] == "2026-11-24T00:55:00Z"


def test_a_missing_file_is_one_line_and_exit_2(tmp_path):
    result = run(str(tmp_path / "nope.log"))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "nope.log" in result.output


def test_a_bad_time_is_one_line_and_exit_2(log):
    result = run(str(log), "--since", "yesterday-ish")
    assert result.exit_code == 2 and "--since" in result.output


def test_a_time_must_name_its_day(log):
    for option, value in [("--since", "1h"), ("--until", "1h"), ("--since", "10m"), ("--since", "2026"),
                          ("--since", "08:50")]:
        result = run(str(log), option, value)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(f"mga: {option}: cannot read time {value!r} (use a full date: YYYY-MM-DD")
    assert stats_of(str(log), "--since", "2026-11-24")["requests"] == 3  # a date alone is midnight UTC
    assert stats_of(str(log), "--until", "2020-05-11")["requests"] == 1  # the 503 of 2019 only


def test_a_window_without_any_line_says_so(log):
    result = run(str(log), "--until", "2000-01-01")
    assert result.exit_code == 0
    assert result.stderr == ("mga: warning: --until 2000-01-01: the window excludes every log line "
                             "(6 lines outside it)\n")
    assert result.stdout.splitlines()[1] == "window: no dated lines (no request line read, or none in --since/--until)"


def test_custom_log_format_option(tmp_path):
    path = tmp_path / "custom.log"
    path.write_text(
        "2022-03-09T02:49:20.813+00:00 r r haproxy[9]: 10.1.2.226:51394 [09/Mar/2022:02:49:20.812] fe_sni~ "
        "be_edge_http:project1:frontend/pod:frontend-v2-868959894b-mlld2:frontend:http:10.128.2.47:8080 532 0 "
        "GET / HTTP/1.1\n"
    )
    unparsed = run(str(path))  # its one line unparsed: no access-log line, exit 2 with what the line lacks
    assert unparsed.exit_code == 2 and "1 line read, none a router request line" in unparsed.stderr
    assert "give it with --log-format" in unparsed.stderr
    stats = stats_of(str(path), "--log-format", "%ci:%cp [%t] %ft %b/%s %B %bq %HM %HU %HV")
    assert (stats["requests"], stats["unparsed"], stats["backends"][0]["route"]) == (1, 0, "frontend")
    result = run(str(path), "--log-format", "no variables here")
    assert result.exit_code == 2 and result.output.startswith("mga: --log-format:")


def test_inputs_without_any_access_log_line_are_one_line_and_exit_2(tmp_path):
    """Nothing usable is exit 2 with why (contract v1.1 "Exit codes"), never empty tables and exit 0."""
    empty = tmp_path / "empty"
    empty.mkdir()
    pod_dir = tmp_path / "mg" / "namespaces" / "openshift-ingress" / "pods" / "router-default-1"
    (pod_dir / "router" / "router" / "logs").mkdir(parents=True)  # the router's own log, no access-log sidecar
    (pod_dir / "router" / "router" / "logs" / "current.log").write_text("I1124 router started\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("# notes\n\nnothing from a router here\n")
    for path, why in [(empty, "no router access log found in"), (tmp_path / "mg", "no router access log found in"),
                      (notes, "no access-log line in")]:
        for fmt in ("table", "json"):
            result = run(str(path), "--format", fmt)
            assert result.exit_code == 2 and result.stdout == "", (path, result.output)
            assert result.stderr.startswith(f"mga: {why} {path}") and result.stderr.count("\n") == 1
    assert "access logging is on, and it is off by default" in run(str(tmp_path / "mg")).stderr
    assert ("3 lines read, none a router request line (first unparsed: notes.txt:1: "
            in run(str(notes)).stderr)
