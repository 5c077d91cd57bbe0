"""Write pocketsphinx's general English trigram model as an ARPA file: ``python -m corpora.speech_lm OUT``.

pocketsphinx 5.1.1 (PyPI, BSD-2-Clause) ships ``en-us.lm.bin``: 72,547 words, 2.05 M
bigrams and 1.67 M trigrams of general English, in a binary trie only its own library
reads.  Its ARPA writer crashes on that file: the header declares 2,051,547 bigrams
while the trie holds 2,051,541, and the writer walks past the ones it filled (fixed
upstream after 5.1.1, cmusphinx/pocketsphinx#501).  So this script, run in a
subprocess of its own, sets the loaded model's bigram count to the trie's before
writing; and, since 5.1.1 then writes every log-probability times one constant factor,
it measures that factor against the library's own ``prob`` on every unigram and on
sampled bigrams and trigrams, and refuses to write if they disagree.  The factor goes
to ``OUT.json``; ``corpora.arpa.read_arpa`` divides by it.
"""
from __future__ import annotations

import ctypes
import json
import math
import os
import random
import sys
from pathlib import Path

COUNTS = (72547, 2051547, 1669625)      # what en-us.lm.bin's header declares
TRIE_BIGRAMS = 2051541                  # what its trie holds (cmusphinx/pocketsphinx#501)
LOG_BASE = math.log(1.0001)             # pocketsphinx's log-math base: prob() is in its units
TOLERANCE = 2e-3                        # relative disagreement allowed (4-decimal ARPA values, integer log-math)


def _counts(model) -> ctypes.Array:
    """The ``n_counts`` array of the C ``ngram_model_t`` behind ``model`` (checked against ``COUNTS``)."""
    lm = ctypes.c_void_p.from_address(id(model) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    counts_at = ctypes.c_void_p.from_address(lm + ctypes.sizeof(ctypes.c_void_p)).value if lm else None
    counts = (ctypes.c_uint32 * 3).from_address(counts_at) if counts_at else None
    if counts is None or tuple(counts) != COUNTS:
        raise SystemExit("corpora.speech_lm: pocketsphinx's en-us model is not the one this script knows")
    return counts


def _rows(path: Path):
    order = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("\\"):
                order = int(line[1]) if line.strip().endswith("-grams:") else 0
            elif order and line.strip():
                parts = line.split()
                yield order, float(parts[0]), parts[1:1 + order]


def main(out: str) -> int:
    import pocketsphinx
    model = pocketsphinx.NGramModel.readfile(os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us.lm.bin"))
    _counts(model)[1] = TRIE_BIGRAMS
    raw = Path(out + ".part")
    model.write(str(raw), pocketsphinx.NGramModel.str_to_type("arpa"))
    rng = random.Random(0)
    checks = [(value, words) for order, value, words in _rows(raw) if order == 1 or rng.random() < 1e-3]
    ratios = [value / (model.prob(words[::-1]) * LOG_BASE / math.log(10)) for value, words in checks
              if "<s>" not in words]
    factor = sorted(ratios)[len(ratios) // 2]
    worst = max(abs(r / factor - 1) for r in ratios)
    if worst > TOLERANCE:
        raise SystemExit(f"corpora.speech_lm: {raw}: values disagree with pocketsphinx's own by {worst:.1%}")
    Path(out + ".json").write_text(json.dumps({"scale": factor, "checked": len(ratios)}))
    raw.replace(out)
    print(f"wrote {out}: {len(ratios)} n-grams checked, scale {factor:.6g}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
