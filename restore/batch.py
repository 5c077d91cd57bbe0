"""Repair whole archives: find the files, restore them in worker processes, write and report.

The work streams: files are found lazily (``restore.inputs``), a bounded number are in
flight (``restore.pool``), each file is read, restored and written piece by piece
(``restore.worker``, ``restore.files``), and every output is written beside its final
path and renamed into place only when complete.  Bad input fails that file, never the
batch; the summary and the report (``restore.report``) are written however the batch ends.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "in").mkdir(), (root / "in" / "a.txt").write_text("Workers astatine the agency.")
>>> tally = run(plan([str(root / "in")], output_dir=str(root / "out")), Settings())
>>> (root / "out" / "a.txt").read_text(), tally.done
('Workers at the agency.', 1)
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from typing import IO, TYPE_CHECKING, Iterable, Iterator

from .diff import MarkedWords, UnifiedDiff, change_records
from .errors import Terminated, UsageError, one_line, shown
from .inputs import Job, find_files, plan
from .pool import Batch
from .report import SideFile, Tally
from .worker import Outcome, Settings, Worker

if TYPE_CHECKING:
    from .cluster import DaskBatch

__all__ = ["run", "plan", "find_files", "Job", "Settings", "Outcome", "Worker", "Batch", "Tally", "UsageError",
           "UnifiedDiff", "MarkedWords", "change_records"]


@contextlib.contextmanager
def _stop_on_signals(batch: Batch | DaskBatch, tally: Tally) -> Iterator[None]:
    """The first Ctrl-C or SIGTERM stops the batch cleanly; a second one interrupts at once, as does
    the first while this process waits on stdin or a pipe (it has nothing half done then)."""
    def handler(signum, frame):
        if batch.stopped or batch.waiting_on_stream():
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        tally.terminated = signum == signal.SIGTERM
        batch.stop()
    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:                  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _progress(enabled: bool):
    """A tqdm progress bar of files on stderr; without one, a stand-in that only passes messages on
    (importing tqdm is a twentieth of a one-line run's start-up)."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm
    tqdm.monitor_interval = 0           # no monitor thread: worker processes are forked
    return tqdm(unit=" files", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


class _NoBar:
    """What ``run`` asks of a progress bar, when none is shown."""

    @staticmethod
    def write(message: str, file: IO[str] | None = None) -> None:
        print(message, file=file or sys.stderr)

    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


def run(jobs: Iterable[Job], settings: Settings, *, workers: int = 1, ordered: bool = False,
        stdout: IO[bytes] | None = None, changes: str | None = None, report: str | None = None,
        progress: bool = False, scheduler: str | None = None, resume: bool = False) -> Tally:
    """Run ``jobs`` in ``workers`` processes, or on the Dask cluster at ``scheduler``
    (``restore.cluster``), passing restored text, reviews and scores on to ``stdout`` (binary;
    default sys.stdout), logging changes to the file ``changes`` (JSON Lines; ``resume``: after the
    records of the runs before, whose files this one skips), and saying each
    problem in one line on stderr; return the tally (and write it to ``report``).

    A full disk stops the batch (``Tally.halted``); the report is written all the same."""
    batch: Batch | DaskBatch
    if scheduler:
        from .cluster import DaskBatch
        batch = DaskBatch(settings, scheduler)
    else:
        batch = Batch(settings, workers)
    log = SideFile(changes, extend=resume) if changes else None
    tally = Tally(report, log=log)
    bar = _progress(progress)
    started = time.monotonic()
    try:
        with _stop_on_signals(batch, tally):
            for outcome in batch.run(jobs, ordered):
                _pass_on(outcome, stdout, log)
                if (outcome.status in ("failed", "skipped") and outcome.message != "up to date"
                        and not (outcome.fatal and tally.halted)):      # a full disk is said once
                    kind = "error" if outcome.status == "failed" else "skipped"
                    bar.write(f"restore: {kind}: {shown(outcome.source)}: {one_line(outcome.message)}", file=sys.stderr)
                if outcome.fatal and not tally.halted:
                    tally.halted = "the disk is full"
                    batch.stop()
                tally.add(outcome)
                bar.update()
                if progress:
                    rate = tally.words / max(time.monotonic() - started, 1e-9)
                    bar.set_postfix_str(f"{rate:,.0f} words/s", refresh=False)
        (stdout or sys.stdout).flush()
    except BaseException:                   # a second Ctrl-C, a closed pipe: keep no half-written log
        tally.discard()
        raise
    finally:
        bar.close()
    tally.stopped = batch.stopped and not tally.halted
    tally.close()
    return tally


def _pass_on(outcome: Outcome, stdout: IO[bytes] | None, log: SideFile | None) -> None:
    """Copy what a worker left in the scratch folder to stdout (None: sys.stdout) and the changes log."""
    for name in (outcome.output, outcome.review):
        if name:
            with open(name, "rb") as f:
                shutil.copyfileobj(f, stdout or sys.stdout.buffer)
            os.unlink(name)
    if outcome.changes:
        if log is not None:
            with open(outcome.changes, encoding="utf-8") as f:
                shutil.copyfileobj(f, log)     # a full disk drops the log, and names it (SideFile)
        os.unlink(outcome.changes)
