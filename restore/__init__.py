"""restore: undo the damage of automatic synonym spinners.

>>> import restore
>>> restore.restore_text("Workers astatine the agency person been told to stock accusation astir it.")  # doctest: +SKIP
'Workers at the agency have been told to share information about it.'
"""
from __future__ import annotations

from .changes import Change
from .decode import Restorer
from .errors import RestoreError
from .model import Model

__all__ = ["restore_text", "Restorer", "Change", "Model", "RestoreError"]
__version__ = "0.1.0"


def restore_text(text: str) -> str:
    """Restore ``text`` with the default model (loaded once per process), fixing mojibake first.

    >>> restore_text(None)
    Traceback (most recent call last):
    restore.errors.NotText: expected text (a str), got None
    """
    return Restorer().restore(text)
