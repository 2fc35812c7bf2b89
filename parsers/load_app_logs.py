"""Loader phase for application container logs: the addresses the applications say they listen on.

Only the current logs of application containers in the namespaces that matter are read (not the
platform's), and only their first :data:`APP_LOG_BYTES`: the listen lines come at start-up
(:mod:`parsers.app_logs`).
"""

from __future__ import annotations

from typing import Any

from parsers.app_logs import scan_listen_lines
from parsers.layout import Index, Place
from parsers.snapshot import InputRecord
from parsers.sources import InputSource, Member, MemberTooLarge

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
    for member, place in _app_log_members(idx, interest):
        read_names.add(member.name)
        try:
            with src.open(member) as fh:
                data = fh.read(APP_LOG_BYTES)
        except (OSError, EOFError, MemberTooLarge) as exc:
            skipped.append((member.name, f"container log unreadable: {' '.join(str(exc).split())[:200]}"))
            record.files_skipped += 1
            continue
        record.files_read += 1
        app_lines.extend(scan_listen_lines(data, namespace=place.namespace or "", pod=place.pod or "",
                                           container=place.container or "", input=src.label,
                                           source=member.name))
    return app_lines
