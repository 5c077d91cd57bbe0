"""Repair whole archives: find the files, restore them in worker processes, write and report.

The work streams: files are found lazily, a bounded number are in flight, each
file is read, restored and written piece by piece, and every output is written
beside its final path and renamed into place only when complete.  Bad input
fails that file, never the batch.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "in").mkdir(), (root / "in" / "a.txt").write_text("Workers astatine the agency.")
>>> tally = run(plan([str(root / "in")], output_dir=str(root / "out")), Settings())
>>> (root / "out" / "a.txt").read_text(), tally.done                  # doctest: +SKIP
('Workers at the agency.', 1)
"""
from __future__ import annotations

import codecs
import contextlib
import dataclasses
import functools
import glob
import heapq
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable, Iterator

from . import formats
from .formats import BadInput, Fixer, Interrupted

BLOCK = 1 << 16          # bytes read at a time
FILES_PER_TASK = 8       # files sent to a worker process at once, at most ...
BYTES_PER_TASK = 1 << 16  # ... and until they hold this much
TASKS_PER_WORKER = 3     # tasks in flight per worker process
MOST_CHANGED = 10        # files listed in the summary


class UsageError(ValueError):
    """Options or paths that cannot work together (exit code 2)."""


class Skipped(Exception):
    """A file that is not repaired and is no failure (empty, binary)."""


@dataclass(frozen=True)
class Settings:
    """How every file is read, repaired and written; sent once to each worker process."""

    model: str | None = None            # model file (None: the default model)
    fix_mojibake: bool = True
    min_confidence: float = 0.0
    encoding: str = "utf-8"             # or "auto": guess each file's encoding
    format: str | None = None           # None: by extension
    fields: tuple = ("text",)           # JSON Lines fields to restore (dotted paths)
    review: str | None = None           # "unified" diff, or "marked" words (ANSI colours)
    changes: bool = False               # log every change
    backup: str | None = None           # with --in-place: keep the original as PATH+backup
    detect: bool = False                # score documents instead of restoring them
    threshold: float | None = None      # with detect: print a verdict
    scratch: str | None = None          # where workers leave files for the main process


@dataclass(frozen=True)
class Job:
    """One input file and where its output goes (None: standard output)."""

    source: str
    target: str | None = None
    status: str | None = None           # set when the job needs no work ("skipped", "failed")
    message: str = ""


@dataclass
class Outcome:
    """What became of one file; ``output``, ``review`` and ``changes`` name files in the scratch
    folder for the main process to pass on."""

    source: str
    target: str | None = None
    status: str = "done"                # done, failed, skipped or interrupted
    message: str = ""
    words: int = 0
    changed: int = 0
    output: str | None = None
    review: str | None = None
    changes: str | None = None

    @property
    def share(self) -> float:
        return self.changed / self.words if self.words else 0.0


# -- finding the files ---------------------------------------------------------------------------

def _is_glob(arg: str) -> bool:
    return any(c in arg for c in "*?[")


def _glob_root(pattern: str) -> str:
    """The folder a glob's matches are mirrored from: its leading parts without wildcards.

    >>> _glob_root("archive/2021/*.html"), _glob_root("*.txt")
    ('archive/2021', '.')
    """
    parts = PurePath(pattern).parts
    literal = parts[:next(i for i, p in enumerate(parts) if _is_glob(p))]
    return str(PurePath(*literal)) if literal else "."


def find_files(args: Iterable[str], ignore_suffix: str | None = None) -> Iterator[tuple[str, str | None, str]]:
    """``(path, its path under an output folder, problem)`` for every input named by ``args``:
    files as they are, directories searched recursively (hidden names skipped), globs expanded;
    ``-`` is stdin.  A glob that matches nothing, or a folder that cannot be listed, has a problem.

    >>> list(find_files(["-", "no/such/*.txt"]))
    [('-', '-', ''), ('no/such/*.txt', None, 'no file matches')]
    """
    for arg in args:
        if arg == "-" or (not os.path.isdir(arg) and (os.path.lexists(arg) or not _is_glob(arg))):
            yield arg, os.path.basename(arg), ""
        elif os.path.isdir(arg):
            yield from _walk(arg, arg, ignore_suffix)
        else:
            root, found = _glob_root(arg), False
            for path in glob.iglob(arg, recursive=True):
                if os.path.isdir(path) and "**" in arg:
                    continue
                for match in _walk(path, root, ignore_suffix) if os.path.isdir(path) else [
                        (path, os.path.relpath(path, root), "")]:
                    found = True
                    yield match
            if not found:
                yield arg, None, "no file matches"


