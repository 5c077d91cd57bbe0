"""Rendering for ``restore fix --diff``: a streamed unified diff, or the changed words marked
for a terminal.

Both are fed a file's ``formats.Piece``\\ s as they are restored, and write as they go.
"""
from __future__ import annotations

from collections import deque
from typing import Iterator

from . import formats

__all__ = ["UnifiedDiff", "MarkedWords", "change_records"]


def change_records(path: str, view: formats.View) -> Iterator[dict]:
    """One JSON-ready record per change in ``view``, in order of offset: file, line, offset (characters),
    field for JSON Lines, then the garbled and restored words, the confidence and the alternatives.
    ftfy's own repairs of mojibake come with ``"by": "ftfy"``."""
    for line, offset, change, by in view.located_all():
        record = {"file": path, "line": line}
        if view.field is not None:
            record["field"] = view.field
        record["offset"] = offset
        details = change.as_dict()
        del details["start"], details["end"]
        record.update(details)
        if by:
            record["by"] = by
        yield record


class UnifiedDiff:
    """A unified diff of a file, fed piece by piece (restoring never adds or removes a line).

    >>> out = []
    >>> d = UnifiedDiff("a.txt", out.append, context=1)
    >>> d.feed(formats.Piece("one\\ntwo astatine\\nthree\\nfour\\n", "one\\ntwo at\\nthree\\nfour\\n"))
    >>> d.close()
    >>> print("".join(out), end="")
    --- a.txt
    +++ a.txt
    @@ -1,3 +1,3 @@
     one
    -two astatine
    +two at
     three
    """

    def __init__(self, path: str, write, context: int = 3):
        self.path, self.write, self.context = path, write, context
        self.line = 0
        self.before: deque = deque(maxlen=context)   # unchanged lines before a hunk
        self.hunk: list | None = None                # [(old, new)] from the hunk's first line
        self.start = 0
        self.after = 0                               # unchanged lines since the hunk's last change
        self.carry = ("", "")
        self.headed = False

    def feed(self, piece: formats.Piece) -> None:
        old = (self.carry[0] + piece.raw).split("\n")
        new = (self.carry[1] + piece.out).split("\n")
        if len(old) != len(new):                     # never expected; show the piece whole
            old, new = ["\n".join(old)], ["\n".join(new)]
        self.carry = (old.pop(), new.pop())
        for a, b in zip(old, new):
            self._line(a + "\n", b + "\n")

    def close(self) -> None:
        if self.carry != ("", ""):
            self._line(*self.carry)
        self._flush()

    def _line(self, old: str, new: str) -> None:
        self.line += 1
        if old != new:
            if self.hunk is None:
                self.hunk, self.start = [(x, x) for x in self.before], self.line - len(self.before)
                self.before.clear()
            self.hunk.append((old, new))
            self.after = 0
        elif self.hunk is None:
            self.before.append(old)
        else:
            self.hunk.append((old, old))
            self.after += 1
            if self.after > 2 * self.context:
                self._flush()

    def _flush(self) -> None:
        if self.hunk is None:
            return
        tail = max(0, self.after - self.context)
        lines = self.hunk[:len(self.hunk) - tail]
        self.before.extend(old for old, _ in self.hunk[len(self.hunk) - tail:])
        self.hunk, self.after = None, 0
        if not self.headed:
            self.write(f"--- {self.path}\n+++ {self.path}\n")
            self.headed = True
        span = str(self.start) if len(lines) == 1 else f"{self.start},{len(lines)}"
        self.write(f"@@ -{span} +{span} @@\n")
        run: list = []
        for old, new in lines + [(None, None)]:
            if old is not None and old != new:
                run.append((old, new))
                continue
            self.write("".join(_diff_line("-", a) for a, _ in run) + "".join(_diff_line("+", b) for _, b in run))
            run = []
            if old is not None:
                self.write(_diff_line(" ", old))


def _diff_line(mark: str, line: str) -> str:
    return mark + line if line.endswith("\n") else f"{mark}{line}\n\\ No newline at end of file\n"


STRUCK, RESTORED, BOLD, PLAIN = "\x1b[9;31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"


class MarkedWords:
    """The changed lines of a file for a terminal: each garbled word struck out in red, followed by
    the restored word in green.

    >>> out = []
    >>> m = MarkedWords("a.txt", out.append)
    >>> from restore import Change
    >>> piece = formats.Piece("", "", [formats.View("Hi\\nWe met astatine noon.\\n", [Change(10, 18, "astatine", "at", 0.9)])])
    >>> m.feed(piece); m.close()
    >>> "".join(out).replace(STRUCK, "[-").replace(RESTORED, "{+").replace(PLAIN, "]").replace(BOLD, "")
    'a.txt]\\n2: We met [-astatine]{+at] noon.\\n'
    """

    def __init__(self, path: str, write):
        self.path, self.write = path, write
        self.headed = False

    def feed(self, piece: formats.Piece) -> None:
        for view in piece.views:
            rows: dict = {}
            for line, _, change in view.located():
                rows.setdefault(line, []).append(change)
            for line, changes in rows.items():
                self._row(view, line, changes)

    def _row(self, view: formats.View, line: int, changes: list) -> None:
        if not self.headed:
            self.write(f"{BOLD}{self.path}{PLAIN}\n")
            self.headed = True
        text = view.text
        start = text.rfind("\n", 0, changes[0].start) + 1
        end = text.find("\n", changes[-1].end)
        end = len(text) if end < 0 else end
        out, pos = [], start
        for k, c in enumerate(changes):
            out += [_elide(text[pos:c.start], head=k > 0), STRUCK, c.garbled, PLAIN, RESTORED, c.restored, PLAIN]
            pos = c.end
        out.append(_elide(text[pos:end], tail=False))
        label = f"{line} {view.field}" if view.field else str(line)
        self.write(f"{label}: {''.join(out)}\n")

    def close(self) -> None:
        pass


def _elide(text: str, head: bool = True, tail: bool = True, keep: int = 60) -> str:
    """``text`` cut to its first and last ``keep`` characters (either may be dropped) when long,
    as a long line of HTML would be.

    >>> _elide("x" * 200, head=False, keep=3), _elide("short")
    ('… xxx', 'short')
    """
    if len(text) <= 2 * keep + 3:
        return text
    return " ".join(([text[:keep]] if head else []) + ["…"] + ([text[-keep:]] if tail else []))
