"""Hostile and broken input: nothing crashes, nothing escapes, nothing readable is lost.

Every case runs the real command line in a child process and checks the contract for it: exit
0/1/2, no traceback, bounded time and memory, nothing written outside the output path, and the
readable members still reported. The cases, with what each must keep or record, are listed in one
table in ``tests/hostile/README.md`` (kept in step with this module by ``test_case_table.py``).
"""

from __future__ import annotations

import gzip
import html
import io
import json
import lzma
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import jsonschema
import markupsafe
import pytest

from reports.json_report import load_schema
from tests.conftest import FIXTURES, INSPECT_SHOP, add_tar_bytes, make_tar

ROOT = Path(__file__).resolve().parents[2]  # absolute: the children run in another directory
TIME_LIMIT = 60.0
RSS_LIMIT_KB = 2 * 1024 * 1024  # 2 GiB in KiB, as ru_maxrss reports on Linux

NS = "namespaces/shop"
ROUTE_YAML = (INSPECT_SHOP / NS / "route.openshift.io/routes.yaml").read_bytes()


def run_mga(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `mga` in ``cwd``; assert the process contract that every hostile case shares."""
    before = set(_tree(cwd))
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mga.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=TIME_LIMIT * 2,
        env={**os.environ, "MGA_DEBUG": "", "PYTHONPATH": str(ROOT), **(env or {})},
    )
    elapsed = time.monotonic() - start
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f}s"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak < RSS_LIMIT_KB, f"peak RSS {peak} KiB"
    created = set(_tree(cwd)) - before
    allowed = {a for a in args if not a.startswith("-")}
    assert all(str(p) in allowed or p.name in allowed for p in created), f"unexpected files: {created}"
    if proc.returncode == 2:
        assert proc.stderr.startswith("mga: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc


def _tree(root: Path) -> list[Path]:
    return [p.relative_to(root) for p in root.rglob("*")]


def analyze_json(inp: Path, cwd: Path, *extra: str) -> dict:
    out = cwd / "r.json"
    proc = run_mga(["analyze", str(inp), *extra, "--format", "json", "--output", "r.json"], cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


@pytest.fixture
def work(tmp_path: Path) -> Path:
    d = tmp_path / "work"
    d.mkdir()
    return d


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fixture's own report, which the budget and ratio cases compare theirs with: the same child run of
    ``mga analyze`` each of them made before, made once for the module (read, never changed)."""
    return analyze_json(INSPECT_SHOP, tmp_path_factory.mktemp("baseline"))


def _shop_routes(report: dict) -> set[str]:
    return {r["name"] for r in report["routes"] if r["namespace"] == "shop"}


# ------------------------------------------------------------------ archive members
def test_traversal_names_and_links_in_tar_are_skipped_and_the_rest_read(tmp_path, work):
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_tar_bytes(tf, f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML)
        add_tar_bytes(tf, "../../evil.yaml", b"kind: Route\n")
        add_tar_bytes(tf, "/tmp/mga-absolute-evil.yaml", b"kind: Route\n")
        for kind, name in ((tarfile.SYMTYPE, "sym.yaml"), (tarfile.LNKTYPE, "hard.yaml")):
            info = tarfile.TarInfo(f"inspect/{NS}/core/{name}")
            info.type, info.linkname = kind, "/etc/passwd"
            tf.addfile(info)
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}
    skipped = {s["source"] for s in report["skipped"]}
    assert {"../../evil.yaml", "/tmp/mga-absolute-evil.yaml", f"inspect/{NS}/core/sym.yaml",
            f"inspect/{NS}/core/hard.yaml"} <= skipped
    assert not (tmp_path / "evil.yaml").exists() and not Path("/tmp/mga-absolute-evil.yaml").exists()
    assert "root:" not in json.dumps(report)


def test_traversal_names_and_links_in_zip_are_skipped(tmp_path, work):
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML)
        zf.writestr("../../../evil.yaml", "kind: Route\n")
        link = zipfile.ZipInfo(f"inspect/{NS}/core/passwd.yaml")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}
    assert {"../../../evil.yaml", f"inspect/{NS}/core/passwd.yaml"} <= {s["source"] for s in report["skipped"]}


@pytest.mark.slow
def test_decompression_bomb_member_is_skipped_with_a_reason(tmp_path, work):
    path = tmp_path / "bomb.tar.gz"
    # the tar tarfile writes for the routes file and 2 GiB of zeros, as concatenated gzip members: each MiB of
    # zeros the same small member written again (compressing 2 GiB would take a quarter of a minute)
    info = tarfile.TarInfo(f"inspect/{NS}/core/pods.yaml")
    info.size = 2 << 30
    head = _tar_entry(f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML) + info.tobuf()
    end = bytes(2 * tarfile.BLOCKSIZE)  # the end-of-archive blocks, then padding to a whole record
    end += bytes(-(len(head) + info.size + len(end)) % tarfile.RECORDSIZE)
    with open(path, "wb") as out:
        out.write(gzip.compress(head, 9))
        for _ in range(info.size // MiB):
            out.write(ZEROS_MiB_GZ)
        out.write(gzip.compress(end, 9))
    assert path.stat().st_size < 12 << 20
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}
    reasons = {s["source"]: s["reason"] for s in report["skipped"]}
    assert "cap" in reasons[f"inspect/{NS}/core/pods.yaml"]


def _tar_of_empty_members(path: Path, first: tuple[str, bytes], names: list[str]) -> None:
    """The tar ``tarfile.open(path, "w")`` writes for ``first`` (name, data) and then an empty member of each
    of ``names``, byte for byte: the empty members' headers are one header of ``tarfile`` with the name and
    checksum filled in (100,000 members in a second, not the seven ``tarfile.addfile`` takes)."""
    template = tarfile.TarInfo("x").tobuf()
    with open(path, "wb") as out:
        info = tarfile.TarInfo(first[0])
        info.size = len(first[1])
        out.write(info.tobuf() + first[1] + bytes(-len(first[1]) % tarfile.BLOCKSIZE))
        for name in names:
            raw = name.encode("ascii")
            assert len(raw) < 100  # a name that needs no extended header
            header = bytearray(template)
            header[:100] = raw.ljust(100, b"\0")
            header[148:156] = b" " * 8  # the checksum counts its own field as spaces
            header[148:156] = b"%06o\0 " % sum(header)
            out.write(header)
        out.write(bytes(2 * tarfile.BLOCKSIZE))  # the end-of-archive blocks, then padding to a whole record
        out.write(bytes(-out.tell() % tarfile.RECORDSIZE))


@pytest.mark.slow
def test_archive_with_100000_members(tmp_path, work):
    path = tmp_path / "many.tar"
    _tar_of_empty_members(path, (f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML),
                          [f"inspect/{NS}/pods/p{i}/c/c/logs/current.log" for i in range(100_000)])
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}
    [record] = report["inputs"]
    assert record["files_seen"] == record["files_read"] + record["files_skipped"] == 100_001


