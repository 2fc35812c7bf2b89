"""``make bench``: mga next to halog and haproxy-log-analysis on the same logs, and mga on whole cases.

Prints one Markdown table (wall time, peak RSS, ratio) for docs/performance.md. Every row is a
separate process timed with ``/usr/bin/time -v``, run next to its reference, so
ratios hold on a machine shared with other work. Inputs are generated under ``bench/out/`` (git
ignores it) and reused by later runs:

- router logs of 1M, 3M and 10M lines (``bench/gen_logs.py``; 10M is 3.8 GB of disk), each also gzipped
  (level 1) for a ``mga logs`` row;
- a whole case (``bench/gen_case.py``): a ~2 GB must-gather, an inspect of 3 app namespaces,
  1M access-log lines in the router pods' logs; the must-gather read as a directory and as the
  ``.tar.gz`` a support engineer receives.

- ``mga analyze`` of a must-gather with each log (the real ``must-gather-aws.tar.xz`` of
  ``../shared/realworld`` when present, else the bundled demo case, made by ``fixtures/demo/make_demo.py``),
  next to ``mga logs`` of the same log in the same run: the workload a support engineer runs;

- must-gathers of many application namespaces, no access log (``bench/gen_mustgather.py``, 8 pods
  and 4 routes per namespace, 4 KB of container log per pod): the cost of the rules per route;

- a router-wide outage: a log of the same routes in which nine answers in ten are 5xx
  (``bench.gen_logs.OUTAGE_OUTCOMES``), analysed with the must-gather, next to ``mga logs`` of it:
  the failures of namespaces the inputs hold nothing of are counted, not kept; and the outage of
  one application's 10 routes (``--first-routes 10``) analysed with a routes dump of them, where
  every line is kept, in one file and cut into three (one log per router pod, as a must-gather holds them);

- routes with traffic: a routes dump of the 1M-line log's first N namespaces (10 routes each,
  ``bench.gen_logs.write_routes_dump``) analysed with that log, next to ``mga logs`` of it: every
  request of those routes is kept and nearly every route gets findings, a ledger and a timeline.

Options: ``--lines N`` (repeat; default 1M, 3M and 10M), ``--hla-lines N`` (the haproxy-log-analysis
row, default 1M: it reads ~12,000 lines a second, so 10M takes a quarter of an hour), ``--quick``
(1M only, no whole case, no haproxy-log-analysis, no cluster rows), ``--no-case``, ``--no-hla``,
``--no-dask``, ``--no-logs`` (no log rows), ``--no-analyze`` (no analyze-with-log rows),
``--namespaces N`` (repeat; the cluster rows, default 500, 1,250 and 2,500 namespaces), ``--no-clusters``,
``--traffic-namespaces N`` (repeat; the routes-with-traffic rows, default 50 namespaces = 500 routes),
``--no-traffic``, ``--outage-lines N`` (repeat; the outage rows, default 3M lines), ``--no-outage``,
``--rounds N`` (default 3): the commands whose ratios are goals (``mga logs`` next to halog and to
``mga analyze`` of the same log) run N times each, taking turns; their rows give the median wall time,
the highest RSS, and the range of the rounds' ratios.

Each log is read once before its rows are timed, so every tool reads it from the page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.gen_logs import generate

OUT = Path(__file__).resolve().parent / "out"
REPO = Path(__file__).resolve().parent.parent
AWS = REPO.parent / "shared" / "realworld" / "openshift__must-gather-clean" / "test" / "files" / \
    "must-gather-aws.tar.xz"
DEMO = OUT / "demo-case"
HLA_LINES = 1_000_000  # haproxy-log-analysis reads ~10,000 lines/s: this row takes two minutes or so
Row = tuple[str, float, float, str]


def measure(cmd: list[str], stdin: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process (``/usr/bin/time -v``); ``env`` adds variables.

    The child loads the project's modules from bytecode, as an installed ``mga`` does: a
    ``PYTHONDONTWRITEBYTECODE`` of the benchmarking shell is not passed on (with it, every command
    compiled its 60 to 120 modules anew, 0.15 to 0.3 s; :func:`main` writes the bytecode first).
    """
    start = time.monotonic()
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as fh:
        proc = subprocess.run(["/usr/bin/time", "-v", *cmd], stdin=fh, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env={**inherited, **(env or {})})
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, int(rss.group(1)) / 1024 if rss else float("nan")


