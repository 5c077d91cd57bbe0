"""Learn a garbler whose forms are words in their own right, from spun text alone.

Some garblers write, for a word, another common word, and only some of the time: "with" for
"is", while "with" still stands for itself elsewhere.  Each occurrence of such a form is then
one of two words, and a form's contexts, taken together, fit neither.  ``restore.decipher``'s
hard EM reads a form as standing mostly for one original; here each *occurrence* is decided
(a mixture model, fitted by EM):

* **candidates**: for each frequent form, the words that fit a share of its occurrences much
  better than the form does (the best over a few shares of the gain ``log(1 - s + s e^d)``,
  ``d`` the context model's gain at one occurrence), with the restored neighbours once known;
* **E step**: each occurrence's odds over keeping the form and its candidates, from how much
  likelier each makes its restored neighbours (the next word each side in the first pass, two
  each side after it: ``WIDE_FROM``), the form's shares, and how alike the corpus itself uses
  the form and the candidate (``restore.usage``: the base's context model knows English, not the
  domain, and reads "we" and "you", or "perl" and "python", alike);
* **M step**: the expected restorations of each (form, original), matched most first, each
  original to one form (a garbler writes one form for a word) and each form to a few originals
  (a random map writes one form for several words: ``PER_FORM``): each form keeps the shares of
  its matched originals, and every other candidate a trace.

It decodes the corpus with what it learned and looks for candidates again, ``PASSES`` times.
A swap is kept where its restorations add up to ``MIN_EVIDENCE``, explain the form's occurrences
much better than the form alone (``MIN_FIT``), and leave its original standing somewhere
(``MAX_RATE``).  ``kept_share`` (the median share of the form of a swap made surely that stood for
itself) tells ``restore.decipher`` whether the garbler is of this kind (``MIXED``).

>>> from restore.learn import count_context
>>> from restore.candidates import corpus_tokens
>>> lm = ContextModel.from_counts(*count_context(["we can go. they can see. a tin box. " * 20]), min_trigram=1)
>>> spun = ["we tin go. they can see. a tin box. they tin go. " * 10]
>>> found = learn_mixture(corpus_tokens(spun, lm), lm, min_evidence=5)
>>> found.swaps[lm.ids["can"], lm.ids["tin"]][0] > 10, round(found.kept_share, 1)
(True, 0.3)
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .candidates import MAX_FORMS, MIN_COUNT, ORIGINALS, _bigram_table
from .model import ContextModel
from .usage import Usage

# Figures: bench/garblers.py's cipher, `restore learn` on the 400 spun documents, restored / broken on
# the 50 test documents (maps 11 / 12 / 13 where all three were run)
PASSES = 5               # rounds of (candidates, EM, decode): 3 passes 23.0% / 1.79%, 5 23.9% / 1.67% (map 11,
                         # 8 candidates)
WIDE_FROM = 1            # the pass from which the E step reads two neighbours each side (trigrams), not one:
                         # 28.8 / 25.9 / 28.5% restored, 1.49 / 1.11 / 1.80% broken (WER 34.5 / 34.5 / 33.8%) ->
                         # 32.8 / 33.9 / 33.1%, 1.70 / 1.21 / 1.81% (WER 32.7 / 30.9 / 31.7%); from the first
                         # pass 31.7 / 33.5 / 31.4%, 1.61 / 1.25 / 1.58% (WER 33.2 / 31.1 / 32.4%), but then the
                         # tests' tiny fixture ("we tin go. they can see. a tin box.") settles at once on
                         # rewriting a form's neighbours to fit the form ("a tin box" for "they tin go"); a
                         # first pass over one neighbour each side restores "tin" itself first.  The letter
                         # garbler (maps 11 / 12 / 13) is unchanged: its forms stand for themselves too seldom
ALIKE = 10.0             # nats of log-odds per unit of cosine (``restore.usage``) by which the corpus's own use of a
                         # form and of an original favours restoring that original.  Maps 11 / 12 / 13, with one
                         # original per form (``PER_FORM`` 1): 0 33.2 / 33.6 /
                         # 32.6% restored, 1.27 / 0.88 / 1.33% broken (WER 32.3 / 30.9 / 31.6%); 7 37.9 / 35.6 / 35.4%,
                         # 1.68 / 1.57 / 1.57%; 10 39.0 / 36.2 / 36.7%, 1.71 / 1.51 / 1.60% (WER 29.8 / 30.0 /
                         # 29.9%); 13 on map 11 38.7% / 1.97%.  The letter garbler is unchanged (its mixture is set
                         # aside).  The shares a form and an original stood for themselves (``kept_share``,
                         # ``MAX_RATE``) are read without it: with it, from 14 on map 11, the cipher's forms seemed
                         # to stand for themselves too seldom to be this kind of garbler (2.6% restored)
USAGE_FEATURES = 3000    # most frequent tokens of the corpus the cosines read as neighbours (not tuned)
ROUNDS = 6               # EM rounds per pass (not tuned: the matching settles in two or three)
CANDIDATES = 6           # candidate originals per form: 6 25.0 / 19.1 / 23.8% restored, 1.52 / 1.25 / 1.09%
                         # broken, word error rate 36.3 / 37.7 / 35.5%; 8 23.9 / 17.0 / 22.8%, 1.67 / 0.93 /
                         # 0.94%, 36.9 / 38.5 / 35.9%
SAMPLE = 150             # occurrences of a form its candidates are chosen from
SHARES = (0.15, 0.4, 0.7, 1.0)   # shares of a form's occurrences a candidate may stand for
MIN_GAIN = 0.1           # nats per occurrence, at the best share, for a word to be a candidate
FEATURES = 2000          # most frequent tokens read as neighbours
START = 0.5              # a form's share kept for itself before the corpus says otherwise
PER_FORM = 3             # originals a form may be matched to, and a later one only with at least this share of
SECOND = 0.3             # the first's restorations.  Maps 11 / 12 / 13: 1 (one to one) 39.0 / 36.2 / 36.7% restored,
                         # 1.71 / 1.51 / 1.60% broken (WER 29.8 / 30.0 / 29.9%); 3 and 0.3 40.4 / 37.3 / 38.3%, 1.83 /
                         # 1.36 / 1.52% (WER 29.2 / 29.4 / 29.1%); 2 and 0.1 40.0 / 37.3 / 38.2%, 1.71 / 1.41 / 1.84%;
                         # on map 11, 2 and 0.3 40.0% / 1.85%, 3 and 0.1 40.2% / 1.78%, 4 and 0.1 40.1% / 1.87%.
                         # (Before ``ALIKE``, three originals a form went to wrong candidates: 26.7% on map 11)
TRACE = 0.002            # share left to a candidate not matched to its form
EVIDENCE = 4e-4          # restorations a swap must add up to, to be kept, per token of the corpus: 50 in the
                         # cipher's 124,000 (30: 25.6 / 19.7 / 23.9%, 1.93 / 1.60 / 1.36%); from 1,500 documents
                         # (466,000 tokens), 50 restorations gave 24.7% / 2.08%, 200 22.9% / 1.41%.  At least
MIN_EVIDENCE = 10        # ... this many, and
MIN_CONFIDENCE = 0.9     # ... and the swaps made at this mean confidence or more tell ``kept_share``.  Once it also
                         # kept swaps out (0.85: 30.5% / 2.86% on map 11, against 23.9% / 1.67%, with 8
                         # candidates; a scratch run keeping only the right swaps, read off the clean text, gave
                         # 30.2% / 2.22% at 0.85), and so the function words' swaps, right but doubtful at each
                         # occurrence (of -> to 0.90, for -> and 0.80, or -> in 0.85): ``decipher.MIXED_ODDS``
                         # weighs them instead.  Without it, the letter garbler's map 13 read as mixed (0.2%)
MIN_FIT = 1.5            # nats per restoration by which the form's options must explain its occurrences better
                         # than the form alone: clean text's interchangeable words ("we" and "they" of the tests'
                         # fixture) gained 0.7 with one neighbour each side in every pass (with two, none is even
                         # matched), every swap the cipher keeps (map 11) 2 or more; "for" -> "and" 1.4
MAX_RATE = 0.9           # share of its original's occurrences a kept swap may account for: a garbler that rewrites
                         # by chance leaves its originals standing ("perl" for "will", never standing, is a word of
                         # another domain).  1.0 (none): 25.0 / 19.1 / 23.8% restored, 1.52 / 1.25 / 1.09% broken;
                         # 0.9: 24.9 / 19.1 / 23.8%, 1.37 / 1.25 / 0.99%; 0.8 on map 11 24.8% / 1.41%
MIXED = 0.2              # median share of a kept swap's form that stood for itself, from which the garbler is
                         # read as writing words in their own right: the cipher 0.35 / 0.37 (maps 11 / 12); the
                         # letter garbler 0.05 / 0.04 / 0.06 (maps 11 / 12 / 13), the neighbour garbler 0.04, the
                         # fourth WordNet neighbour over held-out news 0.06


@dataclass
class Mixture:
    """What the mixture EM found: ``swaps[original, form]`` (word ids) = (restorations, mean
    confidence); ``rate[original]``, the share of its occurrences the garbler rewrote; and
    ``kept_share``, the median share of their forms' occurrences that stood for themselves."""

    swaps: dict = field(default_factory=dict)
    rate: dict = field(default_factory=dict)
    kept_share: float = 0.0


