"""Router access-log lines of every shape parse field by field (router-facts.md §1.7, §1.8)."""

from __future__ import annotations

import gzip
import io
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from parsers import schema
from parsers.haproxy_log import combine, parse_access_log
from parsers.load_snapshot import load_snapshot

# router-facts.md §1.7, verbatim from public sources
DOCS_HTTP = (
    "2020-05-11T19:11:50.135710+00:00 router-default-57dfc6cd95-bpmk6 router-default-57dfc6cd95-bpmk6 haproxy[108]: "
    "174.19.21.82:39654 [11/May/2020:19:11:50.133] public be_http:hello-openshift:hello-openshift/pod:hello-openshift:"
    'hello-openshift:10.128.2.12:8080 0/0/1/0/1 200 142 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"'
)
DOCS_TCP = (
    "2020-10-02T10:39:16.777555+00:00 router-default-b69b559d7-t8vcg router-default-b69b559d7-t8vcg haproxy[55]: "
    "3.34.158.228:15893 [02/Oct/2020:10:38:17.692] public_ssl be_tcp:openshift-authentication:oauth-openshift/pod:"
    "oauth-openshift-68c8dfb86b-m6q57:oauth-openshift:10.130.0.32:6443 1/0/59084 3093 -- 14/14/13/13/0 0/0"
)
PROXY_STARTED = "2019-06-20T06:45:44+00:00 10.128.6.1 haproxy[18]: Proxy openshift_default started."
NOSRV_311 = (
    "2019-06-20T06:45:44+00:00 10.128.6.1 haproxy[19]: 127.0.0.1:33384 [20/Jun/2019:06:45:44.643] public "
    'openshift_default/<NOSRV> 1/-1/-1/-1/0 503 3278 - - SC-- 2/1/0/0/0 0/0 "HEAD / HTTP/1.1"'
)
SSL_TIMEOUT = (
    "Feb 21 14:49:40 master2.cluster.local haproxy[153]: 10.0.1.179:1527 [21/Feb/2018:14:49:10.053] "
    "fe_sni/1: Timeout during SSL handshake"
)
BADREQ = (
    "Feb 21 14:49:40 master3.cluster.local haproxy[489]: 10.0.1.179:42234 [21/Feb/2018:14:49:17.496] fe_no_sni~ "
    'fe_no_sni/<NOSRV> -1/-1/-1/-1/22803 408 212 - - cR-- 429/78/0/0/0 0/0 "<BADREQ>"'
)
CUSTOM = (
    ".226:51394 [09/Mar/2022:02:49:20.812] fe_sni~ be_edge_http:project1:frontend/pod:frontend-v2-868959894b-"
    "mlld2:frontend:http:10.128.2.47:8080 532 0 GET / HTTP/1.1"
)
H2_32DEV = (
    "Mar 26 20:15:24 localhost haproxy[305]: fddd:1194:1194:1194::1000:51034 [26/Mar/2025:20:15:23.929] webserver ~ "
    'webserver 0/0/36/-1/476 502 1029 - - SH-- 8/4/15/14/0 0/0 "GET HTTP/2.0" fc_err=- bc_err=ERESET '
    "tevts={,,e1,S5s1,E6E1,M6M1,F3X3}"
)
# router-facts.md §1.8, complete lines as they came out of the rsyslog chain [exp]
EXP_SH = (
    "2026-11-24T00:55:20.712940+00:00 vm vm haproxy[19270]: 127.0.0.1:58476 [24/Nov/2026:00:55:20.711] public "
    "be_http:ns:closenoresp/pod:closenoresp-5c6d:closenoresp:http:127.0.0.1:9003 0/0/0/-1/0 502 209 - - SHNN "
    '1/1/0/0/0 0/0 "GET /rs-closenoresp HTTP/1.1"'
)
EXP_TCP_SC = (
    "2026-11-24T00:55:23.723464+00:00 vm vm haproxy[19270]: 127.0.0.1:41368 [24/Nov/2026:00:55:20.719] public_ssl "
    "be_tcp:ns:pass-refused/pod:pass-1:pass:https:127.0.0.1:9002 2/-1/3004 0 SC 1/1/0/0/3 0/0"
)
EXP_DOWN = (
    "2026-11-24T00:55:14.619891+00:00 vm vm haproxy[19270]: Server be_http:ns:twoeps_one_refused/pod:a-1:a:http:"
    '127.0.0.1:9002 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. '
    "1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
)
KUBELET = "2026-11-20T08:41:03.118204411Z "


