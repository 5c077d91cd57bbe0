"""Garblers that are not the seed's spinner, on technical documentation: how well restore learns them.

    python bench/garblers.py [--garbler letter|cipher|neighbour|synonym] [--map N] [--skip-learn] [--skip-train]
                             [--learn-docs N] [--ceiling] [--bound] [--json FILE]

The text is the prose of the Python 3.11 documentation (Debian's ``python3.11-doc``, fetched
by ``apt-get download`` into the git-ignored ``corpora/cache/garblers/``; PSF licence, see
``corpora/README.md``), cut into documents of about 250 words. Four garblers, each with a
fixed seed:

* **letter**: a fixed map of 1,500 frequent words (drawn from the 3,000 most frequent) onto
  each other, within the words of the same first letter, applied to every occurrence;
* **cipher**: a fixed random map of 3,000 frequent words (drawn from the 4,000 most frequent)
  onto words of similar frequency (within 25 ranks), applied to 70% of occurrences, so each
  spun form is also a genuine word elsewhere;
* **neighbour**: another synonym spinner, of the seed's kind (a fixed rewrite per word, of lone
  lower-case words only) but with another choice function: each of the ``LETTER_POOL`` most
  frequent words becomes the second of its ranked WordNet neighbours (WordNet from Debian's
  ``wordnet-base``, as ``corpora/build.py`` reads it), where the seed's spinner mostly takes the first;
* **synonym**: another synonym spinner that picks at each occurrence: each lone lower-case word that
  has neighbours in the shipped model (``Channel.neighbours``, its first eight WordNet neighbours)
  becomes one of them at random, in ``SYNONYM_SHARE`` of its occurrences.

For each it writes 200 training pairs, 50 held-out test pairs and the spun sides of 400
other documents (``--learn-docs``: how much text ``learn`` gets), prints the coverage ceiling (share of the test's swapped tokens whose swap
the training pairs show), then runs ``restore train`` (context from the pairs' clean sides,
mixed with the shipped model's, and ``--own-context``), ``restore learn`` on the 400 spun documents (the
shipped model as base, timed) and ``restore eval`` of each model on the test pairs.
``--ceiling`` adds what ``learn`` could reach at best (``learn_ceiling``), and ``--bound`` what ``train``'s
model reaches with every word's neighbours as written in the original (``clean_neighbours``).
``--map N`` draws the documents' order and every map from another seed (12 and 13 are the
other maps the CHANGELOG reports); its sets go to ``<garbler>-N/`` beside the default's.
Not run in CI: it takes some minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpora.technical import plain_prose  # noqa: E402
from restore.spin import Spinner  # noqa: E402
from restore.tokenize import match_case, split_words, stands_alone  # noqa: E402

CACHE = ROOT / "corpora" / "cache" / "garblers"
PACKAGE = "python3.11-doc"
SEED = 11                       # the number: every draw below starts from it
DOC_WORDS = 250
N_TRAIN, N_TEST, N_LEARN = 200, 50, 400
# The pools from which the mapped words are drawn give coverage ceilings near the (letter
# 97.1%, cipher 95.6% of test swaps seen in 200 training pairs): here 96.5% and 96.4%.
LETTER_POOL = 3000
CIPHER_POOL = 4000
SYNONYM_SHARE = 0.8             # share of a word's occurrences the synonym garbler rewrites
CIPHER_WINDOW = 50              # a cipher word's image is within half this many frequency ranks


def fetch() -> Path:
    """The ``python3.11-doc`` package in the cache (downloaded once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(f"{PACKAGE}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", PACKAGE], cwd=CACHE, check=True, stdout=subprocess.DEVNULL)
        found = sorted(CACHE.glob(f"{PACKAGE}_*.deb"))
    return found[-1]


def sources(deb: Path) -> list[tuple[str, str]]:
    """``(name, reStructuredText)`` of every page of the documentation, by name."""
    tar_path = CACHE / "data.tar"
    if not tar_path.exists():
        with open(tar_path, "wb") as out:
            subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=out, check=True)
    pages = []
    with tarfile.open(tar_path) as tar:
        for m in tar.getmembers():
            if "/_sources/" in m.name and m.name.endswith(".rst.txt") and "whatsnew" not in m.name:
                f = tar.extractfile(m)
                assert f is not None
                pages.append((m.name, f.read().decode("utf-8", "replace")))
    return sorted(pages)


