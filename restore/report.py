"""The tally of a batch and its report: counts, the most-changed files, and the JSON report file.

The report is streamed as files finish, to a temporary file that is put in place (with the
umask's mode, or the mode of the report it replaces) when the batch ends, however it ends.
File names are written losslessly (``json_text``); in the summary for people, ``shown``.
"""
from __future__ import annotations

import heapq
import json
import re
from typing import TYPE_CHECKING, Any

from .errors import BadInput, shown
from .files import Spool, new_file_mode
from .temps import being_written

if TYPE_CHECKING:
    from .worker import Outcome

__all__ = ["Tally", "MOST_CHANGED", "json_text"]

MOST_CHANGED = 10        # files listed in the summary
_ESCAPED = re.compile("[\ud800-\udfff\x80-\x9f\u2028\u2029]")   # see json_text


def json_text(value: Any) -> str:
    """``value`` as JSON text that UTF-8 can hold, one line to any reader: characters as they are,
    except lone surrogates, and the C1 controls and line separators that ``str.splitlines`` breaks
    lines at (U+0085, U+2028, U+2029), written as JSON escapes.

    A file name's bytes that are not UTF-8 are lone surrogates U+DC80..U+DCFF in Python (``os.fsdecode``
    decodes with ``surrogateescape``), which UTF-8 cannot encode; they are written as JSON escapes,
    ``\\udcff`` for the byte 0xff, so the report stays UTF-8 and valid JSON, and the name's bytes
    come back with ``os.fsencode(json.loads(line)["path"])``.

    >>> json_text({"path": "bad\\udcffname.txt", "note": "café"})
    '{"path": "bad\\\\udcffname.txt", "note": "café"}'
    >>> json_text({"garbled": "\\x85"})
    '{"garbled": "\\\\u0085"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return text if text.isascii() else _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SideFile:
    """The report or the change log of a batch, written through a ``Spool`` (one that cannot be
    made is an error before any work).  A write that fails later (its disk is full) drops it with a
    one-line ``error`` instead of stopping the batch, whose outputs, summary and other side file
    still come.

    >>> import os, tempfile
    >>> log = SideFile(os.path.join(tempfile.mkdtemp(), "changes.jsonl"))
    >>> log.write("{}\\n"); log.commit(); log.error, open(log.path).read()
    ('', '{}\\n')
    """

    def __init__(self, path: str, extend: bool = False):
        self.path, self.error = path, ""
        if being_written(path):             # two runs' logs: the last one put in place would drop the other's
            raise BadInput(f"{shown(path)}: another restore run is writing it (wait for it, or name another file)")
        self._spool: Spool | None = Spool("utf-8", final=path, extend=extend, token="restore")

    def write(self, text: str) -> None:
        if self._spool is not None:
            self._guard(lambda: self._spool.write(text))

    def commit(self) -> None:
        """Put the file in place (with the umask's mode, or that of the file it replaces)."""
        if self._spool is not None:
            self._guard(lambda: self._spool.commit(new_file_mode(self.path)))
            self._spool = None

    def discard(self) -> None:
        if self._spool is not None:
            self._spool.discard()
            self._spool = None

    def _guard(self, act) -> None:
        try:
            act()
        except OSError as e:
            self.discard()
            self.error = f"{shown(self.path)}: {e.strerror or e}"


class Tally:
    """Counts what a batch did, keeps the most-changed files, and streams the JSON report."""

    def __init__(self, report: str | None = None, most: int = MOST_CHANGED, log: SideFile | None = None):
        self.counts = {"done": 0, "failed": 0, "skipped": 0, "interrupted": 0}
        self.stopped = False            # the batch was interrupted (Ctrl-C, or SIGTERM: ``terminated``)
        self.terminated = False
        self.words = self.changed = 0
        self.most = most
        self._top: list[tuple[float, int, str]] = []      # heap of (share, changed, path)
        self.path = report
        self.halted = ""                # why the batch stopped early, if it did (a full disk)
        self.report = SideFile(report) if report else None
        self.log = log                  # the change log, whose loss is said with the report's
        self._first = True
        if self.report:
            self.report.write('{"files": [')

    done = property(lambda self: self.counts["done"])
    failed = property(lambda self: self.counts["failed"])
    skipped = property(lambda self: self.counts["skipped"])

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        self.words += outcome.words
        self.changed += outcome.changed
        if outcome.status == "done" and outcome.changed:
            top = (outcome.share, outcome.changed, outcome.source)
            (heapq.heappush if len(self._top) < self.most else heapq.heappushpop)(self._top, top)
        if self.report and outcome.status != "interrupted":
            entry = {"path": outcome.source, "output": outcome.target, "status": outcome.status,
                     "message": outcome.message, "words": outcome.words, "changed": outcome.changed,
                     "share": round(outcome.share, 4)}
            self.report.write(("\n" if self._first else ",\n") + json_text(entry))
            self._first = False

    def most_changed(self) -> list[tuple[float, int, str]]:
        """``(share of words changed, words changed, path)`` of the most-changed files, most first."""
        return sorted(self._top, reverse=True)

    def summary(self) -> dict:
        return {**self.counts, "stopped": self.stopped, "halted": self.halted,
                "words": self.words, "changed": self.changed,
                "share": round(self.changed / self.words, 4) if self.words else 0.0,
                "most_changed": [{"path": p, "share": round(s, 4), "changed": c} for s, c, p in self.most_changed()]}

    def discard(self) -> None:
        """Drop the half-written report and change log (a second Ctrl-C)."""
        for side in (self.report, self.log):
            if side is not None:
                side.discard()

    def close(self) -> None:
        """Put the change log in place, and finish the report and put it in place."""
        if self.log:
            self.log.commit()
        if self.report:
            self.report.write("\n], \"summary\": " + json_text(self.summary()) + "}\n")
            self.report.commit()

    def lines(self) -> list[str]:
        """The summary for people: counts, then the most-changed files."""
        c = self.counts
        share = f" ({self.changed / self.words:.1%})" if self.words else ""
        text = [f"{c['done']:,} files done, {c['failed']:,} failed, {c['skipped']:,} skipped"
                + (f", {c['interrupted']:,} interrupted" if c["interrupted"] else "")
                + f"; {self.words:,} words read, {self.changed:,} changed{share}"]
        if self.halted:
            text.append(f"stopped early: {self.halted}")
        if self._top:
            text.append("most changed (share of words):")
            text += [f"  {s:6.1%}  {c:>6,}  {shown(p)}" for s, c, p in self.most_changed()]
        return text

    @property
    def lost(self) -> list[str]:
        """The side files (report, change log) that could not be written, one line each."""
        return [f.error for f in (self.report, self.log) if f is not None and f.error]

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        """130 when interrupted (143 by SIGTERM), 1 when some file failed, the batch could not go on
        or a side file was lost (``lost``), else 0."""
        if self.stopped:
            return 143 if self.terminated else 130
        return 1 if self.counts["failed"] or self.halted or self.lost else 0
