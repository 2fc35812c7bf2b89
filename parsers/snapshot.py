"""Load one or several inputs into a :class:`Snapshot`: every frame the analysis needs, merged.

Loading is selective (design.md "Inputs"): the member index is built from names alone, routes
are read first, and only the namespaces that routes point at (plus ``openshift-ingress*``, and
narrowed further by ``namespaces=``) are parsed. YAML dumps without a must-gather layout are read
whole, since their names say nothing. Several inputs merge into one cluster view with objects
de-duplicated and every source kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from parsers import schema
from parsers.app_logs import scan_listen_lines
from parsers.layout import INGRESS_NAMESPACES, Index, Place, access_log_members, index_input
from parsers.sources import InputError, InputSource, Member, MemberTooLarge, open_input

Progress = Callable[[str, int, int], None]

NAMESPACED_RESOURCES = frozenset(
    {
        "routes",
        "services",
        "endpoints",
        "endpointslices",
        "pods",
        "events",
        "networkpolicies",
        "horizontalpodautoscalers",
        "deployments",
        "replicasets",
        "statefulsets",
        "deploymentconfigs",
        "replicationcontrollers",
        "ingresscontrollers",
    }
)
CLUSTER_RESOURCES = frozenset({"nodes", "clusterversions", "namespaces", "ingresscontrollers"})


@dataclass
class InputRecord:
    """What was done with one input (reported as the contract's ``inputs[]``)."""

    path: str
    kind: str
    roots: list[str]
    files_seen: int = 0
    files_read: int = 0
    files_skipped: int = 0
    damaged: str | None = None  # why listing stopped early (truncated or corrupt archive)


@dataclass
class Snapshot:
    """The loaded cluster view. Treat as immutable once :func:`load_snapshot` returns."""

    frames: dict[str, pd.DataFrame]
    inputs: list[InputRecord]
    skipped: list[tuple[str, str]]  # (source, reason)
    inspected_namespaces: frozenset[str]  # namespaces with their <ns>/<ns>.yaml marker (fully inspected)
    collected_namespaces: frozenset[str]  # namespaces for which any object was read
    collection_window: tuple[datetime | None, datetime | None]
    collected_resources: frozenset[tuple[str, str]] = frozenset()  # (namespace, resource) files read
    log_lines: int = 0
    log_unparsed: int = 0
    unparsed_samples: list[dict[str, Any]] = field(default_factory=list)
    log_accounting: list[dict[str, Any]] = field(default_factory=list)
    router_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # router pod -> defaults
    access_log_files: int = 0
    namespace_filter: frozenset[str] | None = None
    texts: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)  # (input, source) -> bytes
    log_texts: dict[tuple[str, str, int], str] = field(default_factory=dict, repr=False)

    def log_text(self, input: str | None, source: str, line: int | None) -> str | None:
        """Raw text of an access-log line kept as evidence (error and abnormal lines only)."""
        if line is None:
            return None
        return self.log_texts.get((input or "", source, int(line)))

    def source_line(self, input: str | None, source: str, line: int) -> str | None:
        """The text of one line of a document file that was read (for evidence), without reading files."""
        data = self.texts.get((input or "", source))
        if data is None or line < 1:
            return None
        lines = data.split(b"\n", line)
        return lines[line - 1].decode("utf-8", errors="replace") if len(lines) >= line else None

    def find_line(self, input: str | None, source: str, start: int, needle: str, limit: int = 400) -> tuple[int, str]:
        """The first line at or after ``start`` (within ``limit`` lines) containing ``needle``.

        Rules cite the exact line of a field (``targetPort: 8080``) rather than the start of the
        object that holds it; when the needle is not found the object's first line is cited.
        """
        data = self.texts.get((input or "", source))
        if data is None or start < 1:
            return start, needle
        lines = data.split(b"\n", start + limit)[start - 1 : start - 1 + limit]
        for offset, raw in enumerate(lines):
            text = raw.decode("utf-8", errors="replace")
            if needle in text:
                return start + offset, text.strip()
        first = lines[0].decode("utf-8", errors="replace").strip() if lines else needle
        return start, first

    def frame(self, name: str) -> pd.DataFrame:
        """A frame by name; an empty frame with the declared columns when nothing was loaded."""
        df = self.frames.get(name)
        return df if df is not None else schema.empty_frame(name)

    @property
    def has_access_logs(self) -> bool:
        return self.access_log_files > 0