@pytest.mark.parametrize("mode", ["w:gz", "w:xz"])
def test_truncated_archive_keeps_what_was_readable(tmp_path, work, mode):
    whole = make_tar(INSPECT_SHOP, tmp_path / f"whole.{mode[2:]}", mode)
    data = whole.read_bytes()
    cut = tmp_path / f"cut.tar.{mode[2:]}"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    proc = run_mga(["analyze", str(cut), "--format", "json", "--output", "r.json"], work)
    assert proc.returncode == 0, proc.stderr  # 80% of the archive holds readable members: keep them
    report = json.loads((work / "r.json").read_text())
    assert any("damaged" in s["reason"] for s in report["skipped"])
    assert any(g["what"].startswith(f"Input {cut} is damaged") for g in report["gaps"])
    assert {r["name"] for r in report["routes"]} == {"frontend", "api"}  # the routes file came before the damage


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar_overwritten_in_its_middle_keeps_what_came_before_and_says_where(tmp_path, work, mode):
    """``tarfile`` takes a block that is not a header for the archive's end: the members after it went
    unlisted without a word, the archive passing for whole. The damage is reported with its offset."""
    whole = make_tar(INSPECT_SHOP, tmp_path / "whole.tar", "w")
    with tarfile.open(whole, "a") as tf:  # members after the routes file, whose headers will be overwritten
        for i in range(40):
            add_tar_bytes(tf, f"inspect/{NS}/core/configmaps-{i}.yaml", b"kind: ConfigMapList\nitems: []\n")
    data = bytearray(whole.read_bytes())
    with tarfile.open(whole) as tf:
        names = tf.getmembers()
    at = names[-20].offset  # the header of a member two thirds in
    data[at:at + 512] = b"\x7f" * 512
    damaged = tmp_path / ("damaged.tar" if mode == "w" else "damaged.tar.gz")
    damaged.write_bytes(bytes(data) if mode == "w" else gzip.compress(bytes(data)))
    report = analyze_json(damaged, work)
    reasons = [s["reason"] for s in report["skipped"] if "damaged" in s["reason"]]
    assert reasons and reasons[0].startswith(f"archive damaged after {len(names) - 20} members: at byte {at} ")
    assert "holds a block that is not a tar header" in reasons[0]
    assert any(g["what"].startswith(f"Input {damaged} is damaged") for g in report["gaps"])
    assert {r["name"] for r in report["routes"]} == {"frontend", "api"}  # the routes file came before the damage


