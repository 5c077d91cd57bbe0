"""How alike two words are used in one corpus: cosines of their context vectors.

A garbler that writes one word for another, throughout a corpus, leaves the form where its
original stood: the form's neighbours are mostly its original's.  Both are garbled alike, so
the spun corpus itself, read as it is, shows which words a form is used like; and it shows
it in the corpus's own domain, where the base's context model knows English at large.
``restore.mixture`` weighs each candidate original by it.

Each word is a vector of the positive pointwise mutual information (PPMI) of each frequent
token at each of ``WIDTH`` places either side of it, with the neighbours' counts smoothed to
the power 0.75 (Levy, Goldberg and Dagan 2015); two words are alike as the cosine of theirs.

"x" and "y" are used alike (between "a" and "b"), "z" otherwise:

>>> ids = {w: i for i, w in enumerate("a x b . y c z d".split())}
>>> stream = np.array([ids[w] for w in "a x b . a y b . c z d .".split() * 5])
>>> usage = Usage(stream, words=np.array([ids["x"], ids["y"], ids["z"]]), features=np.array([0, 2, 5, 7]),
...               width=1, shift=0)
>>> usage.cosines(np.array([ids["x"], ids["x"]]), np.array([ids["y"], ids["z"]])).round(2).tolist()
[1.0, 0.0]
"""
from __future__ import annotations

import numpy as np

WIDTH = 2                # places either side of a word its vector reads
SMOOTHING = 0.75         # power of the neighbours' counts in PPMI's denominator
SHIFT = 2.0              # nats taken off each PMI before the negative ones are dropped (shifted PPMI: only a
                         # neighbour seen well above chance counts).  bench/garblers.py's cipher, learn, map 11, at
                         # ``mixture.ALIKE`` 10: 1 38.5% restored, 2.22% broken; 2 39.0%, 1.71%; 3 35.6%, 1.71%


class Usage:
    """The PPMI context vectors of ``words`` in ``stream`` (word ids), over the tokens ``features``."""

    def __init__(self, stream: np.ndarray, words: np.ndarray, features: np.ndarray, *, width: int = WIDTH,
                 shift: float = SHIFT):
        size = int(max(stream.max(initial=0), words.max(initial=0), features.max(initial=0))) + 1
        column = np.full(size, -1, dtype=np.int64)
        column[features] = np.arange(len(features))
        self.row = np.full(size, -1, dtype=np.int64)
        self.row[words] = np.arange(len(words))
        places = 2 * width * len(features)
        keys, columns = [], []
        n = len(stream)
        for place, offset in enumerate(s for d in range(1, width + 1) for s in (-d, d)):
            at = np.arange(max(0, -offset), min(n, n - offset))
            near = column[stream[at + offset]]
            seen = near >= 0
            col = near[seen] + place * len(features)
            columns.append(col)
            row = self.row[stream[at[seen]]]
            keys.append((row * places + col)[row >= 0])
        # the neighbours' totals come from every word of the corpus; the vectors only for ``words``
        column_total = np.bincount(np.concatenate(columns), minlength=places).astype(np.float64)
        pairs, counts = np.unique(np.concatenate(keys), return_counts=True)
        rows, cols = np.divmod(pairs, places)
        row_total = np.bincount(rows, weights=counts, minlength=len(words))
        smoothed = column_total ** SMOOTHING
        pmi = np.log(counts * smoothed.sum() / (row_total[rows] * smoothed[cols])) - shift
        pmi = np.where(pmi > 0, pmi, 0.0)
        norm = np.sqrt(np.bincount(rows, weights=pmi * pmi, minlength=len(words)))
        self._start = np.searchsorted(rows, np.arange(len(words) + 1))
        self._cols = cols
        self._values = pmi / np.maximum(norm[rows], 1e-12)

    def _rows_of(self, words: np.ndarray) -> np.ndarray:
        """Each word's row of the vectors, or -1 (no vector, or no word: a negative id)."""
        inside = (words >= 0) & (words < len(self.row))
        return np.where(inside, self.row[np.where(inside, words, 0)], -1)

    def cosines(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The cosine of the vectors of each ``a[i]`` and ``b[i]`` (0 where either word has none)."""
        out = np.zeros(len(a))
        for i, (x, y) in enumerate(zip(self._rows_of(a).tolist(), self._rows_of(b).tolist())):
            if x < 0 or y < 0:
                continue
            sx, sy = slice(self._start[x], self._start[x + 1]), slice(self._start[y], self._start[y + 1])
            _, ix, iy = np.intersect1d(self._cols[sx], self._cols[sy], assume_unique=True, return_indices=True)
            out[i] = float(self._values[sx][ix] @ self._values[sy][iy])
        return out