def _noop(stage: str, done: int, total: int) -> None:
    return None


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
) -> Snapshot:
    """Open, index and parse ``inputs`` (+ extra ``logs`` files). Raises InputError on unreadable input."""
    from parsers import kube

    report = progress or _noop
    ns_filter = frozenset(namespaces) if namespaces else None
    sources: list[tuple[InputSource, Index]] = []
    for path in inputs:
        src = open_input(path)
        sources.append((src, index_input(src)))
    log_sources = [open_input(path, as_log=True) for path in logs]

    records: list[InputRecord] = []
    skipped: list[tuple[str, str]] = []
    objects: list[tuple[dict, str, str, int]] = []
    texts: dict[tuple[str, str], bytes] = {}
    inspected: set[str] = set()
    resources_read: set[tuple[str, str]] = set()
    timestamps: list[datetime] = []
    router_backends: list[pd.DataFrame] = []
    router_servers: list[pd.DataFrame] = []
    router_defaults: dict[str, dict[str, Any]] = {}
    app_lines: list[dict[str, Any]] = []
    log_jobs: list[tuple[InputSource, Member, str | None, str | None]] = []

    for src, idx in sources:
        record = InputRecord(path=src.label, kind=idx.kind, roots=idx.roots)
        records.append(record)
        record.files_seen = len(src.members) + len(src.skipped)
        for item in src.skipped:
            skipped.append((item.source, item.reason))
        if src.damaged:
            skipped.append((src.label, src.damaged))
            record.damaged = src.damaged
        record.files_skipped += len(src.skipped)
        for _member, place in idx.places:
            if place.category == "namespace" and place.namespace:
                inspected.add(place.namespace)

        # phase 1: routes, namespace markers, cluster-scoped objects, dumps, router configs, timestamps
        read_names: set[str] = set()
        first = [m for m, p in idx.places if _phase1(m, p)]
        for member, place, data in _read_counted(src, idx, first, record, skipped, read_names):
            if place.category == "timestamp" or member.name.rsplit("/", 1)[-1] == "timestamp":
                timestamps.extend(parse_timestamp_file(data))
                continue
            texts[(src.label, member.name)] = data
            if place.category == "haproxy-config":
                _load_haproxy_config(src, member, place, data, router_backends, router_servers, router_defaults,
                                     skipped)
            else:
                _load_docs(kube, src, member, data, objects, skipped)

        route_namespaces = {
            obj.get("metadata", {}).get("namespace")
            for obj, *_ in objects
            if isinstance(obj, dict) and obj.get("kind") == "Route"
        }
        interest = {ns for ns in route_namespaces if ns} | set(INGRESS_NAMESPACES)
        if ns_filter is not None:
            interest = (interest & ns_filter) | set(INGRESS_NAMESPACES) | set(ns_filter)

        # phase 2: namespaced objects of the namespaces that matter
        second = [m for m, _ in _phase2(idx, interest)]
        batch: list[tuple[str, bytes]] = []
        for member, place, data in _read_counted(src, idx, second, record, skipped, read_names):
            if place.namespace and place.resource:
                resources_read.add((place.namespace, place.resource))
            texts[(src.label, member.name)] = data
            batch.append((member.name, data))
        for name, found, error in parse_documents(batch):
            if error is not None:
                skipped.append((name, f"not valid YAML/JSON: {error}"))
            else:
                objects.extend((obj, src.label, name, line) for obj, line in found)

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

        if want_logs:
            for member, router_pod in access_log_members(src, idx):
                log_jobs.append((src, member, router_pod, None))
                read_names.add(member.name)  # counted as read or skipped when the logs are parsed
        not_needed = len(src.members) - len(read_names)
        if not_needed > 0:
            record.files_skipped += not_needed
            skipped.append(
                (
                    f"{src.label} ({not_needed} files)",
                    "not needed for route analysis (other namespaces, resource types or logs)",
                )
            )

    for src in log_sources:
        record = InputRecord(path=src.label, kind="access-log", roots=[])
        record.files_seen = len(src.members)
        records.append(record)
        for member in src.members:
            log_jobs.append((src, member, None, None))

    report("objects", 1, 1)
    store = kube.collect(objects)
    frames = kube.build_frames(store)
    for problem in getattr(store, "problems", []) or []:
        skipped.append((str(problem[1]), f"line {problem[2]}: {problem[3]}"))
    frames["router_backends"] = _concat("router_backends", router_backends)
    frames["router_servers"] = _concat("router_servers", router_servers)
    frames["container_log_lines"] = schema.conform("container_log_lines", app_lines)

    snap = Snapshot(
        frames=frames,
        inputs=records,
        skipped=skipped,
        inspected_namespaces=frozenset(inspected),
        collected_namespaces=frozenset(_collected(frames)),
        collection_window=(min(timestamps), max(timestamps)) if timestamps else (None, None),
        collected_resources=frozenset(resources_read),
        router_defaults=router_defaults,
        namespace_filter=ns_filter,
        texts=texts,
    )
    if want_logs and log_jobs:
        _load_logs(snap, log_jobs, records, frames, since, until, report, log_runner, ns_filter)
    for src, _ in sources:
        src.close()
    for src in log_sources:
        src.close()
    return snap


