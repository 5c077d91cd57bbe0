"""Mojibake repair and restoration, as the file formats use them, with ftfy's own edits kept.

>>> [(c.start, c.garbled, c.restored) for c in mojibake_edits("The SSAâ€™s “safe”", "The SSA’s “safe”")]
[(7, 'â€™', '’')]
"""
from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher
from os.path import commonprefix
from typing import Any, Callable

from .changes import Change
from .tokenize import split_words

__all__ = ["Fixer", "Interrupted", "fix_mojibake", "mojibake_edits"]

LONGEST_EDIT = 10_000       # characters of a run of differing words compared character by character; beyond, one edit
SHORT_EDIT = 500            # characters of a line compared character by character at once; longer, word by word first
_WORDS = re.compile(r"\S+\s*|\s+")


def fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, leaving quotes, widths, line breaks and entities as they were.

    >>> fix_mojibake("The SSAâ€™s “safe spaceâ€\\x9d")
    'The SSA’s “safe space”'
    """
    import ftfy
    return ftfy.fix_text(text, config=_ftfy_config())


@functools.lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy
    return ftfy.TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
                                fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
                                remove_control_chars=False, normalization=None, explain=False)


class Interrupted(Exception):
    """The batch was asked to stop."""


class Fixer:
    """Mojibake repair and restoration, as the formats use them; counts the words it reads.

    ``restorer`` is a ``restore.Restorer`` made with ``fix_mojibake=False`` (mojibake is repaired
    here, piece by piece, so that offsets stay exact); ``stop`` is asked before each restoration.
    """

    def __init__(self, restorer: Any, *, fix_mojibake: bool = True, stop: Callable[[], bool] | None = None,
                 encoding: str | None = None):
        self.restorer = restorer
        self.fix_mojibake = fix_mojibake
        self.stop = stop
        self.encoding = encoding        # the output's, where it cannot write every character
        self.words = 0

    def repair(self, text: str) -> str:
        """``text`` with its mojibake repaired (ASCII text has none), unless the output's encoding could
        not write the repair: ftfy reads a latin-1 file's byte 0x92 (U+0092) as cp1252's "’", which
        latin-1 has not, and the whole file would fail.

        >>> Fixer(None, encoding="latin-1").repair("don\x92t"), Fixer(None).repair("don\x92t")
        ('don\x92t', 'don’t')
        """
        if not self.fix_mojibake or text.isascii():
            return text
        fixed = fix_mojibake(text)
        if fixed != text and self.encoding and not self.encoding.startswith("utf"):
            try:
                fixed.encode(self.encoding)
            except UnicodeEncodeError:
                return text
        return fixed

    def repair_with_edits(self, text: str) -> tuple[str, list]:
        """``text`` with its mojibake repaired, and ftfy's edits (offsets into the repaired text)."""
        fixed = self.repair(text)
        return fixed, mojibake_edits(text, fixed)

    def restore(self, text: str) -> tuple[str, list]:
        """The restored ``text`` and its changes."""
        if self.stop is not None and self.stop():
            raise Interrupted
        words = len(split_words(text)) // 2
        if not words:
            return text, []
        self.words += words
        return self.restorer.restore_with_changes(text)

    def score(self, text: str) -> float:
        """How spun ``text`` looks, 0..1."""
        if self.stop is not None and self.stop():
            raise Interrupted
        self.words += len(split_words(text)) // 2
        return self.restorer.spin_score(self.repair(text))


def _opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """``SequenceMatcher`` opcodes turning ``a`` into ``b``: character by character where both are
    short; else word by word first (a character diff of long text takes time in the square of its
    length), then character by character within each differing run of words.

    >>> _opcodes("cafÃ© " * 100, "café " * 100)[:2]
    [('equal', 0, 3, 0, 3), ('replace', 3, 5, 3, 4)]
    """
    if max(len(a), len(b)) <= SHORT_EDIT:
        return list(SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    words_a, words_b = _WORDS.findall(a), _WORDS.findall(b)
    at_a, at_b = _offsets(words_a), _offsets(words_b)
    out: list[tuple[str, int, int, int, int]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        a1, a2, b1, b2 = at_a[i1], at_a[i2], at_b[j1], at_b[j2]
        if op == "equal":
            out.append((op, a1, a2, b1, b2))
        elif max(a2 - a1, b2 - b1) > LONGEST_EDIT:
            out.append(("replace", a1, a2, b1, b2))
        else:
            out += [(o, a1 + k1, a1 + k2, b1 + m1, b1 + m2) for o, k1, k2, m1, m2 in
                    SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=False).get_opcodes()]
    return out


def _offsets(words: list[str]) -> list[int]:
    """Where each of ``words`` starts in their text, and where the last ends."""
    out = [0]
    for word in words:
        out.append(out[-1] + len(word))
    return out


def mojibake_edits(raw: str, fixed: str) -> list:
    """The edits that turn ``raw`` into ``fixed`` (ftfy's), as ``Change``\\ s with confidence 1 and
    offsets into ``fixed``: character by character within each line (ftfy keeps line breaks)."""
    if raw == fixed:
        return []
    raw_lines, fixed_lines = raw.split("\n"), fixed.split("\n")
    if len(raw_lines) != len(fixed_lines):
        raw_lines, fixed_lines = [raw], [fixed]
    edits, pos = [], 0
    for a, b in zip(raw_lines, fixed_lines):
        if a != b:
            head = len(commonprefix([a, b]))
            tail = len(commonprefix([a[head:][::-1], b[head:][::-1]]))
            a_mid, b_mid = a[head:len(a) - tail], b[head:len(b) - tail]
            for op, i1, i2, j1, j2 in _opcodes(a_mid, b_mid):
                if op != "equal":
                    start = pos + head + j1
                    edits.append(Change(start, start + j2 - j1, a_mid[i1:i2], b_mid[j1:j2], 1.0))
        pos += len(b) + 1
    return edits