def parse(*lines: str, **kw):
    data = ("\n".join(lines) + "\n").encode()
    return parse_access_log(io.BytesIO(data), source="current.log", input="in", **kw)


def one(line: str, **kw) -> pd.Series:
    result = parse(line, **kw)
    assert len(result.requests) == 1, (result.unparsed_samples, result.router_events)
    return result.requests.iloc[0]


def test_docs_http_line_field_by_field():
    r = one(DOCS_HTTP)
    assert (r["client_ip"], r["client_port"], r["frontend"], bool(r["tls"])) == ("174.19.21.82", 39654, "public", False)
    assert r["ts"] == pd.Timestamp("2020-05-11T19:11:50.133Z")
    assert r["received"] == pd.Timestamp("2020-05-11T19:11:50.135710Z")
    assert (r["backend_kind"], r["namespace"], r["route"]) == ("be_http", "hello-openshift", "hello-openshift")
    # 2020-era 5-part server name: the port name is not logged at all (unlike an unnamed port, "")
    assert (r["server_kind"], r["pod"], r["service"], r["server_ip"], r["server_port"]) == (
        "pod",
        "hello-openshift",
        "hello-openshift",
        "10.128.2.12",
        8080,
    )
    assert pd.isna(r["port_name"])
    assert [r[t] for t in ("TR", "Tw", "Tc", "Tr", "Ta")] == [0, 0, 1, 0, 1]
    assert (r["status"], r["bytes"], r["term"], r["term_full"]) == (200, 142, "--", "--NI")
    assert (r["actconn"], r["feconn"], r["beconn"], r["srv_conn"], r["retries"]) == (1, 1, 0, 0, 0)
    assert (r["method"], r["path"], r["http_version"], r["mode"]) == ("GET", "/", "HTTP/1.1", "http")
    assert (r["router_pod"], r["pid"], r["line"], r["source"]) == (
        "router-default-57dfc6cd95-bpmk6",
        108,
        1,
        "current.log",
    )


def test_docs_tcp_passthrough_line():
    r = one(DOCS_TCP)
    assert (r["mode"], r["frontend"], r["backend_kind"], r["namespace"], r["route"]) == (
        "tcp",
        "public_ssl",
        "be_tcp",
        "openshift-authentication",
        "oauth-openshift",
    )
    assert (r["pod"], r["server_ip"], r["server_port"]) == ("oauth-openshift-68c8dfb86b-m6q57", "10.130.0.32", 6443)
    assert pd.isna(r["port_name"])
    assert (r["Tw"], r["Tc"], r["Ta"], r["bytes"], r["term"]) == (1, 0, 59084, 3093, "--")
    assert pd.isna(r["status"]) and pd.isna(r["TR"]) and pd.isna(r["Tr"])


def test_ocp3_syslog_lines_nosrv_and_router_event():
    result = parse(PROXY_STARTED, NOSRV_311)
    assert result.unparsed == 0 and len(result.requests) == 1
    r = result.requests.iloc[0]
    assert (r["backend"], r["server_kind"], r["status"], r["term"], r["Tw"], r["Tc"]) == (
        "openshift_default",
        "nosrv",
        503,
        "SC",
        -1,
        -1,
    )
    assert pd.isna(r["namespace"])
    ev = result.router_events.iloc[0]
    assert (ev["event"], ev["backend"], ev["pid"], ev["line"]) == ("proxy-started", "openshift_default", 18, 1)


