"""Split text into words and the gaps between them, losslessly.

Words follow the scorer's definition (letters, digits and underscores, joined by
apostrophes or hyphens); everything else is a gap.  ``"".join(split_words(t)) == t``
always holds, and words sit at the odd positions.

>>> split_words("Workers astatine the agency.")
['', 'Workers', ' ', 'astatine', ' ', 'the', ' ', 'agency', '.']
"""
from __future__ import annotations

import regex

WORD = regex.compile(r"(\w+(?:[’'\-]\w+)*)")
_DIGIT = regex.compile(r"\d")
_PUNCT = regex.compile(r"[^\w\s]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                         "–": "-", "—": "-", "…": "."})
BOUNDARY = "<s>"
SENTENCE_END = frozenset(".!?")
# a line break of any convention (LF, CRLF, CR, and the others str.splitlines knows), and two of them
# with nothing but spaces between, or a paragraph separator: a blank line, wherever the text was written
_BREAK = r"(?:\r\n|\r(?!\n)|[\n\x0b\x0c\x1c-\x1e\x85\u2028])"
LINE_BREAK = regex.compile(_BREAK + r"|\u2029")
PARAGRAPH_BREAK = regex.compile(_BREAK + r"[^\S\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*" + _BREAK + r"|\u2029")


def split_words(text: str) -> list[str]:
    """Alternate gaps and words: ``[gap, word, gap, ..., word, gap]``."""
    return WORD.split(text)


def normalize(word: str) -> str:
    """The form the models see: lower case, every digit as ``0``.

    >>> normalize("Covid-19")
    'covid-00'
    """
    if word.isalpha():
        return word.lower()
    return _DIGIT.sub("0", word.lower())


def gap_tokens(gap: str) -> list[str]:
    """The context-model tokens of a gap: its punctuation, and ``<s>`` at a paragraph break.

    >>> gap_tokens(". “")
    ['.', '"']
    >>> gap_tokens("\\n\\n"), gap_tokens("\\r\\n\\r\\n"), gap_tokens("\\r\\r"), gap_tokens("\\r\\n")
    (['<s>'], ['<s>'], ['<s>'], [])
    """
    if not gap or gap == " ":
        return []
    out = _PUNCT.findall(gap.translate(_QUOTES))
    if PARAGRAPH_BREAK.search(gap):
        out.append(BOUNDARY)
    return out


def context_tokens(text: str) -> list[str]:
    """Every context-model token of ``text``, starting with ``<s>``.

    >>> context_tokens("In person, please.")
    ['<s>', 'in', 'person', ',', 'please', '.']
    """
    parts = split_words(text)
    out = [BOUNDARY]
    for i, part in enumerate(parts):
        if i % 2:
            out.append(normalize(part))
        else:
            out.extend(gap_tokens(part))
    return out


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation of ``template``.

    >>> match_case("Successful", "in"), match_case("NASA", "space"), match_case("oregon", "or")
    ('In', 'SPACE', 'or')
    """
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def stands_alone(gap_before: str, gap_after: str) -> bool:
    """Whether a word has whitespace (or an end of the text) on both sides.

    The spinner finds words by splitting text at whitespace, so it never rewrites a
    word that touches punctuation: it sees "agency." and "“citizenship", not the words.

    >>> stands_alone(" ", " "), stands_alone("", "\\n"), stands_alone(" ", "."), stands_alone("“", " ")
    (True, True, False, False)
    """
    return (not gap_before or gap_before[-1].isspace()) and (not gap_after or gap_after[0].isspace())


def starts_sentence(gap_before: str, previous_word: str | None) -> bool:
    """Whether a word after ``gap_before`` opens a sentence (so its capital is not a name).

    >>> starts_sentence(". ", "done"), starts_sentence(" ", "the"), starts_sentence("", None)
    (True, False, True)
    """
    if previous_word is None:
        return True
    stripped = gap_before.strip().translate(_QUOTES).strip("\"'([ ")
    return bool(LINE_BREAK.search(gap_before)) or (stripped[-1:] in SENTENCE_END if stripped else False)
