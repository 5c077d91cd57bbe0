"""The two models restore decodes with, and the file they live in.

* ``ContextModel``: an interpolated Kneser-Ney trigram model of clean English,
  stored as sorted NumPy arrays and queried in batches.
* ``Channel``: for each word seen in spun text, the originals it may stand
  for and how likely the spinner is to make that swap.

A ``Model`` bundles both in one file of plain arrays (``restore.modelfile``);
``Model.default()`` loads the one that ships with the package, lazily and once.

>>> model = Model.default()                                    # doctest: +SKIP
>>> [c for c, _ in model.channel.originals["astatine"]]        # doctest: +SKIP
['at']
"""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, TypeVar

import numpy as np

from . import modelfile
from .classes import ClassModel
from .errors import ModelError
from .hashtable import HashTable

ID_BITS = 21            # room for two million words in a bigram key
UNKNOWN = "<unk>"
DEFAULT = Path(__file__).with_name("data") / "default.model"    # the model that ships with restore
T = TypeVar("T")


HASH_FROM = 200_000     # look-ups (so far, in this process) from which a hash index pays for itself
TRIGRAM_WEIGHT = 0.8    # the rest goes to the bigram: a 5 M-word corpus's trigrams are sparse.  53 real articles
                        # left out one at a time (bench/fit_decoder.py's errors): 0.7 1,948 (six more clean
                        # sentences changed), 0.8 1,339, 0.9 1,340


