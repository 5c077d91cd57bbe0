"""Score restorations against clean originals, as ``restore eval`` reports them.

>>> evaluate([("we tin go", "we can go")], lambda text: text.replace("tin", "can"))
{'pairs': 1, 'words': 3, 'swapped': 1, 'restored': 1.0, 'broken': 0.0, 'wer_before': 0.3333, 'wer_after': 0.0}
"""
from __future__ import annotations

from typing import Callable, Iterable

from .learn import words_of


def _edit_alignment(hyp: list[str], ref: list[str]) -> tuple[int, list[bool]]:
    """Levenshtein distance, and for each reference word whether an equal word matches it; on a tie a
    substitution is taken, as a word-for-word garbler makes one (matching a word with its neighbour's
    equal would count a coincidence as a word kept).

    >>> _edit_alignment(["x", "a"], ["a", "y"])
    (2, [False, False])
    """
    n, m = len(hyp), len(ref)
    prev = list(range(m + 1))
    back = [[2] * (m + 1)] + [[1] + [0] * m for _ in range(n)]
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            best, op = prev[j - 1] + (hyp[i - 1] != ref[j - 1]), 0
            if prev[j] + 1 < best:
                best, op = prev[j] + 1, 1
            if cur[j - 1] + 1 < best:
                best, op = cur[j - 1] + 1, 2
            cur[j], back[i][j] = best, op
        prev = cur
    ok, i, j = [False] * m, n, m
    while i or j:
        op = back[i][j]
        if op == 0:
            ok[j - 1] = hyp[i - 1] == ref[j - 1]
            i, j = i - 1, j - 1
        elif op == 1:
            i -= 1
        else:
            j -= 1
    return prev[m], ok


def evaluate(pairs: Iterable[tuple[str, str]], restore: Callable[[str], str]) -> dict:
    """Word error rate before and after ``restore``, share of swapped words restored, share of good words
    broken; a share of nothing (no swapped word, say) is None."""
    totals = dict(pairs=0, words=0, swapped=0, fixed=0, kept=0, broken=0, before=0, after=0)
    for spun, clean in pairs:
        ref, garbled, restored = words_of(clean), words_of(spun), words_of(restore(spun))
        before, ok_before = _edit_alignment(garbled, ref)
        after, ok_after = _edit_alignment(restored, ref)
        totals["pairs"] += 1
        totals["words"] += len(ref)
        totals["before"] += before
        totals["after"] += after
        for was_ok, is_ok in zip(ok_before, ok_after):
            if was_ok:
                totals["kept"] += 1
                totals["broken"] += not is_ok
            else:
                totals["swapped"] += 1
                totals["fixed"] += is_ok
    return {"pairs": totals["pairs"], "words": totals["words"], "swapped": totals["swapped"],
            "restored": _share(totals["fixed"], totals["swapped"]), "broken": _share(totals["broken"], totals["kept"]),
            "wer_before": _share(totals["before"], totals["words"]), "wer_after": _share(totals["after"], totals["words"])}


def _share(part: int, whole: int) -> float | None:
    """``part / whole`` to four places, or None (no figure) when there is no whole."""
    return round(part / whole, 4) if whole else None
