"""Rule families. ``TABLE`` is the explicit list of every rule the analyzer runs."""

from __future__ import annotations

TABLE: list = []