def test_rfc3164_badreq_and_ssl_handshake_message():
    result = parse(SSL_TIMEOUT, BADREQ)
    assert result.unparsed == 0
    r = result.requests.iloc[0]
    assert (r["frontend"], bool(r["tls"]), r["status"], r["term"], r["path"], r["Ta"]) == (
        "fe_no_sni",
        True,
        408,
        "cR",
        "<BADREQ>",
        22803,
    )
    assert pd.isna(r["method"]) and pd.isna(r["received"])  # RFC3164 has no year: receive time unknown
    assert r["router_pod"] == "master3.cluster.local"
    assert result.router_events.iloc[0]["event"] == "ssl-error"


def test_experimental_lines_shapes():
    result = parse(KUBELET + EXP_SH, KUBELET + EXP_TCP_SC, KUBELET + EXP_DOWN)
    assert result.unparsed == 0 and len(result.requests) == 2
    sh = result.requests[result.requests["mode"] == "http"].iloc[0]
    assert (sh["status"], sh["term"], sh["Tr"], sh["port_name"], sh["pod"]) == (
        502,
        "SH",
        -1,
        "http",
        "closenoresp-5c6d",
    )
    assert sh["received"] == pd.Timestamp("2026-11-24T00:55:20.712940Z")
    tcp = result.requests[result.requests["mode"] == "tcp"].iloc[0]
    assert (tcp["term"], tcp["Tc"], tcp["retries"], tcp["port_name"]) == ("SC", -1, 3, "https")
    down = result.router_events.iloc[0]
    assert (down["event"], down["namespace"], down["route"], down["pod"]) == (
        "server-down",
        "ns",
        "twoeps_one_refused",
        "a-1",
    )


def test_captures_ipv6_redispatch_h2_and_truncation():
    line = (
        KUBELET + "2026-11-20T08:41:03.118102+00:00 r r haproxy[812]: fddd:1194:1194:1194::1000:51034 "
        "[20/Nov/2026:08:41:03.101] fe_sni~ be_edge_http:shop:frontend/pod:frontend-1:frontend:http:fd01:0:0:1::5:"
        "8080 0/0/0/-1/1 502 209 - - SHNN 12/9/0/0/+1 0/0 {Mozilla/5.0 (X11; Linux)|shop.example} "
        '"GET https://shop.example/a?b HTTP/2.0"'
    )
    r = one(line)
    assert (r["client_ip"], r["client_port"]) == ("fddd:1194:1194:1194::1000", 51034)
    assert (r["server_ip"], r["server_port"], r["retries"], bool(r["redispatched"])) == ("fd01:0:0:1::5", 8080, 1, True)
    assert (r["path"], r["http_version"]) == ("https://shop.example/a?b", "HTTP/2.0")
    truncated = EXP_SH[:-2]  # log max length cut the closing quote and more
    r = one(truncated)
    assert (r["status"], r["path"], r["http_version"]) == (502, "/rs-closenoresp", "HTTP/1.")


def test_cri_rotated_lines_with_partial_lines_joined():
    body = EXP_SH.split("haproxy[19270]: ", 1)[1]
    cri = (
        f"2026-11-24T00:55:20.713001001+00:00 stdout P 2026-11-24T00:55:20.712940+00:00 vm vm haproxy[19270]: "
        f"{body[:40]}\n2026-11-24T00:55:20.713001002+00:00 stdout F {body[40:]}\n"
        f"2026-11-24T00:55:21.000000000+00:00 stdout F {EXP_SH}\n"
    )
    result = parse_access_log(io.BytesIO(cri.encode()), source="rotated/0.log.20261124-005600", input="in")
    assert len(result.requests) == 2 and result.unparsed == 0
    assert result.requests["line"].tolist() == [1, 3]
    # the partial piece is part of line 1, not a line left out by a time window no one asked for
    [acct] = result.accounting
    assert (acct["lines_read"], acct["requests"], acct["continued"], acct["outside_window"]) == (3, 2, 1, 0)


