"""Another synonym spinner: the reading of a text spun by a spinner that picks other synonyms.

The shipped model knows one spinner's choices (at -> astatine, have -> person).  Another
synonym spinner rewrites the same kind of words but takes another of their WordNet
neighbours: the second, or any one at random.  The model's channel lists those at low odds
or not at all, so it restores little of such a text.  ``other_model`` is the model of such a
spinner. Its channel is a mixture: at ``MIXTURE`` the spinner writes any of a word's
neighbours (``Channel.neighbours``) alike, and otherwise it does as the model's own spinner does.
It rewrites a word at a share ``LISTED`` of the own spinner's rate, or, as the text says, up to
``1 / LISTED`` times that: it may pick anew at each occurrence.

The decoder (``restore.decode``) reads a text under this model only where two tests hold.
First, the model's own first look must explain the text poorly (under ``GATE`` nats a word)
and its words must look rewritten (``looks_rewritten``).  Second, this reading must win by
``OTHER_PRIOR``.  Then a spinner that also rewrites capitalised words and words touching
punctuation (``wide``) is weighed against it, and must win by ``decode.WIDER_PRIOR``: over the
bench's fourth spinner, which does, 47.4% -> 63.0% of the swaps are restored (2.01% -> 2.29%
broken), and the other three are read as before.  Each of the own spinner's swaps costs the
mixture log(1 - MIXTURE), so text of the own spinner stays with the own model.

>>> from restore.model import Channel, Model
>>> own = Model(Channel(originals={"astatine": (("at", -0.1),)}, neighbours={"show": ("display", "prove")}),
...             Model.default().context)
>>> sorted(other_model(own).channel.originals)
['astatine', 'display', 'prove']
>>> other_model(own).channel.originals["display"][0][0]
'show'
"""
from __future__ import annotations

import math

import numpy as np

from .model import Channel, Model

__all__ = ["other_model", "looks_rewritten", "GATE", "OTHER_PRIOR"]

# Measured by bench/other_spinners.py: 40 news articles that the context model never saw, each spun
# by three other spinners (each word's second WordNet neighbour, its third, and at each occurrence
# a random synonym of it), and the same articles clean.
MIXTURE = 0.9             # share of another spinner's rewrites that take any neighbour of the word alike.
                          # Restored at 0.3 / 0.5 / 0.7 / 0.9 / 0.97: the second neighbour 52.4 / 58.3 /
                          # 62.0 / 64.4 / 65.1% (broken 1.05 / 1.24 / 1.45 / 1.56 / 1.56%), the third
                          # 61.9 / 70.2 / 74.0 / 76.4 / 76.8% (0.94 / 1.26 / 1.58 / 1.75 / 1.76%), the
                          # random synonym 33.4 / 41.9 / 46.5 / 47.5 / 48.1% (at EVERY 0.5): at each step more words
                          # restored than broken, and little after 0.9.  With no other spinner weighed:
                          # 10.9 / 6.2 / 5.6% (0.19 / 0.10 / 0.04%).  No clean article is changed, and
                          # no real spun one is read as another spinner's (bench/real_dev.py).  Mixed
                          # into the own channel instead of weighed apart, at 0.1 the real articles lost
                          # 3 more words, at 0.3 17 more
OTHER_PRIOR = -12.0       # prior log-odds of another spinner against the model's own, as for the
                          # garbler's other settings (restore.decode.LIGHTER_PRIOR, WIDER_PRIOR)
GATE = 0.5                # nats a word under which the own reading leaves a text unexplained.  Its first look
                          # at the 52 real spun articles finds 0.78 a word at the least (1.17 in the median,
                          # with a model that knows their swaps), at 100 news articles spun by each of the
                          # three spinners above 0.22 at the most
SCREEN = 0.1              # nats a word by which the words, by their frequency alone, read likelier as another
                          # spinner's forms (``looks_rewritten``).  Of 100 news articles the context model
                          # never saw, spun by the three spinners above: 0.13 at the least (one article the
                          # second left unspun aside), 0.33 to 0.55 in the median.  The same clean, and 300
                          # more: 0.02 in the median, 1 of 400 over 0.1; 300 pages of the Python
                          # documentation, 3 over 0.1.  Weighing another spinner takes as long again as
                          # restoring a clean text, so only text that passes this pays for it
EVERY = 0.5               # share of the occurrences of a word it picks that another spinner is taken to rewrite.
                          # The seed's spinner rewrites them all, so a word it left standing is one it never
                          # picked, and nothing is restored to it (restore.habits.survivor_odds); of another
                          # spinner that is not known.  Even odds: the random synonym 33.5% -> 47.5% restored
                          # (0.32% -> 0.35% broken; 0: 48.2%, 0.36%), the other two spinners unchanged
