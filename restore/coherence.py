"""One text, one spinner: the decoder's decisions made across a whole document.

Each occurrence of a word is first scored on its own (``restore.decode``).  The spinner,
though, treats a word the same way throughout a text, and an author mostly writes one word
where the spinner wrote one form.  These steps adjust the scores of every option row, in
place, in this order, so that the occurrences agree:

* ``favour_recurring``: a word the rest of the text uses is likelier again (a cache model);
* ``spare_survivors``: a word standing unspun was not picked, so nothing turns back into it
  (the lone "in" below keeps "successful" from being read as a spun "in");
* ``agree_forms``: a garbled form leans towards what its other occurrences were restored to.

>>> from restore.decode import Restorer
>>> Restorer().restore("Workers astatine the agency person been told to stock data. They were successful in the end.")
'Workers at the agency have been told to share data. They were successful in the end.'
"""
from __future__ import annotations

import numpy as np

from .lattice import Lattice
from .model import ContextModel

AGREE = 1.0               # weight of a form's other occurrences in restoring it (``agree_forms``).  Leave-one-out,
                          # 45 articles, last session's folds: 0 gave 416 missed and 67 broken, 1 409 and 66, 2 416
                          # and 62, 3 425 and 62; this session's: 0 418 and 68, 1 411 and 68.  Held-out news, 1:
                          # 91.0% -> 91.1% restored, 0.59% broken either way.  bench/garblers.py's train: cipher 84.4%
                          # -> 84.0% restored, 7.94% -> 7.63% broken (WER 11.6% either way), letter unchanged
RECUR = 0.5               # weight of the text's own use of a word against English's (``favour_recurring``).  Leave-one-
                          # out, 47 articles, bench/fit_decoder.py's errors (missed and broken, whole / one sentence at
                          # a time): 0 gave 431 and 59 / 523 and 41; 0.2 and 0.5 423 and 55 / 521 and 41; 0.7 426 and 55;
                          # 1.0 427 and 55.  bench/garblers.py's train at 0.5: the cipher 84.0% -> 85.0% restored, 7.63%
                          # -> 6.88% broken; the letter garbler 95.9% -> 96.2%, 0.00% broken either way.  Taking off
                          # only the share the occurrence being decided gives a word, not a whole occurrence, made
                          # 434 and 60 on the articles (the cipher 85.1%, 6.69%)


def spare_survivors(doc: Lattice, totals: np.ndarray, survived: float) -> None:
    """Make each word's restorations agree with whether the spinner picked that word, in place.

    The spinner rewrites every lone lower-case occurrence of a word it picks.  So a word
    left standing so ("in" in "in the end") was not picked, and "successful" elsewhere in
    the text is not a spun "in": a restoration to it gains ``survived`` (a log-odds, <= 0).
    A standing word that may be a later rewrite (data -> information, written after
    information -> accusation) is weighed both ways: if restoring "accusation" to
    "information" is worth more than keeping each lone "information", the word was picked,
    and those are later rewrites too.
    """
    if not doc.n_slots:
        return
    kept = doc.row_keep[doc.best(totals)]
    standing = doc.lone.copy()
    standing[doc.slot_word] &= kept & ~doc.late
    hit = ~doc.row_keep & np.isin(doc.row_word, doc.word_ids[standing])
    totals[hit] += survived
    _weigh_late_survivors(doc, totals, survived)


def agree_forms(doc: Lattice, totals: np.ndarray, weight: float = AGREE) -> None:
    """Lean each restoration of a garbled form towards what its other occurrences were restored to,
    in place: an article mostly writes one word where the spinner wrote one form (of the forms
    swapped twice or more in a real article, 452 of 520 stand for one original throughout), so
    "information" is "data" throughout, not "data" here and "security" there.

    Each swap option of an occurrence gains ``weight`` times the log of the posterior
    mass the form's other occurrences give that original (plus one), against the best-supported
    one's; each occurrence speaks as far as the garbler reaches it.  A form seen once, and the
    option of keeping a word, are left as they were (weighing keeping too changed nothing on
    real articles once unreached occurrences were discounted).
    """
    if not weight or not doc.n_slots:
        return
    starts = doc.first[:-1]
    weights = np.exp(totals - doc.slot_max(totals)[doc.row_slot])
    said = weights / doc.slot_sum(weights)[doc.row_slot] * doc.reach[doc.row_slot]
    # a form's slots all have the same options in the same order: (form, option) is (form, offset)
    _, form_of_slot = np.unique(doc.slot_form, return_inverse=True)
    offset = np.arange(len(totals)) - starts[doc.row_slot]
    pair = form_of_slot[doc.row_slot] * int(offset.max() + 1) + offset
    support = np.log1p(np.bincount(pair, weights=said)[pair] - said)
    support[starts] = -np.inf                     # keeping a word is left as it was
    lean = support - doc.slot_max(support)[doc.row_slot]
    lean[starts] = 0.0
    totals += weight * lean