_ROLE = re.compile(r":[\w:.+-]+:`(?:([^`<]*?)\s*<[^`>]*>|~?(?:[\w.]*\.)?([^`]*?))`")
_LINK = re.compile(r"`([^`<]*?)\s*<[^`>]*>`_+")
_LITERAL = re.compile(r"``([^`]*)``")
_EMPHASIS = re.compile(r"\*\*?([^*]+)\*\*?")
_REF = re.compile(r"`([^`]*)`_*")


def prose(rst: str) -> list[str]:
    """The plain prose paragraphs of a page: no directives, code, tables or headings; markup stripped.

    >>> prose("Title\\n=====\\n\\nThe :func:`os.open` call returns a ``fd`` for the *file* that was named.\\n"
    ...       "It can fail when the file does not exist or when the caller lacks the rights.\\n")
    ['The open call returns a fd for the file that was named. It can fail when the file does not exist or when the caller lacks the rights.']
    """
    out = []
    for para in re.split(r"\n\s*\n", rst):
        lines = [line.strip() for line in para.strip("\n").splitlines()]
        if not lines or any(line.startswith(("..", ">>>", "|", "+-", "===", "---", "* ", "- ", "#"))
                            for line in lines):
            continue
        if len(lines) > 1 and re.fullmatch(r"[=\-~^\"'`*+#]{3,}", lines[-1]):
            continue
        text = " ".join(lines)
        text = _ROLE.sub(lambda m: (m.group(1) or m.group(2) or "").strip("~"), text)
        text = _LINK.sub(r"\1", text)
        text = _LITERAL.sub(r"\1", text)
        text = _EMPHASIS.sub(r"\1", text)
        text = _REF.sub(r"\1", text)
        if text.endswith("::"):
            text = text[:-1]
        if plain_prose(text):
            out.append(text)
    return out


def documents(pages: list[tuple[str, str]]) -> list[str]:
    """Paragraphs joined into documents of about ``DOC_WORDS`` words, each within one page."""
    docs = []
    for _, rst in pages:
        current: list[str] = []
        size = 0
        for para in prose(rst):
            current.append(para)
            size += len(split_words(para)) // 2
            if size >= DOC_WORDS:
                docs.append("\n\n".join(current))
                current, size = [], 0
    return docs


def frequent(docs: list[str], n: int) -> list[str]:
    """The ``n`` most frequent lower-case words (letters only, two or more) of ``docs``."""
    counts: Counter = Counter()
    for doc in docs:
        counts.update(w.lower() for w in split_words(doc)[1::2] if w.isalpha() and len(w) > 1)
    return [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:n]]


def letter_map(words: list[str], rng: random.Random) -> dict[str, str]:
    """1,500 of the ``LETTER_POOL`` most frequent words, shuffled among those with the same first letter
    (no word onto itself): every spun form is a mapped word, which the garbler always rewrites, so
    no spun form also stands for itself."""
    by_letter: dict[str, list[str]] = {}
    for w in sorted(rng.sample(words[:LETTER_POOL], 1500), key=words.index):
        by_letter.setdefault(w[0], []).append(w)
    table: dict[str, str] = {}
    for group in by_letter.values():
        if len(group) < 2:
            continue
        image = group[:]
        while any(a == b for a, b in zip(group, image)):
            rng.shuffle(image)
        table.update(zip(group, image))
    return table


def cipher_map(words: list[str], rng: random.Random) -> dict[str, str]:
    """3,000 of the ``CIPHER_POOL`` most frequent words, each onto a word within ``CIPHER_WINDOW`` / 2
    frequency ranks of it."""
    pool = words[:CIPHER_POOL]
    chosen = set(rng.sample(pool, 3000))
    half = CIPHER_WINDOW // 2
    return {w: rng.choice([o for o in pool[max(0, i - half):i + half] if o != w])
            for i, w in enumerate(pool) if w in chosen}


def neighbour_map(words: list[str]) -> dict[str, str]:
    """Each of the ``LETTER_POOL`` most frequent words onto the second of its ranked WordNet neighbours
    that is one word of letters (the seed's spinner mostly takes the first)."""
    from restore.wordnet import WordNet
    wordnet = WordNet.load()
    table = {}
    for w in words[:LETTER_POOL]:
        ranked = [n for n, _, _ in wordnet.neighbours(w, lambda _: True) if n.isalpha() and n != w]
        if len(ranked) > 1:
            table[w] = ranked[1]
    return table


