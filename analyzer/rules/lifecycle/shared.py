"""What the lifecycle rules share: the errors a pod going away produces."""

from __future__ import annotations

import pandas as pd

from analyzer.rules import common


def errors_on_pods(req: pd.DataFrame) -> pd.DataFrame:
    """Errors a pod going away produces: 502 SH, 503 SC on a real server, truncated bodies (SD)."""
    if req.empty:
        return req
    term, status = req["term"], req["status"]  # categoricals compared through their codes (common.equals)
    sh = common.equals(status, 502) & common.equals(term, "SH")
    sc = common.equals(status, 503) & common.equals(term, "SC") & common.equals(req["server_kind"], "pod")
    sd = common.equals(term, "SD")
    keep = sh | sc | sd
    return req[keep] if keep.any() else req.iloc[0:0]

