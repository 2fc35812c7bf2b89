"""What the snapshot keeps of the files it read, and the peak RSS of loading it (docs/performance.md).

Usage: ``python -m bench.kept_text INPUT [INPUT ...]``. Loads the inputs as ``mga analyze`` does
(access logs included), then quotes the first line of every object row (the evidence path), and
prints one JSON line: files kept, kept text bytes once loaded and after the quotes (``Snapshot.texts``:
the bytes themselves before re-reading by offset; the block index, zlib copies and the blocks read
lately since), lines quoted, seconds, peak RSS.
Works on a checkout from before the change too (``PYTHONPATH=<checkout>``), to compare.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _kept(texts: object) -> tuple[int, int]:
    if isinstance(texts, dict):  # before: every byte of every file read
        return len(texts), sum(len(v) for v in texts.values())
    return len(texts), texts.kept_bytes  # type: ignore[arg-type, attr-defined]


def main(argv: list[str]) -> None:
    from parsers.load_snapshot import load_snapshot

    began = time.perf_counter()
    snap = load_snapshot(argv, want_logs=True)
    loaded = time.perf_counter() - began
    files, kept_loaded = _kept(snap.texts)
    quoted = 0
    for frame in snap.frames.values():
        if {"input", "source", "line"} <= set(frame.columns):
            for inp, source, line in frame[["input", "source", "line"]].dropna().itertuples(index=False):
                if snap.source_line(inp, source, int(line)) is not None:
                    quoted += 1
    print(json.dumps({
        "inputs": argv, "files_kept": files, "kept_text_bytes": kept_loaded,
        "kept_after_quotes": _kept(snap.texts)[1], "lines_quoted": quoted,
        "load_s": round(loaded, 2), "quote_s": round(time.perf_counter() - began - loaded, 2),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
