"""Stable-token redaction of a Result, applied once before any rendering.

IP addresses (v4, v6 with the IPv4-mapped form, ranges and addresses glued to other text, and the
dashed forms in node and pod DNS names), route hosts, every host name under the cluster's domains,
node names, the cluster id, e-mail addresses, JWTs, the values of credential-looking query
parameters (``token=``, ``password=``, ``key=``, ``sig=``...) and optionally namespace names are
replaced by tokens. The same value always gets the same token (``ip-0001``, ``host-0001.example``,
``node-0001``, ``ns-0001``, ``secret-0001``), so correlations survive: the pod IP of a log line is
still the pod IP of that endpoint. Because it works on the Result — the one thing every output
renders — nothing original can reach HTML, JSON or Markdown. Tokens must-gather-clean already wrote
(``x-ipv4-0000000001-x``) are left as they are.

The text is scanned once, token by token (IPv6 candidates, dotted names, words), and each token is
judged whole, so a replacement is never scanned again and thousands of route hosts cost a set
lookup, not a regular expression alternative each.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from analyzer.model import Result

TOKEN_FORMATS = {
    "ip": "ip-{:04d}",
    "host": "host-{:04d}.example",
    "node": "node-{:04d}",
    "ns": "ns-{:04d}",
    "cluster": "cluster-{:04d}",
    "mac": "mac-{:04d}",
    "email": "user-{:04d}@example.invalid",
    "secret": "secret-{:04d}",
}
# Contract identifiers and enum-like fields: never free text, and a namespace that happens to be
# spelled like one must not turn a cause id into a token.
IDENTIFIER_FIELDS = frozenset({"cause", "code", "severity", "verdict", "check", "status", "kind", "id",
                               "termination", "confidence", "doc"})
# Platform namespaces say nothing about the customer and are what support engineers navigate by.
PLATFORM_NAMESPACE_RE = re.compile(r"^(?:openshift|openshift-.+|kube-.+|default)$")

MGC_TOKEN_RE = re.compile(r"x-[a-z0-9]+-\d{10}-x")
SCAN_RE = re.compile(
    r"(?P<mgc>(?<![\w-])x-[a-z0-9]+-\d{10}-x(?![\w-]))"
    # MAC addresses: OVN-Kubernetes derives a pod's (0a:58:<IPv4 bytes>), so they give IPs away
    r"|(?P<mac>(?<![\w:-])[0-9A-Fa-f]{2}(?P<sep>[:-])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){4}(?![\w:-]))"
    # JWTs (header.payload.signature, the header always starts ``{"``) wherever they appear
    r"|(?P<jwt>(?<![\w-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)"
    # a credential-looking query or form parameter: its value goes, its name stays
    r"|(?P<cred>(?<=[?&;])[\w.-]*(?i:token|passw(?:or)?d|pwd|key|secret|sig|signature|auth|credential)[\w.-]*=)"
    r"(?P<credvalue>[^&;\s\"'#<>]*)"
    r"|(?P<email>(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-]))"
    # IPv6, including the IPv4-mapped form (``::ffff:203.0.113.77``) and HAProxy's ``:port`` after it
    r"|(?P<ipv6>(?<![\w:])[0-9A-Fa-f]*(?::[0-9A-Fa-f]*){2,}(?:(?:\.\d{1,3}){3}(?::\d+)?)?(?![\w:]))"
    r"|(?P<name>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)"
)
NODE_NAME = r"([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])"
NODE_CONTEXT_RES = (  # where Kubernetes text names a node
    re.compile(r"""nodeName["']?\s*[:=]\s*["']?""" + NODE_NAME),
    re.compile(r"\bnode/" + NODE_NAME),
    re.compile(r"Successfully assigned \S+ to " + NODE_NAME),  # the scheduler's event
    re.compile(r"\bNode " + NODE_NAME + r" (?:status is now|event)"),  # the kubelet's
)
# Installer-made node names are <infrastructure id>-master-0, <infra id>-worker-<zone>-<suffix>...: the
# infrastructure id names the cluster and prefixes its machines, so every name it starts goes too.
INFRA_ID_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)+?)-(?:master|worker|infra)(?:-|$)")
AWS_NODE_RE = re.compile(r"ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:\.[a-z0-9-]+)*", re.IGNORECASE)
DASHED_IPV4_RE = re.compile(r"(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})")
NUMBER_RE = re.compile(r"\d{1,3}")
# an IPv4 address glued to other text (``_10.9.7.1``, ``10.9.8.1-10.9.8.9``); longer dotted numbers
# (OIDs, versions) are not addresses
EMBEDDED_IPV4_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)")
NAMESPACE_PATH_RE = re.compile(r"(?:^|/)namespaces/([a-z0-9][a-z0-9-]*)/")


