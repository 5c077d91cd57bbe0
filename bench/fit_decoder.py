"""Fit the decoder's constants on real articles left out one at a time, and on clean text.

    python bench/fit_decoder.py [--models DIR] [--rounds 2] [--once]

Each constant of ``restore/decode.py`` named below is tried at a few values, one at a time
(coordinate descent, ``--rounds`` passes), keeping the value with the fewest errors:

* on the real articles (``bench/real_dev.py``), each restored by the model that never saw
  its swaps: swapped tokens left wrong plus correct tokens broken;
* on the same articles cut into sentences, each restored on its own (users fix short texts
  too, where the prior that a text is spun weighs most): the same errors;
* on clean text written for the tests, each change counted ``CLEAN_COST`` times, as clean text
  must come back unchanged: every word changed in ``tests/fixtures/clean-prose.txt``
  and in each sentence of ``tests/fixtures/clean-sentences.txt`` restored on its own;
* on the user card's own example, "Workers astatine the agency person been told to stock
  accusation", whose every word must come back as the card says (``CLEAN_COST`` a word);
* on short spun snippets: each of those clean sentences spun by restore's spinner emulator and
  restored on its own, every word left wrong or made wrong counted once.  A user's snippet is
  shorter than an article's sentence, and weighs the prior that a text is spun most.

Then it calibrates the confidence temperature: the one whose confidences have the least log
loss on the changes made to the real articles, with a table of confidence against how often
changes were right.  Fold models are built by the recipe, or read from ``--models DIR`` (as
``bench/real_dev.py --save-models DIR`` writes them).  ``--once`` only counts the errors of the
decoder as it stands: with saved folds, a change to the decoder is measured in about 20 seconds.
"""
from __future__ import annotations

import argparse
import difflib
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import real_dev  # noqa: E402

from restore import decode  # noqa: E402
from restore.decode import Restorer  # noqa: E402
from restore.model import Model  # noqa: E402
from restore.spin import Spinner  # noqa: E402
from restore.tokenize import split_words  # noqa: E402

GRID = {
    "LM_WEIGHT": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
    "DOUBT": [2.0, 3.0, 4.0, 5.0, 6.0, 8.0],
    "SPUN_PRIOR": [-12.0, -10.0, -8.0, -6.0],
    "COMMON": [-14.0, -12.0, -10.0],
    "PRIOR_SPIN": [0.1, 0.3, 0.5, 0.8, 1.0],
    "PRIOR_STRENGTH": [3.0, 10.0, 30.0, 100.0],
}
# PAIR_OPTIONS is left at 4: 6 saved 1-2 errors but cost the decoder 6% of its speed, which must keep pace
# with ftfy
TEMPERATURES = [0.8, 0.9, 1.0, 1.2, 1.35, 1.5, 1.75, 2.0, 2.5]
TOKEN = re.compile(r"\w+(?:[’'\-]\w+)*|[^\w\s]")
# the user's card's own example, which must come back as the card says (costs CLEAN_COST a word)
CARD = ("Workers astatine the agency person been told to stock accusation astir it.",
        "Workers at the agency have been told to share information about it.")
CLEAN_COST = 100          # clean text must come back unchanged: one clean word changed outweighs any gain
SENTENCE = re.compile(r"(?<=[.!?])(?=\s)")      # where a text splits into sentences, restored one at a time


