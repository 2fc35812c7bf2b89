"""``minute_groups`` groups on categorical codes: the same groups, keys, order and first lines as on text."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.facts.access import DEFAULT_BACKEND, GROUP_KEYS, NAME_KEYS, minute_groups
from parsers import schema
from parsers.load_snapshot import load_snapshot
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_inputs


def _default_only(values: pd.Series, default: pd.Series, before: str | None = None) -> pd.Series:
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if default.any():
        picked = values[default].astype("string")
        if before is not None:
            picked = picked.str.split(before, n=1).str[0]
        out[default] = picked
    return out


def groups_on_text(requests: pd.DataFrame) -> pd.DataFrame:
    """The earlier grouping, every name column converted to text first: the reference."""
    df = requests.loc[requests["ts"].notna()]
    default = pd.Series(df["backend_kind"] == DEFAULT_BACKEND, index=df.index).fillna(False).astype(bool)
    keys = pd.DataFrame({
        "minute": df["ts"].dt.floor("min"),
        **{k: df[k].astype("string") for k in NAME_KEYS},
        "status": df["status"],
        "host_capture": _default_only(df["request_headers"], default),
        "default_path": _default_only(df["path"], default, before="?"),
    })
    keys = keys.fillna({k: "" for k in GROUP_KEYS if k not in ("minute", "status")})
    keys["status"] = keys["status"].fillna(-2)
    ordered = pd.concat([keys, df[["ts", "input", "source", "line"]]], axis=1).sort_values("ts", kind="stable")
    grouped = ordered.groupby(list(GROUP_KEYS), sort=True, dropna=False)
    out = grouped.agg(requests=("ts", "size"), first=("ts", "min"), last=("ts", "max"),
                      input=("input", "first"), source=("source", "first"), line=("line", "first")).reset_index()
    out["status"] = out["status"].astype("Int64").replace(-2, pd.NA)
    return out


def _awkward_requests() -> pd.DataFrame:
    """Missing names next to the empty name, unsorted categories, ties in time, undated and TCP lines."""
    rows = []
    stamps = ["2026-01-01T00:00:59Z", "2026-01-01T00:00:01Z", None, "2026-01-01T00:01:00Z", "2026-01-01T00:00:01Z"]
    for i in range(40):
        rows.append({
            "ts": stamps[i % len(stamps)],
            "namespace": [None, "", "b", "a"][i % 4],
            "route": ["r2", "r1", None][i % 3],
            "backend": "be_http:a:r1" if i % 5 else None,
            "backend_kind": [DEFAULT_BACKEND, "be_http", "be_secure", None][i % 4],
            "server": ["<NOSRV>", "pod:x:svc:http:10.0.0.1:8080", ""][i % 3],
            "pod": ["x", None][i % 2],
            "term": ["--", "SC", "sC", None][i % 4],
            "status": [503, None, -1, 200, 502][i % 5],
            "request_headers": ["{Example.COM:80}", None, "", "{b.example}"][i % 4],
            "path": ["/a?x=1", "/b", None, "", "?q"][i % 5],
            "input": ["one", "two"][i % 2],
            "source": "router.log",
            "line": i + 1,
        })
    frame = schema.conform("requests", rows)
    frame["route"] = frame["route"].cat.reorder_categories(["r2", "r1"])  # not in text order
    return frame


def test_awkward_lines_group_as_on_text():
    frame = _awkward_requests()
    assert frame["namespace"].isna().any() and (frame["namespace"] == "").any()
    pd.testing.assert_frame_equal(minute_groups(frame), groups_on_text(frame))


def test_text_name_columns_group_as_categoricals_do():
    frame = _awkward_requests()
    as_text = frame.assign(**{k: frame[k].astype("string") for k in NAME_KEYS})
    pd.testing.assert_frame_equal(minute_groups(as_text), groups_on_text(frame))


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_every_scenario_log_groups_as_on_text(scenario):
    requests = load_snapshot(*scenario_inputs(scenario)).frame("requests")
    if requests.empty:
        pytest.skip("no access log in this scenario")
    pd.testing.assert_frame_equal(minute_groups(requests), groups_on_text(requests))


def _router_side_on_text(requests: pd.DataFrame) -> pd.Series:
    """The earlier mask, every termination state converted to text: the reference."""
    term = requests["term"].astype("string").fillna("--")
    status = requests["status"]
    five = ((status >= 500) & (status < 600)).fillna(False).astype(bool)
    return (five & ~term.str[:1].isin(["-", "C", "c"]).fillna(True)).astype(bool)


def test_router_side_mask_on_categories_equals_the_mask_on_text():
    from analyzer.ledger import router_side_mask

    frame = _awkward_requests()
    frame["term"] = pd.Categorical(["SC", "", "--", None, "cD", "CD", "sH", "PR"] * 5)
    frame["status"] = pd.array([503, 502, 504, None, 500, 599, 200, 600] * 5, dtype="Int64")
    expected = _router_side_on_text(frame)
    assert expected.any() and not expected.all()
    pd.testing.assert_series_equal(router_side_mask(frame), expected)
    as_text = frame.assign(term=frame["term"].astype("string"))
    pd.testing.assert_series_equal(router_side_mask(as_text), expected)
