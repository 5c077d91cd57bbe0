"""Read training pairs of spun and clean text.

Two formats:

* parallel files ``NAME.spun.txt`` and ``NAME.clean.txt`` (name either one);
* JSON Lines, one ``{"spun": ..., "clean": ...}`` object per line (``.jsonl``).  A lone
  surrogate (``"\\ud800"``, which JSON allows and UTF-8 cannot hold) is read as U+FFFD, as
  ``restore fix`` reads it, so no word learned holds one.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.spun.txt").write_text("we tin go"); _ = (d / "a.clean.txt").write_text("we can go")
>>> list(read_pairs([d / "a.spun.txt"]))
[('we tin go', 'we can go')]
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Iterator

from .errors import RestoreError
from .files import read_text
from .tokenize import WORD

__all__ = ["PairError", "files_read", "read_pairs", "read_text", "unique_pair_files"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PairError(RestoreError):
    """A pairs file that does not hold pairs; the message names the file (and line)."""


def read_pairs(paths: Iterable[str | Path], encoding: str = "utf-8") -> Iterator[tuple[str, str]]:
    """Yield ``(spun, clean)`` from each pairs file in ``paths``, read as ``encoding``."""
    for path in map(Path, paths):
        name = path.name
        if name.endswith(".jsonl"):
            for n, line in enumerate(read_text(path, encoding).split("\n"), 1):     # U+2028 may stand in a string
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError):         # not JSON, or nested too deeply to read
                    row = None
                if not (isinstance(row, dict) and isinstance(row.get("spun"), str)
                        and isinstance(row.get("clean"), str)):
                    raise PairError(f'{path}:{n}: expected a JSON object with "spun" and "clean" texts')
                yield _whole(_sound(row["spun"]), _sound(row["clean"]), f"{path}:{n}")
        elif name.endswith((".spun.txt", ".clean.txt")):
            stem = name.rsplit(".", 2)[0]
            spun, clean = path.with_name(stem + ".spun.txt"), path.with_name(stem + ".clean.txt")
            partner = clean if path == spun else spun
            if not partner.exists() and path.exists():
                raise PairError(f"{path}: its other half {partner} is missing (a pair is NAME.spun.txt and "
                                f"NAME.clean.txt side by side)")
            yield _whole(read_text(spun, encoding), read_text(clean, encoding), str(path))
        elif path.is_dir():
            raise PairError(f"{path}: is a folder: name the pairs files in it (NAME.spun.txt, NAME.clean.txt or "
                            f".jsonl)")
        else:
            raise PairError(f"{path}: not a pairs file (expected NAME.spun.txt, NAME.clean.txt or .jsonl)")


def _whole(spun: str, clean: str, where: str) -> tuple[str, str]:
    """The pair, unless one side has words and the other none (a pair with nothing to learn or score
    from, which would count every word as an error), which is a ``PairError`` naming ``where``.

    >>> _whole("we tin go", " -- ", "p.jsonl:3")
    Traceback (most recent call last):
    restore.pairs.PairError: p.jsonl:3: the clean side has no words but the spun side has
    """
    has_words = bool(WORD.search(spun)), bool(WORD.search(clean))
    if has_words[0] != has_words[1]:
        blank, other = ("clean", "spun") if has_words[0] else ("spun", "clean")
        raise PairError(f"{where}: the {blank} side has no words but the {other} side has")
    return spun, clean


def _sound(text: str) -> str:
    """``text`` with each lone surrogate (a JSON escape that is half a character) as U+FFFD.

    >>> _sound("we \\ud800 go")
    'we \ufffd go'
    """
    return _LONE_SURROGATE.sub("\ufffd", text)


def unique_pair_files(paths: Iterable[str | Path]) -> list[Path]:
    """Drop the second file of a parallel pair, so each pair is read once."""
    seen, out = set(), []
    for path in map(Path, paths):
        key = path.with_name(path.name.rsplit(".", 2)[0]) if path.name.endswith((".spun.txt", ".clean.txt")) else path
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def files_read(paths: Iterable[str | Path]) -> list[str]:
    """Every file that reading the pairs files ``paths`` reads: ``NAME.spun.txt`` reads ``NAME.clean.txt`` too.

    >>> files_read(["a.spun.txt", "b.jsonl"])
    ['a.spun.txt', 'a.clean.txt', 'b.jsonl']
    """
    out = []
    for path in map(str, paths):
        out.append(path)
        for mine, other in ((".spun.txt", ".clean.txt"), (".clean.txt", ".spun.txt")):
            if path.endswith(mine):
                out.append(path[:-len(mine)] + other)
    return out
