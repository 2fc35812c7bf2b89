"""Where `mga analyze` spends its time: load a snapshot, then profile the analysis alone.

    python -m bench.gen_mustgather OUT --namespaces 500 --pods 8 --log-kb 4
    python -m bench.profile_analyze OUT [--top 45]

Prints the load and analysis times and the cProfile table sorted by cumulative time. A tool for
reading shares, not a benchmark: the profiler slows the code it measures.
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
    args = parser.parse_args()
    start = time.perf_counter()
    snap = load_snapshot(args.inputs)
    loaded = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    result = analyze(snap)
    profile.disable()
    done = time.perf_counter()
    print(f"load {loaded - start:.1f} s, analyze {done - loaded:.1f} s: "
          f"{len(result.routes)} routes, {len(result.findings)} findings")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
