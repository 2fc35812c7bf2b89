"""The collected Route objects themselves, for ``mga routes -o yaml|json`` and ``--show-labels``.

The snapshot keeps a way to give back every document file it parsed (``Snapshot.texts``: re-read
by offset from the input, checked block by block, or a compressed copy) and each route row names its
input, file and start line; the object is parsed again from those bytes, so what is printed is the
Route as collected (``spec.tls``, annotations, ``port.targetPort`` ...), not mga's summary of it.
A file changed or removed since loading gives no object (printed as ``null``), never another one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import yaml


@dataclass(frozen=True)
class CollectedRoute:
    """One Route as found in an input: the object and where it came from."""

    namespace: str
    name: str
    input: str
    source: str
    line: int | None
    obj: dict[str, Any] | None  # None when the kept bytes no longer yield it (never expected)

    @property
    def where(self) -> str:
        at = f":{self.line}" if self.line is not None else ""
        return f"{self.input}: {self.source}{at}"

    @property
    def labels(self) -> dict[str, str]:
        meta = self.obj.get("metadata") if isinstance(self.obj, dict) else None
        found = meta.get("labels") if isinstance(meta, dict) else None
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _is_route(obj: Any, namespace: str, name: str) -> bool:
    if not isinstance(obj, dict) or obj.get("kind") != "Route":
        return False
    meta = obj.get("metadata")
    return isinstance(meta, dict) and meta.get("namespace") == namespace and meta.get("name") == name


def collected_routes(snap: Any, keys: list[tuple[str, str]]) -> list[CollectedRoute]:
    """The Route object of each ``(namespace, name)`` in ``keys``, in that order, from the kept files.

    Each file is parsed once however many routes it holds. The object at the row's start line is
    taken; if that line does not match (it always should), the first Route of that name in the file.
    """
    from parsers.yaml_docs import DocumentError, iter_objects

    routes = snap.frame("routes")
    first: dict[tuple[str, str], pd.Series] = {}
    for _, row in routes.iterrows():
        first.setdefault((row["namespace"], row["name"]), row)
    parsed: dict[tuple[str, str], list[tuple[dict, int]]] = {}
    out = []
    for ns, name in keys:
        row = first.get((ns, name))
        if row is None:
            continue
        where = (str(row["input"] or ""), str(row["source"]))
        line = None if pd.isna(row["line"]) else int(row["line"])
        if where not in parsed:
            data = snap.texts.get(where)  # None when not kept or no longer the bytes that were parsed
            try:
                parsed[where] = list(iter_objects(data, where[1])) if data is not None else []
            except DocumentError:
                parsed[where] = []
        candidates = [obj for obj, _ in parsed[where] if _is_route(obj, ns, name)]
        at_line = [obj for obj, start in parsed[where] if start == line and _is_route(obj, ns, name)]
        obj = (at_line or candidates or [None])[0]
        out.append(CollectedRoute(ns, name, where[0], where[1], line, obj))
    return out


def routes_yaml(found: list[CollectedRoute]) -> str:
    """One YAML document per route, each preceded by a comment naming the input, file and line."""
    docs = []
    for route in found:
        body = yaml.safe_dump(route.obj, sort_keys=False) if route.obj is not None else "null\n"
        docs.append(f"# source: {' '.join(route.where.split())}\n{body}")
    return "---\n".join(docs)


def routes_json(found: list[CollectedRoute]) -> str:
    """A ``List`` like ``oc get routes -o json``; each item carries ``mga.source`` (input, file, line)."""
    items = []
    for route in found:
        source = {"input": route.input, "file": route.source, "line": route.line}
        items.append({"mga.source": source, **(route.obj or {})})
    doc = {"apiVersion": "v1", "kind": "List", "items": items}
    return json.dumps(doc, indent=2, default=str) + "\n"


def labels_cell(labels: dict[str, str]) -> str:
    """``oc --show-labels``: ``k=v,k2=v2`` sorted by key, ``<none>`` without labels."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"
