"""The usual shapes of a router log line, tokenised once on spaces (the cheapest path).

A line is a known prefix in front of the HAProxy message (router-facts.md §1.4, §1.5: kubelet
RFC3339Nano + rsyslog, rsyslog, RFC3164 syslog, CRI rotated files, or none) followed by the 12
httplog fields and a 3-word request, or the 9 tcplog fields; so its token count says its shape.
:data:`PREFIX_WORDS`, :data:`HTTP_WORDS` and :data:`TCP_WORDS` are that table, the one the
compiled scanner (:mod:`parsers.log_scan`) reads too. Lines of any other shape are left to the
general path (:mod:`parsers.log_layers`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.log_fields import TS_US, TokenColumns, _fields
from parsers.log_lines import NULL_STR, Prefixes

# prefix words before the HAProxy message: 5 = kubelet + rsyslog time + host twice + tag (must-gather
# current.log), 4 = rsyslog + host twice + tag, 3 = rsyslog + host + tag (3.x syslog), 7 = CRI
# rotated file (time, stream, F) + rsyslog + host twice + tag, 0 = bare HAProxy line.
PREFIX_WORDS = (5, 4, 3, 7, 0)

HTTP_WORDS, TCP_WORDS = 12 + 3, 9  # httplog fields + a 3-word request; tcplog fields


def _fast_shapes(text: pa.Array, lean: bool = False) -> tuple[pa.Table | None, np.ndarray]:
    """Lines of the usual shapes, tokenised once on spaces.

    Most lines of a router log are a known prefix + 12 httplog fields + a 3-word request, or + 9
    tcplog fields, so the token count says the shape; token ``i`` of every such row is taken
    straight from the flat token values, without copying whole lines again. Every other line
    (captures, ``<BADREQ>``, odd prefixes) is left to the general path. ``lean`` builds only the
    statistics columns; every field is still checked, so the same lines are accepted.
    """
    tokens = pc.split_pattern(text, " ")
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    starts = tokens.offsets.to_numpy()[:-1].astype(np.int64)
    values = tokens.values
    tables, handled = [], []

    def token(rows: np.ndarray, i: int) -> pa.Array:
        return pc.take(values, pa.array(starts[rows] + i))

    for words in PREFIX_WORDS:
        for mode, width in (("http", words + HTTP_WORDS), ("tcp", words + TCP_WORDS)):
            rows = np.flatnonzero(lengths == width)
            if not len(rows):
                continue
            ok = np.ones(len(rows), dtype=bool)
            if words:
                tag = token(rows, words - 1)
                tagged = pc.and_(pc.starts_with(tag, "haproxy["), pc.ends_with(tag, "]:"))
                ok &= pc.fill_null(tagged, False).to_numpy(zero_copy_only=False)
            if mode == "http":
                ok &= pc.fill_null(pc.starts_with(token(rows, words + 12), '"'), False).to_numpy(zero_copy_only=False)
            rows = rows[ok]
            if not len(rows):
                continue
            tok = TokenColumns(lambda i, rows=rows, words=words: token(rows, words + i))
            request = None
            if mode == "http" and not lean:
                joined = pc.binary_join_element_wise(*(tok(12 + k) for k in range(3)), " ")
                request = pc.utf8_trim(joined, characters='"')
            table, good = _fields(tok, request, mode, lean)
            if table is None:
                continue
            kept = rows[good]
            prefix = _prefix_of_tokens(lambda i, kept=kept: token(kept, i), 0 if lean else words, len(kept))
            table = table.drop(["_row"])
            for name in ("pid", "host", "received"):
                table = table.append_column(name, getattr(prefix, name))
            tables.append(table.append_column("_row", pa.array(kept, pa.int64())))
            handled.append(kept)
    if not tables:
        return None, np.array([], dtype=np.int64)
    return pa.concat_tables(tables), np.concatenate(handled)


def _prefix_of_tokens(token: Callable[[int], pa.Array], words: int, n: int) -> Prefixes:
    if not words:
        return Prefixes(pa.nulls(n, pa.string()), pa.nulls(n, pa.int64()), pa.nulls(n, pa.string()), pa.nulls(n, TS_US))
    tag = token(words - 1)
    pid_text = pc.utf8_rtrim(pc.utf8_slice_codeunits(tag, 8, 26), characters="]:")  # after "haproxy["
    pid = pc.cast(pc.if_else(pc.ascii_is_decimal(pid_text), pid_text, NULL_STR), pa.int64())
    host = token(words - 2) if words >= 2 else pa.nulls(n, pa.string())
    # time words: kubelet + rsyslog (5), rsyslog (4, 3), CRI time, stream, tag + rsyslog (7)
    received = log_lines.receive_time([token(i) for i in range(max(1, words - 3))])
    return Prefixes(pa.nulls(n, pa.string()), pid, host, received)
