"""An IngressController httpLogFormat compiles into a parser for exactly the fields it logs."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pytest

from parsers.haproxy_log import parse_access_log
from parsers.log_fields import INVALID_DATE_REASON, NEGATIVE_NUMBER_REASON, parse_bodies
from parsers.log_format import compile_log_format

DOCS_FORMAT = "%ci:%cp [%t] %ft %b/%s %B %bq %HM %HU %HV"  # OCP docs example, router-facts.md §1.6
# router-facts.md §1.7: a real line of that format (its source cut the start of the client address)
DOCS_LINE = (
    ".226:51394 [09/Mar/2022:02:49:20.812] fe_sni~ be_edge_http:project1:frontend/pod:frontend-v2-868959894b-mlld2:"
    "frontend:http:10.128.2.47:8080 532 0 GET / HTTP/1.1"
)
HTTPLOG = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
DEFAULT_BODIES = [  # router-facts.md §1.7 / §1.8 default-format bodies
    "174.19.21.82:39654 [11/May/2020:19:11:50.133] public be_http:hello-openshift:hello-openshift/pod:hello-openshift:"
    'hello-openshift:10.128.2.12:8080 0/0/1/0/1 200 142 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
    "127.0.0.1:33384 [20/Jun/2019:06:45:44.643] public openshift_default/<NOSRV> 1/-1/-1/-1/0 503 3278 - - SC-- "
    '2/1/0/0/0 0/0 "HEAD / HTTP/1.1"',
    "10.0.1.179:42234 [21/Feb/2018:14:49:17.496] fe_no_sni~ fe_no_sni/<NOSRV> -1/-1/-1/-1/22803 408 212 - - cR-- "
    '429/78/0/0/0 0/0 "<BADREQ>"',
    "127.0.0.1:58476 [24/Nov/2026:00:55:20.711] public be_http:ns:twoeps_nocheck/pod:b-2:b:http:127.0.0.1:9001 "
    '0/2002/0/4/2006 200 51 - - --DI 1/1/0/0/+3 0/0 "GET /cookie-to-dead HTTP/1.1"',
    "127.0.0.1:58476 [24/Nov/2026:00:55:20.711] public be_http:ns:allow/<NOSRV> -1/-1/-1/-1/0 -1 0 - - PRNN "
    '1/1/0/0/0 0/0 "GET / HTTP/1.1"',
    "fddd:1194::1000:51034 [20/Nov/2026:08:41:03.101] fe_sni~ be_edge_http:shop:frontend/pod:frontend-1:frontend:"
    "http:fd01:0:0:1::5:8080 0/0/0/-1/1 502 209 - - SHNN 12/9/0/0/+1 0/0 {Mozilla/5.0 (X11; Linux)|shop.example} "
    '"GET https://shop.example/a?b HTTP/2.0"',
]


def rows(fmt: str, *bodies: str) -> pd.DataFrame:
    table, rejected = compile_log_format(fmt).parse(pa.array(bodies, pa.string()))
    assert table is not None, rejected
    return table.to_pandas()


def test_docs_format_compiles_to_its_fields():
    compiled = compile_log_format(DOCS_FORMAT)
    assert compiled.columns == [
        "client_ip", "client_port", "date", "frontend_raw", "backend", "server", "bytes", "backend_queue", "method",
        "path", "http_version",
    ]
    assert compiled.mode == "http"


def test_docs_line_parses_field_by_field():
    r = rows(DOCS_FORMAT, DOCS_LINE).iloc[0]
    assert (r["client_ip"], r["client_port"], r["frontend"], bool(r["tls"])) == (".226", 51394, "fe_sni", True)
    assert r["ts"] == pd.Timestamp("2022-03-09T02:49:20.812Z")
    assert (r["backend"], r["server"]) == (
        "be_edge_http:project1:frontend", "pod:frontend-v2-868959894b-mlld2:frontend:http:10.128.2.47:8080"
    )
    assert (r["bytes"], r["backend_queue"]) == (532, 0)
    assert (r["method"], r["path"], r["http_version"]) == ("GET", "/", "HTTP/1.1")
    assert pd.isna(r["status"]) and pd.isna(r["Ta"]) and pd.isna(r["term"])  # the format does not log them


def test_docs_format_through_the_log_parser_keeps_tcplog_lines():
    tcp = (
        "3.34.158.228:15893 [02/Oct/2020:10:38:17.692] public_ssl be_tcp:openshift-authentication:oauth-openshift/"
        "pod:oauth-openshift-68c8dfb86b-m6q57:oauth-openshift:10.130.0.32:6443 1/0/59084 3093 -- 14/14/13/13/0 0/0"
    )
    prefix = "2022-03-09T02:49:20.813Z 2022-03-09T02:49:20.813+00:00 r r haproxy[9]: "
    data = f"{prefix}10.1.2{DOCS_LINE}\n{prefix}{tcp}\n".encode()
    # the operator hands the format over quoted with Go's %q; the IngressController field is unquoted
    for fmt in (DOCS_FORMAT, f'"{DOCS_FORMAT}"', f"'{DOCS_FORMAT}'"):
        result = parse_access_log(io.BytesIO(data), source="current.log", input="mg", log_format=fmt)
        assert result.unparsed == 0
        http, tcp_row = result.requests.iloc[0], result.requests.iloc[1]
        assert (http["client_ip"], http["namespace"], http["route"], http["pod"], http["router_pod"]) == (
            "10.1.2.226", "project1", "frontend", "frontend-v2-868959894b-mlld2", "r"
        )
        assert (tcp_row["mode"], tcp_row["route"], tcp_row["Ta"]) == ("tcp", "oauth-openshift", 59084)


def test_default_httplog_format_compiled_equals_the_default_parser():
    compiled, _ = compile_log_format(HTTPLOG).parse(pa.array(DEFAULT_BODIES))
    default, rejected = parse_bodies(pa.array(DEFAULT_BODIES))
    assert len(rejected) == 0 and compiled.num_rows == default.num_rows == len(DEFAULT_BODIES)
    assert compiled.to_pylist() == default.to_pylist()


def test_unknown_variables_become_opaque_string_fields():
    compiled = compile_log_format("%ci:%cp [%tr] %ft %b/%s %ST %[ssl_fc_sni] %H %ID %{+Q}[capture.req.hdr(0)]")
    assert compiled.columns[-4:] == ["x_ssl_fc_sni", "x_H", "x_ID", "x_capture_req_hdr_0"]
    body = pa.array([
        '10.0.0.1:4000 [11/May/2020:19:11:50.133] fe_sni~ be_secure:a:b/pod:p:s:https:10.0.0.9:8443 503 '
        'shop.example router-1 0A1B "Mozilla 5.0"'
    ])
    found, matched = compiled.extract(body)
    assert matched.tolist() == [True]
    raw = found.to_pylist()[0]
    assert (raw["x_ssl_fc_sni"], raw["x_H"], raw["x_ID"], raw["x_capture_req_hdr_0"]) == (
        "shop.example", "router-1", "0A1B", "Mozilla 5.0"
    )
    r = rows(compiled.source, body[0].as_py()).iloc[0]
    assert (r["status"], r["backend"]) == (503, "be_secure:a:b")


def test_repeated_and_literal_percent():
    compiled = compile_log_format("%ci %ci 100%% %ST")
    assert compiled.columns == ["client_ip", "status"]
    assert rows("%ci %ci 100%% %ST", "1.2.3.4 1.2.3.4 100% 404").iloc[0]["status"] == 404


def test_header_captures_are_optional_with_their_separator():
    fmt = "%ci:%cp [%tr] %ft %b/%s %ST %hr %hs %{+Q}r"
    without = "1.2.3.4:5 [11/May/2020:19:11:50.133] public be_http:a:b/<NOSRV> 503 \"GET / HTTP/1.1\""
    with_both = "1.2.3.4:5 [11/May/2020:19:11:50.133] public be_http:a:b/<NOSRV> 503 {h1|h 2} {r} \"GET /x HTTP/1.1\""
    out = rows(fmt, without, with_both)
    assert out["path"].tolist() == ["/", "/x"]
    found, _ = compile_log_format(fmt).extract(pa.array([with_both]))
    assert (found.to_pylist()[0]["captured_request"], found.to_pylist()[0]["captured_response"]) == ("{h1|h 2}", "{r}")


def test_a_line_cut_by_the_log_length_keeps_the_start_of_the_request():
    out = rows(HTTPLOG, DEFAULT_BODIES[0][:-4])  # 'GET / HTTP/' : the closing quote and more are gone
    assert (out.iloc[0]["method"], out.iloc[0]["path"], out.iloc[0]["http_version"]) == ("GET", "/", "HTTP/")


@pytest.mark.parametrize(
    ("var", "date", "utc"),
    [
        ("%t", "11/May/2020:19:11:50.133", "2020-05-11T19:11:50.133Z"),
        ("%trg", "11/May/2020:19:11:50 +0000", "2020-05-11T19:11:50Z"),
        ("%trl", "11/May/2020:21:11:50 +0200", "2020-05-11T19:11:50Z"),
        ("%trl", "11/May/2020:14:11:50 -0500", "2020-05-11T19:11:50Z"),
    ],
)
def test_dates_with_and_without_offset_are_utc(var, date, utc):
    assert rows(f"[{var}] %b/%s", f"[{date}] be_http:a:b/<NOSRV>").iloc[0]["ts"] == pd.Timestamp(utc)


def test_a_tcp_format_has_no_status_and_lines_of_other_shapes_are_rejected():
    compiled = compile_log_format("%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq")
    assert compiled.mode == "tcp"
    body = pa.array([
        "1.2.3.4:5 [02/Oct/2020:10:38:17.692] public_ssl be_tcp:a:b/pod:p:s:h:10.0.0.1:443 1/0/59084 3093 -- "
        "14/14/13/13/0 0/0",
        "not a log line",
    ])
    table, rejected = compiled.parse(body)
    assert rejected.tolist() == [1]
    r = table.to_pandas().iloc[0]
    assert (r["mode"], r["Ta"], r["term"], r["retries"], r["_row"]) == ("tcp", 59084, "--", 0, 0)
    assert pd.isna(r["status"])


def test_a_format_with_nothing_to_parse_is_refused_in_one_line():
    with pytest.raises(ValueError, match="no %-variable"):
        compile_log_format("just text")


# dates no clock gives (strptime refuses some, rolls others over): as on the default formats' path
IMPOSSIBLE_DATES = ("30/Feb/2026:08:41:03.112", "20/Nov/2026:25:41:03.112", "31/Apr/2026:08:41:03.112",
                    "20/Nov/2026:08:41:60.112", "00/Nov/2026:08:41:03.112", "20/Foo/2026:08:41:03.112")
PREFIX = "2022-03-09T02:49:20.813Z 2022-03-09T02:49:20.813+00:00 r r haproxy[9]: "


def _unparsed(fmt: str, lines: list[str]):
    data = "".join(f"{PREFIX}{line}\n" for line in lines).encode()
    return parse_access_log(io.BytesIO(data), source="current.log", input="mg", log_format=fmt)


@pytest.mark.parametrize(("fmt", "line"), [(DOCS_FORMAT, "10.1.2" + DOCS_LINE), (HTTPLOG, DEFAULT_BODIES[0])])
def test_impossible_dates_are_unparsed_with_their_reason_not_undated_requests(fmt, line):
    date = line.split("[", 1)[1].split("]", 1)[0]
    lines = [line, *(line.replace(date, bad) for bad in IMPOSSIBLE_DATES), line]
    table, rejected = compile_log_format(fmt).parse(pa.array(lines, pa.string()))
    assert rejected.tolist() == list(range(1, len(IMPOSSIBLE_DATES) + 1))
    assert table is not None and table.column("_row").to_pylist() == [0, len(lines) - 1]
    assert table.column("ts").null_count == 0
    result = _unparsed(fmt, lines)
    assert (len(result.requests), result.unparsed) == (2, len(IMPOSSIBLE_DATES))
    assert not result.requests["ts"].isna().any()
    assert {s["reason"] for s in result.unparsed_samples} == {INVALID_DATE_REASON}


def test_impossible_dates_with_an_offset_are_unparsed_too():
    fmt = "[%trl] %b/%s %ST"
    table, rejected = compile_log_format(fmt).parse(pa.array([
        "[11/May/2020:21:11:50 +0200] be_http:a:b/<NOSRV> 503",
        "[30/Feb/2020:21:11:50 +0200] be_http:a:b/<NOSRV> 503",
    ]))
    assert rejected.tolist() == [1] and table.num_rows == 1


def test_negative_numbers_haproxy_never_logs_are_unparsed_as_on_the_default_path():
    """The only negative number HAProxy writes is -1, in a timer and the status: a custom format's line
    with another one is refused as the default formats' line is (``log_fields.LOWEST``)."""
    line = DEFAULT_BODIES[0]  # ... 0/0/1/0/1 200 142 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"
    bad = [line.replace(" 200 ", " -502 "), line.replace(" 200 ", " -5 "), line.replace("0/0/1/0/1", "0/0/-7/0/1"),
           line.replace("0/0/1/0/1", "0/0/1/0/-2"), line.replace(" 142 ", " -142 "),
           line.replace("1/1/0/0/0", "1/-1/0/0/0"), line.replace("1/1/0/0/0", "1/1/0/0/-3"),
           line.replace(" 0/0 ", " 0/-2 ")]
    good = [line.replace(" 200 ", " -1 "), line.replace("0/0/1/0/1", "-1/-1/-1/-1/0"),
            line.replace("0/0/1/0/1", "0/0/1/0/-1"), line.replace("1/1/0/0/0", "1/1/0/0/+3")]
    bodies = pa.array([*good, *bad], pa.string())
    table, rejected = compile_log_format(HTTPLOG).parse(bodies)
    default, default_rejected = parse_bodies(bodies)
    assert rejected.tolist() == default_rejected.tolist() == list(range(len(good), len(good) + len(bad)))
    assert table.to_pylist() == default.to_pylist()
    result = _unparsed(HTTPLOG, [*good, *bad])
    assert (len(result.requests), result.unparsed) == (len(good), len(bad))
    assert {s["reason"] for s in result.unparsed_samples} == {NEGATIVE_NUMBER_REASON}
    tcp = compile_log_format("%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq")
    body = "1.2.3.4:5 [02/Oct/2020:10:38:17.692] public_ssl be_tcp:a:b/pod:p:s:h:10.0.0.1:443 {} 3093 -- 1/1/0/0/0 0/0"
    _, rejected = tcp.parse(pa.array([body.format(t) for t in ("-1/-1/59084", "1/0/-1", "1/0/-2", "1/-4/59084")]))
    assert rejected.tolist() == [2, 3]  # a Tt of -1 is read, as on the default path