APP_LOG_BYTES = 4 << 20
PLATFORM_PREFIXES = ("openshift", "kube-")


def _app_log_members(idx: Index, interest: set[str]) -> list[tuple[Member, Place]]:
    """Current logs of application containers in the namespaces that matter (listen-address evidence)."""
    return [
        (m, p) for m, p in idx.places
        if p.category == "container-log" and p.name in ("current.log", "current.insecure.log")
        and p.namespace in interest and not (p.namespace or "").startswith(PLATFORM_PREFIXES)
    ]


def _phase1(member: Member, place: Place) -> bool:
    if place.category in ("dump", "haproxy-config", "timestamp", "namespace"):
        return True
    if member.name.rsplit("/", 1)[-1] == "timestamp" and member.size < 1 << 20:
        return True
    if place.category in ("list", "object"):
        if place.namespace is None:
            return place.resource in CLUSTER_RESOURCES
        return place.resource == "routes" or (
            place.resource == "ingresscontrollers" and place.namespace == "openshift-ingress-operator"
        )
    return False


def _phase2(idx: Index, interest: set[str]) -> list[tuple[Member, Place]]:
    lists = {
        (p.root, p.namespace, p.group, p.resource)
        for _, p in idx.places
        if p.category == "list" and p.namespace in interest
    }
    chosen = []
    for member, place in idx.places:
        if place.namespace not in interest:
            continue
        if place.category == "list" and place.resource in NAMESPACED_RESOURCES and place.resource != "routes":
            chosen.append((member, place))
        elif place.category == "object" and place.resource in NAMESPACED_RESOURCES and place.resource not in (
            "routes",
            "ingresscontrollers",
        ):
            # a per-object file duplicates its list file; read it only when the list is absent
            if (place.root, place.namespace, place.group, place.resource) not in lists:
                chosen.append((member, place))
        elif place.category == "pod-manifest" and (place.root, place.namespace, "core", "pods") not in lists:
            chosen.append((member, place))
    return chosen


def _read_counted(
    src: InputSource, idx: Index, members: list[Member], record: InputRecord, skipped: list,
    read_names: set[str],
) -> Iterator[tuple[Member, Place, bytes]]:
    """Read members in archive order, counting each as read or skipped (with the reason)."""
    for member, data, err in src.read_many(members):
        read_names.add(member.name)
        if err or data is None:
            skipped.append((member.name, err or "unreadable"))
            record.files_skipped += 1
            continue
        record.files_read += 1
        yield member, _place_of(idx, member), data


