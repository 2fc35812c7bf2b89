"""Rules of the routes family."""

from __future__ import annotations

RULES: list = []
