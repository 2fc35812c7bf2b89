"""Which log lines keep their raw text for evidence: the abnormal ones, chosen without converting every row."""

from __future__ import annotations

import pandas as pd
import pytest

from parsers.term_side import router_side_states

STATES = [None, "", "--", "-V", "CD", "cD", "CR", "SC", "sC", "sQ", "sH", "SH", "PH", "PR", "IH", "LR", "KC"]


def _row_by_row(term: pd.Series) -> list[bool]:
    """The earlier reading: every row converted to text, a missing state read as ``--``."""
    text = term.astype("string").fillna("--")
    return (~text.str.startswith("-") & ~text.str[0].isin(["C", "c"])).tolist()


@pytest.mark.parametrize("dtype", ["category", "string", object])
def test_abnormal_states_equal_the_row_by_row_reading(dtype):
    term = pd.Series(STATES * 3, dtype=dtype)
    got = router_side_states(term).tolist()
    assert got == _row_by_row(term)
    assert got[:5] == [False, True, False, False, False] and got[STATES.index("sQ")]
