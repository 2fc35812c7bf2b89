"""Plain conversions of frame values shared by facts, rules and the timeline."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.facts.common import distinct_texts


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_distinct_texts_equal_the_text_of_every_present_value(dtype):
    """The set of texts read from the distinct values equals the one read row by row."""
    values = pd.Series(["web-1", None, "web-2", "web-1", "<NOSRV>", None, "web-2"] * 50, dtype=dtype)
    assert distinct_texts(values) == set(values.dropna().astype(str)) == {"web-1", "web-2", "<NOSRV>"}
    assert distinct_texts(values.iloc[0:0]) == set() and distinct_texts(values[values.isna()]) == set()


def test_distinct_texts_of_a_categorical_leave_out_its_unused_categories():
    """A route's rows share the whole frame's categories: only the ones its rows use are its values."""
    whole = pd.Series(["web-1", "web-2", "web-3", None, "web-1"], dtype="category")
    part = whole.iloc[[0, 3, 4]]
    assert distinct_texts(part) == {"web-1"}
    numbers = pd.Series(pd.Categorical([8080, None, 8443], categories=[443, 8080, 8443]))
    assert distinct_texts(numbers) == set(numbers.dropna().astype(str)) == {"8080", "8443"}
