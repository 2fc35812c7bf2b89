"""Kubernetes objects with their provenance, de-duplicated, and the small readers every row builder uses.

Objects arrive with their provenance (input, source path, line). :func:`collect` merges
duplicates (list file vs per-object file, two archives) keeping the newest ``resourceVersion``
and every source. The value readers (``_s``, ``_i``, ``_b``, ...) turn what a hand-edited or
damaged object holds into plain values or None, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]

@dataclass
class StoredObject:
    obj: dict
    input: str
    source: str
    line: int
    also: list[tuple[str, str, int]] = field(default_factory=list)  # other (input, source, line)


@dataclass
class ObjectStore:
    objects: dict[tuple[str, str, str, str], StoredObject] = field(default_factory=dict)
    problems: list[tuple[str, str, int, str]] = field(default_factory=list)  # (input, source, line, reason)
    # a value of a kept object read as missing, with the same provenance (the object itself is kept)
    values_lost: list[tuple[str, str, int, str]] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[StoredObject]:
        return [o for (kind, *_), o in self.objects.items() if kind in kinds]


def _rv(obj: dict) -> tuple[int, str]:
    rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return (int(rv), rv) if rv.isdigit() else (-1, rv)


def collect(objects: Iterable[tuple[dict, str, str, int]]) -> ObjectStore:
    """De-duplicate by (kind, namespace, name[, uid]); keep the newest resourceVersion and all sources."""
    store = ObjectStore()
    for obj, inp, source, line in objects:
        meta = obj.get("metadata")
        kind = obj.get("kind")
        if not isinstance(meta, dict) or not isinstance(kind, str) or not isinstance(meta.get("name"), str):
            continue
        key = (kind, str(meta.get("namespace") or ""), meta["name"], "")
        existing = store.objects.get(key)
        if existing is not None:
            old_uid = (existing.obj.get("metadata") or {}).get("uid")
            new_uid = meta.get("uid")
            if old_uid and new_uid and old_uid != new_uid:
                key = (*key[:3], str(new_uid))  # a re-created object of the same name: keep both
                existing = store.objects.get(key)
        if existing is None:
            store.objects[key] = StoredObject(obj, inp, source, line)
        elif _rv(obj) > _rv(existing.obj):
            store.objects[key] = StoredObject(
                obj, inp, source, line, [*existing.also, (existing.input, existing.source, existing.line)]
            )
        else:
            existing.also.append((inp, source, line))
    return store


def _j(value: Any) -> str | None:
    """Compact, sorted JSON for nested data kept as evidence."""
    if value is None:
        return None
    return _COMPACT.encode(value)


# what ``json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)`` builds on every call
_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _i(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _b(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _ts(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _last_edited(meta: dict) -> str | None:
    """The latest ``metadata.managedFields[].time``: when any manager last wrote the object (not status only)."""
    times = [
        str(f.get("time")) for f in _l(meta.get("managedFields"))
        if isinstance(f, dict) and f.get("time") and f.get("subresource") != "status"
    ]
    return max(times) if times else None  # RFC3339 UTC times as the API server writes them sort as text


def _condition(conditions: Any, ctype: str) -> dict:
    for c in _l(conditions):
        if isinstance(c, dict) and c.get("type") == ctype:
            return c
    return {}


def _prov(o: StoredObject) -> Row:
    return {"input": o.input, "source": o.source, "line": o.line}


def _meta(o: StoredObject) -> dict:
    return _d(o.obj.get("metadata"))
