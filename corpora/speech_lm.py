"""Write pocketsphinx's general English trigram model as an ARPA file: ``python corpora/speech_lm.py OUT``.

pocketsphinx 5.1.1 (PyPI, BSD-2-Clause) ships ``en-us.lm.bin``: 72,547 words, 2.05 M
bigrams and 1.67 M trigrams of general English, in a binary trie only its own library
reads.  Its ARPA writer cannot be trusted with that file: the header declares 2,051,547
bigrams while the trie holds 2,051,541, and the writer walks past the ones it filled
(fixed upstream after 5.1.1, cmusphinx/pocketsphinx#501); with the count set right it
writes every n-gram, but its log-probabilities come out scaled by a power of two that
changes from run to run, or as ``-inf``.  So this script, run in a subprocess of its own,
sets the loaded model's bigram count to the trie's, lets the writer list the n-grams, and
writes each one's log-probability and back-off weight as the library's own ``prob``
gives them (a back-off weight is what ``prob`` adds to the shorter history's for a word
never seen after it; ``<s>`` is such a word after every history).  On a sample, those
equal the values of the runs whose scale was 1 to within 1e-4.
"""
from __future__ import annotations

import ctypes
import math
import os
import sys
from pathlib import Path

COUNTS = (72547, 2051547, 1669625)      # what en-us.lm.bin's header declares
TRIE_BIGRAMS = 2051541                  # what its trie holds (cmusphinx/pocketsphinx#501)
LOG10_UNIT = math.log10(1.0001)         # pocketsphinx's log-math base: prob() counts in its units
NEVER = "<s>"                           # a word no history predicts: prob() of it is back-off plus a constant


def _counts(model) -> ctypes.Array:
    """The ``n_counts`` array of the C ``ngram_model_t`` behind ``model`` (checked against ``COUNTS``)."""
    lm = ctypes.c_void_p.from_address(id(model) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    counts_at = ctypes.c_void_p.from_address(lm + ctypes.sizeof(ctypes.c_void_p)).value if lm else None
    counts = (ctypes.c_uint32 * 3).from_address(counts_at) if counts_at else None
    if counts is None or tuple(counts) != COUNTS:
        raise SystemExit("corpora/speech_lm.py: pocketsphinx's en-us model is not the one this script knows")
    return counts


def _ngrams(path: Path):
    """``(order, words)`` of every n-gram an ARPA file lists, in its order (values ignored)."""
    order = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("\\"):
                order = int(line[1]) if line.strip().endswith("-grams:") else 0
            elif order and line.strip():
                yield order, line.split()[1:1 + order]


def main(out: str) -> int:
    import pocketsphinx
    model = pocketsphinx.NGramModel.readfile(os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin"))
    _counts(model)[1] = TRIE_BIGRAMS
    listing, part = Path(out + ".list"), Path(out + ".part")
    model.write(str(listing), pocketsphinx.NGramModel.str_to_type("arpa"))

    def log10p(words: list[str]) -> float:
        return model.prob(words[::-1]) * LOG10_UNIT

    sizes = [0, 0, 0]
    with open(part, "w", encoding="utf-8") as f:
        f.write("\\data\\\n" + "".join(f"ngram {n}={c}\n" for n, c in zip((1, 2, 3), (*COUNTS[:1], TRIE_BIGRAMS,
                                                                                     COUNTS[2]))) + "\n")
        last = 0
        for order, words in _ngrams(listing):
            if order != last:
                f.write(f"\n\\{order}-grams:\n")
                last = order
            sizes[order - 1] += 1
            value = -99.0 if words == [NEVER] else log10p(words)
            row = f"{value:.4f}\t" + "\t".join(words)
            if order < 3 and words[-1] != "</s>":
                row += f"\t{log10p(words + [NEVER]) - log10p(words[1:] + [NEVER]):.4f}"
            f.write(row + "\n")
        f.write("\n\\end\\\n")
    listing.unlink()
    if tuple(sizes) != (COUNTS[0], TRIE_BIGRAMS, COUNTS[2]):
        print(f"corpora/speech_lm.py: {out}: the writer listed {sizes} n-grams", file=sys.stderr)
        return 3
    part.replace(out)
    print(f"wrote {out}: {sizes[0]} words, {sizes[1]} bigrams, {sizes[2]} trigrams", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
