"""What a garbler's learned habits tell the decoder.

Learning (``restore.learn.fit_channel``) stores a garbler's habits in ``Channel.reach``:

* ``touching``, ``capitalised``: how much less often it rewrites a word touching
  punctuation, or a capitalised one, than a lone lower-case word;
* ``every``: the share of a word's lone occurrences it rewrites in a text where it
  rewrote that word at all (the seed's spinner: all of them; a garbler that rewrites
  each occurrence by chance: its rate);
* ``picked``: the share of texts in which it rewrites a word it knows at all;
* ``spun texts``: the share of the texts it was learned from that it had spun, where that
  says what a user's texts will be (``restore learn`` reads an archive of spun text);
* ``listed``: the share of its words' rewrite rates that the channel's rates stand for, where
  a text's own rate is not known: a text may show up to ``1 / listed`` times as many rewrites
  (``restore.others``: another spinner may rewrite a word at each occurrence, or at some).

A model without a habit (the shipped one has neither ``every`` nor ``picked``) keeps the
seed spinner's, so it decodes as before.

>>> survivor_odds({})                        # the seed's spinner: a word left standing was not picked
0.05
>>> survivor_odds({"every": 0.7, "picked": 1.0})    # rewrites 70% of occurrences, in every text
1.0
>>> steady({"every": 0.7, "picked": 1.0}), steady({})
(True, False)
>>> reaches_capitals({"capitalised": 0.9}), reaches_capitals({"capitalised": 0.004})
(True, False)
>>> listed_share({}), highest_rate({}), highest_rate({"listed": 0.5})
(1.0, 1.0, 2.0)
"""
from __future__ import annotations

import math

SURVIVED = 0.05           # odds left to restoring a word that also stands unspun in the same text, for the
                          # seed's spinner (it rewrites every lone occurrence of a word it picks: no real
                          # article shows a picked word standing lone and unspun, 0 of 11; bench/
                          # fit_decoder.py found 0.01, 0.02 and 0.1 no better on them)
STEADY = 0.95            # share of texts from which a garbler is taken to rewrite in every text (the seed's
                          # spinner picks 85% of an article's words; both bench/garblers.py garblers: 1.0)
CAPITALS = 0.5            # reach of capitalised words from which a garbler is taken to rewrite them anywhere,
                          # not only at a sentence start (the seed's spinner: 0.004; letter garbler: 1.0)


def survivor_odds(reach: dict) -> float:
    """The odds factor of restoring a word to ``c`` where ``c`` also stands unspun in the same text.

    If the garbler picks a word in a share ``picked`` of texts and then rewrites a share
    ``every`` of its occurrences, one standing occurrence makes it picked with probability
    ``picked (1 - every) / (picked (1 - every) + 1 - picked)``; the factor is that over
    ``picked``, never below ``SURVIVED``.
    """
    every = reach.get("every")
    if every is None:
        return SURVIVED
    picked = reach.get("picked", 1.0)
    left = 1.0 - every
    factor = left / max(picked * left + 1.0 - picked, 1e-9)
    return min(1.0, max(SURVIVED, factor))


def reaches_capitals(reach: dict) -> bool:
    """Whether the garbler rewrites capitalised words about as often as others, so that one in
    mid-sentence may be restored too."""
    return reach.get("capitalised", 0.0) >= CAPITALS


def steady(reach: dict) -> bool:
    """Whether the garbler rewrites the words it knows in every text it garbles (then a spun
    text's rate of rewriting is the channel's own, with no share of words to estimate)."""
    return reach.get("picked", 0.0) >= STEADY


def spun_prior(reach: dict, default: float) -> float:
    """The prior log-odds that a text is spun: ``default`` (the shipped model's), unless the
    garbler was learned from texts of which a share ``spun texts`` were spun; then the odds of
    that share, never below ``default`` and never above even odds (the text's own evidence decides).

    >>> spun_prior({}, -8.0), spun_prior({"spun texts": 0.99}, -8.0), round(spun_prior({"spun texts": 0.1}, -8.0), 2)
    (-8.0, 0.0, -2.2)
    """
    share = reach.get("spun texts")
    if share is None:
        return default
    share = min(max(share, 1e-6), 1 - 1e-6)
    return max(default, min(0.0, math.log(share / (1 - share))))


def listed_share(reach: dict) -> float:
    """The share of the garbler's rewrite rates that the channel's rates give (``listed``)."""
    return reach.get("listed", 1.0)


def highest_rate(reach: dict) -> float:
    """The highest spin rate a text may show, against the channel's rates: ``1 / listed``."""
    return 1.0 / listed_share(reach)