def mga(*args: str) -> list[str]:
    return [sys.executable, "-m", "mga.cli", *args]


ROUNDS = 3  # ``--rounds``: how many times the commands whose ratios are the goals run, taking turns


def alternated(*runs: Callable[[], tuple[float, float]]) -> list[tuple[float, float, list[float]]]:
    """Each run :data:`ROUNDS` times, in turn (A B C A B C ...): its median wall time, highest RSS and walls.

    The machine's speed drifts by a third within minutes when it is shared; two commands timed once each,
    one after the other, compare that drift as much as themselves. Taking turns puts every pair close
    together, and the medians leave out a round that one slow minute spoiled.
    """
    walls: list[list[float]] = [[] for _ in runs]
    peaks = [0.0 for _ in runs]
    for _ in range(ROUNDS):
        for i, run in enumerate(runs):
            wall, rss = run()
            walls[i].append(wall)
            peaks[i] = max(peaks[i], rss)
    return [(statistics.median(w), peak, w) for w, peak in zip(walls, peaks, strict=True)]


def ratio_note(label: str, ours: list[float], reference: list[float], goal: str = "") -> str:
    """``label = **median ratio ×**``, and with several rounds the range of the rounds' own ratios."""
    note = f"{label} = **{statistics.median(ours) / statistics.median(reference):.1f} ×**"
    if len(ours) > 1:
        each = [a / b for a, b in zip(ours, reference, strict=True)]
        note += f" (median of {len(ours)} alternated rounds, each {min(each):.1f}–{max(each):.1f} ×)"
    return note + (f" {goal}" if goal else "")


def log_file(n: int) -> Path:
    path = OUT / f"access_{n}.log"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(n, path, seed=1, http_only=True)
    with open(path, "rb") as fh:  # into the page cache: no row pays for the disk
        while fh.read(64 << 20):
            pass
    return path