def _walk(folder: str, root: str, ignore_suffix: str | None) -> Iterator[tuple[str, str | None, str]]:
    """Files below ``folder`` in name order, one directory listing in memory at a time."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        yield folder, None, f"cannot list ({e.strerror})"
        return
    for entry in entries:
        if entry.name.startswith(".") or (ignore_suffix and entry.name.endswith(ignore_suffix)):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, root, ignore_suffix)
        elif entry.is_file() or entry.is_symlink():
            yield entry.path, os.path.relpath(entry.path, root), ""


def plan(args: list[str], *, output_dir: str | None = None, in_place: bool = False,
         backup: str | None = None, resume: bool = False) -> Iterator[Job]:
    """A job for every input in ``args``: to standard output, to ``output_dir`` mirroring the
    input tree, or ``in_place``.  With ``resume``, outputs newer than their inputs are skipped.
    Checks the options eagerly (``UsageError``); finds the files lazily.
    """
    if output_dir and in_place:
        raise UsageError("give --output-dir or --in-place, not both")
    if backup and not in_place:
        raise UsageError("--backup works with --in-place")
    if resume and not (output_dir or in_place):
        raise UsageError("--resume needs --output-dir or --in-place")
    if resume and in_place and not backup:
        raise UsageError("--resume with --in-place needs --backup (a file is done when it is newer than its backup)")
    if (output_dir or in_place) and "-" in args:
        raise UsageError("stdin (-) can only be restored to stdout")
    if output_dir:
        out = os.path.realpath(output_dir)
        for arg in args:
            if os.path.isdir(arg) and _under(out, os.path.realpath(arg)):
                raise UsageError(f"the output folder {output_dir} is inside the input folder {arg}")
    return _jobs(args, output_dir, in_place, backup, resume)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _jobs(args, output_dir, in_place, backup, resume) -> Iterator[Job]:
    explicit = {os.path.realpath(a) for a in args if a != "-" and not _is_glob(a) and not os.path.isdir(a)}
    patterns = [os.path.abspath(a) for a in args if _is_glob(a) and not os.path.lexists(a)]
    started = time.time_ns()     # file times lag the clock by up to a tick: no false alarm, late ones missed
    for path, relative, problem in find_files(args, backup):
        if problem:
            yield Job(path, status="failed", message=problem)
        elif in_place:
            yield _done_in_place(Job(path, path), path + backup) if resume else Job(path, path)
        elif output_dir:
            target = os.path.join(output_dir, relative)
            if (explicit or patterns) and _is_input(os.path.realpath(target), explicit, patterns):
                yield Job(path, target, "failed", f"its output {target} is an input (--in-place overwrites inputs)")
            else:
                yield _check_target(Job(path, target), started, resume)
        else:
            yield Job(path)


def _check_target(job: Job, started: int, resume: bool) -> Job:
    """``job`` failed when another input of this run already wrote its output, skipped when
    resuming and its output is newer than its input."""
    written = _mtime(job.target)
    if written is None:
        return job
    if written >= started:
        return dataclasses.replace(job, status="failed", message=f"another input already wrote {job.target}")
    source = _mtime(job.source) if resume else None
    return _up_to_date(job) if source is not None and written >= source else job


def _done_in_place(job: Job, backup: str) -> Job:
    """``job`` skipped when its file was restored in place: the file is newer than its backup."""
    saved, source = _mtime(backup), _mtime(job.source)
    return _up_to_date(job) if None not in (saved, source) and source > saved else job


def _up_to_date(job: Job) -> Job:
    return dataclasses.replace(job, status="skipped", message="up to date")


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _is_input(path: str, explicit: set, patterns: list) -> bool:
    return path in explicit or any(_glob_matches(path, p) for p in patterns)


def _glob_matches(path: str, pattern: str) -> bool:
    """Whether the absolute ``path`` is one the absolute glob ``pattern`` can match."""
    if "**" not in pattern:
        return PurePath(path).match(pattern)
    return _under(path, os.path.abspath(_glob_root(pattern))) and PurePath(path).match(PurePath(pattern).name)


# -- reading and writing one file -------------------------------------------------------------------

class _Reader:
    """A file (``-`` is stdin) read in decoded blocks, with errors that say where."""

    def __init__(self, path: str, encoding: str):
        try:
            self.file = sys.stdin.buffer if path == "-" else open(path, "rb")
        except FileNotFoundError:
            raise BadInput("no such file") from None
        except IsADirectoryError:
            raise BadInput("is a directory") from None
        except OSError as e:
            raise BadInput(f"cannot read ({e.strerror})") from None
        self.mode = None if path == "-" else os.fstat(self.file.fileno()).st_mode & 0o7777
        self.first = self._read()
        if not self.first:
            raise Skipped("empty file")
        if encoding == "auto":
            encoding = _guess_encoding(self.first)
        self.encoding = codecs.lookup(encoding).name
        if b"\0" in self.first[:8192] and not self.encoding.startswith(("utf-16", "utf-32")):
            raise Skipped("binary file")

    def _read(self) -> bytes:
        try:
            return self.file.read(BLOCK)
        except OSError as e:
            raise BadInput(f"cannot read ({e.strerror})") from None

    def blocks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)()
        data, done = self.first, 0
        while True:
            buffered = len(decoder.getstate()[0])
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as e:
                raise BadInput(f"not {self.encoding} text (undecodable byte at offset {done - buffered + e.start}; "
                               f"--encoding may help)") from None
            done += len(data)
            if text:
                yield text
            if not data:
                return
            data = self._read()

    def close(self) -> None:
        if self.file is not sys.stdin.buffer:
            self.file.close()


def _guess_encoding(head: bytes) -> str:
    from charset_normalizer import from_bytes
    best = from_bytes(head).best()
    return best.encoding if best else "utf-8"


class _Spool:
    """A file written beside ``final`` (or in ``scratch``) that is renamed into place when complete,
    so no reader ever sees half of it."""

    def __init__(self, encoding: str, *, final: str | None = None, scratch: str | None = None):
        if final:
            folder = os.path.dirname(final) or "."
            os.makedirs(folder, exist_ok=True)
            fd, self.path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(final)}.", suffix=".tmp")
        else:
            fd, self.path = tempfile.mkstemp(dir=scratch, suffix=".tmp")
        self.final = final
        self.file = open(fd, "w", encoding=encoding, newline="")
        self.write = self.file.write

    def keep(self) -> str:
        self.file.close()
        return self.path

    def discard(self) -> None:
        self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def commit(self, mode: int | None, backup: str | None = None) -> None:
        self.file.close()
        if mode is not None:
            os.chmod(self.path, mode)
        if backup:
            saved = self.final + backup
            with contextlib.suppress(FileNotFoundError):
                os.unlink(saved)
            try:
                os.link(self.final, saved)
            except OSError:
                shutil.copy2(self.final, saved)
        os.replace(self.path, self.final)


class Worker:
    """Repairs (or scores) one file at a time with a model loaded once."""

    def __init__(self, settings: Settings, stop=None):
        from . import Restorer
        self.restorer = Restorer(load_model(settings.model), fix_mojibake=False,
                                 min_confidence=settings.min_confidence)
        self.settings = settings
        self.stop = stop

    def run(self, job: Job) -> Outcome:
        outcome = Outcome(job.source, job.target)
        if job.status:
            outcome.status, outcome.message = job.status, job.message
            return outcome
        if self.stop is not None and self.stop():
            outcome.status = "interrupted"
            return outcome
        fixer = Fixer(self.restorer, fix_mojibake=self.settings.fix_mojibake, stop=self.stop)
        spools: list[_Spool] = []
        reader = None
        try:
            reader = _Reader(job.source, self.settings.encoding)
            (self._detect if self.settings.detect else self._repair)(job, reader, fixer, outcome, spools)
        except Skipped as e:
            outcome.status, outcome.message = "skipped", str(e)
        except BadInput as e:
            outcome.status, outcome.message = "failed", str(e)
        except Interrupted:
            outcome.status = "interrupted"
        except UnicodeEncodeError:
            outcome.status, outcome.message = "failed", f"the restored text cannot be written as {reader.encoding}"
        except OSError as e:
            outcome.status, outcome.message = "failed", f"cannot write {job.target or 'the output'} ({e.strerror})"
        except BaseException:               # a second Ctrl-C: leave no temporary file behind
            for spool in spools:
                spool.discard()
            raise
        finally:
            if reader is not None:
                reader.close()
        if outcome.status == "done":
            outcome.words = fixer.words
        else:
            for spool in spools:
                spool.discard()
            outcome.changed, outcome.output, outcome.review, outcome.changes = 0, None, None, None
        return outcome

    def _spool(self, spools, encoding="utf-8", final=None) -> _Spool:
        spools.append(_Spool(encoding, final=final, scratch=self.settings.scratch))
        return spools[-1]

    def _repair(self, job, reader, fixer, outcome, spools) -> None:
        s = self.settings
        out = None
        if job.target or not s.review:
            out = self._spool(spools, reader.encoding, job.target)
        review = self._spool(spools) if s.review else None
        log = self._spool(spools) if s.changes else None
        show = (UnifiedDiff if s.review == "unified" else MarkedWords)(job.source, review.write) if review else None
        for piece in formats.repair(formats.format_of(job.source, s.format), reader.blocks(), fixer, s.fields):
            if out:
                out.write(piece.out)
            if show:
                show.feed(piece)
            for view in piece.views:
                outcome.changed += len(view.changes)
                if log:
                    for record in change_records(job.source, view):
                        log.write(json.dumps(record, ensure_ascii=False) + "\n")
        if show:
            show.close()
            outcome.review = review.keep()
        if log:
            outcome.changes = log.keep()
        if job.target:
            out.commit(reader.mode, s.backup if job.target == job.source else None)
        elif out:
            outcome.output = out.keep()

    def _detect(self, job, reader, fixer, outcome, spools) -> None:
        s = self.settings
        out = self._spool(spools)
        for line, text in formats.documents(formats.format_of(job.source, s.format), reader.blocks(), s.fields):
            score = fixer.score(text)
            verdict = "" if s.threshold is None else ("spun\t" if score >= s.threshold else "clean\t")
            out.write(f"{score:.3f}\t{verdict}{job.source}{'' if line is None else f':{line}'}\n")
        outcome.output = out.keep()


@functools.lru_cache(maxsize=2)
def load_model(path: str | None):
    """The model at ``path`` (None: the default one), loaded once per process."""
    from .model import Model
    return Model.default() if path is None else Model.load(path)


def change_records(path: str, view: formats.View) -> Iterator[dict]:
    """One JSON-ready record per change in ``view``: file, line, offset (characters), field for
    JSON Lines, then the garbled and restored words, the confidence and the alternatives."""
    for line, offset, change in view.located():
        record = {"file": path, "line": line}
        if view.field is not None:
            record["field"] = view.field
        record["offset"] = offset
        details = change.as_dict()
        del details["start"], details["end"]
        record.update(details)
        yield record


# -- review ----------------------------------------------------------------------------------------

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


# -- running many files --------------------------------------------------------------------------

_worker: Worker | None = None


def _start_worker(settings: Settings, stop_event) -> None:
    """Initializer of each worker process: load the model once; leave Ctrl-C to the main process."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = Worker(settings, stop_event.is_set)


