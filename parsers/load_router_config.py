"""Loader phase for the routers' rendered ``haproxy.config`` files -> ``router_backends`` / ``router_servers``.

Each router pod's config is parsed on its own (:mod:`parsers.haproxy_config`); a config that
cannot be read is recorded as skipped, never fatal, and the pods' frames are joined at the end.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from parsers import schema
from parsers.layout import Place
from parsers.sources import InputSource, Member


def _load_haproxy_config(
    src: InputSource,
    member: Member,
    place: Place,
    data: bytes,
    backends: list[pd.DataFrame],
    servers: list[pd.DataFrame],
    defaults: dict[str, dict[str, Any]],
    skipped: list,
) -> bool:
    """Parse one rendered haproxy.config into the backend/server rows; True when it did not parse (skipped)."""
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
        return True
    backends.append(cfg.backends)
    servers.append(cfg.servers)
    defaults[place.pod or member.name] = dict(cfg.defaults)
    return False


def _concat(name: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else schema.empty_frame(name)
