"""A word-class trigram model: how likely a word is in a position, from its part of speech.

A trigram model of a few million words knows "a handful of" but has never seen
"a fistful of", so it backs off to how rare "fistful" is, and finds the genuine
word a thousand times less likely than the cliché.  Word classes know better:
after "a", a noun or an adjective is likely whatever the noun.  The class model
scores ``P(class(w) | class(u) class(v)) * P(w | class(w))``; ``ContextModel``
mixes it with the word trigrams.

>>> model = ClassModel.from_streams([["<s>", "a", "dog", "."], ["<s>", "a", "cat", "."]],
...     {"<s>": "BOS", "a": "DET", "dog": "NOUN", "cat": "NOUN", ".": "END"},
...     vocab=["<s>", "a", "dog", "cat", "fistful", "."], frequency={"dog": 2, "cat": 1, "fistful": 1})
>>> model.names[model.word_class[4]]           # unknown to the stream: a noun by default
'NOUN'
>>> import numpy as np
>>> ids = lambda *ws: [np.array([["<s>", "a", "dog", "cat", "fistful", "."].index(w)]) for w in ws]
>>> bool(model.logprobs(*ids("<s>", "a", "fistful")) > model.logprobs(*ids("<s>", "a", "."))[0])
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

DEFAULT_CLASS = "NOUN"          # the class of a word nothing else tells about
SMOOTHING = 1.0                 # pseudo-counts of the lower order in each class history


@dataclass
class ClassModel:
    """Class trigram log-probabilities and each word's log-probability within its class."""

    names: list                 # class names; ``word_class`` indexes them
    word_class: np.ndarray      # int16 [V]: the class of each word of the context model's vocabulary
    in_class: np.ndarray        # float32 [V]: log P(w | class(w))
    trigram: np.ndarray         # float32 [C, C, C]: log P(c | a b)

    def __post_init__(self):
        n = len(self.names)
        self._flat = self.trigram.ravel()                     # [a, b, c] at (a * n + b) * n + c
        self._scaled = (self.word_class.astype(np.intp) * n * n, self.word_class.astype(np.intp) * n,
                        self.word_class.astype(np.intp))

    def logprobs(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``log P(class(w) | class(u) class(v)) + log P(w | class(w))`` elementwise over word ids."""
        a, b, c = self._scaled
        u, v, w = (x.view(np.int64) if x.dtype == np.uint64 else x for x in (u, v, w))    # ids < 2**63: a free view
        return self._flat[a[u] + b[v] + c[w]] + self.in_class[w]

    @classmethod
    def from_streams(cls, streams: Iterable[Sequence[str]], classes: Mapping[str, str], vocab: Sequence[str],
                     frequency: Mapping[str, float]) -> "ClassModel":
        """Count class trigrams over token ``streams``; ``classes`` maps words to class names.

        ``frequency`` (word -> count or probability) gives ``P(w | class)``.
        """
        names = sorted(set(classes.values()) | {DEFAULT_CLASS})
        index = {name: i for i, name in enumerate(names)}
        default = index[DEFAULT_CLASS]
        word_class = np.array([index.get(classes.get(w, DEFAULT_CLASS), default) for w in vocab], dtype=np.int16)
        n = len(names)
        counts = np.zeros((n, n, n))
        of = {w: int(c) for w, c in zip(vocab, word_class)}
        for stream in streams:
            ids = np.array([of.get(t, default) for t in stream], dtype=np.int64)
            if len(ids) >= 3:
                np.add.at(counts, (ids[:-2], ids[1:-1], ids[2:]), 1)
        unigram = (counts.sum(axis=(0, 1)) + SMOOTHING) / (counts.sum() + SMOOTHING * n)
        pairs = counts.sum(axis=0)                                   # [b, c]
        bigram = (pairs + SMOOTHING * unigram) / (pairs.sum(axis=1, keepdims=True) + SMOOTHING)
        trigram = (counts + SMOOTHING * bigram[None]) / (counts.sum(axis=2, keepdims=True) + SMOOTHING)
        mass = np.zeros(n)
        weight = np.array([max(float(frequency.get(w, 0.0)), 0.0) for w in vocab])
        weight = np.where(weight > 0, weight, weight[weight > 0].min() if (weight > 0).any() else 1.0)
        np.add.at(mass, word_class, weight)
        in_class = np.log(weight / mass[word_class])
        return cls(names, word_class, in_class.astype(np.float32), np.log(trigram).astype(np.float32))
