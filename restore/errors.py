"""The errors restore raises for its users: one base class, one line each.

Every problem with what a user gave restore (a file, an option, a model, a
text) is a ``RestoreError``, whose message is one line that names the file
where there is one.  ``restore.cli.main`` catches them all in one place and
prints them without a traceback.

>>> issubclass(ModelError, ValueError), str(ModelError("m.model: not a restore model"))
(True, 'm.model: not a restore model')
"""
from __future__ import annotations

__all__ = ["RestoreError", "UsageError", "ModelError", "BadInput", "NotText", "Terminated", "check_text"]


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
