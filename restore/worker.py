"""Repairing one file of a batch: read it, restore it piece by piece, write it atomically.

A ``Worker`` holds one loaded model and turns a ``Job`` into an ``Outcome``.  Bad input
fails that file, never the batch; whatever it had half written is deleted.  It runs in
the main process (``--jobs 1``) or in each worker process of ``restore.pool``.
"""
from __future__ import annotations

import codecs
import contextlib
import dataclasses
import os
import signal
import string
from dataclasses import dataclass
from typing import Callable

from . import formats
from .diff import MarkedWords, UnifiedDiff, change_records
from .errors import BadInput, shown
from .files import DISK_FULL, NotText, Reader, Skipped, Spool
from .fixer import Fixer, Interrupted
from .inputs import Job
from .report import json_text
from .tokenize import WORD

__all__ = ["Settings", "Outcome", "Worker"]

@dataclass(frozen=True)
class Settings:
    """How every file is read, repaired and written; sent once to each worker process."""

    model: str | None = None            # model file (None: the default model)
    fix_mojibake: bool = True
    min_confidence: float = 0.0
    min_odds: float = 1.0
    encoding: str = "utf-8"             # or "auto": guess each file's encoding
    format: str | None = None           # None: by extension
    fields: tuple = ("text",)           # JSON Lines fields to restore (dotted paths)
    review: str | None = None           # "unified" diff, or "marked" words (ANSI colours)
    changes: bool = False               # log every change
    backup: str | None = None           # with --in-place: keep the original as PATH+backup
    detect: bool = False                # score documents instead of restoring them
    threshold: float | None = None      # with detect: print a verdict
    scratch: str | None = None          # where workers leave files for the main process
    token: str = ""                     # marks this run's temporary files beside the outputs


@dataclass
class Outcome:
    """What became of one file; ``output``, ``review`` and ``changes`` name files in the scratch
    folder for the main process to pass on.  ``fatal``: the batch cannot go on (a full disk)."""

    source: str
    target: str | None = None
    status: str = "done"                # done, failed, skipped or interrupted
    message: str = ""
    words: int = 0
    changed: int = 0
    output: str | None = None
    review: str | None = None
    changes: str | None = None
    fatal: bool = False

    @property
    def share(self) -> float:
        return self.changed / self.words if self.words else 0.0


def _diff_encoding(encoding: str) -> str:
    """The encoding of a file's unified diff: the file's own, as ``diff`` compares bytes and ``patch``
    applies them, where it writes ASCII as ASCII (not UTF-16, UTF-32, UTF-7 or EBCDIC, whose diff
    ``patch`` cannot read); else UTF-8.

    >>> _diff_encoding("latin-1"), _diff_encoding("utf-16-le"), _diff_encoding("utf-7"), _diff_encoding("cp037")
    ('latin-1', 'utf-8', 'utf-8', 'utf-8')
    """
    ascii_text = string.printable
    try:
        same = ascii_text.encode(encoding) == ascii_text.encode("ascii")
    except UnicodeError:
        same = False
    return encoding if same else "utf-8"


