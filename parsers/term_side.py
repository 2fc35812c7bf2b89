"""Who ended a session, read from the first character of its termination state.

HAProxy's termination state starts with the event that ended the session (router-facts.md §4.1):
``-`` a normal end, ``C``/``c`` the client (aborted or timed out), anything else the router's side
(the server, the proxy, a resource, an internal error). A missing state reads ``--``.

The loader keeps the text of those lines as evidence, the access facts count the router-side 5xx of
every minute group, and the error ledger gives each such line to a finding; all three read the
state through these two functions so that they always agree on which lines are the router's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def router_side_state(term: str | None) -> bool:
    """Whether one termination state starts with neither ``-`` nor ``C``/``c`` (None reads ``--``)."""
    return (term if term is not None else "--")[:1] not in ("-", "C", "c")


def router_side_states(term: pd.Series) -> np.ndarray:
    """:func:`router_side_state` of every row of a column, as a numpy mask (a missing state: False).

    A categorical column is answered once per category and read through its codes: converting
    millions of states to text for a few dozen distinct values was a copy of the whole column.
    """
    if isinstance(term.dtype, pd.CategoricalDtype):
        per_category = [router_side_state(str(t)) for t in term.cat.categories.tolist()]
        return np.array([*per_category, False], dtype=bool)[term.cat.codes.to_numpy()]  # code -1 reads False
    first = term.astype("string").fillna("--").str[:1]
    return (~first.isin(["-", "C", "c"])).fillna(True).to_numpy(dtype=bool)
