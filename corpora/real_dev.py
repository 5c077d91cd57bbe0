"""Read the spinner's swaps off fetched real article pairs: ``python -m corpora.real_dev``.

Each pair in ``.cache/real-dev/raw/NNN.json`` (a spun excerpt and a faithful copy of the
same article, fetched as ``../shared/real-dev/README.md`` says; never committed) is cut
to the span both copies share, the way ``../shared/real-dev/make.py`` cuts it, and aligned
token by token.  Two facts per article are written to ``corpora/lexicon/``, one file each,
so that an article can be left out:

* ``dev-NNN-lexicon.tsv``: ``original<TAB>garbled<TAB>count`` for every swap;
* ``dev-NNN-survivors.tsv``: ``word<TAB>count``, how often each word of the original
  (lower-cased, without apostrophes or hyphens) stood unswapped (0: swapped every time);
* ``dev-NNN-places.tsv``: ``word<TAB>place<TAB>kept<TAB>swapped`` for every word of the
  original, by where it stood: ``lone`` (lower case, whitespace on both sides), ``touching``
  (punctuation on a side) or ``capitalised``.  They tell how often the spinner rewrites a
  word it knows, and how much less often when the word touches punctuation or has a capital.

Where ``../shared/lexicon/`` provides an article's lexicon and survivors, those files are
copied as they are.  Only these derived facts are committed, never the text; the
articles used are listed, by title and address, in ``corpora/lexicon/real-dev.tsv``.
A pair whose title is one of the hidden test set's (``hidden-titles.sha256``) is refused.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.util
import json
import re
import shutil
from collections import Counter
from pathlib import Path

from restore.align import joins_insertion
from restore.tokenize import WORD, split_words, stands_alone

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / ".cache" / "real-dev" / "raw"
SHARED = ROOT.parent / "shared"
LEXICON = Path(__file__).resolve().parent / "lexicon"
TOKEN = re.compile(r"\w+(?:[’'\-]\w+)*|[^\w\s]")
LONGEST_PHRASE = 5          # a longer unequal stretch is a paragraph one copy lacks, not a phrase swap


def common_span(raw: dict) -> tuple[str, list[str]] | None:
    """The spun text and the original tokens of the span both copies share, as the shared scorer cuts it."""
    spec = importlib.util.spec_from_file_location("make", SHARED / "real-dev" / "make.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    built, _ = make.build(raw)
    if built is None:
        return None
    return built["garbled"], built["ref"]


def swaps(spun: list[str], original: list[str]) -> tuple[Counter, Counter, Counter]:
    """``(swaps, kept, seen)``: (original, garbled) swap counts, and per lower-case original word
    how often it stood unswapped and how often it occurred (words lower-cased, as in ``../shared/lexicon``).

    >>> s, kept, seen = swaps("Workers astatine the agency .".split(), "Workers at the agency .".split())
    >>> s, kept["agency"], seen["at"]
    (Counter({('at', 'astatine'): 1}), 1, 1)
    """
    out: Counter[tuple[str, str]] = Counter()
    kept: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    a, b = [t.lower() for t in spun], [t.lower() for t in original]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        words = [w for w in b[j1:j2] if w.isalpha()]
        seen.update(w for w in words)
        if op == "equal":
            kept.update(words)
        elif op == "replace" and i2 - i1 == j2 - j1:
            out.update((o, g) for o, g in zip(b[j1:j2], a[i1:i2])
                       if o != g and o[0].isalnum() and g[0].isalnum())     # not a scraper's straight quotes
        elif (op == "replace" and max(i2 - i1, j2 - j1) <= LONGEST_PHRASE
              and all(t.isalnum() for t in a[i1:i2] + b[j1:j2])):     # not "p.m." against "pm"
            out[" ".join(b[j1:j2]), " ".join(a[i1:i2])] += 1
        elif op == "delete" and inserted_phrase(a, i1, i2, b, j1):     # words the original lacks
            out[" ".join(b[j1 - 1:j1 + 1]), " ".join(a[i1 - 1:i2 + 1])] += 1
    return out, kept, seen


def inserted_phrase(spun: list[str], i1: int, i2: int, original: list[str], j: int) -> bool:
    """Whether the words ``spun[i1:i2]``, which the original lacks before ``original[j]``, are a
    phrase swap of the two words around them ("is simply a" for "is a"): a few words, standing
    between two words the spinner left as they were.

    >>> inserted_phrase("it is simply a test".split(), 2, 3, "it is a test".split(), 2)
    True
    >>> inserted_phrase("it is , a test".split(), 2, 3, "it is a test".split(), 2)
    False
    """
    return (0 < i1 and i2 < len(spun) and 0 < j < len(original) and i2 - i1 <= LONGEST_PHRASE - 2
            and joins_insertion(((original[j - 1],), (spun[i1 - 1],)), tuple(spun[i1:i2]),
                                ((original[j],), (spun[i2],))))


def places(spun: str, original: list[str]) -> Counter:
    """``(word, place, swapped)`` counts over the words of ``original``, placed as they stand in ``spun``.

    >>> sorted(places("Workers astatine the agency.", "Workers at the agency .".split()).items())
    [(('agency', 'touching', False), 1), (('at', 'lone', True), 1), (('the', 'lone', False), 1), \
(('workers', 'capitalised', False), 1)]
    """
    parts = split_words(spun)
    words = parts[1::2]
    ref = [t for t in original if WORD.fullmatch(t)]
    out: Counter = Counter()
    matcher = difflib.SequenceMatcher(a=[w.lower() for w in words], b=[t.lower() for t in ref], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if not ref[j].isalpha():
                    continue
                place = ("capitalised" if not ref[j].islower()
                         else "lone" if stands_alone(parts[2 * i], parts[2 * i + 2]) else "touching")
                out[ref[j].lower(), place, words[i].lower() != ref[j].lower()] += 1
    return out


def write(name: str, found: Counter, kept: Counter, seen: Counter, placed: Counter) -> None:
    rows = sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    (LEXICON / f"{name}-lexicon.tsv").write_text("".join(f"{o}\t{g}\t{n}\n" for (o, g), n in rows), encoding="utf-8")
    (LEXICON / f"{name}-survivors.tsv").write_text(
        "".join(f"{w}\t{kept[w]}\n" for w in sorted(seen)), encoding="utf-8")
    rows = sorted({(w, p) for w, p, _ in placed})
    (LEXICON / f"{name}-places.tsv").write_text(
        "".join(f"{w}\t{p}\t{placed[w, p, False]}\t{placed[w, p, True]}\n" for w, p in rows), encoding="utf-8")


def hidden(title: str) -> bool:
    """Whether ``title`` is one of the hidden test set's, which must stay unseen.

    >>> hidden("Politics Is Fandom; Fascism Is Fanfic")
    False
    """
    path = SHARED / "real-dev" / "hidden-titles.sha256"
    normal = re.sub(r"\s+", " ", title.lower().replace("\u2019", "'")).strip()
    return path.exists() and hashlib.sha256(normal.encode("utf-8")).hexdigest() in path.read_text().split()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpora.real_dev", description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of fetched pairs NNN.json")
    parser.add_argument("--prefix", default="dev",
                        help="name the files PREFIX-NNN-*.tsv and list the pairs in PREFIX.tsv (default: dev, "
                        "listed in real-dev.tsv); another garbler's pairs get their own prefix, e.g. manipi")
    args = parser.parse_args(argv)
    listed = []
    for path in sorted(args.raw.glob("[0-9]*.json")):
        name = f"{args.prefix}-{path.stem}"
        raw = json.loads(path.read_text(encoding="utf-8"))
        if hidden(raw["title"]):
            print(f"{path}: a hidden test article: refused (delete it)")
            continue
        span = common_span(raw)
        if span is None:
            print(f"{path}: the two copies share no sentence: skipped")
            continue
        spun, original = span
        found, kept, seen = swaps(TOKEN.findall(spun), original)
        write(name, found, kept, seen, places(spun, original))
        if (SHARED / "lexicon" / f"{name}-lexicon.tsv").exists():      # the shared facts win where given
            for kind in ("lexicon", "survivors"):
                shutil.copyfile(SHARED / "lexicon" / f"{name}-{kind}.tsv", LEXICON / f"{name}-{kind}.tsv")
        print(f"{name}: {sum(found.values())} swaps of {len(found)} kinds, {len(seen)} distinct words")
        listed.append(f"{name}\t{raw['title']}\t{raw['garbled_url']}\t{raw['original_url']}\n")
    (LEXICON / ("real-dev.tsv" if args.prefix == "dev" else f"{args.prefix}.tsv")).write_text("id\ttitle\tspun copy\tfaithful copy\n" + "".join(listed),
                                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
