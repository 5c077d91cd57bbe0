"""Write a decoder's choices into the text, and say what changed.

The decoder (``restore.decode``) scores every option of every word; this module turns its scores
into the restored text, byte for byte but for the restored words, and into ``Change`` records:
where each change is, what it was, its confidence and its likeliest alternatives.

>>> Change(8, 16, "astatine", "at", 0.98765, [("astatine", 0.0123)]).as_dict()
{'start': 8, 'end': 16, 'garbled': 'astatine', 'restored': 'at', 'confidence': 0.9877, 'alternatives': [['astatine', 0.0123]]}
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .tokenize import match_case, normalize

if TYPE_CHECKING:
    from .lattice import Lattice

# Reported confidences are the posterior at this temperature.  1.0 minimises the log loss of the
# 1,102 changes made to the 16 real articles left out one at a time (0.9: 0.273, 1.0: 0.271, 1.2:
# 0.278, 1.35: 0.289), and still of the 1,433 made to 21 with today's model (0.9: 0.262, 1.0:
# 0.257, 1.2: 0.258); there, changes given under 0.6 were right 41% of the time (mean 0.47),
# 0.6-0.8 62% (0.70), 0.8-0.9 85% (0.85), 0.9-0.95 94% (0.93), over 0.95 99% (0.99).
# Refitted on the 3,301 changes to 52 articles (2026-11-30, from the decoder's final scores): 0.9 0.228,
# 1.0 0.223, 1.1 0.221, 1.2 0.223; 1.1 gains too little to move what --min-confidence's figures were measured at.
# It changes no decision, only the confidence, and so what --min-confidence keeps.
CONFIDENCE_TEMPERATURE = 1.0


@dataclass
class Change:
    """One restored word (or phrase) of the input."""

    start: int                      # character offsets in the (ftfy-fixed) input
    end: int
    garbled: str
    restored: str
    confidence: float               # posterior probability of the restored option
    alternatives: list = field(default_factory=list)   # [(word, probability)], best first

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "garbled": self.garbled, "restored": self.restored,
                "confidence": round(self.confidence, 4),
                "alternatives": [[w, round(p, 4)] for w, p in self.alternatives]}


def write_choices(doc: Lattice, totals: np.ndarray, spans: list, vocab: list[str], *, min_odds: float = 1.0,
                  min_confidence: float = 0.0, explain: bool = False) -> tuple[str, list[Change]]:
    """The text of ``doc`` with each slot's best option by ``totals`` and each winning phrase of ``spans``
    written in, and (if ``explain``) its changes with their alternatives.

    A change is made where its option beats keeping the word by ``min_odds`` and has at least
    ``min_confidence`` of its slot's probability.

    >>> from restore.lattice import Lattice, tables
    >>> from restore.model import Model
    >>> from restore.tokenize import split_words
    >>> doc = Lattice(split_words("We met astatine noon."), tables(Model.default()))
    >>> scores = np.where(doc.row_keep, 0.0, 1.0)          # each restoration e (2.7) times likelier than keeping
    >>> text, (change,) = write_choices(doc, scores, [], Model.default().context.vocab, explain=True)
    >>> text, change.restored, round(change.confidence, 2)
    ('We met at noon.', 'at', 0.73)
    >>> write_choices(doc, scores, [], Model.default().context.vocab, min_odds=3)[0]
    'We met astatine noon.'
    """
    parts = doc.parts
    out, changes = list(parts), list[Change]()
    decisions = {}                    # word -> (n words, restored, confidence, alternatives)
    caution = math.log(min_odds)
    if doc.n_slots:
        best = doc.best(totals + caution * doc.row_keep if caution else totals)
        swapped = ~doc.row_keep[best]
        if explain or min_confidence > 0:
            weights = np.exp((totals - totals[best][doc.row_slot]) / CONFIDENCE_TEMPERATURE)
            probs = weights / doc.slot_sum(weights)[doc.row_slot]
            chosen = np.flatnonzero(swapped & (probs[best] >= min_confidence))
            rows = best[chosen]
            alternatives = _alternatives(doc, vocab, probs, chosen, rows) if explain else itertools.repeat([])
            decisions = {k: (1, vocab[w], p, alts) for k, w, p, alts in
                         zip(doc.slot_word[chosen].tolist(), doc.row_word[rows].tolist(),
                             probs[rows].tolist(), alternatives)}
        else:                         # just the text, no confidences wanted: the same, faster
            chosen = np.flatnonzero(swapped)
            singles = dict(zip(doc.slot_word[chosen].tolist(), doc.row_word[best[chosen]].tolist()))
            covered: set[int] = set()
            for k, length, c, _, _ in _likeliest_first(spans):
                first, last = 2 * k + 1, 2 * (k + length) - 1
                if any(j in covered for j in range(k, k + length)):
                    continue          # overlaps a phrase already restored
                covered.update(range(k, k + length))
                out[first] = match_case(parts[first], c)
                for j in range(first + 1, last + 1):
                    out[j] = ""
            for k, w in singles.items():
                if k not in covered:
                    garbled = parts[2 * k + 1]
                    out[2 * k + 1] = vocab[w] if garbled.islower() else match_case(garbled, vocab[w])
            return "".join(out), changes
    phrases: set[int] = set()         # the words a phrase restored
    for k, length, c, prob, _ in _likeliest_first(spans):
        if prob >= min_confidence and not any(j in phrases for j in range(k, k + length)):
            # the reading it beat: its words, each as restored on its own or as written
            words = " ".join(decisions[j][1] if j in decisions and decisions[j][0] == 1 else normalize(parts[2 * j + 1])
                             for j in range(k, k + length))
            for j in range(k + 1, k + length):
                decisions.pop(j, None)    # a winning phrase outweighed its words' own readings
            phrases.update(range(k, k + length))
            decisions[k] = (length, c, prob, [(words, 1.0 - prob)])
    offsets = [0, *itertools.accumulate(map(len, parts))] if explain else []
    for k in sorted(decisions):
        length, restored, confidence, alternatives = decisions[k]
        first, last = 2 * k + 1, 2 * (k + length) - 1
        if out[first] is not parts[first] or (length > 1 and any(out[j] != parts[j] for j in range(first, last + 1))):
            continue                  # overlaps a phrase already restored
        out[first] = match_case(parts[first], restored)
        for j in range(first + 1, last + 1):
            out[j] = ""
        if explain:
            changes.append(Change(offsets[first], offsets[last] + len(parts[last]),
                                  "".join(parts[first:last + 1]), out[first], confidence, alternatives))
    return "".join(out), changes

def _likeliest_first(spans: list) -> list:
    """Winning phrases, the one that gains most first: of two that overlap ("due to" and "due to the fact
    that", both "because"), the better reading is written.

    >>> [c for _, _, c, _, _ in _likeliest_first([(3, 2, "because", 0.6, 0.4), (3, 5, "because.", 0.99, 6.0)])]
    ['because.', 'because']
    """
    return sorted(spans, key=lambda span: -span[4])


def _alternatives(doc: Lattice, vocab: list[str], probs: np.ndarray, slots: np.ndarray, chosen: np.ndarray) -> list:
    """For each of ``slots`` (its chosen row in ``chosen``): its three likeliest other options, with probabilities."""
    lo, sizes = doc.first[slots], doc.first[slots + 1] - doc.first[slots]
    owner = np.repeat(np.arange(len(slots)), sizes)
    rows = np.arange(len(owner)) - (np.cumsum(sizes) - sizes)[owner] + lo[owner]
    others = rows != chosen[owner]
    rows, owner = rows[others], owner[others]
    order = np.lexsort((-probs[rows], owner))              # by slot, likeliest first
    rows, owner = rows[order], owner[order]
    rank = np.arange(len(rows)) - (np.cumsum(sizes - 1) - (sizes - 1))[owner]
    rows, owner = rows[rank < 3], owner[rank < 3]
    parts = doc.parts
    keep = doc.row_keep[rows].tolist()
    words = doc.row_word[rows].tolist()
    slot_words = doc.slot_word[slots].tolist()
    out: list[list[tuple[str, float]]] = [[] for _ in slots.tolist()]
    for i, r_keep, w, p in zip(owner.tolist(), keep, words, probs[rows].tolist()):
        out[i].append((normalize(parts[2 * slot_words[i] + 1]) if r_keep else vocab[w], p))
    return out
