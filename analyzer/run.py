"""Run every rule over a snapshot and assemble the :class:`Result` the reports render."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer import host_routes, joins, ledger
from analyzer.cluster_context import cluster_context
from analyzer.context import Context
from analyzer.customer_summary import fill_customer_summaries
from analyzer.evidence import quote_cited_log_lines
from analyzer.facts import Facts
from analyzer.gaps import find_gaps
from analyzer.lookup import WholeLookups
from analyzer.model import ErrorLedger, Finding, InputSummary, Result, RouteResult, Skipped
from analyzer.registry import all_rules
from analyzer.rule import INPUTS, LOGS, Rule, RuleSkip
from analyzer.rules.common import reference_day, times_read_against
from analyzer.scope import FrameSplits, ScopedSnapshot
from analyzer.timeline import route_timeline
from analyzer.wording import NO_ROUTE_LINES
from parsers.snapshot import Snapshot
from parsers.term_side import router_side_states

ERROR_STATUSES = ("502", "503", "504")


def analyze(
    snap: Snapshot,
    *,
    routes: Iterable[tuple[str, str]] | None = None,
    namespaces: Iterable[str] | None = None,
    tool_version: str = "0",
    now: datetime | None = None,
    reference: bool = False,
) -> Result:
    """Every rule over every selected route, the checklist and timeline of each route, the result.

    Rules run namespace by namespace on frames split once by namespace; the joins every rule reads
    (the route summary, and the helpers' rows by key) are computed once for the whole snapshot and
    looked up. ``reference=True`` runs the earlier path instead (frames split by ``groupby``, every
    helper filtering its frame on each call, the route summary per namespace): the differential
    tests compare the two.
    """
    route_filter = frozenset(routes) if routes else None
    wanted = set(namespaces) if namespaces else None
    all_routes = snap.frame("routes")
    scopes = sorted({str(ns) for ns in all_routes["namespace"].dropna()})
    if route_filter is not None:
        scopes = [ns for ns in scopes if any(k[0] == ns for k in route_filter)]
    if wanted is not None:
        scopes = [ns for ns in scopes if ns in wanted]
    splits = FrameSplits(snap, grouped=reference)
    summaries, summary_rows = ({}, {}) if reference else _summaries_by_namespace(snap)
    facts = Facts(snap)  # computed once per snapshot, shared by every namespace's rules
    whole_lookups = None if reference else WholeLookups(snap)  # rows by key, read once for every namespace
    contexts = {
        ns: Context(
            ScopedSnapshot(splits, ns),  # type: ignore[arg-type]
            route_filter,
            summary=None if reference else summaries.get(ns, _EMPTY_SUMMARY),
            indexed=not reference,
            shared_facts=facts,
            whole_lookups=whole_lookups,
            # the summary's rows as dicts, read once for every namespace (without a route filter, the
            # context's summary is exactly its namespace's part of the whole summary)
            summary_rows=None if reference or route_filter is not None else summary_rows.get(ns, []),
        )
        for ns in scopes
    }
    findings: list[Finding] = []
    rule_errors: list[dict[str, str]] = []
    rule_skips: list[RuleSkip] = []
    rules = all_rules()
    with times_read_against(reference_day(snap)):  # an explanation's time of another day says its date
        for ctx in contexts.values():
            found, errors, skips = run_rules(ctx, rules)
            ctx.release_requests()  # taken again for the route results below, one namespace at a time
            findings += found
            rule_errors += errors
            rule_skips += skips
    number_findings(findings)
    quote_cited_log_lines(snap, findings)
    route_results: list[RouteResult] = []
    route_namespaces: list[str] = []

    from analyzer.checklist import apply_checklist

    keys = [
        (ns, name) for ctx in contexts.values()
        for ns, name in (_keys(ctx.route_summary) if ctx.summary_rows is None
                         else [(row["namespace"], row["name"]) for row in ctx.summary_rows])
    ]
    whole = snap.frame("requests")
    # the access facts (the route timelines read them) folded before the ledger's lines are held: each
    # is a pass over every request row, and together they were the peak on a log of millions of 5xx
    _ = facts.access
    lines = ledger.ledger_lines(whole, snap.frame("routes"), keys)
    no_route = lines.no_route  # router-side 5xx of no route: in no ledger, said apart (summary)
    ledger.settle(lines, findings)  # affected_requests by ownership
    findings = ledger.without_superseded(findings)
    number_findings(findings)  # so the order (and ids) follow what each finding finally owns
    fill_customer_summaries(findings)  # after the ledger settled each finding's affected requests
    ledgers = ledger.ledgers_of(lines, findings)
    del lines  # every router-side 5xx of the log: not held while the route results take their rows
    by_host = _by_host(whole, snap.frame("routes"), set(keys))
    selected: dict[tuple[str, str], tuple[dict[int, int], tuple[int, int] | None]] = {}
    findings_by_namespace: dict[str, list[Finding]] = {}
    for f in findings:
        findings_by_namespace.setdefault(f.namespace, []).append(f)
    for ns, ctx in contexts.items():
        summary = ctx.route_summary
        rows = ctx.summary_rows if ctx.summary_rows is not None else _summary_rows(summary)
        mine = [_route_result(ctx, row, whole, by_host, ledgers) for row in rows]
        if route_filter is not None:  # the summary's figures are then the selected routes' own
            selected.update({(r.namespace, r.name): _route_figures(ctx, (r.namespace, r.name), whole, by_host)
                             for r in mine})
        route_namespaces += summary["namespace"].tolist() if not summary.empty else []
        _attach_findings(mine, findings)
        apply_checklist(ctx, mine, findings_by_namespace.get(ns, []))
        ctx.release_requests()
        route_results += mine
    route_results.sort(key=_route_order)
    ledger.mark_uncounted(findings, route_results, snap.has_access_logs)
    if snap.has_access_logs:  # logs were read: a route without counts has no line in them (not "no logs")
        for rr in route_results:
            if rr.requests is None:
                rr.unmeasured = NO_ROUTE_LINES

    # whole-log figures: every request parsed, also those of namespaces whose rows were not kept
    totals = snap.totals()
    scope = frozenset(wanted) if wanted is not None else None
    logs = snap.has_access_logs
    if route_filter is not None and logs:  # the selected routes' lines, not their namespaces' nor the log's
        requests, counted, logged = _selected_figures(route_results, selected)
    else:
        requests, counted, logged = totals.requests(scope), totals.status_counts(scope), totals.time_range(scope)
    status_counts = {str(k): n for k, n in counted.items()} if logs else None
    window_start, window_end, window_source = _window(snap, logged)
    measured = [r.error_ledger for r in route_results if r.error_ledger is not None]
    owners = {at: snap.inputs[index].path for at, index in snap.skipped_inputs.items()}
    skipped = [Skipped(*entry, input=owners.get(at)) for at, entry in enumerate(snap.skipped)]
    skipped += skipped_rules(rule_skips)
    return Result(
        tool_version=tool_version,
        generated_at=now or datetime.now(UTC),
        inputs=[
            InputSummary(
                path=r.path,
                kind=r.kind,
                files_read=r.files_read,
                files_skipped=r.files_skipped,
                files_seen=r.files_seen,
                roots=r.roots,
            )
            for r in snap.inputs
        ],
        window_start=window_start,
        window_end=window_end,
        routes=route_results,
        findings=findings,
        gaps=find_gaps(snap, route_namespaces, route_results, rule_skips),
        skipped=skipped,
        log_lines=snap.log_lines,
        log_lines_unparsed=snap.log_unparsed,
        requests=requests if logs else None,
        status_counts=status_counts,
        window_source=window_source,
        router_side_5xx=sum(x.router_side_5xx for x in measured) if logs else None,
        router_side_5xx_explained=sum(x.explained for x in measured) if logs else None,
        router_side_5xx_no_route=no_route if logs else None,
        unparsed_samples=snap.unparsed_samples,
        rule_errors=rule_errors,
        cluster=cluster_context(snap, set(route_namespaces)),
        log_accounting=snap.log_accounting,
    )


_EMPTY_SUMMARY = pd.DataFrame(columns=joins.SUMMARY_COLUMNS)


def _summaries_by_namespace(snap: Snapshot) -> tuple[dict[str, pd.DataFrame], dict[str, list[dict]]]:
    """The route summary of the whole snapshot, joined once, cut into one part per namespace; and each
    part's rows as dicts of the columns route refs and route results read (:func:`_summary_rows`)."""
    summary = joins.route_summary(snap)
    if summary.empty:
        return {}, {}
    parts = {
        str(ns): part.reset_index(drop=True)
        for ns, part in summary.groupby(summary["namespace"].astype("object"), sort=False)
    }
    rows: dict[str, list[dict]] = {}
    for row in _summary_rows(summary):
        rows.setdefault(str(row["namespace"]), []).append(row)
    return parts, rows


def missing_needs(ctx: Context, r: Rule) -> tuple[str, ...]:
    """The first of the rule's `needs` the context lacks, as the input names of which none is there; () when it
    has them all."""
    for need in r.needs:
        options = need if isinstance(need, tuple) else (need,)
        if not any(ctx.has_input(name) for name in options):
            return options
    return ()


def missing_input(ctx: Context, r: Rule) -> str | None:
    """The first of the rule's `needs` the context lacks, in words; None when it has them all."""
    options = missing_needs(ctx, r)
    return " or ".join(INPUTS[name] for name in options) if options else None


def run_rules(ctx: Context, rules: list[Rule]) -> tuple[list[Finding], list[dict[str, str]], list[RuleSkip]]:
    """Run each rule in isolation: one rule's exception is reported, the others still run.

    A rule whose needed input is missing does not run on empty frames: it is recorded as skipped
    (its checks stay ``unknown`` in the checklist, and a gap says what to collect).
    """
    findings: list[Finding] = []
    errors: list[dict[str, str]] = []
    skips: list[RuleSkip] = []
    for r in rules:
        options = missing_needs(ctx, r)
        if options:
            skips.append(RuleSkip(r.code, " or ".join(INPUTS[name] for name in options),
                                  str(getattr(ctx.snap, "namespace", "")), inputs=options))
            continue
        try:
            produced = r.run(ctx)
        except Exception as exc:  # a broken rule must not hide the others' findings
            errors.append({"code": r.code, "error": f"{type(exc).__name__}: {exc} ({_where(exc)})"})
            continue
        findings.extend(produced)
    return findings, errors, skips


SHOWN_NAMESPACES = 5


def skipped_rules(skips: list[RuleSkip]) -> list[Skipped]:
    """One ``skipped`` entry per rule and missing input, naming the namespaces (the logs are not per namespace)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for s in skips:
        grouped.setdefault((s.code, s.missing), []).append(s.namespace)
    out = []
    for (code, missing), namespaces in sorted(grouped.items()):
        if missing == INPUTS[LOGS]:
            reason = "no router access logs in the inputs: what it checks stays unknown"
        else:
            shown = ", ".join(namespaces[:SHOWN_NAMESPACES])
            more = f" and {len(namespaces) - SHOWN_NAMESPACES} more" if len(namespaces) > SHOWN_NAMESPACES else ""
            reason = f"no {missing} in the inputs for namespace{'s' if len(namespaces) > 1 else ''} {shown}{more}"
        out.append(Skipped(source=f"rule {code}", reason=reason))
    return out


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def _where(exc: Exception) -> str:
    """The innermost frame in our own code: a library's frame says nothing about which line of the rule failed."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(_PACKAGE_ROOT)]
    last = (ours or frames)[-1]
    return f"{last.filename}:{last.lineno}"


def number_findings(findings: list[Finding]) -> None:
    """Worst first, then by affected requests; ids stable within one report."""
    findings.sort(key=lambda f: (-f.severity.rank, -f.affected_requests, f.namespace, f.route or "", f.code))
    for i, f in enumerate(findings, start=1):
        f.id = f"F{i:03d}-{f.code}"


def _keys(summary: pd.DataFrame) -> list[tuple[str, str]]:
    return [] if summary.empty else list(zip(summary["namespace"], summary["name"], strict=True))


def _by_host(
    requests: pd.DataFrame, routes: pd.DataFrame, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], pd.Index]:
    """Labels of the ``openshift_default`` lines that name each route by Host (they are the route's lines too)."""
    found = host_routes.default_line_routes(requests, routes)
    out: dict[tuple[str, str], pd.Index] = {}
    for (ns, name), group in found.groupby(["namespace", "route"], sort=False):
        if (ns, name) in keys:
            out[(str(ns), str(name))] = group.index
    return out


