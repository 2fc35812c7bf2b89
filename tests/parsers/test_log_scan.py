"""The compiled scanner gives exactly what the Arrow path gives, or hands the line back.

``parsers.log_scan`` may only take a line when its values are the lean Arrow path's values; every
other line must reach the Arrow path. So the whole lean parse (scanner first, Arrow for the rest)
must equal the Arrow-only parse row for row, column for column, and reject the same lines: on real
HAProxy output, on every router log of the fixtures, on generated router logs, and on lines
mutated field by field with the values where the two could disagree (signs, pluses, 19 digits,
impossible dates, leap seconds, lower-case months, non-ASCII, missing tags, short fields).
"""

from __future__ import annotations

import gzip
import os
import random
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.gen_logs import generate
from parsers import log_layers, log_lines, log_scan, log_shapes

ROOT = Path(__file__).resolve().parents[2]
LAB_LOG = ROOT / "fixtures" / "haproxy-lab" / "access.log"
ROUTER_LOGS = sorted((ROOT / "fixtures").glob("scenarios/*/**/openshift-ingress/pods/router-*/**/*.log"))

pytestmark = pytest.mark.skipif(not log_scan.enabled(), reason="Numba is not installed: the scanner is off")

HTTP = (
    "2026-11-20T08:41:03.118204411Z 2026-11-20T08:41:03.118102+00:00 rp rp haproxy[7]: "
    "10.128.2.1:51234 [20/Nov/2026:08:41:03.112] fe_sni~ be_secure:shop:web/pod:web-1:web:https:10.131.0.7:8443 "
    "0/0/1/5/6 200 1523 - - ---- 12/3/0/0/0 0/0 \"GET /cart HTTP/1.1\""
)
TCP = (
    "2026-11-20T08:41:03.118102+00:00 rp rp haproxy[7]: 10.128.2.1:51234 [20/Nov/2026:08:41:03.112] "
    "fe_sni be_tcp:shop:db/pod:db-0:db:5432-tcp:10.131.0.9:5432 1/2/30 4421 SD 1/1/0/0/0 0/0"
)
BARE = (
    "10.128.2.1:51234 [20/Nov/2026:08:41:03.112] public be_http:shop:web/<NOSRV> "
    "0/-1/-1/-1/0 503 3278 - - SC-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\""
)
CRI = "2026-11-20T08:41:03.2Z stdout F " + HTTP.split(" ", 1)[1]
BASES = (HTTP, TCP, BARE, CRI, HTTP.split(" ", 1)[1])

