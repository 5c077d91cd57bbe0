"""The worker pool: files restored in worker processes, a bounded number in flight.

Workers end with the main process: they ignore Ctrl-C (the main process asks them to
stop at their next paragraph), and on SIGTERM, or when the main process dies, they
delete what they had half written and exit.  A worker that dies (``kill -9``, out of
memory) breaks the pool: the pool is started again, the files that were in flight
are retried once, one by one, and a file in flight at a second death fails.  Nothing
a dead worker half wrote is left behind.

Workers are forked, so that they share the loaded model's pages, but only from a process that
runs a single thread: a child forked beside other threads inherits any lock they held at that
moment, held for ever (a lingering Dask event-loop thread hung a test batch this way).  Beside
other threads the workers are spawned, and each loads the model itself.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import multiprocessing.context
import os
import shutil
import signal
import stat
import threading
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event
from typing import Iterable, Iterator

from .inputs import Job
from .temps import remove_scratch_folder, scratch_folder, temp_prefix
from .worker import Outcome, Settings, Worker, deferring

__all__ = ["Batch", "worker_context"]

FILES_PER_TASK = 8       # files sent to a worker process at once, at most ...
BYTES_PER_TASK = 1 << 16  # ... and until they hold this much
TASKS_PER_WORKER = 3     # tasks in flight per worker process
RETRIES = 1              # times the files of a dead worker are tried again
ORPHAN_WAIT = 2.0        # seconds a worker waits for its dying batch process to be gone
DIED = "its worker process died (killed, or out of memory?)"

_worker: Worker | None = None
_parent: int | None = None
_scratch: str | None = None
ORPHANED = getattr(signal, "SIGUSR1", None)  # the kernel's word that the batch process is dying (None: no such word)


def worker_context() -> multiprocessing.context.BaseContext:
    """How to start worker processes from this process: by fork when it runs one thread, else by spawn.

    >>> worker_context().get_start_method() in ("fork", "spawn")
    True
    """
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _start_worker(settings: Settings, stop_event, parent: int) -> None:
    """Initializer of each worker process: end with the parent, leave Ctrl-C to it, load the model once."""
    global _worker, _parent, _scratch
    _parent, _scratch = parent, settings.scratch
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    if ORPHANED is not None:
        signal.signal(ORPHANED, _orphaned)
    _end_with(parent)
    _worker = Worker(settings, stop_event.is_set)


def _terminate(signum, frame) -> None:
    """SIGTERM in a worker: delete what it half wrote, and exit at once; if the batch process died
    (killed), also its scratch folder, which that process can no longer remove."""
    if deferring(signum):             # it is making a temporary file: it ends as soon as it has listed it
        return
    if _worker is not None:
        _worker.discard()
    if os.getppid() != _parent and _scratch:
        shutil.rmtree(_scratch, ignore_errors=True)
    os._exit(128 + signum)


def _orphaned(signum, frame) -> None:
    """The batch process is dying: end as on SIGTERM, once this process has passed to another parent.

    The kernel sends this signal while the batch process dies, before its last thread has gone, and
    until then ``os.getppid()`` still names it (measured: in 6 of 8 killed batches, and 4 of them
    left their scratch folder behind); so wait, a few milliseconds in practice.
    """
    deadline = time.monotonic() + ORPHAN_WAIT
    while os.getppid() == _parent and time.monotonic() < deadline:
        time.sleep(0.005)
    _terminate(signal.SIGTERM, frame)


def _end_with(parent: int) -> None:
    """Have this process end when ``parent`` dies: by the kernel's signal on Linux (at once), and by
    a watcher that looks every second, in case the kernel's signal never comes (it follows the thread
    that started this process, not the process) or the platform has none."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, ORPHANED, 0, 0, 0)                       # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
    if os.getppid() != parent:                                 # the parent died before we looked
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, daemon=True).start()


