"""The lines of a chunk no request shape read: the router's own messages (kept as events), the rest unparsed
(counted, the first few kept as samples with why nothing read them)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parsers import log_lines
from parsers.log_fallback import reason
from parsers.log_window import OUT_OF_RANGE_REASON
from parsers.router_messages import EVENT_HINT, router_event

MAX_SAMPLES = 50


@lru_cache(maxsize=8)
def compiled_format(log_format: str) -> Any:
    from parsers.log_format import compile_log_format

    return compile_log_format(log_format)


def sort_rejected(
    lines: log_lines.ChunkLines, rejected: np.ndarray, log_format: str | None, input: str, source: str,
    router_pod: str | None, out_of_range: frozenset[int] = frozenset(),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Rejected lines are router messages (kept as events) or unparsed (counted, a few sampled)."""
    events: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    unparsed = 0
    if not len(rejected):
        return events, samples, unparsed
    rejected = np.asarray(rejected, dtype=np.int64)
    taken = lines.taken(rejected)
    # only a line with a router message's words can be one (``parsers.router_messages.EVENT_HINT``): the others
    # are unparsed, counted at once, and read as text only for the first samples (a file of millions of other
    # lines given as a router log made a Python string and a regex search of each)
    hinted = pc.fill_null(pc.match_substring_regex(taken, EVENT_HINT), False).to_numpy(zero_copy_only=False)
    plain = np.flatnonzero(~hinted)
    unparsed = len(plain) - min(len(plain), MAX_SAMPLES)  # those beyond the samples' reach, counted here
    read = np.union1d(np.flatnonzero(hinted), plain[:MAX_SAMPLES])
    texts = taken.take(pa.array(read)).to_pylist() if len(read) < len(taken) else taken.to_pylist()
    custom = compiled_format(log_format) if log_format else None  # its lines' reasons are its own
    for i, text in zip(rejected[read].tolist(), texts, strict=True):
        text = text or ""
        number = int(lines.numbers[i])
        event = router_event(text)
        if event is not None:
            events.append(
                {
                    **event,
                    "router_pod": log_lines.host_of(text) or router_pod,
                    "input": input,
                    "source": source,
                    "line": number,
                }
            )
            continue
        unparsed += 1
        if len(samples) < MAX_SAMPLES:
            samples.append(
                {"input": input, "source": source, "line": number, "text": text[:2000],
                 "reason": OUT_OF_RANGE_REASON if i in out_of_range else reason(text, custom)}
            )
    return events, samples, unparsed