def _run_jobs(jobs: list[Job]) -> list[Outcome]:
    return [_worker.run(job) for job in jobs]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


class Batch:
    """Runs jobs in ``jobs`` worker processes (in this process for 1), a bounded number in flight.

    ``run`` yields each ``Outcome`` in input order (``ordered``) or as files finish; ``stop`` makes
    the workers give up at their next paragraph, deleting what they had half written.
    """

    def __init__(self, settings: Settings, jobs: int = 1):
        self.settings = settings
        self.jobs = max(1, jobs)
        self.stopped = False
        self._event = None
        self._local: Worker | None = None

    def stop(self) -> None:
        self.stopped = True
        if self._event is not None:
            self._event.set()

    def run(self, jobs: Iterable[Job], ordered: bool = False) -> Iterator[Outcome]:
        scratch = tempfile.mkdtemp(prefix="restore-")
        settings = dataclasses.replace(self.settings, scratch=scratch)
        try:
            if self.jobs == 1:
                yield from self._run_here(jobs, settings)
            else:
                yield from self._run_pool(jobs, settings, ordered)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _here(self, settings: Settings) -> Worker:
        if self._local is None:
            self._local = Worker(settings, lambda: self.stopped)
        return self._local

    def _run_here(self, jobs, settings) -> Iterator[Outcome]:
        for job in jobs:
            if self.stopped:
                return
            yield self._here(settings).run(job)

    def _run_pool(self, jobs, settings, ordered) -> Iterator[Outcome]:
        import multiprocessing
        self._event = multiprocessing.Event()
        load_model(settings.model)          # fail early, here; forked workers inherit it
        pending: dict = {}                  # future -> its jobs, in input order
        group: list[Job] = []
        size = 0
        with ProcessPoolExecutor(self.jobs, initializer=_start_worker, initargs=(settings, self._event)) as pool:
            def send(jobs):
                pending[pool.submit(_run_jobs, jobs)] = jobs
            try:
                for job in jobs:
                    if self.stopped:
                        break
                    if job.source == "-" or job.status:         # stdin is read here; no work to send
                        if group:
                            send(group)
                            group = []
                        future = Future()
                        future.set_result([self._here(settings).run(job)])
                        pending[future] = [job]
                    else:
                        group.append(job)
                        size += _size(job.source)
                        if len(group) == FILES_PER_TASK or size >= BYTES_PER_TASK:
                            send(group)
                            group, size = [], 0
                    while len(pending) >= self.jobs * TASKS_PER_WORKER:
                        yield from self._next(pending, ordered)
                if group and not self.stopped:
                    send(group)
                while pending:
                    yield from self._next(pending, ordered)
            finally:
                if pending:                 # abandoned midway: let running files give up
                    for future in pending:
                        future.cancel()
                    self.stop()

    @staticmethod
    def _next(pending: dict, ordered: bool) -> Iterator[Outcome]:
        done = [next(iter(pending))] if ordered else wait(pending, return_when=FIRST_COMPLETED)[0]
        for future in done:
            jobs = pending.pop(future)
            try:
                yield from future.result()
            except CancelledError:
                continue
            except Exception as e:          # a bug or a dead worker: those files failed, the batch goes on
                for job in jobs:
                    yield Outcome(job.source, job.target, "failed", f"internal error ({type(e).__name__}: {e})")