def test_tar_xz_damaged_in_its_middle_says_at_which_byte_of_the_tar_reading_stopped(tmp_path, work):
    """16 bytes overwritten three quarters into a .tar.xz: the skipped entry's offset is the byte of the
    tar up to which the stream was decompressed (a .tar.gz's is its tar byte too), not null."""
    import random

    whole = make_tar(INSPECT_SHOP, tmp_path / "whole.tar", "w")
    noise = random.Random(0)
    with tarfile.open(whole, "a") as tf:  # incompressible members: the damage lands well after the routes file
        for i in range(12):
            add_tar_bytes(tf, f"inspect/{NS}/pods/p{i}/c/c/logs/current.log", noise.randbytes(256 << 10))
    tar = whole.read_bytes()
    data = bytearray(lzma.compress(tar))
    at = len(data) * 3 // 4
    data[at:at + 16] = bytes(b ^ 0xFF for b in data[at:at + 16])
    damaged = tmp_path / "damaged.tar.xz"
    damaged.write_bytes(bytes(data))
    report = analyze_json(damaged, work)
    [entry] = [s for s in report["skipped"] if "archive damaged" in s["reason"]]
    assert isinstance(entry["offset"], int) and 0 < entry["offset"] < len(tar)
    assert entry["reason"].endswith(f": Corrupt input data; reading stopped at byte {entry['offset']} of the tar")
    assert {r["name"] for r in report["routes"]} == {"frontend", "api"}  # the routes file came before the damage


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.tar.gz", b""), ("random.tar.gz", os.urandom(65536)), ("random.zip", b"PK\x03\x04" + os.urandom(512)),
     ("random.tar.xz", b"\xfd7zXZ\x00" + os.urandom(512))],
    ids=["empty.tar.gz", "random.tar.gz", "random.zip", "random.tar.xz"],  # random bytes: ids of their own
)
def test_garbage_archives_exit_2_with_one_line(tmp_path, work, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    proc = run_mga(["analyze", str(path), "--format", "json", "--output", "r.json"], work)
    assert proc.returncode == 2


# ------------------------------------------------------------------ YAML
def _tree_with(tmp_path: Path, rel: str, data: bytes) -> Path:
    root = tmp_path / "inspect.local.1"
    (root / NS / "route.openshift.io").mkdir(parents=True)
    (root / NS / "route.openshift.io" / "routes.yaml").write_bytes(ROUTE_YAML)
    target = root / NS / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return root


BILLION_LAUGHS = b"""---
apiVersion: v1
kind: ServiceList
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
items: *i
"""


HUGE_INT = b"9" * 5000  # past Python's integer-string conversion limit (4300 digits)
SERVICE_WITH_HUGE_INT = (b"kind: ServiceList\nitems:\n- kind: Service\n  apiVersion: v1\n"
                         b"  metadata: {name: big, namespace: shop, resourceVersion: " + HUGE_INT + b"}\n")


# what each hostile document must leave: "skipped" (the file is skipped with a reason) or "read"
# (the file is not skipped: its document, or the valid part of it, was kept)
@pytest.mark.parametrize(
    ("rel", "data", "kept"),
    [
        ("core/services.yaml", BILLION_LAUGHS, "skipped"),
        ("core/endpoints.yaml", b"kind: EndpointsList\nitems:\n" + b"- " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
         "skipped"),
        ("core/pods.yaml", b"kind: PodList\nitems:\n- metadata: {name: \xff\xfe\x00bad}\n  kind: Pod\n", "skipped"),
        ("core/events.yaml", b"\x00\x01\x02" * 1000, "skipped"),
        ("core/services.yaml", SERVICE_WITH_HUGE_INT, "read"),
        ("core/services.json", b'{"kind": "ServiceList", "items": [{"kind": "Service", "metadata": '
         b'{"name": "big", "namespace": "shop", "resourceVersion": ' + HUGE_INT + b'}}]}', "read"),
        # one flow sequence of 10 million values: 20 MB of text, gigabytes once composed
        ("core/endpoints.yaml", b"kind: Endpoints\napiVersion: v1\nsubsets: [" + b"1," * 10_000_000 + b"1]\n",
         "skipped"),
        ("core/services.yaml", b"kind: ServiceList\nitems: []\n" + b" " * 400 + b"x: deep\n", "skipped"),
        # blank lines of 400 spaces are not nesting
        ("core/services.yaml", b"kind: ServiceList\n" + (b" " * 400 + b"\n") * 1000 + b"items: []\n", "read"),
    ],
    ids=["billion-laughs", "deep-nesting", "non-utf8", "nul-bytes", "5000-digit-int-yaml", "5000-digit-int-json",
         "20MB-flow-sequence", "400-space-indent", "400-space-blank-lines"],
)
def test_hostile_yaml_is_skipped_or_read_never_fatal(tmp_path, work, rel, data, kept):
    report = analyze_json(_tree_with(tmp_path, rel, data), work)
    assert _shop_routes(report) == {"frontend", "api"}
    bad = f"{NS}/{rel}"
    skipped = {s["source"]: s["reason"] for s in report["skipped"]}
    assert (bad in skipped) == (kept == "skipped"), skipped.get(bad)


def _verdicts(report: dict) -> dict[str, tuple[str, list[str]]]:
    causes = {f["id"]: f["cause"] for f in report["findings"]}
    return {r["name"]: (r["verdict"], sorted(causes[i] for i in r["findings"])) for r in report["routes"]}


def test_unparsable_services_file_is_as_if_absent_not_proof_that_no_service_exists(tmp_path, work):
    """A services file that could not be read proves nothing missing: the verdicts of the file absent,
    not a critical route-service-missing for every route."""
    broken = analyze_json(_tree_with(tmp_path / "broken", "core/services.yaml", b"items: [\n"), work)
    absent = _tree_with(tmp_path / "absent", "core/services.yaml", b"")
    (absent / NS / "core" / "services.yaml").unlink()
    assert _verdicts(broken) == _verdicts(analyze_json(absent, work))
    assert all(f["cause"] != "route-service-missing" for f in broken["findings"])
    assert any(s["source"].endswith("core/services.yaml") for s in broken["skipped"])


def test_route_item_with_null_metadata_is_skipped_and_the_other_routes_read(tmp_path, work):
    routes = ROUTE_YAML.replace(b"items:\n", b"items:\n- kind: Route\n  metadata: null\n", 1)
    root = _tree_with(tmp_path, "route.openshift.io/routes.yaml", routes)
    report = analyze_json(root, work)
    assert _shop_routes(report) == {"frontend", "api"}
    assert {"source": f"{NS}/route.openshift.io/routes.yaml", "offset": None, "input": str(root),
            "reason": "line 4: object left out: metadata is null, not a mapping"} in report["skipped"]
    listed = run_mga(["routes", str(root)], work)
    assert listed.returncode == 0 and "frontend" in listed.stdout and "api" in listed.stdout



SERVICES_YAML = (INSPECT_SHOP / NS / "core/services.yaml").read_text()
_LIST_END = SERVICES_YAML.index("kind: ServiceList\n")
EXTRA_ITEM = "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: extra\n    namespace: shop\n"


def _with_item(metadata: str) -> str:
    """The fixture's services, and one more Service item whose metadata holds ``metadata``."""
    return SERVICES_YAML[:_LIST_END] + EXTRA_ITEM + metadata + SERVICES_YAML[_LIST_END:]


def _as_json_with_rest(text: str) -> str:
    import yaml

    return json.dumps(yaml.safe_load(text), indent=4) + "\n}garbage\n"


# the damaged services file, its name, the text of the line where it goes wrong, and what skipped says there
ONE_BAD_PIECE = {
    "deep-nesting-item": (_with_item("    deep: " + "[" * 250 + "]" * 250 + "\n"), "core/services.yaml",
                          "    deep: [", "items[3] left out, not valid YAML: nesting deeper than 200 levels"),
    "nul-in-a-value": (_with_item("    labels: {app: ex\x00tra}\n"), "core/services.yaml", "    labels: {app:",
                       "items[3] left out, not valid YAML: unacceptable character #x0000: control characters are "
                       "not allowed"),
    "bad-document-after-the-list": (SERVICES_YAML + "---\n: : : bad yaml [\n", "core/services.yaml",
                                    ": : : bad yaml [", "document left out, not valid YAML: did not find expected key"),
    "null-document-after-the-list": (SERVICES_YAML + "---\nnull\n", "core/services.yaml", "null",
                                     "document left out: null, not an object"),
    "json-with-text-after-it": (_as_json_with_rest(SERVICES_YAML), "core/services.json", "}garbage",
                                "the rest of the file from column 1 left out (9 bytes), not a JSON value: "
                                "Expecting value"),
}


@pytest.mark.parametrize("case", list(ONE_BAD_PIECE))
def test_one_bad_item_or_document_of_the_services_loses_only_itself(tmp_path, work, baseline, case):
    """A hostile or broken List item or document (or text after a JSON value) is skipped with its line and
    why; the fixture's Services are all read: the verdicts and checklists are the fixture's own (without them
    the service-port check of each route is unknown, "service ports not found")."""
    text, rel, bad_line, reason = ONE_BAD_PIECE[case]
    root = tmp_path / "inspect.local.1"
    shutil.copytree(INSPECT_SHOP, root)
    (root / NS / "core/services.yaml").unlink()
    (root / NS / rel).write_bytes(text.encode())
    report = analyze_json(root, work)
    assert _verdicts(report) == _verdicts(baseline)
    checklists = [{r["name"]: r["checklist"] for r in r["routes"]} for r in (report, baseline)]
    assert checklists[0] == checklists[1]
    line = next(i for i, at in enumerate(text.splitlines(), 1) if at.startswith(bad_line))
    entries = [s["reason"] for s in report["skipped"] if s["source"] == f"{NS}/{rel}"]
    assert entries == [f"line {line}: {reason}"]


# ------------------------------------------------------------------ logs
LOG_OK = (
    "2026-11-20T08:41:03.118204411Z 2026-11-20T08:41:03.118102+00:00 router-a router-a haproxy[812]: "
    "10.0.1.5:51234 [20/Nov/2026:08:41:03.101] fe_sni~ be_edge_http:shop:frontend/<NOSRV> 0/-1/-1/-1/0 503 2656 "
    '- - SCNN 12/9/0/0/0 0/0 "GET /cart HTTP/1.1"\n'
)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe garbage \x00 with nul\n" * 200,
        b"x" * (5 << 20) + b"\n",
        os.urandom(1 << 20),
        # dated where a nanosecond timestamp cannot go: one unparsed line each, the file is kept
        (LOG_OK.replace("2026-11-20T08:41:03.118102", "9999-11-20T08:41:03.118102").replace("/2026:", "/9999:")
         + LOG_OK.replace("2026-11-20T08:41:03.118102", "0001-11-20T08:41:03.118102").replace("/2026:", "/0001:")
         ).encode(),
    ],
    ids=["non-utf8-nul", "5MB-line", "only-garbage", "years-9999-and-0001"],
)
def test_hostile_logs_are_counted_not_fatal(tmp_path, work, payload):
    log = tmp_path / "access.log"
    log.write_bytes(LOG_OK.encode() + payload + LOG_OK.encode())
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert report["summary"]["requests"] == 2
    assert report["summary"]["log_lines_unparsed"] >= 1
    for acct in report["log_accounting"]:
        assert acct["lines_read"] == acct["requests"] + acct["router_messages"] + acct["unparsed"]


def _dated(line: str, year: str) -> str:
    return line.replace("2026-11-20T08:41:03.118102", f"{year}-11-20T08:41:03.118102").replace("/2026:", f"/{year}:")


# with the container-log prefix, and as bare router lines (no receive time to hide behind)
@pytest.mark.parametrize("line", [LOG_OK, LOG_OK.split(" ", 1)[1]], ids=["cri-prefixed", "bare"])
def test_lines_dated_9999_or_0001_are_unparsed_with_a_reason_in_logs_and_analyze(tmp_path, work, line):
    log = tmp_path / "access.log"
    log.write_text(line + _dated(line, "9999") + _dated(line, "0001") + line)
    proc = run_mga(["logs", str(log), "--format", "json"], work)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (4, 2, 2)
    assert [s["line"] for s in stats["unparsed_samples"]] == [2, 3]
    assert all("outside the years" in s["reason"] for s in stats["unparsed_samples"])
    assert stats["window"]["start"].startswith("2026") and stats["window"]["end"].startswith("2026")
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert (report["summary"]["requests"], report["summary"]["log_lines_unparsed"]) == (2, 2)


@pytest.mark.parametrize("date", ["20/Nov/2026:25", "20/Foo/2026:08", "00/Nov/2026:08", "99/Nov/2026:08",
                                  "31/Feb/2026:08", "20/Nov/2026:08:41:60"])
