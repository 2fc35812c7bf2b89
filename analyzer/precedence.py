"""Which cause owns a router-side 5xx that two findings claim: one reviewed table.

Two rules can both explain the same log line: a 502 ``SH`` from a pod that was being replaced is
"connection closed" *and* "rollout without graceful shutdown"; a 503 ``<NOSRV>`` of a route whose
selector matches nothing is "no ready endpoints" *and* "selector mismatch". The error ledger counts
each line once, so one cause must own it. The rule is always the same: **the cause that explains
why the other one happened owns the line** (the root over its symptom), and a fault in the route
or in the router's own view comes before anything behind it, because a request that never
reached a server cannot be blamed on that server.

:data:`PRECEDENCE` lists every cause id once, the owner first. Each row says why it comes before
the rows below it. Two findings of the same cause keep the finding order of the report (worst
first), so the result never depends on the order rules ran in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from analyzer.model import CAUSES


class Rank(NamedTuple):
    cause: str
    why: str


PRECEDENCE: tuple[Rank, ...] = (
    Rank("route-not-admitted",
         "no router serves the route: its requests never reach its backend, so nothing behind it can explain them"),
    Rank("router-reload-failed",
         "the router runs an old configuration: the servers it targets are not the ones the archive shows, so "
         "endpoint and pod findings judge a state the router never loaded"),
    Rank("ingress-controller-unavailable",
         "the router itself is not serving: backend faults seen through it are symptoms of that"),
    Rank("route-service-missing",
         "the backend names no service at all: empty endpoints, failed probes or ports are consequences"),
    Rank("route-target-port-mismatch",
         "the route's port selects no endpoint port, so the backend has no servers whatever the pods do"),
    Rank("service-selector-mismatch",
         "the selector matches no pod, which is why there are no endpoints: it owns 'no ready endpoints'"),
    Rank("network-policy-blocks-router",
         "the router cannot reach the pods at all; connect timeouts are not restarts, rollouts or timeouts"),
    Rank("tls-termination-mismatch",
         "a failed TLS handshake on every connection is what makes the backend close or answer garbage: it owns "
         "'connection closed' and 'invalid response', and 'not ready' when the health checks fail the handshake"),
    Rank("service-port-mismatch",
         "nothing listens on the target port: every connection is refused, independent of restarts or load"),
    Rank("node-disruption",
         "a node drained or lost takes its pods down: the restarts, rollouts and empty endpoints that follow are "
         "its consequences"),
    Rank("pod-network-unreachable",
         "ready pods that the router cannot reach: the pods are fine, so pod-level causes do not own the lines"),
    Rank("rollout-without-graceful-shutdown",
         "pods replaced by a rollout stop and restart on purpose: their errors are not 'pods restarting' (a crash), "
         "nor 'connection closed' or 'not ready' of unknown origin"),
    Rank("pods-restarting",
         "a container that crashes or is OOM-killed closes its connections and fails its probe: it owns "
         "'connection closed', 'readiness failing' and 'no ready endpoints' at those moments"),
    Rank("readiness-probe-failing",
         "a failing probe is why the endpoints are not ready: it owns 'no ready endpoints'"),
    Rank("no-ready-endpoints",
         "empty or unready endpoints for another or unknown reason: more specific than load or timeout causes, "
         "which need a server to exist"),
    Rank("router-saturation",
         "the router, not the backend, is the bottleneck: queueing and slow answers across routes follow from it"),
    Rank("backend-saturation",
         "queued requests that then time out were slow because they waited: saturation owns them, not timeout"),
    Rank("backend-timeout",
         "the backend answered too slowly; a named slow backend is more specific than an invalid or closed answer"),
    Rank("invalid-response",
         "the router rejected what the backend sent: a named reason, ahead of the catch-all below"),
    Rank("backend-connection-closed",
         "by definition the cause of last resort: a close with no restart, rollout or other cause to explain it"),
)

_RANK: dict[str, int] = {row.cause: i for i, row in enumerate(PRECEDENCE)}


def rank(cause: str) -> int:
    """Position of ``cause`` in the table: lower owns the line."""
    return _RANK[cause]


def owner(causes: Iterable[str]) -> str:
    """The cause that owns a line claimed by findings of these causes."""
    return min(causes, key=rank)


def why(cause: str) -> str:
    """The reviewed reason ``cause`` is placed where it is."""
    return PRECEDENCE[_RANK[cause]].why


def _check_complete() -> None:
    missing = set(CAUSES) - set(_RANK)
    extra = set(_RANK) - set(CAUSES)
    if missing or extra or len(_RANK) != len(PRECEDENCE):
        raise RuntimeError(f"precedence table out of step with the cause ids: missing {missing}, unknown {extra}")


_check_complete()
