"""Loader phase for application container logs: the addresses the applications say they listen on.

Only the current logs of application containers in the namespaces that matter are read (not the
platform's), and only their first :data:`APP_LOG_BYTES`: the listen lines come at start-up
(:mod:`parsers.app_logs`). What is read counts against the run's byte budget and the ratio guard
(:meth:`parsers.sources.InputSource.read`); a log they refuse is ``skipped`` with their reason and offset.
"""

from __future__ import annotations

from typing import Any

from parsers.app_logs import scan_listen_lines
from parsers.layout import Index, Place
from parsers.snapshot import InputRecord
from parsers.sources import InputSource, Member

APP_LOG_BYTES = 4 << 20
PLATFORM_PREFIXES = ("openshift", "kube-")


def _app_log_members(idx: Index, interest: set[str]) -> list[tuple[Member, Place]]:
    """Current logs of application containers in the namespaces that matter (listen-address evidence)."""
    return [
        (m, p) for m, p in idx.places
        if p.category == "container-log" and p.name in ("current.log", "current.insecure.log")
        and p.namespace in interest and not (p.namespace or "").startswith(PLATFORM_PREFIXES)
    ]


def read_app_logs(
    src: InputSource, idx: Index, interest: set[str], record: InputRecord, skipped: list, read_names: set[str]
) -> list[dict[str, Any]]:
    """The listen-address lines of the application container logs of ``interest`` (read, counted, skipped)."""
    app_lines: list[dict[str, Any]] = []
    chosen = _app_log_members(idx, interest)
    places = {m.name: p for m, p in chosen}
    # counted against the run's byte budget like every file read into memory (what is kept: the head)
    for member, data, err, offset in src.read_many([m for m, _ in chosen], APP_LOG_BYTES):
        read_names.add(member.name)
        if data is None:
            reason = err if offset is not None else f"container log {err}"
            skipped.append((member.name, reason, offset))
            record.files_skipped += 1
            continue
        record.files_read += 1
        place = places[member.name]
        app_lines.extend(scan_listen_lines(data, namespace=place.namespace or "", pod=place.pod or "",
                                           container=place.container or "", input=src.label,
                                           source=member.name))
    return app_lines
