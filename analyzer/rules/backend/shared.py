"""What the backend rules share: how large a share of a route's requests a fault hit, and the severity
that follows from it.
"""

from __future__ import annotations

import pandas as pd

from analyzer.model import Severity


def share(rows: pd.DataFrame, total: pd.DataFrame) -> float:
    return len(rows) / max(1, len(total))


def severity_by_share(rows: pd.DataFrame, total: pd.DataFrame) -> Severity:
    return Severity.CRITICAL if share(rows, total) >= 0.5 else Severity.WARNING