# values where a byte scanner and the Arrow kernels could part ways
TRICKY = (
    "", "+5", "-1", "--1", "1+2", "++5", "+-5", "-+5", "-", "+", "abc", "0", "123456789012345678",
    "1234567890123456789", "-123456789012345678", "0/0/0/0/0", "1/2/3", "+1/-2/3/4/+5", "1/2", "1/2/3/4/5/6",
    "1//3", "/", "1/2/", "-1/-1/-1/-1/-1", "4294967296/1/1/1/1",
    # signs inside the a/b/c fields (timers: 5 or 3 parts, connections 5, queues 2)
    "1/--2/3/4/5", "1/2-/3/4/5", "1/-/3/4/5", "1/+-2/3/4/5", "1/-+2/3/4/5", "1/2/3/4/-", "-0/0/0/0/0",
    "+1/+2/+3/+4/+5", "1/2/3/4/1234567890123456789", "--1/2/3", "1/-2-/3", "--1/0", "0/-", "+/0", "1+/2",
    "[31/Apr/2026:10:00:00.000]", "[29/Feb/2023:10:00:00.000]", "[29/Feb/2024:10:00:00.000]",
    "[29/Feb/2100:10:00:00.000]", "[29/Feb/2000:10:00:00.000]", "[20/jan/2026:10:00:00.000]",
    "[20/JAN/2026:10:00:00.000]", "[20/Jan/2026:10:00:00.]", "[20/Jan/2026:10:00:00.1234567890]",
    "[20/Jan/2026:10:00:00.123456789]", "[20/Jan/2026:10:00:00.1]", "[20/Jan/2026:10:00:00.12]",
    "[20/Jan/2026:10:00:60.000]", "[20/Jan/1899:10:00:00.000]", "[20/Jan/1900:10:00:00.000]",
    "[20/Jan/3000:10:00:00.000]", "[20/Jan/2999:23:59:59.999]", "[20/Jan/2026:10:00:00]",
    "20/Jan/2026:10:00:00.000", "[2/Jan/2026:10:00:00.000]", "[ 2/Jan/2026:10:00:00.000]",
    "[20/Jan/2026:24:00:00.000]", "[00/Jan/2026:10:00:00.000]", "[20/Jan/2026:10:00:00.0x0]",
    "[20/Jan/2026:10:60:00.000]", "[20/Jan/2026:10:00:00,000]", "[20/Jan/26:10:00:00.000]",
    "[01/Jan/1970:00:00:00.000]", "[31/Dec/1969:23:59:59.999]",
    "haproxy[]:", "haproxy[12]", "haprox[1]:", "haproxy[1]:", "haproxy[x]:", "xhaproxy[1]:", "haproxy[1]x:",
    "haproxy[7:", "haproxy[1]]:", "haproxy[1]", "HAPROXY[1]:", "Haproxy[1]:",
    # pids as the Arrow path reads them: code units 8 to 26 of the tag, trailing ']' and ':' trimmed
    "haproxy[007]:", "haproxy[123456789012345678]:", "haproxy[1234567890123456789]:", "haproxy[12345678901234567]:",
    "haproxy[1]::]:", "haproxy[:1]:", "haproxy[1a]:", "haproxy[-1]:", "haproxy[ ]:",
    "be_http:ns:r/pod:a:b", "noslash", "be/", "/srv", "a/b/c", "SD--", "SD", "S", "SDXXX", "sH--",
    '"GET', "GET", '"', '""', "10.0.0.1:80", "10.0.0.1:", ":80", "::1:8080", "host:+80", "host:-80",
    "10.0.0.1:1234567890123456789", "é", "fe~é", "be_http:ns:r/pod:é:1",
)


def lean_parse(text: pa.Array, scanner: bool) -> tuple[pa.Table | None, list[int]]:
    """The lean parse with or without the scanner, rows in line order."""
    if scanner:
        table, rejected = log_layers._parse_lines(text, None, lean=True)
    else:
        table, rejected = log_layers._parse_lines_arrow(text, None, lean=True)
    if table is not None:
        table = table.take(pa.array(table.column("_row").to_numpy().argsort(kind="stable")))
    return table, sorted(rejected.tolist())


def assert_same_as_arrow(lines: list[str]) -> int:
    """Both parses agree on ``lines``; returns how many lines the scanner itself took."""
    text = pa.array(lines, pa.string())
    _, taken = log_layers._scanned_statistics(text)
    with_scanner, rejected_with = lean_parse(text, scanner=True)
    arrow_only, rejected_arrow = lean_parse(text, scanner=False)
    assert rejected_with == rejected_arrow
    if arrow_only is None:
        assert with_scanner is None
        assert not len(taken)
        return 0
    assert with_scanner is not None
    if pa.types.is_dictionary(with_scanner.schema.field("backend").type):  # the scanner's rows only
        with_scanner = log_layers._decoded(with_scanner)
    assert with_scanner.schema == arrow_only.schema
    for name in arrow_only.column_names:
        assert with_scanner.column(name).to_pylist() == arrow_only.column(name).to_pylist(), name
    assert_analysis_values_as_the_full_parse(text, taken)
    return len(taken)


# what ``mga analyze`` takes from the scanner's rows without parsing them again (``log_keep.lean_selection``)
ANALYSIS_COLUMNS = ("ts", "backend", "server", "Tc", "Tr", "Ta", "status", "term", "actconn",
                    *log_scan.ANALYSIS_VALUES)


