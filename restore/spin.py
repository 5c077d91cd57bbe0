"""An emulator of the synonym spinner, for making training pairs.

For each word the spinner has one fixed choice (its ``table``): the observed
swap where real spun articles showed one, else the first of the word's
ranked WordNet neighbours.  It rewrites a share ``rate`` of the words it can,
and, like the real one, leaves inflected forms, names and words it has no
entry for alone.

>>> Spinner({"at": "astatine", "in": "successful"}, rate=1.0).spin("Workers at the door in time.")
'Workers astatine the door successful time.'
"""
from __future__ import annotations

import functools
import json
import random
from importlib import resources

from .tokenize import match_case, split_words, starts_sentence


class Spinner:
    """Rewrites text the way the spinner does."""

    def __init__(self, table: dict[str, str], rate: float = 0.35):
        self.table = table
        self.rate = rate

    def spin(self, text: str, seed: int = 0) -> str:
        """Spin ``text``; the same ``seed`` gives the same output."""
        rng = random.Random(seed)
        parts = split_words(text)
        for i in range(1, len(parts), 2):
            word = parts[i]
            key = word.lower()
            if key not in self.table:
                continue
            if not (word.islower() or (word.istitle() and starts_sentence(parts[i - 1], parts[i - 2] if i > 1 else None))):
                continue
            if rng.random() < self.rate:
                parts[i] = match_case(word, self.table[key])
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