# -- the tally and the report -------------------------------------------------------------------------

class Tally:
    """Counts what a batch did, keeps the most-changed files, and streams the JSON report."""

    def __init__(self, report: str | None = None, most: int = MOST_CHANGED):
        self.counts = {"done": 0, "failed": 0, "skipped": 0, "interrupted": 0}
        self.stopped = False            # the batch was interrupted
        self.words = self.changed = 0
        self.most = most
        self._top: list = []            # heap of (share, changed, path)
        self.report = _Spool("utf-8", final=report) if report else None
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
            entry = (outcome.share, outcome.changed, outcome.source)
            (heapq.heappush if len(self._top) < self.most else heapq.heappushpop)(self._top, entry)
        if self.report and outcome.status != "interrupted":
            entry = {"path": outcome.source, "output": outcome.target, "status": outcome.status,
                     "message": outcome.message, "words": outcome.words, "changed": outcome.changed,
                     "share": round(outcome.share, 4)}
            self.report.write(("\n" if self._first else ",\n") + json.dumps(entry, ensure_ascii=False))
            self._first = False

    def most_changed(self) -> list[tuple[float, int, str]]:
        """``(share of words changed, words changed, path)`` of the most-changed files, most first."""
        return sorted(self._top, reverse=True)

    def summary(self) -> dict:
        return {**self.counts, "stopped": self.stopped, "words": self.words, "changed": self.changed,
                "share": round(self.changed / self.words, 4) if self.words else 0.0,
                "most_changed": [{"path": p, "share": round(s, 4), "changed": c} for s, c, p in self.most_changed()]}

    def close(self) -> None:
        """Finish the report and put it in place."""
        if self.report:
            self.report.write("\n], \"summary\": " + json.dumps(self.summary(), ensure_ascii=False) + "}\n")
            self.report.commit(None)
            self.report = None

    def lines(self) -> list[str]:
        """The summary for people: counts, then the most-changed files."""
        c = self.counts
        share = f" ({self.changed / self.words:.1%})" if self.words else ""
        text = [f"{c['done']:,} files done, {c['failed']:,} failed, {c['skipped']:,} skipped"
                + (f", {c['interrupted']:,} interrupted" if c["interrupted"] else "")
                + f"; {self.words:,} words read, {self.changed:,} changed{share}"]
        if self._top:
            text.append("most changed (share of words):")
            text += [f"  {s:6.1%}  {c:>6,}  {p}" for s, c, p in self.most_changed()]
        return text

    @property
    def files(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        """130 when interrupted, 1 when some file failed, else 0."""
        return 130 if self.stopped else (1 if self.counts["failed"] else 0)


# -- the commands ------------------------------------------------------------------------------------

@contextlib.contextmanager
def _stop_on_ctrl_c(batch: Batch):
    """The first Ctrl-C stops the batch cleanly; a second one interrupts at once."""
    def handler(signum, frame):
        if batch.stopped:
            raise KeyboardInterrupt
        batch.stop()
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:                  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress(enabled: bool):
    from tqdm import tqdm
    tqdm.monitor_interval = 0           # no monitor thread: worker processes are forked
    return tqdm(disable=not enabled, unit=" files", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def run(jobs: Iterable[Job], settings: Settings, *, workers: int = 1, ordered: bool = False,
        stdout=None, changes: str | None = None, report: str | None = None, progress: bool = False) -> Tally:
    """Run ``jobs`` in ``workers`` processes, passing restored text, reviews and scores on to
    ``stdout`` (binary; default sys.stdout), logging changes to the file ``changes`` (JSON Lines),
    and saying each problem in one line on stderr; return the tally (and write it to ``report``)."""
    batch, tally = Batch(settings, workers), Tally(report)
    log = _Spool("utf-8", final=changes) if changes else None
    bar = _progress(progress)
    started = time.monotonic()
    try:
        with _stop_on_ctrl_c(batch):
            for outcome in batch.run(jobs, ordered):
                _pass_on(outcome, stdout, log)
                if outcome.status in ("failed", "skipped") and outcome.message != "up to date":
                    kind = "error" if outcome.status == "failed" else "skipped"
                    bar.write(f"restore: {kind}: {outcome.source}: {outcome.message}", file=sys.stderr)
                tally.add(outcome)
                bar.update()
                if progress:
                    rate = tally.words / max(time.monotonic() - started, 1e-9)
                    bar.set_postfix_str(f"{rate:,.0f} words/s", refresh=False)
        (stdout or sys.stdout).flush()
    except BaseException:                   # a second Ctrl-C, a closed pipe: keep no half-written log
        for spool in (log, tally.report):
            if spool:
                spool.discard()
        raise
    finally:
        bar.close()
    if log:
        log.commit(None)
    tally.stopped = batch.stopped
    tally.close()
    return tally


def _pass_on(outcome: Outcome, stdout, log: _Spool | None) -> None:
    """Copy what a worker left in the scratch folder to stdout (None: sys.stdout) and the changes log."""
    for name in (outcome.output, outcome.review):
        if name:
            with open(name, "rb") as f:
                shutil.copyfileobj(f, stdout or sys.stdout.buffer)
            os.unlink(name)
    if outcome.changes:
        with open(outcome.changes, encoding="utf-8") as f:
            shutil.copyfileobj(f, log.file)
        os.unlink(outcome.changes)