def favour_recurring(doc: Lattice, totals: np.ndarray, context: ContextModel, scale: float,
                     weight: float = RECUR) -> None:
    """Raise, in place, each option by how much more often the rest of the text uses its word than
    English does (``context``'s unigram): a text about threads says "thread" again and again, so a
    spun form there is likelier "thread" than its rivals.

    The text's use of a word is counted from its settled words and each ambiguous word's options,
    weighed by how likely each is now, less the one occurrence being decided; an option gains
    ``scale * log(1 + weight * ratio)``, where ``ratio`` is that count's share of the text over the
    word's share of English (the cache of a cache language model).

    >>> from restore.decode import Restorer
    >>> def surety(text):
    ...     return [round(c.confidence, 1) for c in Restorer().restore_with_changes(text)[1] if c.restored == "law"]
    >>> spun = "Critics said the instrumentality would hurt workers astatine the plant."
    >>> surety(spun), surety("They voted on the law. " + spun)
    ([0.6], [1.0])
    """
    if not weight or not doc.n_slots:
        return
    likely = np.exp(totals - doc.slot_max(totals)[doc.row_slot])
    likely /= doc.slot_sum(likely)[doc.row_slot]
    likely[doc.row_word == context.unknown] = 0.0
    settled = np.ones(len(doc.stream), dtype=bool)
    settled[doc.slot_pos] = False
    settled &= doc.stream != context.unknown
    size = len(context.unigram)          # counted by word id: as fast for a sentence as for a book
    counts = np.bincount(doc.row_word, weights=likely, minlength=size)
    counts += np.bincount(doc.stream[settled], minlength=size)
    elsewhere = np.maximum(counts[doc.row_word] - 1.0, 0.0)
    ratio = elsewhere / max(counts.sum(), 1.0) / np.exp(context.unigram[doc.row_word].astype(np.float64))
    totals += scale * np.log1p(weight * ratio)


def _weigh_late_survivors(doc: Lattice, totals: np.ndarray, survived: float) -> None:
    """Settle, per word, lone restorations to it against its lone standing late forms, in place."""
    best = doc.best(totals)
    kept = doc.row_keep[best]
    lone = doc.lone[doc.slot_word]
    loose = np.flatnonzero(kept & doc.late & lone)          # standing, yet maybe a later rewrite
    restored = np.flatnonzero(~kept & lone)
    if not len(loose) or not len(restored):
        return
    to_word = doc.row_word[best[restored]]
    loose_word = doc.word_ids[doc.slot_word[loose]]
    both = np.intersect1d(to_word, loose_word)
    if not len(both):
        return
    starts = doc.first[:-1]
    # what each restoration to such a word is worth over the slot's best other option
    rival = np.where(doc.row_word == doc.row_word[best][doc.row_slot], -np.inf, totals)
    restore_gain = totals[best] - doc.slot_max(rival)
    # what keeping each loose form is worth over its best restoration
    swaps = np.where(doc.row_keep, -np.inf, totals)
    keep_gain = totals[starts] - doc.slot_max(swaps)
    # per word of ``both``: the worth of its restorations against that of its loose forms
    to_in, loose_in = np.isin(to_word, both), np.isin(loose_word, both)
    to_at, loose_at = np.searchsorted(both, to_word[to_in]), np.searchsorted(both, loose_word[loose_in])
    worth = (np.bincount(to_at, weights=restore_gain[restored[to_in]], minlength=len(both))
             > np.bincount(loose_at, weights=keep_gain[loose[loose_in]], minlength=len(both)))
    picked = loose[loose_in][worth[loose_at]]
    totals[starts[picked]] += survived          # picked: its lone forms are rewrites
    unpicked = restored[to_in][~worth[to_at]]
    totals[best[unpicked]] += survived          # not picked: nothing turns back into it
