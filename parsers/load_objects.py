"""Loader phases for Kubernetes objects: which members to read, reading them, parsing their documents.

Loading is selective (design.md "Inputs"): phase 1 reads routes, namespace markers,
cluster-scoped objects, dumps, router configs and the collection timestamps; phase 2 only the
namespaced objects of the namespaces that matter (those routes point at, plus
``openshift-ingress*``, narrowed by ``--namespace``). A per-object file that duplicates its list
file is not read twice. YAML/JSON parses on both cores when there is enough of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from parsers.layout import Index, Place
from parsers.snapshot import READ_AS_OBJECTS, InputRecord
from parsers.sources import InputSource, Member

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
        "poddisruptionbudgets",
        "deployments",
        "replicasets",
        "statefulsets",
        "deploymentconfigs",
        "replicationcontrollers",
        "ingresscontrollers",
    }
)

CLUSTER_RESOURCES = frozenset(
    {"nodes", "clusterversions", "namespaces", "ingresscontrollers", "clusteroperators", "machineconfigpools"}
)


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
    for member, data, err, offset in src.read_many(members):
        read_names.add(member.name)
        if err or data is None:
            skipped.append((member.name, err or "unreadable", offset))
            record.files_skipped += 1
            continue
        record.files_read += 1
        yield member, _place_of(idx, member), data


def _place_of(idx: Index, member: Member) -> Place:
    """The index is built in member order, so a member's position is its ``order``."""
    return idx.places[member.order][1]


PARALLEL_YAML_BYTES = 4 << 20  # below this, starting worker processes costs more than it saves
YAML_WORKERS = min(2, os.cpu_count() or 1)


# a file's name, its objects with their lines, the error that lost it whole (or None), the
# (line, reason) of each of its items or documents left out while the rest was read, and of what
# was read with a caveat (a duplicate key: the last value kept, as Kubernetes does)
Parsed = tuple[str, list[tuple[dict, int]], str | None, list[tuple[int, str]], list[tuple[int, str]]]


def _parse_document(name: str, data: bytes) -> Parsed:
    from parsers.yaml_docs import DocumentError, iter_objects

    problems: list[tuple[int, str]] = []
    caveats: list[tuple[int, str]] = []
    try:
        return name, list(iter_objects(data, name, problems, caveats)), None, problems, caveats
    except DocumentError as exc:
        return name, [], str(exc), [], []


def parse_documents(batch: list[tuple[str, bytes]]) -> list[Parsed]:
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


def _load_docs(kube: Any, src: InputSource, member: Member, data: bytes, objects: list, skipped: list) -> bool:
    """Parse one YAML/JSON file into ``objects``; True when the whole file was lost (not valid YAML/JSON)."""
    name, found, error, problems, caveats = _parse_document(member.name, data)
    objects.extend((obj, src.label, name, line) for obj, line in found)
    record_parse_problems(name, error, problems, skipped, caveats)
    return error is not None


def record_parse_problems(
    name: str, error: str | None, problems: list[tuple[int, str]], skipped: list,
    caveats: Sequence[tuple[int, str]] = (),
) -> bool:
    """Add a parsed file's losses to ``skipped`` (the whole file, or each item or document left out)
    and what it read with a caveat (as a time out of range is: recorded, the object kept); True when
    it lost anything, so that it does not count as all of its resource (a caveat loses nothing)."""
    if error is not None:
        skipped.append((name, f"not valid YAML/JSON: {error}"))
    skipped.extend((name, f"line {line}: {reason}") for line, reason in (*problems, *caveats))
    return error is not None or bool(problems)


def dumps_without_objects(store: Any, dumps: dict[tuple[str, str], InputRecord]) -> None:
    """Count as lost whole each file of ``oc get`` output in ``dumps`` ((input, file) of a file that parsed and
    held objects or items left out) none of whose objects was kept (``store``: :func:`parsers.kube_objects.collect`):
    a case note saved as ``.json`` or a JSON of something else gave nothing, as a file that does not parse. Its
    ``skipped`` entries (each object left out, with its line) stay as they are."""
    kept = {(stored.input, stored.source) for stored in store.objects.values()}
    kept.update((inp, source) for stored in store.objects.values() for inp, source, _ in stored.also)
    for (label, name), record in dumps.items():
        if (label, name) not in kept:
            record.lost_whole()
            record.not_what_read_as.append((name, READ_AS_OBJECTS))


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
