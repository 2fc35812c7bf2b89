"""Property: a generated router log line gives back every field it was written with.

Lines are built from their fields the way HAProxy writes them (router-facts.md §1.2, §1.3, §2),
behind every prefix shape, with IPv4/IPv6 clients and servers and both server-name generations;
the parser must return each field unchanged.
"""

from __future__ import annotations

import io
import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.haproxy_log import parse_access_log

names = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.lists(st.integers(0, 0xFFFF), min_size=2, max_size=4).map(
    lambda groups: f"fd{groups[0] % 256:02x}::" + ":".join(f"{g:x}" for g in groups[1:])
)
ip = st.one_of(ipv4, ipv6)
timer = st.integers(-1, 100_000)
# A port name of 1-4 hex digits in front of an IPv6 address reads as one more address group: the
# naming itself is ambiguous there (haproxy.config's split_server takes the old form), so such names
# are left out; real port names ("http", "8443-tcp", "web") are not hex groups.
port_names = st.one_of(st.just(""), names.filter(lambda n: not re.fullmatch(r"[0-9a-f]{1,4}", n)))
PREFIXES = {
    "kubelet": "2026-11-20T08:41:03.118204411Z 2026-11-20T08:41:03.118102+00:00 rp rp haproxy[7]: ",
    "rsyslog": "2026-11-20T08:41:03.118102+00:00 rp rp haproxy[7]: ",
    "cri": "2026-11-20T08:41:03.2Z stdout F 2026-11-20T08:41:03.118102+00:00 rp rp haproxy[7]: ",
    "rfc3164": "Nov 20 08:41:03 rp haproxy[7]: ",
    "bare": "",
}
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def servers(draw) -> tuple[str, dict]:
    """A server name of one of the generations, with the identity the parser should find in it."""
    kind = draw(st.sampled_from(["pod", "pod-old", "ept", "nosrv"]))
    pod, svc, port_name = draw(names), draw(names), draw(port_names)
    address, port = draw(ip), draw(st.integers(1, 65535))
    if kind == "nosrv":
        return "<NOSRV>", {"server_kind": "nosrv", "pod": None, "service": None, "server_ip": None}
    if kind == "pod":
        name = f"pod:{pod}:{svc}:{port_name}:{address}:{port}"
        return name, {"server_kind": "pod", "pod": pod, "service": svc, "port_name": port_name, "server_ip": address,
                      "server_port": port}
    if kind == "pod-old":
        name = f"pod:{pod}:{svc}:{address}:{port}"
        return name, {"server_kind": "pod", "pod": pod, "service": svc, "port_name": None, "server_ip": address,
                      "server_port": port}
    name = f"ept:{svc}:{port_name}:{address}:{port}"
    return name, {"server_kind": "ept", "pod": None, "service": svc, "port_name": port_name, "server_ip": address,
                  "server_port": port}


def one(line: str) -> pd.Series:
    result = parse_access_log(io.BytesIO((line + "\n").encode()), source="current.log", input="in")
    assert len(result.requests) == 1, (line, result.unparsed_samples)
    return result.requests.iloc[0]


def same(value, expected) -> bool:
    return pd.isna(value) if expected is None else value == expected