def _place_of(idx: Index, member: Member) -> Place:
    """The index is built in member order, so a member's position is its ``order``."""
    return idx.places[member.order][1]


PARALLEL_YAML_BYTES = 4 << 20  # below this, starting worker processes costs more than it saves
YAML_WORKERS = min(2, os.cpu_count() or 1)


def _parse_document(name: str, data: bytes) -> tuple[str, list[tuple[dict, int]], str | None]:
    from parsers.yaml_docs import DocumentError, iter_objects

    try:
        return name, list(iter_objects(data, name)), None
    except DocumentError as exc:
        return name, [], str(exc)


def parse_documents(batch: list[tuple[str, bytes]]) -> list[tuple[str, list[tuple[dict, int]], str | None]]:
    """Parse YAML/JSON files, on both cores when there is enough YAML to be worth it (order kept).

    Not with the rapidyaml accelerator: it parses faster than the objects can be pickled back
    from a worker (20k pods: 7 s in one process, 15 s on two workers; bench/yaml_throughput.py).
    """
    from parsers import yaml_fast

    total = sum(len(data) for _, data in batch)
    if total < PARALLEL_YAML_BYTES or YAML_WORKERS < 2 or len(batch) < 2 or yaml_fast.ENABLED:
        return [_parse_document(name, data) for name, data in batch]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # the biggest files first, so one huge list does not finish last on a single core
    order = sorted(range(len(batch)), key=lambda i: -len(batch[i][1]))
    try:
        with ProcessPoolExecutor(max_workers=YAML_WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_parse_document, [batch[i][0] for i in order], [batch[i][1] for i in order]))
    except (BrokenProcessPool, OSError):
        return [_parse_document(name, data) for name, data in batch]
    by_index = dict(zip(order, results, strict=True))
    return [by_index[i] for i in range(len(batch))]


def _load_docs(kube: Any, src: InputSource, member: Member, data: bytes, objects: list, skipped: list) -> None:
    from parsers.yaml_docs import DocumentError, iter_objects

    try:
        for obj, line in iter_objects(data, member.name):
            objects.append((obj, src.label, member.name, line))
    except DocumentError as exc:
        skipped.append((member.name, f"not valid YAML/JSON: {exc}"))


def _load_haproxy_config(
    src: InputSource,
    member: Member,
    place: Place,
    data: bytes,
    backends: list[pd.DataFrame],
    servers: list[pd.DataFrame],
    defaults: dict[str, dict[str, Any]],
    skipped: list,
) -> None:
    from parsers.haproxy_config import parse_haproxy_config

    try:
        cfg = parse_haproxy_config(
            data.decode("utf-8", errors="replace"),
            ingresscontroller=place.ingresscontroller,
            router_pod=place.pod,
            input=src.label,
            source=member.name,
        )
    except ValueError as exc:
        skipped.append((member.name, f"haproxy.config not parsed: {exc}"))
        return
    backends.append(cfg.backends)
    servers.append(cfg.servers)
    defaults[place.pod or member.name] = dict(cfg.defaults)


LogJob = tuple[InputSource, Member, str | None, str | None]


def parse_log_jobs(
    jobs: list[LogJob],
    *,
    log_format: str | None,
    since: datetime | None,
    until: datetime | None,
    report: Progress = _noop,
    runner: Any = None,
    namespaces: frozenset[str] | None = None,
) -> tuple[list[Any], list[tuple[InputSource, Member, str]]]:
    """Parse every access-log member; returns the parses and the (source, member, reason) that failed.

    ``runner`` parses one file's chunks (``haproxy_log.ChunkRunner``): this machine's threads by
    default, or a Dask cluster; the frames are assembled here either way.
    """
    from parsers import haproxy_log

    run = runner or haproxy_log.local_chunks
    parses, failures = [], []
    for i, (src, member, router_pod, _) in enumerate(jobs):
        report("access logs", i, len(jobs))
        job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                   log_format=log_format, since=since, until=until, namespaces=namespaces)
        try:
            parses.append(haproxy_log.collect(job, run(src, member, job, None)))
        except (OSError, EOFError, ValueError, MemberTooLarge) as exc:
            failures.append((src, member, f"access log unreadable: {' '.join(str(exc).split())[:200]}"))
    report("access logs", len(jobs), len(jobs))
    return parses, failures


