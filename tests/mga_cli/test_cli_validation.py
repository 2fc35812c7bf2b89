"""Issue 15 item 1 and issue 13 §4/§6 through the real CLI in a child process.

"Before any long work" is tested with a loader that ends the run with exit 99 if it is called: a
refusal that came after loading the inputs shows up as 99, not as the expected 2. One such refusal runs
in a child process (``run(..., trap=True)``: the process's exit code and stderr); the other refusals
before loading are argument checks, run in this process through Typer's runner (:func:`refused`), which
gives the same exit code, stdout and stderr without starting an interpreter each.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

import parsers.load_snapshot
from mga.cli import app

ROOT = Path(__file__).resolve().parents[2]
TRAP = (
    "import sys, parsers.load_snapshot as s\n"
    "def trap(*a, **k):\n"
    "    sys.stderr.write('LOADER CALLED\\n'); sys.exit(99)\n"
    "s.load_snapshot = trap\n"
    "from mga.cli import main\n"
    "sys.argv = ['mga'] + sys.argv[1:]\n"
    "main()\n"
)
ROUTE = """apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: shop, namespace: web}
spec:
  host: shop.example.com
  to: {kind: Service, name: shop}
  port: {targetPort: http}
  tls: {termination: edge, insecureEdgeTerminationPolicy: Redirect}
  wildcardPolicy: None
"""


def run(*args: str, trap: bool = False, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", TRAP, *args] if trap else [sys.executable, "-m", "mga.cli", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd or ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


class Refused(NamedTuple):
    """What :func:`refused` saw: named as a child process's answer, so the checks read the same."""

    returncode: int
    stdout: str
    stderr: str


def refused(*args: str) -> Refused:
    """``mga ARGS`` in this process, with the loader trapped as in the child (exit 99 if it is called)."""

    def trap(*_: object, **__: object) -> None:
        sys.stderr.write("LOADER CALLED\n")
        raise SystemExit(99)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsers.load_snapshot, "load_snapshot", trap)
        result = CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})
    # an exception other than an exit is the child's traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return Refused(result.exit_code, result.stdout, result.stderr)


def one_line(proc: subprocess.CompletedProcess[str] | Refused) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_version_flag():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("mga ")


def test_since_after_until_is_refused_before_loading(tmp_path):
    proc = run("analyze", str(tmp_path), "--since", "2024-05-02T00:00:00Z", "--until", "2024-05-01T00:00:00Z",
               trap=True)
    assert proc.returncode == 2 and "is after --until" in one_line(proc)


def test_output_in_missing_directory_is_refused_before_loading(tmp_path):
    proc = refused("analyze", str(tmp_path), "--output", str(tmp_path / "nope" / "r.html"))
    assert proc.returncode == 2 and "does not exist" in one_line(proc)


def test_symlinked_output_is_refused(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / "out.html").symlink_to(victim)
    proc = refused("analyze", str(tmp_path), "--output", str(tmp_path / "out.html"))
    assert proc.returncode == 2 and "symbolic link" in one_line(proc)
    assert victim.read_text() == "keep"


def test_an_output_fifo_is_written_into_not_replaced(tmp_path):
    """``--output`` naming a named pipe (or a device such as ``/dev/null``) writes into it as ``>`` would; a rename
    over it would replace the node with a regular file (as root, ``/dev/null`` itself)."""
    import threading

    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    proc = run("analyze", str(src), "--format", "json", "--output", str(pipe), "-q")
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert json.loads(received[0])["schema"].startswith("mga.report/")