def test_impossible_accept_dates_are_unparsed_with_a_reason_in_logs_and_analyze(tmp_path, work, date):
    """Not undated requests, and 31/Feb not 3 March: each such line unparsed, saying why."""
    log = tmp_path / "access.log"
    bad = LOG_OK.replace("20/Nov/2026:08:41:03" if date.endswith(":60") else "20/Nov/2026:08", date)
    log.write_text(LOG_OK + bad + LOG_OK)
    proc = run_mga(["logs", str(log), "--format", "json"], work)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (3, 2, 1)
    assert [s["line"] for s in stats["unparsed_samples"]] == [2]
    assert "not a real" in stats["unparsed_samples"][0]["reason"]
    assert stats["window"]["start"].startswith("2026-11-20") and stats["window"]["end"].startswith("2026-11-20")
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert (report["summary"]["requests"], report["summary"]["log_lines_unparsed"]) == (2, 1)


def test_one_line_dated_2100_keeps_the_timeline_and_chart_to_the_minutes_with_lines(tmp_path, work):
    """A line dated 2100 after half an hour of 2026: the route's timeline has a row for each minute with
    lines and one for 2100 (not one for each of the 39M minutes between: a MemoryError), and the HTML
    reports of ``analyze`` and ``mga logs`` draw their charts on a broken axis."""
    lines = [LOG_OK.replace("08:41:03", f"08:{m:02d}:03") for m in range(30, 60)]
    log = tmp_path / "access.log"
    log.write_text("".join(lines) + _dated(LOG_OK, "2100"))
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    timeline = next(r["timeline"] for r in report["routes"] if r["name"] == "frontend")
    assert len(timeline) == 31 and sum(m["total"] for m in timeline) == 31
    assert timeline[-1]["minute"] == "2100-11-20T08:41:00Z" and timeline[-1]["gap_before"] > 38_000_000
    assert (work / "r.json").stat().st_size < 200_000
    assert not list(jsonschema.Draft202012Validator(load_schema()).iter_errors(report))
    for args, out in ((["analyze", str(INSPECT_SHOP), "--logs", str(log)], "r.html"), (["logs", str(log)], "l.html")):
        proc = run_mga([*args, "--format", "html", "--output", out], work)
        assert proc.returncode == 0, proc.stderr
        assert "gap without lines, not to scale" in (work / out).read_text()


def test_cr_only_line_endings_are_lines_not_lost(tmp_path, work):
    log = tmp_path / "access.log"
    log.write_bytes((LOG_OK * 3).replace("\n", "\r").encode() + b"garbage\r" + LOG_OK.encode())
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert report["summary"]["requests"] == 4
    assert report["summary"]["log_lines_unparsed"] == 1


def test_a_line_longer_than_any_router_line_is_one_unparsed_line_in_logs_and_analyze(tmp_path, work):
    """3 MB of NUL bytes, as a node crash leaves them: one line, its first MiB kept, the lines after it numbered
    and quoted as in the file (``parsers.long_lines``)."""
    log = tmp_path / "access.log"
    later = LOG_OK.replace("08:41:03", "08:42:03")
    log.write_bytes(LOG_OK.encode() + b"\x00" * 3_000_000 + b"\n" + LOG_OK.encode() + later.encode())
    proc = run_mga(["logs", str(log), "--format", "json"], work)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert (stats["lines_read"], stats["requests"], stats["unparsed"]) == (4, 3, 1)
    [sample] = stats["unparsed_samples"]
    assert sample["line"] == 2 and sample["reason"] == (
        "a line of 3,000,000 bytes, longer than any router log line: its first 1,048,576 read")
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    [account] = [a for a in report["log_accounting"] if a["source"] == "access.log"]
    assert (account["lines_read"], account["requests"], account["unparsed"]) == (4, 3, 1)
    quoted = [e for e in _walk(report) if isinstance(e, dict) and e.get("source") == "access.log"
              and e.get("line") == 4 and isinstance(e.get("text"), str)]
    assert quoted and all(e["text"] == later.rstrip("\n") for e in quoted)


def _walk(node):
    yield node
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else ():
        yield from _walk(child)


# ------------------------------------------------------------------ XSS
XSS = '<script>alert("mga-xss")</script>'


def test_markup_from_the_archive_is_escaped_in_every_output(tmp_path, work):
    root = tmp_path / "inspect.local.2"
    (root / NS / "route.openshift.io").mkdir(parents=True)
    routes = ROUTE_YAML.decode().replace(
        "      haproxy.router.openshift.io/timeout: 60s",
        f"      haproxy.router.openshift.io/timeout: 60s\n      evil: '{XSS}'",
    ).replace("      app: frontend", f"      app: frontend\n      note: '{XSS}'", 1)
    routes = routes.replace("    name: api\n", f"    name: '{XSS}'\n")  # a route name no API would allow
    (root / NS / "route.openshift.io" / "routes.yaml").write_text(routes)
    log = tmp_path / "access.log"
    log.write_text(
        LOG_OK.replace('"GET /cart HTTP/1.1"', '{' + XSS + '} "GET /' + XSS + ' HTTP/1.1"')
        + LOG_OK.replace("/cart", "/" + XSS)
        + f"garbage that is not a log line {XSS}\n"
    )
    for fmt, name in (("html", "r.html"), ("md", "r.md"), ("json", "r.json")):
        proc = run_mga(["analyze", str(root), "--logs", str(log), "--format", fmt, "--output", name], work)
        assert proc.returncode == 0, proc.stderr
        text = (work / name).read_text()
        if fmt == "json":
            json.loads(text)
        elif fmt == "md":  # inside code spans and fences Markdown shows text, never markup
            outside = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
            outside = re.sub(r"(`+)(?:(?!\1).)*?\1", "", outside)
            assert "<script" not in outside, "raw markup in Markdown prose"
        else:
            assert XSS not in text and "<script>alert" not in text, "raw markup in HTML"
    page = (work / "r.html").read_text()
    assert str(markupsafe.escape(XSS)) in page  # it was rendered, as text
    assert XSS in (work / "r.json").read_text().replace('\\"', '"')
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in html.unescape(csp.group(1))
    assert "connect-src 'none'" in html.unescape(csp.group(1))


def test_lzma_member_inside_zip_is_just_bytes(tmp_path, work):
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML)
        zf.writestr("inspect/inner.tar.xz", lzma.compress(b"not followed"))
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}


