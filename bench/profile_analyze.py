"""Where `mga analyze` spends its time: load a snapshot, then profile the analysis alone.

    python -m bench.gen_mustgather OUT --namespaces 500 --pods 8 --log-kb 4
    python -m bench.profile_analyze OUT [--top 45] [--load]

Prints the load and analysis times and the cProfile table sorted by cumulative time; with
``--load``, loading is profiled too (its own table, printed first). A tool for reading shares, not
a benchmark: the profiler slows the code it measures.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from analyzer.run import analyze
from parsers.load_snapshot import load_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="must-gather, inspect or YAML dump paths")
    parser.add_argument("--top", type=int, default=45, help="rows of the profile to print")
    parser.add_argument("--load", action="store_true", help="profile loading too")
    args = parser.parse_args()
    start = time.perf_counter()
    loading = cProfile.Profile() if args.load else None
    if loading is not None:
        loading.enable()
    snap = load_snapshot(args.inputs)
    if loading is not None:
        loading.disable()
    loaded = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    result = analyze(snap)
    profile.disable()
    done = time.perf_counter()
    print(f"load {loaded - start:.1f} s, analyze {done - loaded:.1f} s: "
          f"{len(result.routes)} routes, {len(result.findings)} findings")
    if loading is not None:
        print("loading:")
        pstats.Stats(loading).sort_stats("cumulative").print_stats(args.top)
        print("analysis:")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
