"""Learn a garbler from spun text alone: which words are garbled forms, and what they stand for.

No clean text of the domain is needed, only a context model of clean English (the base
model's).  Four kinds of evidence, as in decipherment:

* **context**: a garbled form occurs where its original would ("the ___ of" for a noun):
  the words that fit its neighbours much better than the form itself are its candidate
  originals (``restore.candidates``);
* **frequency against clean English**: a candidate expected about as often as the form
  was seen scores better, and a neighbour seen far more or less often than English uses
  it is no evidence (it is probably a garbled form itself);
* **habit**: a garbler's swaps share a trait more often than chance, such as the first
  letter (``first_letter_habit``, learned from the swaps kept);
* **consistency**: a garbler writes the same form for a word again and again.  Hard EM
  (``decipher``) decodes the whole corpus with the candidates as the channel (for a new
  garbler, weighing how well a word fits its context above how common the base's text
  finds it: ``PRIOR``), counts
  what the decoder restored, and keeps a swap only where the decoder made it often
  and it accounts for most of what the original was restored from; the swap's rate
  and each original's rewrite rate are re-estimated from those counts, then it decodes
  again.  Last, the swaps it made fairly surely decode the corpus once more on their own (no
  wrong candidate shares their forms then), and those it then makes surely are kept (more
  surely where the corpus never shows the original: a garbler leaves a word standing somewhere).

A new garbler whose forms are words in their own right, written for another word only some of
the time ("with" for "is", and "with" as itself), is learned occurrence by occurrence instead
(``restore.mixture``): hard EM would read each such form as one word or the other throughout.

The base model's channel stays in the learned model and decodes alongside the candidates, so
over text of the seed's spinner the learned model keeps what the shipped one knows and adds
the swaps the corpus confirms.  A swap the base knows at low odds is a candidate like any other
where the contexts point to it, and is raised to the corpus's odds if the corpus makes it surely
and often: a synonym spinner that chooses otherwise than the seed's (the second-ranked
neighbour, "incoming" for "in") writes forms the base lists as unlikely.

>>> from restore.learn import count_context
>>> from restore.model import ContextModel, Model, Channel
>>> text = "we can go. they can see. " * 20
>>> lm = ContextModel.from_counts(*count_context([text, "a tin box. " * 3]), min_trigram=1)
>>> model = learn([text.replace("can", "tin")] * 3, Model(Channel(), lm), iterations=2, min_count=3)
>>> model.channel.originals["tin"][0][0]
'can'
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from .candidates import MIN_COUNT, candidates, corpus_tokens, rewritten_throughout
from .mixture import MIXED, Mixture, learn_mixture
from .model import Channel, ContextModel, Model
from .tokenize import split_words, stands_alone

MIN_HABIT = 20           # learned swaps needed before the garbler's habits count
START = 0.3              # a candidate's first swap probability, before the corpus confirms it
ITERATIONS = 8           # rounds of hard EM; the candidates keep improving for about 8 (bench/garblers.py, letter:
                         # 4 rounds 37.4% restored / 0.79% broken, 6 44.3% / 1.30%, 8 43.1% / 1.01%, 10 fewer;
                         # over today's model 4 gave 38.6% / 0.62%, 8 43.1% / 1.26%: word error rate 21.9% -> 20.7%)
MIN_SWAPS = 2            # restorations that keep a learned swap
MIN_SHARE = 0.5          # share of an original's restorations that one form must hold to be kept as its swap
MIN_CONFIDENCE = 0.6     # mean confidence of a learned swap's restorations, for it to be kept, after pruning
                         # (0.85 before PRIOR: see there; without PRIOR 0.8 broke 1.67% of the letter garbler's words).
                         # bench/garblers.py's learn, maps 11 / 12 / 13, letter: 0.7 66.4 / 72.8 / 76.1% restored,
                         # 0.60 / 0.07 / 0.26% broken, WER 12.2 / 13.4 / 12.1%; 0.65 66.1 / 74.1 / 77.3%, 0.63 /
                         # 0.23 / 0.44%; 0.6 66.5 / 75.4 / 78.0%, 0.64 / 0.26 / 0.38%, WER 12.1 / 12.2 / 11.2%; 0.5
                         # 66.5 / 75.1%, 1.16 / 0.24%.  The neighbour garbler 46.8% / 0.75% at 0.7, 49.6% / 0.73% at
                         # 0.6; the fourth WordNet neighbour over news 54.9% / 0.11%, 55.5% / 0.11%.  It was 0.7
                         # while the cipher went through here (0.65 broke 2.15% of its words on map 11): now it is
                         # learned occurrence by occurrence (``restore.mixture``)
ABSENT_CONFIDENCE = 0.85  # ... for a swap whose original the corpus never shows (a garbler leaves a word it rewrites
                          # standing somewhere, capitalised, in a share of its occurrences or as another word's form,
                          # unless it rewrites all of it): wrong ones are mostly news words the domain never uses
                          # ("perl" for "python", "materials" for "meaningful"; median confidence 0.85, right ones
                          # 0.97).  bench/garblers.py, letter, maps 11 / 12 / 13: 0.75 65.6 / 72.7 / 73.5% restored,
                          # 1.13 / 0.13 / 0.44% broken; 0.8 65.2 / 72.1 / 73.5%, 0.51 / 0.06 / 0.39%; 0.85 65.2 /
                          # 72.0 / 73.4%, 0.44 / 0.04 / 0.38%; 0.9 65.2 / 71.6 / 73.2%, 0.34 / 0.03 / 0.33% (WER
                          # 12.5 / 13.8 / 13.5% at 0.85, 12.4 / 14.0 / 13.6% at 0.9)
PRUNE = (0.6,)           # before that, the swaps made with this mean confidence decode the corpus once more on
                         # their own, so that a true swap no longer shares its form with the wrong candidates
                         # (bench/garblers.py, letter, over the model with manuals: no pruning and 0.8 kept
                         # 47.5% restored / 0.41% broken, 0.7 57.9% / 1.50%, 0.6 64.7% / 2.09%; pruning at 0.6,
                         # then 0.85 60.9% / 0.77% (word error rate 35.0% -> 14.2%, against 18.7%), then 0.8
                         # 62.4% / 1.11%, 0.9 56.1% / 0.63%; pruning at 0.5 then 0.85 59.0% / 1.23%; at 0.6 and
                         # 0.75 then 0.85 62.6% / 1.50%)
PRIOR = 0.2              # share of the base model's unigram prior the decoder keeps while learning a new garbler:
                         # the base's text is of another domain, whose common words win every weak context
                         # ("business" for "buffers", not "bytes"), so it weighs how well a word fits more than how
                         # common it is.  bench/garblers.py, letter, three maps (11, 12, 13), with MIN_CONFIDENCE:
                         # 1.0 (0.85) 58.7/45.7/56.6% restored, 0.90/0.42/0.79% broken; 0.5 (0.8) 61.4/49.8/59.9%,
                         # 0.89/0.21/0.39%; 0.2 (0.75) 61.3/53.4/62.2%, 0.89/0.29/0.43%; 0.0 (0.75) 61.0/53.0/61.0%,
                         # 0.91/0.07/0.49%; 0.2 (0.7) 61.2/53.3/62.1%, 1.02/0.36/0.61%.  The cipher: 1.6%, 1.82%
PRIOR_EXTENDING = 1.0    # ... and over the base's own garbler, whose text is the base's domain
EXPLORE = 0.02           # swap probability left to a candidate the decoder has not used (yet)
MIXED_ODDS = 3.0         # a swap learned occurrence by occurrence (``restore.mixture``) enters the model at this
                         # fraction of its rate, so that the decoder makes it only where the context says so
                         # this many times over: the function words' swaps are right, but each occurrence is in
                         # doubt ("of" for "to", "for" for "and").  bench/garblers.py, cipher, maps 11 / 12 / 13:
                         # at 1, keeping only the swaps made at a mean confidence of 0.9, 24.9 / 19.1 / 23.8%
                         # restored, 1.37 / 1.25 / 0.97% broken, WER 36.2 / 37.7 / 35.5%; all of them at 3 30.1 /
                         # 27.7 / 29.4%, 1.29 / 1.11 / 1.54%, WER 33.7 / 33.7 / 33.2%; at 4 28.4 / 25.3 / 27.5%,
                         # 1.05 / 0.91 / 1.11%.  Map 11 with the swaps' fit and rate unchecked too: at 3 33.6% /
                         # 1.96%, at 5 29.4% / 1.11%, at 8 24.8% / 0.57%
OPTIONS = 8              # originals a form keeps beside those the model it extends lists.  Over another synonym
                         # spinner's channel, which lists up to 174 for a form ("city"), a cap of 8 on them all
                         # dropped most originals of the commonest forms: bench/garblers.py's neighbour garbler
                         # 68.5% -> 73.0% restored, 1.19% -> 1.14% broken (WER 12.6% -> 10.8%), and a random
                         # synonym at each occurrence of 80% of the words, on the same documents, 61.3% -> 66.6%
                         # (4.52% -> 4.75%; WER 16.3% -> 14.6%).  Both with ``habits`` below from the second
                         # round on; from the first: 72.2% (1.08%, WER 11.1%) and 68.0% (5.05%, WER 14.3%)
ADAPT = 0.1              # share of a new garbler's texts, as its learned model restores them, in that model's context
                         # model (``adapted``).  bench/garblers.py, learn, maps 11 / 12 / 13: the cipher 32.8 / 33.9 /
                         # 33.1% restored, 1.70 / 1.21 / 1.81% broken (WER 32.7 / 30.9 / 31.7%) -> 33.2 / 33.6 / 32.6%,
                         # 1.27 / 0.88 / 1.33% (WER 32.3 / 30.9 / 31.6%); 0.2 33.0 / 33.1 / 32.4%, 1.16 / 0.85 / 1.15%
                         # (WER 32.3 / 31.1 / 31.6%); the letter garbler, map 11, 70.6% -> 70.9%, 0.70% -> 0.74%.
                         # Learning again over the adapted context did worse (cipher WER 33.3 / 31.7%, maps 11 / 12)
ADAPT_WORDS = 500_000    # ... counted from about this many words at most, spread over the texts: a tenth of a
                         # context model needs no more (``train``'s pairs give 50,000), and a larger archive would
                         # only cost the time to restore it again and the memory for its trigram counts
SAMPLE = 50              # texts the base model reads to tell whether they are its garbler's
ENOUGH_WORDS = 25_000    # less spun text than this is warned of: bench/garblers.py's letter garbler was restored
                         # 50.8% from 27,000 words (100 documents), 62.8% from 110,000


@dataclass
class Learned:
    """What hard EM found: restorations counted per ``(original, form)``, and confidences."""

    swaps: Counter = field(default_factory=Counter)
    confidence: defaultdict = field(default_factory=lambda: defaultdict(float))
    kept: Counter = field(default_factory=Counter)            # occurrences of a form decoded as itself
    places: Counter = field(default_factory=Counter)          # (place, restored) over forms with options
    restored: list = field(default_factory=list)              # each text as decoded
    extended: Model | None = None                             # the model whose channel was extended (None: a new
                                                              # garbler's was learned over the context alone)


def _trusted(learned: Learned, pair: tuple[str, str], floor: float | None = None) -> bool:
    """Whether the decoder made the swap ``pair`` with a mean confidence of ``floor`` (by default
    ``MIN_CONFIDENCE``) or more, to keep it."""
    n = learned.swaps[pair]
    return n > 0 and learned.confidence[pair] >= (MIN_CONFIDENCE if floor is None else floor) * n


def _channel(pairs: dict[tuple[str, str], float], propensity: dict[str, float], reach: dict,
             base: Channel | None = None, habit: tuple[float, float] = (0.0, 0.0)) -> Channel:
    """A channel of single-word swaps ``{(original, form): P(form | original)}``, added to ``base``'s.

    The base channel's swaps, rewrite rates, phrases and neighbours stay, and what the corpus teaches adds
    originals to its forms (the likelier score of a swap both know wins).  The reach is the
    corpus's own: the garbler that spun it may reach words the base's never did.  The garbler's
    ``habit`` lifts a candidate the decoder has not used yet; once the corpus has counted a swap,
    the habit may lower it but no longer evens it out with the form's other candidates.
    """
    base = base or Channel()
    originals: dict[str, dict] = defaultdict(dict)
    for g, options in base.originals.items():
        originals[g].update(options)
    for (c, g), p in pairs.items():
        lift = habit[c[:1] != g[:1]]
        if p > EXPLORE:         # counted from restorations: the habit may still doubt it, not outvote its count
            lift = min(lift, 0.0)
        score = min(0.0, math.log(max(propensity.get(c, START) * p, 1e-9)) + lift)
        originals[g][c] = max(score, originals[g].get(c, score))
    limit = {g: max(OPTIONS, len(base.originals.get(g, ()))) for g in originals}
    return Channel(originals={g: tuple(sorted(v.items(), key=lambda x: (-x[1], x[0]))[:limit[g]])
                              for g, v in originals.items()},
                   propensity={**base.propensity, **propensity}, phrases=dict(base.phrases),
                   reach=dict(reach), neighbours=base.neighbours)


def _decode(texts: list[str], model: Model, progress, desc: str, prior: float = 1.0, coupled: bool = True) -> Learned:
    """Restore every text, keeping ``prior`` of the context model's unigram prior; count its
    restorations, what stood, and where the restorations were.  Unless ``coupled``, each
    occurrence is decided on its own, without the text's other occurrences of its form
    (``coherence.agree_forms``) or of its word (``coherence.favour_recurring``)."""
    from .decode import Restorer
    restorer = Restorer(model, fix_mojibake=False)
    if not coupled:
        restorer._agree = restorer._recur = 0.0
    restorer._prior = prior
    # nor is an "a" or "an" known to be an article while the garbler is being learned: it may be one of
    # its forms (the letter garbler rewrites both), not yet among the channel's (map 11 66.4% -> 65.7%)
    restorer._disagree = 0.0
    learned = Learned()
    options = model.channel.originals
    for text in progress(texts, desc=desc):
        restored, changes = restorer.restore_with_changes(text)
        learned.restored.append(restored)
        at = {c.start: c for c in changes}
        parts = split_words(text)
        offset = 0
        for i, part in enumerate(parts):
            if i % 2 and part.lower() in options:
                form = part.lower()
                place = ("capitalised" if part != form else
                         "lone" if stands_alone(parts[i - 1], parts[i + 1]) else "touching")
                change = at.get(offset)
                if change and change.end - change.start == len(part):
                    learned.swaps[change.restored.lower(), form] += 1
                    learned.confidence[change.restored.lower(), form] += change.confidence
                    learned.places[place, True] += 1
                else:
                    learned.kept[form] += 1
                    learned.places[place, False] += 1
            offset += len(part)
    return learned


def _aligned(texts: list[str], restored: list[str], stream: np.ndarray, context: ContextModel,
             unseen: dict[str, int]) -> np.ndarray:
    """The restored texts' tokens, aligned with ``stream`` (the spun texts'): a text whose
    restoration changed its number of tokens (a phrase) keeps its spun tokens."""
    pieces = []
    for text, done in zip(texts, restored):
        spun, back = corpus_tokens([text], context, unseen), corpus_tokens([done], context, unseen)
        pieces.append(back if len(back) == len(spun) else spun)
    out = np.concatenate(pieces) if pieces else stream
    return out if len(out) == len(stream) else stream


def _reach(learned: Learned) -> dict:
    """How much less often touching and capitalised forms were restored than lone ones."""
    def rate(place):
        done, left = learned.places[place, True], learned.places[place, False]
        return (done + 0.5) / (done + left + 1)
    lone = rate("lone")
    return {p: min(1.0, max(0.001, rate(p) / lone)) for p in ("touching", "capitalised")}


def _refit(learned: Learned, candidate_pairs: set, occurrences: Counter) -> tuple[dict, dict]:
    """New swap probabilities and rewrite rates from what the decoder restored (hard EM's M step)."""
    by_original: dict[str, Counter] = defaultdict(Counter)
    for (c, g), n in learned.swaps.items():
        by_original[c][g] += n
    pairs, propensity = {}, {}
    for c, forms in by_original.items():
        total = sum(forms.values())
        for g, n in forms.items():
            if n >= MIN_SWAPS and n >= MIN_SHARE * total:
                pairs[c, g] = n / total
        standing = occurrences[c] - sum(learned.swaps[o, c] for o in by_original if (o, c) in learned.swaps)
        propensity[c] = (total + START) / (total + max(standing, 0) + 1)
    for c, g in sorted(candidate_pairs):
        pairs.setdefault((c, g), EXPLORE)
    return pairs, propensity


def first_letter_habit(pairs: Iterable[tuple[str, str]]) -> tuple[float, float]:
    """How much likelier (log) a swap ``(original, form)`` is when both start with the same letter, and
    when they do not, than two words drawn apart: a habit of the garbler's learned from its swaps.

    >>> same, other = first_letter_habit([("in", "internal"), ("be", "behind"), ("for", "field")] * 10)
    >>> same > 0 > other
    True
    """
    pairs = list(pairs)
    if len(pairs) < MIN_HABIT:
        return 0.0, 0.0
    share = (sum(c[:1] == g[:1] for c, g in pairs) + 1) / (len(pairs) + 2)
    originals, forms = Counter(c[:1] for c, _ in pairs), Counter(g[:1] for _, g in pairs)
    chance = sum(originals[x] * forms[x] for x in originals) / len(pairs) ** 2
    chance = min(max(chance, 1 / 26), 0.5)
    return math.log(share / chance), math.log((1 - share) / (1 - chance))


def base_garbler(texts: list[str], base: Model, sample: int = SAMPLE) -> Model | None:
    """The model of the garbler that ``base`` reads most of (a sample of) ``texts`` as spun by: its own,
    or another synonym spinner's it knows of (``restore.others``).  The learned model extends that
    model's channel.  None where ``base`` reads most of them as clean: they are a new garbler's, whose
    texts the base's channel (its words' rewrite rates above all) would only misread.

    >>> shipped = Model.default()
    >>> base_garbler(["Workers astatine the agency person been told to stock accusation."] * 3, shipped) is shipped
    True
    >>> base_garbler(["Workers at the agency have been told to share information."] * 3, shipped) is None
    True
    """
    from .decode import Restorer
    if not base.channel.originals or not texts:
        return None
    restorer = Restorer(base, fix_mojibake=False)
    step = max(1, len(texts) // sample)
    picked = texts[::step][:sample]
    spun = [model for score, model in map(restorer.spun_by, picked) if score > 0.5]
    if len(spun) <= len(picked) / 2:
        return None
    return max(spun, key=lambda model: sum(m is model for m in spun))     # the first of the commonest


def decipher(texts: list[str], base: Model, *, iterations: int = ITERATIONS, min_count: int = MIN_COUNT,
             progress=lambda xs, **_: xs, say: Callable[[str], None] = lambda _: None) -> tuple[Model, Learned]:
    """Learn a channel for ``texts`` over ``base``'s context model; return the model and the last counts."""
    context = base.context
    unseen: dict[str, int] = {}         # the corpus's words the context model does not know
    stream = corpus_tokens(texts, context, unseen)
    vocab = context.vocab + list(unseen)
    say(f"{len(texts)} texts, {int((stream != context.ids.get('<s>', -1)).sum())} tokens")
    garbler = base_garbler(texts, base)
    extending = garbler is not None
    # how the garbler rewrites a word it picks (``every``, ``picked``: restore.habits) is the extended model's;
    # where it reaches is the corpus's own.  Another synonym spinner is not taken to rewrite every occurrence
    # (``others.EVERY``): learned without that, a random synonym at each occurrence 58.9% -> 61.3% restored
    # (4.86% -> 4.52% broken, WER 17.3% -> 16.3%; bench/garblers.py's documents), the neighbour garbler
    # 68.5% either way (1.28% -> 1.19% broken).  Nor at its rates as listed (``others.LISTED``): learned
    # at them, the random synonym 67.9% restored (5.47% broken, WER 14.5%, where the model it extends
    # alone gives 14.1%), now 71.4% (5.51%, 13.3%); the neighbour garbler 73.1% -> 73.7% (1.38% ->
    # 1.63%, WER 11.0% -> 10.9%)
    habits = {k: v for k, v in garbler.channel.reach.items() if k in ("every", "picked", "listed")} if garbler else {}
    occurrences = Counter({vocab[i]: n for i, n in zip(*np.unique(stream, return_counts=True))})
    # over the base's own garbler, an original must be a word its dictionary holds (one it gives a
    # rewrite rate), or one the corpus shows rewritten throughout: else a domain word the context model
    # has rarely seen ("creators") is learned as a garbled common one ("children")
    rewritable = None
    if extending:
        rewritable = (set(base.channel.propensity) | rewritten_throughout(texts, occurrences, context,
                                                                            len(stream))).__contains__
    say("the base model does not read these texts as spun: learning a new garbler" if garbler is None else
        "the base model reads these texts as spun: learning what it misses" if garbler is base else
        "the base model reads these texts as another synonym spinner's: learning that spinner")
    if not extending:
        mixture = learn_mixture(stream, context, min_count=min_count, progress=progress)
        if mixture.swaps and mixture.kept_share >= MIXED:
            say(f"its forms stand for themselves {mixture.kept_share:.0%} of the time: "
                "learning it occurrence by occurrence")
            mixed, learned = _mixed_model(mixture, vocab, base, len(texts))
            return adapted(mixed, texts, progress, say), learned
    found = candidates(stream, context, min_count=min_count, rewritable=rewritable, unseen=unseen)
    kept = garbler.channel if garbler is not None else None
    prior = PRIOR_EXTENDING if extending else PRIOR
    # a swap the base knows is a candidate too where the contexts say so: the corpus may show it far
    # likelier than the base did (another synonym spinner, choosing what the seed's seldom does)
    candidate_pairs = {(vocab[c], vocab[g]) for g, cs in found.items() for c, _ in cs}
    say(f"{len(found)} forms with candidate originals, {len(candidate_pairs)} candidate swaps")
    pairs = {p: START for p in sorted(candidate_pairs)}
    propensity = {c: START for c, _ in sorted(candidate_pairs)}
    reach = {**habits, "touching": 1.0, "capitalised": 1.0}
    habit = (0.0, 0.0)
    learned = Learned()
    # the rounds decode as fix does; the pruning pass, whose confidences decide what is kept, decides each
    # occurrence on its own: counted as separate restorations, coupled decisions overstate the evidence.
    # bench/garblers.py, letter, maps 11 / 12 / 13: all uncoupled 61.7 / 53.6 / 62.4% restored, 0.85 /
    # 0.29 / 0.45% broken; rounds coupled 62.4 / 53.8 / 63.7%, 0.44 / 0.35 / 0.35% (only by favour_recurring
    # 61.8 / 53.6 / 63.9%, 0.50 / 0.38 / 0.35%); favour_recurring in pruning too 64.0%, 1.72% (map 11).
    # The cipher 1.6% -> 1.7% restored, 1.74% -> 1.38% broken
    before = None
    for round_ in range(iterations):
        if (pairs, propensity, reach, habit) == before:
            break                           # a fixed point: every later round would decode as the last did
        before = (pairs, propensity, reach, habit)
        model = Model(_channel(pairs, propensity, reach, kept, habit), context)
        learned = _decode(texts, model, progress, f"round {round_ + 1}/{iterations}", prior)
        habit = first_letter_habit(pair for pair in _refit(learned, set(), occurrences)[0] if _trusted(learned, pair))
        if round_ + 1 < iterations:          # look for candidates again, among restored neighbours
            fresh = candidates(stream, context, min_count=min_count, habit=habit, rewritable=rewritable,
                               contexts=_aligned(texts, learned.restored, stream, context, unseen), unseen=unseen)
            vocab = context.vocab + list(unseen)
            candidate_pairs |= {(vocab[c], vocab[g]) for g, cs in fresh.items() for c, _ in cs}
        pairs, propensity = _refit(learned, candidate_pairs, occurrences)
        reach = {**habits, **_reach(learned)}
    for floor in PRUNE:
        shortlist = {pair: v for pair, v in pairs.items() if v > EXPLORE and _trusted(learned, pair, floor)}
        rates = {} if kept else {c: propensity[c] for c, _ in shortlist}
        model = Model(_channel(shortlist, rates, reach, kept, habit), context)
        learned = _decode(texts, model, progress, "pruning", prior, coupled=False)
        pairs, propensity = _refit(learned, set(), occurrences)
        reach = {**habits, **_reach(learned)}
    final = {pair: v for pair, v in pairs.items() if v > EXPLORE
             and _trusted(learned, pair, None if occurrences[pair[0]] else ABSENT_CONFIDENCE)}
    # over the base's own garbler, the swaps it knows and its rewrite rates, counted from far more
    # text than an archive's, stand (a new swap is weighed at the START rate until confirmed elsewhere);
    # a swap it knows that the corpus makes surely and more often is raised to the corpus's rate (another
    # synonym spinner, whose choices are the base's less likely ones)
    rates = {} if kept else {c: propensity[c] for c, _ in final}
    changed = sum(text != done for text, done in zip(texts, learned.restored))
    reach["spun texts"] = (changed + 0.5) / (len(texts) + 1)      # what the user's archive is like
    channel = _channel(final, rates, reach, kept, habit)
    learned.extended = garbler
    model = Model(channel, context, info=_info(base, len(texts)))
    return (model if extending else adapted(model, texts, progress, say)), learned


def adapted(model: Model, texts: list[str], progress=lambda xs, **_: xs, say: Callable[[str], None] = lambda _: None,
            weight: float = ADAPT) -> Model:
    """``model`` with its context model mixed with one counted from ``texts`` as ``model`` restores
    them (``restore.mixing``, at ``weight``): the domain's own phrasing, where the base knows another's.

    >>> from restore.learn import count_context
    >>> lm = ContextModel.from_counts(*count_context(["we can go. " * 5]), min_trigram=1)
    >>> "rust" in adapted(Model(Channel(), lm), ["we can rust."]).context.ids
    True
    """
    from .decode import Restorer
    from .learn import count_context
    from .mixing import mix
    step = max(1, sum(len(text.split()) for text in texts) // ADAPT_WORDS)     # every step-th text
    say("counting the texts as restored, for the context model")
    restorer = Restorer(model, fix_mojibake=False)
    own = ContextModel.from_counts(*count_context(restorer.restore(text)
                                                  for text in progress(texts[::step], desc="adapting")))
    return Model(model.channel, mix(own, model.context, weight), model.info)


def _info(base: Model, texts: int) -> dict:
    """A learned model's info: what it was learned from, and its base's info without the base's own
    base (along a chain of ``learn --base`` runs the info would nest one level deeper each time,
    past what a model file may hold: ``modelfile.MAX_DEPTH``)."""
    return {"learned from": f"{texts} spun texts", "base": {k: v for k, v in base.info.items() if k != "base"}}


def _mixed_model(mixture: Mixture, vocab: list[str], base: Model, texts: int) -> tuple[Model, Learned]:
    """The model of a garbler whose forms are words in their own right (``restore.mixture``): the
    swaps it kept, weighed at ``1 / MIXED_ODDS``, at the rates it rewrote their originals, and its habit
    of rewriting an occurrence by chance (``every``), in every text (``habits``).  Where it reaches (touching
    punctuation, capitalised) is not estimated: everywhere, as the hard EM's first round assumes."""
    learned = Learned()
    pairs, rates = {}, {}
    for (original, form), (n, confidence) in mixture.swaps.items():
        pair = vocab[original], vocab[form]
        pairs[pair] = 1.0 / MIXED_ODDS
        rates[pair[0]] = mixture.rate[original]
        learned.swaps[pair] = round(n)
        learned.confidence[pair] = confidence * round(n)
    every = sum(learned.swaps[c, g] * rates[c] for c, g in pairs) / max(sum(learned.swaps.values()), 1)
    reach = {"touching": 1.0, "capitalised": 1.0, "every": every, "picked": 1.0, "spun texts": (texts + 0.5) / (texts + 1)}
    return Model(_channel(pairs, rates, reach), base.context, info=_info(base, texts)), learned


def learn(texts: Iterable[str], base: Model, **options) -> Model:
    """A model for text garbled like ``texts``: ``base``'s context model and a channel learned from them."""
    return decipher(list(texts), base, **options)[0]


def _swaps(model: Model) -> set[tuple[str, str]]:
    """The single-word swaps ``(original, garbled word)`` of ``model``'s channel."""
    return {(c, g) for g, options in model.channel.originals.items() for c, _ in options}


def learned_swaps(model: Model, base: Model) -> int:
    """How many of ``model``'s swaps ``base``'s channel does not hold.

    >>> base = Model.default()
    >>> learned_swaps(Model(Channel(originals={"tin": (("can", -0.1),), "blorp": (("can", -0.1),)}), base.context), base)
    1
    """
    return len(_swaps(model) - _swaps(base))


def raised_swaps(model: Model, base: Model) -> set[tuple[str, str]]:
    """The swaps ``(original, garbled word)`` that both channels hold, likelier in ``model``'s.

    >>> base = Model(Channel(originals={"hold": (("keep", -0.1), ("have", -4.0))}), Model.default().context)
    >>> raised_swaps(Model(Channel(originals={"hold": (("have", -0.5), ("keep", -0.1))}), base.context), base)
    {('have', 'hold')}
    """
    before = {(c, g): score for g, options in base.channel.originals.items() for c, score in options}
    return {(c, g) for g, options in model.channel.originals.items() for c, score in options
            if (c, g) in before and score > before[c, g] + 1e-9}


def summary(model: Model, learned: Learned, top: int = 20, base: Model | None = None) -> list[str]:
    """The most frequent learned swaps (those ``base`` did not hold, or held as less likely), with counts
    and mean confidence, one line each."""
    kept = (_swaps(model) - _swaps(base)) | raised_swaps(model, base) if base else _swaps(model)
    rows = [(n, c, g) for (c, g), n in learned.swaps.items() if (c, g) in kept]
    lines = []
    for n, c, g in sorted(rows, reverse=True)[:top]:
        lines.append(f"{n:7d}  {learned.confidence[c, g] / n:.2f}  {g} -> {c}")
    return lines

