"""``mga logs`` per URL (``-u``), URLs by 5xx (``-ue``), per client (``-ic``), labelled worst minutes, HTML page.

The per-URL numbers are checked against halog's own ``-u`` on a log a real HAProxy wrote; the rest
against counts made here from lines written for the test.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB_LOG = ROOT / "fixtures" / "haproxy-lab" / "access.log"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


BACKEND = "be_http:ns:app/pod:app-1:app:http:10.1.0.5:8080"


def line(minute: int, second: int, status: int, path: str, *, client: str = "10.0.0.1",
         timers: str = "0/0/1/2/3", term: str = "--NI", backend: str = BACKEND, size: int = 100) -> str:
    return (f"2026-11-24T10:{minute:02d}:{second:02d}.000000+00:00 router router haproxy[1]: {client}:40000 "
            f"[24/Nov/2026:10:{minute:02d}:{second:02d}.000] public {backend} {timers} {status} {size} - - {term} "
            f'1/1/0/0/0 0/0 "GET {path} HTTP/1.1"')


@pytest.mark.skipif(shutil.which("halog") is None, reason="halog is not installed")
def test_per_url_numbers_equal_halog_u_on_a_real_haproxy_log():
    halog = subprocess.run(["halog", "-u", "-q"], stdin=LAB_LOG.open("rb"), capture_output=True, check=True)
    expected = {}
    for row in halog.stdout.decode().splitlines()[1:]:
        req, err, _ttot, _tavg, _oktot, okavg, _bavg, btot, url = row.split()
        expected[url] = (int(req), int(err), int(okavg) if int(req) > int(err) else None, int(btot))
    proc = run("logs", str(LAB_LOG), "-u", "--top", "1000", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    got = {u["url"]: (u["requests"], u["failed"], u["avg_ta_ok"], u["bytes_total"]) for u in stats["urls"]}
    assert got == expected
    assert stats["distinct_urls"] == len(expected)


def test_urls_5xx_rank_by_5xx_status_and_query_strings_are_cut(tmp_path):
    lines = [line(1, 0, 503, "/cart?id=1"), line(1, 1, 503, "/cart?id=2"), line(1, 2, 200, "/cart"),
             line(1, 3, 502, "/pay", timers="0/0/0/-1/0", term="SHNN"), line(1, 4, 200, "/home"),
             line(1, 5, 200, "/home"), line(1, 6, 200, "/home"), line(1, 7, 200, "/home")]
    log = tmp_path / "a.log"
    log.write_text("\n".join(lines) + "\n")
    proc = run("logs", str(log), "-u", "-ue", "-o", "json")
    stats = json.loads(proc.stdout)
    assert [(u["url"], u["requests"], u["errors_5xx"], u["failed"]) for u in stats["urls_5xx"]] == [
        ("/cart", 3, 2, 0), ("/pay", 1, 1, 1)]
    assert [(u["url"], u["requests"]) for u in stats["urls"]] == [("/home", 4), ("/cart", 3), ("/pay", 1)]
    table = run("logs", str(log), "-ue", "--top", "1").stdout
    block = table.split("URLs with the most 5xx")[1].splitlines()
    assert block[2].split() == ["3", "2", "0", "3", "300", "/cart"] and (len(block) < 4 or not block[3].strip())


def test_the_5xx_urls_heading_counts_every_url_with_a_5xx_not_only_those_shown(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("\n".join([line(1, 0, 503, "/cart"), line(1, 1, 503, "/cart"), line(1, 2, 503, "/pay"),
                              line(1, 3, 200, "/home")]) + "\n")
    table = run("logs", str(log), "-ue", "--top", "1").stdout
    assert "URLs with the most 5xx (1 of 2 with any)" in table
    stats = json.loads(run("logs", str(log), "-ue", "--top", "1", "-o", "json").stdout)
    assert stats["distinct_urls_5xx"] == 2 and [u["url"] for u in stats["urls_5xx"]] == ["/cart"]


def test_several_files_and_the_client_breakdown(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join([line(1, 0, 200, "/", client="10.0.0.1"), line(1, 1, 503, "/", client="10.0.0.2")]) + "\n")
    b.write_text("\n".join([line(2, 0, 503, "/", client="10.0.0.2"), line(2, 1, 503, "/", client="10.0.0.2")]) + "\n")
    stats = json.loads(run("logs", str(a), str(b), "-ic", "-o", "json").stdout)
    assert stats["requests"] == 4
    assert [(c["client"], c["requests"], c["errors_5xx"]) for c in stats["clients"]] == [
        ("10.0.0.2", 3, 3), ("10.0.0.1", 1, 0)]
    table = run("logs", str(a), str(b), "-ic").stdout
    assert "busiest clients (2 of 2)" in table


def test_worst_minutes_are_printed_in_time_order_with_their_rank_and_main_status(tmp_path):
    lines = [line(1, s, 503, "/") for s in range(2)]  # 10:01 two 503
    lines += [line(5, s, 502, "/", timers="0/0/0/-1/0", term="SHNN") for s in range(5)]  # 10:05 five 502: worst
    lines += [line(7, 0, 504, "/", timers="0/0/0/-1/30000", term="sHNN"), line(7, 1, 502, "/")]  # 10:07 mixed
    lines += [line(9, 0, 200, "/")]  # no 5xx: not a worst minute
    log = tmp_path / "a.log"
    log.write_text("\n".join(lines) + "\n")
    table = run("logs", str(log)).stdout
    rows = table.split("LABEL")[1].strip().splitlines()
    assert [r.split()[0] for r in rows] == ["2026-11-24T10:01:00Z", "2026-11-24T10:05:00Z", "2026-11-24T10:07:00Z"]
    assert [" ".join(r.split()[6:]) for r in rows] == ["#2, mostly 503", "worst, mostly 502", "#3, mixed 5xx"]


def test_html_page_is_self_contained_with_the_minute_chart_and_escapes_the_log(tmp_path):
    hostile = '/x"><script>alert(1)</script><img src=http://evil.example/a.png>'
    lines = [line(1, 0, 503, hostile), line(1, 1, 200, "/ok"), line(2, 0, 200, "/ok")]
    log = tmp_path / "a.log"
    log.write_text("\n".join(lines) + "\n")
    proc = run("logs", str(log), "--format", "html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "wrote logs.html"
    page = (tmp_path / "logs.html").read_text()
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp and "script-src 'none'" in csp and "connect-src 'none'" in csp
    assert "<script" not in page  # the page needs no script, and the path from the log stays text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert page.count("<svg") == 1 and ">503<" in page.split("<svg", 1)[1]  # the chart's 503 legend
    with_output = run("logs", str(log), "-o", "html", "--output", str(tmp_path / "page.html"))
    assert with_output.returncode == 0 and (tmp_path / "page.html").read_text().startswith("<!DOCTYPE html>")


def test_a_table_that_top_cuts_says_so_under_it(tmp_path):
    """``--top 2`` of three routes (and servers): a line under each table says how many there are."""
    backends = [f"be_http:ns:app{i}/pod:app{i}-1:app{i}:http:10.1.0.{i}:8080" for i in range(3)]
    log = tmp_path / "a.log"
    log.write_text("\n".join(line(1, i, 200, "/", backend=b) for i, b in enumerate(backends)) + "\n")
    table = run("logs", str(log), "--top", "2").stdout
    routes, servers = table.split("\n\n")[2:4]
    assert routes.splitlines()[-1] == "2 of 3 routes; --top N shows more" and len(routes.splitlines()) == 4
    assert servers.splitlines()[-1] == "2 of 3 servers; --top N shows more" and len(servers.splitlines()) == 4
    whole = run("logs", str(log), "--top", "3").stdout
    assert "shows more" not in whole
    run("logs", str(log), "--top", "2", "-o", "html", "--output", str(tmp_path / "page.html"))
    page = (tmp_path / "page.html").read_text()
    assert "<p class=\"small muted\">2 of 3 routes; --top N shows more</p>" in page
    assert "<p class=\"small muted\">2 of 3 servers; --top N shows more</p>" in page
