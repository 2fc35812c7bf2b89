"""Rules of the backend family."""

from __future__ import annotations

RULES: list = []