def _run_jobs(jobs: list[Job]) -> list[Outcome]:
    assert _worker is not None
    return [_worker.run(job) for job in jobs]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def sweep(job: Job, token: str) -> None:
    """Delete the temporary files that this run (``token``) left beside ``job``'s output."""
    if not job.target or not token:
        return
    folder = os.path.dirname(job.target) or "."
    prefix = temp_prefix(job.target, token)
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if name.startswith(prefix) and name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))


@dataclasses.dataclass
class _Task:
    """Files sent to a worker together; ``future`` is None until sent, ``tries`` counts deaths survived."""

    jobs: list[Job]
    future: Future | None = None
    tries: int = 0


class Batch:
    """Runs jobs in ``jobs`` worker processes (in this process for 1), a bounded number in flight.

    ``run`` yields each ``Outcome`` in input order (``ordered``) or as files finish; ``stop`` makes
    the workers give up at their next paragraph, deleting what they had half written.
    """

    def __init__(self, settings: Settings, jobs: int = 1):
        self.settings = settings
        self.jobs = max(1, jobs)
        self.stopped = False
        self._event: Event | None = None
        self._local: Worker | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._context: multiprocessing.context.BaseContext | None = None
        self._reading: str | None = None    # the file this process is restoring itself, if any

    def stop(self) -> None:
        self.stopped = True
        if self._event is not None:
            self._event.set()

    def run(self, jobs: Iterable[Job], ordered: bool = False) -> Iterator[Outcome]:
        scratch = scratch_folder()
        settings = dataclasses.replace(self.settings, scratch=scratch, token=f"restore-{os.path.basename(scratch)}")
        try:
            if self.jobs == 1:
                yield from self._run_here(jobs, settings)
            else:
                yield from self._run_pool(jobs, settings, ordered)
        finally:
            if self._local is not None:
                self._local.discard()
            remove_scratch_folder(scratch)

    def waiting_on_stream(self) -> bool:
        """Whether this process is restoring stdin, a pipe or a terminal, which may never send its next
        paragraph: a request to stop there cannot wait for it (``restore fix`` typed with no file, then Ctrl-C)."""
        if self._reading is None:
            return False
        if self._reading == "-":
            return True
        with contextlib.suppress(OSError):
            return not stat.S_ISREG(os.stat(self._reading).st_mode)
        return False

    def _here(self, settings: Settings) -> Worker:
        if self._local is None:
            self._local = Worker(settings, lambda: self.stopped)
        return self._local

    def _run_locally(self, job: Job, settings: Settings) -> Outcome:
        self._reading = job.source
        try:
            return self._here(settings).run(job)
        finally:
            self._reading = None

    def _run_here(self, jobs: Iterable[Job], settings: Settings) -> Iterator[Outcome]:
        for job in jobs:
            if self.stopped:
                return
            yield self._run_locally(job, settings)

    def _start(self, settings: Settings) -> ProcessPoolExecutor:
        assert self._context is not None
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=self._context, initializer=_start_worker,
                                         initargs=(settings, self._event, os.getpid()))
        return self._pool

    def _submit(self, settings: Settings, jobs: list[Job]) -> Future:
        assert self._pool is not None
        try:
            return self._pool.submit(_run_jobs, jobs)
        except BrokenProcessPool:           # a worker died since the last look: see to it when it comes up
            future: Future = Future()
            future.set_exception(BrokenProcessPool(DIED))
            return future

    def _run_pool(self, jobs: Iterable[Job], settings: Settings, ordered: bool) -> Iterator[Outcome]:
        from .model import load
        self._context = worker_context()
        self._event = self._context.Event()
        # fail early, here; forked workers inherit the model, and share its hash indexes (270 MB for
        # the default model) instead of each building its own
        load(settings.model).context.build_indexes()
        tasks: list[_Task] = []             # in input order
        group: list[Job] = []
        size = 0
        jobs = iter(jobs)
        ahead = list(itertools.islice(jobs, self.jobs))
        self.jobs = max(1, min(self.jobs, len(ahead)))      # no more workers than files (a fork starts them all)
        self._start(settings)
        try:
            for job in itertools.chain(ahead, jobs):
                if self.stopped:
                    break
                if job.source == "-" or job.status:         # stdin is read here; no work to send
                    if group:
                        tasks.append(_Task(group))
                        group = []
                    future: Future = Future()
                    future.set_result([self._run_locally(job, settings)])
                    tasks.append(_Task([job], future))
                else:
                    group.append(job)
                    size += _size(job.source)
                    if len(group) == FILES_PER_TASK or size >= BYTES_PER_TASK:
                        tasks.append(_Task(group))
                        group, size = [], 0
                self._feed(tasks, settings)
                while len(tasks) >= self.jobs * TASKS_PER_WORKER:
                    yield from self._next(tasks, settings, ordered)
            if group and not self.stopped:
                tasks.append(_Task(group))
            while tasks:
                yield from self._next(tasks, settings, ordered)
        finally:
            if tasks:                       # abandoned midway: let running files give up
                for task in tasks:
                    if task.future is not None:
                        task.future.cancel()
                self.stop()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            for task in tasks:
                for job in task.jobs:
                    sweep(job, settings.token)

    def _feed(self, tasks: list[_Task], settings: Settings) -> None:
        """Send the tasks not sent yet; but while files of a dead worker are retried, send them one at a
        time and nothing else, so that a file that kills its worker again takes no other file with it."""
        suspects = [t for t in tasks if t.tries]
        if suspects:
            if not any(t.future is not None and not t.future.done() for t in suspects):
                waiting = next((t for t in suspects if t.future is None), None)
                if waiting is not None:
                    waiting.future = self._submit(settings, waiting.jobs)
            return
        for task in tasks:
            if task.future is None:
                task.future = self._submit(settings, task.jobs)

    def _next(self, tasks: list[_Task], settings: Settings, ordered: bool) -> Iterator[Outcome]:
        """The outcomes of the next task to finish (in ``ordered`` runs, of the first one, once it has)."""
        self._feed(tasks, settings)
        flying = [t.future for t in tasks if t.future is not None]
        first = tasks[0].future
        wait([first] if ordered and first is not None else flying, return_when=FIRST_COMPLETED)
        if any(self._died(t) for t in tasks):
            self._restart(tasks, settings)
            return
        done = [t for t in tasks if t.future is not None and t.future.done()]
        if ordered:
            done = done[:1] if done and done[0] is tasks[0] else []
        for task in done:
            tasks.remove(task)
            assert task.future is not None
            try:
                yield from task.future.result()
            except CancelledError:
                continue
            except Exception as e:          # a bug: those files failed, the batch goes on
                for job in task.jobs:
                    yield Outcome(job.source, job.target, "failed", f"internal error ({type(e).__name__}: {e})")

    @staticmethod
    def _died(task: _Task) -> bool:
        """Whether ``task`` was lost with its pool (a worker died)."""
        future = task.future
        return future is not None and future.done() and (
            future.cancelled() or isinstance(future.exception(), BrokenProcessPool))

    def _restart(self, tasks: list[_Task], settings: Settings) -> None:
        """A worker died: start a new pool, and retry the files that were in flight one by one (a file
        in flight at its second death fails).  Tasks keep their place in ``tasks``."""
        assert self._pool is not None
        self._pool.shutdown(wait=True)      # every unfinished task of the broken pool fails with it
        self._start(settings)
        replaced: list[_Task] = []
        for task in tasks:
            if not self._died(task):
                replaced.append(task)
                continue
            for job in task.jobs:
                sweep(job, settings.token)
                if task.tries >= RETRIES or self.stopped:
                    outcome = Outcome(job.source, job.target, "interrupted" if self.stopped else "failed",
                                      "" if self.stopped else DIED)
                    future: Future = Future()
                    future.set_result([outcome])
                    replaced.append(_Task([job], future))
                else:
                    replaced.append(_Task([job], None, task.tries + 1))
        tasks[:] = replaced
