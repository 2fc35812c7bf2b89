"""Rules of the ports family."""

from __future__ import annotations

RULES: list = []
