"""Record genuine HAProxy access logs for the diagnosis fixtures, on 127.0.0.1 only.

Runs Debian's ``haproxy`` with the OpenShift router's relevant settings (``option httplog``,
``log-send-hostname``, ``option redispatch``, cookie persistence, ``check inter`` when a backend has
more than one server, route backends ``be_http:<ns>:<route>`` with servers
``pod:<pod>:<svc>:<port name>:<ip>:<port>``) in front of small misbehaving test servers, sends a
bounded number of requests, and writes what HAProxy logged the way the router's ``logs`` sidecar and
``oc adm must-gather`` store it: ``<kubelet ts> <rsyslog ts> <host> <host> haproxy[<pid>]: <message>``.

Timeouts are shortened (connect 1 s, server 2 s) so the run takes well under a minute; everything else
about the log lines (termination states, timers, sizes) is HAProxy's own.

Usage: ``python bench/haproxy_lab/run_lab.py OUTDIR``
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROUTER = "router-default-5f7d8c9b64-lab01"
NS = "lab"
CONNECT_MS, SERVER_MS = 1000, 2000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler(BaseHTTPRequestHandler):
    """Behaviour chosen by the server's ``mode``: ok, slow, app503."""

    mode = "ok"

    def do_GET(self) -> None:
        if self.mode == "slow":
            time.sleep(SERVER_MS / 1000 + 0.7)
        status = 503 if self.mode == "app503" else 200
        body = b"maintenance\n" if status == 503 else b"hello from the lab\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # HAProxy gave up on a slow answer and reset the connection: expected here


def http_server(mode: str) -> tuple[ThreadingHTTPServer, int]:
    handler = type(f"{mode}Handler", (Handler,), {"mode": mode})
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def raw_server(reply: bytes | None) -> tuple[socket.socket, int]:
    """Reads a request, then sends ``reply`` (None: close without answering)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)

    def loop() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    if reply:
                        conn.sendall(reply)
                except OSError:
                    pass

    threading.Thread(target=loop, daemon=True).start()
    return sock, sock.getsockname()[1]


class SyslogSink:
    """A UDP syslog receiver writing each message in the must-gather sidecar line shape."""

    MSG = re.compile(r"^<\d+>(?:\w{3} [ \d]\d \d\d:\d\d:\d\d )?(?P<host>\S+) (?P<tag>haproxy\[\d+\]:) (?P<msg>.*)$",
                     re.DOTALL)

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        self.raw: list[str] = []
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            now = datetime.now(UTC)
            text = data.decode("utf-8", errors="replace").rstrip("\n")
            self.raw.append(text)
            m = self.MSG.match(text)
            if not m:
                continue
            rsyslog = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}+00:00"
            kubelet = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}{os.getpid() % 1000:03d}Z"
            self.lines.append(f"{kubelet} {rsyslog} {m['host']} {m['host']} {m['tag']} {m['msg']}")

    def stop(self) -> None:
        time.sleep(0.5)
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def server_line(route: str, pod: str, port: int, check: bool) -> str:
    name = f"pod:{pod}:{route}:http:127.0.0.1:{port}"
    cookie = f"{abs(hash(pod)) % 10**12:012d}"
    return f"  server {name} 127.0.0.1:{port} cookie {cookie} weight 256" + (" check inter 1000ms" if check else "")


def config(sink_port: int, front_port: int, backends: dict[str, list[tuple[str, int]]]) -> str:
    lines = [
        "global",
        f"  log 127.0.0.1:{sink_port} len 1024 local1 info",
        f"  log-send-hostname {ROUTER}",
        "  maxconn 2000",
        "defaults",
        "  mode http",
        "  log global",
        "  option httplog",
        "  option redispatch",
        f"  timeout connect {CONNECT_MS}ms",
        "  timeout client 10s",
        f"  timeout server {SERVER_MS}ms",
        "  timeout http-request 10s",
        "  timeout queue 1s",
        "frontend public",
        f"  bind 127.0.0.1:{front_port}",
    ]
    for route in backends:
        lines.append(f"  use_backend be_http:{NS}:{route} if {{ path_beg /{route}/ }}")
    lines.append("  default_backend openshift_default")
    lines += ["backend openshift_default", "  mode http"]
    for route, servers in backends.items():
        lines += [f"backend be_http:{NS}:{route}", "  mode http", "  option redispatch", "  balance roundrobin",
                  "  timeout check 1000ms", "  cookie lab-cookie insert indirect nocache httponly"]
        lines += [server_line(route, pod, port, check=len(servers) > 1) for pod, port in servers]
    return "\n".join(lines) + "\n"


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=6) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError, ConnectionError):
        return -1


def run(out: Path) -> None:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    out.mkdir(parents=True, exist_ok=True)
    sink = SyslogSink()
    ok_a, port_a = http_server("ok")
    ok_b, port_b = http_server("ok")
    _slow, port_slow = http_server("slow")
    _maint, port_maint = http_server("app503")
    bad_sock, port_bad = raw_server(b"HTTP/1.1 200 OK\r\nBad Header Name: x\r\nContent-Length: 2\r\n\r\nok")
    reset_sock, port_reset = raw_server(None)
    port_closed = free_port()  # nothing listens here
    pods = {
        "shop": [("shop-6d8f7c9b5-a1b2c", port_a), ("shop-6d8f7c9b5-d3e4f", port_b)],
        "reports": [("reports-7f9c8d6b4-g5h6i", port_slow)],
        "orders": [("orders-5c7d9e8f6-j7k8l", port_closed)],
        "legacy": [("legacy-8b6c4d2e9-m9n0p", port_bad)],
        "worker": [("worker-4d6e8f1a3-q1r2s", port_reset)],
        "status": [("status-9e1f3a5c7-t3u4v", port_maint)],
        "gone": [],
    }
    front = free_port()
    cfg = config(sink.port, front, pods)
    (out / "haproxy.config").write_text(cfg)
    proc = subprocess.Popen([haproxy, "-db", "-f", str(out / "haproxy.config")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    timeline: dict[str, object] = {"haproxy": subprocess.run([haproxy, "-v"], capture_output=True, text=True)
                                   .stdout.splitlines()[0], "namespace": NS, "router_pod": ROUTER,
                                   "pods": {r: [{"pod": p, "port": port} for p, port in s] for r, s in pods.items()},
                                   "events": []}
    events: list[dict[str, str]] = timeline["events"]  # type: ignore[assignment]
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and get(f"http://127.0.0.1:{front}/status/ping") == -1:
            time.sleep(0.1)
        start = time.monotonic()
        plan = {"shop": 24, "reports": 4, "orders": 3, "legacy": 6, "worker": 6, "status": 8, "gone": 6}
        for i in range(max(plan.values())):
            for route, count in plan.items():
                if i < count:
                    get(f"http://127.0.0.1:{front}/{route}/item/{i}")
            if i == 12:  # one shop pod goes away mid-run: the router's check marks it DOWN
                events.append({"ts": datetime.now(UTC).isoformat(), "event": "stopped", "pod": pods["shop"][1][0]})
                ok_b.shutdown()
                ok_b.server_close()
                time.sleep(3.5)
            if time.monotonic() - start > 45:
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        sink.stop()
        ok_a.shutdown()
        bad_sock.close()
        reset_sock.close()
    (out / "access.log").write_text("\n".join(sink.lines) + "\n")
    timeline["lines"] = len(sink.lines)
    timeline["recorded_at"] = datetime.now(UTC).isoformat()
    (out / "timeline.json").write_text(json.dumps(timeline, indent=2) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: run_lab.py OUTDIR")
    run(Path(sys.argv[1]))