def _pmi_tables(context: ContextModel, features: np.ndarray, originals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much likelier each original makes each neighbour, left (``[feature, original]``) and right
    (``[feature, original]``); a last row of zeros stands for a neighbour that is no feature."""
    unigram = context.unigram.astype(np.float32)
    left = _bigram_table(context, features, originals) - unigram[originals][None, :]
    right = (_bigram_table(context, originals, features) - unigram[features][None, :]).T
    zeros = np.zeros((1, len(originals)), np.float32)
    return np.vstack([left, zeros]), np.vstack([right, zeros])


def _candidates(stream: np.ndarray, contexts: np.ndarray, forms: list[int], originals: np.ndarray,
                tables: tuple[np.ndarray, np.ndarray], feature_at: np.ndarray, size: int) -> dict[int, list[int]]:
    """For each form, the originals that fit a share of its occurrences best (``contexts``: the
    neighbours as restored so far)."""
    left_of, right_of = tables
    column = np.full(max(int(stream.max()), int(originals.max())) + 1, -1, dtype=np.int64)
    column[originals] = np.arange(len(originals))
    before = np.concatenate([[-1], contexts[:-1]])
    after = np.concatenate([contexts[1:], [-1]])
    rng = np.random.default_rng(0)
    out = {}
    for form in forms:
        at = np.flatnonzero(stream == form)
        if len(at) > SAMPLE:
            at = rng.choice(at, SAMPLE, replace=False)
        score = left_of[feature_at[before[at]]] + right_of[feature_at[after[at]]]
        own = column[form]
        gain = np.clip(score - (score[:, [own]] if own >= 0 else 0.0), -20, 20).astype(np.float64)
        lift = np.expm1(gain)
        best = np.max([np.log1p(share * lift).mean(0) for share in SHARES], axis=0)
        if own >= 0:
            best[own] = -np.inf
        top = np.argsort(-best)[:size]
        chosen = [int(originals[c]) for c in top if best[c] >= MIN_GAIN]
        if chosen:
            out[form] = chosen
    return out


def _match(expected: dict[tuple[int, int], float], min_count: float) -> dict[tuple[int, int], float]:
    """(form, original) pairs, most expected restorations first: each original matched to one form, and
    each form to ``PER_FORM`` originals at most (a later one only with ``SECOND`` of the first's count).

    >>> _match({(1, 5): 9.0, (1, 6): 4.0, (2, 5): 7.0, (2, 6): 3.0}, 2)
    {(1, 5): 9.0, (1, 6): 4.0}
    >>> _match({(1, 5): 9.0, (1, 6): 2.0, (2, 5): 7.0, (2, 6): 3.0}, 2)
    {(1, 5): 9.0, (2, 6): 3.0}
    """
    pairs: dict[tuple[int, int], float] = {}
    first: dict[int, float] = {}
    kept: Counter = Counter()
    taken = set()
    for (form, original), n in sorted(expected.items(), key=lambda x: -x[1]):
        if form == original or n < min_count or original in taken or kept[form] >= PER_FORM:
            continue
        if form in first and n < SECOND * first[form]:
            continue
        pairs[form, original] = n
        first.setdefault(form, n)
        kept[form] += 1
        taken.add(original)
    return pairs


class _Occurrences:
    """Every occurrence of a form with candidates, and its options: the form itself first."""

    def __init__(self, stream: np.ndarray, found: dict[int, list[int]], size: int):
        row_of = np.full(int(stream.max()) + 1, -1, dtype=np.int64)        # each form's row of ``table``
        row_of[list(found)] = np.arange(len(found))
        table = np.full((len(found), size + 1), -1, dtype=np.int64)
        for row, (form, originals) in enumerate(found.items()):
            table[row, 0] = form
            table[row, 1:1 + len(originals)] = originals
        self.table = table
        self.at = np.flatnonzero(row_of[stream] >= 0)
        self.form = stream[self.at]
        self.row = row_of[self.form]
        options = table[self.row]
        self.valid = options >= 0
        self.options = np.where(self.valid, options, 0)

    def alike(self, usage: Usage) -> np.ndarray:
        """How alike the corpus uses each occurrence's form and each of its options (0 for the form itself)."""
        forms = np.repeat(self.table[:, 0], self.table.shape[1] - 1)
        cosines = np.zeros(self.table.shape)
        cosines[:, 1:] = usage.cosines(forms, self.table[:, 1:].ravel()).reshape(len(self.table), -1)
        return np.where(self.valid, cosines[self.row], 0.0)

    def expected(self, posterior: np.ndarray) -> dict[tuple[int, int], float]:
        """Expected restorations of each ``(form, option)``."""
        keys = np.stack([np.repeat(self.form, self.options.shape[1]), self.options.ravel()], 1)[self.valid.ravel()]
        pairs, where = np.unique(keys, axis=0, return_inverse=True)
        totals = np.bincount(where.ravel(), weights=posterior.ravel()[self.valid.ravel()])
        return {(int(f), int(o)): float(n) for (f, o), n in zip(pairs, totals)}


def _fit(context: ContextModel, restored: np.ndarray, at: np.ndarray, options: np.ndarray, unigram: np.ndarray,
         wide: bool) -> np.ndarray:
    """How much likelier each option (``options[i, j]``, in place of the word at ``at[i]``) makes its
    restored neighbours than English at large does: ``log P(o | v) + log P(r1 | o) - log P(o)`` from the
    next word each side, or, ``wide``, ``log P(o | u v) + log P(r1 | v o) + log P(r2 | o r1) - log P(o)``
    from two.

    >>> from restore.learn import count_context
    >>> lm = ContextModel.from_counts(*count_context(["we can go. they can see. " * 5]), min_trigram=1)
    >>> text = np.array([lm.id(w) for w in "we tin go .".split()])
    >>> options = np.array([[lm.ids["can"], lm.ids["see"]]], dtype=np.uint64)
    >>> fit = _fit(lm, text, np.array([1]), options, lm.unigram[options.view(np.int64)], wide=True)
    >>> bool(fit[0, 0] > fit[0, 1] + 5)
    True
    """
    width = options.shape[1]
    near = [restored[np.clip(at + k, 0, len(restored) - 1)] for k in ((-2, -1, 1, 2) if wide else (-1, 1))]
    known = len(context.vocab)
    near = [np.repeat(np.where(x < known, x, context.unknown), width).astype(np.uint64) for x in near]
    flat = options.ravel()
    if wide:
        u, v, r1, r2 = near
        score = context.logprobs_around(u, v, flat, r1, r2)
    else:
        v, r1 = near
        score = context._bigram(v, flat) + context._bigram(flat, r1)
    return score.reshape(-1, width) - unigram


def _em(stream: np.ndarray, contexts: np.ndarray, found: dict[int, list[int]], context: ContextModel,
        counted: Counter, rounds: int, min_evidence: float, usage: Usage | None = None, wide: bool = True):
    """Fit each form's shares over its options; return the occurrences, the last posterior, the
    expected restorations, the matching, the corpus as restored, each form's gain in nats, and the
    expected restorations by the context model alone (without the corpus's usage, ``ALIKE``)."""
    occ = _Occurrences(stream, found, CANDIDATES)
    alike = ALIKE * occ.alike(usage) if usage is not None else np.zeros(occ.options.shape)
    known = len(context.vocab)
    ids = np.where(occ.options < known, occ.options, context.unknown).astype(np.uint64)
    share = np.where(occ.valid, np.log((1 - START) / np.maximum(occ.valid.sum(1, keepdims=True) - 1, 1)), -np.inf)
    share[:, 0] = np.log(START)
    restored = contexts.copy()
    unigram = context.unigram[ids.view(np.int64)]
    n_form = np.array([counted[f] for f in occ.form.tolist()], dtype=np.float64)
    for _ in range(rounds):
        fit = _fit(context, restored, occ.at, ids, unigram, wide)
        odds = np.where(occ.valid, share + fit + alike, -np.inf)
        top = odds.max(1, keepdims=True)
        posterior = np.exp(odds - top)
        total = posterior.sum(1, keepdims=True)
        posterior /= total
        # how much likelier the occurrences are with the form's options than as the form itself
        gain = np.bincount(occ.form, weights=(np.log(total) + top - fit[:, :1]).ravel())
        expected = occ.expected(posterior)
        matched = _match(expected, min(2.0, min_evidence))
        taken = np.array([[matched.get((f, o), 0.0) for o in row] for f, row in zip(occ.table[:, 0].tolist(),
                                                                                  occ.table.tolist())])
        taken[:, 0] = 0.0
        taken = taken[occ.row] / n_form[:, None]
        new = np.where(taken > 0, taken, TRACE)
        new[:, 0] = np.maximum(1 - taken.sum(1), 0.02)
        share = np.where(occ.valid, np.log(new), -np.inf)
        best = occ.options[np.arange(len(occ.at)), posterior.argmax(1)]
        restored = contexts.copy()
        restored[occ.at] = np.where(posterior.max(1) > 0.5, best, occ.form)
    plain = np.where(occ.valid, share + fit, -np.inf)
    plain = np.exp(plain - plain.max(1, keepdims=True))
    return occ, posterior, expected, matched, restored, gain, occ.expected(plain / plain.sum(1, keepdims=True))


def learn_mixture(stream: np.ndarray, context: ContextModel, *, min_count: int = MIN_COUNT,
                  min_evidence: float | None = None, passes: int = PASSES, rounds: int = ROUNDS,
                  progress=lambda xs, **_: xs) -> Mixture:
    """Fit the mixture over ``stream`` (``candidates.corpus_tokens``) and keep the swaps it made surely
    (``min_evidence`` restorations or more: by default ``EVIDENCE`` of the tokens, at least ``MIN_EVIDENCE``)."""
    if not len(stream):
        return Mixture()
    if min_evidence is None:
        min_evidence = max(MIN_EVIDENCE, EVIDENCE * len(stream))
    known = len(context.vocab)
    vocab_size = max(int(stream.max()) + 1, known)
    ids, counts = np.unique(stream, return_counts=True)
    by_count = ids[np.argsort(-counts, kind="stable")]
    counted = Counter(dict(zip(ids.tolist(), counts.tolist())))
    word = np.array([i >= known or context.vocab[i].isalpha() for i in range(vocab_size)])
    forms = [int(i) for i in by_count if word[i] and counted[int(i)] >= min_count and i != context.unknown][:MAX_FORMS]
    if not forms:
        return Mixture()
    frequent = np.argsort(-context.unigram, kind="stable")
    base_words = [int(i) for i in frequent[:ORIGINALS * 2] if word[i]][:ORIGINALS]
    originals = np.array(sorted(set(base_words) | {f for f in forms if f < known}), dtype=np.int64)
    features = np.array([i for i in by_count.tolist() if i < known and i != context.unknown][:FEATURES], dtype=np.int64)
    feature_at = np.full(vocab_size + 1, len(features), dtype=np.int64)   # -1 (no neighbour) reads the zero row
    feature_at[features] = np.arange(len(features))
    tables = _pmi_tables(context, features, originals)
    usage = Usage(stream, np.union1d(originals, forms), by_count[by_count != context.unknown][:USAGE_FEATURES])
    contexts = stream
    for pass_ in progress(range(passes), desc="occurrence by occurrence", unit="pass"):
        found = _candidates(stream, contexts, forms, originals, tables, feature_at, CANDIDATES)
        if not found:
            return Mixture()
        occ, posterior, expected, matched, contexts, gain, by_context = _em(
            stream, contexts, found, context, counted, rounds, min_evidence, usage, wide=pass_ >= WIDE_FROM)
    sure = posterior.max(1)
    chosen = occ.options[np.arange(len(occ.at)), posterior.argmax(1)]
    out = Mixture()
    shares = {}
    restorations: Counter = Counter()
    for (form, _), n in matched.items():
        restorations[form] += n
    for (form, original), n in matched.items():
        made = (occ.form == form) & (chosen == original) & (sure > 0.5)
        confidence = float(sure[made].mean()) if made.any() else 0.0
        standing = by_context.get((original, original), counted[original])
        if n < min_evidence or gain[form] < MIN_FIT * restorations[form] or n > MAX_RATE * (n + standing):
            continue
        out.swaps[original, form] = (n, confidence)
        out.rate[original] = n / (n + standing)
        if confidence >= MIN_CONFIDENCE:
            shares[form] = by_context.get((form, form), 0.0) / counted[form]
    out.kept_share = float(np.median(list(shares.values()))) if shares else 0.0
    return out