def test_a_line_split_into_many_partial_pieces_is_one_line_in_the_accounting(tmp_path):
    """A runtime splits a long line into 16 KiB ``P`` pieces: they are the line's, on every path (analyze's
    lean pass too), and a file of such pieces around no router line is not taken for an access log."""
    from parsers.log_chunks import usable_lines

    body = EXP_SH.split("haproxy[19270]: ", 1)[1]
    head = "2026-11-24T00:55:20.713001001+00:00 stdout"
    pieces = "".join(f"{head} P {'x' * 50}\n" for _ in range(6))
    cri = (f"{head} F {EXP_SH}\n{pieces}{head} F end of a long line that is no router line\n"
           f"{head} P 2026-11-24T00:55:20.712940+00:00 vm vm haproxy[19270]: {body[:40]}\n{head} F {body[40:]}\n")
    result = parse_access_log(io.BytesIO(cri.encode()), source="0.log", input="in")
    [acct] = result.accounting
    assert (acct["lines_read"], acct["requests"], acct["unparsed"]) == (10, 2, 1)
    assert (acct["continued"], acct["outside_window"]) == (7, 0)
    assert result.requests["line"].tolist() == [1, 9]
    log = tmp_path / "0.log"
    log.write_text(cri)
    [analyzed] = load_snapshot([str(log)], keep_all_requests=False).log_accounting  # mga analyze's pass
    assert {k: analyzed[k] for k in acct if k != "input"} == {k: v for k, v in acct.items() if k != "input"}
    junk = parse_access_log(io.BytesIO(pieces.encode() + f"{head} F end\n".encode()), source="0.log", input="in")
    assert usable_lines(junk.accounting[0]) == 0 and junk.accounting[0]["continued"] == 6


def test_unparsed_lines_are_counted_with_a_reason_and_accounting_adds_up():
    result = parse(DOCS_HTTP, "complete garbage", "", PROXY_STARTED)
    assert result.unparsed == 2
    assert {s["reason"] for s in result.unparsed_samples} == {
        "no haproxy[pid]: tag and not a bare HAProxy line",
        "empty line",
    }
    [acct] = result.accounting
    assert acct["lines_read"] == 4 == acct["requests"] + acct["router_messages"] + acct["unparsed"]


def test_since_until_and_several_files_combined():
    a = parse(DOCS_HTTP, since=datetime(2020, 5, 11, 19, 0, tzinfo=UTC))
    b = parse(NOSRV_311, until=datetime(2019, 6, 20, 6, 45, tzinfo=UTC))
    assert len(a.requests) == 1 and len(b.requests) == 0
    both = combine([a, b])
    assert both.lines_read == 2 and len(both.requests) == 1 and len(both.accounting) == 2


def test_gzipped_member_is_decompressed(tmp_path):
    from parsers.haproxy_log import open_log_member
    from parsers.inputs import open_input

    d = tmp_path / "mg" / "namespaces" / "openshift-ingress" / "pods" / "r1" / "logs" / "logs" / "logs" / "rotated"
    d.mkdir(parents=True)
    (d / "0.log.20261124-005600.gz").write_bytes(gzip.compress((DOCS_HTTP + "\n").encode()))
    src = open_input(tmp_path / "mg")
    with open_log_member(src, src.members[0]) as stream:
        result = parse_access_log(stream, source=src.members[0].name, input="mg")
    assert len(result.requests) == 1


@pytest.mark.parametrize("line", ["", "   ", "haproxy[1]: ", "\x00\x01", "x" * 5000])
def test_odd_lines_never_raise(line):
    result = parse(line)
    assert result.lines_read == 1 and len(result.requests) == 0




