"""Align a spun text with its clean original, word by word.

Equal stretches pair up one to one; a replaced stretch of unequal length is a
phrase swap ("due to the fact that" for "because").  Texts of equal length pair up by
position: a word-for-word garbler whose forms are also genuine words ("of" for "to") would
otherwise have its forms matched to the wrong genuine words, and its swaps read as phrases.

>>> align("we tin go due to the fact that".split(), "we can go because".split())
[(('we',), ('we',)), (('can',), ('tin',)), (('go',), ('go',)), (('because',), ('due', 'to', 'the', 'fact', 'that'))]
>>> align("of the way in the".split(), "to the way of the".split())[:2]
[(('to',), ('of',)), (('the',), ('the',))]
"""
from __future__ import annotations

from difflib import SequenceMatcher

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
    return out
