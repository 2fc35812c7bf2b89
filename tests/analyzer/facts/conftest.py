"""Build a small snapshot from objects and access-log lines written to ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from analyzer.facts import Facts
from parsers.load_snapshot import load_snapshot
from parsers.snapshot import Snapshot

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ROUTER = "router-default-57dfc6cd95-bpmk6"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def log_line(when: datetime, body: str, pid: int = 100) -> str:
    """One line as the router's rsyslog sidecar writes it (router-facts.md §1.4)."""
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 {ROUTER} {ROUTER} haproxy[{pid}]: {body}"


def request(when: datetime, frontend: str, backend: str, server: str, status: int, term: str,
            timers: str = "0/0/1/2/3", path: str = "/", capture: str | None = None) -> str:
    date = when.strftime("%d/%b/%Y:%H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    captured = f" {{{capture}}}" if capture is not None else ""
    return log_line(when, f"10.0.0.1:40000 [{date}] {frontend} {backend}/{server} {timers} {status} 120 - - {term} "
                          f"1/1/0/0/0 0/0{captured} \"GET {path} HTTP/1.1\"")


def route(ns: str, name: str, host: str, termination: str | None = None, path: str | None = None,
          created: datetime = T0 - timedelta(days=1), edited: datetime | None = None) -> dict:
    spec: dict = {"host": host, "to": {"kind": "Service", "name": name, "weight": 100}}
    if path:
        spec["path"] = path
    if termination:
        spec["tls"] = {"termination": termination}
    meta: dict = {"name": name, "namespace": ns, "creationTimestamp": stamp(created)}
    if edited:
        meta["managedFields"] = [
            {"manager": "oc", "operation": "Update", "time": stamp(created)},
            {"manager": "kubectl-edit", "operation": "Update", "time": stamp(edited)},
            {"manager": "openshift-router", "operation": "Update", "subresource": "status",
             "time": stamp(edited + timedelta(minutes=30))},
        ]
    return {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": meta, "spec": spec,
            "status": {"ingress": [{"routerName": "default", "conditions": [{"type": "Admitted", "status": "True"}]}]}}


def write_dump(root: Path, objects: Sequence[dict], lines: Sequence[str]) -> tuple[list[str], list[str]]:
    dump = root / "dump"
    dump.mkdir(parents=True)
    (dump / "objects.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": list(objects)}))
    logs = []
    if lines:
        (root / "access.log").write_text("\n".join(lines) + "\n")
        logs.append(str(root / "access.log"))
    return [str(dump)], logs


@pytest.fixture
def snapshot_of(tmp_path: Path) -> Callable[[Sequence[dict], Sequence[str]], Snapshot]:
    def build(objects: Sequence[dict], lines: Sequence[str] = ()) -> Snapshot:
        inputs, logs = write_dump(tmp_path, objects, lines)
        return load_snapshot(inputs, logs)

    return build


@pytest.fixture
def facts_of(snapshot_of: Callable[[Sequence[dict], Sequence[str]], Snapshot]
             ) -> Callable[[Sequence[dict], Sequence[str]], Facts]:
    def build(objects: Sequence[dict], lines: Sequence[str] = ()) -> Facts:
        return Facts(snapshot_of(objects, lines))

    return build
