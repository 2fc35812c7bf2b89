"""Map member paths to their meaning in the must-gather / inspect layout.

Roots are found by content, never by name: a root is any directory that directly holds
``namespaces/`` or ``cluster-scoped-resources/`` (mustgather-layout.md §1, §9.1). A must-gather
has one root per image dir (possibly below a node-name level); an ``oc adm inspect`` tree is its
own root; several roots in one input are all used. Inputs with no root at all are treated as
plain ``oc get -o yaml|json`` dumps: every YAML/JSON file in them is a document.

Nothing here reads file contents; the classification comes from names alone, so an index of a
multi-GB archive costs only its member list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.sources import InputSource, Member

ROOT_MARKERS = ("namespaces", "cluster-scoped-resources")
DOC_SUFFIXES = (".yaml", ".yml", ".json")
LOG_RE = re.compile(r"^(current|previous)(\.insecure)?\.log$")
ROTATED_RE = re.compile(r"^\d+\.log(\.\d{8}-\d{6})?(\.gz)?$")
ACCESS_LOG_CONTAINER = "logs"  # the IngressController's access-log sidecar (router-facts §1.4)
INGRESS_NAMESPACES = ("openshift-ingress", "openshift-ingress-operator", "openshift-ingress-canary")


@dataclass(frozen=True)
class Place:
    """What a member is, by its path."""

    category: str
    # list | object | namespace | pod-manifest | container-log | rotated-log | haproxy-config |
    # timestamp | version | dump | other
    root: str | None = None
    namespace: str | None = None
    group: str | None = None
    resource: str | None = None
    name: str | None = None
    pod: str | None = None
    container: str | None = None
    ingresscontroller: str | None = None

    @property
    def is_document(self) -> bool:
        return self.category in ("list", "object", "namespace", "pod-manifest", "dump")


def find_roots(names: Iterable[str]) -> list[str]:
    """Every directory prefix (``""`` for the input itself) that directly holds a root marker."""
    roots: set[str] = set()
    for name in names:
        parts = name.split("/")
        for i, part in enumerate(parts[:-1]):
            if part in ROOT_MARKERS:
                roots.add("/".join(parts[:i]))
                break
    return sorted(roots, key=lambda r: (r.count("/"), r))


def _root_of(name: str, roots: list[str]) -> str | None:
    best = None
    for root in roots:
        prefix = f"{root}/" if root else ""
        if name.startswith(prefix) and (best is None or len(root) > len(best)):
            best = root
    return best


def classify(name: str, roots: list[str]) -> Place:
    """Classify one member path against the input's roots."""
    root = _root_of(name, roots)
    if root is None:
        if name.lower().endswith(DOC_SUFFIXES) and not roots:
            return Place("dump")
        return Place("other")
    rel = name[len(root) + 1 :] if root else name
    parts = rel.split("/")
    n = len(parts)
    if n == 1:
        if parts[0] == "timestamp":
            return Place("timestamp", root)
        if parts[0] == "version":
            return Place("version", root)
        return Place("other", root)
    top = parts[0]
    if top == "ingress_controllers" and n == 4 and parts[3] == "haproxy.config":
        return Place("haproxy-config", root, ingresscontroller=parts[1], pod=parts[2])
    if top == "cluster-scoped-resources":
        return _classify_resource(parts[1:], root, None)
    if top == "namespaces" and n >= 3:
        ns = parts[1]
        rest = parts[2:]
        if len(rest) == 1 and rest[0] in (f"{ns}.yaml", f"{ns}.yml", f"{ns}.json"):
            return Place("namespace", root, namespace=ns, resource="namespaces", name=ns)
        if rest[0] == "pods" and len(rest) >= 3:
            pod = rest[1]
            if len(rest) == 3 and rest[2] in (f"{pod}.yaml", f"{pod}.yml", f"{pod}.json"):
                return Place("pod-manifest", root, namespace=ns, resource="pods", name=pod, pod=pod)
            # pods/<pod>/<container>/<container>/logs/current.log | logs/rotated/<N>.log.<ts>[.gz]
            if len(rest) >= 6 and rest[2] == rest[3] and rest[4] == "logs":
                container = rest[2]
                if len(rest) == 6 and LOG_RE.match(rest[5]):
                    return Place("container-log", root, namespace=ns, pod=pod, container=container, name=rest[5])
                if len(rest) == 7 and rest[5] == "rotated" and ROTATED_RE.match(rest[6]):
                    return Place("rotated-log", root, namespace=ns, pod=pod, container=container, name=rest[6])
            return Place("other", root, namespace=ns, pod=pod)
        return _classify_resource(rest, root, ns)
    return Place("other", root)


