"""The errors restore raises for its users: one base class, one line each.

Every problem with what a user gave restore (a file, an option, a model, a
text) is a ``RestoreError``, whose message is one line that names the file
where there is one.  ``restore.cli.main`` catches them all in one place and
prints them without a traceback.

>>> issubclass(ModelError, ValueError), str(ModelError("m.model: not a restore model"))
(True, 'm.model: not a restore model')
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RestoreError", "UsageError", "ModelError", "BadInput", "NotText", "Terminated", "check_text",
           "checked_odds", "checked_share", "shown", "one_line"]


class RestoreError(ValueError):
    """A problem with the user's input; the message is one line and names the file."""


class UsageError(RestoreError):
    """Options or paths that cannot work together (the command line exits with code 2)."""


class ModelError(RestoreError):
    """A model file that cannot be read, or written."""


class BadInput(RestoreError):
    """A file that cannot be repaired; the message says why (batch runs add the file name)."""


class NotText(RestoreError, TypeError):
    """Something that is not a string where text was expected."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, where it interrupts at once as Ctrl-C does (the command line exits with 143, not 130)."""


def check_text(text: object) -> None:
    """Raise ``NotText`` unless ``text`` is a string.

    >>> check_text(None)
    Traceback (most recent call last):
    restore.errors.NotText: expected text (a str), got None
    """
    if not isinstance(text, str):
        raise NotText(f"expected text (a str), got {type(text).__name__ if text is not None else 'None'}")


def model_check(ok: bool, problem: str) -> None:
    """A ``ModelError`` saying ``problem`` unless ``ok`` (the reader adds the file's name).

    >>> model_check(1 + 1 == 3, "arithmetic out of range")
    Traceback (most recent call last):
    restore.errors.ModelError: arithmetic out of range
    """
    if not ok:
        raise ModelError(problem)


LOWEST_SCORE = -1e4      # no log-probability or score a model learns comes near it (the shipped model's lowest is
                         # -273, a channel's "never"); a crafted file's -3e38 passed as finite and overflowed the
                         # decoder's sums into warnings and restored nothing


def scores_check(values: np.ndarray, what: str, *, highest: float = math.inf) -> None:
    """A ``ModelError`` unless every one of ``values`` is a number from ``LOWEST_SCORE`` to ``highest``.

    >>> import numpy as np
    >>> scores_check(np.array([-0.5, -3e38]), "unigram", highest=0.0)
    Traceback (most recent call last):
    restore.errors.ModelError: unigram out of range
    """
    model_check(not len(values) or bool(LOWEST_SCORE <= float(values.min()) and float(values.max()) <= highest),
                f"{what} out of range")


def checked_odds(min_odds: float) -> float:
    """``min_odds`` as a float, or a ``UsageError`` unless it is a finite number of 1 or more.

    >>> checked_odds(2)
    2.0
    """
    odds = _number(min_odds, "min_odds")
    if not 1.0 <= odds < math.inf:
        raise UsageError(f"min_odds must be a finite number of 1 or more, not {min_odds}")
    return odds


def checked_flag(value: bool, name: str) -> bool:
    """``value`` as a bool, or a ``UsageError`` unless it is True or False (``name`` says which option):
    a string such as "no" would otherwise pass for True.

    >>> checked_flag("no", "fix_mojibake")
    Traceback (most recent call last):
    restore.errors.UsageError: fix_mojibake must be True or False, not str 'no'
    """
    if isinstance(value, bool) or (type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")):
        return bool(value)
    raise UsageError(f"{name} must be True or False, not {type(value).__name__} {value!r}")


def checked_share(value: float, name: str) -> float:
    """``value`` as a float, or a ``UsageError`` unless it is a number from 0 to 1 (``name`` says which).

    >>> checked_share(0.5, "min_confidence")
    0.5
    >>> checked_share(float("nan"), "min_confidence")
    Traceback (most recent call last):
    restore.errors.UsageError: min_confidence must be a number from 0 to 1, not nan
    """
    share = _number(value, name)
    if not 0.0 <= share <= 1.0:
        raise UsageError(f"{name} must be a number from 0 to 1, not {value}")
    return share


def _number(value: object, name: str) -> float:
    """``value`` as a float (a bool, a string or None is no number here), or a ``UsageError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):       # NumPy's numbers are Real too
        raise UsageError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    try:
        return float(value)
    except OverflowError:                   # an int past float's range
        raise UsageError(f"{name} must be a finite number, not an integer of {len(str(value))} digits") from None


def shown(name: str) -> str:
    """A file name as a line on the terminal shows it: as it is, unless it has characters that are
    not printable (a line break, a tab, an escape, a zero-width or a line separator) or bytes that are
    not UTF-8 (which ``os.fsdecode`` turns into lone surrogates U+DC80..U+DCFF).  Such a name is
    quoted like bash's ``$'...'``: between single quotes, with ``\\n``, ``\\t``, ``\\xHH`` (a
    control character, or an undecodable byte as it was), ``\\uHHHH``, ``\\\\`` and ``\\'``,
    so that no name can end a line or pose as another line, and ``$'...'`` gives the name back.

    >>> shown("a b/ça.txt")
    'a b/ça.txt'
    >>> print(shown("evil\\nrestore: 0 files done.txt"), shown("bad\\udcffname's.txt"))
    'evil\\nrestore: 0 files done.txt' 'bad\\xffname\\'s.txt'
    """
    if name.isprintable():
        return name
    return "'" + "".join(_escaped(c) for c in name) + "'"


def _escaped(c: str) -> str:
    """``c`` as ``shown`` writes it (an undecodable byte is ``\\xHH``, a character past ASCII never).

    >>> [_escaped(c) for c in "a\\n\\x1b\\udc85\\x85\\u2028"]
    ['a', '\\\\n', '\\\\x1b', '\\\\x85', '\\\\u0085', '\\\\u2028']
    """
    code = ord(c)
    if c in "\\'":
        return "\\" + c
    if c.isprintable():
        return c
    if 0xdc80 <= code <= 0xdcff:
        return f"\\x{code - 0xdc00:02x}"
    if code < 0x80:
        return repr(c)[1:-1]        # \n, \t, \r, \xHH
    return f"\\u{code:04x}" if code <= 0xffff else f"\\U{code:08x}"


def one_line(message: str) -> str:
    """``message`` with any character that is not printable escaped (no quotes added: ``shown`` quotes
    names), so that whatever a message holds, it is one line.

    >>> print(one_line("a.txt: no such\\rfile\\tor folder"))
    a.txt: no such\\rfile\\tor folder
    """
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else _escaped(c) for c in message)