def synonyms(text: str, neighbours, rng: random.Random) -> str:
    """Rewrite ``SYNONYM_SHARE`` of the lone lower-case words that have ``neighbours``, each as one of them
    at random."""
    parts = split_words(text)
    for i in range(1, len(parts), 2):
        options = neighbours.get(parts[i], ())
        if options and parts[i].islower() and stands_alone(parts[i - 1], parts[i + 1]) and rng.random() < SYNONYM_SHARE:
            parts[i] = rng.choice(options)
    return "".join(parts)


def garble(text: str, table: dict[str, str], share: float, rng: random.Random) -> str:
    """Rewrite each word of ``table`` (any case, anywhere) with probability ``share``."""
    parts = split_words(text)
    for i in range(1, len(parts), 2):
        image = table.get(parts[i].lower())
        if image and (share >= 1 or rng.random() < share):
            parts[i] = match_case(parts[i], image)
    return "".join(parts)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def ceiling(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> float:
    """Share of the test's swapped tokens whose (original, garbled) swap some training pair shows."""
    def swaps(pairs):
        for spun, clean in pairs:
            for g, c in zip(split_words(spun)[1::2], split_words(clean)[1::2]):
                if g != c:
                    yield c.lower(), g.lower()
    seen = set(swaps(train))
    tested = list(swaps(test))
    return sum(s in seen for s in tested) / max(len(tested), 1)


def make(name: str, docs: list[str], words: list[str], out: Path, n_learn: int = N_LEARN, seed: int = SEED) -> dict:
    """Write the garbler's train, test and learn sets under ``out``; return its facts."""
    rng = random.Random(f"{seed}-{name}")
    spin = random.Random(f"{seed}-{name}-spin")
    garbled: Callable[[str], str]
    if name == "neighbour":
        spinner = Spinner(neighbour_map(words))
        table = spinner.table
        garbled = spinner.spin
    elif name == "synonym":
        from restore.model import Model
        neighbours = Model.default().channel.neighbours
        table = {w: "" for w in words if neighbours.get(w)}

        def garbled(text: str) -> str:
            return synonyms(text, neighbours, spin)
    else:
        table = letter_map(words, rng) if name == "letter" else cipher_map(words, rng)
        share = 1.0 if name == "letter" else 0.7

        def garbled(text: str) -> str:
            return garble(text, table, share, spin)
    test, train, learn = docs[:N_TEST], docs[N_TEST:N_TEST + N_TRAIN], docs[N_TEST + N_TRAIN:]
    learn = learn[:n_learn]
    pairs = {k: [(garbled(d), d) for d in v] for k, v in
             (("train", train), ("test", test), ("learn", learn))}
    out.mkdir(parents=True, exist_ok=True)
    for k in ("train", "test"):
        write_jsonl(out / f"{k}.jsonl", [{"spun": s, "clean": c} for s, c in pairs[k]])
    spun_dir = out / "spun"
    spun_dir.mkdir(exist_ok=True)
    for stale in spun_dir.glob("*.txt"):          # from a run with another --learn-docs
        stale.unlink()
    for i, (s, _) in enumerate(pairs["learn"]):
        (spun_dir / f"{i:04d}.txt").write_text(s, encoding="utf-8")
    write_jsonl(out / "learn.jsonl", [{"spun": s, "clean": c} for s, c in pairs["learn"]])
    return {"map": len(table), "ceiling": ceiling(pairs["train"], pairs["test"]),
            "learn_words": sum(len(split_words(s)) // 2 for s, _ in pairs["learn"])}


def restore(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "restore", *args], env=env, check=True,
                          capture_output=True, text=True)


def evaluate(model: Path, test: Path) -> dict:
    return json.loads(restore("eval", str(test), "--model", str(model), "--json").stdout)


def learn_ceiling(out: Path, shipped: Path, floors: tuple[float, ...] = (0.0, 0.9, 0.95)) -> dict:
    """What ``learn`` could reach at best: a channel counted from the learn documents' own pairs
    (all that 400 documents show of the garbler) over the shipped context model alone (no clean
    text of the domain), evaluated with each confidence floor (``restore fix --min-confidence``)."""
    from restore.decode import Restorer
    from restore.evaluate import evaluate as score
    from restore.learn import train_model
    from restore.model import load
    from restore.pairs import read_pairs

    model = train_model(read_pairs([out / "learn.jsonl"]), context=load(shipped).context)
    test = list(read_pairs([out / "test.jsonl"]))
    return {f"floor {floor}": score(test, Restorer(model, min_confidence=floor).restore) for floor in floors}


def clean_neighbours(model: Path, test: Path) -> dict:
    """What a ``train`` model restores when each word's neighbours are the clean original's: a bound
    that no search through the choices can beat, so what it still misses is the context model's.
    (It swaps the decoder's iterated choices, ``Restorer._icm``, for the truth.)"""
    import numpy as np

    from restore.decode import Restorer
    from restore.evaluate import evaluate as score
    from restore.lattice import Lattice
    from restore.model import load
    from restore.pairs import read_pairs

    class Told(Restorer):
        truth: np.ndarray | None = None

        def _icm(self, doc, rate, first_round=None):
            if self.truth is not None and len(self.truth) == len(doc.stream):
                return self._context(doc, self.truth), self.truth.copy()
            return super()._icm(doc, rate, first_round)

    restorer = Told(load(model))
    pairs = list(read_pairs([test]))
    clean_of = dict(pairs)

    def restore_told(spun: str) -> str:
        restorer.truth = Lattice(split_words(clean_of[spun]), restorer._tables).stream
        return restorer.restore(spun)
    return score(pairs, restore_told)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--garbler", action="append", choices=("letter", "cipher", "neighbour", "synonym"))
    parser.add_argument("--map", type=int, default=SEED, metavar="N",
                        help="seed of the documents' order and the maps (default %(default)s)")
    parser.add_argument("--skip-train", action="store_true", help="no restore train runs")
    parser.add_argument("--skip-learn", action="store_true", help="no restore learn runs")
    parser.add_argument("--learn-docs", type=int, default=N_LEARN, metavar="N",
                        help="spun documents restore learn reads (default %(default)s)")
    parser.add_argument("--ceiling", action="store_true",
                        help="also score learn's ceiling: the learn documents' own swaps over the shipped context")
    parser.add_argument("--bound", action="store_true",
                        help="also score train's model with each word's neighbours taken from the clean original")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    shipped = ROOT / "restore" / "data" / "default.model"
    rng = random.Random(args.map)
    docs = documents(sources(fetch()))
    rng.shuffle(docs)
    words = frequent(docs, CIPHER_POOL)
    print(f"{len(docs)} documents of about {DOC_WORDS} words from {PACKAGE}, map {args.map}", file=sys.stderr)
    results = {}
    for name in args.garbler or ["letter", "cipher", "neighbour", "synonym"]:
        out = CACHE / (name if args.map == SEED else f"{name}-{args.map}")
        facts = make(name, docs, words, out, args.learn_docs, args.map)
        row: dict = {**facts}
        print(f"{name}: {facts['map']} words mapped; ceiling {facts['ceiling']:.1%} of test swaps seen in "
              f"training; {facts['learn_words']} words to learn from", flush=True)
        runs: list[tuple[str, list[str] | None]] = []
        if not args.skip_train:
            runs += [("train (context mixed with shipped)", ["train", str(out / "train.jsonl"), "-o",
                                                             str(out / "train.model"), "--context-from", str(shipped)]),
                     ("train --own-context", ["train", str(out / "train.jsonl"), "-o", str(out / "train-own.model"),
                                              "--own-context"])]
        if not args.skip_learn:
            runs += [(f"learn (spun only, {args.learn_docs} docs)", ["learn", str(out / "spun"), "-o", str(out / "learn.model"),
                                                     "--base", str(shipped), "--quiet"])]
        runs.append(("shipped model", None))
        for label, command in runs:
            started = time.perf_counter()
            if command:
                restore(*command)
            seconds = time.perf_counter() - started
            model = shipped if command is None else Path(command[command.index("-o") + 1])
            result = evaluate(model, out / "test.jsonl")
            row[label] = {**result, "seconds": round(seconds, 1)}
            print(f"  {label:32s} restored {result['restored']:.1%}  broken {result['broken']:.2%}  "
                  f"WER {result['wer_before']:.1%} -> {result['wer_after']:.1%}  ({seconds:.0f} s)", flush=True)
        if args.bound and not args.skip_train:
            row["clean neighbours"] = bound = clean_neighbours(out / "train.model", out / "test.jsonl")
            print(f"  train, clean neighbours (bound)  restored {bound['restored']:.1%}  broken {bound['broken']:.2%}",
                  flush=True)
        if args.ceiling:
            row["learn ceiling"] = learn_ceiling(out, shipped)
            for label, result in row["learn ceiling"].items():
                print(f"  learn's ceiling, {label:15s} restored {result['restored']:.1%}  broken {result['broken']:.2%}",
                      flush=True)
        results[name] = row
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
