"""The two models restore decodes with, and the file they live in.

* ``ContextModel``: an interpolated Kneser-Ney bigram model of clean English,
  stored as sorted NumPy arrays and queried in batches.
* ``Channel``: for each word seen in spun text, the originals it may stand
  for and how likely the spinner is to make that swap.

A ``Model`` bundles both in one pickle; ``Model.default()`` loads the one that
ships with the package, lazily and once.

>>> model = Model.default()                                    # doctest: +SKIP
>>> [c for c, _ in model.channel.originals["astatine"]]        # doctest: +SKIP
['at']
"""
from __future__ import annotations

import functools
import math
import pickle
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

ID_BITS = 21            # room for two million words in a bigram key
UNKNOWN = "<unk>"
FORMAT = "restore-model/1"


@dataclass
class ContextModel:
    """Bigram log-probabilities ``log P(w | v)`` over a fixed vocabulary."""

    vocab: list[str]
    unigram: np.ndarray          # float32 [V]: log P(w), the smoothed unigram prior
    backoff: np.ndarray          # float32 [V]: log of the back-off weight of history v
    keys: np.ndarray             # uint64 sorted: v << ID_BITS | w, for seen bigrams
    values: np.ndarray           # float32: log P(w | v) for those bigrams
    ids: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        self.unknown = self.ids[UNKNOWN]

    def id(self, word: str) -> int:
        return self.ids.get(word, self.unknown)

    def logprobs(self, pairs: list[tuple[int, int]]) -> list[float]:
        """``log P(w | v)`` for many ``(v, w)`` id pairs at once.

        >>> lm = ContextModel.from_counts({("a", "b"): 3, ("b", "a"): 1})
        >>> [round(x, 2) for x in lm.logprobs([(lm.id("a"), lm.id("b"))])]
        [-0.13]
        """
        if not pairs:
            return []
        v = np.fromiter((p[0] for p in pairs), dtype=np.uint64, count=len(pairs))
        w = np.fromiter((p[1] for p in pairs), dtype=np.uint64, count=len(pairs))
        keys = (v << np.uint64(ID_BITS)) | w
        pos = np.searchsorted(self.keys, keys)
        pos[pos >= len(self.keys)] = 0
        found = self.keys[pos] == keys if len(self.keys) else np.zeros(len(keys), bool)
        backed_off = self.backoff[v.astype(np.int64)] + self.unigram[w.astype(np.int64)]
        return np.where(found, self.values[pos] if len(self.values) else 0.0, backed_off).tolist()

    @classmethod
    def from_counts(cls, bigrams: dict, unigram_prior: dict | None = None,
                    discount: float = 0.75, prior_weight: float = 0.3) -> "ContextModel":
        """Fit interpolated Kneser-Ney from ``{(v, w): count}``.

        ``unigram_prior`` (word -> frequency, e.g. from wordfreq) is mixed into
        the continuation distribution with ``prior_weight``, so that words the
        corpus never saw still get a sensible probability.
        """
        words = {w for pair in bigrams for w in pair} | set(unigram_prior or ())
        vocab = sorted(words) + [UNKNOWN]
        ids = {w: i for i, w in enumerate(vocab)}
        size = len(vocab)
        history = np.zeros(size)          # c(v .)
        followers = np.zeros(size)        # N1+(v .)
        preceders = np.zeros(size)        # N1+(. w)
        for (v, w), c in bigrams.items():
            history[ids[v]] += c
            followers[ids[v]] += 1
            preceders[ids[w]] += 1
        continuation = preceders / max(preceders.sum(), 1)
        prior = np.zeros(size)
        for w, f in (unigram_prior or {}).items():
            prior[ids[w]] = f
        prior = prior / prior.sum() if prior.sum() else continuation
        uni = (1 - prior_weight) * continuation + prior_weight * prior
        uni = np.maximum(uni, 1e-3 / size)
        uni = uni / uni.sum()
        gamma = np.where(history > 0, discount * followers / np.maximum(history, 1), 1.0)
        keys, values = [], []
        for (v, w), c in bigrams.items():
            i, j = ids[v], ids[w]
            keys.append(i << ID_BITS | j)
            values.append(math.log(max(c - discount, 0) / history[i] + gamma[i] * uni[j]))
        order = np.argsort(np.array(keys, dtype=np.uint64), kind="stable")
        return cls(vocab=vocab, unigram=np.log(uni).astype(np.float32),
                   backoff=np.log(gamma).astype(np.float32),
                   keys=np.array(keys, dtype=np.uint64)[order],
                   values=np.array(values, dtype=np.float32)[order])


@dataclass
class Channel:
    """How the spinner rewrites words, seen from the garbled side.

    ``originals[g]`` lists ``(original, log(q(c) * P(g | c)))``: the chance that
    a word ``c`` is spun at all, times the chance that the spinner writes ``g``
    for it.  ``propensity[w]`` is ``q(w)`` for every word the spinner may
    rewrite, which decides how likely ``w`` is to survive unchanged.
    ``phrases`` maps a garbled word sequence to the same kind of list.
    """

    originals: dict = field(default_factory=dict)
    propensity: dict = field(default_factory=dict)
    phrases: dict = field(default_factory=dict)

    def __post_init__(self):
        self.phrase_starts = {p[0]: max(len(q) for q in self.phrases if q[0] == p[0]) for p in self.phrases}


@dataclass
class Model:
    """A channel and a context model, saved together."""

    channel: Channel
    context: ContextModel
    info: dict = field(default_factory=dict)

    def save(self, path: str | Path) -> None:
        """Write the model atomically to ``path``."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        state = {"format": FORMAT, "info": self.info,
                 "channel": (self.channel.originals, self.channel.propensity, self.channel.phrases),
                 "context": (self.context.vocab, self.context.unigram, self.context.backoff,
                             self.context.keys, self.context.values)}
        with open(tmp, "wb") as f:
            pickle.dump(state, f, protocol=5)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        """Read a model written by ``save``; a clear ``ValueError`` if it is not one."""
        try:
            with open(path, "rb") as f:
                state = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as e:
            raise ValueError(f"{path}: not a restore model ({e.__class__.__name__})") from None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"{path}: not a restore model")
        originals, propensity, phrases = state["channel"]
        return cls(Channel(originals, propensity, phrases), ContextModel(*state["context"]), state["info"])

    @staticmethod
    @functools.lru_cache(maxsize=1)
    def default() -> "Model":
        """The model that ships with restore, loaded once per process."""
        with resources.as_file(resources.files("restore") / "data" / "default.model") as path:
            return Model.load(path)