def gzipped(log: Path) -> Path:
    """``log`` gzipped at level 1 (made once, read into the page cache): a rotated log as customers send it."""
    import gzip

    packed = log.with_name(log.name + ".gz")
    if not packed.exists():
        print(f"gzipping {log} ...", file=sys.stderr)
        part = packed.with_suffix(".part")
        with open(log, "rb") as src, gzip.open(part, "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst, 16 << 20)
        part.rename(packed)
    with open(packed, "rb") as fh:
        while fh.read(64 << 20):
            pass
    return packed


def same_counts(a: Path, b: Path) -> str:
    """Whether two ``mga logs`` reports of the same lines from different files say the same (all but the
    files' names)."""
    def said(path: Path) -> dict:
        report = json.loads(path.read_text())
        report.pop("files", None)
        return report

    return "the same report but the file names" if said(a) == said(b) else "REPORTS DIFFER"


def same_json(a: Path, b: Path) -> str:
    return "identical JSON" if json.loads(a.read_text()) == json.loads(b.read_text()) else "JSON DIFFERS"


def analyze_mustgather() -> Path:
    """The must-gather the analyze rows pair with each log: the real aws archive, else the demo archive."""
    if AWS.exists():
        return AWS
    if not DEMO.exists():
        subprocess.run([sys.executable, str(REPO / "fixtures" / "demo" / "make_demo.py"), str(DEMO)], check=True)
    return DEMO


def bench_logs(n: int, halog: str | None, dask: bool, mustgather: Path | None = None) -> list[Row]:
    log = log_file(n)
    size = f"{n:,} lines ({log.stat().st_size / 1e6:,.0f} MB)"
    local_json = OUT / f"logs_{n}.json"
    runs = [lambda: measure(mga("logs", str(log), "--format", "json", "--output", str(local_json)))]
    if halog:
        runs.append(lambda: measure([halog, "-srv", "-q"], stdin=log))
    if mustgather is not None:
        runs.append(lambda: measure(mga("analyze", str(mustgather), "--logs", str(log), "--format", "json",
                                        "--output", str(OUT / f"analyze_{n}.json"))))
    timed = alternated(*runs)
    wall, rss, walls = timed.pop(0)
    rows: list[Row] = [(f"`mga logs --format json`, {size}", wall, rss, "")]
    if halog:
        ref_wall, ref_rss, ref_walls = timed.pop(0)
        rows.append(("`halog -srv`, same file", ref_wall, ref_rss, ratio_note("mga / halog", walls, ref_walls)))
    if mustgather is not None:
        a_wall, a_rss, a_walls = timed.pop(0)
        rows.append((f"`mga analyze {mustgather.name} --logs` same file --format json", a_wall, a_rss,
                     ratio_note("analyze / mga logs", a_walls, walls, "(goal ≤ 2 ×, ≤ 2,048 MiB)")))
    arrow_json = OUT / f"logs_{n}_arrow.json"
    a_wall, a_rss = measure(mga("logs", str(log), "--format", "json", "--output", str(arrow_json)),
                            env={"MGA_LOG_SCANNER": "arrow"})
    rows.append(("same, Arrow kernels only (`MGA_LOG_SCANNER=arrow`, no compiled scanner)", a_wall, a_rss,
                 same_json(local_json, arrow_json)))
    packed = gzipped(log)
    gz_json = OUT / f"logs_{n}_gz.json"
    g_wall, g_rss = measure(mga("logs", str(packed), "--format", "json", "--output", str(gz_json)))
    rows.append((f"same, gzipped (`{packed.name}`, {packed.stat().st_size / 1e6:,.0f} MB, gzip level 1)", g_wall,
                 g_rss, f"gz / plain = {g_wall / wall:.1f} ×; {same_counts(local_json, gz_json)}"))
    if dask:
        dask_json = OUT / f"logs_{n}_dask.json"
        d_wall, d_rss = measure(mga("logs", str(log), "--format", "json", "--output", str(dask_json),
                                    "--engine", "dask", "--workers", "2"))
        rows.append(("same, `--engine dask` (LocalCluster, 2 workers; RSS of the client only)", d_wall, d_rss,
                     same_json(local_json, dask_json)))
    return rows


def bench_outage(n: int, mustgather: Path) -> list[Row]:
    """``mga analyze`` of the must-gather with an ``n``-line outage log, next to ``mga logs`` of it."""
    log = OUT / f"outage_{n}.log"
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        generate(n, log, seed=1, http_only=True, outage=True)
    with open(log, "rb") as fh:  # into the page cache, as log_file does
        while fh.read(64 << 20):
            pass
    (wall, rss, walls), (a_wall, a_rss, a_walls) = alternated(
        lambda: measure(mga("logs", str(log), "--format", "json", "--output", str(OUT / f"outage_logs_{n}.json"))),
        lambda: measure(mga("analyze", str(mustgather), "--logs", str(log), "--format", "json",
                            "--output", str(OUT / f"outage_analyze_{n}.json"))))
    rows: list[Row] = [(f"`mga logs --format json`, outage log of {n:,} lines (90 % 5xx, "
                        f"{log.stat().st_size / 1e6:,.0f} MB)", wall, rss, "")]
    rows.append((f"`mga analyze {mustgather.name} --logs` same file --format json", a_wall, a_rss,
                 ratio_note("analyze / mga logs", a_walls, walls)))
    return rows + bench_app_outage(n)


def bench_app_outage(n: int) -> list[Row]:
    """The outage of one application's 10 routes, all of them in the inputs (a routes dump of their
    namespace): every line is kept, the rules and ledgers read them all."""
    from bench.gen_logs import write_routes_dump

    log = OUT / f"app_outage_{n}.log"
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        generate(n, log, seed=1, http_only=True, outage=True, first_routes=10)
    with open(log, "rb") as fh:
        while fh.read(64 << 20):
            pass
    dump = OUT / "routes_1ns.json"
    write_routes_dump(dump, 1)
    (wall, rss, walls), (a_wall, a_rss, a_walls) = alternated(
        lambda: measure(mga("logs", str(log), "--format", "json", "--output",
                            str(OUT / f"app_outage_logs_{n}.json"))),
        lambda: measure(mga("analyze", str(dump), "--logs", str(log), "--format", "json",
                            "--output", str(OUT / f"app_outage_analyze_{n}.json"))))
    rows: list[Row] = [(f"`mga logs --format json`, outage of 10 routes, {n:,} lines "
                        f"({log.stat().st_size / 1e6:,.0f} MB)", wall, rss, "")]
    rows.append(("`mga analyze` routes dump of those 10 routes `--logs` same file --format json", a_wall, a_rss,
                 ratio_note("analyze / mga logs", a_walls, walls, "(every line kept)")))
    return rows + bench_split_app_outage(n, log, dump) + bench_app_busy(n, dump)


def bench_app_busy(n: int, dump: Path) -> list[Row]:
    """The same 10 routes answering with the usual mix (97 % below 500): one busy application whose
    namespace the engineer inspected, the commonest case. Its normal lines are counted, not kept as rows
    (``parsers.normal_lines``, where the log is read lean: ``parsers.lean_normal``); the other 3 % are
    rows: this row shows what the application's own traffic costs when few of its lines are failures."""
    log = OUT / f"app_busy_{n}.log"
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        generate(n, log, seed=1, http_only=True, first_routes=10)
    with open(log, "rb") as fh:
        while fh.read(64 << 20):
            pass
    (wall, rss, walls), (a_wall, a_rss, a_walls) = alternated(
        lambda: measure(mga("logs", str(log), "--format", "json", "--output",
                            str(OUT / f"app_busy_logs_{n}.json"))),
        lambda: measure(mga("analyze", str(dump), "--logs", str(log), "--format", "json",
                            "--output", str(OUT / f"app_busy_analyze_{n}.json"))))
    return [(f"`mga logs --format json`, 10 busy routes, usual answers, {n:,} lines "
             f"({log.stat().st_size / 1e6:,.0f} MB)", wall, rss, ""),
            ("`mga analyze` routes dump of those 10 routes `--logs` same file --format json", a_wall, a_rss,
             ratio_note("analyze / mga logs", a_walls, walls, "(normal lines counted, the 3 % 5xx kept)"))]


def split_by_lines(log: Path, parts: int) -> list[Path]:
    """``log`` cut into ``parts`` files of about equal size at line ends (``split -n l/N``), written once
    under ``bench/out/split_<name>/``: the lines of one log as if several router pods had written them."""
    folder = OUT / f"split_{log.stem}"
    paths = [folder / f"router-{i}.log" for i in range(parts)]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(exist_ok=True)
    size = log.stat().st_size
    with open(log, "rb") as src:
        for i, path in enumerate(paths):
            end = size if i == parts - 1 else _line_end_after(src, size * (i + 1) // parts)
            with open(path, "wb") as dst:
                while src.tell() < end:
                    dst.write(src.read(min(64 << 20, end - src.tell())))
    return paths


def _line_end_after(stream, offset: int) -> int:
    """The position just after the first newline at or after ``offset`` (the stream's position is kept)."""
    here = stream.tell()
    stream.seek(offset)
    rest = stream.readline()
    end = stream.tell() if rest.endswith(b"\n") else offset + len(rest)
    stream.seek(here)
    return end


def bench_split_app_outage(n: int, log: Path, dump: Path) -> list[Row]:
    """The app outage's lines in three files, as a must-gather holds one log per router pod: the files'
    rows joined in time order, then by route."""
    paths = split_by_lines(log, 3)
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(64 << 20):
                pass
    logs = [arg for path in paths for arg in ("--logs", str(path))]
    (wall, rss, walls), (a_wall, a_rss, a_walls) = alternated(
        lambda: measure(mga("logs", *map(str, paths), "--format", "json", "--output",
                            str(OUT / f"split_app_outage_logs_{n}.json"))),
        lambda: measure(mga("analyze", str(dump), *logs, "--format", "json",
                            "--output", str(OUT / f"split_app_outage_analyze_{n}.json"))))
    return [
        (f"`mga logs --format json`, the same {n:,} lines in 3 files (one a router pod)", wall, rss, ""),
        ("`mga analyze` routes dump `--logs` each of the 3 files --format json", a_wall, a_rss,
         ratio_note("analyze / mga logs", a_walls, walls, "(every line kept)")),
    ]


def bench_hla(lines: int = HLA_LINES) -> list[Row]:
    """haproxy-log-analysis 6.0.0 (PyPI) in its own venv, on the ``lines``-line file, next to mga."""
    venv = OUT / "hla-venv"
    tool = venv / "bin" / "haproxy_log_analysis"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "haproxy-log-analysis==6.0.0"], check=True)
    sample = log_file(lines)
    ours = measure(mga("logs", str(sample), "--format", "json", "--output", str(OUT / "logs_hla_sample.json")))
    theirs = measure([str(tool), "-l", str(sample), "-c", "counter,status_codes_counter,server_load"])
    return [(f"`mga logs`, {lines:,} lines", *ours, ""),
            ("haproxy-log-analysis 6.0.0 `-c counter,status_codes_counter,server_load`, same file", *theirs,
             f"haproxy-log-analysis / mga = **{theirs[0] / ours[0]:.0f} ×**")]


