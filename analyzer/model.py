"""The analysis result: what every report renders and what the JSON contract serialises.

These types mirror ``report-contract.md`` field for field (schema ``mga.report/v1``), so the JSON
report is a plain ``to_dict`` of a :class:`Result`. Fields beyond the contract are allowed
(the contract says "add fields freely") and are marked as extensions below.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd

from analyzer.wording import NO_ACCESS_LOGS

NO_CLAIMS = pd.Index([], dtype="int64")  # a finding that explains no log line (a static finding)


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 3, "warning": 2, "info": 1}[self.value]


class IncidentStatus(StrEnum):
    """Whether the fault was still going on when the inputs were collected (v1.1)."""

    ONGOING = "ongoing"
    ENDED = "ended"
    UNKNOWN = "unknown"


class CheckStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    BROKEN = "broken"
    UNKNOWN = "unknown"


CAUSES: tuple[str, ...] = (
    "route-not-admitted",
    "route-service-missing",
    "route-target-port-mismatch",
    "service-selector-mismatch",
    "readiness-probe-failing",
    "no-ready-endpoints",
    "service-port-mismatch",
    "tls-termination-mismatch",
    "backend-timeout",
    "backend-saturation",
    "network-policy-blocks-router",
    "pods-restarting",
    "rollout-without-graceful-shutdown",
    "invalid-response",
    "backend-connection-closed",
    # v1.1: the platform around the route
    "router-reload-failed",
    "ingress-controller-unavailable",
    "router-saturation",
    "node-disruption",
    "pod-network-unreachable",
)

CHECKS: tuple[str, ...] = (
    "pods-ready",
    "endpoints-populated",
    "service-port-matches",
    "tls-matches-backend",
    "health-endpoint-ok",
    "network-policy-allows-router",
    "timeout-sufficient",
    "capacity-sufficient",
)


def rfc3339(value: datetime | None) -> str | None:
    """UTC RFC3339 with a ``Z`` suffix, or None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ts.microsecond // 1000:03d}Z" if ts.microsecond else "Z")
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Evidence:
    """One cited fact: a file inside an input, the line, and the text found there."""

    source: str
    line: int | None
    text: str
    input: str | None = None  # extension: which INPUT the source belongs to
    # ``text`` describes an access-log request line from its fields, its raw text not kept when the rules ran
    # (``analyzer.evidence``): read back once they are done. Never in the report.
    described: bool = field(default=False, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "text": self.text, "input": self.input}


@dataclass
class Finding:
    code: str
    cause: str
    severity: Severity
    namespace: str
    title: str
    explanation: str
    evidence: list[Evidence]
    remediation: list[str]
    route: str | None = None
    service: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    affected_requests: int = 0
    id: str = ""  # assigned by the runner: stable within one report
    confidence: str = "high"  # extension: high | medium | low
    doc: str = ""  # extension: `mga rule CODE`
    extra: dict[str, Any] = field(default_factory=dict)  # extension: rule-specific structured detail
    # v1.1
    status_at_collection: IncidentStatus = IncidentStatus.UNKNOWN
    ended_at: datetime | None = None
    began_at: datetime | None = None  # first evidence of the fault, before first_seen (e.g. the first failed probe)
    diagnostics: list[str] = field(default_factory=list)  # commands that confirm; the fix stays in remediation
    customer_summary: str = ""
    incident: str | None = None  # shared by the findings of one incident over several routes
    # False: ``affected_requests`` is 0 because nothing was measured (no access-log line of the route),
    # not because no request was affected; set by analyzer.ledger.mark_uncounted
    affected_requests_known: bool = True
    # Not serialised: the log lines this finding explains, as row labels of the snapshot's
    # ``requests`` frame. The ledger (analyzer/ledger.py) reads them; with streamed logs they can
    # become per-group counts without any rule or report changing, since only the ledger groups them.
    claims: pd.Index = field(default_factory=lambda: NO_CLAIMS, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise ValueError(f"unknown cause id {self.cause!r}")
        if not self.evidence:
            raise ValueError(f"finding {self.code} on {self.namespace}/{self.route} has no evidence")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "cause": self.cause,
            "severity": str(self.severity),
            "namespace": self.namespace,
            "route": self.route,
            "service": self.service,
            "title": self.title,
            "explanation": self.explanation,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": list(self.remediation),
            "first_seen": rfc3339(self.first_seen),
            "last_seen": rfc3339(self.last_seen),
            "affected_requests": int(self.affected_requests),
            "affected_requests_known": bool(self.affected_requests_known),
            "confidence": self.confidence,
            "doc": self.doc,
            "extra": self.extra,
            "status_at_collection": str(self.status_at_collection),
            "ended_at": rfc3339(self.ended_at),
            "began_at": rfc3339(self.began_at),
            "diagnostics": list(self.diagnostics),
            "customer_summary": self.customer_summary,
            "incident": self.incident,
        }