_RESULT_COLUMNS = ("namespace", "name", "host", "services", "termination", "endpoints_ready", "endpoints_total")


def _summary_rows(summary: pd.DataFrame) -> list[dict]:
    """The summary's rows as dicts of the columns a route result reads (a row Series each cost more than the rest)."""
    if summary.empty:
        return []
    columns = [summary[c].tolist() for c in _RESULT_COLUMNS]
    return [dict(zip(_RESULT_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


def _route_result(
    ctx: Context,
    row: pd.Series | dict,
    whole: pd.DataFrame,
    by_host: dict[tuple[str, str], pd.Index],
    ledgers: dict[tuple[str, str], ErrorLedger],
) -> RouteResult:
    """A route's counts from its own lines (its rows and its counted normal lines) and the default-backend lines
    naming it; ``None`` when there are none."""
    rr = RouteResult(
        namespace=row["namespace"],
        name=row["name"],
        host=None if pd.isna(row["host"]) else row["host"],
        services=list(row["services"]),
        termination=row["termination"] if isinstance(row["termination"], str) else "none",
        endpoints_ready=None if pd.isna(row["endpoints_ready"]) else int(row["endpoints_ready"]),
        endpoints_total=None if pd.isna(row["endpoints_total"]) else int(row["endpoints_total"]),
    )
    key = (rr.namespace, rr.name)
    status = _route_statuses(ctx, key, whole, by_host)
    # its answers below 500 and normal TCP lines counted, not kept as rows: none is a 5xx nor a TCP failure
    normal = ctx.normal_lines.count(*key)
    if len(status) or normal:
        rr.requests = len(status) + normal
        rr.errors = {code: int(np.count_nonzero(status == int(code))) for code in ERROR_STATUSES}
        rr.error_ledger = ledgers.get(key, ledger.empty_ledger())
        rr.router_errors = rr.error_ledger.router_side_5xx
        if np.isnan(status).any():  # tcplog lines hold no status: a passthrough route's, read whole
            rr.tcp_failures = tcp_failures(ctx.route_rows(*key))
    rr.timeline, rr.events = route_timeline(ctx, rr.namespace, rr.name, rr.services)
    return rr


def tcp_failures(rows: pd.DataFrame) -> dict[str, int]:
    """A route's tcplog lines whose connection to a server never opened, by termination state: no status (a
    tcplog line has none), ``Tc`` -1, and a state the router's side ended (``SC``, ``sC`` …; router-facts §4.2:
    "connect refused / timeout after retries", the passthrough form of a 503). A passthrough client sees its
    TLS connection closed; an idle tunnel the server timed out (``sD``, ``Tc`` ≥ 0) is not counted."""
    if rows.empty or not {"status", "Tc", "term"} <= set(rows.columns):
        return {}
    failed = rows["status"].isna().to_numpy() & (rows["Tc"] == -1).fillna(False).to_numpy(dtype=bool)
    failed &= router_side_states(rows["term"])
    if not failed.any():
        return {}
    counts = rows["term"][failed].astype(str).value_counts()
    return {str(term): int(n) for term, n in sorted(counts.items())}


def _route_statuses(ctx: Context, key: tuple[str, str], whole: pd.DataFrame,
                    by_host: dict[tuple[str, str], pd.Index]) -> np.ndarray:
    """The status of each of the route's lines, its own and the default-backend lines naming it, as floats (NaN:
    none): read from the whole frame's array at the route's positions (``Context.route_lines``), its rows taken
    only where they cannot be placed. (A ``value_counts`` cost 0.3 ms a route, taking the rows 0.2 ms.)"""
    placed = ctx.route_lines(*key) if key not in by_host else None
    if placed is not None:
        lines, at = placed
        return lines.values_at("status", at)
    mine = ctx.route_rows(*key)
    if key in by_host:
        mine = pd.concat([mine, whole.loc[by_host[key]]])
    return mine["status"].to_numpy(dtype="float64", na_value=np.nan) if len(mine) else np.empty(0)


def _route_figures(ctx: Context, key: tuple[str, str], whole: pd.DataFrame,
                   by_host: dict[tuple[str, str], pd.Index]) -> tuple[dict[int, int], tuple[int, int] | None]:
    """A route's requests per logged status and the first and last accept time (ns) of its lines: its rows, the
    default-backend lines naming it and its counted normal lines, as the route result counts them."""
    counts: dict[int, int] = {}
    status = _route_statuses(ctx, key, whole, by_host)
    found, times = np.unique(status[~np.isnan(status)], return_counts=True)
    for value, n in zip(found.tolist(), times.tolist(), strict=True):
        counts[int(value)] = counts.get(int(value), 0) + int(n)
    rows = ctx.route_rows(*key)
    stamps = [rows["ts"]] if len(rows) else []
    if key in by_host:
        stamps.append(whole.loc[by_host[key], "ts"])
    spans = [(int(t.min().value), int(t.max().value)) for t in stamps if t.notna().any()]
    keys = ctx.normal_lines.route_keys(*key)
    for value, n in zip(keys["status"].tolist(), keys["requests"].tolist(), strict=True):
        if value is not None:  # a passthrough route's TCP lines log no status
            counts[int(value)] = counts.get(int(value), 0) + int(n)
    if len(keys):
        spans.append((int(keys["first"].min()) * 1_000_000, int(keys["last"].max()) * 1_000_000))
    span = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
    return counts, span


def _selected_figures(routes: list[RouteResult], figures: dict[tuple[str, str], tuple[dict[int, int],
                                                                                      tuple[int, int] | None]]
                      ) -> tuple[int, dict[int, int], tuple[int, int] | None]:
    """The summary's requests, requests per status and logged span of the routes a ``--route`` filter selected."""
    counts: dict[int, int] = {}
    spans = []
    for per_status, span in figures.values():
        for value, n in per_status.items():
            counts[value] = counts.get(value, 0) + n
        if span is not None:
            spans.append(span)
    logged = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
    return sum(r.requests or 0 for r in routes), dict(sorted(counts.items())), logged


def _attach_findings(routes: list[RouteResult], findings: list[Finding]) -> None:
    """Each finding's id on its route, and each route's affected requests (:func:`affected_once`)."""
    by_key = {(r.namespace, r.name): r for r in routes}
    mine: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        target = by_key.get((f.namespace, f.route or ""))
        if target is not None:
            target.findings.append(f.id)
            mine.setdefault((target.namespace, target.name), []).append(f)
    for key, found in mine.items():
        by_key[key].affected_requests = affected_once(found)


def affected_once(findings: Sequence[Finding]) -> int:
    """The requests any of ``findings`` (one route's) affects, each counted once.

    The ledger gives each router-side 5xx to one finding, but a finding also counts lines outside it (the
    application's own 5xx from a pod that failed its probe), which another finding may count as well: the lines
    claimed are joined, and a finding that counts without claiming lines adds its count. Neither the sum of the
    findings' counts (a line twice) nor the largest (a route with three causes under-counted by two of them)."""
    claimed = [np.asarray(f.claims) for f in findings if len(f.claims)]
    unclaimed = sum(int(f.affected_requests) for f in findings if not len(f.claims))
    if not claimed:
        return unclaimed
    # distinct labels by a sort and a comparison of neighbours: ``np.unique`` took 1.3 s on the ten routes of a
    # 3M-line outage (1.8M claimed lines), five times a sort's time
    labels = np.sort(np.concatenate(claimed))
    return unclaimed + 1 + int(np.count_nonzero(labels[1:] != labels[:-1]))


def _route_order(r: RouteResult) -> tuple:
    rank = {"broken": 0, "degraded": 1, "unknown": 2, "healthy": 3}[str(r.verdict)]
    return (rank, -r.error_total, r.namespace, r.name)


def _window(snap: Snapshot, logged: tuple[int, int] | None) -> tuple[datetime | None, datetime | None, str | None]:
    """First and last request (``logged``, ns since the epoch), or else the collection times of the inputs;
    and which one it is."""
    if logged is not None:
        return (pd.Timestamp(logged[0], tz="UTC").to_pydatetime(), pd.Timestamp(logged[1], tz="UTC").to_pydatetime(),
                "access-log")
    start, end = snap.collection_window
    return start, end, "collection-time" if start is not None or end is not None else None
