"""What the platform rules share: reading the router's own log lines and object conditions as evidence."""

from __future__ import annotations

import pandas as pd

from analyzer.model import Evidence


def text(value: object) -> str:
    """A cell as text; missing values are the empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def log_evidence(row: pd.Series) -> Evidence:
    """A router-log row as evidence: its file, line and text."""
    return Evidence(source=str(row["source"]), line=int(row["line"]), text=text(row["text"]),
                    input=text(row["input"]))