def positions(table: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``keys`` sit in the sorted ``table`` (meaningless where absent), and whether each is there.

    >>> pos, seen = positions(np.array([3, 8, 42], dtype=np.uint64), np.array([42, 5, 99], dtype=np.uint64))
    >>> pos[seen].tolist(), seen.tolist()
    ([2], [True, False, False])
    """
    if not len(table):
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(table, keys)
    pos[pos >= len(table)] = 0
    return pos, table[pos] == keys


def _mix(trigram: np.ndarray, bigram: np.ndarray) -> np.ndarray:
    """log(w P3 + (1 - w) P2): trigram evidence, tempered by the better-counted bigram.

    Without it one pruned trigram decides ("he was sick" seen three times, "he was ill"
    once, so a genuine "ill" became "sick").
    """
    return np.logaddexp(trigram + math.log(TRIGRAM_WEIGHT), bigram + math.log(1 - TRIGRAM_WEIGHT))


@dataclass
class ContextModel:
    """Trigram log-probabilities ``log P(w | u v)``: interpolated Kneser-Ney over a fixed vocabulary."""

    vocab: list[str]
    unigram: np.ndarray          # float32 [V]: log P(w), the smoothed unigram prior
    backoff: np.ndarray          # float32 [V]: log back-off weight of history v
    keys: np.ndarray             # uint64 sorted: v << ID_BITS | w, for seen bigrams
    values: np.ndarray           # float32: log P(w | v) for those bigrams
    backoff2: np.ndarray         # float32, aligned with keys: log back-off weight of history (v, w)
    keys3: np.ndarray            # uint64 sorted: u << 2 ID_BITS | v << ID_BITS | w, for kept trigrams
    values3: np.ndarray          # float32: log P(w | u v) for those trigrams
    classes: ClassModel | None = None   # word classes, mixed in with ``class_weight``
    class_weight: float = 0.0
    ids: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.ids = dict(zip(self.vocab, range(len(self.vocab))))
        self.unknown = self.ids[UNKNOWN]
        self._tables: dict[int, HashTable] = {}
        self._lookups = 0

    def id(self, word: str) -> int:
        return self.ids.get(word, self.unknown)

    def build_indexes(self) -> None:
        """Build the hash tables of the bigrams and trigrams now, not on first need.

        A batch does so before it forks its workers, which then share the tables' pages
        instead of each building its own.

        >>> lm = ContextModel.from_counts({("a", "b"): 3}, {("a", "b", "a"): 1}, min_trigram=1)
        >>> lm.build_indexes(); sorted(lm._tables)
        [2, 3]
        """
        for order in (2, 3):
            self._table(order)
        self._lookups = max(self._lookups, HASH_FROM)

    def _table(self, order: int) -> HashTable:
        """The hash table of the bigrams (``order`` 2) or trigrams (3), built once."""
        table = self._tables.get(order)
        if table is None:
            table = self._tables[order] = (HashTable(self.keys, value=self.values, backoff=self.backoff2)
                                           if order == 2 else HashTable(self.keys3, sparse=True, value=self.values3))
        return table

    def _lookup(self, order: int, keys: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Whether each bigram (``order`` 2) or trigram (3) key is stored, and its values.

        A bigram's are ``log P(w | v)`` and the back-off weight of the history ``(v, w)``; a
        trigram's ``log P(w | u v)``.  Where a key is not stored they mean nothing.  Binary
        search at first; once the process has looked up ``HASH_FROM`` keys (a large document,
        or a batch of small ones), a hash table, built once.  A one-line run never builds it.
        """
        table, columns = (self.keys, (self.values, self.backoff2)) if order == 2 else (self.keys3, (self.values3,))
        if not len(table):
            return np.zeros(len(keys), dtype=bool), tuple(np.zeros(len(keys), dtype=np.float32) for _ in columns)
        self._lookups += len(keys)
        if self._lookups >= HASH_FROM:
            return self._table(order).find(keys)
        pos, seen = positions(table, keys)
        return seen, tuple(column[pos] for column in columns)

    def logprobs(self, triples: list[tuple[int, int, int]]) -> list[float]:
        """``log P(w | u v)`` for many ``(u, v, w)`` id triples at once.

        >>> lm = ContextModel.from_counts({("a", "b"): 3, ("b", "a"): 1}, {("a", "b", "a"): 2})
        >>> [round(x, 2) for x in lm.logprobs([(lm.id("a"), lm.id("b"), lm.id("a"))])]
        [-0.21]
        """
        if not triples:
            return []
        arr = np.array(triples, dtype=np.int64).reshape(-1, 3)
        return self.logprobs_array(arr[:, 0], arr[:, 1], arr[:, 2]).tolist()

    def logprobs_array(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``log P(w | u v)`` elementwise over three arrays of word ids."""
        u, v, w = (x.astype(np.uint64) for x in (u, v, w))
        return self._trigram(u, v, w, self._bigram(v, w), self._history(u, v))

    def logprobs_around(self, u: np.ndarray, v: np.ndarray, w: np.ndarray, r1: np.ndarray,
                        r2: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
        """``log P(w | u v) + log P(r1 | v w) + log P(r2 | w r1)``: the score of ``w`` between its contexts.

        Equal to three ``logprobs_array`` calls, but each bigram is looked up once: the bigram
        ``(v, w)`` of the first trigram is the history of the second, and so on.  With ``group``,
        the contexts ``u v`` and ``r1 r2`` are given once per group of candidates (``w[i]`` sits
        in group ``group[i]``), and their bigrams are looked up once per group.
        """
        u, v, w, r1, r2 = (x.astype(np.uint64) for x in (u, v, w, r1, r2))
        history, last = self._history(u, v), self._bigram(r1, r2)      # once per context
        if group is not None:
            u, v, r1, r2, history, last = (x[group] for x in (u, v, r1, r2, history, last))
        p_vw, history_vw = self._bigram_with_history(v, w)
        p_wr, history_wr = self._bigram_with_history(w, r1)
        return (self._trigram(u, v, w, p_vw, history) + self._trigram(v, w, r1, p_wr, history_vw)
                + self._trigram(w, r1, r2, last, history_wr, classes=False))

    def logprobs_pairs(self, u: np.ndarray, v: np.ndarray, w1: np.ndarray, left: np.ndarray, w2: np.ndarray,
                       r1: np.ndarray, r2: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The score of two words ``w1 w2`` between ``u v`` and ``r1 r2``, for many combinations.

        ``u, v, w1`` are given once per left option and ``w2, r1, r2`` once per right option;
        combination ``i`` joins left option ``left[i]`` and right option ``right[i]``.  Equal
        to ``log P(w1 | u v) + log P(w2 | v w1) + log P(r1 | w1 w2) + log P(r2 | w2 r1)``, with
        what depends on one side only looked up once per option.
        """
        u, v, w1, w2, r1, r2 = (x.astype(np.uint64) for x in (u, v, w1, w2, r1, r2))
        p_vw, history_vw = self._bigram_with_history(v, w1)
        first = self._trigram(u, v, w1, p_vw, self._history(u, v))
        p_wr, history_wr = self._bigram_with_history(w2, r1)
        last = self._trigram(w2, r1, r2, self._bigram(r1, r2), history_wr, classes=False)
        v, a, b, r1 = v[left], w1[left], w2[right], r1[right]
        p_ab, history_ab = self._bigram_with_history(a, b)
        second = self._trigram(v, a, b, p_ab, history_vw[left])
        third = self._trigram(a, b, r1, p_wr[right], history_ab)
        return first[left] + second + third + last[right]

    def _trigram(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, lower: np.ndarray,
                 history: np.ndarray, classes: bool = True) -> np.ndarray:
        """``log P(c | a b)``, given ``log P(c | b)`` and the back-off weight of the history ``a b``.

        ``classes=False`` leaves the class model out: the scorers do so for the last trigram of a
        candidate's context, two words on, where it changed no decision on real articles and
        cost a sixth of the decoder's time.
        """
        bits = np.uint64(ID_BITS)
        seen, (value,) = self._lookup(3, (a << (bits + bits)) | (b << bits) | c)
        words = _mix(np.where(seen, value, lower + history), lower)
        return self._with_classes(a, b, c, words) if classes else words

    def _with_classes(self, u: np.ndarray, v: np.ndarray, w: np.ndarray, words: np.ndarray) -> np.ndarray:
        """``log((1 - k) P_words + k P_classes)``: the word trigram ``words`` mixed with the class model."""
        if self.classes is None or not self.class_weight:
            return words
        k = self.class_weight
        return np.logaddexp(words + math.log(1 - k), self.classes.logprobs(u, v, w) + math.log(k))

    def _bigram(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``log P(b | a)`` elementwise (uint64 ids)."""
        return self._bigram_with_history(a, b)[0]

    def _history(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The log back-off weight of the history ``a b`` of a trigram (0 where the bigram is not stored)."""
        seen, (_, backoff) = self._lookup(2, (a << np.uint64(ID_BITS)) | b)
        return np.where(seen, backoff, 0.0)

    def _bigram_with_history(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``_bigram(a, b)`` and ``_history(a, b)``, from one look-up."""
        seen, (value, backoff) = self._lookup(2, (a << np.uint64(ID_BITS)) | b)
        return (np.where(seen, value, self.backoff[a.view(np.int64)] + self.unigram[b.view(np.int64)]),
                np.where(seen, backoff, 0.0))

    @classmethod
    def from_counts(cls, bigrams: dict, trigrams: dict | None = None, unigram_prior: dict | None = None,
                    prior_weight: float = 0.3, min_trigram: int = 2) -> "ContextModel":
        """Fit modified Kneser-Ney from ``{(v, w): count}`` and ``{(u, v, w): count}``.

        Each order discounts counts of 1, 2 and 3+ by amounts estimated from its own
        count-of-counts.  ``unigram_prior`` (word -> frequency, e.g. from wordfreq) is
        mixed into the continuation distribution with ``prior_weight``, so that words
        the corpus never saw still get a sensible probability.  Trigrams seen fewer than
        ``min_trigram`` times are left out of the table (their mass backs off).
        """
        trigrams = trigrams or {}
        words = {w for pair in bigrams for w in pair} | set(unigram_prior or ())
        vocab = sorted(words) + [UNKNOWN]
        ids = {w: i for i, w in enumerate(vocab)}
        size = len(vocab)
        d2 = _discounts(bigrams.values())
        history = np.zeros(size)          # c(v .)
        left_out = np.zeros(size)         # discounted mass of history v
        preceders = np.zeros(size)        # N1+(. w)
        for (v, w), c in bigrams.items():
            i = ids[v]
            history[i] += c
            left_out[i] += d2[min(c, 3)]
            preceders[ids[w]] += 1
        continuation = preceders / max(preceders.sum(), 1)
        prior = np.zeros(size)
        for w, f in (unigram_prior or {}).items():
            prior[ids[w]] = f
        prior = prior / prior.sum() if prior.sum() else continuation
        uni = (1 - prior_weight) * continuation + prior_weight * prior
        uni = np.maximum(uni, 1e-3 / size)
        uni = uni / uni.sum()
        gamma = np.where(history > 0, left_out / np.maximum(history, 1), 1.0)
        bigram_index, p2 = dict[int, int](), {}
        for (v, w), c in bigrams.items():
            i, j = ids[v], ids[w]
            bigram_index[i << ID_BITS | j] = len(bigram_index)
            p2[(v, w)] = (c - d2[min(c, 3)]) / history[i] + gamma[i] * uni[j]
        keys = np.fromiter(bigram_index, dtype=np.uint64, count=len(bigram_index))
        values = np.log(np.fromiter(p2.values(), dtype=np.float64, count=len(p2)))
        # trigram histories
        d3 = _discounts(trigrams.values())
        history2, left_out2 = np.zeros(len(keys)), np.zeros(len(keys))
        for (u, v, w), c in trigrams.items():
            h = bigram_index[ids[u] << ID_BITS | ids[v]]
            history2[h] += c
            left_out2[h] += d3[min(c, 3)]
        gamma2 = np.where(history2 > 0, left_out2 / np.maximum(history2, 1), 1.0)
        keys3, values3 = list[int](), []
        for (u, v, w), c in trigrams.items():
            if c < min_trigram:
                continue
            h = bigram_index[ids[u] << ID_BITS | ids[v]]
            lower = p2.get((v, w)) or gamma[ids[v]] * uni[ids[w]]
            keys3.append((ids[u] << ID_BITS | ids[v]) << ID_BITS | ids[w])
            values3.append(math.log((c - d3[min(c, 3)]) / history2[h] + gamma2[h] * lower))
        order = np.argsort(keys, kind="stable")
        keys3_array = np.array(keys3, dtype=np.uint64)
        order3 = np.argsort(keys3_array, kind="stable")
        return cls(vocab=vocab, unigram=np.log(uni).astype(np.float32),
                   backoff=np.log(gamma).astype(np.float32),
                   keys=keys[order], values=values[order].astype(np.float32),
                   backoff2=np.log(gamma2)[order].astype(np.float32),
                   keys3=keys3_array[order3], values3=np.array(values3, dtype=np.float32)[order3])


def _discounts(counts) -> tuple[float, float, float, float]:
    """Modified Kneser-Ney discounts ``(0, D1, D2, D3+)`` from count-of-counts (Chen and Goodman).

    >>> [round(d, 2) for d in _discounts([1] * 60 + [2] * 20 + [3] * 10 + [4] * 5)]
    [0.0, 0.6, 1.1, 1.8]

    Counts too few or too odd for the estimate (a discount outside 0..its count, which would
    make a probability negative) fall back to 0.75 each:

    >>> _discounts([1] * 3 + [2] * 2 + [3] * 1 + [4] * 2)
    (0.0, 0.75, 0.75, 0.75)
    """
    n = np.bincount(np.fromiter((min(c, 5) for c in counts), dtype=np.int64), minlength=6)
    if not all(n[1:5]):
        return (0.0, 0.75, 0.75, 0.75)
    y = n[1] / (n[1] + 2 * n[2])
    found = (0.0, float(1 - 2 * y * n[2] / n[1]), float(2 - 3 * y * n[3] / n[2]), float(3 - 4 * y * n[4] / n[3]))
    return found if all(0 < d < c for c, d in enumerate(found) if c) else (0.0, 0.75, 0.75, 0.75)


@dataclass
class Channel:
    """How the spinner rewrites words, seen from the garbled side.

    ``originals[g]`` lists ``(original, log(q(c) * P(g | c)))``: the chance that
    a word ``c`` is spun at all, times the chance that the spinner writes ``g``
    for it.  ``propensity[w]`` is ``q(w)`` for every word the spinner may
    rewrite, which decides how likely ``w`` is to survive unchanged.
    ``phrases`` maps a garbled word sequence to the same kind of list.
    ``reach`` holds what learning found of where the garbler rewrites: a factor
    for words touching punctuation and one for capitalised words (1: no less).
    ``neighbours[w]`` lists the words another synonym spinner might write for ``w``
    (its WordNet neighbours, best first: ``restore.others``); empty in a learned model.
    """

    originals: dict = field(default_factory=dict)
    propensity: dict = field(default_factory=dict)
    phrases: dict = field(default_factory=dict)
    reach: dict = field(default_factory=dict)    # "touching", "capitalised": how much less often such a
                                                 # word is spun than one standing alone in lower case
    neighbours: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        self.phrase_starts = {}          # first word of a garbled phrase -> the longest such phrase
        for phrase in self.phrases:
            self.phrase_starts[phrase[0]] = max(len(phrase), self.phrase_starts.get(phrase[0], 0))


@dataclass
class ChannelLayout:
    """A channel laid out over the context model's word ids, as the decoder reads it.

    The options of garbled word ``g`` are rows ``span[g][0]:span[g][1]`` of ``originals`` (word
    ids) and ``scores``; originals of several words are in ``multi``.  ``propensity[id]`` is q(w).
    """

    span: dict
    multi: dict
    originals: np.ndarray
    scores: np.ndarray
    propensity: np.ndarray

    @classmethod
    def build(cls, channel: Channel, context: ContextModel) -> "ChannelLayout":
        ids, unknown = context.ids, context.unknown
        span, multi, originals, scores = {}, {}, list[int](), list[float]()
        for g, options in channel.originals.items():
            single = [(ids.get(c, unknown), s) for c, s in options if " " not in c]
            if single:
                span[g] = (len(originals), len(originals) + len(single))
                originals.extend(c for c, _ in single)
                scores.extend(s for _, s in single)
            several = [(c, s) for c, s in options if " " in c]
            if several:
                multi[g] = several
        propensity = np.zeros(len(context.vocab))
        for w, q in channel.propensity.items():
            if w in ids:
                propensity[ids[w]] = q
        return cls(span, multi, np.array(originals, dtype=np.int64), np.array(scores, dtype=np.float64), propensity)


@dataclass
class Model:
    """A channel and a context model, saved together (see ``restore.modelfile`` for the file).

    ``memo`` keeps what others derive from a model (the decoder's tables) with the model,
    made once; ``load`` keeps each model file loaded once per process.
    """

    channel: Channel
    context: ContextModel
    info: dict = field(default_factory=dict)
    layout: ChannelLayout = None  # type: ignore[assignment]     # built from the channel when not given
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.layout is None:
            self.layout = ChannelLayout.build(self.channel, self.context)

    def memo(self, key: str, make: Callable[[Model], T]) -> T:
        """``make(self)``, made on first use and kept with this model.

        >>> model = Model.default()
        >>> model.memo("demo", lambda m: object()) is model.memo("demo", lambda m: object())
        True
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = make(self)
            return value

    def save(self, path: str | Path) -> None:
        """Write the model atomically to ``path`` (``restore.errors.ModelError`` if it cannot be)."""
        modelfile.write(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read and check the model file ``path``: a one-line ``restore.errors.ModelError`` if it is none.

        Never runs code from the file: see ``restore.modelfile``.  Not cached: ``load`` is.
        """
        return modelfile.read(path)

    @staticmethod
    def default() -> Model:
        """The model that ships with restore, loaded once per process."""
        return load(None)


def load(path: str | Path | None = None) -> Model:
    """The model in the file ``path`` (None: the one that ships with restore), loaded once per process.

    The one model cache of restore: a file is read again only when it changed on disk.
    """
    if path is None:
        return _load(str(DEFAULT), *_stamp(DEFAULT), shipped=True)
    name = modelfile.file_name(path)
    try:
        return _load(os.path.realpath(name), *_stamp(name))
    except ModelError:
        return modelfile.read(name)         # says it again, naming the file as it was given


def _stamp(path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return 0, 0                 # Model.load says what is wrong
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: int, size: int, shipped: bool = False) -> Model:
    return modelfile.read(path, shipped=shipped)