def bench_case() -> list[Row]:
    from bench.gen_case import APP_NAMESPACES, generate_case

    case = OUT / "case_2g"
    if not (case / "inspect.local.3141592653589793238").exists():
        print(f"generating {case} ...", file=sys.stderr)
        generate_case(case)
    size = sum(p.stat().st_size for p in case.rglob("*") if p.is_file()) / 1e9
    inputs = [str(p) for p in sorted(case.iterdir()) if p.is_dir()]
    whole = measure(mga("analyze", *inputs, "--format", "json", "--output", str(OUT / "case.json")))
    one = measure(mga("analyze", *inputs, "-n", APP_NAMESPACES[1], "--format", "json", "--output",
                      str(OUT / "case_ns.json")))
    must_gather = next(p for p in inputs if Path(p).name.startswith("must-gather"))
    packed = packed_must_gather(Path(must_gather))
    with open(packed, "rb") as fh:
        while fh.read(64 << 20):
            pass
    others = [p for p in inputs if p != must_gather]
    tgz = measure(mga("analyze", str(packed), *others, "--format", "json", "--output", str(OUT / "case_tgz.json")))
    return [(f"`mga analyze` must-gather + inspect of 3 app namespaces + 1M log lines ({size:.2f} GB)", *whole,
             "goal ≤ 30 s, ≤ 4 GiB"),
            (f"same, `--namespace {APP_NAMESPACES[1]}`", *one, "goal ≤ 5 s"),
            (f"same, the must-gather as a `.tar.gz` ({packed.stat().st_size / 1e6:,.0f} MB, gzip level 1)", *tgz,
             same_findings(OUT / "case.json", OUT / "case_tgz.json"))]


