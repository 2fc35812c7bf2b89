"""Rules of the endpoints family."""

from __future__ import annotations

RULES: list = []
