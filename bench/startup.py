"""Whole-process time and peak memory of `restore fix` on a one-line input.

    python bench/startup.py [--runs 10]

Prints the median wall time of --runs runs of `python -m restore fix`, and the peak RSS of the
largest of them.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

LINE = "Workers astatine the agency person been told to stock accusation.\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "restore", "fix"], input=LINE, capture_output=True,
                             text=True, check=True).stdout
        times.append(time.perf_counter() - t)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"output: {out.strip()}")
    print(f"restore fix, one line: median {statistics.median(times):.3f} s over {args.runs} runs "
          f"(min {min(times):.3f}, max {max(times):.3f})")
    print(f"peak RSS: {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
