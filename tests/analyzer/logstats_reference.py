"""The frame-based statistics ``mga logs`` printed before it streamed: the reference it must equal.

Plain pandas on the whole ``requests`` frame (groupby, ``quantile``, ``value_counts``), kept here only
to check :mod:`analyzer.logstats` against it. Ties among the worst minutes are ordered by time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyzer.model import rfc3339

PERCENTILES = (50, 95, 99)


def _status_counts(frame: pd.DataFrame) -> dict[str, int]:
    status = frame["status"].dropna()
    if status.empty:
        return {}
    counts = status.astype("int64").value_counts().sort_index()
    return {str(int(k)): int(v) for k, v in counts.items()}


def _grouped(requests: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    status = requests["status"].astype("Float64")
    work = pd.DataFrame({k: requests[k].astype("category") for k in keys})
    work["is5xx"] = ((status >= 500) & (status < 600)).fillna(False).astype("int64")
    for timer in ("Tr", "Ta", "Tc"):
        values = requests[timer].astype("float64")
        work[timer] = values.where(values >= 0)
    grouped = work.groupby(keys, sort=True, observed=True)
    table = grouped.agg(requests=("is5xx", "size"), errors_5xx=("is5xx", "sum"), avg_tc=("Tc", "mean"))
    for timer in ("Tr", "Ta"):
        q = grouped[timer].quantile([p / 100 for p in PERCENTILES]).unstack()
        q.columns = [f"{timer.lower()}_p{p}" for p in PERCENTILES]
        table = table.join(q)
    with_status = work.assign(status=requests["status"].astype("Int64")).dropna(subset=["status"])
    by_status = with_status.groupby([*keys, "status"], sort=True, observed=True).size()
    status_maps: dict[tuple, dict[str, int]] = {}
    for idx, count in by_status.items():
        *key, code = idx
        status_maps.setdefault(tuple(key), {})[str(int(code))] = int(count)
    out = []
    for row in table.reset_index().to_dict("records"):
        key_t = tuple(row[k] for k in keys)
        entry: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in zip(keys, key_t, strict=True)}
        entry["requests"] = int(row["requests"])
        entry["errors_5xx"] = int(row["errors_5xx"])
        entry["status_counts"] = status_maps.get(key_t, {})
        for timer in ("tr", "ta"):
            entry[timer] = {f"p{p}": (None if pd.isna(row[f"{timer}_p{p}"]) else round(row[f"{timer}_p{p}"]))
                            for p in PERCENTILES}
        entry["avg_tc"] = None if pd.isna(row["avg_tc"]) else round(float(row["avg_tc"]), 1)
        out.append(entry)
    return out


def _worst_minutes(requests: pd.DataFrame, limit: int = 10) -> list[dict[str, Any]]:
    rows = requests[requests["ts"].notna()]
    if rows.empty:
        return []
    status = rows["status"].astype("Float64")
    frame = pd.DataFrame(
        {"minute": rows["ts"].dt.floor("min"), "s5xx": ((status >= 500) & (status < 600)).fillna(False).astype(int)}
    )
    for code in (502, 503, 504):
        frame[str(code)] = (status == code).fillna(False).astype(int)
    agg = frame.groupby("minute").agg(
        requests=("s5xx", "size"), errors_5xx=("s5xx", "sum"), e502=("502", "sum"), e503=("503", "sum"),
        e504=("504", "sum"),
    ).reset_index()
    agg = agg[agg["errors_5xx"] > 0].sort_values(["errors_5xx", "requests", "minute"], ascending=[False, False, True])
    return [
        {"minute": rfc3339(r["minute"].to_pydatetime()), "requests": int(r["requests"]),
         "errors_5xx": int(r["errors_5xx"]), "502": int(r["e502"]), "503": int(r["e503"]), "504": int(r["e504"])}
        for _, r in agg.head(limit).iterrows()
    ]


def reference_statistics(parse: Any) -> dict[str, Any]:
    req = parse.requests
    term = req["term"].dropna().astype("string").value_counts() if not req.empty else pd.Series(dtype="int64")
    backends = _grouped(req, ["backend"]) if not req.empty else []
    for b in backends:
        parts = str(b["backend"]).split(":", 2)
        b["namespace"], b["route"] = (parts[1], parts[2]) if len(parts) == 3 and parts[0].startswith("be_") else (
            None, None)
    servers = _grouped(req, ["backend", "server"]) if not req.empty else []
    if servers:
        first = req.drop_duplicates(subset=["backend", "server"])
        pods = dict(zip(zip(first["backend"].astype("object"), first["server"].astype("object"), strict=True),
                        first["pod"].astype("object"), strict=True))
        for entry in servers:
            pod = pods.get((entry["backend"], entry["server"]))
            entry["pod"] = None if pod is None or pd.isna(pod) else pod
    return {
        "schema": "mga.logs/v1",
        "lines_read": int(parse.lines_read),
        "requests": len(req),
        "unparsed": int(parse.unparsed),
        "router_messages": len(parse.router_events),
        "window": {"start": rfc3339(req["ts"].min()) if not req.empty else None,
                   "end": rfc3339(req["ts"].max()) if not req.empty else None},
        "status_counts": _status_counts(req) if not req.empty else {},
        "term_counts": {str(k): int(v) for k, v in term.sort_index().items()},
        "backends": backends,
        "servers": servers,
        "worst_minutes": _worst_minutes(req) if not req.empty else [],
        "files": list(parse.accounting),
        "unparsed_samples": list(parse.unparsed_samples),
    }
