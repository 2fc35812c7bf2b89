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


def _by_iteration(data: bytes, wanted: list[int]) -> list[tuple[int, bytes]]:
    """The earlier reading: the stream iterated line by line up to the last wanted line."""
    import io

    out = []
    for number, raw in enumerate(io.BytesIO(data), start=1):
        if number in wanted:
            out.append((number, raw))
        if number >= max(wanted):
            break
    return out


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("seed", range(30))
def test_numbered_lines_equal_the_line_by_line_reading(seed, compiled):
    """Blocks smaller and larger than a line, lines across blocks, CRLF, empty lines, no final newline,
    wanted lines past the end: the lines a block-wise reading picks are those of iterating the stream."""
    import io
    import random

    import numpy as np

    from parsers.log_lines import numbered_lines

    rng = random.Random(seed)
    lines = [bytes(rng.choice(b"ab \r\xff") for _ in range(rng.choice([0, 1, 5, 40, 300])))
             + rng.choice([b"\n", b"\r\n"]) for _ in range(rng.randint(1, 400))]
    data = b"".join(lines)
    if seed % 3 == 0:
        data = data.rstrip(b"\n")  # the last line without its newline
    count = len(lines) + 3
    wanted = sorted(rng.sample(range(1, count + 1), rng.randint(1, min(count, 60))))
    got = list(numbered_lines(io.BytesIO(data), np.array(wanted, dtype=np.int64), size=rng.choice([1, 7, 64, 4096]),
                              compiled=compiled))
    assert got == _by_iteration(data, wanted)
    assert got  # the generator really picks lines