def place_by_name(name: str) -> Place:
    """A member's place told from its own path, before its input's roots are known (while a compressed
    tar is listed): the root taken to be the directory above the path's first ``namespaces``,
    ``cluster-scoped-resources`` or ``ingress_controllers``. The place :func:`classify` gives once the
    roots are found, for a member under a root whose path has no such name between the root and itself
    (a must-gather's own layout has none); ``other`` for a path without one."""
    parts = name.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in (*ROOT_MARKERS, "ingress_controllers"):
            return classify(name, ["/".join(parts[:i])])
    return Place("other")


def _classify_resource(parts: list[str], root: str, namespace: str | None) -> Place:
    if not parts or not parts[-1].lower().endswith(DOC_SUFFIXES):
        return Place("other", root, namespace=namespace)
    if len(parts) == 2:
        return Place("list", root, namespace=namespace, group=parts[0], resource=_stem(parts[1]))
    if len(parts) == 3:
        return Place("object", root, namespace=namespace, group=parts[0], resource=parts[1], name=_stem(parts[2]))
    return Place("other", root, namespace=namespace)


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0]


@dataclass
class Index:
    """Every member of one input with its :class:`Place`."""

    source: InputSource
    roots: list[str]
    places: list[tuple[Member, Place]]

    @property
    def kind(self) -> str:
        """must-gather | inspect | yaml-dump | access-log, as the contract names input kinds."""
        if not self.roots:
            if any(p.category == "dump" for _, p in self.places):
                return "yaml-dump"
            if self.places and all(_is_log_name(m.name) for m, _ in self.places):
                return "access-log"
            return "yaml-dump"
        names = {m.name for m, _ in self.places}
        for root in self.roots:
            prefix = f"{root}/" if root else ""
            if f"{prefix}version" in names or any(
                p.category == "haproxy-config" and p.root == root for _, p in self.places
            ):
                return "must-gather"
            if root and "/" in root:  # image dir below a must-gather directory (or node-name level)
                return "must-gather"
        return "inspect"

    def select(self, category: str) -> list[tuple[Member, Place]]:
        return [(m, p) for m, p in self.places if p.category == category]


def _is_log_name(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".log", ".log.gz", ".txt")) or ".log." in lowered


def index_input(source: InputSource) -> Index:
    roots = find_roots(m.name for m in source.members)
    return Index(source, roots, [(m, classify(m.name, roots)) for m in source.members])


def access_log_members(source: InputSource, index: Index | None = None) -> list[tuple[Member, str | None]]:
    """Router access-log members of an input and the router pod each came from.

    Inside a must-gather the access log is the ``logs`` sidecar of a router pod in an
    ``openshift-ingress*`` namespace (current, previous, insecure fallbacks and rotated files).
    An input that is itself a log file (or a directory of loose log files with no must-gather
    root) is taken whole.
    """
    idx = index or index_input(source)
    found: list[tuple[Member, str | None]] = []
    for member, place in idx.places:
        if place.category in ("container-log", "rotated-log"):
            if place.container == ACCESS_LOG_CONTAINER and (place.namespace or "").startswith("openshift-ingress"):
                found.append((member, place.pod))
        elif not idx.roots and place.category == "other" and _is_log_name(member.name):
            found.append((member, None))
    return found