# ------------------------------------------------------------------ zip members Python cannot read
def _patch_central_directory(data: bytes, name: str, *, flags: int = 0, method: int | None = None) -> bytes:
    """The zip with one member's central-directory entry marked encrypted (``flags``) or its method changed."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(out[at + 28:at + 30], "little")
        if out[at + 46:at + 46 + name_len].decode() == name:
            out[at + 8:at + 10] = (int.from_bytes(out[at + 8:at + 10], "little") | flags).to_bytes(2, "little")
            if method is not None:
                out[at + 10:at + 12] = method.to_bytes(2, "little")
        at = out.find(b"PK\x01\x02", at + 46)
    return bytes(out)


@pytest.mark.parametrize(("what", "patch"), [("encrypted", {"flags": 0x1}), ("imploded", {"method": 6})])
def test_zip_member_python_cannot_read_is_skipped_and_the_run_goes_on(tmp_path, work, what, patch):
    buf = io.BytesIO()
    bad = f"inspect/{NS}/core/services.yaml"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"inspect/{NS}/route.openshift.io/routes.yaml", ROUTE_YAML)
        zf.writestr(bad, "kind: ServiceList\nitems: []\n")
    path = tmp_path / f"{what}.zip"
    path.write_bytes(_patch_central_directory(buf.getvalue(), bad, **patch))
    report = analyze_json(path, work)
    assert _shop_routes(report) == {"frontend", "api"}
    assert "unreadable" in {s["source"]: s["reason"] for s in report["skipped"]}[bad]


# ------------------------------------------------------------------ chart labels
DOWN_WITH_MATHS = (
    "2026-11-20T08:41:04.000000000Z 2026-11-20T08:41:04.000000+00:00 router-a router-a haproxy[812]: "
    "Server be_edge_http:shop:frontend/pod:frontend-$\\sqrt{$:frontend:http:10.0.0.1:8080 is DOWN, reason: "
    'Layer4 connection problem, info: "Connection refused", check duration: 0ms.\n'
)


def test_dollar_signs_in_a_pod_name_are_chart_text_not_maths(tmp_path, work):
    log = tmp_path / "access.log"
    log.write_text(LOG_OK + DOWN_WITH_MATHS + LOG_OK)
    proc = run_mga(["analyze", str(INSPECT_SHOP), "--logs", str(log), "--format", "html", "--output", "r.html"], work)
    assert proc.returncode == 0, proc.stderr
    page = (work / "r.html").read_text()
    assert "<svg" in page
    assert "$\\sqrt{$" in html.unescape(page)  # the label, as typed


# ------------------------------------------------------------------ redaction
LEAKS = {
    "mapped IPv6 client": "203.0.113.77",
    "its last octets": "0.113.77",
    "range": "10.9.8.1-10.9.8.9",
    "range end": "10.9.8.9",
    "glued address": "10.9.7.1",
    "e-mail": "bob@example.com",
    "token": "abc123secretvalue",
    "password": "hunter2hunter2",
    "signature": "c2lnbmF0dXJl",
    "JWT": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sGnAtUrE",
}


def test_redaction_covers_mapped_ipv6_ranges_glued_addresses_emails_and_credentials(tmp_path, work):
    hostile = LOG_OK.replace("10.0.1.5:51234", "::ffff:203.0.113.77:51234").replace(
        "/cart", "/login?token=abc123secretvalue&user=bob@example.com&password=hunter2hunter2&sig=c2lnbmF0dXJl")
    garbage = ("garbage from 10.9.8.1-10.9.8.9 and host_10.9.7.1 by bob@example.com "
               "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sGnAtUrE\n")
    log = tmp_path / "access.log"
    log.write_text(LOG_OK + hostile + garbage)
    plain = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    text = json.dumps(plain)
    assert [k for k, v in LEAKS.items() if v not in text] == []  # the report does carry each of them
    assert plain["summary"]["requests"] == 2
    for fmt, name in (("json", "x.json"), ("html", "x.html"), ("md", "x.md")):
        proc = run_mga(["analyze", str(INSPECT_SHOP), "--logs", str(log), "--redact", "--format", fmt,
                        "--output", name], work)
        assert proc.returncode == 0, proc.stderr
        out = html.unescape((work / name).read_text())
        assert [k for k, v in LEAKS.items() if v in out] == [], fmt
    assert "ip-0" in (work / "x.json").read_text() and "secret-0" in (work / "x.json").read_text()


# ------------------------------------------------------------------ inputs the user names through a link
def test_symlinked_command_line_inputs_are_followed_links_inside_are_not(tmp_path, work):
    log = tmp_path / "real" / "access.log"
    log.parent.mkdir()
    log.write_text(LOG_OK * 3)
    link = tmp_path / "router-a_openshift-ingress_router-0123.log"
    link.symlink_to(log)
    tree_link = tmp_path / "inspect-link"
    tree_link.symlink_to(INSPECT_SHOP)
    report = analyze_json(tree_link, work, "--logs", str(link))
    assert _shop_routes(report) == {"frontend", "api"}
    assert report["summary"]["requests"] == 3
    root = tmp_path / "inspect.local.9"
    (root / NS / "route.openshift.io").mkdir(parents=True)
    (root / NS / "route.openshift.io" / "routes.yaml").write_bytes(ROUTE_YAML)
    (root / NS / "core").mkdir()
    (root / NS / "core" / "pods.yaml").symlink_to(log)
    report = analyze_json(root, work)
    assert {s["source"]: s["reason"] for s in report["skipped"]}[f"{NS}/core/pods.yaml"].startswith("symbolic link")


# ------------------------------------------------------------------ damaged and bomb-like access logs
def _gzip_lines(path: Path, line: str, total: int) -> None:
    """``total`` bytes of ``line`` repeated, gzipped while streaming (the test never holds them)."""
    block = (line * max(1, (1 << 20) // len(line))).encode()
    with gzip.open(path, "wb", compresslevel=9) as gz:
        for _ in range(total // len(block) + 1):
            gz.write(block)


def _gzip_members_of_lines(path: Path, line: str, total: int) -> None:
    """The lines of :func:`_gzip_lines` as one gzip stream of concatenated members, each block compressed
    once and written again (gzip streams may be concatenated, as ``_bomb_tar_gz`` does): gigabytes of lines
    in a few megabytes, written in a blink (compressing them would take a quarter of a minute)."""
    block = (line * max(1, (1 << 20) // len(line))).encode()
    member = gzip.compress(block, 9)
    with open(path, "wb") as out:
        for _ in range(total // len(block) + 1):
            out.write(member)


def _log_trailing_garbage(path: Path) -> None:
    path.write_bytes(gzip.compress((LOG_OK * 3).encode()) + b"trailing bytes after the gzip stream")


def _log_truncated(path: Path) -> None:
    data = gzip.compress((LOG_OK * 20_000).encode())
    path.write_bytes(data[: len(data) * 6 // 10])


def _log_gzip_in_gzip(path: Path) -> None:
    path.write_bytes(gzip.compress(gzip.compress((LOG_OK * 3).encode())))


def _log_ratio_bomb(path: Path) -> None:
    _gzip_lines(path, LOG_OK, 80 << 20)  # ~80 MiB from ~100 KB: over 200x once past 64 MiB


# what each damaged log must keep: requests before the damage (at least), and the skipped reason
@pytest.mark.parametrize(
    ("make", "requests_at_least", "reason", "offset_at_least"),
    [
        (_log_trailing_garbage, 3, "damaged stream", len(LOG_OK) * 3),
        (_log_truncated, 5_000, "damaged stream", 1 << 20),
        (_log_gzip_in_gzip, 0, "nested compression", 0),
        pytest.param(_log_ratio_bomb, 100_000, "200 times", 64 << 20, marks=pytest.mark.slow),
    ],
    ids=["trailing-bytes", "truncated", "gzip-in-gzip", "ratio-bomb"],
)
def test_damaged_gzip_logs_keep_what_was_read_and_say_where_they_stopped(tmp_path, work, make, requests_at_least,
                                                                        reason, offset_at_least):
    log = tmp_path / "access.log.gz"
    make(log)
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert _shop_routes(report) == {"frontend", "api"}
    assert (report["summary"]["requests"] or 0) >= requests_at_least
    [entry] = [s for s in report["skipped"] if s["source"] == "access.log"]
    assert reason in entry["reason"] and entry["offset"] >= offset_at_least
    proc = run_mga(["logs", str(log), "--format", "json"], work)
    if not requests_at_least:  # refused where it starts: no line read, the one-line error of exit 2 says why
        assert proc.returncode == 2 and proc.stdout == ""
        assert reason in proc.stderr and "reading stopped at byte 0" in proc.stderr
        return
    assert proc.returncode in (0, 1), proc.stderr
    stats = json.loads(proc.stdout)
    assert any(reason in s["reason"] and "reading stopped at byte" in s["reason"] for s in stats["skipped"])


def test_gzip_inside_gzip_of_2_gib_is_refused_without_decompressing_it(tmp_path, work):
    """A ``.gz`` log whose content is itself a gzip stream of 2 GiB of log lines (issue 16, "Done when").

    It is refused where it starts, at byte 0 of the outer stream, so neither the 2 GiB nor the inner
    stream's few megabytes are ever decompressed: ``analyze`` and ``mga logs`` finish under the 2 GiB
    that ``run_mga`` holds them to, the archive analyzed as usual.
    """
    inner = tmp_path / "inner.gz"
    _gzip_members_of_lines(inner, LOG_OK, 2 << 30)
    log = tmp_path / "access.log.gz"
    with open(inner, "rb") as src, gzip.open(log, "wb", compresslevel=1) as out:
        shutil.copyfileobj(src, out)
    inner.unlink()
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log))
    assert _shop_routes(report) == {"frontend", "api"}
    assert not report["summary"]["requests"]
    [entry] = [s for s in report["skipped"] if s["source"] == "access.log"]
    assert "nested compression" in entry["reason"] and entry["offset"] == 0
    proc = run_mga(["logs", str(log), "--format", "json"], work)
    assert proc.returncode == 2 and proc.stdout == ""  # no line read: the one-line error of exit 2 says why
    assert "nested compression" in proc.stderr and "reading stopped at byte 0" in proc.stderr


# ------------------------------------------------------------------ --max-log-bytes
@pytest.mark.parametrize("name", ["access.log", "access.log.gz"])
def test_max_log_bytes_cuts_each_log_after_its_last_whole_line_and_says_where(tmp_path, work, name):
    lines = [LOG_OK.replace("/cart", f"/item{i}") for i in range(1000)]
    log = tmp_path / name
    data = "".join(lines).encode()
    log.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    kept = len("".join(lines[:100]).encode())
    cap = kept + 10  # 100 whole lines and part of the 101st
    report = analyze_json(INSPECT_SHOP, work, "--logs", str(log), "--max-log-bytes", str(cap))
    assert _shop_routes(report) == {"frontend", "api"}  # the archive is analyzed as usual
    assert report["summary"]["requests"] == 100 and not report["summary"]["log_lines_unparsed"]
    [entry] = [s for s in report["skipped"] if s["source"] == "access.log"]
    assert f"limit ({cap} bytes)" in entry["reason"] and entry["offset"] == kept
    proc = run_mga(["logs", str(log), "--format", "json", "--max-log-bytes", str(cap)], work)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert (stats["requests"], stats["unparsed"]) == (100, 0)
    assert [s["reason"] for s in stats["skipped"]] == [
        f"access log cut: the log byte limit ({cap} bytes) was reached (reading stopped at byte {kept})"]
    whole = run_mga(["logs", str(log), "--format", "json", "--max-log-bytes", str(len(data))], work)
    assert json.loads(whole.stdout)["requests"] == 1000 and json.loads(whole.stdout)["skipped"] == []


@pytest.mark.parametrize("value", ["0", "12x", "-5", "G"])
def test_max_log_bytes_that_is_not_a_size_is_one_line_and_exit_2(work, value):
    proc = run_mga(["logs", "nothing.log", f"--max-log-bytes={value}"], work)
    assert proc.returncode == 2 and "--max-log-bytes" in proc.stderr


# ------------------------------------------------------------------ the run's byte budget (--max-bytes)
MiB = 1 << 20
# lists of the shop namespace the fixture does not hold: read in phase 2, before the fixture's own files
HUGE_LISTS = [("apps/deployments.yaml", "DeploymentList"), ("apps/replicasets.yaml", "ReplicaSetList"),
              ("apps/statefulsets.yaml", "StatefulSetList"),
              ("networking.k8s.io/networkpolicies.yaml", "NetworkPolicyList")]


def _huge_list(kind: str, size: int) -> bytes:
    """A valid, empty list padded with comments to ``size`` bytes: megabytes that compress to kilobytes."""
    head = f"kind: {kind}\napiVersion: v1\nitems: []\n".encode()
    return head + b"# padding\n" * ((size - len(head)) // 10)


def _shop_files() -> list[tuple[str, bytes]]:
    return sorted((p.relative_to(INSPECT_SHOP).as_posix(), p.read_bytes()) for p in INSPECT_SHOP.rglob("*")
                  if p.is_file())


def _budget_entries(report: dict) -> list[dict]:
    return [s for s in report["skipped"] if "byte budget" in s["reason"]]


def _same_analysis(report: dict, baseline: dict) -> None:
    """What the fixture's own files give is there: its routes and each route's verdict."""
    assert _shop_routes(report) == {"frontend", "api"}
    verdicts = {(r["namespace"], r["name"]): r["verdict"] for r in report["routes"]}
    assert verdicts == {(r["namespace"], r["name"]): r["verdict"] for r in baseline["routes"]}
    shop_files = {f"inspect/{rel}" for rel, _ in _shop_files()} | {rel for rel, _ in _shop_files()}
    assert not [s for s in report["skipped"] if s["source"] in shop_files]


def test_tar_gz_with_several_huge_members_is_stopped_by_the_run_budget_and_the_rest_analyzed(tmp_path, work, baseline):
    path = tmp_path / "huge-members.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for rel, kind in HUGE_LISTS:  # 4 x 3 MiB, first in the archive
            add_tar_bytes(tf, f"inspect/{NS}/{rel}", _huge_list(kind, 3 * MiB))
        for rel, data in _shop_files():
            add_tar_bytes(tf, f"inspect/{rel}", data)
    assert path.stat().st_size < MiB
    report = analyze_json(path, work, "--max-bytes", "4M")
    _same_analysis(report, baseline)
    cut = _budget_entries(report)
    # the first huge list fits in 4 MiB with the routes; the three after it would pass what is left
    assert [s["source"] for s in cut] == [f"inspect/{NS}/{rel}" for rel, _ in HUGE_LISTS[1:]]
    assert all(s["offset"] == 0 and "--max-bytes" in s["reason"] for s in cut)  # refused before reading
    assert f"inspect/{NS}/{HUGE_LISTS[0][0]}" not in {s["source"] for s in report["skipped"]}
    whole = analyze_json(path, work)  # the default budget (4 GiB) reads them all
    assert not _budget_entries(whole)


def test_zip_members_sharing_one_body_count_against_the_budget_each_time_they_are_read(tmp_path, work, baseline):
    import copy

    path = tmp_path / "shared-body.zip"
    name = f"inspect/{NS}/apps/deployments.yaml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, _huge_list("DeploymentList", 3 * MiB))
        shared = zf.filelist[0]
        zf.filelist.extend(copy.copy(shared) for _ in range(4))  # 4 more entries at the same data offset
        for rel, data in _shop_files():
            zf.writestr(f"inspect/{rel}", data)
    assert path.stat().st_size < MiB
    assert len({i.header_offset for i in zipfile.ZipFile(path).infolist() if i.filename == name}) == 1
    report = analyze_json(path, work, "--max-bytes", "7M")
    _same_analysis(report, baseline)
    # 3 MiB each time it is read: twice fits in 7 MiB, the three reads after are refused
    cut = _budget_entries(report)
    assert [s["source"] for s in cut] == [name] * 3
    assert all(s["offset"] == 0 for s in cut)


def test_a_member_longer_than_it_said_is_cut_by_the_budget_while_streaming_with_its_offset(tmp_path, work, baseline):
    dump = tmp_path / "deployments.yaml.gz"  # a gzipped dump: its size is known only once read
    dump.write_bytes(gzip.compress(_huge_list("DeploymentList", 3 * MiB)))
    proc = run_mga(["analyze", str(INSPECT_SHOP), str(dump), "--max-bytes", "1M", "--format", "json",
                    "--output", "r.json"], work)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((work / "r.json").read_text())
    _same_analysis(report, baseline)
    [entry] = _budget_entries(report)
    assert entry["source"] == "deployments.yaml" and "more than" in entry["reason"]
    shop_bytes = sum(len(data) for _, data in _shop_files())
    assert MiB - shop_bytes <= entry["offset"] <= MiB  # read up to what the budget had left, then cut


@pytest.mark.parametrize("value", ["0", "4Q", "lots"])
def test_max_bytes_that_is_not_a_size_is_one_line_and_exit_2(work, value):
    proc = run_mga(["analyze", str(INSPECT_SHOP), f"--max-bytes={value}"], work)
    assert proc.returncode == 2 and "--max-bytes" in proc.stderr


def test_batch_takes_the_same_byte_limits_for_each_input(tmp_path, work):
    """``mga batch --max-bytes/--max-log-bytes``: each input's report has the cuts ``analyze`` would make."""
    path = tmp_path / "huge-members.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for rel, kind in HUGE_LISTS:
            add_tar_bytes(tf, f"inspect/{NS}/{rel}", _huge_list(kind, 3 * MiB))
        for rel, data in _shop_files():
            add_tar_bytes(tf, f"inspect/{rel}", data)
    must_gather = next(p for p in (FIXTURES / "scenarios" / "E202-fires-probe-503").iterdir()
                       if p.name.startswith("must-gather"))
    out = tmp_path / "out"  # outside the working directory, where run_mga allows no new file
    proc = run_mga(["batch", str(path), str(must_gather), "--engine", "local", "-f", "json", "-d", str(out),
                    "--max-bytes", "4M", "--max-log-bytes", "2K"], work)
    assert proc.returncode == 0, proc.stderr
    index = json.loads((out / "index.json").read_text())
    reports = [json.loads(Path(row["reports"]["json"]).read_text()) for row in index["inputs"]]
    assert [s["source"] for s in _budget_entries(reports[0])] == [f"inspect/{NS}/{rel}" for rel, _ in HUGE_LISTS[1:]]
    cut = [s for s in reports[1]["skipped"] if "log byte limit (2048 bytes)" in s["reason"]]
    assert cut and all(0 < s["offset"] <= 2048 for s in cut)
    proc = run_mga(["batch", str(path), "--engine", "local", "-d", str(tmp_path / "out2"), "--max-bytes", "lots"],
                   work)
    assert proc.returncode == 2 and "--max-bytes" in proc.stderr and not (tmp_path / "out2" / "index.json").exists()


