"""An emulator of the synonym spinner, for making training pairs.

For each word the spinner has one fixed rewrite (its ``table``): the observed
swap where real spun articles showed one, else the first of the word's
ranked WordNet neighbours.  A rewrite is final: the real spinner's chains
(new -> fresh -> caller) run through its whole dictionary, not through the
article's words (real articles show new -> caller with no "fresh" in them), so
the table holds each chain's end.  Like the real one, it rewrites every
occurrence of the words of its table that stands alone between spaces, in
lower case: words touching punctuation, capitalised and inflected words, and
words it has no entry for stay.  Which words the table holds is fixed, as the
real spinner's dictionary is (a word real articles show swapped is swapped in
every article); ``rate`` below 1 picks only that share of an article's words,
for lighter spinning than the real one's.

>>> Spinner({"at": "astatine", "in": "successful"}, rate=1.0).spin("Workers at the door in time. In at.")
'Workers astatine the door successful time. In at.'
"""
from __future__ import annotations

import functools
import json
import random
from importlib import resources

from .tokenize import split_words, stands_alone


class Spinner:
    """Rewrites text the way the spinner does."""

    def __init__(self, table: dict[str, str], rate: float = 1.0):
        self.table = table
        self.rate = rate

    def spin(self, text: str, seed: int = 0) -> str:
        """Spin ``text``; the same ``seed`` gives the same output."""
        rng = random.Random(seed)
        parts = split_words(text)
        table = self.table
        spots = [i for i in range(1, len(parts), 2)
                 if parts[i] in table and parts[i].islower() and stands_alone(parts[i - 1], parts[i + 1])]
        picked = {w for w in sorted({parts[i] for i in spots}) if rng.random() < self.rate}
        for i in spots:
            if parts[i] in picked:
                parts[i] = table[parts[i]]
        return "".join(parts)

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"rate": self.rate, "table": self.table}, f, sort_keys=True, separators=(",", ":"))

    @classmethod
    def load(cls, path) -> "Spinner":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return cls(data["table"], data["rate"])

    @staticmethod
    @functools.lru_cache(maxsize=1)
    def default() -> "Spinner":
        """The calibrated emulator that ships with restore."""
        with resources.as_file(resources.files("restore") / "data" / "spinner.json") as path:
            return Spinner.load(path)
