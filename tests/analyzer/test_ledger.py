"""The error ledger on hand-made frames: which lines count, who owns them, where default lines go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analyzer import host_routes, ledger
from analyzer.model import Evidence, Finding, Severity
from parsers import schema

T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
POD = "pod:web-1:web:http:10.128.2.31:8080"


def line(status: int, term: str, *, route: str | None = "web", ns: str | None = "shop", server: str = POD,
         backend_kind: str = "be_http", headers: str | None = None, path: str = "/", second: int = 0) -> dict:
    return {
        "ts": T0 + timedelta(seconds=second), "status": status, "term": term, "term_full": term + "--",
        "namespace": ns, "route": route, "server": server, "backend_kind": backend_kind,
        "backend": f"{backend_kind}:{ns}:{route}" if route else backend_kind, "path": path,
        "request_headers": headers,
    }


def requests(*rows: dict) -> pd.DataFrame:
    return schema.conform("requests", list(rows))


def routes(*rows: tuple[str, str, str, str | None, datetime]) -> pd.DataFrame:
    return schema.conform(
        "routes",
        [{"namespace": ns, "name": name, "host": host, "path": path, "created": created, "backend_index": 0}
         for ns, name, host, path, created in rows],
    )


def finding(code: str, cause: str, claims: list[int], route: str = "web", severity: Severity = Severity.WARNING,
            fid: str | None = None) -> Finding:
    f = Finding(code=code, cause=cause, severity=severity, namespace="shop", title=code, explanation="",
                evidence=[Evidence("x", 1, "x")], remediation=[], route=route, claims=pd.Index(claims))
    f.id = fid or f"F-{code}"
    return f


WEB = ("shop", "web")
ROUTES = routes(("shop", "web", "web.apps.example.com", None, T0))


def test_router_side_means_5xx_not_answered_by_the_application_nor_aborted_by_the_client():
    frame = requests(
        line(503, "SC"), line(504, "sH"), line(502, "SH"), line(502, "PH"), line(503, "sQ"),
        line(503, "--"), line(500, "-N"), line(502, "CD"), line(503, "cR"), line(200, "SD"), line(404, "--"),
    )
    assert ledger.router_side_mask(frame).tolist() == [True] * 5 + [False] * 6


def test_unclaimed_lines_are_grouped_by_status_state_and_server_and_decoded():
    frame = requests(line(503, "SC", server="<NOSRV>", second=1), line(503, "SC", server="<NOSRV>", second=9),
                     line(502, "SH", second=5), line(200, "--"))
    [(key, led)] = ledger.build_ledgers(frame, ROUTES, [], [WEB]).items()
    assert key == WEB
    assert (led.router_side_5xx, led.explained, led.unexplained) == (3, 0, 3)
    first, second = led.unexplained_groups
    assert (first.status, first.termination, first.server, first.requests) == (503, "SC", "<NOSRV>", 2)
    assert (first.first_seen, first.last_seen) == (T0 + timedelta(seconds=1), T0 + timedelta(seconds=9))
    assert "no server" in first.meaning and first.check == "endpoints-populated"
    assert (second.status, second.termination, second.requests) == (502, "SH", 1)


def test_a_line_two_findings_claim_goes_to_the_cause_the_table_puts_first():
    frame = requests(line(502, "SH"), line(502, "SH"), line(502, "SH"), line(503, "SC"))
    closed = finding("B504", "backend-connection-closed", [0, 1, 2], fid="F001-B504")
    rollout = finding("K602", "rollout-without-graceful-shutdown", [1, 2], fid="F002-K602")
    led = ledger.build_ledgers(frame, ROUTES, [closed, rollout], [WEB])[WEB]
    shares = {s.finding: s.requests for s in led.by_finding}
    assert shares == {"F002-K602": 2, "F001-B504": 1}
    assert led.explained == 3 and led.unexplained == 1
    assert led.explained + led.unexplained == led.router_side_5xx
    # affected_requests follows ownership: no line counted by two findings
    assert (closed.affected_requests, rollout.affected_requests) == (1, 2)


def test_same_cause_twice_keeps_the_report_order():
    frame = requests(line(503, "SC"))
    a = finding("E203", "no-ready-endpoints", [0], fid="F001-E203")
    b = finding("E203", "no-ready-endpoints", [0], fid="F002-E203")
    led = ledger.build_ledgers(frame, ROUTES, [a, b], [WEB])[WEB]
    assert [s.finding for s in led.by_finding] == ["F001-E203"]
    assert (a.affected_requests, b.affected_requests) == (1, 0)


def test_a_finding_cannot_own_the_lines_of_another_route():
    frame = requests(line(503, "SC", route="other"))
    both = routes(("shop", "web", "web.example.com", None, T0), ("shop", "other", "o.example.com", None, T0))
    f = finding("E203", "no-ready-endpoints", [0], route="web")
    ledgers = ledger.build_ledgers(frame, both, [f], [WEB, ("shop", "other")])
    assert ledgers[("shop", "other")].unexplained == 1 and WEB not in ledgers


def test_claims_of_lines_that_are_not_router_side_5xx_stay_affected_but_not_in_the_ledger():
    frame = requests(line(200, "--"), line(504, "sH"))
    f = finding("B501", "backend-timeout", [0, 1])
    led = ledger.build_ledgers(frame, ROUTES, [f], [WEB])[WEB]
    assert led.router_side_5xx == 1 and led.explained == 1
    assert f.affected_requests == 2


def test_only_wanted_routes_get_a_ledger():
    frame = requests(line(503, "SC"))
    assert ledger.build_ledgers(frame, ROUTES, [], []) == {}


# ------------------------------------------------------------------ openshift_default lines by Host
def default(headers: str | None, path: str = "/") -> dict:
    return line(503, "SC", route=None, ns=None, server="<NOSRV>", backend_kind="openshift_default",
                headers=headers, path=path)


def attributed(frame: pd.DataFrame, table: pd.DataFrame) -> list[tuple[str, str] | None]:
    found = host_routes.default_line_routes(frame, table)
    return [tuple(found.loc[i]) if i in found.index else None for i in frame.index]


def test_default_lines_belong_to_the_route_their_captured_host_names():
    frame = requests(default("web.apps.example.com|curl/8"), default("WEB.apps.example.com:443"),
                     default("other.example.com"), default(None))
    assert attributed(frame, ROUTES) == [WEB, WEB, None, None]


def test_default_lines_match_the_longest_path_prefix_first():
    table = routes(("shop", "root", "h.example.com", None, T0),
                   ("shop", "api", "h.example.com", "/api", T0 + timedelta(days=1)),
                   ("shop", "apiv2", "h.example.com", "/api/v2", T0 + timedelta(days=2)))
    frame = requests(default("h.example.com", "/api/v2/items?x=1"), default("h.example.com", "/api/x"),
                     default("h.example.com", "/apix"), default("h.example.com", "/"))
    assert attributed(frame, table) == [("shop", "apiv2"), ("shop", "api"), ("shop", "root"), ("shop", "root")]


def test_on_a_tie_the_oldest_route_wins():
    table = routes(("b", "young", "h.example.com", None, T0 + timedelta(hours=1)),
                   ("a", "old", "h.example.com", None, T0))
    assert attributed(requests(default("h.example.com")), table) == [("a", "old")]


def test_an_http2_absolute_request_names_its_host():
    frame = requests(default(None, "https://web.apps.example.com/cart"))
    assert attributed(frame, ROUTES) == [WEB]


def test_attributed_default_lines_join_the_route_ledger():
    frame = requests(line(200, "--"), default("web.apps.example.com"), default("nobody.example.com"))
    f = finding("R101", "route-not-admitted", [1, 2], severity=Severity.CRITICAL)
    led = ledger.build_ledgers(frame, ROUTES, [f], [WEB])[WEB]
    assert (led.router_side_5xx, led.explained) == (1, 1)
    assert f.affected_requests == 2  # the unattributed line is still its own, and nobody else's


@pytest.mark.parametrize("headers", ["", "|", "web.apps.example.com.evil|"])
def test_near_miss_hosts_do_not_match(headers: str):
    assert attributed(requests(default(headers)), ROUTES) == [None]


def test_claims_stay_out_of_the_json():
    f = finding("E203", "no-ready-endpoints", [0, 1])
    assert "claims" not in f.to_dict()
    assert list(finding("E203", "no-ready-endpoints", []).claims) == []


def test_a_finding_that_lost_every_line_it_claimed_is_superseded():
    frame = requests(line(502, "SH"), line(502, "SH"))
    closed = finding("B504", "backend-connection-closed", [0, 1], fid="F001-B504")
    tls = finding("P302", "tls-termination-mismatch", [0, 1], fid="F002-P302")
    static = finding("R103", "route-target-port-mismatch", [], fid="F003-R103")
    partly = finding("K601", "pods-restarting", [1], fid="F004-K601")
    ledger.build_ledgers(frame, ROUTES, [closed, tls, static, partly], [WEB])
    kept = ledger.without_superseded([closed, tls, static, partly])
    assert [f.code for f in kept] == ["P302", "R103"]  # a finding without claims is never dropped


def test_router_side_state_reads_one_state_as_the_column_reading_does():
    """I703 reads the counted (not kept) failures' states one by one: the same answer as for a column."""
    from parsers.term_side import router_side_state, router_side_states

    states = [None, "", "--", "-V", "CD", "cD", "SC", "sC", "sQ", "sH", "SH", "PH", "PR", "IH", "LR", "KC", "cR"]
    plain = pd.Series(states, dtype=object)
    for column in (plain, plain.astype("category"), plain.astype("string")):
        assert router_side_states(column).tolist() == [router_side_state(s) for s in states]