# ------------------------------------------------------------------ the ratio guard of files read whole
ZEROS_MiB_GZ = gzip.compress(bytes(MiB), 9)  # one gzip member: 1 MiB of zeros from about 1 KB


def _tar_entry(name: str, data: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info.tobuf() + data + bytes(-len(data) % 512)


def _bomb_tar_gz(path: Path, before: list[str], huge: int = 4, mib_each: int = 700) -> None:
    """The fixture's files (``before``: those that come first) and ``huge`` members of ``mib_each``
    MiB of zeros, as one gzip stream.

    gzip streams may be concatenated, so each MiB of zeros is the same small member written again:
    gigabytes described in a few MB, written in a blink (compressing them would take minutes).
    """
    files = _shop_files()
    first = gzip.compress(b"".join(_tar_entry(f"inspect/{rel}", data) for rel, data in files if rel in before))
    after = gzip.compress(b"".join(_tar_entry(f"inspect/{rel}", data) for rel, data in files if rel not in before))
    with open(path, "wb") as out:
        out.write(first)
        for rel, _ in HUGE_LISTS[:huge]:
            info = tarfile.TarInfo(f"inspect/{NS}/{rel}")
            info.size = mib_each * MiB
            out.write(gzip.compress(info.tobuf()))
            for _ in range(mib_each):
                out.write(ZEROS_MiB_GZ)
        out.write(after)
        out.write(gzip.compress(bytes(1024)))  # the end-of-archive blocks


def test_tar_gz_of_4_members_of_700_mb_is_refused_by_ratio_and_the_rest_analyzed(tmp_path, work, baseline):
    path = tmp_path / "bomb.tar.gz"
    _bomb_tar_gz(path, before=[rel for rel, _ in _shop_files()])
    assert path.stat().st_size < 4 * MiB
    report = analyze_json(path, work)
    _same_analysis(report, baseline)
    reasons = {s["source"]: s for s in report["skipped"]}
    first = reasons[f"inspect/{NS}/{HUGE_LISTS[0][0]}"]  # refused by its declared size: never decompressed
    assert "200 times the compressed size of the archive" in first["reason"] and first["offset"] == 0
    # the stream passed what the archive can explain in that member: listing stopped there, and said where
    stop = reasons[str(path)]
    assert "listing stopped" in stop["reason"] and "decompression bomb" in stop["reason"]
    assert stop["offset"] > 700 * MiB
    assert not [s for s in report["skipped"] if "byte budget" in s["reason"] or "cap" in s["reason"]]


def test_tar_gz_bomb_between_files_keeps_those_before_and_says_those_after_were_not_listed(tmp_path, work):
    """What follows a bomb in a compressed stream costs its whole decompression to reach: not listed,
    and the input is reported damaged at the byte where listing stopped."""
    path = tmp_path / "bomb-between.tar.gz"
    routes = f"{NS}/route.openshift.io/routes.yaml"
    _bomb_tar_gz(path, before=[routes])
    proc = run_mga(["analyze", str(path), "--format", "json", "--output", "r.json"], work)
    assert proc.returncode == 0, proc.stderr
    assert "listing stopped at decompressed byte" in proc.stderr and "\n" not in proc.stderr.strip()
    report = json.loads((work / "r.json").read_text())
    assert _shop_routes(report) == {"frontend", "api"}  # the routes came before the bomb
    [stop] = [s for s in report["skipped"] if s["source"] == str(path)]
    assert "the members after it were not listed" in stop["reason"] and stop["offset"] > 700 * MiB
    assert any(g["what"].startswith(f"Input {path} is damaged: listing stopped") for g in report["gaps"])
    assert {s["source"] for s in report["skipped"]}.isdisjoint(f"inspect/{rel}" for rel, _ in _shop_files())


@pytest.mark.parametrize(("body_mib", "kept"), [(40, 1), (200, 0)])
def test_zip_members_sharing_one_body_are_refused_by_ratio_at_the_default_budget(tmp_path, work, body_mib, kept,
                                                                                 baseline):
    """Each read of a shared body counts against that one stored body: 40 MiB is read once (under
    the 64 MiB floor), the second read would pass it; 200 MiB is past 200 times its stored size."""
    import copy

    path = tmp_path / "shared-body.zip"
    name = f"inspect/{NS}/apps/deployments.yaml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(name, _huge_list("DeploymentList", body_mib * MiB))
        zf.filelist.extend(copy.copy(zf.filelist[0]) for _ in range(4))  # 4 more entries at the same data offset
        for rel, data in _shop_files():
            zf.writestr(f"inspect/{rel}", data)
    assert path.stat().st_size < MiB
    report = analyze_json(path, work)
    _same_analysis(report, baseline)
    cut = [s for s in report["skipped"] if s["source"] == name and "200 times" in s["reason"]]
    assert len(cut) == 5 - kept and all(s["offset"] == 0 for s in cut)
    assert all("its stored body, which 5 members share" in s["reason"] for s in cut)
    assert not _budget_entries(report)


def test_gzipped_dump_bomb_is_cut_by_ratio_while_streaming_with_its_offset(tmp_path, work, baseline):
    dump = tmp_path / "deployments.yaml.gz"  # 300 MiB from about 300 KB: its size is known only once read
    dump.write_bytes(ZEROS_MiB_GZ * 300)
    proc = run_mga(["analyze", str(INSPECT_SHOP), str(dump), "--format", "json", "--output", "r.json"], work)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((work / "r.json").read_text())
    _same_analysis(report, baseline)
    [entry] = [s for s in report["skipped"] if s["source"] == "deployments.yaml"]
    allowed = max(64 * MiB, 200 * dump.stat().st_size)
    assert "200 times the compressed size of the file" in entry["reason"] and entry["offset"] == allowed
    assert f"reading stopped at byte {allowed}, nothing of it kept" in entry["reason"]


# ------------------------------------------------------------------ container logs count in the budget
def test_container_logs_are_read_within_the_run_budget_and_refused_with_its_reason(tmp_path, work, baseline):
    import shutil

    root = tmp_path / "inspect.local.3"
    shutil.copytree(INSPECT_SHOP, root)
    pod = "frontend-7d9fc6b8d4-x2k9p"
    log = root / NS / "pods" / pod / "frontend" / "frontend" / "logs" / "current.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(b"2026-11-20T08:40:00Z starting\n" + b"x" * 100 + b"\n" * (2 * MiB))
    source = f"{NS}/pods/{pod}/frontend/frontend/logs/current.log"
    whole = analyze_json(root, work)
    _same_analysis(whole, baseline)
    assert source not in {s["source"] for s in whole["skipped"]}
    small = analyze_json(root, work, "--max-bytes", "1M")  # the fixture's files fit, the log's 2 MiB do not
    _same_analysis(small, baseline)
    [entry] = [s for s in small["skipped"] if s["source"] == source]
    assert entry["offset"] == 0 and f"{log.stat().st_size} bytes would pass the run's byte budget" in entry["reason"]
    assert small["inputs"][0]["files_read"] == whole["inputs"][0]["files_read"] - 1


# ------------------------------------------------------------------ issue 13 "Why", checked again
def test_rotated_gz_bomb_inside_a_must_gather_is_cut_by_ratio_and_the_rest_analyzed(tmp_path, work, baseline):
    """A rotated ``.gz`` access log is judged against its own stored size, not capped by it."""
    import shutil

    root = tmp_path / "inspect.local.4"
    shutil.copytree(INSPECT_SHOP, root)
    rotated = root / "namespaces/openshift-ingress/pods/router-default-abc/logs/logs/logs/rotated"
    rotated.mkdir(parents=True)
    line = gzip.compress(b"x" * (MiB - 1) + b"\n", 9)  # concatenated gzip members: 100 MiB from ~100 KB
    (rotated / "0.log.20261120-081500.gz").write_bytes(gzip.compress(LOG_OK.encode()) + line * 100)
    report = analyze_json(root, work)
    _same_analysis(report, baseline)
    [entry] = [s for s in report["skipped"] if s["source"].endswith("0.log.20261120-081500.gz")]
    assert "200 times" in entry["reason"] and 64 * MiB < entry["offset"] < 100 * MiB
    assert report["summary"]["requests"] == 1  # the line before the bomb was kept


def test_yaml_flow_sequence_of_20_mb_inside_a_23_kb_archive_is_skipped_in_bounded_memory(tmp_path, work, baseline):
    path = tmp_path / "flow.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=9) as tf:
        for rel, data in _shop_files():
            add_tar_bytes(tf, f"inspect/{rel}", data)
        add_tar_bytes(tf, f"inspect/{NS}/apps/deployments.yaml",
                      b"kind: Deployment\napiVersion: apps/v1\nspec: [" + b"1," * 10_000_000 + b"1]\n")
    assert path.stat().st_size < 32 * 1024
    report = analyze_json(path, work)  # run_mga holds the child under 2 GiB
    _same_analysis(report, baseline)
    assert "more than" in {s["source"]: s["reason"] for s in report["skipped"]}[f"inspect/{NS}/apps/deployments.yaml"]


def test_output_paths_never_write_through_links_onto_inputs_or_the_report(tmp_path, work):
    """What ``tests/mga_cli/test_cli_validation.py`` leaves out: a link planted in a batch directory,
    ``report.<ext>`` inside an output directory that is an input, the map on the report's path, and
    ``--force`` replacing a map with a private one."""
    victim = tmp_path / "victim"
    victim.write_text("keep")
    out = tmp_path / "batch-out"
    out.mkdir()
    (out / "index.json").symlink_to(victim)
    proc = run_mga(["batch", str(INSPECT_SHOP), "--engine", "local", "-f", "json", "-d", str(out)], work)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "keep" and not (out / "index.json").is_symlink()
    json.loads((out / "index.json").read_text())
    inside = tmp_path / "od"
    inside.mkdir()
    (inside / "report.json").write_bytes(ROUTE_YAML)
    proc = run_mga(["analyze", str(inside / "report.json"), "-f", "json", "--output", str(inside)], work)
    assert proc.returncode == 2 and "one of the inputs" in proc.stderr
    assert (inside / "report.json").read_bytes() == ROUTE_YAML
    proc = run_mga(["analyze", str(INSPECT_SHOP), "-f", "json", "--output", "r.json", "--redact",
                    "--redact-map", "r.json"], work)
    assert proc.returncode == 2 and "report's own path" in proc.stderr and not (work / "r.json").exists()
    old_map = tmp_path / "map.json"
    old_map.write_text("{}")
    old_map.chmod(0o644)
    proc = run_mga(["analyze", str(INSPECT_SHOP), "-f", "json", "--output", "r.json", "--redact",
                    "--redact-map", str(old_map), "--force", "-q"], work)
    assert proc.returncode == 0, proc.stderr
    assert oct(old_map.stat().st_mode & 0o777) == "0o600" and json.loads(old_map.read_text())


def test_dask_engine_through_the_cli_leaves_nothing_in_tmpdir(tmp_path, work):
    """The cluster's TLS is checked in ``tests/mga_cli/test_dask_private.py``; here the command line."""
    pytest.importorskip("distributed")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    log = tmp_path / "access.log"
    log.write_text(LOG_OK * 3)
    proc = run_mga(["logs", str(log), "--engine", "dask", "--format", "json"], work, env={"TMPDIR": str(scratch)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["requests"] == 3
    assert list(scratch.iterdir()) == []
