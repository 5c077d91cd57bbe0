"""restore: undo the damage of automatic synonym spinners.

>>> import restore
>>> restore.restore_text("Workers astatine the agency person been told to stock accusation.")  # doctest: +SKIP
'Workers at the agency have been told to share information.'
"""
from __future__ import annotations

import functools

from .decode import Change, Restorer
from .model import Model

__all__ = ["restore_text", "Restorer", "Change", "Model"]
__version__ = "0.1.0"


@functools.lru_cache(maxsize=1)
def _default_restorer() -> Restorer:
    return Restorer()


def restore_text(text: str) -> str:
    """Restore ``text`` with the default model, fixing mojibake first."""
    return _default_restorer().restore(text)