@pytest.mark.parametrize("labelled", ["range", "from-7", "spread"])
def test_ledgers_are_the_same_whatever_the_frame_order_and_its_labels(labelled: str):
    """The lines are located in the request frame, not copied: a route's unexplained lines (the only rows
    read) are read as a slice when they are one run of rows, taken when spread among other rows; a frame
    labelled otherwise than 0..n-1 is located by its labels. Every way gives the same ledgers."""
    import random

    rng = random.Random(5)
    api = ("shop", "api")
    both = routes(("shop", "web", "web.apps.example.com", None, T0), ("shop", "api", "api.apps.example.com", None, T0))
    rows = [line(rng.choice([502, 503, 504, 200]), rng.choice(["SH", "SC", "sH", "--"]),
                 route=rng.choice(["web", "api"]), server=rng.choice([POD, "<NOSRV>"]), second=rng.randint(0, 600))
            for _ in range(400)]

    def router_side(i: int) -> bool:
        return rows[i]["status"] >= 500 and rows[i]["term"] != "--"

    def claimed(i: int) -> bool:
        return (rows[i]["route"], rows[i]["status"]) in (("web", 503), ("api", 504))

    # each route's unexplained lines one run of rows (read as a slice)
    runs = sorted(range(len(rows)), key=lambda i: (rows[i]["route"], router_side(i), claimed(i)))
    grouped = sorted(range(len(rows)), key=lambda i: rows[i]["route"])  # a route's lines among its other rows
    mixed = list(range(len(rows)))  # routes interleaved
    results = []
    for order in (runs, grouped, mixed):
        frame = requests(*(rows[i] for i in order))
        if labelled != "range":
            frame.index = [7 + i if labelled == "from-7" else 3 * i + 1 for i in range(len(frame))]
        label_of = dict(zip(order, frame.index, strict=True))  # a row's label in this frame
        web_rows = [i for i in range(len(rows)) if rows[i]["route"] == "web" and rows[i]["status"] == 503]
        api_rows = [i for i in range(len(rows)) if rows[i]["route"] == "api" and rows[i]["status"] == 504]
        found = [finding("E201", "no-ready-endpoints", [label_of[i] for i in web_rows], fid="F-1"),
                 finding("B501", "backend-timeout", [label_of[i] for i in api_rows], route="api", fid="F-2")]
        led = ledger.build_ledgers(frame, both, found, [WEB, api])
        assert led[WEB].router_side_5xx + led[api].router_side_5xx == sum(map(router_side, range(len(rows))))
        results.append((led, [f.affected_requests for f in found]))
    assert results[0] == results[1] == results[2]
    (led, affected) = results[0]
    assert led[WEB].by_finding and led[api].by_finding and affected[0] > 0 and affected[1] > 0


