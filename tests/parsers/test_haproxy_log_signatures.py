"""Every synthetic signature line of router-facts.md §1.8 parses field by field.

The document removed the client address and the date "for width"; they are put back here
(``127.0.0.1:58476 [24/Nov/2026:00:55:20.711]``), and each body is wrapped in the must-gather
sidecar prefix, so the lines are exactly what a router pod's ``logs`` container would hold.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from parsers.haproxy_log import parse_access_log

PREFIX = (
    "2026-11-24T00:55:20.713001001Z 2026-11-24T00:55:20.712940+00:00 router-1 router-1 haproxy[19270]: "
    "127.0.0.1:58476 [24/Nov/2026:00:55:20.711] "
)
# (body as in §1.8, backend, server, (TR, Tw, Tc, Tr, Ta), status, bytes, term_full, retries, redispatched,
#  (srv_queue, backend_queue), path)
HTTP_SIGNATURES = [
    ('public be_http:ns:noeps/<NOSRV> 0/-1/-1/-1/0 503 217 - - SCNN 1/1/0/0/0 0/0 "GET /path?x=1 HTTP/1.1"',
     "be_http:ns:noeps", "<NOSRV>", (0, -1, -1, -1, 0), 503, 217, "SCNN", 0, False, (0, 0), "/path?x=1"),
    ('public be_http:ns:alldown/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
     "be_http:ns:alldown", "<NOSRV>", (0, -1, -1, -1, 0), 503, 217, "SC--", 0, False, (0, 0), "/"),
    ("public be_http:ns:refused/pod:refused-5c6d:refused:http:127.0.0.1:9002 0/3006/-1/-1/3006 503 217 - - SCNN "
     '1/1/0/0/3 0/0 "GET /path?x=1 HTTP/1.1"',
     "be_http:ns:refused", "pod:refused-5c6d:refused:http:127.0.0.1:9002", (0, 3006, -1, -1, 3006), 503, 217,
     "SCNN", 3, False, (0, 0), "/path?x=1"),
    ("public be_http:ns:blackhole/pod:blackhole-5c6d:blackhole:http:192.0.2.1:80 0/3005/-1/-1/3005 503 217 - - "
     'SCNN 1/1/0/0/3 0/0 "GET / HTTP/1.1"',
     "be_http:ns:blackhole", "pod:blackhole-5c6d:blackhole:http:192.0.2.1:80", (0, 3005, -1, -1, 3005), 503, 217,
     "SCNN", 3, False, (0, 0), "/"),
    ("public be_http:ns:reencrypt2http/pod:...:127.0.0.1:9001 0/6003/-1/-1/8004 503 217 - - sCNN 1/1/0/0/3 0/0 "
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:reencrypt2http", "pod:...:127.0.0.1:9001", (0, 6003, -1, -1, 8004), 503, 217, "sCNN", 3, False,
     (0, 0), "/path?x=1"),
    ("public be_http:ns:reencrypt2pyhttp/pod:x-1:x:https:127.0.0.1:9020 0/3012/-1/-1/3016 503 217 - - SCNN "
     '1/1/0/0/3 0/0 "GET / HTTP/1.1"',
     "be_http:ns:reencrypt2pyhttp", "pod:x-1:x:https:127.0.0.1:9020", (0, 3012, -1, -1, 3016), 503, 217, "SCNN", 3,
     False, (0, 0), "/"),
    ("public be_http:ns:reencryptverify/pod:...:127.0.0.1:9443 0/3015/-1/-1/3021 503 217 - - SCNN 1/1/0/0/3 0/0 "
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:reencryptverify", "pod:...:127.0.0.1:9443", (0, 3015, -1, -1, 3021), 503, 217, "SCNN", 3, False,
     (0, 0), "/path?x=1"),
    ('public be_http:ns:closenoresp/pod:...:127.0.0.1:9003 0/0/0/-1/4 502 209 - - SHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:closenoresp", "pod:...:127.0.0.1:9003", (0, 0, 0, -1, 4), 502, 209, "SHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:rstnoresp/pod:...:127.0.0.1:9004 0/0/0/-1/5 502 209 - - SHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:rstnoresp", "pod:...:127.0.0.1:9004", (0, 0, 0, -1, 5), 502, 209, "SHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:edge2tls/pod:...:127.0.0.1:9443 0/0/0/-1/4 502 209 - - SHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:edge2tls", "pod:...:127.0.0.1:9443", (0, 0, 0, -1, 4), 502, 209, "SHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:junk/pod:...:127.0.0.1:9012 0/0/0/-1/5 502 209 - - PHNN 1/1/0/0/0 0/0 "GET /path?x=1 HTTP/1.1"',
     "be_http:ns:junk", "pod:...:127.0.0.1:9012", (0, 0, 0, -1, 5), 502, 209, "PHNN", 0, False, (0, 0), "/path?x=1"),
    ('public be_http:ns:badhdr/pod:...:127.0.0.1:9006 0/0/0/-1/0 502 209 - - PHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:badhdr", "pod:...:127.0.0.1:9006", (0, 0, 0, -1, 0), 502, 209, "PHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:dupte/pod:...:127.0.0.1:9007 0/0/0/-1/4 502 209 - - PHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:dupte", "pod:...:127.0.0.1:9007", (0, 0, 0, -1, 4), 502, 209, "PHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:hugehdr/pod:...:127.0.0.1:9008 0/0/0/-1/4 502 209 - - PHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:hugehdr", "pod:...:127.0.0.1:9008", (0, 0, 0, -1, 4), 502, 209, "PHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:hang/pod:...:127.0.0.1:9005 0/0/0/-1/3001 504 198 - - sHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:hang", "pod:...:127.0.0.1:9005", (0, 0, 0, -1, 3001), 504, 198, "sHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:timeoutann/pod:...:127.0.0.1:9005 0/0/5/-1/1007 504 198 - - sHNN 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:timeoutann", "pod:...:127.0.0.1:9005", (0, 0, 5, -1, 1007), 504, 198, "sHNN", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:midbody/pod:...:127.0.0.1:9009 0/0/0/4/204 200 1054 - - SDNI 1/1/0/0/0 0/0 '
     '"GET /path?x=1 HTTP/1.1"',
     "be_http:ns:midbody", "pod:...:127.0.0.1:9009", (0, 0, 0, 4, 204), 200, 1054, "SDNI", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:app503/pod:...:127.0.0.1:9011 0/0/1/3/4 503 70 - - --NI 1/1/0/0/0 0/0 "GET /path?x=1 HTTP/1.1"',
     "be_http:ns:app503", "pod:...:127.0.0.1:9011", (0, 0, 1, 3, 4), 503, 70, "--NI", 0, False, (0, 0),
     "/path?x=1"),
    ('public be_http:ns:maxconn/<NOSRV> 0/2001/-1/-1/2001 503 217 - - sQNN 2/2/1/0/0 0/2 "GET /q2 HTTP/1.1"',
     "be_http:ns:maxconn", "<NOSRV>", (0, 2001, -1, -1, 2001), 503, 217, "sQNN", 0, False, (0, 2), "/q2"),
    ('public be_http:ns:twoeps_nocheck/pod:b-2:b:http:127.0.0.1:9001 0/0/0/1/1 200 51 - - --NI 1/1/0/0/+1 0/0 '
     '"GET / HTTP/1.1"',
     "be_http:ns:twoeps_nocheck", "pod:b-2:b:http:127.0.0.1:9001", (0, 0, 0, 1, 1), 200, 51, "--NI", 1, True,
     (0, 0), "/"),
    ("public be_http:ns:twoeps_nocheck/pod:b-2:b:http:127.0.0.1:9001 0/2002/0/4/2006 200 51 - - --DI 1/1/0/0/+3 0/0 "
     '"GET /cookie-to-dead HTTP/1.1"',
     "be_http:ns:twoeps_nocheck", "pod:b-2:b:http:127.0.0.1:9001", (0, 2002, 0, 4, 2006), 200, 51, "--DI", 3, True,
     (0, 0), "/cookie-to-dead"),
    ('public be_http:ns:allow/<NOSRV> -1/-1/-1/-1/0 -1 0 - - PRNN 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
     "be_http:ns:allow", "<NOSRV>", (-1, -1, -1, -1, 0), -1, 0, "PRNN", 0, False, (0, 0), "/"),
    ('public public/<NOSRV> -1/-1/-1/-1/0 400 0 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"',
     "public", "<NOSRV>", (-1, -1, -1, -1, 0), 400, 0, "PR--", 0, False, (0, 0), "<BADREQ>"),
    ('fe_sni~ be_edge_http:ns:edge/pod:e-2:e:8080-tcp:127.0.0.1:9003 0/0/0/-1/1 502 209 - - SHNN 2/1/0/0/0 0/0 '
     '"GET /a HTTP/1.1"',
     "be_edge_http:ns:edge", "pod:e-2:e:8080-tcp:127.0.0.1:9003", (0, 0, 0, -1, 1), 502, 209, "SHNN", 0, False,
     (0, 0), "/a"),
]
# (body, backend, server, (Tw, Tc, Tt), bytes, term, retries)
TCP_SIGNATURES = [
    ("public_ssl be_sni/fe_sni 1/0/8 2135 SD 1/1/0/0/0 0/0", "be_sni", "fe_sni", (1, 0, 8), 2135, "SD", 0),
    ("public_ssl be_tcp:ns:pass-refused/pod:pass-1:pass:https:127.0.0.1:9002 5/-1/3008 0 SC 1/1/0/0/3 0/0",
     "be_tcp:ns:pass-refused", "pod:pass-1:pass:https:127.0.0.1:9002", (5, -1, 3008), 0, "SC", 3),
]


@pytest.fixture(scope="module")
def parsed():
    lines = [PREFIX + body for body, *_ in HTTP_SIGNATURES + TCP_SIGNATURES]
    data = ("\n".join(lines) + "\n").encode()
    return parse_access_log(io.BytesIO(data), source="logs/current.log", input="mg")


def test_every_signature_line_is_a_request(parsed):
    assert (parsed.lines_read, parsed.unparsed, len(parsed.router_events)) == (26, 0, 0)
    assert parsed.requests["line"].tolist() == list(range(1, 27))


@pytest.mark.parametrize("index", range(len(HTTP_SIGNATURES)), ids=[s[1].split(":")[-1] for s in HTTP_SIGNATURES])
def test_http_signature_fields(parsed, index):
    _body, backend, server, timers, status, size, term, retries, redispatched, queues, path = HTTP_SIGNATURES[index]
    r = parsed.requests.iloc[index]
    assert (r["backend"], r["server"], r["mode"], r["router_pod"], r["pid"]) == (
        backend, server, "http", "router-1", 19270
    )
    assert tuple(r[t] for t in ("TR", "Tw", "Tc", "Tr", "Ta")) == timers
    assert (r["status"], r["bytes"], r["term_full"], r["term"]) == (status, size, term, term[:2])
    assert (r["retries"], bool(r["redispatched"]), r["srv_queue"], r["backend_queue"]) == (retries, redispatched,
                                                                                           *queues)
    assert r["path"] == path
    assert r["ts"] == pd.Timestamp("2026-11-24T00:55:20.711Z")
    assert r["received"] == pd.Timestamp("2026-11-24T00:55:20.712940Z")


def test_badreq_has_no_method_and_the_edge_line_is_tls(parsed):
    badreq = parsed.requests[parsed.requests["path"] == "<BADREQ>"].iloc[0]
    assert pd.isna(badreq["method"]) and pd.isna(badreq["http_version"]) and pd.isna(badreq["namespace"])
    edge = parsed.requests[parsed.requests["backend"] == "be_edge_http:ns:edge"].iloc[0]
    assert (edge["frontend"], bool(edge["tls"]), edge["port_name"], edge["pod"], edge["server_port"]) == (
        "fe_sni", True, "8080-tcp", "e-2", 9003
    )


@pytest.mark.parametrize("index", range(len(TCP_SIGNATURES)))
def test_tcp_signature_fields(parsed, index):
    _body, backend, server, (tw, tc, tt), size, term, retries = TCP_SIGNATURES[index]
    r = parsed.requests.iloc[len(HTTP_SIGNATURES) + index]
    assert (r["backend"], r["server"], r["mode"], r["frontend"]) == (backend, server, "tcp", "public_ssl")
    assert (r["Tw"], r["Tc"], r["Ta"], r["bytes"], r["term"], r["term_full"], r["retries"]) == (
        tw, tc, tt, size, term, term, retries
    )
    assert pd.isna(r["status"]) and pd.isna(r["TR"]) and pd.isna(r["Tr"]) and pd.isna(r["method"])


def test_route_and_pod_identity_from_the_names(parsed):
    by_route = parsed.requests.drop_duplicates("backend").set_index("backend")
    refused = by_route.loc["be_http:ns:refused"]
    assert (refused["backend_kind"], refused["namespace"], refused["route"]) == ("be_http", "ns", "refused")
    assert (refused["server_kind"], refused["pod"], refused["service"], refused["port_name"]) == (
        "pod", "refused-5c6d", "refused", "http"
    )
    assert (refused["server_ip"], refused["server_port"]) == ("127.0.0.1", 9002)
    assert by_route.loc["be_http:ns:noeps", "server_kind"] == "nosrv"
    sni = by_route.loc["be_sni"]
    assert (sni["backend_kind"], sni["server_kind"]) == ("be_sni", "other")
    assert pd.isna(sni["namespace"]) and pd.isna(sni["route"])
    assert by_route.loc["be_tcp:ns:pass-refused", "route"] == "pass-refused"