def _log_jobs(paths: Sequence[str]) -> tuple[list[LogJob], list[InputSource]]:
    """The access-log members of the inputs given to ``mga logs``, in the order given."""
    jobs: list[LogJob] = []
    sources = []
    try:
        for path in paths:
            src = open_input(path, as_log=True)
            sources.append(src)
            idx = index_input(src)
            found = access_log_members(src, idx)
            if not found and not idx.roots:
                found = [(m, None) for m in src.members]  # a log file whose name says nothing
            jobs.extend((src, m, pod, None) for m, pod in found)
    except BaseException:
        for src in sources:
            src.close()
        raise
    return jobs, sources


def load_access_logs(
    paths: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    log_format: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
) -> tuple[Any, list[tuple[str, str]]]:
    """Access logs alone, as frames: plain/gzipped log files, or the router logs inside inputs."""
    from parsers import haproxy_log

    jobs, sources = _log_jobs(paths)
    try:
        parses, failures = parse_log_jobs(jobs, log_format=log_format, since=since, until=until,
                                          report=progress or _noop, runner=runner)
    finally:
        for src in sources:
            src.close()
    skipped = [(member.name, reason) for _, member, reason in failures]
    return haproxy_log.combine(parses), skipped


def scan_access_logs(
    paths: Sequence[str],
    consume: Callable[[Any], None],
    *,
    after: Callable[[Any], Any] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    log_format: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
    stats_only: bool = False,
) -> tuple[list[Any], list[tuple[str, str]]]:
    """Stream the access logs chunk by chunk, never building a frame of the whole file.

    ``after`` runs on the parsing threads for each chunk (see ``haproxy_log.iter_chunks``), and
    ``consume`` on this thread, in file order, with each parsed chunk; the chunk is dropped after.
    ``stats_only`` leaves out the columns derived from backend/server names (see ``ChunkJob``).
    Returns the per-file tallies and the (member, reason) of files that could not be read. A file
    that fails half-way keeps what its earlier chunks gave (they were consumed) and is listed too.
    """
    from parsers import haproxy_log

    report = progress or _noop
    run = runner or haproxy_log.local_chunks
    jobs, sources = _log_jobs(paths)
    tallies, skipped = [], []
    try:
        for i, (src, member, router_pod, _) in enumerate(jobs):
            report("access logs", i, len(jobs))
            job = haproxy_log.open_job(source=member.name, input=src.label, router_pod=router_pod,
                                       log_format=log_format, since=since, until=until, stats_only=stats_only)
            tally = haproxy_log.FileTally(job)
            try:
                for result in run(src, member, job, after):
                    tally.add(result)
                    consume(result)
            except (OSError, EOFError, ValueError, MemberTooLarge) as exc:
                skipped.append((member.name, f"access log unreadable: {' '.join(str(exc).split())[:200]}"))
                if not tally.lines_read:
                    continue
            tallies.append(tally)
        report("access logs", len(jobs), len(jobs))
    finally:
        for src in sources:
            src.close()
    return tallies, skipped