def _diff_name(path: str, encoding: str) -> str:
    """``path`` as a unified diff in ``encoding`` names it in its header: its bytes as they are on
    disk, read in that encoding (with ``surrogateescape``, as the diff is written), so that ``patch
    -p0`` finds the file; a name with a control character (a line break) is quoted as errors quote
    it, so that it keeps to its line.

    >>> _diff_name("café.txt", "latin-1").encode("latin-1", "surrogateescape") == "café.txt".encode()
    True
    >>> print(_diff_name("a\\nb.txt", "utf-8"))
    'a\\nb.txt'
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return shown(path)
    return os.fsencode(path).decode(encoding, "surrogateescape")


class Worker:
    """Repairs (or scores) one file at a time with a model loaded once.

    ``spools`` are the temporary files of the file in hand, for a signal handler to delete.
    """

    def __init__(self, settings: Settings, stop: Callable[[], bool] | None = None):
        from .decode import Restorer
        from .model import load
        self.restorer = Restorer(load(settings.model), fix_mojibake=False, min_confidence=settings.min_confidence,
                                 min_odds=settings.min_odds)
        self.settings = settings
        self.stop = stop
        self.spools: list[Spool] = []

    def discard(self) -> None:
        """Delete the temporary files of the file in hand."""
        for spool in self.spools:
            spool.discard()
        self.spools = []

    def run(self, job: Job) -> Outcome:
        outcome = Outcome(job.source, job.target)
        if job.status:
            outcome.status, outcome.message = job.status, job.message
            return outcome
        if self.stop is not None and self.stop():
            outcome.status = "interrupted"
            return outcome
        fixer = Fixer(self.restorer, fix_mojibake=self.settings.fix_mojibake, stop=self.stop)
        self.spools = []
        reader = None
        try:
            if formats.format_of(job.source, self.settings.format) == "parquet":
                self._parquet(job, fixer, outcome)
            else:
                reader = Reader(job.source, self.settings.encoding)
                reader.skip_if_no_text()
                fixer.encoding = reader.encoding           # a repair the file's encoding cannot write is not made
                (self._detect if self.settings.detect else self._repair)(job, reader, fixer, outcome)
        except Skipped as e:
            outcome.status = "failed" if job.named and isinstance(e, NotText) else "skipped"
            outcome.message = str(e)
        except BadInput as e:
            outcome.status, outcome.message = "failed", str(e)
        except Interrupted:
            outcome.status = "interrupted"
        except UnicodeEncodeError:
            encoding = reader.encoding if reader else self.settings.encoding
            outcome.status, outcome.message = "failed", f"the restored text cannot be written as {encoding}"
        except OSError as e:
            outcome.status, outcome.message = "failed", f"cannot write {shown(job.target or 'the output')} ({e.strerror})"
            outcome.fatal = e.errno in DISK_FULL
        except Exception as e:              # a bug: this file fails in one line, and the batch goes on
            outcome.status, outcome.message = "failed", f"internal error ({type(e).__name__}: {e}); please report it"
        except BaseException:               # a second Ctrl-C: leave no temporary file behind
            self.discard()
            raise
        finally:
            if reader is not None:
                reader.close()
        if outcome.status == "done":
            outcome.words = fixer.words
        else:
            self.discard()
            outcome.changed, outcome.output, outcome.review, outcome.changes = 0, None, None, None
        self.spools = []
        return outcome

    def _spool(self, encoding: str | None = "utf-8", final: str | None = None, bom: bytes = b"",
               errors: str = "strict") -> Spool:
        with _terms_held():             # a SIGTERM waits until discard() knows the new file
            self.spools.append(Spool(encoding, final=final, scratch=self.settings.scratch, bom=bom,
                                     token=self.settings.token, errors=errors))
        return self.spools[-1]

    def _repair(self, job: Job, reader: Reader, fixer: Fixer, outcome: Outcome) -> None:
        s = self.settings
        out = None
        if job.target or not s.review:
            out = self._spool(reader.encoding, job.target, reader.bom)
        review = log = None
        if s.review == "unified":
            encoding = _diff_encoding(reader.encoding)
            review = self._spool(encoding, errors="surrogateescape")
            show: UnifiedDiff | MarkedWords | None = UnifiedDiff(_diff_name(job.source, encoding), review.write)
        elif s.review:
            review = self._spool()
            show = MarkedWords(shown(job.source), review.write)
        else:
            show = None
        if s.changes:
            log = self._spool()
        # a diff's first lines keep a UTF-8 file's byte order mark, so that patch finds them in the file
        mark = "\ufeff" if s.review == "unified" and reader.bom == codecs.BOM_UTF8 else ""
        for piece in formats.repair(formats.format_of(job.source, s.format), reader.blocks(), fixer, s.fields):
            if out:
                out.write(piece.out)
            if show:
                show.feed(dataclasses.replace(piece, raw=mark + piece.raw, out=mark + piece.out) if mark else piece)
                mark = ""
            for view in piece.views:
                outcome.changed += len(view.changes)
                if log:
                    for record in change_records(job.source, view):
                        log.write(json_text(record) + "\n")
        if show and review:
            show.close()
            outcome.review = review.keep()
        if log:
            outcome.changes = log.keep()
        self._finish(job, out, reader.mode, reader.owner, outcome)

    def _finish(self, job: Job, out: Spool | None, mode: int | None, owner: tuple[int, int] | None,
                outcome: Outcome) -> None:
        """Put the output in place (in place: with the input's mode and owner), or leave it for stdout."""
        if job.target and out:
            if job.target == job.source:        # in place: the same mode and owner, setuid and all
                out.commit(mode, owner=owner, backup=self.settings.backup)
            else:
                out.commit(None if mode is None else mode & 0o777)
        elif out:
            outcome.output = out.keep()

    def _parquet(self, job: Job, fixer: Fixer, outcome: Outcome) -> None:
        """Restore (or score) a Parquet file's text columns, row group by row group (``restore.parquet``)."""
        from . import parquet
        s = self.settings
        if s.review and not s.detect:
            raise BadInput("--diff shows text files only, not Parquet (--changes logs a Parquet file's changes)")
        with parquet.ParquetSource(job.source, s.fields) as source:
            if s.detect:
                out = self._spool()
                for row, text in parquet.documents(source):
                    out.write(self._scored(fixer, text, f"{shown(job.source)}:{row}"))
                outcome.output = out.keep()
                return
            out = self._spool(None, job.target)
            log = self._spool() if s.changes else None

            def tables():
                for table, views in parquet.repair(source, fixer):
                    for view in views:
                        outcome.changed += len(view.changes)
                        if log:
                            for record in parquet.change_records(job.source, view):
                                log.write(json_text(record) + "\n")
                    yield table
            parquet.write(source, tables(), out.file)
        if log:
            outcome.changes = log.keep()
        self._finish(job, out, source.mode, source.owner, outcome)

    def _detect(self, job: Job, reader: Reader, fixer: Fixer, outcome: Outcome) -> None:
        s = self.settings
        out = self._spool()
        for line, text in formats.documents(formats.format_of(job.source, s.format), reader.blocks(), s.fields):
            if line is None and not WORD.search(text):        # a JSON line without words is passed over
                raise Skipped("no words")
            out.write(self._scored(fixer, text, shown(job.source) + ("" if line is None else f":{line}")))
        outcome.output = out.keep()

    def _scored(self, fixer: Fixer, text: str, where: str) -> str:
        """``score<TAB>[verdict<TAB>]where``, a line of ``restore detect``."""
        score, threshold = fixer.score(text), self.settings.threshold
        verdict = "" if threshold is None else ("spun\t" if score >= threshold else "clean\t")
        return f"{score:.3f}\t{verdict}{where}\n"


_holding = False                 # a temporary file is being made and listed: SIGTERM must wait
_deferred: int | None = None     # the signal that came meanwhile


@contextlib.contextmanager
def _terms_held():
    """Defer a SIGTERM's handler until the block ends: a worker ended between creating a temporary
    file and listing it would leave the file behind.  (Blocking the signal is not enough: Python
    runs a handler between any two bytecodes after the signal came, even inside ``mkstemp``.)

    >>> with _terms_held():
    ...     pass
    >>> deferring(15)               # no temporary file in the making: the handler goes on
    False
    """
    global _holding, _deferred
    _holding = True
    try:
        yield
    finally:
        _holding = False
        if _deferred is not None:
            signum, _deferred = _deferred, None
            signal.raise_signal(signum)


def deferring(signum: int) -> bool:
    """Whether a handler of ``signum`` must leave its work for later (the signal comes again then)."""
    global _deferred
    if _holding:
        _deferred = signum
    return _holding

