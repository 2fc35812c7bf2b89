"""A router-side 5xx decoded in words from its termination state, and the check it points to.

The two first characters of HAProxy's termination state say who ended the session and in which
phase (router-facts.md §4.1, §4.2). The ledger puts this sentence on every group of unexplained
lines, so the engineer reads "the pod refused the connection" instead of ``SC``, and what to look
at next. The checklist turns the check the state points to ``unknown`` (report-contract "Verdicts").
"""

from __future__ import annotations

NOSRV = "<NOSRV>"

# Exact two-character states that the runbook knows well; (state, reached a server?) -> meaning.
_EXACT: dict[tuple[str, bool], str] = {
    ("SC", False): (
        "the router had no server to send the request to: the route's backend has no ready endpoint, or every "
        "server is DOWN by health check. Look at the service's endpoints, the pods' readiness and the router's "
        "'Server ... is DOWN' messages at that time"
    ),
    ("SC", True): (
        "connecting to the pod failed on every retry (refused or reset): nothing listens on the target port, the "
        "application listens on 127.0.0.1, the pod was gone but still in the router's configuration, or a "
        "reencrypt TLS handshake failed. Look at the service targetPort against the container's listening port, "
        "pod deletions at that time and the route's TLS termination"
    ),
    ("sC", False): (
        "the request waited for a connection that never came and no server was left: connect timeouts took every "
        "server out. Look at NetworkPolicies of the namespace, the nodes of the pods and the pod network"
    ),
    ("sC", True): (
        "connecting to the pod timed out on every retry (packets dropped): a NetworkPolicy that does not admit "
        "the router, a pod on an unreachable or NotReady node, or a pod-network outage. Look at the namespace's "
        "NetworkPolicies and the node of the pod"
    ),
    ("sQ", False): (
        "the request waited in the router's queue until the queue timeout: the servers' connection limit "
        "(maxconn, pod-concurrent-connections) was full. Look at the queue columns of these lines, the route's "
        "concurrency annotations and the backend's capacity"
    ),
    ("sQ", True): (
        "the request waited in the server's queue until the queue timeout: its connection limit was full. Look at "
        "the route's pod-concurrent-connections annotation and the backend's capacity"
    ),
    ("sH", True): (
        "the backend did not send its response headers within the router's server timeout (504). Look at the "
        "route's haproxy.router.openshift.io/timeout, the application's response times and its logs"
    ),
    ("SH", True): (
        "the server closed or reset the connection before sending complete response headers: the pod crashed, "
        "was OOM-killed or was terminating, an application-side timeout, or an edge route pointing at a TLS-only "
        "port. Look at pod restarts, terminations and rollouts at that time, the container's logs and the route's "
        "termination against the port"
    ),
    ("PH", True): (
        "the router rejected the backend's response headers: invalid or duplicate headers, headers over 24 kB, "
        "or non-HTTP bytes such as a TLS alert from a TLS port. Look at the application's response headers and "
        "whether the target port speaks TLS"
    ),
    ("SD", True): (
        "the server closed or reset the connection in the middle of the response body (truncated transfer): the "
        "pod was killed or reset after its headers. Look at pod terminations and the container's logs"
    ),
    ("sD", True): (
        "the server stopped sending the response body for longer than the server timeout. Look at the "
        "application's streaming or slow downloads and the route's timeout"
    ),
}

_WHO: dict[str, str] = {
    "S": "the server aborted or refused the session",
    "s": "the server-side timeout expired",
    "P": "the router blocked the session (a limit, a deny rule or an invalid response)",
    "D": "the server was marked DOWN and its sessions were killed",
    "U": "a backup server's sessions were killed when the active server came back",
    "K": "an administrator killed the session",
    "R": "the router ran out of a resource (memory, sockets, ports)",
    "I": "the router hit an internal error",
    "L": "the router answered locally",
}
_PHASE: dict[str, str] = {
    "R": "while waiting for the client's request",
    "Q": "while the request waited in a queue",
    "C": "while connecting to the server",
    "H": "while waiting for the response headers",
    "D": "during the data transfer",
    "L": "while sending the last data to the client",
    "T": "while the request was tarpitted",
    "-": "after the session ended normally",
}
_NEXT: dict[str, str] = {
    "S": "Look at the pods' restarts and terminations at that time and the container's logs",
    "s": "Look at the route's timeouts and the application's response times",
    "P": "Look at the application's responses and the route's annotations",
    "D": "Look at the router's 'Server ... is DOWN' messages and the pods' readiness",
    "U": "Look at the backend's server states",
    "K": "Look at the router's messages at that time",
    "R": "Look at the router pods' resources and connection counts",
    "I": "Look at the router pods' logs and version",
    "L": "Look at the route's redirect and deny settings",
}

# The checklist item each state points to (report-contract "Verdicts"); by first character otherwise.
_CHECK_EXACT: dict[str, str] = {
    "SC": "endpoints-populated",
    "sC": "network-policy-allows-router",
    "sH": "timeout-sufficient",
    "sQ": "capacity-sufficient",
    "SH": "service-port-matches",
    "PH": "tls-matches-backend",
}
_CHECK_BY_WHO: dict[str, str] = {
    "S": "pods-ready",
    "D": "pods-ready",
    "U": "pods-ready",
    "s": "timeout-sufficient",
    "P": "tls-matches-backend",
    "K": "capacity-sufficient",
    "R": "capacity-sufficient",
    "I": "capacity-sufficient",
    "L": "capacity-sufficient",
}


def meaning(term: str, server: str | None) -> str:
    """What a router-side 5xx with this termination state and server means, and what to look at next."""
    state = (term or "")[:2]
    reached = bool(server) and server != NOSRV
    exact = _EXACT.get((state, reached)) or _EXACT.get((state, True))
    if exact is not None:
        return exact
    who = _WHO.get(state[:1], f"the session ended with the unusual state {state or '?'!r}")
    phase = _PHASE.get(state[1:2], "")
    where = "" if reached else "; no server was reached"
    hint = _NEXT.get(state[:1], "Look at the router's messages and the backend pods at that time")
    return f"{who}{' ' + phase if phase else ''}{where}. {hint}"


def check_for(term: str) -> str:
    """The checklist item unexplained lines of this termination state turn ``unknown``."""
    state = (term or "")[:2]
    return _CHECK_EXACT.get(state) or _CHECK_BY_WHO.get(state[:1], "pods-ready")