@dataclass(frozen=True)
class Gap:
    what: str
    why_it_matters: str
    how_to_collect: str
    # extension, not in the JSON: the names from the inputs (namespaces, routes) ``what`` and ``why_it_matters``
    # hold, so the case note can set them as code, as it sets every other text from the archive
    names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "why_it_matters": self.why_it_matters, "how_to_collect": self.how_to_collect}


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
    offset: int | None = None  # v1.1: the byte where reading stopped, when reading stopped part-way
    # extension: which INPUT the source is a file of, as ``inputs[].path`` and evidence's ``input`` name it
    # (None: of no one input: a rule, an input that could not be opened): two inputs can hold one member path
    input: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entry's fields; ``input`` only when the entry is of one input (a rule's is not)."""
        out = asdict(self)
        if self.input is None:
            del out["input"]
        return out


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: CheckStatus
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": str(self.status), "detail": self.detail}


@dataclass
class InputSummary:
    path: str
    kind: str  # must-gather | inspect | yaml-dump | access-log
    files_read: int
    files_skipped: int
    files_seen: int = 0  # extension
    roots: list[str] = field(default_factory=list)  # extension

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TimelineEvent:
    """A pod/router event drawn on a route's timeline (extension)."""

    ts: datetime
    kind: str  # not-ready | restart | oom | deleted | rollout | router-reload | server-down | config-change | event
    pod: str | None
    text: str
    source: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ts": rfc3339(self.ts),
            "kind": self.kind,
            "pod": self.pod,
            "text": self.text,
            "source": self.source,
            "line": self.line,
        }


@dataclass(frozen=True)
class LedgerShare:
    """The router-side 5xx of a route that one finding owns."""

    finding: str
    cause: str
    requests: int

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "cause": self.cause, "requests": self.requests}


@dataclass(frozen=True)
class LedgerGroup:
    """Unexplained router-side 5xx of a route with the same status, termination state and server."""

    status: int
    termination: str
    server: str
    requests: int
    first_seen: datetime | None
    last_seen: datetime | None
    meaning: str
    check: str | None = None  # extension: the checklist item these lines point to

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "termination": self.termination,
            "server": self.server,
            "requests": self.requests,
            "first_seen": rfc3339(self.first_seen),
            "last_seen": rfc3339(self.last_seen),
            "meaning": self.meaning,
            "check": self.check,
        }


@dataclass(frozen=True)
class ErrorLedger:
    """Every router-side 5xx of one route: owned by exactly one finding, or unexplained (contract v1.1)."""

    router_side_5xx: int
    by_finding: tuple[LedgerShare, ...]
    unexplained_groups: tuple[LedgerGroup, ...]

    @property
    def explained(self) -> int:
        return sum(s.requests for s in self.by_finding)

    @property
    def unexplained(self) -> int:
        return sum(g.requests for g in self.unexplained_groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "router_side_5xx": self.router_side_5xx,
            "explained": self.explained,
            "by_finding": [s.to_dict() for s in self.by_finding],
            "unexplained": self.unexplained,
            "unexplained_groups": [g.to_dict() for g in self.unexplained_groups],
        }


