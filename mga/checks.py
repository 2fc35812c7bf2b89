"""Checks of what was loaded: usable input, filters that match something, a window that kept lines.

A filter that matches nothing and an input with nothing usable are usage errors (exit 2), not an
empty report with exit 0 (contract v1.1 "Exit codes"); the message lists the closest names. A
``--since``/``--until`` window that left out every log line is a warning: the run is what was asked.
"""

from __future__ import annotations

import difflib
from typing import Any

from analyzer.wording import plural
from mga.console import fail, warn


def has_objects(snap: Any) -> bool:
    """True when the snapshot holds any Kubernetes object or parsed access-log line.

    Lines read but not parsed do not count: a README is read as a "log" of unparsed lines.
    """
    return any(len(frame) for frame in snap.frames.values())


UNREADABLE_SHOWN = 3  # unreadable files named one a line on stderr; the rest counted in one more line


def warn_damaged(snap: Any) -> None:
    """One stderr line per damaged input (where reading stopped and what was still read), per input given
    among others that holds nothing readable or no file at all (skipped by the loader: its
    ``unusable_inputs``), and per file listed but unreadable (a zip member whose CRC or data is bad), the
    first :data:`UNREADABLE_SHOWN` of them.

    The report records the damage too (a skipped entry, and a gap for a damaged input); these lines are
    for the terminal, so a truncated download or a corrupt member is never mistaken for a complete
    must-gather.
    """
    for record in snap.inputs:
        if record.damaged:
            warn(f"{record.path}: {record.damaged}; still read {record.files_read} of "
                 f"{plural(record.files_seen, 'file')} listed")
    for _, reason in getattr(snap, "unusable_inputs", ()):  # an empty file or directory among others, ...
        warn(f"{reason}; skipped, the other inputs are read")
    # the member where a damaged archive stopped is unreadable too: its input's line above names it already
    stopped = " ".join(record.damaged for record in snap.inputs if record.damaged)
    unreadable = [(entry[0], entry[1]) for entry in snap.skipped
                  if str(entry[1]).startswith("unreadable: ") and f"member {entry[0]}:" not in stopped]
    for source, reason in unreadable[:UNREADABLE_SHOWN]:
        warn(f"{source}: {reason}; skipped, the other files are read")
    if len(unreadable) > UNREADABLE_SHOWN:
        more = len(unreadable) - UNREADABLE_SHOWN
        warn(f"{plural(more, 'more unreadable file')} skipped (the report's skipped list)")


def warn_not_logs(snap: Any) -> None:
    """The stderr lines of the files read whole and skipped for not being what they were read as: an access
    log without one router line (a YAML file or an application's log given with ``--logs``), whose routes'
    counts then stay unknown, which would otherwise look like no traffic; a YAML/JSON file without a
    Kubernetes object.

    An input without a must-gather root (a case directory: notes, ``oc get`` text, other JSON next to the
    archive) that has several such files gets one line (:func:`loose_files_line`), so dozens of them do not
    bury the verdicts. The others (one such file in an input, a file given with ``--logs``, a must-gather's
    router log) keep a line each, with the first line that was not read, the first :data:`UNREADABLE_SHOWN`
    of them; a YAML/JSON file alone is named in the report's skipped list only."""
    from parsers.load_logs import NOT_AN_ACCESS_LOG
    from parsers.snapshot import READ_AS_LOG

    loose = {record.path: sorted(record.not_what_read_as) for record in snap.inputs
             if not record.roots and len(record.not_what_read_as) > 1}
    for path, files in loose.items():
        warn(loose_files_line(path, files))
    # a file name in a summarised input and in another input too keeps its line (matched by name: the skipped tuples
    # hold no input, which ``snap.skipped_inputs`` keeps apart)
    alone = {name for record in snap.inputs if record.path not in loose for name, _ in record.not_what_read_as}
    said = {name for files in loose.values() for name, read_as in files if read_as == READ_AS_LOG} - alone
    no_log = [(entry[0], entry[1]) for entry in snap.skipped
              if str(entry[1]).startswith(NOT_AN_ACCESS_LOG) and entry[0] not in said]
    for source, reason in no_log[:UNREADABLE_SHOWN]:
        warn(f"{source}: {reason}; skipped, the other files are read")
    if len(no_log) > UNREADABLE_SHOWN:
        more = len(no_log) - UNREADABLE_SHOWN
        warn(f"{plural(more, 'more file')} read as access logs {'holds' if more == 1 else 'hold'} no router line "
             "(the report's skipped list)")


