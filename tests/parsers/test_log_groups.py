"""Minute groups folded chunk by chunk, where the chunks are parsed, and joined: exactly the groups
of the whole ``requests`` frame (``parsers.log_groups.minute_groups``), the reference.

Every shape that moves a group's first line or its keys: a group split over chunks whose later
chunk holds its earliest request, equal times in several files (the earlier file locates the
group), ``openshift_default`` lines keyed by their captured Host and path (query cut off), TCP
lines without a status, lines whose accept date is no date (unparsed, in no group), lines that are
not requests, several routes and servers a minute.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from bench.gen_logs import generate
from parsers import log_chunks, log_lines
from parsers.log_fallback import INVALID_DATE_REASON
from parsers.log_groups import minute_groups
from parsers.log_jobs import load_access_logs

PREFIX = "{t}Z {t}+00:00 router-default-5f7d8c9b64-q2w4e router-default-5f7d8c9b64-q2w4e haproxy[4121]: "
START = datetime(2026, 11, 20, 8, 29, 50, tzinfo=UTC)


def line(at: datetime, backend: str, server: str, status: int, term: str, extra: str = '"GET / HTTP/1.1"') -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    accept = at.strftime("%d/%b/%Y:%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return (PREFIX.format(t=stamp) + f"10.0.1.5:56271 [{accept}] fe_sni~ {backend}/{server} 0/0/1/2/3 {status} 120 - - "
            f"{term} 12/9/3/1/0 0/0 {extra}")


def mixed_lines(seed: int, n: int) -> list[str]:
    """Lines of two routes, their servers and the default backend, times going back and forth."""
    rng = random.Random(seed)
    backends = ["be_http:shop:web", "be_edge_http:shop:web", "be_secure:shop:api", "openshift_default"]
    out = []
    for _ in range(n):
        at = START + timedelta(milliseconds=rng.randint(0, 4 * 60_000))  # four minutes, not in order
        if rng.random() < 0.1:
            at = START + timedelta(seconds=30)  # many requests at the very same time
        backend = rng.choice(backends)
        status, term = rng.choice([(200, "--VN"), (502, "SH--"), (503, "SC--"), (504, "sH--"), (404, "--NI")])
        if backend == "openshift_default":
            host = rng.choice(["shop.apps.example.com", "SHOP.apps.example.com:443", "api.apps.example.com"])
            path = rng.choice(["/", "/cart?id=3", "/cart?id=4", "/api/v1"])
            capture = f"{{{host}|curl/8.5}} " if rng.random() < 0.8 else ""
            out.append(line(at, backend, "<NOSRV>", 503, "SC--", f'{capture}"GET {path} HTTP/1.1"'))
        else:
            name = backend.rsplit(":", 1)[1]
            server = f"pod:{name}-{rng.randint(1, 3)}:{name}:http:10.0.0.{rng.randint(1, 3)}:8080"
            out.append(line(at, backend, server, status, term))
        if rng.random() < 0.03:  # a request whose accept date is no date: unparsed, in no minute
            out[-1] = re.sub(r"\[\d\d/\w\w\w/", "[99/Xyz/", out[-1], count=1)
        if rng.random() < 0.02:
            out.append("not a router line")
    return out


def parsed(paths: list[Path], monkeypatch, chunk: int):
    monkeypatch.setattr(log_lines, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(log_chunks, "WORKERS", 2)
    combined, skipped = load_access_logs([str(p) for p in paths])
    assert not skipped
    return combined


@pytest.mark.parametrize("seed", range(6))
def test_groups_joined_from_small_chunks_of_several_files_equal_the_frame_fold(seed, tmp_path, monkeypatch):
    rng = random.Random(seed)
    paths = []
    for i in range(1 + seed % 3):
        path = tmp_path / f"router-{i}.log"
        path.write_text("\n".join(mixed_lines(seed * 10 + i, rng.randint(200, 1500))) + "\n")
        paths.append(path)
    combined = parsed(paths, monkeypatch, chunk=rng.choice([2048, 8192, 64 << 10]))
    assert combined.groups is not None and len(combined.groups) > 20
    # the lines whose accept date is no date are unparsed, not undated requests (they were once: the groups
    # left them out as the frame fold does)
    assert combined.unparsed > 0 and not combined.requests["ts"].isna().any()
    assert {s["reason"] for s in combined.unparsed_samples} >= {INVALID_DATE_REASON}
    pd.testing.assert_frame_equal(combined.groups, minute_groups(combined.requests))
    default = combined.groups[combined.groups["backend_kind"] == "openshift_default"]
    assert set(default["default_path"]) >= {"/cart", "/api/v1"}  # keyed by path, the query cut off
    assert len(set(default["host_capture"])) >= 3


def test_generated_log_with_tcp_lines_and_router_messages(tmp_path, monkeypatch):
    path = tmp_path / "a.log"
    generate(5000, path, seed=5)  # http and tcp lines (no status), IPv6 clients, "Server ... is DOWN"
    combined = parsed([path], monkeypatch, chunk=32 << 10)
    groups = combined.groups
    assert groups is not None and groups["status"].isna().any()  # TCP lines: a group without status
    pd.testing.assert_frame_equal(groups, minute_groups(combined.requests))


def test_a_group_is_located_by_its_earliest_request_whichever_chunk_or_file_holds_it(tmp_path, monkeypatch):
    web, server = "be_http:shop:web", "pod:web-1:web:http:10.0.0.1:8080"
    minute = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    late = [line(minute + timedelta(seconds=5 + i), web, server, 502, "SH--") for i in range(40)]
    early = line(minute + timedelta(seconds=1), web, server, 502, "SH--")
    first = tmp_path / "first.log"
    first.write_text("\n".join([*late, early]) + "\n")  # the earliest request is the last line, chunks later
    second = tmp_path / "second.log"
    # another request of the very same millisecond in a later file (not the same line: that one would be read
    # once, ``parsers.log_overlaps``)
    second.write_text(line(minute + timedelta(seconds=1), web, server, 502, "SH--", '"GET /b HTTP/1.1"') + "\n")
    combined = parsed([first, second], monkeypatch, chunk=1024)
    [group] = combined.groups.itertuples()
    assert (group.requests, group.line, group.source) == (42, 41, "first.log")
    assert group.first == pd.Timestamp(minute + timedelta(seconds=1))
    assert group.last == pd.Timestamp(minute + timedelta(seconds=44))
    pd.testing.assert_frame_equal(combined.groups, minute_groups(combined.requests))


def test_a_log_without_dated_requests_has_the_empty_groups(tmp_path, monkeypatch):
    path = tmp_path / "a.log"
    path.write_text("not a router line\n")
    combined = parsed([path], monkeypatch, chunk=1024)
    pd.testing.assert_frame_equal(combined.groups, minute_groups(combined.requests))
    assert combined.groups.empty
