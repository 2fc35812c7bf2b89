"""Stable-token redaction of a Result, applied once before any rendering.

IP addresses, route hosts, every hostname under the cluster's domains, and optionally namespace
names are replaced by tokens; the same value always gets the same token, so correlations (this
pod IP in that log line and that endpoint) survive. Because it works on the Result — the one
thing every output renders — nothing original can leak into HTML, JSON or Markdown. Tokens that
must-gather-clean already wrote (``x-ipv4-0000000001-x``) are left alone.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import Any

from analyzer.model import Result

IPV4_RE = re.compile(r"(?<![\w.-])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w-]|\.\d)")
IPV6_CANDIDATE_RE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


class Redactor:
    def __init__(self, domains: list[str], hosts: list[str], namespaces: list[str]):
        self.mapping: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self.domains = sorted({d.lower().strip(".") for d in domains if d}, key=len, reverse=True)
        self.hosts = sorted({h for h in hosts if h}, key=len, reverse=True)
        self.namespaces = sorted({n for n in namespaces if n}, key=len, reverse=True)
        parts = [re.escape(h) for h in self.hosts]
        parts += [r"(?:[A-Za-z0-9-]+\.)*" + re.escape(d) for d in self.domains]
        alternatives = "|".join(parts)
        self._host_re = re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])", re.IGNORECASE) if parts else None
        self._ns_re = (re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in self.namespaces) + r")(?![\w-])")
                       if self.namespaces else None)

    def token(self, kind: str, value: str) -> str:
        key = value.lower() if kind == "host" else value
        if key not in self.mapping:
            n = self._counters.get(kind, 0) + 1
            self._counters[kind] = n
            self.mapping[key] = {"ip": f"ip-{n:04d}", "host": f"host-{n:04d}.redacted.invalid",
                                 "ns": f"ns-{n:04d}"}[kind]
        return self.mapping[key]

    def scrub(self, text: str) -> str:
        if self._host_re is not None:
            text = self._host_re.sub(lambda m: self.token("host", m.group(0)), text)
        text = IPV4_RE.sub(lambda m: self.token("ip", m.group(0)), text)
        text = IPV6_CANDIDATE_RE.sub(self._ipv6, text)
        if self._ns_re is not None:
            text = self._ns_re.sub(lambda m: self.token("ns", m.group(0)), text)
        return text

    def _ipv6(self, m: re.Match[str]) -> str:
        value = m.group(0)
        if "::" not in value and value.count(":") < 7:
            return value  # times like 08:41:03 are not addresses
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return value
        return self.token("ip", value)

    def walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.walk(v) for v in value)
        if isinstance(value, dict):
            return {self.walk(k) if isinstance(k, str) else k: self.walk(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return _rebuild(value, changes)
        return value


def _rebuild(obj: Any, changes: dict[str, Any]) -> Any:
    """A copy of a dataclass with new field values, without re-running validation on redacted text."""
    new = object.__new__(type(obj))
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


def _base_domain(apps_domain: str) -> str:
    return apps_domain.split(".", 1)[1] if apps_domain.startswith("apps.") and apps_domain.count(".") >= 2 else ""


def redact_result(result: Result, *, namespaces: bool = False) -> tuple[Result, dict[str, str]]:
    """The redacted Result and the private mapping original -> token (never embedded in outputs)."""
    hosts = [r.host for r in result.routes if r.host]
    apps = str(result.cluster.get("apps_domain") or "")
    domains = [d for d in (apps, _base_domain(apps), str(result.cluster.get("base_domain") or "")) if d]
    if not domains and hosts:
        domains.append(_common_suffix(hosts))
    ns_names = sorted({r.namespace for r in result.routes} | {f.namespace for f in result.findings}) if namespaces \
        else []
    redactor = Redactor(domains, hosts, ns_names)
    return redactor.walk(result), dict(redactor.mapping)


def _common_suffix(hosts: list[str]) -> str:
    """The longest dotted suffix shared by every route host (the apps domain when nothing says it)."""
    split = [h.lower().split(".")[::-1] for h in hosts]
    common: list[str] = []
    for labels in zip(*split, strict=False):
        if len(set(labels)) != 1:
            break
        common.append(labels[0])
    return ".".join(reversed(common)) if len(common) >= 2 else ""