class Redactor:
    """Replaces sensitive values in strings and, recursively, in the Result's dataclasses."""

    def __init__(self, *, hosts: Iterable[str] = (), domains: Iterable[str] = (), nodes: Iterable[str] = (),
                 namespaces: Iterable[str] = (), exact: dict[str, str] | None = None) -> None:
        self.mapping: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self.hosts = {h.lower().rstrip(".") for h in hosts if h}
        self.domains = {d.lower().strip(".") for d in domains if d and "." in d.strip(".")}
        self.nodes = {n.lower() for n in nodes if n}
        self.infra_ids = sorted({m.group(1) for n in self.nodes if (m := INFRA_ID_RE.match(n))}, key=len)
        self.namespaces = {n for n in namespaces if n}
        self.exact = dict(exact or {})  # value -> token kind, e.g. the cluster id

    def token(self, kind: str, value: str) -> str:
        """The token for ``value``: new the first time, the same ever after."""
        if value not in self.mapping:
            n = self._counters.get(kind, 0) + 1
            self._counters[kind] = n
            self.mapping[value] = TOKEN_FORMATS[kind].format(n)
        return self.mapping[value]

    def scrub(self, text: str) -> str:
        return SCAN_RE.sub(self._replace, text)

    def _replace(self, m: re.Match[str]) -> str:
        if m.group("mgc"):
            return m.group(0)
        if m.group("jwt"):
            return self.token("secret", m.group(0))
        if m.group("cred"):
            value = m.group("credvalue")
            return m.group("cred") + (self.token("secret", value) if value else "")
        if m.group("email"):
            return self.token("email", m.group(0).lower())
        if m.group("mac"):
            return self.token("mac", m.group(0).lower().replace("-", ":"))
        if m.group("ipv6") is not None:
            return self._ipv6(m.group(0))
        return self._name(m.group(0))

    def _ipv6(self, value: str) -> str:
        """An IPv6 address, possibly with HAProxy's ``:port`` glued on (``2001:db8::1:40188``)."""
        address, _, port = value.rpartition(":")
        for candidate, suffix in ((value, ""), (address, ":" + port)):
            if _is_ipv6(candidate):
                return self.token("ip", str(ipaddress.IPv6Address(candidate))) + suffix
        # times (08:41:03), MAC addresses and the like: judge the words (and dotted quads) inside
        return re.sub(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", lambda w: self._name(w.group(0)), value)

    def _name(self, value: str) -> str:
        lower = value.lower()
        if lower in self.exact or value in self.exact:
            return self.token(self.exact.get(value) or self.exact[lower], value)
        if _is_ipv4(value):
            return self.token("ip", value)
        if AWS_NODE_RE.fullmatch(value):
            # ip-10-0-1-2 and ip-10-0-1-2.ec2.internal are the same node: one token for both
            token = self.token("node", lower.split(".", 1)[0])
            self.mapping.setdefault(lower, token)
            return token
        if lower in self.nodes:
            return self.token("node", lower)
        for infra in self.infra_ids:
            if lower == infra:
                return self.token("cluster", lower)
            if lower.startswith(infra + "-"):
                return self.token("node", lower)
        if "." in value and self._is_cluster_host(lower):
            return self.token("host", lower)
        joined = ".".join(self._labels(value.split(".")))
        return EMBEDDED_IPV4_RE.sub(self._embedded_ipv4, joined) if "." in joined else joined

    def _embedded_ipv4(self, m: re.Match[str]) -> str:
        return self.token("ip", m.group(0)) if _is_ipv4(m.group(0)) else m.group(0)

    def _is_cluster_host(self, name: str) -> bool:
        if name in self.hosts or name in self.domains:
            return True
        return any(name.endswith("." + d) for d in self.domains)

    def _labels(self, labels: list[str]) -> list[str]:
        """Labels of a name that is not itself a cluster host: embedded IPs, dashed IPs, namespaces."""
        out: list[str] = []
        i = 0
        while i < len(labels):
            quad = labels[i:i + 4]
            if len(quad) == 4 and _is_ipv4(".".join(quad)) and not _numeric(labels, i + 4) and not _numeric(
                    labels, i - 1):
                out.append(self.token("ip", ".".join(quad)))
                i += 4
                continue
            out.append(self._label(labels[i]))
            i += 1
        return out

    def _label(self, label: str) -> str:
        dashed = DASHED_IPV4_RE.fullmatch(label)
        if dashed and _is_ipv4(".".join(dashed.groups())):
            return self.token("ip", ".".join(dashed.groups()))  # same token as the dotted address
        if label in self.namespaces:
            return self.token("ns", label)
        if label.lower() in self.nodes:
            return self.token("node", label.lower())
        return label

    def walk(self, value: Any, field: str | None = None) -> Any:
        """A redacted copy of ``value``: dataclasses rebuilt; enums, numbers and identifier fields kept."""
        if isinstance(value, Enum) or field in IDENTIFIER_FIELDS:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.walk(v) for v in value)
        if isinstance(value, dict):
            return {(self.scrub(k) if isinstance(k, str) else k): self.walk(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.walk(getattr(value, f.name), f.name) for f in dataclasses.fields(value)
                       if f.init}
            return dataclasses.replace(value, **changes)
        return value


def redact_result(result: Result, *, namespaces: bool = False) -> tuple[Result, dict[str, str]]:
    """The redacted Result and the private mapping original -> token (never embedded in any output)."""
    strings = list(_strings(result))
    hosts = [r.host for r in result.routes if r.host]
    exact = {str(v): "cluster" for k, v in result.cluster.items()
             if k in ("cluster_id", "infrastructure_name") and v}
    redactor = Redactor(
        hosts=hosts,
        domains=cluster_domains(result.cluster, hosts),
        nodes=[*cluster_node_names(result.cluster), *node_names(strings)],
        namespaces=namespace_names(result, strings) if namespaces else (),
        exact=exact,
    )
    return redactor.walk(result), dict(redactor.mapping)


def cluster_node_names(cluster: dict[str, Any]) -> set[str]:
    """Node names the cluster section names: problem nodes, router pods' and alerts' nodes."""
    nodes = cluster.get("nodes") or {}
    found = {str(n) for key in ("not_ready", "unschedulable", "updating") for n in nodes.get(key) or []}
    found |= {str(b.get("name")) for b in nodes.get("recently_rebooted") or [] if b.get("name")}
    for ic in cluster.get("ingress_controllers") or []:
        found |= {str(p["node"]) for p in ic.get("router_pods") or [] if p.get("node")}
    for alert in (cluster.get("alerts") or {}).get("relevant") or []:
        node = (alert.get("labels") or {}).get("node")
        if node:
            found.add(str(node))
    return found


def cluster_domains(cluster: dict[str, Any], hosts: list[str]) -> list[str]:
    """Domains whose every host name is redacted: apps and base domain, and the parents of custom hosts.

    The base domain is the apps domain without its ``apps.`` label (``apps.<cluster>.<base>``). With no
    cluster information, the longest suffix all route hosts share stands for the apps domain. A route
    host outside those domains (a custom domain) brings its parent domain, so sibling names
    (``api.shop.example.org`` next to ``www.shop.example.org``) go too.
    """
    apps = str(cluster.get("apps_domain") or "").lower().strip(".") or _common_suffix(hosts)
    domains = {apps, str(cluster.get("base_domain") or "").lower().strip(".")}
    if apps.startswith("apps.") and apps.count(".") >= 2:
        domains.add(apps.removeprefix("apps."))
    known = {d for d in domains if d.count(".") >= 1}
    for host in hosts:
        h = host.lower().strip(".")
        if not any(h == d or h.endswith("." + d) for d in known):
            parent = h.split(".", 1)[1] if h.count(".") >= 2 else h
            domains.add(parent)
    return sorted(d for d in domains if d.count(".") >= 1)


def node_names(strings: Iterable[str]) -> set[str]:
    """Node names the Result's text cites (``nodeName: X``, ``node/X``, "Successfully assigned p to X")."""
    found: set[str] = set()
    for s in strings:
        if "ode" in s or "assigned" in s:
            for pattern in NODE_CONTEXT_RES:
                found.update(m.group(1) for m in pattern.finditer(s))
    return found


def namespace_names(result: Result, strings: Iterable[str]) -> set[str]:
    """Application namespaces: those of routes and findings, and any ``namespaces/<ns>/`` path cited."""
    names = {r.namespace for r in result.routes} | {f.namespace for f in result.findings}
    for s in strings:
        if "namespaces/" in s:
            names.update(NAMESPACE_PATH_RE.findall(s))
    return {n for n in names if n and not PLATFORM_NAMESPACE_RE.match(n)}


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))


def _is_ipv4(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(NUMBER_RE.fullmatch(p) and int(p) <= 255 for p in parts)


def _is_ipv6(value: str) -> bool:
    if "::" not in value and value.count(":") != 7:
        return False  # fewer groups without "::" is a time or a MAC, not an address
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _numeric(labels: list[str], i: int) -> bool:
    """A dotted run longer than four numbers (an OID, a version) is not an address."""
    return 0 <= i < len(labels) and labels[i].isdigit()


def _common_suffix(hosts: list[str]) -> str:
    """The longest dotted suffix every route host shares (the apps domain when nothing says it)."""
    split = [h.lower().strip(".").split(".")[::-1] for h in hosts]
    common: list[str] = []
    for labels in zip(*split, strict=False):
        if len(set(labels)) != 1:
            break
        common.append(labels[0])
    return ".".join(reversed(common)) if len(common) >= 2 else ""
