"""Read the spinner's swaps off fetched real article pairs: ``python -m corpora.real_dev``.

Each pair in ``.cache/real-dev/raw/NNN.json`` (a spun excerpt and a faithful copy of the
same article, fetched as ``../shared/real-dev/README.md`` says; never committed) is cut
to the span both copies share, the way ``../shared/real-dev/make.py`` cuts it, and aligned
token by token.  Two facts per article are written to ``corpora/lexicon/``, one file each,
so that an article can be left out:

* ``dev-NNN-lexicon.tsv``: ``original<TAB>garbled<TAB>count`` for every swap;
* ``dev-NNN-survivors.tsv``: ``word<TAB>count``, how often each word of the original
  (lower-cased, without apostrophes or hyphens) stood unswapped (0: swapped every time).

Articles whose lexicon ``../shared/lexicon/`` already provides are skipped: those files
are copied as they are.  Only these derived facts are committed, never the text.
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import re
import shutil
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / ".cache" / "real-dev" / "raw"
SHARED = ROOT.parent / "shared"
LEXICON = Path(__file__).resolve().parent / "lexicon"
TOKEN = re.compile(r"\w+(?:[’'\-]\w+)*|[^\w\s]")
LONGEST_PHRASE = 5          # a longer unequal stretch is a paragraph one copy lacks, not a phrase swap


def common_span(raw: dict) -> tuple[list[str], list[str]] | None:
    """The spun and original tokens of the span both copies share, as the shared scorer cuts it."""
    spec = importlib.util.spec_from_file_location("make", SHARED / "real-dev" / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    built, _ = make.build(raw)
    if built is None:
        return None
    return TOKEN.findall(built["garbled"]), built["ref"]


def swaps(spun: list[str], original: list[str]) -> tuple[Counter, Counter, Counter]:
    """``(swaps, kept, seen)``: (original, garbled) swap counts, and per lower-case original word
    how often it stood unswapped and how often it occurred (words lower-cased, as in ``../shared/lexicon``).

    >>> s, kept, seen = swaps("Workers astatine the agency .".split(), "Workers at the agency .".split())
    >>> s, kept["agency"], seen["at"]
    (Counter({('at', 'astatine'): 1}), 1, 1)
    """
    out, kept, seen = Counter(), Counter(), Counter()
    a, b = [t.lower() for t in spun], [t.lower() for t in original]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        words = [w for w in b[j1:j2] if w.isalpha()]
        seen.update(w for w in words)
        if op == "equal":
            kept.update(words)
        elif op == "replace" and i2 - i1 == j2 - j1:
            out.update((o.lower(), g.lower()) for o, g in zip(b[j1:j2], a[i1:i2]) if o != g)
        elif (op == "replace" and max(i2 - i1, j2 - j1) <= LONGEST_PHRASE
              and all(t.isalnum() for t in a[i1:i2] + b[j1:j2])):     # not "p.m." against "pm"
            out[" ".join(b[j1:j2]), " ".join(a[i1:i2])] += 1
    return out, kept, seen


def write(name: str, found: Counter, kept: Counter, seen: Counter) -> None:
    rows = sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    (LEXICON / f"{name}-lexicon.tsv").write_text("".join(f"{o}\t{g}\t{n}\n" for (o, g), n in rows), encoding="utf-8")
    (LEXICON / f"{name}-survivors.tsv").write_text(
        "".join(f"{w}\t{kept[w]}\n" for w in sorted(seen)), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpora.real_dev", description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of fetched pairs NNN.json")
    args = parser.parse_args(argv)
    for path in sorted(args.raw.glob("[0-9]*.json")):
        name = f"dev-{path.stem}"
        shared = SHARED / "lexicon" / f"{name}-lexicon.tsv"
        if shared.exists():
            for kind in ("lexicon", "survivors"):
                shutil.copyfile(SHARED / "lexicon" / f"{name}-{kind}.tsv", LEXICON / f"{name}-{kind}.tsv")
            continue
        span = common_span(json.loads(path.read_text(encoding="utf-8")))
        if span is None:
            print(f"{path}: the two copies share no sentence: skipped")
            continue
        found, kept, seen = swaps(*span)
        write(name, found, kept, seen)
        print(f"{name}: {sum(found.values())} swaps of {len(found)} kinds, {len(seen)} distinct words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
