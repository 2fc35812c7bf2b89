"""``mga logs`` through the real CLI: standard input like halog, several files, safe terminal output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.test_cmd_logs import DOCS_HTTP, NOSRV

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "mga.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_logs_reads_standard_input_and_files_together(tmp_path):
    log = tmp_path / "a.log"
    log.write_text(DOCS_HTTP.replace(":39654 ", ":39655 ") + "\n")  # another request (the same line would be read once)
    proc = run("logs", "-", str(log), "-o", "json", stdin=NOSRV + "\n" + DOCS_HTTP + "\n")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["requests"] == 3
    assert stats["status_counts"]["503"] == 1


def test_empty_standard_input_is_named_standard_input_not_its_temporary_file(tmp_path):
    proc = run("logs", "-", stdin="")
    assert proc.returncode == 2 and proc.stderr == "mga: standard input: empty file\n"
    log = tmp_path / "a.log"
    log.write_text(DOCS_HTTP + "\n")
    proc = run("logs", "-", str(log), "-o", "json", stdin="")
    assert proc.returncode == 0 and "mga-stdin-" not in proc.stderr + proc.stdout
    assert proc.stderr == "mga: warning: standard input: empty file; skipped, the other inputs are read\n"
    assert json.loads(proc.stdout)["skipped"] == [{"source": "standard input", "reason": "standard input: empty file"}]


def test_logs_refuses_stdin_twice():
    proc = run("logs", "-", "-", stdin="")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_logs_html_shows_control_bytes_escaped_never_raw(tmp_path):
    hostile = DOCS_HTTP.replace('"GET / HTTP/1.1"', '"GET /a\x1b[31mb\x00c\x85 HTTP/1.1"')
    log = tmp_path / "odd\x1b[2Jname.log"
    log.write_text(hostile + "\n")
    out = tmp_path / "logs.html"
    proc = run("logs", str(log), "-o", "html", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page) == []
    assert "/a\\x1b[31mb\\x00c\\x85" in page and "odd\\x1b[2Jname.log" in page


def test_logs_table_escapes_control_characters_from_log_fields(tmp_path):
    hostile = DOCS_HTTP.replace('"GET / HTTP/1.1"', '"GET /\x1b]0;pwned\x07 HTTP/1.1"').replace(
        "hello-openshift:hello-openshift/pod", "hello\x1b[2J:hello-openshift/pod")
    log = tmp_path / "a.log"
    log.write_text(hostile + "\ngarbage\x1b[2J line\n")
    proc = run("logs", str(log))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_the_output_extension_names_the_format_when_none_is_given(tmp_path):
    log = tmp_path / "a.log"
    log.write_text(DOCS_HTTP + "\n" + NOSRV + "\n")
    as_json, as_html, as_text = tmp_path / "s.json", tmp_path / "s.HTML", tmp_path / "s.txt"
    assert run("logs", str(log), "--output", str(as_json)).returncode == 0
    assert json.loads(as_json.read_text())["requests"] == 2
    assert run("logs", str(log), "--output", str(as_html)).returncode == 0
    assert as_html.read_text().lstrip().lower().startswith("<!doctype html>")
    assert run("logs", str(log), "--output", str(as_text)).returncode == 0
    assert as_text.read_text().startswith("lines read 2, requests 2")
    refused = run("logs", str(log), "-f", "table", "--output", str(tmp_path / "t.json"))
    assert refused.returncode == 2 and not (tmp_path / "t.json").exists()
    assert refused.stderr.strip().endswith(f"--format table but --output {tmp_path / 't.json'} names a JSON file")