def _load_logs(
    snap: Snapshot,
    jobs: list[LogJob],
    records: list[InputRecord],
    frames: dict[str, pd.DataFrame],
    since: datetime | None,
    until: datetime | None,
    report: Progress,
    runner: Any = None,
    namespaces: frozenset[str] | None = None,
) -> None:
    from parsers import haproxy_log

    by_label = {r.path: r for r in records}
    parses, failures = parse_log_jobs(jobs, log_format=_custom_log_format(frames), since=since, until=until,
                                      report=report, runner=runner, namespaces=namespaces)
    for parse in parses:
        for account in parse.accounting:
            if account["input"] in by_label:
                by_label[account["input"]].files_read += 1
    for src, member, reason in failures:
        snap.skipped.append((member.name, reason))
        if src.label in by_label:
            by_label[src.label].files_skipped += 1
    combined = haproxy_log.combine(parses)
    snap.frames["requests"] = combined.requests
    snap.frames["router_events"] = combined.router_events
    snap.log_lines = combined.lines_read
    snap.log_unparsed = combined.unparsed
    snap.unparsed_samples = list(combined.unparsed_samples)
    snap.log_accounting = list(combined.accounting)
    snap.access_log_files = len(parses)
    snap.log_texts = _evidence_lines(jobs, combined.requests)


EVIDENCE_LINE_CAP = 20_000


def _evidence_lines(
    jobs: list[tuple[InputSource, Member, str | None, str | None]], requests: pd.DataFrame
) -> dict[tuple[str, str, int], str]:
    """Keep the raw text of abnormal log lines (5xx, no response, non-normal termination) for evidence.

    The parser keeps fields, not text; a second pass over only the files that hold abnormal lines
    picks their text, capped so a log of millions of errors stays bounded.
    """
    from parsers import haproxy_log

    if requests.empty:
        return {}
    status = requests["status"]
    term = requests["term"].astype("string").fillna("--")
    queued = (requests["srv_queue"].fillna(0) > 0) | (requests["backend_queue"].fillna(0) > 0)
    abnormal = (status >= 500).fillna(False) | (status == -1).fillna(False) | queued.fillna(False) | (
        ~term.str.startswith("-") & ~term.str[0].isin(["C", "c"])
    )
    picked = requests.loc[abnormal.astype(bool), ["input", "source", "line"]].dropna().head(EVIDENCE_LINE_CAP)
    wanted: dict[tuple[str, str], set[int]] = {}
    for inp, source, line in picked.itertuples(index=False):
        wanted.setdefault((str(inp), str(source)), set()).add(int(line))
    out: dict[tuple[str, str, int], str] = {}
    for src, member, _pod, _ in jobs:
        lines = wanted.get((src.label, member.name))
        if not lines:
            continue
        last = max(lines)
        try:
            with haproxy_log.open_log_member(src, member) as stream:
                for number, raw in enumerate(stream, start=1):
                    if number in lines:
                        out[(src.label, member.name, number)] = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    if number >= last:
                        break
        except (OSError, EOFError, ValueError):
            continue
    return out


def _custom_log_format(frames: dict[str, pd.DataFrame]) -> str | None:
    """The httpLogFormat of the IngressController, when exactly one format is configured."""
    ics = frames.get("ingresscontrollers")
    if ics is None or ics.empty:
        return None
    formats = {f for f in ics["http_log_format"].dropna().tolist() if f}
    return formats.pop() if len(formats) == 1 else None


def _concat(name: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else schema.empty_frame(name)


def _collected(frames: dict[str, pd.DataFrame]) -> set[str]:
    found: set[str] = set()
    for name in ("services", "endpoints", "pods", "events", "deployments"):
        df = frames.get(name)
        if df is not None and not df.empty:
            found.update(df["namespace"].dropna().unique().tolist())
    return found


_TS_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))? ([+-]\d{4})")


def parse_timestamp_file(data: bytes) -> list[datetime]:
    """Parse Go ``time.Time.String()`` lines (``2021-08-03 10:12:00.016988581 +0000 UTC m=+0.38``) to UTC."""
    out = []
    for raw in data.decode("utf-8", errors="replace").splitlines():
        m = _TS_RE.match(raw.strip())
        if not m:
            continue
        frac = (m.group(2) or "0")[:6].ljust(6, "0")
        try:
            ts = datetime.strptime(f"{m.group(1)}.{frac} {m.group(3)}", "%Y-%m-%d %H:%M:%S.%f %z")
        except ValueError:
            continue
        out.append(ts.astimezone(UTC))
    return out


__all__ = ["InputError", "InputRecord", "Snapshot", "load_snapshot", "parse_timestamp_file"]