def test_settling_gives_each_finding_its_claims_less_those_a_better_cause_owns():
    """``analyzer.run`` settles ownership before counting the ledgers (``ledger.settle``): each finding
    affects the lines it claims less those another finding owns, ownership as the pandas reference of
    ``test_ledger_tally_reference`` gives it (best precedence rank, then report order)."""
    import random

    from tests.analyzer.test_ledger_tally_reference import reference_owners

    rng = random.Random(11)
    rows = [line(rng.choice([502, 503, 504, 200]), rng.choice(["SH", "SC", "sH", "--"]), second=rng.randint(0, 600))
            for _ in range(300)]
    frame = requests(*rows)
    side = frame[ledger.router_side_mask(frame)]
    contested = 0
    for trial in range(20):
        found = [finding(f"X{k}", rng.choice(["no-ready-endpoints", "backend-timeout", "backend-connection-closed"]),
                         rng.sample(range(len(rows)), rng.randint(0, 200)), fid=f"F-{k}") for k in range(4)]
        owner = ledger.settle(ledger.ledger_lines(frame, ROUTES, [WEB]), found)
        reference = reference_owners(side, found)
        assert owner.tolist() == reference.tolist() and owner.index.equals(reference.index), trial
        for pos, f in enumerate(found):
            held = reference.reindex(f.claims).dropna()  # claims of lines that are not router-side 5xx: kept
            lost = int(((held >= 0) & (held != pos)).sum())
            assert f.affected_requests == len(f.claims) - lost, (trial, pos)
            contested += lost
    assert contested  # findings really lost lines to others