def assert_analysis_values_as_the_full_parse(text: pa.Array, taken) -> None:
    """The scanner's analysis rows take the same lines, with the values of the full Arrow parse."""
    scanned, rows, values = log_layers._scanned(text, analysis=True)
    assert rows.tolist() == taken.tolist()
    if scanned is None:
        return
    scanned = log_layers.with_analysis_values(scanned, values, rows)
    full, _ = log_layers._parse_lines_arrow(text, None, lean=False)
    assert full is not None
    by_row = {r: i for i, r in enumerate(full.column("_row").to_pylist())}
    full = full.take(pa.array([by_row[r] for r in rows.tolist()]))
    scanned = log_layers.encoded_like(scanned, full)  # the names the scanner keeps encoded, as plain strings
    for name in ANALYSIS_COLUMNS:
        assert scanned.column(name).type == full.column(name).type, name
        assert scanned.column(name).to_pylist() == full.column(name).to_pylist(), name


def test_real_haproxy_output_is_taken_by_the_scanner_with_the_arrow_values():
    lines = LAB_LOG.read_text().splitlines()
    taken = assert_same_as_arrow(lines)
    assert taken >= 0.9 * len(lines)  # the lab's HAProxy writes the usual shapes: the scanner reads them


def test_every_router_log_of_the_fixtures():
    assert ROUTER_LOGS, "fixtures hold router pod logs"
    total = 0
    for path in ROUTER_LOGS:
        text = log_lines.chunk_lines(path.read_bytes(), 1).text
        total += assert_same_as_arrow(text.to_pylist())
    assert total > 0


def test_generated_router_logs_every_fast_shape_line_is_scanned(tmp_path):
    path = tmp_path / "access.log"
    generate(20_000, path, seed=7)  # tcplog lines and router messages included
    text = log_lines.chunk_lines(path.read_bytes(), 1).text
    taken = assert_same_as_arrow(text.to_pylist())
    _, handled = log_shapes._fast_shapes(text, lean=True)
    assert taken == len(handled) > 19_000


def test_the_base_lines_are_taken():
    text = pa.array(list(BASES), pa.string())
    _, taken = log_layers._scanned_statistics(text)
    assert taken.tolist() == list(range(len(BASES)))
    assert assert_same_as_arrow(list(BASES)) == len(BASES)


@pytest.mark.parametrize("value", TRICKY)
def test_each_tricky_value_in_each_field(value):
    lines = []
    for base in BASES:
        words = base.split(" ")
        for i in range(len(words)):
            lines.append(" ".join([*words[:i], value, *words[i + 1 :]]))
    assert_same_as_arrow(lines)


def _date(moment: datetime, digits: int) -> str:
    frac = "" if digits == 0 else "." + str(moment.microsecond).zfill(6)[:digits].ljust(digits, "7")
    return f"[{moment:%d/%b/%Y:%H:%M:%S}{frac}]"


@given(st.lists(st.tuples(st.datetimes(datetime(1890, 1, 1), datetime(3010, 12, 31)), st.integers(0, 11)),
                min_size=1, max_size=40))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_accept_dates_across_the_calendar(dates):
    words = HTTP.split(" ")
    lines = [" ".join([*words[:6], _date(moment, digits), *words[7:]]) for moment, digits in dates]
    assert_same_as_arrow(lines)


mutation = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 25), st.sampled_from(TRICKY)),
    st.tuples(st.just("insert"), st.integers(0, 400), st.sampled_from([" ", "  ", "é", "+", "-", "/", ":", "]", '"'])),
    st.tuples(st.just("delete"), st.integers(0, 25), st.just("")),
)


