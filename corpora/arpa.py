"""Read a back-off trigram model in ARPA format into restore's ``ContextModel``.

An ARPA file lists, per order, ``log10 P  words  [log10 back-off]``: exactly what
``ContextModel`` stores (in natural logs), so nothing is re-estimated.  Speech models
have no punctuation and mark sentences with ``<s>`` and ``</s>``; restore's context
tokens keep punctuation and start a text (or a paragraph) with ``<s>``.  So ``</s>``
becomes ``.`` (a sentence ends), ``<s>`` as a history stands both for ``<s>`` and for
``.`` (a sentence starts after one), and words restore never tokenizes so ("u.s.") are
left out.

>>> lines = ["\\\\data\\\\", "ngram 1=4", "ngram 2=2", "ngram 3=1", "", "\\\\1-grams:", "-1.0\\t<s>\\t-0.5",
...          "-0.5\\tthe\\t-0.3", "-0.8\\tcat\\t0.0", "-1.2\\t</s>", "", "\\\\2-grams:",
...          "-0.2\\t<s>\\tthe\\t0.0", "-0.4\\tthe\\tcat", "", "\\\\3-grams:", "-0.1\\t<s>\\tthe\\tcat",
...          "", "\\\\end\\\\"]
>>> lm = read_arpa(lines)
>>> [round(x, 2) for x in lm.logprobs([(lm.id("."), lm.id("."), lm.id("the")),
...                                     (lm.id("the"), lm.id("the"), lm.id("cat"))])]
[-0.46, -0.92]
>>> round(lm.logprobs([(lm.id("."), lm.id("the"), lm.id("cat"))])[0], 2)     # 0.8 P3 + 0.2 P2
-0.34
"""
from __future__ import annotations

import itertools
import math
import re
from typing import Callable, Iterable

import numpy as np

from restore.model import ID_BITS, UNKNOWN, ContextModel

LN10 = math.log(10)
_WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*|'[a-z]+")     # a word restore's tokenizer keeps whole
_BOUNDARY = {"<s>": ("<s>", "."), "</s>": (".",)}                  # speech markers as restore's tokens


def _names(word: str, keep: Callable[[str], bool]) -> tuple[str, ...]:
    """restore's tokens for an ARPA word (none if restore never sees it whole, or if not ``keep``)."""
    if word in _BOUNDARY:
        return _BOUNDARY[word]
    return (word,) if _WORD.fullmatch(word) and keep(word) else ()


def _sections(lines: Iterable[str]) -> dict[int, list[list[str]]]:
    """The rows of each order's section, split on whitespace."""
    out: dict[int, list[list[str]]] = {}
    order = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"\\(\d)-grams:", line)
        if match:
            order = int(match.group(1))
            out[order] = []
        elif line.startswith("\\"):
            order = 0
        elif order:
            out[order].append(line.split())
    return out


def read_arpa(lines: Iterable[str], keep: Callable[[str], bool] = bool) -> ContextModel:
    """A ``ContextModel`` of the trigram model in ARPA ``lines``, over the words that ``keep``
    keeps (n-grams with any other word are left out)."""
    sections = _sections(lines)
    factor = LN10
    vocab = sorted({name for row in sections[1] for name in _names(row[1], keep)} - {UNKNOWN}) + [UNKNOWN]
    ids = {w: i for i, w in enumerate(vocab)}
    unigram = np.full(len(vocab), -99.0)
    backoff = np.zeros(len(vocab))
    for row in sections[1]:
        for name in _names(row[1], keep):
            if row[1] != "<s>" or name == "<s>":      # <s> predicts nothing: "." keeps </s>'s probability
                unigram[ids[name]] = max(unigram[ids[name]], float(row[0]) * factor)
            if len(row) > 2 and row[1] != "</s>":
                backoff[ids[name]] = float(row[2]) * factor
    unigram[ids[UNKNOWN]] = unigram[unigram > -99].min()
    if "<s>" in ids:
        unigram[ids["<s>"]] = unigram[ids[UNKNOWN]]

    def entries(order: int):
        for row in sections.get(order, []):
            words = row[1:1 + order]
            options = [_names(w, keep) for w in words]
            if not all(options):
                continue
            last = [n for n in options[-1] if n != "<s>"]       # "<s>" is never predicted
            for head in itertools.product(*options[:-1]):
                for w in last:
                    yield [ids[n] for n in (*head, w)], float(row[0]) * factor, \
                        (float(row[1 + order]) * factor if len(row) > 1 + order else 0.0)

    bits = ID_BITS
    two = {(v << bits) | w: (p, b) for (v, w), p, b in entries(2)}
    three = {(((u << bits) | v) << bits) | w: p for (u, v, w), p, _ in entries(3)}
    keys = np.array(sorted(two), dtype=np.uint64)
    keys3 = np.array(sorted(three), dtype=np.uint64)
    return ContextModel(vocab=vocab, unigram=unigram.astype(np.float32), backoff=backoff.astype(np.float32),
                        keys=keys, values=np.array([two[k][0] for k in keys.tolist()], dtype=np.float32),
                        backoff2=np.array([two[k][1] for k in keys.tolist()], dtype=np.float32),
                        keys3=keys3, values3=np.array([three[k] for k in keys3.tolist()], dtype=np.float32))