def packed_must_gather(folder: Path) -> Path:
    """The case's must-gather as the ``.tar.gz`` a support engineer receives (made once, gzip level 1)."""
    import tarfile

    packed = OUT / f"{folder.parent.name}_mg.tar.gz"
    if not packed.exists():
        print(f"packing {packed} ...", file=sys.stderr)
        part = packed.with_suffix(".part")
        with tarfile.open(part, "w:gz", compresslevel=1) as tar:
            tar.add(folder, arcname=folder.name)
        part.rename(packed)
    return packed


def same_findings(a: Path, b: Path) -> str:
    """Whether two reports of the same case read from different inputs (paths differ) found the same."""
    def found(path: Path) -> list[tuple]:
        return [(f["cause"], f["namespace"], f["route"], f["affected_requests"], f["severity"])
                for f in json.loads(path.read_text())["findings"]]

    return "the same findings" if found(a) == found(b) else "FINDINGS DIFFER"


CLUSTER_NAMESPACES = (500, 1_250, 2_500)  # 2,000, 5,000 and 10,000 routes (issue 16's goals: 2,000 and 5,000)


def bench_cluster(namespaces: int) -> list[Row]:
    """``mga analyze`` of a generated must-gather with ``namespaces`` × 4 routes and × 8 pods, no access log."""
    from bench.gen_mustgather import generate as generate_mustgather

    tree = OUT / f"mustgather_{namespaces}ns"
    if not (tree / "must-gather.local.5551212").exists():
        print(f"generating {tree} ...", file=sys.stderr)
        generate_mustgather(tree, namespaces=namespaces, pods=8, log_kb=4)
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) / 1e6
    report = OUT / f"cluster_{namespaces}.json"
    wall, rss = measure(mga("analyze", str(tree), "--format", "json", "--output", str(report)))
    routes, pods = namespaces * 4, namespaces * 8
    return [(f"`mga analyze` must-gather of {namespaces:,} namespaces: {routes:,} routes, {pods:,} pods, no log "
             f"({size:,.0f} MB)", wall, rss, f"{wall / routes * 1000:.1f} ms per route")]