def loose_files_line(path: str, files: list[tuple[str, str]]) -> str:
    """The one warning of an input's ``files`` ((name, what it was read as), in the order to name them) that
    are not what they were read as: how many, what they are not, the first :data:`UNREADABLE_SHOWN` names."""
    from parsers.snapshot import READ_AS_LOG, READ_AS_OBJECTS

    kinds = {read_as for _, read_as in files}
    what = ("not access logs" if kinds == {READ_AS_LOG} else "not YAML/JSON of Kubernetes objects"
            if kinds == {READ_AS_OBJECTS} else "not access logs or Kubernetes objects")
    names = [name for name, _ in files[:UNREADABLE_SHOWN]]
    if len(files) > UNREADABLE_SHOWN:
        names.append(f"{len(files) - UNREADABLE_SHOWN} more")
    return f"{path}: {len(files)} files are {what}, skipped ({', '.join(names)}); see the report's skipped list"




def unusable(snap: Any, inputs: list[str], reads_logs: bool = True) -> str | None:
    """Why the snapshot of ``inputs`` holds nothing to analyze (:func:`has_objects`), or None when it does.

    An input that holds an archive that could not be read in place (``parsers.nested``: nested too deep, damaged,
    a bomb, zstd) says so and how to read it: "no Kubernetes objects found" would send the engineer looking
    for a cause that is not there. So do two more cases where it would be false: a command that does not read
    its inputs as access logs (``reads_logs`` False: ``mga routes``) given files that are not archives or
    directories (an access log where the must-gather goes), and inputs whose objects were all left out as of no
    route's concern (an inspect of a namespace without routes: its pods, no Route)."""
    if has_objects(snap):
        return None
    from parsers.nested import HOLDS

    for entry in snap.skipped:
        if str(entry[1]).startswith(HOLDS):
            return f"{', '.join(inputs)}: {entry[1]}"
    where = ", ".join(inputs)
    if not reads_logs and snap.inputs and all(record.kind == "access-log" for record in snap.inputs):
        return (f"not a must-gather or inspect: no Kubernetes objects found in {where} (an access log alone: "
                f"`mga logs {where}`; beside a must-gather: give it with --logs)")
    # only a must-gather or inspect layout says its files were objects: loose notes are "not needed" too
    left_out = sum(record.files_skipped for record in snap.inputs if record.roots)
    from parsers.load_snapshot import NOT_NEEDED

    if any(str(entry[1]).startswith(NOT_NEEDED) for entry in snap.skipped) and left_out:
        return (f"no route to analyze in {where}: {left_out} file{'' if left_out == 1 else 's'} held no Route and "
                "nothing of a namespace with one (collect `oc adm inspect ns/NAMESPACE`, NAMESPACE the application's, "
                "or `oc get routes -A -o yaml`)")
    return f"not a must-gather, inspect or log: no Kubernetes objects found in {where}"


def warn_given_as_logs(snap: Any, command: str = "analyze") -> None:
    """One stderr line per must-gather or inspect given with ``--logs`` (``InputRecord.given_as_logs``): only
    its router access logs were read, and its objects are read only when it is given as an input. Said before
    any exit for nothing usable, as its objects may be what the run lacks; the way to give it as an input
    names ``command``, the one that was run (``mga routes`` takes inputs too)."""
    inputs = {record.path for record in snap.inputs if record.kind != "access-log"}
    for record in snap.inputs:
        if record.given_as_logs and record.path not in inputs:
            warn(f"{record.path}: a {record.given_as_logs} given with --logs: only its router access logs are "
                 f"read, its other files skipped; give it as an input to read its objects "
                 f"(mga {command} {record.path} ...)")


def require_usable(snap: Any, inputs: list[str], reads_logs: bool = True, command: str = "analyze") -> None:
    """Exit 2 when the inputs hold nothing usable (:func:`unusable`), after the damaged inputs' warnings and
    those of a must-gather given with ``--logs`` (:func:`warn_given_as_logs`, naming ``command``, the
    subcommand run); else the warnings of the files skipped for not being what they were read as
    (:func:`warn_not_logs`)."""
    warn_damaged(snap)
    warn_given_as_logs(snap, command)
    reason = unusable(snap, inputs, reads_logs)
    if reason:
        fail(reason)  # one line: a README read as a log is part of why, not a warning of its own
    warn_not_logs(snap)


