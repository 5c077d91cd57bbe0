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
    """A pairs file that cannot be read; the message names the file and the problem."""


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PairError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise PairError(f"{path}: not UTF-8 text (byte offset {e.start})") from None
    except OSError as e:
        raise PairError(f"{path}: cannot read ({e.strerror})") from None


def read_pairs(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """Yield ``(spun, clean)`` from each pairs file in ``paths``."""
    for path in map(Path, paths):
        name = path.name
        if name.endswith(".jsonl"):
            for n, line in enumerate(_read_text(path).splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    yield row["spun"], row["clean"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise PairError(f'{path}:{n}: expected a JSON object with "spun" and "clean"') from None
        elif name.endswith((".spun.txt", ".clean.txt")):
            stem = name.rsplit(".", 2)[0]
            yield _read_text(path.with_name(stem + ".spun.txt")), _read_text(path.with_name(stem + ".clean.txt"))
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