def test_an_output_device_node_stays_a_device(tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device, under a test's own name
    except PermissionError:
        pytest.skip("creating a device node needs root")
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = run("analyze", str(src), "--format", "json", "--output", str(node), "-q")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(node.stat().st_mode)


def test_output_equal_to_an_input_is_refused(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = refused("analyze", str(src), "--output", str(src))
    assert proc.returncode == 2 and "one of the inputs" in one_line(proc)
    assert src.read_text() == ROUTE


def test_redact_map_without_redact_and_existing_map_are_refused(tmp_path):
    proc = refused("analyze", str(tmp_path), "--redact-map", str(tmp_path / "m.json"))
    assert proc.returncode == 2 and "needs --redact" in one_line(proc)
    existing = tmp_path / "m.json"
    existing.write_text("{}")
    proc = refused("analyze", str(tmp_path), "--redact", "--redact-map", str(existing))
    assert proc.returncode == 2 and "--force" in one_line(proc)
    assert existing.read_text() == "{}"


def test_output_directory_gets_report_inside_and_map_is_private(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    out = tmp_path / "out"
    out.mkdir()
    proc = run("analyze", str(src), "-f", "json", "--output", str(out), "--redact", "--redact-map",
               str(tmp_path / "map.json"))
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.json").exists()
    assert stat.S_IMODE((tmp_path / "map.json").stat().st_mode) == 0o600


def test_not_a_must_gather_is_exit_2(tmp_path):
    (tmp_path / "README.txt").write_text("just documentation\n")
    (tmp_path / "notes.md").write_text("# notes\n")
    proc = run("analyze", str(tmp_path), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert "no Kubernetes objects found" in one_line(proc)
    assert not (tmp_path / "r.html").exists()


def test_filters_that_match_nothing_list_the_closest_names(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = run("analyze", str(src), "-n", "webb", "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "closest: web" in one_line(proc)
    proc = run("analyze", str(src), "--route", "web/shopp", "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "closest: web/shop" in one_line(proc)


def test_terminal_summary_goes_to_stderr_when_report_goes_to_stdout_and_quiet_hides_it(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = run("analyze", str(src), "-o", "json", "--output", "-")
    assert proc.returncode == 0 and proc.stdout.lstrip().startswith("{")
    assert "1 route:" in proc.stderr and "report on stdout" in proc.stderr
    quiet = run("analyze", str(src), "-o", "json", "--output", "-", "--quiet")
    assert quiet.stderr == ""


def test_analyze_dash_o_path_is_deprecated_but_works(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = run("analyze", str(src), "-f", "json", "-o", str(tmp_path / "r.json"), "-q")
    assert proc.returncode == 0 and (tmp_path / "r.json").exists()
    assert "deprecated" in one_line(proc)


def test_route_names_with_control_characters_are_escaped_on_the_terminal(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE.replace("name: shop, namespace", 'name: "sh\\e[2Jop\\nfake", namespace'))
    proc = run("routes", str(src))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\\x1b[2J" in proc.stdout
    assert len(proc.stdout.splitlines()) == 2


def test_error_messages_are_escaped(tmp_path):
    proc = run("analyze", str(tmp_path / "no\x1b[2Jpe"))
    assert proc.returncode == 2 and "\x1b" not in proc.stderr and "\\x1b" in proc.stderr


def test_routes_positional_name_filters(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = run("routes", str(src), "shop")
    assert proc.returncode == 0 and "shop" in proc.stdout
    proc = run("routes", str(src), "nosuch")
    assert proc.returncode == 2 and "not found" in one_line(proc)


def test_routes_takes_namespace_slash_name_and_refuses_a_missing_path(tmp_path):
    """``NAMESPACE/NAME`` as for ``describe route`` and ``--route``; a path typed wrong is no such file, not a route."""
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE + "---\n" + ROUTE.replace("namespace: web", "namespace: ops"))
    proc = run("routes", str(src), "web/shop")
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[:2] for line in proc.stdout.splitlines()[1:]] == [["web", "shop"]]
    proc = run("routes", str(src), "ops/nosuch")
    assert proc.returncode == 2 and "route ops/nosuch not found" in one_line(proc)
    for typo in (str(tmp_path / "typo.tar.gz"), "cases/typo.tar.xz", "./mg", "a/b/c"):
        proc = run("routes", str(src), typo)
        assert proc.returncode == 2 and proc.stdout == ""
        assert one_line(proc) == f"mga: {typo}: no such file or directory"


def test_batch_input_named_index_does_not_collide(tmp_path):
    src = tmp_path / "index.yaml"
    src.write_text(ROUTE)
    out = tmp_path / "out"
    proc = run("batch", str(src), "--engine", "local", "-d", str(out), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    assert (out / "case-index.json").exists() and (out / "index.json").exists()
    page = (out / "index.html").read_text()
    assert 'href="case-index.json"' in page and "unknown 1" in page


def test_batch_index_html_escapes_input_names(tmp_path):
    src = tmp_path / "<b>x.yaml"
    src.write_text(ROUTE)
    out = tmp_path / "out"
    proc = run("batch", str(src), "--engine", "local", "-d", str(out), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text()
    assert "<b>x" not in page and "&lt;b&gt;x" in page


def test_markdown_note_escapes_control_characters(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE.replace("host: shop.example.com", 'host: "shop\\e]0;pwned\\a.example.com"'))
    proc = run("analyze", str(src), "-o", "md", "--output", "-", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_rule_prints_markdown_headings_without_rst_literals():
    proc = run("rule", "E202")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "# E202 readiness-probe-failing"
    assert "## What it does" in lines and "Needs: pods." in proc.stdout
    assert "``" not in proc.stdout and "needs logs: False" not in proc.stdout


def test_describe_route_shows_endpoints_readiness_and_findings():
    from tests.conftest import INSPECT_SHOP

    proc = run("describe", "route", str(INSPECT_SHOP), "shop/frontend")
    assert proc.returncode == 0, proc.stderr
    assert "TLS:          edge/Redirect" in proc.stdout
    assert "frontend-7d9fc6b8d4-q8w7e   10.131.0.77   8080   False" in proc.stdout
    assert "Verdict:      degraded" in proc.stdout and "E202" in proc.stdout
    missing = run("describe", "route", str(INSPECT_SHOP), "shop/frontendd")
    assert missing.returncode == 2 and "closest: shop/frontend" in one_line(missing)


def test_a_single_value_option_given_twice_is_refused_before_loading(tmp_path):
    proc = refused("analyze", str(tmp_path), "--format", "json", "--format", "md")
    assert proc.returncode == 2 and "--format" in proc.stderr and "given 2 times" in proc.stderr
    proc = refused("logs", str(tmp_path / "a.log"), "--top", "3", "--top=5")
    assert proc.returncode == 2 and "--top" in proc.stderr and "given 2 times" in proc.stderr


def test_repeatable_options_and_flags_still_repeat(tmp_path):
    (tmp_path / "routes.yaml").write_text(ROUTE)
    log = tmp_path / "a.log"
    log.write_text('10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:web:shop/pod:shop-1:shop:http:'
                   '10.128.0.9:8080 0/0/1/2/3 200 512 - - --VN 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n')
    proc = run("routes", str(tmp_path), "--logs", str(log), "--logs", str(log), "--show-labels", "--show-labels")
    assert proc.returncode == 0, proc.stderr
    assert "shop" in proc.stdout and "given" not in proc.stderr


OTHER_ROUTE = ROUTE.replace("name: shop, namespace: web", "name: admin, namespace: ops")
OTHER_LOG = (  # a request of a route the inputs do not hold
    "10.0.1.5:56271 [20/Nov/2026:08:30:00.000] fe_sni~ be_edge_http:elsewhere:app/pod:app-1:app:http:"
    '10.128.0.9:8080 0/0/1/2/3 200 512 - - --VN 12/9/3/1/0 0/0 "GET /a HTTP/1.1"\n'
)


def test_a_time_must_carry_a_full_date_and_the_documented_forms_still_do(tmp_path):
    for option, value in [("--since", "1h"), ("--until", "10m"), ("--since", "2026"), ("--until", "08:50"),
                          ("--since", "2026-11-20T25:00"), ("--since", "20261120")]:
        proc = refused("analyze", str(tmp_path), option, value)
        line = one_line(proc)
        assert proc.returncode == 2 and f"{option}: cannot read time {value!r}" in line and "YYYY-MM-DD" in line
    for value in ["2026-11-20", "2026-11-20 08:50", "2026-11-20T08:50:00Z", "2026-11-20T08:50:00.5+01:00",
                  "20/Nov/2026:08:50:00"]:
        proc = refused("analyze", str(tmp_path), "--since", value)
        assert proc.returncode == 99, proc.stderr  # past the checks: the (trapped) loader was called


def test_a_window_that_excludes_every_log_line_says_so(tmp_path):
    (tmp_path / "routes.yaml").write_text(ROUTE)
    log = tmp_path / "a.log"
    log.write_text(OTHER_LOG)
    proc = run("analyze", str(tmp_path / "routes.yaml"), "--logs", str(log), "--until", "2026-11-20T08:00:00Z",
               "--output", str(tmp_path / "r.json"), "-o", "json", "-q")
    assert proc.returncode == 0
    assert one_line(proc) == ("mga: warning: --until 2026-11-20T08:00:00Z: the window excludes every log line "
                              "(1 line outside it)")
    inside = run("analyze", str(tmp_path / "routes.yaml"), "--logs", str(log), "--since", "2026-11-20",
                 "--output", str(tmp_path / "r.json"), "-o", "json", "-q")
    assert inside.returncode == 0 and inside.stderr == ""


@pytest.mark.skipif(not os.path.isdir("/sys"), reason="needs /sys")
@pytest.mark.parametrize("command", [["analyze"], ["logs", "-o", "json"]])
def test_an_output_the_system_refuses_is_one_line_before_loading(tmp_path, command):
    proc = refused(*command[:1], str(tmp_path), *command[1:], "--output", "/sys/mga-report.out")
    line = one_line(proc)
    assert proc.returncode == 2 and "internal error" not in line
    assert "cannot write" in line or "is not writable" in line  # root passes os.access, the write fails


WRITE_FAILS = (  # the disk fills up while the report is written
    "import errno, sys, mga.outputs as o\n"
    "def full(*a, **k):\n"
    "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
    "o._write = full\n"
    "from mga.cli import main\n"
    "sys.argv = ['mga'] + sys.argv[1:]\n"
    "main()\n"
)

def test_a_report_that_fails_while_written_is_one_line_and_exit_2(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", WRITE_FAILS, "analyze", str(src), "--output",
                           str(tmp_path / "r.html")], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert one_line(proc) == f"mga: --output {tmp_path / 'r.html'}: cannot write: No space left on device"


def test_batch_output_dir_that_is_a_file_is_refused(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    proc = refused("batch", str(src), "--engine", "local", "-d", str(src))
    assert proc.returncode == 2 and one_line(proc) == f"mga: --output-dir {src}: cannot write: not a directory"
    assert src.read_text() == ROUTE


def test_refinements_of_redact_need_what_they_refine(tmp_path):
    proc = refused("analyze", str(tmp_path), "--redact-namespaces")
    assert proc.returncode == 2 and "--redact-namespaces needs --redact" in one_line(proc)
    proc = refused("analyze", str(tmp_path), "--redact", "--force")
    assert proc.returncode == 2 and "--force needs --redact-map" in one_line(proc)
    proc = refused("analyze", str(tmp_path), "--redact", "--redact-namespaces")
    assert proc.returncode == 99, proc.stderr


def test_filters_that_together_or_elsewhere_match_nothing_are_exit_2(tmp_path):
    (tmp_path / "routes.yaml").write_text(ROUTE + "---\n" + OTHER_ROUTE)
    proc = run("routes", str(tmp_path), "-n", "webb")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "-n webb: no route in namespace webb; closest: web" in one_line(proc)
    proc = run("analyze", str(tmp_path), "--route", "web/shop", "-n", "ops", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 2 and "--route web/shop: not in -n ops" in one_line(proc)
    assert not (tmp_path / "r.json").exists()
    out = tmp_path / "out"
    proc = run("batch", str(tmp_path / "routes.yaml"), "-n", "nosuchns", "--engine", "local", "-d", str(out))
    assert proc.returncode == 2
    assert "-n nosuchns: no route in namespace nosuchns; closest: ops, web" in proc.stdout
    assert not (out / "routes.json").exists()


@pytest.mark.parametrize("command", ["analyze", "logs", "batch"])
def test_workers_without_a_local_dask_cluster_is_refused_before_reading(tmp_path, command):
    """``--workers`` sizes the local Dask cluster only: with the local engine or a scheduler it would do nothing."""
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    out = ["-d", str(tmp_path / "out")] if command == "batch" else ["--output", str(tmp_path / "r.json")]
    proc = refused(command, str(src), "--engine", "local", "--workers", "3", *out)
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_line(proc) == "mga: --workers needs --engine dask: the local engine starts no worker processes"
    proc = refused(command, str(src), "--workers", "3", "--scheduler", "tcp://127.0.0.1:9", *out)
    assert proc.returncode == 2 and "with --scheduler the scheduler's own workers do the work" in one_line(proc)
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.json").exists()


def test_batch_of_an_input_without_objects_is_an_error_row_like_analyze(tmp_path):
    """An empty directory is exit 2 for ``analyze``; ``batch`` gives it the same error row and exit code."""
    empty = tmp_path / "empty"
    empty.mkdir()
    analyzed = run("analyze", str(empty), "--output", str(tmp_path / "r.json"))
    assert analyzed.returncode == 2
    out = tmp_path / "out"
    proc = run("batch", str(empty), "--engine", "local", "-d", str(out), "-f", "json")
    assert proc.returncode == 2
    assert proc.stdout == f"{empty}: {analyzed.stderr.removeprefix('mga: ')}"
    [row] = json.loads((out / "index.json").read_text())["inputs"]
    assert row == {"input": str(empty), "error": f"not a must-gather, inspect or log: no Kubernetes objects found in "
                                                 f"{empty}"}
    assert not (out / "empty.json").exists()


def test_summary_says_affected_requests_are_unknown_without_logs(tmp_path):
    from tests.conftest import INSPECT_SHOP

    proc = run("analyze", str(INSPECT_SHOP), "--output", str(tmp_path / "r.html"))
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("DEGRADED shop/frontend  readiness-probe-failing")
    assert first.endswith("affected requests unknown (no access logs)")
    log = tmp_path / "other.log"
    log.write_text(OTHER_LOG)
    proc = run("analyze", str(INSPECT_SHOP), "--logs", str(log), "--output", str(tmp_path / "r.html"))
    assert proc.stdout.splitlines()[0].endswith("affected requests unknown (no access-log line of this route)")


def test_summary_counts_the_skipped_list_and_what_was_cut(tmp_path):
    from tests.conftest import INSPECT_SHOP

    out = tmp_path / "r.json"
    proc = run("analyze", str(INSPECT_SHOP), "--max-bytes", "2K", "-o", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    skipped = json.loads(out.read_text())["skipped"]
    cut = sum(1 for s in skipped if s["offset"] is not None)
    assert cut >= 1
    assert proc.stdout.splitlines()[-1] == (f"{len(skipped)} entries in the report's skipped list (files not read, "
                                            f"rules not run), {cut} of them cut or left unread at a limit or damage")
    quiet = run("analyze", str(INSPECT_SHOP), "--max-bytes", "2K", "-o", "json", "--output", str(out), "-q")
    assert quiet.stdout == ""


def test_help_names_a_real_rule_and_the_dask_extra():
    from analyzer.registry import all_rules

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    rule = subprocess.run([sys.executable, "-m", "mga.cli", "rule", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env).stdout
    example = rule.split("(e.g. ", 1)[1].split(")", 1)[0]
    assert example in {r.code for r in all_rules()}
    for command in ("analyze", "batch"):
        text = subprocess.run([sys.executable, "-m", "mga.cli", command, "--help"], capture_output=True, text=True,
                              timeout=60, cwd=ROOT, env=env).stdout
        assert "mga[dask]" in text, text


@pytest.mark.parametrize(("name", "start"), [
    ("r.json", "{"), ("R.JSON", "{"), ("r.md", "# mga case note"), ("r.markdown", "# mga case note"),
    ("r.html", "<!DOCTYPE html>"), ("r.htm", "<!DOCTYPE html>"), ("r.txt", "<!DOCTYPE html>"),
    ("report", "<!DOCTYPE html>"),
])
def test_without_format_the_output_extension_names_it(tmp_path, name, start):
    """``--output r.json`` alone wrote an HTML page into r.json; another extension keeps HTML."""
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    result = CliRunner().invoke(app, ["analyze", str(src), "--output", str(tmp_path / name), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text().lstrip().startswith(start)


def test_without_format_a_directory_named_like_a_format_gets_the_html_report(tmp_path):
    src = tmp_path / "routes.yaml"
    src.write_text(ROUTE)
    (tmp_path / "out.json").mkdir()
    result = CliRunner().invoke(app, ["analyze", str(src), "--output", str(tmp_path / "out.json"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.json" / "report.html").exists()


def test_the_format_given_and_the_one_the_output_names_agree_or_it_is_refused_before_loading(tmp_path):
    out = tmp_path / "r.md"
    proc = refused("analyze", str(tmp_path), "--format", "json", "--output", str(out))
    assert proc.returncode == 2
    assert one_line(proc) == f"mga: --format json but --output {out} names a Markdown file"
    proc = refused("analyze", str(tmp_path), "-o", "md", "--output", str(tmp_path / "r.htm"))
    assert one_line(proc) == f"mga: -o md but --output {tmp_path / 'r.htm'} names an HTML file"
    proc = refused("analyze", str(tmp_path), "-f", "html", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 2 and one_line(proc).endswith("names a JSON file")
    for agreeing in (("--format", "md", "--output", str(out)), ("--format", "json", "--output", "-"),
                     ("--format", "json", "--output", str(tmp_path / "r.txt"))):
        assert refused("analyze", str(tmp_path), *agreeing).returncode == 99, agreeing  # past the checks