TRAFFIC_NAMESPACES = (50,)  # 500 routes of the 1M-line log in the inputs (all 500 namespaces take minutes)


def bench_traffic(namespaces: list[int], lines: int = 1_000_000) -> list[Row]:
    """``mga analyze`` of a routes dump of the log's first ``namespaces`` namespaces with the log, next to
    ``mga logs`` of the same log: the case where the inputs hold the routes the log names."""
    from bench.gen_logs import write_routes_dump

    log = log_file(lines)
    wall, rss = measure(mga("logs", str(log), "--format", "json", "--output", str(OUT / f"logs_{lines}.json")))
    rows: list[Row] = [(f"`mga logs --format json`, {lines:,} lines", wall, rss, "")]
    for n in namespaces:
        dump = OUT / f"routes_{n}ns.json"
        write_routes_dump(dump, n)
        a_wall, a_rss = measure(mga("analyze", str(dump), "--logs", str(log), "--format", "json",
                                    "--output", str(OUT / f"traffic_{n}ns.json")))
        rows.append((f"`mga analyze` routes dump of {n * 10:,} routes ({n} namespaces) `--logs` same file",
                     a_wall, a_rss, f"{a_wall / (n * 10) * 1000:.0f} ms per route; analyze / mga logs = "
                                    f"**{a_wall / wall:.1f} ×**"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, action="append")
    parser.add_argument("--hla-lines", type=int, default=HLA_LINES)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-case", action="store_true")
    parser.add_argument("--no-hla", action="store_true")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--namespaces", type=int, action="append")
    parser.add_argument("--no-clusters", action="store_true")
    parser.add_argument("--no-logs", action="store_true")
    parser.add_argument("--no-analyze", action="store_true")
    parser.add_argument("--traffic-namespaces", type=int, action="append")
    parser.add_argument("--no-traffic", action="store_true")
    parser.add_argument("--outage-lines", type=int, action="append")
    parser.add_argument("--no-outage", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    global ROUNDS
    ROUNDS = max(1, args.rounds)
    # the project's bytecode, written before anything is timed (see :func:`measure`)
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(REPO / p) for p in ("mga", "analyzer", "parsers",
                                                                                       "reports"))], check=True)
    sizes = args.lines or ([1_000_000] if args.quick else [1_000_000, 3_000_000, 10_000_000])
    OUT.mkdir(exist_ok=True)
    halog = shutil.which("halog") or next((p for p in ("/usr/sbin/halog", "/usr/bin/halog") if Path(p).exists()),
                                          None)
    try:
        import distributed  # noqa: F401

        dask = not args.no_dask
    except ImportError:
        dask = False
    rows: list[Row] = []
    mustgather = None if args.no_logs or args.no_analyze else analyze_mustgather()
    for n in [] if args.no_logs else sizes:
        rows += bench_logs(n, halog, dask and n <= 1_000_000, mustgather)
    if mustgather is not None and not (args.quick or args.no_outage):
        for n in args.outage_lines or [3_000_000]:
            rows += bench_outage(n, mustgather)
    if not (args.quick or args.no_hla or args.no_logs):
        rows += bench_hla(args.hla_lines)
    if not (args.quick or args.no_case):
        rows += bench_case()
    if not (args.quick or args.no_clusters):
        for namespaces in args.namespaces or CLUSTER_NAMESPACES:
            rows += bench_cluster(namespaces)
    if not (args.quick or args.no_traffic):
        rows += bench_traffic(args.traffic_namespaces or list(TRAFFIC_NAMESPACES))
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print("| what | wall s | peak RSS MiB | note |\n|---|---:|---:|---|")
    for what, wall, rss, note in rows:
        print(f"| {what} | {wall:.2f} | {'' if rss != rss else f'{rss:,.0f}'} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
