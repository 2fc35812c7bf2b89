"""Rules of the lifecycle family."""

from __future__ import annotations

RULES: list = []