def test_haproxy_32_line_with_extra_fields_and_a_detached_tls_mark():
    """§1.7's HAProxy 3.2-dev line: no "/server", "~" apart from the frontend, fields after the request."""
    r = one(H2_32DEV)
    assert (r["backend"], r["frontend"], bool(r["tls"]), r["status"], r["term_full"], r["bytes"]) == (
        "webserver", "webserver", True, 502, "SH--", 1029
    )
    assert pd.isna(r["server"]) and pd.isna(r["server_kind"]) and pd.isna(r["namespace"])
    assert (r["client_ip"], r["client_port"], r["Tc"], r["Tr"], r["Ta"], r["srv_conn"]) == (
        "fddd:1194:1194:1194::1000", 51034, 36, -1, 476, 14
    )
    assert (r["method"], r["http_version"], r["router_pod"], r["pid"]) == ("GET", "HTTP/2.0", "localhost", 305)
    assert pd.isna(r["path"]) and pd.isna(r["received"])


def test_fields_after_the_request_do_not_leak_into_it():
    r = one(DOCS_HTTP + " fc_err=- bc_err=ERESET")
    assert (r["method"], r["path"], r["http_version"], r["status"]) == ("GET", "/", "HTTP/1.1", 200)


@pytest.mark.parametrize("log_format", [None, "a format without variables"])
def test_a_custom_format_line_without_its_format_says_what_to_do(log_format):
    result = parse("2022-03-09T02:49:20.813+00:00 r r haproxy[9]: 10.1.2" + CUSTOM, DOCS_HTTP, log_format=log_format)
    assert result.unparsed == 1 and len(result.requests) == 1
    assert "custom httpLogFormat" in result.unparsed_samples[0]["reason"]
    assert "--log-format" in result.unparsed_samples[0]["reason"]


@pytest.mark.parametrize(
    ("prefix", "host", "received"),
    [
        ("2020-05-11T19:11:50.135710+00:00 rp rp haproxy[108]: ", "rp", "2020-05-11T19:11:50.135710Z"),
        ("2020-05-11T19:11:50.135710+00:00 10.128.6.1 haproxy[108]: ", "10.128.6.1", "2020-05-11T19:11:50.135710Z"),
        ("2020-05-11T19:11:50.2Z 2020-05-11T21:11:50.135+02:00 rp rp haproxy[108]: ", "rp", "2020-05-11T19:11:50.135Z"),
        ("2020-05-11T19:11:50.3Z stdout F 2020-05-11T19:11:50.135710+00:00 rp rp haproxy[108]: ", "rp",
         "2020-05-11T19:11:50.135710Z"),
        ("May 11 19:11:50 node-1 haproxy[108]: ", "node-1", None),
        ("<134>May 11 19:11:50 haproxy[108]: ", "19:11:50", None),
    ],
    ids=["rsyslog", "rsyslog-one-host", "kubelet-offset", "cri", "rfc3164", "rfc3164-no-host"],
)
def test_every_prefix_gives_host_pid_and_rsyslog_receive_time(prefix, host, received):
    body = DOCS_HTTP.split("haproxy[108]: ", 1)[1]
    for line in (prefix + body, prefix + body.replace(" {", " ") + " "):  # the fast path, then the general one
        r = one(line)
        assert (r["router_pod"], r["pid"], r["status"], r["route"]) == (host, 108, 200, "hello-openshift")
        assert (pd.isna(r["received"]) if received is None else r["received"] == pd.Timestamp(received))


def test_bare_lines_take_the_router_pod_from_the_caller():
    bare = DOCS_HTTP.split("haproxy[108]: ", 1)[1]
    r = one(bare, router_pod="router-default-1")
    assert (r["router_pod"], r["status"]) == ("router-default-1", 200)
    assert pd.isna(r["pid"]) and pd.isna(r["received"])
    r = one(KUBELET + bare, router_pod="router-default-1")  # kubelet's time in front of a bare line
    assert (r["router_pod"], r["status"], r["received"]) == (
        "router-default-1", 200, pd.Timestamp("2026-11-20T08:41:03.118204Z")
    )


