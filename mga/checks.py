"""Checks of what was loaded, before the analysis: usable input, filters that match something.

A filter that matches nothing and an input with nothing usable are usage errors (exit 2), not an
empty report with exit 0 (contract v1.1 "Exit codes"); the message lists the closest names.
"""

from __future__ import annotations

import difflib
from typing import Any

from mga.console import fail, warn


def has_objects(snap: Any) -> bool:
    """True when the snapshot holds any Kubernetes object or parsed access-log line.

    Lines read but not parsed do not count: a README is read as a "log" of unparsed lines.
    """
    return any(len(frame) for frame in snap.frames.values())


def warn_damaged(snap: Any) -> None:
    """One stderr line per damaged input: where reading stopped and what was still read.

    The report records the damage too (a skipped entry and a gap); this line is for the terminal,
    so a truncated download is never mistaken for a complete must-gather.
    """
    for record in snap.inputs:
        if record.damaged:
            warn(f"{record.path}: {record.damaged}; still read {record.files_read} of {record.files_seen} "
                 "files listed")


def require_usable(snap: Any, inputs: list[str]) -> None:
    warn_damaged(snap)
    if not has_objects(snap):
        fail(f"not a must-gather, inspect or log: no Kubernetes objects found in {', '.join(inputs)}")


def route_keys(snap: Any) -> list[tuple[str, str]]:
    routes = snap.frames.get("routes")
    if routes is None or routes.empty:
        return []
    return sorted({(str(ns), str(name)) for ns, name in zip(routes["namespace"], routes["name"], strict=False)})


def _closest(wanted: str, names: list[str]) -> str:
    near = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5) or names[:3]
    return f"; closest: {', '.join(near)}" if near else "; the inputs hold no route"


def require_filters_match(snap: Any, namespaces: list[str] | None, routes: list[tuple[str, str]] | None) -> None:
    """Exit 2 when ``-n`` names a namespace without routes or ``--route`` names a route not collected."""
    keys = route_keys(snap)
    spaces = sorted({ns for ns, _ in keys})
    for ns in namespaces or []:
        if ns not in spaces:
            fail(f"-n {ns}: no route in namespace {ns}{_closest(ns, spaces)}")
    names = [f"{ns}/{name}" for ns, name in keys]
    for ns, name in routes or []:
        if (ns, name) not in keys:
            fail(f"--route {ns}/{name}: no such route{_closest(f'{ns}/{name}', names)}")
