"""Captured request headers (``httpCaptureHeaders``) are kept as logged: the ledger reads the Host from them."""

from __future__ import annotations

import io

import pandas as pd

from parsers.haproxy_log import parse_access_log

PREFIX = ("2026-11-20T08:30:00.000449118Z 2026-11-20T08:30:00.000412+00:00 router-default-5f7d8c9b64-q2w4e "
          "router-default-5f7d8c9b64-q2w4e haproxy[4121]: ")
BODY = ("10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ openshift_default/<NOSRV> 0/-1/-1/-1/0 503 3288 - - "
        "SC-- 12/9/3/1/0 0/0 ")


def parse(*lines: str) -> list[object]:
    data = "".join(line + "\n" for line in lines).encode()
    parsed = parse_access_log(io.BytesIO(data), source="current.log", input="mg")
    assert parsed.unparsed == 0
    return parsed.requests["request_headers"].tolist()


def test_the_request_header_group_is_kept_and_the_response_group_is_not():
    headers = parse(
        PREFIX + BODY + '{shop.apps.example.com|curl/8.5} {text/html} "GET / HTTP/1.1"',
        PREFIX + BODY + '"GET / HTTP/1.1"',
    )
    assert headers[0] == "shop.apps.example.com|curl/8.5"
    assert pd.isna(headers[1])  # nothing was captured


def test_lines_of_the_lenient_path_keep_their_capture_too():
    line = ("Mar 26 20:15:24 localhost haproxy[305]: 10.0.0.1:51034 [26/Mar/2025:20:15:23.929] webserver ~ "
            "webserver 0/0/36/-1/476 502 1029 - - SH-- 8/4/15/14/0 0/0 {x.example.com} \"GET / HTTP/2.0\" "
            "fc_err=- bc_err=ERESET")
    assert parse(line) == ["x.example.com"]
