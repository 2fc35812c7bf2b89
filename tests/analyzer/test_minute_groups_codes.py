"""``minute_groups`` groups on categorical codes: the same groups, keys, order and first lines as on text.

The groups' name columns are categoricals (sorted texts as categories); read as text they equal the
reference grouping's text columns.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analyzer.facts.access import DEFAULT_BACKEND
from parsers import schema
from parsers.log_groups import GROUP_KEYS, NAME_KEYS, minute_groups
from tests.analyzer.test_scenarios import SCENARIO_DIRS, scenario_snapshot


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


CATEGORICAL_KEYS = (*NAME_KEYS, "host_capture", "default_path")


def as_text(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups with their categorical name columns read as text, after checking the categories' order."""
    for k in CATEGORICAL_KEYS:
        categories = groups[k].cat.categories.tolist()
        assert categories == sorted(set(categories)), k  # sorted, distinct: codes order as the texts do
        assert set(categories) == set(groups[k].unique()), k  # only the texts present
        assert not groups[k].isna().any(), k  # a missing name reads ""
    return groups.assign(**{k: groups[k].astype("string") for k in CATEGORICAL_KEYS})


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
    pd.testing.assert_frame_equal(as_text(minute_groups(frame)), groups_on_text(frame))


def test_a_group_whose_first_line_has_no_location_takes_the_next_one_as_on_text():
    once = _awkward_requests()
    frame = pd.concat([once, once.assign(line=once["line"] + 100)], ignore_index=True)  # two lines a group
    first = frame.index[:len(once)]  # the first line (in time, then log order) of each group
    frame.loc[first[1::3], "line"] = pd.NA
    frame.loc[first[2::7], "input"] = pd.NA
    frame.loc[frame.index[::len(once)], "source"] = pd.NA  # both lines of one group
    got = as_text(minute_groups(frame))
    assert (got["requests"] == 2).all() and (got["line"] > 100).any() and got["source"].isna().any()
    pd.testing.assert_frame_equal(got, groups_on_text(frame))


def test_text_name_columns_group_as_categoricals_do():
    frame = _awkward_requests()
    text_names = frame.assign(**{k: frame[k].astype("string") for k in NAME_KEYS})
    pd.testing.assert_frame_equal(as_text(minute_groups(text_names)), groups_on_text(frame))


@pytest.mark.parametrize("scenario", SCENARIO_DIRS, ids=[p.name for p in SCENARIO_DIRS])
def test_every_scenario_log_groups_as_on_text(scenario):
    requests = scenario_snapshot(scenario).frame("requests")
    if requests.empty:
        pytest.skip("no access log in this scenario")
    pd.testing.assert_frame_equal(as_text(minute_groups(requests)), groups_on_text(requests))


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
    text_term = frame.assign(term=frame["term"].astype("string"))
    pd.testing.assert_series_equal(router_side_mask(text_term), expected)
    for dtype in ("Int16", "float64", "int16[pyarrow]"):  # the status as the parsers and a dump may type it
        pd.testing.assert_series_equal(router_side_mask(frame.assign(status=frame["status"].astype(dtype))), expected)
    # a missing status is no 5xx, whatever its array holds under the mask (the mask reads the array itself)
    hidden = frame["status"].astype("Int16").array.copy()
    hidden._mask[::8] = True  # the 503s of state SC, now missing
    missing = frame.assign(status=pd.array(hidden, dtype="Int64"))
    assert hidden._data[0] == 503 and expected[0] and not _router_side_on_text(missing)[0]
    pd.testing.assert_series_equal(router_side_mask(frame.assign(status=hidden)), _router_side_on_text(missing))


def _access_answers(access) -> dict:
    """Every answer the access facts give about the log's routes and namespaces."""
    keys = sorted(access._route_positions)
    return {
        "routes": keys,
        "epochs": {k: access.route_epochs(*k) for k in keys},
        "changes": {k: access.termination_changes(*k) for k in keys},
        "minutes": {k: access.servers_by_minute(*k) for k in keys},
        "gone": {k: access.gone_servers(*k) for k in keys},
        "gone_by_namespace": {ns: access.gone_servers(ns) for ns in sorted({ns for ns, _ in keys})},
        "default_hits": access.default_backend_hits(),
    }


def test_access_facts_on_categorical_groups_answer_as_on_text_groups():
    """Epochs, termination changes, servers per minute, gone servers and default-backend hits of every
    scenario's log are the same over the categorical groups as over the reference text groups."""
    from analyzer.facts import Facts

    seen = {"changes": 0, "gone": 0, "default_hits": 0}
    for scenario in SCENARIO_DIRS:
        snap = scenario_snapshot(scenario)
        if snap.frame("requests").empty:
            continue
        on_codes = _access_answers(Facts(snap).access)
        on_text = _access_answers(Facts(dataclasses.replace(snap, log_groups=groups_on_text(snap.frame("requests"))))
                                  .access)
        assert on_codes == on_text, scenario.name
        seen["changes"] += sum(map(len, on_codes["changes"].values()))
        seen["gone"] += sum(map(len, on_codes["gone"].values()))
        seen["default_hits"] += len(on_codes["default_hits"])
    assert all(seen.values()), seen  # the scenarios exercise every answer
