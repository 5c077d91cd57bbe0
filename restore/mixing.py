"""Mix two context models into one: a small one of the garbled domain with a large general one.

A few hundred training pairs are some 50,000 words of the domain's own clean text: they
know its phrasing ("the file object", "raises an exception") but are far too few for a
trigram model on their own; a general model of millions of words knows English but not
the domain.  ``mix`` interpolates the two, ``weight * P_own + (1 - weight) * P_base``, for
every bigram and trigram either one stored, and lays the result out as one
``ContextModel`` over the union of their vocabularies, so the decoder and the model file
need nothing new.  The back-off weights of the mixture are the mixtures of the two back-off
weights: exact where both models stored an n-gram, an approximation (as any merged back-off
model is) where a word is backed off to.

>>> from restore.model import ContextModel
>>> own = ContextModel.from_counts({("the", "file"): 3, ("file", "was"): 3}, {("the", "file", "was"): 3})
>>> base = ContextModel.from_counts({("the", "cat"): 3, ("cat", "was"): 3}, {("the", "cat", "was"): 3})
>>> both = mix(own, base, 0.5)
>>> the, file, cat = (both.id(w) for w in ("the", "file", "cat"))
>>> p_file, p_cat = both.logprobs([(the, the, file), (the, the, cat)])    # each about half of "the ..."
>>> -1.5 < p_file < -0.5 and -1.5 < p_cat < -0.5
True
"""
from __future__ import annotations

import numpy as np

from .classes import ClassModel
from .model import ID_BITS, UNKNOWN, ContextModel, positions

OWN_WEIGHT = 0.5        # share of the pairs' own model: 200 garbled Python-docs pairs (50,000 words) with the
                        # shipped model restored most at 0.5 (bench/garblers.py; 0.3 and 0.7 did worse)
_BITS = np.uint64(ID_BITS)
_MASK = np.uint64((1 << ID_BITS) - 1)