class SavedFolds:
    """The fold models in ``folder`` (as ``bench/real_dev.py --save-models`` writes them), by article id,
    each loaded when asked for: a loaded model holds its own context model (some 250 MB), so only the
    last one is kept (copies of one story share a file, hard-linked, and so a load)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._file: tuple[int, int] | None = None
        self._model: Model | None = None

    def __getitem__(self, article_id: str) -> Model:
        path = self.folder / f"{article_id}.model"
        stat = path.stat()
        if self._model is None or self._file != (stat.st_dev, stat.st_ino):
            self._model, self._file = None, (stat.st_dev, stat.st_ino)     # let the last one go first
            self._model = Model.load(path)
        return self._model


def fold_models(args) -> tuple[list[dict], dict | SavedFolds, Model]:
    articles = real_dev.articles()
    if args.models:
        articles = [a for a in articles if (args.models / f"{a['id']}.model").exists()]
        return articles, SavedFolds(args.models), Model.load(args.models / "seen.model")
    from corpora.build import Recipe
    recipe = Recipe.prepare()
    models = {a["id"]: recipe.model(real_dev.lexicon_names(a["id"], articles))[0] for a in articles}
    return articles, models, recipe.model()[0]


class Evaluation:
    """Errors of the decoder, as it is configured now, on real and clean text."""

    def __init__(self, articles: list[dict], models: dict | SavedFolds, clean_model: Model):
        self.articles, self.models, self.clean_model = articles, models, clean_model
        self.score = real_dev.scorer()
        fixtures = ROOT / "tests" / "fixtures"
        self.prose = (fixtures / "clean-prose.txt").read_text(encoding="utf-8")
        self.sentences = (fixtures / "clean-sentences.txt").read_text(encoding="utf-8").splitlines()
        spinner = Spinner.default()
        self.snippets = [(spun, s) for i, s in enumerate(self.sentences) if (spun := spinner.spin(s, seed=i)) != s]

    def errors(self) -> tuple[int, dict]:
        whole, alone = [], []
        for a in self.articles:
            restorer = Restorer(self.models[a["id"]])
            whole.append(self.score.score(a, restorer.restore(a["garbled"])))
            alone.append(self.score.score(a, "".join(restorer.restore(s) for s in SENTENCE.split(a["garbled"]))))
        real, short = real_dev.total(whole), real_dev.total(alone)
        clean = Restorer(self.clean_model)
        prose = len(clean.restore_with_changes(self.prose)[1])
        card = sum(a != b for a, b in zip(clean.restore(CARD[0]).split(), CARD[1].split()))
        sentences = sum(len(clean.restore_with_changes(s)[1]) for s in self.sentences)
        snippets = sum(word_errors(clean.restore(spun), s) for spun, s in self.snippets)
        missed = real["swapped"] - real["fixed"]
        missed_alone = short["swapped"] - short["fixed"]
        parts = {"missed": missed, "broken": real["broken_tokens"], "missed alone": missed_alone,
                 "broken alone": short["broken_tokens"], "prose": prose, "sentences": sentences,
                 "snippets": snippets, "restored": round(real["restored"], 4),
                 "restored alone": round(short["restored"], 4)}
        spun = missed + real["broken_tokens"] + missed_alone + short["broken_tokens"] + snippets
        parts["card"] = card
        return spun + CLEAN_COST * (prose + sentences + card), parts

    def changes(self) -> list[tuple[float, bool]]:
        """(confidence, right) for every change made to the real articles."""
        out = []
        for article in self.articles:
            text, changes = Restorer(self.models[article["id"]]).restore_with_changes(article["garbled"])
            right = _right_tokens(article, text)
            shift = 0
            for c in changes:
                start = c.start + shift
                shift += len(c.restored) - (c.end - c.start)
                out.append((c.confidence, right.get(start, False)))
        return out


def word_errors(text: str, truth: str) -> int:
    """Words of ``text`` and ``truth`` that do not line up as equal: the words left or made wrong.

    >>> word_errors("Workers at the agency person been told.", "Workers at the agency have been told.")
    1
    """
    a, b = split_words(text)[1::2], split_words(truth)[1::2]
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in
               difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if op != "equal")


def _right_tokens(article: dict, text: str) -> dict[int, bool]:
    """Whether each token of ``text`` (by its offset) matches the original's token it aligns with."""
    score = real_dev.scorer()
    tokens = list(TOKEN.finditer(text))
    ref = article["original_sha_lower"]
    _, ok = score.lev_align(ref, [score.sha(t.group().lower()) for t in tokens])
    return {t.start(): good for t, good in zip(tokens, ok)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="folder of fold models (bench/real_dev.py --save-models)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--once", action="store_true",
                        help="only count the errors of the decoder as it is (20 s with --models): to try a change")
    args = parser.parse_args(argv)
    if not real_dev.articles():
        print("no real-dev articles here: nothing to fit")
        return 0
    evaluation = Evaluation(*fold_models(args))
    best, parts = evaluation.errors()
    print(f"start: {best} errors {parts}")
    if args.once:
        return 0
    for _ in range(args.rounds):
        for name, values in GRID.items():
            current = getattr(decode, name)
            results = {}
            for value in values:
                setattr(decode, name, value)
                results[value] = evaluation.errors()
                print(f"  {name} = {value}: {results[value][0]} errors {results[value][1]}", flush=True)
            chosen = min(values, key=lambda v: (results[v][0], v != current))
            setattr(decode, name, chosen)
            best, parts = results[chosen]
            print(f"{name} -> {chosen}: {best} errors {parts}")
    print("fitted:", {name: getattr(decode, name) for name in GRID})

    losses = {}
    for t in TEMPERATURES:
        decode.CONFIDENCE_TEMPERATURE = t
        changes = evaluation.changes()
        losses[t] = -sum(math.log(max(p if ok else 1 - p, 1e-9)) for p, ok in changes) / max(len(changes), 1)
        print(f"  temperature {t}: log loss {losses[t]:.4f} over {len(changes)} changes")
    decode.CONFIDENCE_TEMPERATURE = min(losses, key=losses.__getitem__)
    print(f"CONFIDENCE_TEMPERATURE -> {decode.CONFIDENCE_TEMPERATURE}")
    changes = evaluation.changes()
    for lo, hi in ((0.0, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)):
        band = [ok for p, ok in changes if lo <= p < hi]
        mean = [p for p, _ in changes if lo <= p < hi]
        if band:
            print(f"  confidence {lo:.2f}-{min(hi, 1):.2f}: {len(band):4d} changes, mean {sum(mean) / len(mean):.2f}, "
                  f"right {sum(band) / len(band):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