def test_crlf_endings_and_invalid_utf8_keep_line_numbers():
    data = (DOCS_HTTP + "\r\n").encode() + b"\xff\xfe broken\n" + (NOSRV_311 + "\r\n").encode()
    result = parse_access_log(io.BytesIO(data), source="a.log", input="in")
    assert result.requests["line"].tolist() == [1, 3]
    assert result.requests["http_version"].tolist() == ["HTTP/1.1", "HTTP/1.1"]
    [sample] = result.unparsed_samples
    assert (sample["line"], sample["text"]) == (2, "\ufffd\ufffd broken")


def test_frame_dtypes_are_the_declared_ones_also_after_combining():
    a = parse(DOCS_HTTP, NOSRV_311)
    b = parse(DOCS_TCP, BADREQ)
    declared = [(n, "Int" if dtype == "Int64" else dtype) for n, dtype in schema.columns("requests")]

    def kinds(frame: pd.DataFrame) -> list[tuple[str, str]]:
        # integer columns are held in the narrowest nullable integer type their values fit in
        return [(n, re.sub(r"^Int(8|16|32|64)$", "Int", str(frame[n].dtype))) for n in frame.columns]

    assert kinds(a.requests) == declared
    both = combine([a, b])  # consumes the files' frames
    assert kinds(both.requests) == declared and a.requests.columns.empty
    assert both.requests["backend"].tolist() == [  # sorted by accept time across files
        "fe_no_sni", "openshift_default", "be_http:hello-openshift:hello-openshift",
        "be_tcp:openshift-authentication:oauth-openshift",
    ]


@pytest.mark.parametrize(
    ("message", "event", "backend"),
    [
        ("Server be_http:ns:r/pod:p-1:s:http:10.0.0.1:8080 is going DOWN for maintenance.", "server-down",
         "be_http:ns:r"),
        ("Server be_http:ns:r/pod:p-1:s:http:10.0.0.1:8080 is UP, reason: Layer4 check passed", "server-up",
         "be_http:ns:r"),
        ("backend be_edge_http:ns:r has no server available!", "no-server", "be_edge_http:ns:r"),
        ("Proxy fe_sni stopped (cumulated conns: FE: 12, BE: 0).", "proxy-stopped", "fe_sni"),
        ("10.0.1.179:1527 [21/Feb/2018:14:49:10.053] fe_sni/1: SSL handshake failure", "ssl-error", "fe_sni/1"),
        ("[WARNING]  (7) : Server be_tcp:ns:t/pod:q:s:https:10.0.0.2:8443 is DOWN, reason: Layer4 timeout",
         "server-down", "be_tcp:ns:t"),
    ],
)
def test_router_messages_are_events(message, event, backend):
    result = parse("2026-11-24T00:55:14.619891+00:00 rp rp haproxy[3]: " + message)
    assert (result.unparsed, len(result.requests)) == (0, 0)
    ev = result.router_events.iloc[0]
    assert (ev["event"], ev["backend"], ev["router_pod"], ev["pid"], ev["line"]) == (event, backend, "rp", 3, 1)
    assert ev["ts"] == pd.Timestamp("2026-11-24T00:55:14.619891Z")


def test_a_chunk_that_breaks_a_kernel_is_parsed_line_by_line(monkeypatch):
    import pyarrow as pa

    from parsers import log_layers

    def broken(text, lean=False):
        raise pa.ArrowInvalid("an input no check foresaw")

    monkeypatch.setattr(log_layers, "_fast_shapes", broken)
    result = parse(DOCS_HTTP, DOCS_TCP, PROXY_STARTED, "garbage")
    assert result.requests["route"].tolist() == ["hello-openshift", "oauth-openshift"]
    assert (result.unparsed, len(result.router_events)) == (1, 1)
