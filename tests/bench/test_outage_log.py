"""The bench's outage log: nine answers in ten are 5xx, every line still one the parser reads."""

from __future__ import annotations

import re
from pathlib import Path

from bench.gen_logs import generate
from parsers.haproxy_log import parse_access_log

STATUS = re.compile(r"\] \S+ \S+ \S+ (\d{3}) ")


def _statuses(path: Path) -> list[int]:
    return [int(m.group(1)) for line in path.read_text().splitlines() if (m := STATUS.search(line))]


def test_outage_log_answers_mostly_5xx_and_parses_whole(tmp_path: Path):
    outage, usual = tmp_path / "outage.log", tmp_path / "usual.log"
    generate(3000, outage, seed=2, http_only=True, outage=True)
    generate(3000, usual, seed=2, http_only=True)
    failed = [s for s in _statuses(outage) if 500 <= s < 600]
    assert len(_statuses(outage)) == 3000 and 0.85 < len(failed) / 3000 < 0.95
    assert sum(500 <= s < 600 for s in _statuses(usual)) / 3000 < 0.05  # the usual mix is unchanged
    with outage.open("rb") as stream:
        parse = parse_access_log(stream, source="outage.log", input="bench")
    assert parse.unparsed == 0 and len(parse.requests) == 3000


def test_an_application_outage_sends_every_request_to_its_first_routes(tmp_path: Path):
    log = tmp_path / "app.log"
    generate(2000, log, seed=2, http_only=True, outage=True, first_routes=10)
    backends = {line.split("] ", 1)[1].split()[1].split("/", 1)[0] for line in log.read_text().splitlines()}
    assert backends and all(":ns-000-team:route-000" in b for b in backends)  # the first namespace's 10 routes
