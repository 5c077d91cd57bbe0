"""Align a spun text with its clean original, word by word.

Equal stretches pair up one to one; a replaced stretch of unequal length is a
phrase swap ("due to the fact that" for "because"), and so are words the clean text lacks,
taken with the word either side ("is simply a" for "is a").  Texts of equal length pair up by
position: a word-for-word garbler whose forms are also genuine words ("of" for "to") would
otherwise have its forms matched to the wrong genuine words, and its swaps read as phrases.

>>> align("we tin go due to the fact that".split(), "we can go because".split())
[(('we',), ('we',)), (('can',), ('tin',)), (('go',), ('go',)), (('because',), ('due', 'to', 'the', 'fact', 'that'))]
>>> align("of the way in the".split(), "to the way of the".split())[:2]
[(('to',), ('of',)), (('the',), ('the',))]
>>> align("it is simply a test".split(), "it is a test".split())[1]
(('is', 'a'), ('is', 'simply', 'a'))
"""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Callable

Pair = tuple[tuple[str, ...], tuple[str, ...]]


def align(spun: list[str], clean: list[str]) -> list[Pair]:
    """Pairs of ``(clean words, spun words)`` covering both sequences in order."""
    if len(spun) == len(clean):
        return [((c,), (s,)) for c, s in zip(clean, spun)]
    out: list[Pair] = []
    matcher = SequenceMatcher(None, clean, spun, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            out.extend(((clean[i],), (spun[j],)) for i, j in zip(range(i1, i2), range(j1, j2)))
        else:
            out.append((tuple(clean[i1:i2]), tuple(spun[j1:j2])))
    return _with_insertions_as_phrases(out)


def _with_insertions_as_phrases(pairs: list[Pair]) -> list[Pair]:
    """``pairs`` with each stretch of words that only the spun text has (``((), words)``), standing
    between two words kept as they were, joined with them into one phrase swap; a phrase of no
    clean words would say nothing of what the garbler rewrites."""
    out: list[Pair] = []
    k = 0
    while k < len(pairs):
        clean, spun = pairs[k]
        if not clean and out and k + 1 < len(pairs) and joins_insertion(out[-1], spun, pairs[k + 1]):
            before, after = out.pop(), pairs[k + 1]
            out.append((before[0] + after[0], before[1] + spun + after[1]))
            k += 2
        else:
            out.append(pairs[k])
            k += 1
    return out


def joins_insertion(before: Pair, words: tuple[str, ...], after: Pair) -> bool:
    """Whether ``words``, which only the spun text has, make a phrase swap with the pairs either side:
    they are words, between two words the garbler left as they were.

    >>> joins_insertion((("is",), ("is",)), ("simply",), (("a",), ("a",))), joins_insertion((("is",), ("is",)), (",",), (("a",), ("a",)))
    (True, False)
    """
    return _kept_word(before) and _kept_word(after) and all(w.isalpha() for w in words)


def _kept_word(pair: Pair) -> bool:
    """Whether ``pair`` is one word the garbler left as it was."""
    return len(pair[0]) == 1 and pair[0] == pair[1] and pair[0][0].isalpha()


def peeled(clean: tuple[str, ...], spun: tuple[str, ...], known: Callable[[str, str], bool]) -> tuple[list[Pair], Pair]:
    """A phrase swap's words at either end that ``known(clean word, spun word)`` says are a word swap
    of their own, peeled off, and the phrase proper left between; each side keeps a word.  Equal
    words stay: they anchor a phrase of words the garbler put in ("is simply a" for "is a").

    >>> peeled(("probably", "on"), ("astir", "apt", "connected"), lambda c, g: (c, g) == ("on", "connected"))
    ([(('on',), ('connected',))], (('probably',), ('astir', 'apt')))
    """
    words: list[Pair] = []
    while len(clean) > 1 and len(spun) > 1 and known(clean[0], spun[0]):
        words.append(((clean[0],), (spun[0],)))
        clean, spun = clean[1:], spun[1:]
    while len(clean) > 1 and len(spun) > 1 and known(clean[-1], spun[-1]):
        words.append(((clean[-1],), (spun[-1],)))
        clean, spun = clean[:-1], spun[:-1]
    return words, (clean, spun)
