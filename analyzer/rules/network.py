"""Rules of the network family."""

from __future__ import annotations

RULES: list = []
