"""Candidate originals for the frequent forms of a spun corpus, from the contexts they were seen in.

``restore learn`` (``restore.decipher``) starts from these.  A garbled form occurs where its
original would ("the ___ of" for a noun), so for each frequent form (a word the context model
never counted too: a domain's own terms may be forms) the base's context model scores every
frequent word by how much likelier it makes the trusted neighbours the form was seen beside
(pointwise mutual information), and by how well the form's count matches the word's frequency
in clean English; the words that fit much better than the form itself are its candidates (two
matrix products over the base model's bigram tables).  A neighbour seen far more or less often
than English uses it is no evidence: it is probably a garbled form itself.  The best of those are
then told apart by a wider window: the trigram context model scores each in place of the form,
two words each side, over a sample of its occurrences.

>>> from restore.learn import count_context
>>> lm = ContextModel.from_counts(*count_context(["we can go. they can see. " * 20, "a tin box. " * 3]), min_trigram=1)
>>> stream = corpus_tokens(["we tin go. they tin see. " * 20] * 3, lm)
>>> [lm.vocab[c] for c, _ in candidates(stream, lm, min_count=3)[lm.ids["tin"]]]
['can']
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np

from .model import ContextModel
from .tokenize import BOUNDARY, context_tokens, split_words, stands_alone

TRUST = 1.5              # a context word whose count strays further than this (log scale) from English is not trusted
MIN_COUNT = 5            # a form seen fewer times than this is not learned (too few contexts)
MAX_FORMS = 6000         # most frequent forms considered
ORIGINALS = 6000         # most frequent words of the base model that may be originals, with the corpus's own
KNOWN = 30000            # ... of those, only words among the base model's this many most frequent
SPREAD = 2.5             # how far (log scale) a form's count may stray from its original's expected count
FEATURES = 2000          # most frequent tokens of the corpus used as contexts
EVIDENCE = 10            # occurrences' worth of context evidence a form's habit is weighed against.  bench/garblers.py,
                         # letter, learn, map 11: 1 62.8% restored / 0.67% broken, 3 66.1% / 1.25%, 10 66.5% /
                         # 0.64%, 30 65.7% / 0.38% (WER 13.4 / 12.7 / 12.1 / 12.3%); map 12: 3 75.6% / 0.48%, 10
                         # 75.4% / 0.26%.  A stronger habit lists more same-letter words of the base's domain
CANDIDATES = 5           # candidate originals per form
RERANK = 60              # ... chosen from this many by pointwise mutual information, re-ranked by the trigram context
OCCURRENCES = 60         # model over this many of the form's occurrences (evenly spread).  bench/garblers.py, letter,
                         # learn, maps 11 / 12 / 13: by mutual information alone 66.5 / 75.4 / 78.0% restored, 0.64 /
                         # 0.26 / 0.38% broken (WER 12.1 / 12.2 / 11.2%); re-ranking 60 over 60 occurrences 70.4 /
                         # 75.7 / 78.4%, 0.57 / 0.26 / 0.26% (WER 10.7 / 12.1 / 10.9%).  Map 11: 30 over 30 67.9% /
                         # 0.43%, 100 over 100 69.3% / 0.75%.  Another spinner's neighbour garbler 72.2% / 1.08% ->
                         # 72.3% / 1.42% (WER 11.1% -> 11.3%), the synonym garbler 67.8% / 5.63% -> 67.8% / 5.43%
                         # (WER 14.6% -> 14.5%); the cipher's mixture model has its own search (restore.mixture)
BLOCK = 16_000           # (form, candidate) pairs re-ranked at a time: a million trigram look-ups at most, so
                         # that a large corpus's 6,000 forms do not hold 20 million at once
MIN_GAIN = 0.5           # nats per occurrence by which a candidate must fit a form's contexts better than the form
MISSING_EXPECTED = 50    # a word English uses this many times in a corpus this long, shown less than MISSING_SHARE
MISSING_SHARE = 0.1      # as often and never alone, is rewritten throughout and may be an original even where the
                         # base's dictionary lacks it ("are", written "ar" by another synonym spinner).  Over the
                         # real articles these find only words the seed's spinner always rewrites (as, have, he,
                         # or, so); on bench/garblers.py's neighbour garbler "are", "things" and "we're": 42.5% ->
                         # 46.7% restored, 0.70% -> 0.75% broken.  Without "shown ... never alone", words the domain
                         # never uses ("she", "said") qualified as well


def corpus_tokens(texts: list[str], context: ContextModel, unseen: dict[str, int] | None = None) -> np.ndarray:
    """The texts as one stream of the context model's word ids (each text starts with ``<s>``).

    A word the context model does not know is ``<unk>``; or, given ``unseen``, a word of its own
    there, numbered on from the model's vocabulary: a domain's own terms ("tzinfo") may be a
    garbler's forms too.

    >>> from restore.model import ContextModel
    >>> lm = ContextModel.from_counts({("a", "b"): 1}, {})
    >>> unseen = {}
    >>> corpus_tokens(["a zz b zz"], lm, unseen).tolist(), unseen
    ([2, 0, 3, 1, 3], {'zz': 3})
    """
    ids, unknown = context.ids, context.unknown
    if unseen is None:
        return np.fromiter((ids.get(t, unknown) for text in texts for t in context_tokens(text)), dtype=np.int64)

    def number(token: str) -> int:
        found = ids.get(token)
        if found is None:
            found = unknown if token == BOUNDARY else unseen.setdefault(token, len(ids) + len(unseen))
        return found
    return np.fromiter((number(t) for text in texts for t in context_tokens(text)), dtype=np.int64)


def _bigram_table(context: ContextModel, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """log P(r | l) for every pair of ``left`` x ``right`` ids, as a float32 matrix."""
    out = np.empty((len(left), len(right)), dtype=np.float32)
    r = right.astype(np.uint64)
    for i in range(0, len(left), 256):
        block = left[i:i + 256].astype(np.uint64)
        a = np.repeat(block, len(right))
        b = np.tile(r, len(block))
        out[i:i + len(block)] = context._bigram(a, b).reshape(len(block), len(right))
    return out


def candidates(stream: np.ndarray, context: ContextModel, *, min_count: int = MIN_COUNT,
               keep: Callable[[str], bool] = str.isalpha,
               contexts: np.ndarray | None = None,
               habit: tuple[float, float] = (0.0, 0.0),
               rewritable: Callable[[str], bool] | None = None,
               unseen: dict[str, int] | None = None) -> dict[int, list[tuple[int, float]]]:
    """For each frequent form (id): the words (ids) that fit its contexts better than it does, best
    first, with the gain in nats per occurrence.

    A form's score for word ``c`` is the log-probability of every bigram it was seen in,
    ``log P(c | left) + log P(right | c)``, with ``c`` in its place.  The neighbours are read
    from ``contexts`` (aligned with ``stream``) where given: the text as restored so far, whose
    neighbours are less garbled than the spun text's.  Only words ``rewritable`` accepts (by
    default, any) may be originals.  Ids past the context model's vocabulary are the words of
    ``unseen`` (``corpus_tokens``): they may be forms, scored as ``<unk>``, never originals.
    """
    contexts = stream if contexts is None else contexts
    vocab = context.vocab + list(unseen or ())
    known = len(context.vocab)

    def lm(words: np.ndarray) -> np.ndarray:            # the context model's ids: an unseen word is <unk>
        return np.where(words < known, words, context.unknown)
    ids, counts = np.unique(stream, return_counts=True)
    by_count = ids[np.argsort(-counts, kind="stable")]
    wordlike = np.array([keep(vocab[i]) for i in by_count], dtype=bool)
    counted = dict(zip(ids.tolist(), counts.tolist()))
    forms = [int(i) for i in by_count[wordlike] if counted[int(i)] >= min_count and i != context.unknown][:MAX_FORMS]
    if not forms:
        return {}
    frequent = np.argsort(-context.unigram, kind="stable")
    base_words = [int(i) for i in frequent[:ORIGINALS * 2] if keep(vocab[i])][:ORIGINALS]
    originals = np.array(sorted(set(base_words) | set(forms)), dtype=np.int64)
    rank = np.full(len(vocab), len(vocab), dtype=np.int64)
    rank[frequent] = np.arange(known)
    allowed = rewritable or (lambda _: True)
    eligible = (rank[originals] < KNOWN) & np.array([keep(vocab[i]) and allowed(vocab[i]) for i in originals],
                                                    dtype=bool)
    # contexts to trust: restored words, and words seen about as often as in English (a garbled
    # form's count strays far from its own: "internal" standing for "in" is 400 times too common)
    stray = np.abs(np.log(counts / len(stream)) - context.unigram[lm(ids)].astype(np.float64)) > TRUST
    trusted = np.ones(len(vocab), dtype=bool)
    trusted[ids[stray]] = False
    trust = trusted[stream] | (contexts != stream)
    shown = np.unique(contexts[trust], return_counts=True)
    features = shown[0][np.argsort(-shown[1], kind="stable")]
    features = features[(features != context.unknown) & (features < known)][:FEATURES]
    where = np.full(len(vocab), -1, dtype=np.int64)
    where[features] = np.arange(len(features))
    form_at = np.full(len(vocab), -1, dtype=np.int64)
    form_at[forms] = np.arange(len(forms))
    # how often each form follows and precedes each context token
    left_of, right_of = np.zeros((len(forms), len(features)), np.float32), np.zeros((len(forms), len(features)), np.float32)
    a, b = contexts[:-1], stream[1:]                  # a form and the word before it
    ok = (form_at[b] >= 0) & (where[a] >= 0) & trust[:-1]
    np.add.at(left_of, (form_at[b[ok]], where[a[ok]]), 1)
    a, b = stream[:-1], contexts[1:]                  # a form and the word after it
    ok = (form_at[a] >= 0) & (where[b] >= 0) & trust[1:]
    np.add.at(right_of, (form_at[a[ok]], where[b[ok]]), 1)
    # how much more likely each context is with the word than without it (pointwise mutual
    # information): raw probabilities would favour "and" and "the" in every context
    unigram = context.unigram.astype(np.float32)
    scored = lm(originals)
    score = left_of @ (_bigram_table(context, features, scored) - unigram[scored][None, :])
    score += right_of @ (_bigram_table(context, scored, features) - unigram[features][None, :]).T
    # frequency against clean English: a word expected about as often as the form was seen
    total = len(stream)
    expected = np.maximum(total * np.exp(context.unigram[scored].astype(np.float64)),
                          np.array([counted.get(int(c), 0) for c in originals], dtype=np.float64))
    expected[np.searchsorted(originals, forms)] = np.maximum(
        total * np.exp(context.unigram[lm(np.array(forms))].astype(np.float64)), 0.1)   # a form as itself: as in English
    seen_forms = np.array([counted[f] for f in forms], dtype=np.float64)
    score -= np.log(seen_forms[:, None] / np.maximum(expected[None, :], 0.1)) ** 2 / (2 * SPREAD ** 2)
    column = np.searchsorted(originals, forms)
    own = score[np.arange(len(forms)), column]
    seen = np.maximum(left_of.sum(1) + right_of.sum(1), 1) / 2
    gain = (score - own[:, None]) / seen[:, None]
    if any(habit):        # the garbler's habit, in nats per form, spread over (at most EVIDENCE) occurrences
        same = np.array([vocab[f][:1] for f in forms])[:, None] == np.array([vocab[c][:1] for c in originals])[None, :]
        gain += np.where(same, habit[0], habit[1]) / np.minimum(seen, EVIDENCE)[:, None]
    gain[:, ~eligible] = -np.inf
    gain[np.arange(len(forms)), column] = -np.inf
    top = np.argsort(-gain, axis=1)[:, :RERANK]
    out = {}
    for f, form in enumerate(forms):
        best = [(int(originals[c]), float(gain[f, c])) for c in top[f] if gain[f, c] >= MIN_GAIN]
        if best:
            out[form] = best
    return _reranked(out, stream, lm(contexts), context, habit, vocab, lm)


def _reranked(found: dict[int, list[tuple[int, float]]], stream: np.ndarray, contexts: np.ndarray,
              context: ContextModel, habit: tuple[float, float], vocab: list[str],
              lm: Callable[[np.ndarray], np.ndarray]) -> dict[int, list[tuple[int, float]]]:
    """Each form's ``CANDIDATES`` best of ``found``, by how much likelier the trigram context model makes
    the two words each side of (at most ``OCCURRENCES`` of) its occurrences with the candidate in its place
    (``log P(c | l2 l1) + log P(r1 | l1 c) + log P(r2 | c r1) - log P(c)``), with the garbler's ``habit``.
    Mutual information over single neighbours finds the candidates; a wider window tells them apart."""
    if not found:
        return found
    forms = np.array(sorted(found), dtype=np.int64)
    where = np.flatnonzero(np.isin(stream, forms))
    where = where[(where >= 2) & (where < len(stream) - 2)]
    where = where[np.argsort(stream[where], kind="stable")]
    starts, ends = np.searchsorted(stream[where], forms), np.searchsorted(stream[where], forms, side="right")
    pairs: list[tuple[np.ndarray, int]] = []      # (occurrences, candidate) in order of forms, then candidates
    for i, form in enumerate(forms.tolist()):
        at = where[starts[i]:ends[i]]
        if len(at) > OCCURRENCES:
            at = at[np.linspace(0, len(at) - 1, OCCURRENCES).astype(np.int64)]
        pairs.extend((at, c) for c, _ in found[form])
    mean, sizes = np.zeros(len(pairs)), np.zeros(len(pairs), dtype=np.int64)
    for lo in range(0, len(pairs), BLOCK):
        block = pairs[lo:lo + BLOCK]
        at = np.concatenate([a for a, _ in block])
        row = np.repeat(np.arange(len(block)), [len(a) for a, _ in block])
        candidate = lm(np.array([c for _, c in block], dtype=np.int64)[row])   # an unseen word is <unk> to the model
        fit = (context.logprobs_around(contexts[at - 2], contexts[at - 1], candidate, contexts[at + 1],
                                       contexts[at + 2]) - context.unigram[candidate])
        sizes[lo:lo + len(block)] = np.bincount(row, minlength=len(block))
        mean[lo:lo + len(block)] = np.bincount(row, weights=fit, minlength=len(block)) / np.maximum(sizes[lo:lo + len(block)], 1)
    counts = dict(zip(*np.unique(stream[where], return_counts=True)))
    out, k = {}, 0
    for form in forms.tolist():
        options = found[form]
        scores = mean[k:k + len(options)].copy()
        if any(habit):
            same = np.array([vocab[c][:1] == vocab[form][:1] for c, _ in options])
            scores += np.where(same, habit[0], habit[1]) / min(max(counts.get(form, 1), 1), EVIDENCE)
        order = np.argsort(-scores, kind="stable") if sizes[k] else np.arange(len(options))
        out[form] = [options[j] for j in order[:CANDIDATES]]
        k += len(options)
    return out


def rewritten_throughout(texts: list[str], occurrences: Counter, context: ContextModel, total: int) -> set[str]:
    """Common words a garbler seems to rewrite wherever it can: English uses each at least
    ``MISSING_EXPECTED`` times in a corpus this long, and the corpus shows it, less than ``MISSING_SHARE``
    as often, only where a garbler may not reach (capitalised, touching punctuation), never alone.

    >>> from restore.learn import count_context
    >>> lm = ContextModel.from_counts(*count_context(["they are here. we are there. " * 40]), min_trigram=1)
    >>> texts = ["they ar here. we ar there. " * 40 + "Are they?"]
    >>> tokens = corpus_tokens(texts, lm)
    >>> rewritten_throughout(texts, Counter(lm.vocab[i] for i in tokens.tolist()), lm, len(tokens))
    {'are'}
    """
    expected = total * np.exp(context.unigram.astype(np.float64))
    common = {context.vocab[i]: float(expected[i]) for i in np.flatnonzero(expected >= MISSING_EXPECTED)}
    lone: Counter[str] = Counter()
    for text in texts:
        parts = split_words(text)
        lone.update(parts[i] for i in range(1, len(parts), 2) if stands_alone(parts[i - 1], parts[i + 1]))
    return {w for w, n in common.items() if 0 < occurrences[w] < MISSING_SHARE * n and not lone[w]}
