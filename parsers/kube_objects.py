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


def in_words(value: Any) -> str:
    """A value's YAML type in words, for a reason."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def unusable(obj: Any) -> str | None:
    """Why ``obj`` cannot be kept as a Kubernetes object, or None when it can.

    Objects are keyed and joined by kind and ``metadata.name``: without them (a null or list item, a
    null ``metadata``, a name that is a list) an object has no identity, so the loaders leave it
    out and record this reason where they found it instead of letting it vanish or abort the run.
    """
    if not isinstance(obj, dict):
        return f"{in_words(obj)}, not an object"
    kind, meta = obj.get("kind"), obj.get("metadata")
    if not isinstance(kind, str):
        return "no kind" if kind is None else f"kind is {in_words(kind)}, not a string"
    if not isinstance(meta, dict):
        return "no metadata" if "metadata" not in obj else f"metadata is {in_words(meta)}, not a mapping"
    name = meta.get("name")
    if not isinstance(name, str):
        return "no metadata.name" if name is None else f"metadata.name is {in_words(name)}, not a string"
    return None


def _rv(obj: dict) -> tuple[int, str]:
    rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return (int(rv), rv) if rv.isdigit() else (-1, rv)


def collect(objects: Iterable[tuple[dict, str, str, int]]) -> ObjectStore:
    """De-duplicate by (kind, namespace, name[, uid]); keep the newest resourceVersion and all sources.

    An object :func:`unusable` names a reason for is left out and recorded in ``problems``.
    """
    store = ObjectStore()
    for obj, inp, source, line in objects:
        reason = unusable(obj)
        if reason is not None:
            store.problems.append((inp, source, line, f"object left out: {reason}"))
            continue
        meta, kind = obj["metadata"], obj["kind"]
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
