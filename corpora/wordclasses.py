"""Each word's class for the class model: its part of speech, read off the Brown corpus's tags.

Brown tags 50,000 words; the rest of the vocabulary gets the part of speech WordNet lists
most senses for, then a guess from the word's ending.  Punctuation, numbers and the
paragraph boundary have classes of their own.

>>> coarse("nns"), coarse("vbd"), coarse("bez"), coarse("pp$")
('NOUNS', 'VBD', 'BE', 'DET')
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from restore.tokenize import BOUNDARY

TAGS = {   # Brown tag (before any "-" or "+") -> class
    "nn": "NOUN", "nn$": "NOUN", "nr": "NOUN", "nrs": "NOUNS", "nns": "NOUNS", "nns$": "NOUNS",
    "np": "NAME", "np$": "NAME", "nps": "NAME", "nps$": "NAME", "fw": "NOUN",
    "jj": "ADJ", "jjr": "ADJ", "jjs": "ADJ", "jjt": "ADJ", "od": "ADJ",
    "rb": "ADV", "rbr": "ADV", "rbt": "ADV", "ql": "ADV", "qlp": "ADV", "wql": "ADV", "rn": "ADV",
    "rp": "PART", "vb": "VB", "vbd": "VBD", "vbg": "VBG", "vbn": "VBN", "vbz": "VBZ",
    "md": "MD", "md*": "MD",
    "be": "BE", "bed": "BE", "bedz": "BE", "beg": "BE", "bem": "BE", "ben": "BE", "ber": "BE", "bez": "BE",
    "hv": "HAVE", "hvd": "HAVE", "hvg": "HAVE", "hvn": "HAVE", "hvz": "HAVE",
    "do": "DO", "dod": "DO", "doz": "DO", "do*": "DO", "dod*": "DO",
    "at": "DET", "dt": "DET", "dti": "DET", "dts": "DET", "dtx": "DET", "abn": "DET", "abx": "DET",
    "abl": "DET", "ap": "DET", "pp$": "DET", "wdt": "WH", "wp$": "WH", "wps": "WH", "wpo": "WH", "wrb": "WH",
    "in": "PREP", "cc": "CONJ", "cs": "SUB", "to": "TO", "cd": "NUM", "*": "NOT", "ex": "PRON",
    "pps": "PRON", "ppss": "PRON", "ppo": "PRON", "pn": "PRON", "ppl": "PRON", "ppls": "PRON", "pp$$": "PRON",
    "uh": "INTJ",
}
PUNCTUATION = {".": "END", "!": "END", "?": "END", ",": "COMMA", ":": "COLON", ";": "COLON", "-": "DASH",
               '"': "QUOTE", "'": "QUOTE", "(": "OPEN", ")": "CLOSE", "[": "OPEN", "]": "CLOSE", BOUNDARY: "BOS"}
WORDNET = {"n": "NOUN", "v": "VB", "a": "ADJ", "r": "ADV"}


def coarse(tag: str) -> str | None:
    """The class of a Brown tag, or None for one that says nothing (punctuation, "nil")."""
    return TAGS.get(tag.split("+")[0].split("-")[0])


def classes(vocab: Iterable[str], brown_tags: dict, wordnet_pos: dict, frequent: Iterable[str] = ()) -> dict[str, str]:
    """``word -> class`` for every word of ``vocab``.

    ``brown_tags`` maps a word to a Counter of its tags; ``wordnet_pos`` maps a word to a
    Counter of its WordNet senses by part of speech ("n", "v", "a", "r").  Each of the
    ``frequent`` words is a class of its own: "have" and "been" are a class's worth of
    evidence each, and lumped together they would make "have was" look like "have been".
    """
    frequent = set(frequent)
    out = {}
    for word in vocab:
        if word in frequent:
            out[word] = "=" + word
        elif word in PUNCTUATION:
            out[word] = PUNCTUATION[word]
        elif not any(c.isalpha() for c in word):
            out[word] = "NUM" if any(c.isdigit() for c in word) else "SYM"
        elif word in brown_tags:
            votes: Counter[str] = Counter()
            for tag, n in brown_tags[word].items():
                tag_class = coarse(tag)
                if tag_class:
                    votes[tag_class] += n
            out[word] = votes.most_common(1)[0][0] if votes else "NOUN"
        elif word in wordnet_pos:
            out[word] = WORDNET[wordnet_pos[word].most_common(1)[0][0]]
        elif word.endswith("ly"):
            out[word] = "ADV"
        elif word.endswith("ing"):
            out[word] = "VBG"
        elif word.endswith("ed"):
            out[word] = "VBN"
        elif word.endswith("s"):
            out[word] = "NOUNS"
        else:
            out[word] = "NOUN"
    return out
