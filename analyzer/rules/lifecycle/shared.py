"""What the lifecycle rules share: the errors a pod going away produces."""

from __future__ import annotations

import pandas as pd


def errors_on_pods(req: pd.DataFrame) -> pd.DataFrame:
    """Errors a pod going away produces: 502 SH, 503 SC on a real server, truncated bodies (SD)."""
    if req.empty:
        return req
    term = req["term"].astype("string")
    sh = (req["status"] == 502).fillna(False).astype(bool) & (term == "SH").fillna(False).astype(bool)
    sc = (
        (req["status"] == 503).fillna(False).astype(bool)
        & (term == "SC").fillna(False).astype(bool)
        & (req["server_kind"].astype("string") == "pod").fillna(False).astype(bool)
    )
    sd = (term == "SD").fillna(False).astype(bool)
    return req[sh | sc | sd]

