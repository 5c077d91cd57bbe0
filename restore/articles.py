"""A or an: the indefinite article before a garbled word was written for its original.

A garbler that swaps words one by one leaves the article before them alone, so "a white toy"
comes out as "a albescent toy", and "an albescent glow", with the article fitting the word as
written, was most likely written so.  An option whose word takes the other article than the one
written before it loses ``DISAGREE`` nats: for a genuine word after a fitting article, that is
every swap of the other kind; for a garbled one after the original's article, the word as written
and the originals of the wrong kind.

>>> from restore.decode import Restorer
>>> Restorer().restore("An albescent glow filled the sky.")
'An albescent glow filled the sky.'
"""
from __future__ import annotations

import numpy as np

from .lattice import Lattice
from .model import ID_BITS, ContextModel, Model

DISAGREE = 10.0          # nats an option loses when its word takes the other article than the one written
                         # before it: the context model's class back-off finds "an white" nearly as likely as
                         # "an albescent", and a rare form loses to a common original by about 10 nats (at 3 and
                         # 6 "An albescent glow" still changed).  The 52 real articles each left out: 2,967 ->
                         # 2,968 restored, 57 broken either way (a prototype: 2,968 at 3 nats, 2,969 at 6 to 20);
                         # bench/garblers.py, cipher, learn 1.37% -> 1.30% broken, train 85.0% / 6.80% either
                         # way; the letter garbler's unchanged
CLEAR = 2.3              # log odds by which the context model must prefer one article before a word to decide
A, AN, UNKNOWN = 1, 2, 0

__all__ = ["DISAGREE", "disagreement", "takes"]


def by_spelling(word: str) -> int:
    """The article a word takes by its first letters, where the context model has not seen it after
    either: ``A``, ``AN``, or ``UNKNOWN`` where the spelling does not tell ("hour", "unit", "euro", "FBI").

    >>> [by_spelling(w) for w in ("albescent", "plaything", "hour", "unit", "FBI", "3")]
    [2, 1, 0, 0, 0, 0]
    """
    if not word[:1].isalpha() or (len(word) > 1 and word.isupper()):
        return UNKNOWN
    lower = word.lower()
    if lower[0] in "uh" or lower.startswith(("eu", "ew", "one", "once")):
        return UNKNOWN
    return AN if lower[0] in "aeio" else A


def takes(context: ContextModel, words: np.ndarray) -> np.ndarray:
    """The article each of ``words`` (context-model ids) takes: the one the context model saw it after
    far more often, else as its spelling says.

    >>> context = Model.default().context
    >>> takes(context, np.array([context.ids[w] for w in ("hour", "university", "white", "employee")])).tolist()
    [2, 1, 1, 2]
    """
    out = np.array([by_spelling(context.vocab[w]) for w in words.tolist()], dtype=np.int8)
    if "a" not in context.ids or "an" not in context.ids or not len(words):
        return out
    scores = []
    for article in ("a", "an"):
        key = (np.uint64(context.ids[article]) << np.uint64(ID_BITS)) | words.astype(np.uint64)
        seen, (value, _) = context._lookup(2, key)
        scores.append(np.where(seen, value + context.unigram[context.ids[article]], -np.inf))
    a, an = scores
    seen_after = np.isfinite(a) | np.isfinite(an)
    with np.errstate(invalid="ignore"):
        odds = a - an                       # +inf where seen after "a" only, -inf after "an" only
    out[seen_after & (odds > CLEAR)] = A
    out[seen_after & (odds < -CLEAR)] = AN
    return out


def disagreement(doc: Lattice, model: Model, loss: float = DISAGREE) -> np.ndarray:
    """Each option row's loss (0 or ``-loss``) for taking the other article than the unambiguous
    "a" or "an" written just before its word."""
    out = np.zeros(len(doc.row_keep))
    if not loss:
        return out
    parts = doc.parts
    slots = doc.slot_word.tolist()
    context = model.context
    ambiguous = np.zeros(len(doc.word_ids), dtype=bool)
    ambiguous[doc.slot_word] = True
    before = np.maximum(doc.slot_word - 1, 0)      # the word before each slot's: an "a" or "an" itself in no slot
    maybe = np.isin(doc.word_ids[before], [context.id("a"), context.id("an")]) & ~ambiguous[before] & (doc.slot_word > 0)
    after = [j for j in np.flatnonzero(maybe).tolist()          # (a model without "an" reads it as <unk>)
             if parts[2 * slots[j]] == " " and parts[2 * slots[j] - 1].lower() in ("a", "an")]
    if not after:
        return out
    known: dict[int, int] = model.memo("articles", lambda m: {})      # word id -> article, as met
    rows = np.concatenate([np.arange(doc.first[j], doc.first[j + 1]) for j in after])
    words = doc.row_word[rows]
    fresh = np.array(sorted(set(words.tolist()) - known.keys()), dtype=np.int64)
    known.update(zip(fresh.tolist(), takes(context, fresh).tolist()))
    kinds = np.fromiter(map(known.__getitem__, words.tolist()), dtype=np.int64, count=len(words))
    at = np.searchsorted(after, doc.row_slot[rows])          # each row's place in ``after``
    written = np.array([parts[2 * slots[j] - 1].lower() for j in after])
    wanted = np.where(written == "an", AN, A)[at]
    unknown = words == model.context.unknown                 # only a word as written: its spelling tells
    kinds[unknown] = [by_spelling(parts[2 * slots[after[i]] + 1]) for i in at[unknown].tolist()]
    out[rows[(kinds != UNKNOWN) & (kinds != wanted)]] = -loss
    return out