@dataclass
class RouteResult:
    namespace: str
    name: str
    host: str | None
    services: list[str]
    termination: str
    requests: int | None = None  # None: no access-log line of this route, nothing was measured
    errors: dict[str, int] | None = None
    verdict: Verdict = Verdict.UNKNOWN
    checklist: list[CheckResult] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    # extensions
    router_errors: int | None = None  # router-side 5xx (the ledger's total); None when nothing was measured
    endpoints_ready: int | None = None
    endpoints_total: int | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)  # per-minute counts by status
    events: list[TimelineEvent] = field(default_factory=list)
    cause_sentence: str = ""
    verdict_detail: str = ""  # extension: why the verdict is what it is (always said for `unknown`)
    error_ledger: ErrorLedger | None = None  # v1.1: None without access-log lines of the route
    # tcplog (passthrough) lines whose connection to a server never opened (``Tc`` -1, a router-side state such as
    # ``SC``), by termination state: the client saw its connection closed, not a 5xx, so they are not in the
    # error ledger; the verdict and the checklist read them (said in ``verdict_detail`` and the checks' details)
    tcp_failures: dict[str, int] = field(default_factory=dict)
    # why ``requests``, ``errors`` and ``error_ledger`` are None, when they are: ``wording.NO_ACCESS_LOGS`` (the inputs
    # hold none) or ``wording.NO_ROUTE_LINES`` (logs read, none of them this route's; ``analyzer.run``). What the
    # HTML, the Markdown and the terminal write in place of the counts; not in the JSON, whose nulls say it
    unmeasured: str = NO_ACCESS_LOGS
    # the requests its findings affect, each counted once (``analyzer.run``): what the HTML and Markdown rows and
    # the terminal say of the route and order routes by; not in the JSON, whose findings carry their own counts
    affected_requests: int = 0

    @property
    def error_total(self) -> int:
        """502 + 503 + 504 for sorting; 0 when nothing was measured."""
        return sum(self.errors.values()) if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "name": self.name,
            "host": self.host,
            "services": list(self.services),
            "termination": self.termination,
            "requests": None if self.requests is None else int(self.requests),
            "errors": None if self.errors is None else {k: int(v) for k, v in self.errors.items()},
            "verdict": str(self.verdict),
            "checklist": [c.to_dict() for c in self.checklist],
            "findings": list(self.findings),
            "router_errors": None if self.router_errors is None else int(self.router_errors),
            "endpoints_ready": self.endpoints_ready,
            "endpoints_total": self.endpoints_total,
            "timeline": self.timeline,
            "events": [e.to_dict() for e in self.events],
            "cause_sentence": self.cause_sentence,
            "verdict_detail": self.verdict_detail,
            "error_ledger": None if self.error_ledger is None else self.error_ledger.to_dict(),
        }


@dataclass
class Result:
    tool_version: str
    generated_at: datetime
    inputs: list[InputSummary]
    window_start: datetime | None
    window_end: datetime | None
    routes: list[RouteResult]
    findings: list[Finding]
    gaps: list[Gap]
    skipped: list[Skipped]
    log_lines: int = 0
    log_lines_unparsed: int = 0
    requests: int | None = None  # None: the inputs hold no access log at all
    status_counts: dict[str, int] | None = None
    window_source: str | None = None  # v1.1: access-log | collection-time
    router_side_5xx: int | None = None  # v1.1: over every route's ledger; None without access logs
    router_side_5xx_explained: int | None = None
    # router-side 5xx of the logs that belong to no route (``openshift_default`` answers whose Host the log does not
    # record, or names no route of the inputs): in no route's ledger; None without access logs
    router_side_5xx_no_route: int | None = None
    # extensions
    unparsed_samples: list[dict[str, Any]] = field(default_factory=list)
    rule_errors: list[dict[str, str]] = field(default_factory=list)
    cluster: dict[str, Any] = field(default_factory=dict)
    log_accounting: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "mga.report/v1",
            "tool": {"name": "mga", "version": self.tool_version},
            "generated_at": rfc3339(self.generated_at),
            "inputs": [i.to_dict() for i in self.inputs],
            "window": {
                "start": rfc3339(self.window_start),
                "end": rfc3339(self.window_end),
                "source": self.window_source,
            },
            "summary": {
                "routes": len(self.routes),
                "routes_with_findings": sum(1 for r in self.routes if r.findings),
                "log_lines": int(self.log_lines),
                "log_lines_unparsed": int(self.log_lines_unparsed),
                "requests": None if self.requests is None else int(self.requests),
                "status_counts": None
                if self.status_counts is None
                else {str(k): int(v) for k, v in self.status_counts.items()},
                "router_side_5xx": self.router_side_5xx,
                "router_side_5xx_explained": self.router_side_5xx_explained,
                "router_side_5xx_no_route": self.router_side_5xx_no_route,
            },
            "routes": [r.to_dict() for r in self.routes],
            "findings": [f.to_dict() for f in self.findings],
            "gaps": [g.to_dict() for g in self.gaps],
            "skipped": [s.to_dict() for s in self.skipped],
            "unparsed_samples": self.unparsed_samples,
            "rule_errors": self.rule_errors,
            "cluster": self.cluster,
            "log_accounting": self.log_accounting,
        }
