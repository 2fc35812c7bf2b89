"""Load one or several inputs into a :class:`~parsers.snapshot.Snapshot`, phase by phase.

Open and index every input (member names alone), then per input: phase 1 (routes, cluster-scoped
objects, router configs, timestamps: :mod:`parsers.load_objects`, :mod:`parsers.load_router_config`),
phase 2 (the namespaced objects of the namespaces that matter), the application container logs
(:mod:`parsers.load_app_logs`) and the access-log jobs; then the object frames
(:mod:`parsers.kube`) and the access logs (:mod:`parsers.load_logs`). Several inputs merge into
one cluster view with objects de-duplicated and every source kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from parsers import schema
from parsers.byte_budget import ByteBudget
from parsers.inputs import usable_input
from parsers.kept_text import KeptTexts, reader_for
from parsers.layout import DOC_SUFFIXES, INGRESS_NAMESPACES, Index, access_log_members, index_input, place_by_name
from parsers.load_app_logs import read_app_logs
from parsers.load_logs import _load_logs, of_input
from parsers.load_objects import (
    _collected,
    _load_docs,
    _phase1,
    _phase2,
    _read_counted,
    dumps_without_objects,
    parse_documents,
    parse_timestamp_file,
    record_parse_problems,
)
from parsers.load_platform import PlatformRows, log_kind, platform_kind, take
from parsers.load_router_config import _concat, _load_haproxy_config
from parsers.nested import open_nested
from parsers.snapshot import READ_AS_OBJECTS, InputRecord, Progress, Snapshot, _noop
from parsers.sources import InputError, InputSource, Member

NOT_NEEDED = "not needed for route analysis"  # the skipped reason of files of no route's concern (mga.checks reads it)


def object_namespaces(frames: dict[str, pd.DataFrame]) -> frozenset[str]:
    """Every namespace some object frame has a row of (the access-log frames left out)."""
    found: set[str] = set()
    for name, frame in frames.items():
        if name in ("requests", "router_events") or "namespace" not in frame.columns or frame.empty:
            continue
        found.update(str(ns) for ns in frame["namespace"].dropna().unique())
    return frozenset(found)


def route_namespaces(objects: list[tuple[dict, str, str, int]]) -> set[str]:
    """The namespaces the Routes read so far are in (a namespace that is not a name is none)."""
    found: set[str] = set()
    for obj, *_ in objects:
        meta = obj.get("metadata") if isinstance(obj, dict) and obj.get("kind") == "Route" else None
        namespace = meta.get("namespace") if isinstance(meta, dict) else None
        if isinstance(namespace, str | int) and not isinstance(namespace, bool) and str(namespace):
            found.add(str(namespace))
    return found


def read_whole(name: str) -> bool:
    """Whether a member is one the loaders read whole, told from its path alone: the object files (those
    of namespaces that turn out not to matter are not read), a ``timestamp``, a rendered
    ``haproxy.config``, the router's and the ingress operator's container logs (not the access-log
    sidecar's: it is streamed; not the applications' logs, of which the first 4 MiB are read). A
    compressed tar keeps these as its listing passes them (``parsers.archive_sources``): read later, each
    phase that read one decompressed the archive again from its start to reach it (the real
    must-gather: 0.23 s of its 1.65 s)."""
    if name.lower().endswith(DOC_SUFFIXES) or name.rsplit("/", 1)[-1] == "timestamp":
        return True
    place = place_by_name(name)
    return place.category == "haproxy-config" or log_kind(place) is not None


def given_as_logs(path: str, kind: str, left: int, also_input: bool) -> str:
    """The skipped reason of the ``left`` files of a must-gather or inspect (``kind``) given with ``--logs``
    that are not its router access logs: read as logs, its YAML files were each "not an access log"."""
    if also_input:
        return f"a {kind} given with --logs and as an input: only its router access logs are read as logs"
    return (f"a {kind} given with --logs: only its router access logs are read; give it as an input to read "
            f"its objects (mga analyze {path} ...)")


def _log_members(src: InputSource, record: InputRecord, skipped: list, also_input: bool,
                 ) -> list[tuple[Member, str | None]]:
    """The members of a ``--logs`` path to read as access logs, with their router pods: every one, or, when
    it holds a must-gather or inspect (its roots say so: one given with ``--logs`` instead of as an input),
    its router access logs, the other files counted skipped in one entry that says to give it as an input."""
    idx = index_input(src)
    if not idx.roots:
        return [(member, None) for member in src.members]
    found = access_log_members(src, idx)
    left = len(src.members) - len(found)
    if left > 0:
        record.files_skipped += left
        record.given_as_logs = idx.kind
        skipped.append((f"{src.label} ({left} file{'' if left == 1 else 's'})",
                        given_as_logs(src.label, idx.kind, left, also_input)))
    return found


def load_snapshot(
    inputs: Sequence[str],
    logs: Sequence[str] = (),
    *,
    namespaces: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
    want_logs: bool = True,
    log_runner: Any = None,
    max_log_bytes: int | None = None,
    max_bytes: int | None = None,
    keep_all_requests: bool = True,
) -> Snapshot:
    """Open, index and parse ``inputs`` (+ extra ``logs`` files). Raises InputError on unreadable input.

    ``max_log_bytes``: a cap on the decompressed bytes read from each access log (None: none).
    ``max_bytes``: the run's budget for the files read into memory, all inputs together (None: the
    default of :mod:`parsers.byte_budget`); a file that would pass it is skipped with its offset.
    ``keep_all_requests=False`` (``mga analyze``): the ``requests`` frame keeps the rows of the
    namespaces the inputs hold objects of and of no namespace, and of the other namespaces' 5xx the
    busiest of each minute, status and state (``parsers.log_keep.kept_mask``); the other requests
    are only counted, in ``Snapshot.log_totals`` (memory then grows with the analysed routes'
    traffic, not with all the router's traffic or failures).
    """
    from parsers import kube

    report = progress or _noop
    ns_filter = frozenset(namespaces) if namespaces else None
    budget = ByteBudget(max_bytes) if max_bytes is not None else ByteBudget()
    sources: list[tuple[InputSource, Index]] = []
    unusable: list[tuple[str, str]] = []
    held: dict[str, set[str]] = {}  # an input's members read as inputs of their own (archives inside it)
    given = len(inputs) + len(logs)
    for path in inputs:
        src = usable_input(path, given, unusable, budget=budget, read_whole=read_whole)
        if src is not None:
            src.budget = budget
            idx = index_input(src)
            inner, held[src.label] = open_nested(src, idx, budget, read_whole)
            sources.extend([(src, idx), *inner])
    log_sources = [s for path in logs if (s := usable_input(path, given, unusable, as_log=True))]
    if unusable and not sources and not log_sources:  # none usable: the first one's reason, as for one input
        raise InputError(unusable[0][1])

    records: list[InputRecord] = []
    record_of: dict[int, InputRecord] = {}  # each opened input's record, by its id (labels can repeat)
    skipped: list[tuple[str, str] | tuple[str, str, int | None]] = list(unusable)
    objects: list[tuple[dict, str, str, int]] = []
    texts = KeptTexts()  # what evidence needs of each file read: a way to re-read its lines
    inspected: set[str] = set()
    resources_read: set[tuple[str, str]] = set()
    incomplete: set[tuple[str, str]] = set()  # a file of it lost an object: absence there proves nothing
    resource_of: dict[tuple[str, str], tuple[str, str]] = {}  # (input, file) -> (namespace, resource)
    timestamps: list[datetime] = []
    router_backends: list[pd.DataFrame] = []
    router_servers: list[pd.DataFrame] = []
    router_defaults: dict[str, dict[str, Any]] = {}
    app_lines: list[dict[str, Any]] = []
    log_jobs: list[tuple[InputSource, Member, str | None, str | None]] = []
    platform = PlatformRows()
    dumps: dict[tuple[str, str], InputRecord] = {}  # (input, file) of `oc get` output that held something

    skipped_inputs: dict[int, int] = {}  # a skipped entry's position -> its input's index in records
    for src, idx in sources:
        first_skipped = len(skipped)
        record = InputRecord(path=src.label, kind=idx.kind, roots=idx.roots)
        records.append(record)
        record_of[id(src)] = record
        record.files_seen = len(src.members) + len(src.skipped)
        for item in src.skipped:
            skipped.append((item.source, item.reason))
        if src.damaged:
            skipped.append((src.label, src.damaged, src.damaged_offset))
            record.damaged = src.damaged
        record.files_skipped += len(src.skipped)
        for _member, place in idx.places:
            if place.category == "namespace" and place.namespace:
                inspected.add(place.namespace)

        # phase 1: routes, namespace markers, cluster-scoped objects, dumps, router configs, timestamps
        read_names: set[str] = set(held.get(src.label, ()))
        record.files_read += len(read_names)  # an archive inside it, read as an input of its own
        # (+ the platform around the routers: alerts, router/operator logs, node events, connectivity checks)
        kinds = {m.name: k for m, p in idx.places if (k := platform_kind(m, p)) is not None}
        first = [m for m, p in idx.places if _phase1(m, p) or m.name in kinds]
        for member, place, data in _read_counted(src, idx, first, record, skipped, read_names):
            if place.category == "timestamp" or member.name.rsplit("/", 1)[-1] == "timestamp":
                timestamps.extend(parse_timestamp_file(data))
                continue
            kind = kinds.get(member.name)
            if kind is not None and kind != "document":
                if take(kind, src.label, member, place, data, platform, skipped):
                    record.lost_whole()
                continue
            if place.category == "haproxy-config":
                if _load_haproxy_config(src, member, place, data, router_backends, router_servers,
                                        router_defaults, skipped):
                    record.lost_whole()
                texts.keep((src.label, member.name), data, reader_for(src, member))
            else:
                before, losses = len(objects), len(skipped)
                if _load_docs(kube, src, member, data, objects, skipped):
                    record.lost_whole()
                    if place.category == "dump":
                        record.not_what_read_as.append((member.name, READ_AS_OBJECTS))
                elif place.category == "dump" and (len(objects) > before or len(skipped) > losses):
                    dumps[(src.label, member.name)] = record  # lost whole when none of its objects is kept
                if len(objects) > before:  # only a file with objects is ever cited
                    texts.keep((src.label, member.name), data, reader_for(src, member))

        interest = route_namespaces(objects) | set(INGRESS_NAMESPACES)
        if ns_filter is not None:
            interest = (interest & ns_filter) | set(INGRESS_NAMESPACES) | set(ns_filter)

        # phase 2: namespaced objects of the namespaces that matter
        second = [m for m, _ in _phase2(idx, interest) if m.name not in read_names]
        batch: list[tuple[str, bytes]] = []
        members: dict[str, Member] = {}
        for member, place, data in _read_counted(src, idx, second, record, skipped, read_names):
            if place.namespace and place.resource:
                resource_of[(src.label, member.name)] = (place.namespace, place.resource)
            batch.append((member.name, data))
            members[member.name] = member
        for (name, found, error, problems, caveats), (_, data) in zip(parse_documents(batch), batch, strict=True):
            if error is not None:
                record.lost_whole()
            resource = resource_of.get((src.label, name))
            if resource is not None:
                resources_read.add(resource)
                if record_parse_problems(name, error, problems, skipped, caveats):
                    incomplete.add(resource)
            else:
                record_parse_problems(name, error, problems, skipped, caveats)
            objects.extend((obj, src.label, name, line) for obj, line in found)
            if found:
                texts.keep((src.label, name), data, reader_for(src, members[name]))
        del batch

        app_lines.extend(read_app_logs(src, idx, interest, record, skipped, read_names))

        if want_logs:
            for member, router_pod in access_log_members(src, idx):
                log_jobs.append((src, member, router_pod, None))
                read_names.add(member.name)  # counted as read or skipped when the logs are parsed
        not_needed = len(src.members) - len(read_names)
        if not_needed > 0:
            record.files_skipped += not_needed
            skipped.append(
                (
                    f"{src.label} ({not_needed} file{'' if not_needed == 1 else 's'})",
                    f"{NOT_NEEDED} (other namespaces, resource types or logs)",
                )
            )
        skipped_inputs.update(dict.fromkeys(range(first_skipped, len(skipped)), len(records) - 1))

    input_labels = {src.label for src, _ in sources}
    for src in log_sources:
        record = InputRecord(path=src.label, kind="access-log", roots=[])
        record.files_seen = len(src.members)
        records.append(record)
        record_of[id(src)] = record
        first_skipped = len(skipped)
        for member, router_pod in _log_members(src, record, skipped, src.label in input_labels):
            log_jobs.append((src, member, router_pod, None))
        skipped_inputs.update(dict.fromkeys(range(first_skipped, len(skipped)), len(records) - 1))

    report("objects", 1, 1)
    store = kube.collect(objects)
    dumps_without_objects(store, dumps)
    frames = kube.build_frames(store)
    # an object's input is known by its label: of two inputs with one label, the first (the same path twice)
    index_of = {label: i for i, label in reversed(list(enumerate(record.path for record in records)))}
    for problem in getattr(store, "problems", []) or []:
        of_input(skipped_inputs, len(skipped), index_of.get(str(problem[0])))
        skipped.append((str(problem[1]), f"line {problem[2]}: {problem[3]}"))
        if (resource := resource_of.get((problem[0], problem[1]))) is not None:
            incomplete.add(resource)  # an object of the file left out: it may be the one a rule looks for
    for note in getattr(store, "values_lost", []) or []:
        of_input(skipped_inputs, len(skipped), index_of.get(str(note[0])))
        skipped.append((str(note[1]), f"line {note[2]}: {note[3]}"))
    frames["router_backends"] = _concat("router_backends", router_backends)
    frames["router_servers"] = _concat("router_servers", router_servers)
    frames["container_log_lines"] = schema.conform("container_log_lines", app_lines)
    frames["alerts"] = schema.conform("alerts", platform.alerts)
    frames["router_log"] = schema.conform("router_log", platform.router_log)
    frames["operator_log"] = schema.conform("operator_log", platform.operator_log)

    snap = Snapshot(
        frames=frames,
        inputs=records,
        skipped=skipped,
        inspected_namespaces=frozenset(inspected),
        collected_namespaces=frozenset(_collected(frames)),
        collection_window=(min(timestamps), max(timestamps)) if timestamps else (None, None),
        collected_resources=frozenset(resources_read - incomplete),
        log_until=until,
        log_since=since,
        router_defaults=router_defaults,
        namespace_filter=ns_filter,
        texts=texts,
        alert_sources=tuple(platform.alert_files),
        router_log_files=tuple(platform.router_log_files),
        unusable_inputs=tuple(unusable),
        skipped_inputs=skipped_inputs,
    )
    if want_logs and log_jobs:
        keep = None if keep_all_requests else object_namespaces(frames)
        _load_logs(snap, log_jobs, record_of, frames, since, until, report, log_runner, ns_filter,
                   max_log_bytes, keep)
    for src, _ in sources:
        src.close()
    for src in log_sources:
        src.close()
    return snap

