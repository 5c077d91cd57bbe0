"""Clean text from domains the tests do not cover, restored by the shipped model: every change is a mistake.

    python bench/clean_text.py [--docs 300] [--sentences 3000] [--model FILE]

Four sets, each restored whole or one sentence at a time (a short text weighs its spin prior
most):

* **technical prose**: documents of the Python 3.11 documentation (``bench/garblers.py``'s,
  Debian's ``python3.11-doc``, fetched into the git-ignored ``corpora/cache/garblers/``);
* **Brown sentences with two or more spinner words**: sentences of the Brown corpus holding at
  least two garbled forms the model knows ("successful", "person", "stock"...), used genuinely;
* **Brown sentences with a rare spinner word**: those holding a garbled form rarer than Zipf 3
  ("beingness", "conscionable").  The context model counted the Brown corpus, so these two sets
  are text it has seen; the documentation is not;
* **real news as written**: the faithful copies of the real-dev articles, where they were fetched
  (``.cache/real-dev/raw/NNN.json``, as ``../shared/real-dev/README.md`` says): modern news of the
  kind the spinner rewrites, whose swaps the model knows but whose text it never counted.

Prints the number of words and sentences changed, and the first changes.  Not run in CI.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")
SEED = 7


def brown_sentences() -> list[str]:
    """The Brown corpus's sentences, its tokenisation undone ("word ," -> "word,")."""
    from corpora import sources
    out: list[str] = []
    for text in sources.brown():
        for para in text.split("\n\n"):
            para = re.sub(r" ([,.;:!?])", r"\1", para).replace("`` ", '"').replace(" ''", '"')
            para = para.replace(" n't", "n't").replace(" 's", "'s")
            out.extend(s for s in SENTENCE.split(para) if 4 <= len(s.split()) <= 30)
    return out


def faithful_copies() -> list[str]:
    """The faithful copies of the fetched real-dev pairs (none if they were not fetched)."""
    import json
    return [json.loads(p.read_text(encoding="utf-8"))["original"]
            for p in sorted((ROOT / ".cache" / "real-dev" / "raw").glob("[0-9]*.json"))]


def changes_in(restorer, texts: list[str]) -> list[tuple[str, list]]:
    """``(text, [(garbled, restored, confidence)])`` for every text the restorer changes."""
    out = []
    for text in texts:
        _, changes = restorer.restore_with_changes(text)
        if changes:
            out.append((text, [(c.garbled, c.restored, round(c.confidence, 2)) for c in changes]))
    return out


def report(label: str, texts: list[str], changed: list) -> None:
    words = sum(len(t.split()) for t in texts)
    print(f"{label}: {len(texts)} texts, {words} words; {len(changed)} texts changed, "
          f"{sum(len(c) for _, c in changed)} words")
    for text, c in changed[:10]:
        print(f"    {c} | {text[:90]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="documentation documents (default 300)")
    parser.add_argument("--sentences", type=int, default=3000, help="Brown sentences per set (default 3000)")
    parser.add_argument("--model", help="a model file (default: the shipped one)")
    args = parser.parse_args()
    import garblers
    import wordfreq

    from restore import Restorer
    from restore.model import Model, load
    model = Model.load(args.model) if args.model else load()
    restorer = Restorer(model)
    docs = garblers.documents(garblers.sources(garblers.fetch()))
    random.Random(garblers.SEED).shuffle(docs)
    docs = docs[:args.docs]
    report("documentation, whole documents", docs, changes_in(restorer, docs))
    sentences = [s for d in docs for s in SENTENCE.split(d) if 3 <= len(s.split()) <= 30]
    report("documentation, each sentence alone", sentences, changes_in(restorer, sentences))
    forms = set(model.channel.originals)
    rare = {f for f in forms if wordfreq.zipf_frequency(f, "en") < 3.0}
    brown = brown_sentences()
    random.Random(SEED).shuffle(brown)
    many = [s for s in brown if sum(w in forms for w in s.split()) >= 2][:args.sentences]
    report("Brown sentences with two or more spinner words, each alone", many, changes_in(restorer, many))
    rarer = [s for s in brown if any(w in rare for w in s.split())][:args.sentences]
    report("Brown sentences with a rare spinner word, each alone", rarer, changes_in(restorer, rarer))
    news = faithful_copies()
    if not news:
        print("real news as written: not fetched (see ../shared/real-dev/README.md), skipped")
        return 0
    report("real news as written, whole articles", news, changes_in(restorer, news))
    lines = [s for text in news for s in SENTENCE.split(text) if 3 <= len(s.split())]
    report("real news as written, each sentence alone", lines, changes_in(restorer, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
