"""Read training pairs of spun and clean text.

Two formats:

* parallel files ``NAME.spun.txt`` and ``NAME.clean.txt`` (name either one);
* JSON Lines, one ``{"spun": ..., "clean": ...}`` object per line (``.jsonl``).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.spun.txt").write_text("we tin go"); _ = (d / "a.clean.txt").write_text("we can go")
>>> list(read_pairs([d / "a.spun.txt"]))
[('we tin go', 'we can go')]
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator


class PairError(ValueError):
    """A file that cannot be read as text; the message names the file and the problem."""


def read_text(path: str | Path, encoding: str = "utf-8", data: bytes | None = None) -> str:
    """Read a text file (or decode ``data`` read from it), with one-line errors that name the file.

    >>> read_text("missing.txt")
    Traceback (most recent call last):
    restore.pairs.PairError: missing.txt: no such file
    """
    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise PairError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise PairError(f"{path}: is a directory") from None
        except OSError as e:
            raise PairError(f"{path}: cannot read ({e.strerror})") from None
    if b"\0" in data[:8192]:
        raise PairError(f"{path}: binary file, not text")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise PairError(f"{path}: not {encoding} text (undecodable byte at offset {e.start})") from None
    except LookupError:
        raise PairError(f"unknown encoding {encoding!r}") from None


def read_pairs(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """Yield ``(spun, clean)`` from each pairs file in ``paths``."""
    for path in map(Path, paths):
        name = path.name
        if name.endswith(".jsonl"):
            for n, line in enumerate(read_text(path).splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    yield row["spun"], row["clean"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise PairError(f'{path}:{n}: expected a JSON object with "spun" and "clean"') from None
        elif name.endswith((".spun.txt", ".clean.txt")):
            stem = name.rsplit(".", 2)[0]
            yield read_text(path.with_name(stem + ".spun.txt")), read_text(path.with_name(stem + ".clean.txt"))
        else:
            raise PairError(f"{path}: not a pairs file (expected NAME.spun.txt, NAME.clean.txt or .jsonl)")


def unique_pair_files(paths: Iterable[str | Path]) -> list[Path]:
    """Drop the second file of a parallel pair, so each pair is read once."""
    seen, out = set(), []
    for path in map(Path, paths):
        key = path.with_name(path.name.rsplit(".", 2)[0]) if path.name.endswith((".spun.txt", ".clean.txt")) else path
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out