def _split2(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return keys >> _BITS, keys & _MASK


def _split3(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return keys >> (_BITS + _BITS), (keys >> _BITS) & _MASK, keys & _MASK


def _bigram(model: ContextModel, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log P(w | v) of ``model``, over its own word ids."""
    return model._bigram(v, w)


def _history_backoff(model: ContextModel, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """log back-off weight of the history ``u v`` (0 where the bigram is not stored)."""
    return model._history(u, v)


def _trigram(model: ContextModel, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log P(w | u v) of ``model``'s Kneser-Ney tables alone (no bigram or class mixing)."""
    seen, (value,) = model._lookup(3, (u << (_BITS + _BITS)) | (v << _BITS) | w)
    return np.where(seen, value, _bigram(model, v, w) + _history_backoff(model, u, v))


def _mixed(own: np.ndarray, base: np.ndarray, weight: float, own_only: np.ndarray | None = None) -> np.ndarray:
    out = np.minimum(np.logaddexp(own + np.log(weight), base + np.log1p(-weight)), 0.0)
    return out if own_only is None else np.where(own_only, own, out)


def _known_share(own: ContextModel, unknown: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """log(1 - P_own(words marked ``unknown``)): overall, after each word, and after each stored bigram.

    What ``own`` leaves for the words a partial model also knows, in each context: after
    "page" a counted model expects a digit ("page 4"), which a speech model cannot say.
    """
    unigram = np.exp(own.unigram.astype(np.float64))
    total = float(unigram[unknown].sum())
    v, x = _split2(own.keys)
    v, x = v.astype(np.int64), x.astype(np.int64)
    size = len(own.vocab)
    stored = np.bincount(v, weights=np.exp(own.values.astype(np.float64)) * unknown[x], minlength=size)
    stored_prior = np.bincount(v, weights=unigram[x] * unknown[x], minlength=size)
    after_word = stored + np.exp(own.backoff.astype(np.float64)) * (total - stored_prior)
    _, v3, x3 = (k.astype(np.int64) for k in _split3(own.keys3))
    history = np.searchsorted(own.keys, (own.keys3 >> _BITS))
    lower = np.exp(_bigram(own, v3.astype(np.uint64), x3.astype(np.uint64)).astype(np.float64))
    stored3 = np.bincount(history, weights=np.exp(own.values3.astype(np.float64)) * unknown[x3],
                          minlength=len(own.keys))
    stored3_lower = np.bincount(history, weights=lower * unknown[x3], minlength=len(own.keys))
    after_bigram = stored3 + np.exp(own.backoff2.astype(np.float64)) * (after_word[x] - stored3_lower)

    def share(mass):
        return np.log1p(-np.clip(mass, 0.0, 0.999))
    return float(share(total)), share(after_word), share(after_bigram)


def mix(own: ContextModel, base: ContextModel, weight: float = OWN_WEIGHT, *,
        partial_base: bool = False) -> ContextModel:
    """One ``ContextModel``: ``weight * own + (1 - weight) * base``; the word classes of ``base``
    (else of ``own``) are kept.

    ``partial_base``: ``base`` has words for only part of ``own``'s tokens (a speech model has
    no commas, no digits).  Where it has none for the word predicted, ``own``'s probability
    stands; elsewhere ``base``'s weighs only within the share ``own`` leaves to the words
    both know, so that each context's probabilities still sum to one.
    """
    vocab = sorted((set(own.vocab) | set(base.vocab)) - {UNKNOWN}) + [UNKNOWN]
    ids = {w: i for i, w in enumerate(vocab)}
    to_own = np.array([own.ids.get(w, own.unknown) for w in vocab], dtype=np.uint64)
    to_base = np.array([base.ids.get(w, base.unknown) for w in vocab], dtype=np.uint64)
    mute = (to_base == base.unknown) if partial_base else np.zeros(len(vocab), dtype=bool)

    def recode(model: ContextModel) -> np.ndarray:
        return np.array([ids[w] for w in model.vocab], dtype=np.uint64)

    from_own, from_base = recode(own), recode(base)
    share0, share1, share2 = 0.0, np.zeros(len(own.vocab)), np.zeros(len(own.keys))
    if partial_base:
        share0, share1, share2 = _known_share(own, mute[from_own.astype(np.int64)])

    def after(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The share of the history ``u v`` (union ids) that ``own`` leaves to words ``base`` knows."""
        pos, seen = positions(own.keys, (to_own[u] << _BITS) | to_own[v])
        return np.where(seen, share2[pos] if len(share2) else 0.0, share1[to_own[v].astype(np.int64)])
    # bigrams: every key either model stored, in the union's ids
    keys = np.union1d(_rekey2(own.keys, from_own), _rekey2(base.keys, from_base))
    v, w = _split2(keys)
    values = _mixed(_bigram(own, to_own[v], to_own[w]),
                    _bigram(base, to_base[v], to_base[w]) + share1[to_own[v].astype(np.int64)], weight, mute[w])
    backoff2 = _mixed(_history_backoff(own, to_own[v], to_own[w]),
                      _history_backoff(base, to_base[v], to_base[w]), weight, mute[v] | mute[w])
    keys3 = np.union1d(_rekey3(own.keys3, from_own), _rekey3(base.keys3, from_base))
    u3, v3, w3 = _split3(keys3)
    values3 = _mixed(_trigram(own, to_own[u3], to_own[v3], to_own[w3]),
                     _trigram(base, to_base[u3], to_base[v3], to_base[w3]) + after(u3, v3), weight, mute[w3])
    unigram = _mixed(own.unigram[to_own.astype(np.int64)], base.unigram[to_base.astype(np.int64)] + share0,
                     weight, mute)
    backoff = _mixed(own.backoff[to_own.astype(np.int64)], base.backoff[to_base.astype(np.int64)], weight, mute)
    keeper, at = (base, to_base) if base.classes is not None else (own, to_own)
    classes = None
    if keeper.classes is not None:
        i = at.astype(np.int64)
        classes = ClassModel(keeper.classes.names, keeper.classes.word_class[i], keeper.classes.in_class[i],
                             keeper.classes.trigram)
    return ContextModel(vocab=vocab, unigram=unigram.astype(np.float32), backoff=backoff.astype(np.float32),
                        keys=keys, values=values.astype(np.float32), backoff2=backoff2.astype(np.float32),
                        keys3=keys3, values3=values3.astype(np.float32), classes=classes,
                        class_weight=keeper.class_weight if classes is not None else 0.0)


def _rekey2(keys: np.ndarray, recode: np.ndarray) -> np.ndarray:
    v, w = _split2(np.asarray(keys, dtype=np.uint64))
    return (recode[v] << _BITS) | recode[w]


def _rekey3(keys: np.ndarray, recode: np.ndarray) -> np.ndarray:
    u, v, w = _split3(np.asarray(keys, dtype=np.uint64))
    return (recode[u] << (_BITS + _BITS)) | (recode[v] << _BITS) | recode[w]
