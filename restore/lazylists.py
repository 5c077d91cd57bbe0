"""Read-only mappings over a model file's arrays: checked when the file is read, built when first used.

A model file stores a word-to-list table as three arrays (the keys, how many lines each key
owns, and the lines, UTF-8, one per line); the model holds these mappings instead of dicts, so
loading the shipped model does not build tables that most texts never consult.
"""
from __future__ import annotations

from typing import Iterator, Mapping

import numpy as np

from .errors import model_check, scores_check


class WordLists(Mapping):
    """Each word's list of words (``Channel.neighbours`` of a model file): ``counts[i]`` lines of
    ``values`` belong to ``keys[i]``.  Checked at once, but built only when first used (most texts
    never ask).

    >>> lists = WordLists(["go", "see"], np.array([2, 1]), np.frombuffer(b"walk\\nrun\\nlook\\n", np.uint8))
    >>> len(lists), lists["go"]
    (2, ('walk', 'run'))
    >>> WordLists(["go"], np.array([5]), np.frombuffer(b"walk\\n", np.uint8))
    Traceback (most recent call last):
    restore.errors.ModelError: neighbour counts do not match
    """

    def __init__(self, keys: list[str], counts: np.ndarray, values: np.ndarray, what: str = "neighbour"):
        self.names, self.counts = keys, counts
        self.text = values.tobytes().decode("utf-8")
        model_check(int(counts.sum(dtype=np.int64)) == self.text.count("\n"), f"{what} counts do not match")
        self._table: dict | None = None

    def _items(self) -> list:
        return self.text.split("\n")

    def _built(self) -> dict:
        if self._table is None:
            items = self._items()
            ends = np.cumsum(self.counts, dtype=np.int64).tolist()
            self._table = dict(zip(self.names, (tuple(items[lo:hi]) for lo, hi in zip([0, *ends], ends))))
        return self._table

    def __getitem__(self, key: str) -> tuple:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self.names)


class OptionTable(WordLists):
    """Each garbled word's options with their scores (``Channel.originals`` of a model file): checked
    at once, but built only when first used (the decoder reads the channel's layout instead).

    >>> OptionTable(["tin"], np.array([1]), np.frombuffer(b"can\\n", np.uint8), np.array([-0.5]))["tin"]
    (('can', -0.5),)
    """

    def __init__(self, garbled: list[str], counts: np.ndarray, originals: np.ndarray, scores: np.ndarray):
        super().__init__(garbled, counts, originals, "channel")
        model_check(len(scores) == self.text.count("\n"), "channel counts do not match")
        scores_check(scores, "channel scores")
        self.scores = scores

    def _items(self) -> list:
        return list(zip(self.text.split("\n"), self.scores.tolist()))