def route_keys(snap: Any) -> list[tuple[str, str]]:
    routes = snap.frames.get("routes")
    if routes is None or routes.empty:
        return []
    return sorted({(str(ns), str(name)) for ns, name in zip(routes["namespace"], routes["name"], strict=False)})


def closest(wanted: str, names: list[str]) -> str:
    """``; closest: a, b, c`` of ``names`` to ``wanted`` (the first three when none is close)."""
    near = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5) or names[:3]
    return f"; closest: {', '.join(near)}" if near else "; the inputs hold no route"


def filter_mismatch(snap: Any, namespaces: list[str] | None, routes: list[tuple[str, str]] | None,
                    route_option: str = "--route") -> str | None:
    """Why ``-n`` / ``--route`` select no route of ``snap`` (the first reason), or None when they do.

    A namespace without routes, a route not collected, or a ``--route`` outside the ``-n``
    namespaces given with it (the analysis keeps routes that pass both filters). ``route_option`` is
    how the route was given (``describe route`` takes it as an argument), so the message names what
    was typed.
    """
    keys = route_keys(snap)
    spaces = sorted({ns for ns, _ in keys})
    for ns in namespaces or []:
        if ns not in spaces:
            return f"-n {ns}: no route in namespace {ns}{closest(ns, spaces)}"
    names = [f"{ns}/{name}" for ns, name in keys]
    for ns, name in routes or []:
        if (ns, name) not in keys:
            return f"{route_option} {ns}/{name}: no such route{closest(f'{ns}/{name}', names)}"
        if namespaces and ns not in namespaces:
            return (f"--route {ns}/{name}: not in -n {', '.join(namespaces)}; the two filters together "
                    "leave it out")
    return None


def require_filters_match(snap: Any, namespaces: list[str] | None, routes: list[tuple[str, str]] | None,
                          route_option: str = "--route") -> None:
    """Exit 2 when ``-n`` or ``--route`` select nothing (:func:`filter_mismatch` says why)."""
    reason = filter_mismatch(snap, namespaces, routes, route_option)
    if reason:
        fail(reason)


def warn_empty_window(since: str | None, until: str | None, requests: int | None,
                      accounting: list[dict[str, Any]]) -> None:
    """One stderr line when ``--since``/``--until`` left out every request line the logs hold.

    The report of such a run is empty on purpose, but on the terminal it looks like logs without
    traffic: the line says the window did it, and how many lines it left out.
    """
    outside = sum(int(a.get("outside_window") or 0) for a in accounting)
    if (since or until) and not requests and outside:
        window = " ".join(f"{opt} {value}" for opt, value in (("--since", since), ("--until", until)) if value)
        warn(f"{window}: the window excludes every log line ({plural(outside, 'line')} outside it)")


def require_log_lines(stats: dict[str, Any], inputs: list[str]) -> None:
    """Exit 2 when the inputs of ``mga logs`` hold no access-log line (contract v1.1 "Exit codes").

    A line counts when it is a request line or a router message, inside the ``--since``/``--until``
    window or not (a window that leaves every line out is :func:`warn_empty_window`'s warning). The
    message says which case it is: no log found (a must-gather collected without access logging, off
    by default), a log that stopped before its first line, or lines none of which is a router line.
    """
    from parsers.log_chunks import usable_lines

    accounting = stats["files"]
    if any(usable_lines(a) for a in accounting):  # the count that skips a file in ``mga analyze`` too
        return
    where = ", ".join(inputs)
    if not accounting:
        if stats.get("skipped"):
            first = stats["skipped"][0]
            fail(f"no access-log line read from {where}: {first['source']}: {first['reason']}")
        fail(f"no router access log found in {where} (a must-gather holds them only when the IngressController's "
             "access logging is on, and it is off by default: the gaps of `mga analyze`'s report and the README "
             "say how to enable it)")
    lines = sum(int(a.get("lines_read") or 0) for a in accounting)
    samples = stats.get("unparsed_samples") or []
    first_line = ""
    if samples:
        sample = samples[0]
        first_line = (f" (first unparsed: {sample['source']}:{sample['line']}: {sample['reason']}: "
                      f"{sample['text'][:80]!r})")
    fail(f"no access-log line in {where}: {lines} line{'' if lines == 1 else 's'} read, none a router request line"
         f"{first_line}")