@SETTINGS
@given(
    ns=names,
    route=names,
    server=servers(),
    client=ip,
    cport=st.integers(1, 65535),
    timers=st.tuples(*[timer] * 5),
    status=st.sampled_from([-1, 200, 301, 404, 502, 503, 504]),
    size=st.integers(0, 10**12),
    term=st.sampled_from(["--VN", "SCNN", "sHNN", "SHNN", "PH--", "CDNN", "--NI", "sQNN"]),
    retries=st.integers(0, 3),
    redispatch=st.booleans(),
    conns=st.tuples(*[st.integers(0, 100_000)] * 4),
    queues=st.tuples(st.integers(0, 99), st.integers(0, 99)),
    prefix=st.sampled_from(sorted(PREFIXES)),
    kind=st.sampled_from(["be_http", "be_edge_http", "be_secure"]),
    frontend=st.sampled_from(["public", "fe_sni~", "fe_no_sni~"]),
    path=st.from_regex(r"/[A-Za-z0-9/_.?=&%#-]{0,40}", fullmatch=True),
    captures=st.one_of(st.just(""), st.from_regex(r" \{[A-Za-z0-9 /.;()|-]{0,30}\}", fullmatch=True)),
    millis=st.integers(0, 999),
)
def test_generated_http_lines_round_trip(ns, route, server, client, cport, timers, status, size, term, retries,
                                         redispatch, conns, queues, prefix, kind, frontend, path, captures, millis):
    server_name, identity = server
    rc = f"+{retries}" if redispatch else str(retries)
    body = (
        f"{client}:{cport} [20/Nov/2026:08:41:03.{millis:03d}] {frontend} {kind}:{ns}:{route}/{server_name} "
        f"{'/'.join(map(str, timers))} {status} {size} - - {term} {'/'.join(map(str, conns))}/{rc} "
        f'{queues[0]}/{queues[1]}{captures} "GET {path} HTTP/1.1"'
    )
    r = one(PREFIXES[prefix] + body)
    assert (r["namespace"], r["route"], r["backend_kind"], r["server"]) == (ns, route, kind, server_name)
    assert all(same(r[k], v) for k, v in identity.items()), (r.to_dict(), identity)
    assert (r["client_ip"], r["client_port"], r["frontend"], bool(r["tls"])) == (
        client, cport, frontend.rstrip("~"), frontend.endswith("~")
    )
    assert r["ts"] == pd.Timestamp(f"2026-11-20T08:41:03.{millis:03d}Z")
    assert [r[t] for t in ("TR", "Tw", "Tc", "Tr", "Ta")] == list(timers)
    assert (r["status"], r["bytes"], r["term_full"], r["term"]) == (status, size, term, term[:2])
    assert (r["retries"], bool(r["redispatched"])) == (retries, redispatch)
    assert [r[c] for c in ("actconn", "feconn", "beconn", "srv_conn")] == list(conns)
    assert (r["srv_queue"], r["backend_queue"], r["method"], r["path"]) == (*queues, "GET", path)
    assert same(r["pid"], None if prefix == "bare" else 7)
    assert same(r["router_pod"], None if prefix == "bare" else "rp")
    with_time = prefix in ("kubelet", "rsyslog", "cri")
    assert same(r["received"], pd.Timestamp("2026-11-20T08:41:03.118102Z") if with_time else None)


@SETTINGS
@given(
    ns=names,
    route=names,
    server=servers(),
    client=ip,
    cport=st.integers(1, 65535),
    timers=st.tuples(st.integers(-1, 10_000), st.integers(-1, 10_000), st.integers(0, 10**7)),
    size=st.integers(0, 10**12),
    state=st.sampled_from(["--", "SC", "sC", "SD", "CD", "cD"]),
    retries=st.integers(0, 3),
    prefix=st.sampled_from(sorted(PREFIXES)),
    passthrough=st.booleans(),
)
def test_generated_tcp_lines_round_trip(ns, route, server, client, cport, timers, size, state, retries, prefix,
                                        passthrough):
    server_name, identity = server
    backend = f"be_tcp:{ns}:{route}" if passthrough else "be_sni"
    if not passthrough:
        server_name, identity = "fe_sni", {"server_kind": "other", "pod": None}
    body = (
        f"{client}:{cport} [20/Nov/2026:08:41:03.101] public_ssl {backend}/{server_name} "
        f"{'/'.join(map(str, timers))} {size} {state} 1/1/0/0/{retries} 0/0"
    )
    r = one(PREFIXES[prefix] + body)
    assert (r["mode"], r["backend"], r["server"], r["frontend"]) == ("tcp", backend, server_name, "public_ssl")
    assert all(same(r[k], v) for k, v in identity.items())
    assert same(r["route"], route if passthrough else None)
    assert (r["Tw"], r["Tc"], r["Ta"], r["bytes"], r["term"], r["retries"]) == (*timers, size, state, retries)
    assert pd.isna(r["status"]) and pd.isna(r["TR"]) and pd.isna(r["Tr"]) and pd.isna(r["path"])
    assert (r["client_ip"], r["client_port"]) == (client, cport)