@given(st.lists(st.tuples(st.sampled_from(BASES), st.lists(mutation, max_size=3)), min_size=1, max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_lines(cases):
    lines = []
    for base, mutations in cases:
        line = base
        for kind, where, value in mutations:
            words = line.split(" ")
            if kind == "insert":
                at = where % (len(line) + 1)
                line = line[:at] + value + line[at:]
            elif kind == "replace":
                words[where % len(words)] = value
                line = " ".join(words)
            else:
                del words[where % len(words)]
                line = " ".join(words)
        lines.append(line)
    assert_same_as_arrow(lines)


def test_random_bytes_never_crash_and_agree():
    rng = random.Random(3)
    alphabet = " 0123456789/:.[]+-\"abcSDHé~<>"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(2_000)]
    assert_same_as_arrow(lines)


def test_sliced_arrays_are_read_at_their_offset():
    text = pa.array(["junk", *BASES, "junk"], pa.string()).slice(1, len(BASES))
    _, taken = log_layers._scanned_statistics(text)
    assert taken.tolist() == list(range(len(BASES)))


def test_empty_lines_and_empty_arrays():
    assert assert_same_as_arrow(["", "", ""]) == 0
    assert assert_same_as_arrow([]) == 0
    columns, rows = log_scan.scan_statistics(pa.array([""], pa.string()))
    assert columns == {} and len(rows) == 0


def test_arrays_with_nulls_go_to_the_arrow_path():
    assert log_scan.scan_statistics(pa.array([HTTP, None], pa.string())) is None


def test_turned_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert not log_scan.enabled()
    monkeypatch.setenv("MGA_LOG_SCANNER", "numba")
    assert log_scan.enabled()


def test_mga_logs_statistics_are_the_same_with_the_scanner_off(monkeypatch, tmp_path):
    from mga.cmd_logs import statistics

    path = tmp_path / "access.log"
    generate(5_000, path, seed=11)
    paths = [str(path), str(LAB_LOG)]
    from parsers import log_jobs

    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)  # logs this small skip the scanner otherwise
    scanned = []
    real = log_scan.scan_statistics
    monkeypatch.setattr(log_scan, "scan_statistics", lambda text, *more: scanned.append(len(text)) or real(text, *more))
    with_scanner = statistics(paths)
    assert sum(scanned) > 4_000  # the scanner really read them
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics(paths) == with_scanner
    assert with_scanner["requests"] > 4_000


