"""``make bench``: mga logs next to halog on generated router logs, and mga analyze on the demo case.

Prints a Markdown table (wall time, peak RSS) for docs/performance.md. Sizes: ``--lines 1000000``
by default; add more with ``--lines 1000000 --lines 10000000`` (10M needs ~3.5 GB of disk in the
work directory). Inputs are generated under ``bench/out/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.gen_logs import generate

OUT = Path(__file__).resolve().parent / "out"


def measure(cmd: list[str], stdin: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    if shutil.which("time") or Path("/usr/bin/time").exists():
        full = ["/usr/bin/time", "-v", *cmd]
        start = time.monotonic()
        with open(stdin, "rb") if stdin else open("/dev/null", "rb") as fh:
            proc = subprocess.run(full, stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  check=True)
        wall = time.monotonic() - start
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        return wall, int(rss.group(1)) / 1024 if rss else float("nan")
    start = time.monotonic()
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as fh:
        subprocess.run(cmd, stdin=fh, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, action="append")
    args = parser.parse_args()
    sizes = args.lines or [1_000_000]
    OUT.mkdir(exist_ok=True)
    halog = shutil.which("halog") or "/usr/sbin/halog"
    rows = []
    for n in sizes:
        log = OUT / f"access_{n}.log"
        if not log.exists():
            generate(n, log, seed=1, http_only=True)
        mga = measure([sys.executable, "-m", "mga.cli", "logs", str(log), "--format", "json", "--output",
                       str(OUT / f"logs_{n}.json")])
        rows.append((f"mga logs --format json, {n:,} lines ({log.stat().st_size / 1e6:.0f} MB)", *mga))
        if Path(halog).exists():
            ref = measure([halog, "-srv"], stdin=log)
            rows.append(("halog -srv, same file", *ref))
            rows.append(("ratio mga / halog -srv", mga[0] / ref[0], float("nan")))
    from bench.gen_mustgather import generate as generate_mustgather

    tree = OUT / "mustgather_100ns"
    if not tree.exists():
        generate_mustgather(tree, namespaces=100, pods=40)
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) / 1e6
    rows.append((f"mga analyze generated must-gather, 100 namespaces x 40 pods, 400 routes ({size:.0f} MB)",
                 *measure([sys.executable, "-m", "mga.cli", "analyze", str(tree), "--format", "json", "--output",
                           str(OUT / "mg.json")])))
    rows.append(("same, --namespace team-007", *measure([sys.executable, "-m", "mga.cli", "analyze", str(tree), "-n",
                                                        "team-007", "--format", "json", "--output",
                                                        str(OUT / "mg7.json")])))
    demo = OUT / "demo"
    if not demo.exists():
        subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "fixtures" / "demo" /
                                            "make_demo.py"), str(demo)], check=True)
    rows.append(("mga analyze demo case (json)", *measure([sys.executable, "-m", "mga.cli", "analyze", str(demo),
                                                           "--format", "json", "--output", str(OUT / "demo.json")])))
    print(f"machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}"
          f" cores, Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d}")
    print("| what | wall s | peak RSS MiB |\n|---|---:|---:|")
    for what, wall, rss in rows:
        print(f"| {what} | {wall:.2f} | {'' if rss != rss else f'{rss:.0f}'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
