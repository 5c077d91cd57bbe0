"""Learn restore's models from data.

* ``learn_channel`` aligns spun texts with their originals and counts, for every
  clean word, how often it survived and what it became.
* ``fit_channel`` turns those counts into a ``Channel``.  Words that were seen
  swapped keep their observed swaps; every other word borrows the spinner's
  habits, learned as a distribution over the rank of the chosen neighbour in
  the word's WordNet neighbour list, so unseen swaps can still be undone.
* ``count_context`` counts bigrams of clean text for the ``ContextModel``.

>>> counts = learn_channel([("we tin go", "we can go")])
>>> counts.swaps["can"]
Counter({'tin': 1})
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .align import align
from .model import Channel
from .tokenize import context_tokens, split_words, stands_alone

# Rank buckets of the chosen neighbour: 0, 1, 2, 3, 4-7, 8-15, 16-31, 32+.
BUCKETS = (0, 1, 2, 3, 4, 8, 16, 32, 10**9)
MIN_SWAP = 0.002        # a swap less likely than this is not worth a candidate
MAX_CANDIDATES = 8      # originals kept per garbled word
MIN_FATES = 50           # words seen standing or swapped, text by text, from which ``dictionary`` is fitted
EVERY = 0.9              # consistency from which a garbler is taken to rewrite all of a word's occurrences or none
                         # (the seed's spinner 0.9999, the letter garbler 1.0; the cipher, by chance, 0.69)
MIN_AGAIN = 5           # pairs of occurrences (one swapped) from which ``consistency`` is measured
RATE_PSEUDOCOUNT = 2.0   # pseudo-observations of the base rate in a word's own rate of being rewritten
FREQUENCY_BANDS = (3.5, 4.0, 4.5, 5.0, 5.5)   # Zipf edges of the bands whose dictionary shares are fitted apart.
                         # The seed's spinner knows few rare words: of the lone occurrences in the real
                         # articles (dev-*-places.tsv) it rewrote none under Zipf 3.5, 3.4% at 3.5-4, 27% at
                         # 4-4.5, 51% at 4.5-5 and 71% at 5-5.5; the shares fitted by band are 0.14, 0.51,
                         # 0.90, 0.92 and 0.88, where one share for all gave a rare word the same chance as
                         # a common one.  52 real articles left out in turn: 2,971 -> 2,962 swaps restored,
                         # 63 -> 56 words broken; one sentence at a time 2,875 -> 2,872 and 44 -> 42
HABIT_PSEUDOCOUNT = 0.1  # habit's weight against observed swaps: the spinner's choice per word is
                         # fixed, so one sighting outweighs it (trust 0.91; held-out news)


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
             "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_NUMBERS = {**{w: str(i) for i, w in enumerate(_UNITS)}, **{w: str(20 + 10 * i) for i, w in enumerate(_TENS)},
            **{w: _ordinal(i) for i, w in enumerate(_ORDINALS)}, "hundred": "100", "thousand": "1000"}
NUMBER_WORDS = frozenset(_NUMBERS)     # numbers the spinner may write in digits ("three" -> "3")


def same_number(word: str, written: str) -> bool:
    """Whether ``written`` is ``word`` in digits, the one digit swap the spinner's habits allow.

    WordNet lists "1" among the synonyms of "one" and "4th" among those of "fourth", and the
    spinner writes them; but a neighbour of another value ("6th" for "fourth") is no habit.

    >>> same_number("one", "1"), same_number("second", "2nd"), same_number("fourth", "6th")
    (True, True, False)
    """
    return _NUMBERS.get(word) == written


def same_word(a: str, b: str) -> bool:
    """Whether two spellings are one word: at most their apostrophes differ, which is the typography
    of the copy the text was taken from, not a swap.  (The real lexicons hold 25 such pairs, read
    off faithful and spun copies set in different styles: "it’s" and "it's", "year's" and "year’s";
    learned as swaps, they would turn one style into the other.)

    >>> same_word("it’s", "it's"), same_word("its", "it's")
    (True, False)
    """
    return a.replace("’", "'") == b.replace("’", "'")


def words_of(text: str) -> list[str]:
    """The lower-cased words of ``text``: the channel's view (digits stay as they are).

    >>> words_of("Successful person, 2nd term")
    ['successful', 'person', '2nd', 'term']
    """
    return [w.lower() for w in split_words(text)[1::2]]


def bucket(rank: int) -> int:
    """Index of the rank bucket ``rank`` falls in.

    >>> [bucket(r) for r in (0, 3, 5, 40)]
    [0, 3, 4, 7]
    """
    return next(i for i in range(len(BUCKETS) - 1) if rank < BUCKETS[i + 1])


@dataclass
class ChannelCounts:
    """What aligned pairs showed: survivals and swaps of each clean word or phrase.

    ``swaps`` also takes lexicon rows; ``aligned`` counts only the swaps seen in aligned
    text, which, with ``kept``, tell how often a word is rewritten at all.
    """

    kept: Counter = field(default_factory=Counter)
    swaps: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    aligned: Counter = field(default_factory=Counter)
    placed: Counter = field(default_factory=Counter)     # (word, place, swapped): see ``place_of``
    again: Counter = field(default_factory=Counter)      # "after", "both": see ``consistency``
    fates: Counter = field(default_factory=Counter)      # (word, swapped in the text): texts it stood alone in

    def rewrite_rate(self, word: str, prior: float) -> float:
        """How often ``word`` was rewritten where it stood counted, drawn towards ``prior`` by
        ``RATE_PSEUDOCOUNT`` observations (a lexicon alone lists no survivals).

        >>> counts = ChannelCounts(kept=Counter(a=1), aligned=Counter(a=3))
        >>> counts.rewrite_rate("a", 0.5), counts.rewrite_rate("b", 0.5)
        (0.6666666666666666, 0.5)
        """
        swapped = self.aligned[word]
        return (swapped + RATE_PSEUDOCOUNT * prior) / (swapped + self.kept[word] + RATE_PSEUDOCOUNT)

    def add_lexicon(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """Add observed swaps ``(original, garbled, count)``, but those that are one word (``same_word``)."""
        for original, garbled, count in rows:
            if not same_word(original, garbled):
                self.swaps[original][garbled] += int(count)


def place_of(word: str, gap_before: str, gap_after: str) -> str:
    """Where a word stands, as far as a garbler's reach goes: ``lone`` (lower case, whitespace
    on both sides), ``touching`` punctuation, or ``capitalised``.

    >>> place_of("at", " ", " "), place_of("agency", " ", "."), place_of("In", "", " ")
    ('lone', 'touching', 'capitalised')
    """
    if word != word.lower():
        return "capitalised"
    return "lone" if stands_alone(gap_before, gap_after) else "touching"


def learn_channel(pairs: Iterable[tuple[str, str]], counts: ChannelCounts | None = None) -> ChannelCounts:
    """Count survivals and swaps over ``(spun, clean)`` text pairs, and where each word stood.

    Only a word standing alone in lower case counts as kept: the seed's spinner never
    reaches one touching punctuation or capitalised, so those say nothing of how often
    it rewrites the word (``reach`` learns how often it reaches them at all).

    >>> counts = learn_channel([("we tin go. we can go", "we can go. we can go")])
    >>> counts.kept["can"], counts.placed["go", "touching", False]
    (1, 1)
    """
    counts = counts or ChannelCounts()
    for spun, clean in pairs:
        parts = split_words(clean)
        places = [place_of(parts[i], parts[i - 1], parts[i + 1]) for i in range(1, len(parts), 2)]
        lone = defaultdict(list)                  # word -> whether each lone occurrence was swapped
        i = 0
        for clean_span, spun_span in align(words_of(spun), [w.lower() for w in parts[1::2]]):
            i += len(clean_span)
            if not clean_span or not spun_span:
                continue
            c, g = " ".join(clean_span), " ".join(spun_span)
            rewritten = not same_word(c, g)
            if len(clean_span) == len(spun_span) == 1:
                counts.placed[c, places[i - 1], rewritten] += 1
                if places[i - 1] == "lone":
                    lone[c].append(rewritten)
            if not rewritten:
                counts.kept[c] += places[i - 1] == "lone"
            elif len(clean_span) <= 2 and len(spun_span) <= 6:
                counts.swaps[c][g] += 1
                counts.aligned[c] += places[i - 1] == "lone"     # rates compare like with like
        for c, flags in lone.items():
            n, swapped = len(flags), sum(flags)
            counts.fates[c, swapped > 0] += 1
            counts.again["after"] += swapped * (n - 1)
            counts.again["both"] += swapped * (swapped - 1)
    return counts


def consistency(counts: ChannelCounts) -> float | None:
    """Of a word's other lone occurrences in a text where one was swapped, the share swapped too
    (None if no word was seen swapped twice in a text): 1 for a garbler that rewrites every
    occurrence of a word it picks, its rate for one that rewrites each occurrence by chance.

    >>> consistency(learn_channel([("we tin go, we can go", "we can go, we can go")] * 5))
    0.0
    """
    after = counts.again["after"]
    return counts.again["both"] / after if after >= MIN_AGAIN else None


def dictionary(counts: ChannelCounts, words: Iterable[str],
               band: Callable[[str], int] = lambda _: 0) -> tuple[Callable[[str], float], float, float] | None:
    """``(share, picked, stray)``: the share of ``words`` in the garbler's dictionary (a function of
    the word: the share of its ``band``), the share of texts in which it rewrites a dictionary word
    standing alone there, and the share in which a word outside it is rewritten all the same
    (another garbler's texts, misalignments), fitted (EM) to the texts each word was seen in,
    swapped or standing; None with fewer than ``MIN_FATES`` words seen.

    A word is in the dictionary or not: one rewritten in most texts it stood in is in it, and
    one seen standing in text after text is most likely not.  Forty words rewritten in every
    text and twenty that always stood: all of the first in the dictionary, none of the second.
    Given bands (of frequency: ``frequency_band``), each has its own share: the seed's spinner
    knows few rare words.

    >>> counts = ChannelCounts()
    >>> for w in range(40): counts.fates[f"s{w}", True] += 3
    >>> for w in range(20): counts.fates[f"k{w}", False] += 3
    >>> share, picked, stray = dictionary(counts, [f"s{w}" for w in range(40)] + [f"k{w}" for w in range(20)])
    >>> round(share("s1"), 2), round(picked, 2), round(stray, 2)
    (0.67, 1.0, 0.0)
    >>> share, _, _ = dictionary(counts, [f"s{w}" for w in range(40)] + [f"k{w}" for w in range(20)],
    ...                          band=lambda w: w[0] == "s")
    >>> round(share("s1"), 2), round(share("k1"), 2)
    (1.0, 0.0)
    """
    seen = [(band(w), counts.fates[w, True], counts.fates[w, False]) for w in sorted(set(words))]
    seen = [(b, s, k) for b, s, k in seen if s or k]
    if len(seen) < MIN_FATES:
        return None
    sizes = Counter(b for b, _, _ in seen)
    shares, picked, stray = {b: 0.5 for b in sizes}, 0.5, 0.1
    for _ in range(100):
        weights = [in_dictionary(s, k, shares[b], picked, stray) for b, s, k in seen]
        mass: defaultdict[int, float] = defaultdict(float)
        for p, (b, _, _) in zip(weights, seen):
            mass[b] += p
        shares = {b: mass[b] / n for b, n in sizes.items()}
        picked = _rate([(p, s, k) for p, (_, s, k) in zip(weights, seen)])
        stray = _rate([(1 - p, s, k) for p, (_, s, k) in zip(weights, seen)])
    overall = sum(weights) / len(weights)        # a band no word was seen in
    return (lambda w: shares.get(band(w), overall)), picked, stray


def frequency_band(frequency: Callable[[str], float]) -> Callable[[str], int]:
    """A word's band of frequency (``FREQUENCY_BANDS``, on the Zipf scale), for ``dictionary``.

    >>> band = frequency_band({"the": 0.05, "whale": 5e-6, "astatine": 0.0}.get)
    >>> band("the"), band("whale"), band("astatine")
    (5, 1, 0)
    """
    def band(word: str) -> int:
        f = frequency(word) or 0.0
        zipf = math.log10(f) + 9 if f > 0 else 0.0
        return sum(zipf >= edge for edge in FREQUENCY_BANDS)
    return band


def _rate(weighted: list[tuple[float, int, int]]) -> float:
    """The weighted share of texts that rewrote a word, kept off 0 and 1."""
    swapped = sum(p * s for p, s, _ in weighted)
    seen = sum(p * (s + k) for p, s, k in weighted)
    return min(max(swapped / max(seen, 1e-9), 1e-6), 1 - 1e-6)


def in_dictionary(swapped: int, stood: int, share: float, picked: float, stray: float) -> float:
    """P(a word is in the garbler's dictionary), having been rewritten in ``swapped`` texts and left
    standing in ``stood``.

    >>> [round(in_dictionary(s, k, 0.8, 0.9, 0.01), 3) for s, k in ((0, 0), (0, 1), (2, 1), (1, 40))]
    [0.8, 0.288, 1.0, 0.0]
    """
    inside = share * picked ** swapped * (1 - picked) ** stood
    outside = (1 - share) * stray ** swapped * (1 - stray) ** stood
    return inside / (inside + outside)


def reach(counts: ChannelCounts, words: Iterable[str] | None = None) -> tuple[float | None, dict[str, float]]:
    """How often the garbler rewrites a word it knows standing alone in lower case (None if no
    such word was seen), and how much less often a touching or a capitalised one.

    Rates are over ``words`` (default: every word seen swapped), the garbler's known
    dictionary; half a swap is added to each place, so that a place never seen
    rewritten is rare, not impossible, and one never seen at all is not held against.

    >>> rate, factors = reach(learn_channel([("we tin go, we can.", "we can go, we can.")] * 5))
    >>> rate, factors["touching"] < 0.2, factors["capitalised"]
    (1.0, True, 1.0)
    """
    known = set(counts.swaps) if words is None else set(words)
    rates = {}
    for place in ("lone", "touching", "capitalised"):
        swapped = sum(n for (w, p, s), n in counts.placed.items() if p == place and s and w in known)
        seen = sum(n for (w, p, _), n in counts.placed.items() if p == place and w in known)
        rates[place] = (swapped, seen)
    swapped, seen = rates.pop("lone")
    if not seen:
        return None, {}
    base = swapped / seen
    return base, {p: min(1.0, (s + 0.5) / (n + 0.5) / max(base, 1e-3)) for p, (s, n) in rates.items()}


def rank_prior(counts: ChannelCounts, neighbours: Callable[[str], list[str]]) -> list[float]:
    """P(bucket of the chosen neighbour's rank), one per bucket, from distinct observed swaps.

    Swaps that are not a neighbour at all keep their share, so the buckets sum to less than one.
    """
    hits, total = Counter[int](), 0
    for c, swapped in counts.swaps.items():
        ranked = neighbours(c)
        for g in swapped:
            total += 1
            if g in ranked:
                hits[bucket(ranked.index(g))] += 1
    n = len(BUCKETS) - 1
    return [(hits[b] + 0.1) / (total + 0.1 * n + 1) for b in range(n)]


def swap_rate(counts: ChannelCounts, words: Iterable[str] | None = None) -> float:
    """How often a word the spinner can rewrite was rewritten, over ``words`` (default: all seen swapped).

    >>> swap_rate(learn_channel([("we tin go", "we can go"), ("we can go", "we can go")]))
    0.5
    """
    words = set(counts.swaps) if words is None else set(words)
    swapped = sum(counts.aligned[c] for c in words)
    return swapped / max(swapped + sum(counts.kept[c] for c in words), 1)


def fit_channel(counts: ChannelCounts, neighbours: Callable[[str], list[str]] | None = None,
                vocabulary: Iterable[str] = (), base_rate: float | None = None,
                habits: ChannelCounts | None = None, frequency: Callable[[str], float] | None = None,
                habit_weight: float = 1.0, max_candidates: int = MAX_CANDIDATES) -> Channel:
    """Build the ``Channel``: observed swaps, plus learned habits for every word in ``vocabulary``.

    ``counts`` gives the lexical facts (which word became which); ``habits``
    (default: the same counts) teaches the spinner's general habits: how far
    down the ranked ``neighbours(word)`` it reaches, and, unless ``base_rate``
    is given, how often it rewrites a word it can rewrite.  ``habit_weight``
    scales the habit-based (unobserved) swaps; each garbled word keeps its
    ``max_candidates`` likeliest originals, ties going to the more ``frequency``-ent word.  Given
    ``frequency``, a garbler that keeps a dictionary has its share fitted by frequency band.
    """
    habits = habits or counts
    vocabulary = list(vocabulary)
    n_swapped = {c: sum(s.values()) for c, s in counts.swaps.items()}
    observed_rate, factors = reach(counts, vocabulary or None)
    if base_rate is None:
        base_rate = observed_rate or swap_rate(habits) or 0.3
    prior = rank_prior(habits, neighbours) if neighbours else []
    every = consistency(habits)
    if every is not None:          # how consistently it rewrites a word it picked (see restore.habits)
        factors = {**factors, "every": max(every, 0.01), "picked": min(1.0, base_rate / max(every, 0.01))}
    propensity, originals, phrases = dict[str, float](), defaultdict(list), defaultdict(list)
    # a garbler that rewrites every occurrence of a word it picks: rates by dictionary membership
    band = frequency_band(frequency) if frequency else (lambda _: 0)
    fitted = dictionary(counts, set(vocabulary) | set(n_swapped), band) if (every or 0.0) >= EVERY else None

    def propensity_of(c: str) -> float:
        """How often ``c`` is rewritten: its own share of occurrences rewritten, drawn towards the
        garbler's rate (a lexicon alone cannot tell: it lists no survivals), and, where the garbler
        keeps a dictionary, times the chance that ``c`` is in it."""
        own = counts.rewrite_rate(c, fitted[1] if fitted else base_rate)
        if not fitted:
            return own
        share, picked, stray = fitted
        return own * in_dictionary(counts.fates[c, True], counts.fates[c, False], share(c), picked, stray)

    def add(c: str, g: str, p: float) -> None:
        if p < MIN_SWAP:
            return
        score = math.log(propensity[c] * p)
        if " " in g:
            phrases[tuple(g.split())].append((c, score))
        else:
            originals[g].append((c, score))

    for c in set(vocabulary) | set(n_swapped):
        propensity[c] = propensity_of(c)
        ranked = neighbours(c) if neighbours else []
        observed = counts.swaps.get(c, {})
        trust = n_swapped.get(c, 0) / (n_swapped.get(c, 0) + HABIT_PSEUDOCOUNT)
        scores = Counter({g: trust * n / n_swapped[c] for g, n in observed.items()})
        for rank, g in enumerate(ranked):
            if not g.isalpha() and not same_number(c, g):
                continue          # digits only for their own value ("6th" is not "fourth")
            if c in counts.swaps.get(g, {}):
                continue          # g is seen rewritten to c, and no pair is swapped both ways (0 of 507 real)
            b = bucket(rank)
            scores[g] += habit_weight * (1 - trust) * prior[b] / (BUCKETS[b + 1] - BUCKETS[b])
        for g, p in scores.items():
            add(c, g, p)
    frequency = frequency or (lambda w: 0.0)

    def best(options):
        return tuple(sorted(options, key=lambda x: (-x[1], -frequency(x[0]), x[0]))[:max_candidates])

    return Channel(originals={g: best(v) for g, v in originals.items()}, propensity=propensity,
                   phrases={g: best(v) for g, v in phrases.items()}, reach=factors)


def mix_garbler(channel: Channel, counts: ChannelCounts, share: float) -> Channel:
    """``channel`` with a second garbler mixed in: one that spins a ``share`` of spun texts, and
    whose swaps and survivals ``counts`` gives.

    Each of its swaps ``c -> g`` adds ``share * q(c) * P(g | c)`` to the chance that ``g`` stands
    for ``c``, ``q(c)`` being how often it rewrote ``c`` standing alone.  So a swap the first
    garbler never makes ("the" -> "nan": the seed's spinner leaves "the" alone in every article)
    becomes possible, and context decides.  How likely a word is to survive stays the first
    garbler's: the words a text leaves standing speak of the garbler that spun it.  The first
    garbler's own swaps keep their whole chance (a strict mixture would scale them by ``1 -
    share``: on 53 real articles left out one at a time, at a share of 0.067, that made 1,352
    errors against 1,339, the decoder's constants having been fitted on them unscaled), and where
    both garblers make a swap ("at" -> "astatine") the two chances add up, even past 1: so the
    scores are weights, not probabilities.  Capped at 1, on 54 real articles left out one at a
    time, they made 1,571 errors (``bench/fit_decoder.py``'s count) against 1,567, and in 661 short
    clean sentences spun at half the spinner's rate, each restored alone, 649 of 1,417 swaps were
    restored against 659 (89 words broken against 90): a text with one sure swap and one survivor
    ("They met astatine noon in person.") sits right at the decoder's prior odds.

    >>> variant = learn_channel([("nan feline sat", "the cat sat")] * 3)
    >>> mixed = mix_garbler(Channel(originals={"feline": (("cat", -1.0),)}), variant, 0.02)
    >>> [(c, round(s, 2)) for c, s in mixed.originals["nan"]]
    [('the', -3.91)]
    """
    swapped = sum(counts.aligned.values())
    base = swapped / max(swapped + sum(counts.kept[c] for c in counts.swaps), 1)
    originals = {g: dict(options) for g, options in channel.originals.items()}
    for c, forms in counts.swaps.items():
        rate = counts.rewrite_rate(c, base)
        total = sum(forms.values())
        for g, n in forms.items():
            if " " in g:
                continue             # a phrase swap: the channel's phrases are the first garbler's
            options = originals.setdefault(g, {})
            before = math.exp(options[c]) if c in options else 0.0
            options[c] = math.log(before + share * rate * n / total)
    return Channel(originals={g: tuple(sorted(o.items(), key=lambda x: (-x[1], x[0]))) for g, o in originals.items()},
                   propensity=dict(channel.propensity), phrases=dict(channel.phrases), reach=dict(channel.reach))


def count_context(texts: Iterable[str], bigrams: Counter | None = None,
                  trigrams: Counter | None = None) -> tuple[Counter, Counter]:
    """Count the bigrams and trigrams of ``context_tokens`` over clean ``texts``.

    >>> bigrams, trigrams = count_context(["In person."])
    >>> bigrams[("in", "person")], trigrams[("in", "person", ".")]
    (1, 1)
    """
    bigrams = bigrams if bigrams is not None else Counter()
    trigrams = trigrams if trigrams is not None else Counter()
    for text in texts:
        tokens = context_tokens(text)
        bigrams.update(zip(tokens, tokens[1:]))
        trigrams.update(zip(tokens, tokens[1:], tokens[2:]))
    return bigrams, trigrams


def train_model(pairs: Iterable[tuple[str, str]], *, lexicon: Iterable[tuple[str, str, int]] = (),
                context=None, base=None, own_weight: float | None = None,
                neighbours: Callable[[str], list[str]] | None = None, vocabulary: Iterable[str] = ()):
    """Learn a whole ``Model`` from ``(spun, clean)`` pairs.

    The context model is ``context`` if given; else it is counted from the clean sides and,
    with a ``base`` context model, mixed with it (``restore.mixing``: the pairs know the
    domain, the base knows English).

    >>> model = train_model([("we tin go", "we can go")] * 3)
    >>> model.channel.originals["tin"][0][0]
    'can'
    """
    from .mixing import OWN_WEIGHT, mix
    from .model import ContextModel, Model
    pairs = list(pairs)
    counts = learn_channel(pairs)
    counts.add_lexicon(lexicon)
    if context is None:
        context = ContextModel.from_counts(*count_context(clean for _, clean in pairs), min_trigram=1)
        if base is not None:
            context = mix(context, base, OWN_WEIGHT if own_weight is None else own_weight)
    channel = fit_channel(counts, neighbours, vocabulary)
    return Model(channel, context, info={"pairs": len(pairs)})