def test_small_logs_skip_the_scanner_big_ones_use_it(monkeypatch, tmp_path):
    """The scanner's 0.6 s start pays from about 128 MB of log; a .gz counts ten times its size."""
    from mga.cmd_logs import statistics
    from parsers.inputs import open_input
    from parsers.log_jobs import SCANNER_FLOOR, judged_size, worth_the_scanner
    from parsers.sources import Member

    def worth(*members: Member) -> bool:
        return worth_the_scanner(judged_size(m) for m in members)

    assert not worth(Member("a.log", SCANNER_FLOOR - 1))
    assert worth(Member("a.log", SCANNER_FLOOR // 2), Member("b.log", SCANNER_FLOOR // 2))
    assert worth(Member("a.log.gz", SCANNER_FLOOR // 10 + 1))
    assert not worth()
    # a .gz the user names is listed with no size: its stored size, ten times, is what counts
    named = tmp_path / "named.log.gz"
    named.write_bytes(gzip.compress(os.urandom(SCANNER_FLOOR // 10 + 1), compresslevel=1))  # not read here
    source = open_input(named, as_log=True)
    [member] = source.members
    assert member.size == 0 and judged_size(member, source) > SCANNER_FLOOR
    assert worth_the_scanner([judged_size(member, source)]) and not worth(member)
    path = tmp_path / "access.log"
    generate(2_000, path, seed=12)
    scanned = []
    monkeypatch.setattr(log_scan, "scan_statistics", lambda text, *more: scanned.append(len(text)))
    assert statistics([str(path)])["requests"] > 1_000
    assert scanned == []


def test_backend_and_server_dictionaries_are_in_order_of_first_appearance():
    """Backend and server come from one encoding of the ``backend/server`` field, split per distinct
    field: each dictionary must still list its names in the order a line first shows them (what
    encoding the names themselves gives), whatever pairs the fields make."""
    rng = random.Random(5)
    backends = [f"be_http:ns{k}:r{k}" for k in range(6)]
    servers = [f"pod:p{k}:svc:8080:10.0.0.{k}:8080" for k in range(7)] + ["<NOSRV>"]
    lines = []
    for _ in range(400):
        pair = f"{rng.choice(backends)}/{rng.choice(servers)}"
        lines.append(HTTP.replace("be_secure:shop:web/pod:web-1:web:https:10.131.0.7:8443", pair))
    columns, rows = log_scan.scan_statistics(pa.array(lines, pa.string()))
    assert len(rows) == len(lines)
    for name, k in (("backend", 0), ("server", 1)):
        values = [line.split(" ")[8].split("/", 1)[k] for line in lines]
        expected = pc.dictionary_encode(pa.array(values, pa.string()))
        assert columns[name].dictionary.to_pylist() == expected.dictionary.to_pylist()
        assert columns[name].indices.to_pylist() == expected.indices.to_pylist()


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r\r\n"])
def test_statistics_of_lines_read_with_their_terminators_are_the_arrow_paths(monkeypatch, tmp_path, ending):
    """``mga logs`` hands the scanner lines that still end with their newline (no copy of the chunk to
    trim them): the scanner skips the terminators, and every line it leaves (a router message, junk) is
    trimmed before the Arrow path and the samples see it. The statistics, events and samples are those
    of the Arrow path, which reads trimmed lines; the file's last line has no terminator at all."""
    from mga.cmd_logs import statistics
    from parsers import log_jobs

    body = [*BASES, "junk that is no request", "Server be_http:shop:web/pod:web-1 is DOWN, reason: Layer4 timeout",
            HTTP.replace(" 200 ", " 503 "), BARE]
    path = tmp_path / "access.log"
    path.write_bytes(ending.join(line.encode() for line in body * 50) + ending + BASES[0].encode())
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    seen, taken = [], []
    real = log_lines.chunk_lines
    monkeypatch.setattr(log_lines, "chunk_lines", lambda *a, **k: seen.append(k.get("keep_ends")) or real(*a, **k))
    scan = log_scan.scan_statistics

    def counted(text, *more):
        found = scan(text, *more)
        taken.append(len(found[1]))
        return found

    monkeypatch.setattr(log_scan, "scan_statistics", counted)
    with_scanner = statistics([str(path)])
    assert seen and all(seen)  # the lines did keep their terminators
    assert sum(taken) == 5 * 50 + 2 * 50 + 1  # and the scanner read every request, tcplog lines too
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics([str(path)]) == with_scanner
    assert with_scanner["requests"] == 5 * 50 + 2 * 50 + 1
    assert with_scanner["unparsed_samples"] and not any(
        "\r" in s["text"] or "\n" in s["text"] for s in with_scanner["unparsed_samples"])


@pytest.mark.parametrize("accented", [False, True])
def test_the_scanner_skips_its_ascii_pass_only_where_the_line_ends_pass_saw_no_other_byte(monkeypatch, tmp_path,
                                                                                           accented):
    """The compiled pass that finds a chunk's line ends also sees whether a byte is 128 or more
    (``ChunkLines.ascii``); the scanner trusts it instead of reading every byte again, and a chunk with a
    single non-ASCII byte is scanned as before: the statistics are the Arrow path's either way."""
    from mga.cmd_logs import statistics
    from parsers import log_jobs

    odd = HTTP.replace("pod:", "pod:é") if accented else HTTP
    path = tmp_path / "access.log"
    path.write_text("\n".join([*BASES, odd] * 40) + "\n", encoding="utf-8")
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    told = []
    scan = log_scan.scan_statistics
    monkeypatch.setattr(log_scan, "scan_statistics", lambda text, analysis=False, ascii_only=False: told.append(
        ascii_only) or scan(text, analysis, ascii_only))
    with_scanner = statistics([str(path)])
    assert told and all(flag is not accented for flag in told)
    assert log_lines.chunk_lines(path.read_bytes(), 1, compiled=True).ascii is not accented
    assert log_lines.chunk_lines(path.read_bytes(), 1, compiled=False).ascii is False  # not known: looked for
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics([str(path)]) == with_scanner


OTHER = HTTP.replace("be_secure:shop:web/pod:web-1:web:https:10.131.0.7:8443",
                     "be_http:blog:front/pod:front-7:front:http:10.131.3.3:8080").replace(" rp rp ", " rq rq ")
ELSEWHERE = HTTP.replace(" rp rp ", " rz rz ").replace("pod:web-1", "pod:web-2")


@pytest.mark.parametrize(("mix", "every_line_kept"), [
    ((HTTP, ELSEWHERE), True),  # every line the scanner read is kept: its names are all some row's
    ((HTTP, OTHER, ELSEWHERE), False),  # another namespace's 200s are left out, and their names with them
    ((HTTP, BARE, ELSEWHERE), True),  # lines without a router host: their host is null, not a name of its own
    ((OTHER, BARE.replace("be_http:shop", "be_http:blog")), False),  # nothing of the inputs' namespaces
])
def test_rows_the_scanner_read_whole_list_only_the_names_they_hold(mix, every_line_kept):
    """``lean_selection`` keeps the scanner's rows with the names it encoded for every line it read; the frame's
    categories are the kept rows' names only, whether lines were left out or not (no name of a line left
    out, no name of a value blanked to null)."""
    from parsers import log_keep

    text = ("\n".join(list(mix) * 30) + "\n").encode()
    lines = log_lines.chunk_lines(text, 1, compiled=True, keep_ends=True)
    selection = log_keep.lean_selection(lines, frozenset({"shop"}), True, None, None)
    assert selection is not None
    kept = selection.scanned
    if kept is None:
        assert not every_line_kept
        return
    assert (kept.num_rows == len(mix) * 30) is every_line_kept
    for name in kept.column_names:
        column = kept.column(name).combine_chunks()
        if pa.types.is_dictionary(column.type):
            used = set(pc.unique(column.indices.drop_null()).to_pylist())
            assert used == set(range(len(column.dictionary))), (name, column.dictionary.to_pylist())


# dates no clock gives: strptime refuses some (hour 25, a month Foo, day 00 or 99) and rolls others
# over (31/Feb to 3 March, second 60 to the next minute); the scanner hands both back to the Arrow path
IMPOSSIBLE_DATES = ("[20/Nov/2026:25:41:03.112]", "[20/Foo/2026:08:41:03.112]", "[00/Nov/2026:08:41:03.112]",
                    "[99/Nov/2026:08:41:03.112]", "[31/Feb/2026:08:41:03.112]", "[29/Feb/2026:08:41:03.112]",
                    "[31/Apr/2026:08:41:03.112]", "[20/Nov/2026:08:41:60.112]", "[20/Nov/2026:08:60:03.112]")


def _dated_line(base: str, date: str) -> str:
    return " ".join(date if word.startswith("[20/Nov/2026:") else word for word in base.split(" "))


@pytest.mark.parametrize("base", BASES)
def test_impossible_accept_dates_are_unparsed_in_both_paths(base):
    lines = [base, *(_dated_line(base, d) for d in IMPOSSIBLE_DATES), base]
    assert assert_same_as_arrow(lines) == 2
    for scanner in (True, False):
        table, rejected = lean_parse(pa.array(lines, pa.string()), scanner)
        assert rejected == list(range(1, len(IMPOSSIBLE_DATES) + 1))
        assert table is not None and table.column("_row").to_pylist() == [0, len(lines) - 1]


def test_mga_logs_counts_impossible_dates_as_unparsed_with_their_reason_either_way(monkeypatch, tmp_path):
    from mga.cmd_logs import statistics
    from parsers import log_jobs
    from parsers.log_fallback import INVALID_DATE_REASON

    path = tmp_path / "access.log"
    path.write_text("\n".join([HTTP, *(_dated_line(b, d) for b in (HTTP, TCP) for d in IMPOSSIBLE_DATES), BARE])
                    + "\n")
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    with_scanner = statistics([str(path)])
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics([str(path)]) == with_scanner
    assert (with_scanner["requests"], with_scanner["unparsed"]) == (2, 2 * len(IMPOSSIBLE_DATES))
    assert {s["reason"] for s in with_scanner["unparsed_samples"]} == {INVALID_DATE_REASON}
    assert with_scanner["window"] == {"start": "2026-11-20T08:41:03.112Z", "end": "2026-11-20T08:41:03.112Z"}


def test_a_number_too_long_for_its_field_is_unparsed_saying_so_either_way(monkeypatch, tmp_path):
    """Not "a custom httpLogFormat?": the line is the usual one, with a number no field holds."""
    from mga.cmd_logs import statistics
    from parsers import log_jobs
    from parsers.log_fallback import TOO_LONG_NUMBER_REASON

    long_tr = HTTP.replace(" 0/0/1/5/6 ", " 0/0/1/99999999999999999999/6 ")
    long_bytes = HTTP.replace(" 200 1523 ", " 200 " + "9" * 23 + " ")
    long_tcp = TCP.replace(" 4421 ", " " + "4" * 19 + " ")
    path = tmp_path / "access.log"
    path.write_text("\n".join([HTTP, long_tr, long_bytes, long_tcp, BARE]) + "\n")
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    with_scanner = statistics([str(path)])
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics([str(path)]) == with_scanner
    assert (with_scanner["requests"], with_scanner["unparsed"]) == (2, 3)
    assert {s["reason"] for s in with_scanner["unparsed_samples"]} == {TOO_LONG_NUMBER_REASON}


# HAProxy 3.x (router-facts.md §1.7): a "~" apart from its frontend and no "/server": only the per-line regex
# (``log_fallback``) reads such a line
FALLBACK = ("fddd:1194:1194:1194::1000:51034 [20/Nov/2026:08:41:03.112] webserver ~ webserver 0/0/36/-1/476 502 "
            "1029 - - SH-- 8/4/15/14/0 0/0 \"GET HTTP/2.0\" fc_err=- bc_err=ERESET")
# field -> its place after the timers (http, tcp)
_AFTER_TIMERS = {"timers": (0, 0), "status": (1, None), "bytes": (2, 1), "conns": (6, 3), "queues": (7, 4)}
# numbers HAProxy never logs: the only negative one it writes is -1, in a timer and the status
NEVER_LOGGED = {
    "http": [("status", "-5"), ("status", "-502"), ("status", "+-5"), ("status", "-2"),
             ("timers", "-7/0/1/5/6"), ("timers", "0/-7/1/5/6"), ("timers", "0/0/-7/5/6"), ("timers", "0/0/1/-2/6"),
             ("timers", "0/0/1/5/-2"), ("timers", "0/0/1/5/-6"), ("timers", "0/0/1/5/+-6"), ("timers", "0/0/-10/5/6"),
             ("bytes", "-1"), ("bytes", "-1523"), ("bytes", "+-3"),
             *(("conns", "/".join("-1" if k == i else "1" for k in range(5))) for i in range(5)),
             ("conns", "1/1/0/0/+-1"), ("queues", "-1/0"), ("queues", "0/-4")],
    "tcp": [("timers", "-7/2/30"), ("timers", "1/-2/30"), ("timers", "1/2/-2"), ("timers", "1/2/-30"),
            ("bytes", "-1"), ("bytes", "-4421"),
            *(("conns", "/".join("-1" if k == i else "1" for k in range(5))) for i in range(5)),
            ("queues", "-1/0"), ("queues", "0/-1")],
}
# what HAProxy does write: -1 timers and status, a '+' before Ta (logasap) and before retries (redispatch);
# a Ta/Tt of -1 is read too (router-facts §1.2 gives -1 to the whole timer group)
LOGGED = {
    "http": [("status", "-1"), ("timers", "-1/-1/-1/-1/0"), ("timers", "0/0/1/5/+6"), ("conns", "1/1/0/0/+3"),
             ("timers", "0/-1/-1/-1/0"), ("timers", "0/0/1/5/-1"), ("timers", "-1/-1/-1/-1/-1")],
    "tcp": [("timers", "-1/-1/0"), ("timers", "1/2/+30"), ("conns", "1/1/0/0/+3"), ("timers", "1/2/-1")],
}


def _with_field(line: str, field: str, value: str) -> str | None:
    """``line`` with its ``field`` (of :data:`_AFTER_TIMERS`) set to ``value``; None when it has none."""
    words = line.split(" ")
    http = '"' in line
    timers = next(i for i, w in enumerate(words) if w.count("/") == (4 if http else 2) and w[:1] in "-+0123456789")
    offset = _AFTER_TIMERS[field][0 if http else 1]
    if offset is None:
        return None
    words[timers + offset] = value
    return " ".join(words)


def _variants(cases: dict[str, list[tuple[str, str]]], bases=(*BASES, FALLBACK)) -> list[str]:
    lines = []
    for base in bases:
        for field, value in cases["http" if '"' in base else "tcp"]:
            line = _with_field(base, field, value)
            if line is not None:
                lines.append(line)
    return lines


def test_the_fallback_line_is_read_by_the_regex_only():
    from parsers.log_fields import parse_bodies

    assert parse_bodies(pa.array([FALLBACK]))[0] is None
    assert assert_same_as_arrow([FALLBACK]) == 0
    table, rejected = lean_parse(pa.array([FALLBACK]), scanner=False)
    assert table is not None and table.column("status").to_pylist() == [502] and rejected == []


def test_negative_numbers_haproxy_never_logs_are_unparsed_in_the_scanner_the_arrow_path_and_the_fallback():
    """A status of -5 or -502, a timer of -7 (Ta of -2), a byte count, a connection count or a queue below zero:
    no line HAProxy writes. Every path rejects it (it is counted unparsed), and reads the -1s HAProxy does
    write as before."""
    bad, good = _variants(NEVER_LOGGED), _variants(LOGGED)
    assert len(bad) > 60
    lines = [*good, *bad]
    assert assert_same_as_arrow(lines) > 0
    for scanner in (True, False):
        table, rejected = lean_parse(pa.array(lines, pa.string()), scanner)
        assert rejected == list(range(len(good), len(lines))), scanner
        assert table is not None and table.column("_row").to_pylist() == list(range(len(good)))
    full, rejected = log_layers._parse_lines_arrow(pa.array(lines, pa.string()), None, lean=False)
    assert sorted(rejected.tolist()) == list(range(len(good), len(lines)))
    assert full is not None and full.num_rows == len(good)
    one_by_one, rejected = log_layers._parse_lines_one_by_one(pa.array(lines, pa.string()))  # the regex alone
    assert sorted(rejected.tolist()) == list(range(len(good), len(lines)))
    assert one_by_one is not None and one_by_one.num_rows == len(good)


@pytest.mark.parametrize("value", ["-5", "-502", "-7", "-1", "-0", "+-1", "-01", "--1", "-999999999999999"])
def test_each_negative_value_in_each_field_agrees(value):
    lines = []
    for base in (*BASES, FALLBACK):
        for i in range(len(base.split(" "))):
            words = base.split(" ")
            for at in range(max(1, words[i].count("/") + 1)):
                parts = words[i].split("/")
                parts[at] = value
                lines.append(" ".join([*words[:i], "/".join(parts), *words[i + 1:]]))
    assert_same_as_arrow(lines)


def test_mga_logs_counts_negative_numbers_as_unparsed_with_their_reason_either_way(monkeypatch, tmp_path):
    from mga.cmd_logs import statistics
    from parsers import log_jobs
    from parsers.log_fallback import NEGATIVE_NUMBER_REASON

    bad = _variants(NEVER_LOGGED, bases=(HTTP, TCP, FALLBACK))
    path = tmp_path / "access.log"
    path.write_text("\n".join([HTTP, *bad, BARE]) + "\n")
    monkeypatch.setattr(log_jobs, "SCANNER_FLOOR", 0)
    with_scanner = statistics([str(path)])
    monkeypatch.setenv("MGA_LOG_SCANNER", "arrow")
    assert statistics([str(path)]) == with_scanner
    assert (with_scanner["requests"], with_scanner["unparsed"]) == (2, len(bad))
    assert {s["reason"] for s in with_scanner["unparsed_samples"]} == {NEGATIVE_NUMBER_REASON}
    assert with_scanner["status_counts"] == {"200": 1, "503": 1}
