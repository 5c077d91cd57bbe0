"""Benchmark `restore review` of many documents: the wall time of the whole command (process start,
model load, restoring, writing every page and the index) for an archive of spun articles.

    python bench/review.py                  # 100 articles, 5 runs; prints a table and a JSON line
    python bench/review.py --files 1000 --runs 3

The articles are bench/batch.py's: hand-made paragraphs and sentence patterns (no third-party text)
spun by restore's own spinner emulator, about 400 words each.  The acceptance bound is 10 s for 100.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from batch import build_archive  # noqa: E402  (bench/batch.py)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        words = build_archive(archive, args.files)
        times = []
        for run in range(args.runs):
            out = Path(tmp) / f"review-{run}"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "restore", "review", str(archive), "-o", str(out)],
                           check=True, env=env)
            times.append(time.perf_counter() - start)
        pages = [p for p in out.rglob("*.html") if p.name != "index.html"]
        sizes = [p.stat().st_size for p in pages]
        index = (out / "index.html").stat().st_size
    result = {"files": args.files, "words": words, "runs": args.runs, "best_s": round(min(times), 3),
              "median_s": round(statistics.median(times), 3), "pages": len(pages),
              "page_kb_median": round(statistics.median(sizes) / 1024, 1), "page_kb_max": round(max(sizes) / 1024, 1),
              "index_kb": round(index / 1024, 1)}
    print(f"restore review of {args.files} documents ({words:,} words): best {result['best_s']} s, "
          f"median {result['median_s']} s of {args.runs} runs")
    print(f"pages: {len(pages)}, median {result['page_kb_median']} KB, largest {result['page_kb_max']} KB; "
          f"index {result['index_kb']} KB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
