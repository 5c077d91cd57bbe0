"""Align a spun text with its clean original, word by word.

Equal stretches pair up one to one; a replaced stretch of unequal length is a
phrase swap ("due to the fact that" for "because").

>>> align("we tin go due to the fact that".split(), "we can go because".split())
[(('we',), ('we',)), (('can',), ('tin',)), (('go',), ('go',)), (('because',), ('due', 'to', 'the', 'fact', 'that'))]
"""
from __future__ import annotations

from difflib import SequenceMatcher

Pair = tuple[tuple[str, ...], tuple[str, ...]]


def align(spun: list[str], clean: list[str]) -> list[Pair]:
    """Pairs of ``(clean words, spun words)`` covering both sequences in order."""
    out: list[Pair] = []
    matcher = SequenceMatcher(None, clean, spun, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            out.extend(((clean[i],), (spun[j],)) for i, j in zip(range(i1, i2), range(j1, j2)))
        else:
            out.append((tuple(clean[i1:i2]), tuple(spun[j1:j2])))
    return out