LISTED = 0.5              # share of the own spinner's rewrite rates taken as another spinner's, whose text may show
                          # up to twice as many rewrites (``restore.habits``: ``listed``; the decoder estimates the
                          # text's rate).  At the own rates (1.0) a word the seed always rewrites ("used", 0.998)
                          # could hardly stand, and a spinner that picks anew at each occurrence broke it.  Words
                          # missed and broken over the four spinners above, and bench/garblers.py's neighbour and
                          # synonym spinners (word error rate): at 1.0 2,738 / 1,802 / 1,793 / 3,805 (15.9 / 16.3%),
                          # 0.7 2,523 / 1,741 / 1,619 / 3,546 (15.3 / 14.3%), 0.5 2,347 / 1,698 / 1,572 / 3,282
                          # (14.8 / 14.1%), 0.35 2,354 / 1,714 / 1,560 / 3,288 (14.3 / 14.2%).  More restored and
                          # more broken at each step: the second neighbour's 64.4% -> 71.1% restored, 1.55% ->
                          # 2.04% broken; the random synonym's 47.3% -> 56.2%, 0.35% -> 0.71%
AT_LEAST = 8.0            # ... and this many nats in all: the reading must win by OTHER_PRIOR's 12, and of 659 short
                          # texts (one or two sentences of the bench's articles) that were read as another spinner's,
                          # none gained under 8.7.  Of the tests' 955 clean sentences, 24 gain 8 or more (and only
                          # those pay for weighing another spinner), where 445 passed ``SCREEN`` alone
PROPENSITY = 0.3          # the chance that another spinner rewrites a word the own one never does
                          # (decode.PRIOR_SPIN's mean rate)


def looks_rewritten(model: Model, words: list[str]) -> bool:
    """Whether ``words``, by their frequency alone, read as another synonym spinner's: the lower-case
    ones, as the likeliest original of which each may be a neighbour, gain ``SCREEN`` nats a word
    and ``AT_LEAST`` in all.

    >>> looks_rewritten(Model.default(), "Staff purpose donjon their jobs".split())
    True
    >>> looks_rewritten(Model.default(), "Staff will keep their jobs".split())
    False
    """
    gains = model.memo("others-screen", _gains)
    words = [w for w in words if w.isalpha()]
    return sum(gains.get(w, 0.0) for w in words if w.islower()) >= max(SCREEN * len(words), AT_LEAST)


def _gains(model: Model) -> dict[str, float]:
    """Each neighbour's gain in nats, by word frequency, as the form of its likeliest original."""
    ids, unigram, unknown = model.context.ids, model.context.unigram, model.context.unknown
    neighbours, propensity = model.channel.neighbours, model.channel.propensity
    words = [w for w, forms in neighbours.items() if w in ids and forms]
    if not words:
        return {}
    counts = np.array([len(neighbours[w]) for w in words])
    rates = np.array([propensity.get(w) or PROPENSITY for w in words])
    scores = np.repeat(unigram[[ids[w] for w in words]] + np.log(MIXTURE * rates / counts), counts)
    forms = [form for w in words for form in neighbours[w]]
    order = np.argsort(scores, kind="stable")            # the likeliest original of a form comes last, and stays
    best = dict(zip([forms[i] for i in order.tolist()], scores[order].tolist()))
    gains = np.array(list(best.values())) - unigram[[ids.get(g, unknown) for g in best]]
    return {g: gain for g, gain in zip(best, gains.tolist()) if gain > 0}


def other_model(model: Model, *, wide: bool = False) -> Model | None:
    """The model of another synonym spinner over ``model``'s words, made once per model; None where
    ``model`` lists no neighbours (a model ``restore train`` made, or ``restore learn`` of a new garbler).
    ``wide``: one that rewrites capitalised words and words touching punctuation too."""
    if not wide:
        return model.memo("other", _other_model)
    return model.memo("other-wide", _wide_model)


def _wide_model(model: Model) -> Model | None:
    other = other_model(model)
    if other is None:
        return None
    channel = other.channel
    reach = {**channel.reach, "touching": 1.0, "capitalised": 1.0}
    return Model(Channel(channel.originals, channel.propensity, channel.phrases, reach), other.context, other.info,
                 other.layout)


def _other_model(model: Model) -> Model | None:
    channel = model.channel
    if not channel.neighbours:
        return None
    own = math.log1p(-MIXTURE)
    options: dict[str, dict[str, float]] = {g: {c: s + own for c, s in row} for g, row in channel.originals.items()}
    ids = model.context.ids
    for word, forms in channel.neighbours.items():
        if word not in ids or not forms:
            continue
        score = math.log(MIXTURE * (channel.propensity.get(word) or PROPENSITY) / len(forms))
        for form in forms:
            row = options.setdefault(form, {})
            row[word] = float(np.logaddexp(row[word], score)) if word in row else score
    originals = {g: tuple(sorted(row.items(), key=lambda x: (-x[1], x[0]))) for g, row in options.items()}
    reach = {**channel.reach, "every": EVERY, "listed": LISTED}
    return Model(Channel(originals, channel.propensity, channel.phrases, reach), model.context, model.info)
