"""Batches on a Dask cluster: ``restore fix INPUTS --output-dir DIR --scheduler ADDRESS``.

The cluster does what the worker processes of ``--jobs`` do, with the same pieces: the
main process plans the jobs (``restore.inputs``: outputs, ``--resume``), each Dask task
repairs a few files with the ``restore.worker.Worker`` of its worker process (made once
per process, so the model is loaded once per process, from its path: no model is ever
sent), and the outcomes come back to ``restore.batch.run``, which prints, logs and
reports them as it always does.

Workers write the outputs themselves, so they must see the inputs and outputs at the same
paths (one machine, or a shared file system); only ``--changes`` lines travel back.  Each
output is written beside its final path and renamed into place, so a task that Dask runs
again (its worker died) replaces the same file with the same bytes, and then deletes what
the dead attempt left.  A group of files that keeps killing its workers is tried again
file by file; a file that kills its worker every time fails alone.

ADDRESS is ``tcp://HOST:PORT`` (or ``tls://``) of a running scheduler, or ``local:N`` for a
``LocalCluster`` of N worker processes started for this batch:

>>> check_address("local:2"), check_address("tcp://10.0.0.5:8786")
('local:2', 'tcp://10.0.0.5:8786')
>>> check_address("10.0.0.5")
Traceback (most recent call last):
restore.errors.UsageError: --scheduler 10.0.0.5: expected tcp://HOST:PORT, tls://HOST:PORT or local:N
"""
from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import re
import signal
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import RestoreError, UsageError
from .inputs import Job
from .pool import DIED, _size, sweep
from .report import json_text
from .temps import remove_scratch_folder, scratch_folder
from .worker import Outcome, Settings, Worker

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["DaskBatch", "check_address", "connect", "repair_files"]

LOCAL = re.compile(r"local:([0-9]+)")
REMOTE = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})/?")
FILES_PER_TASK = 32      # files sent to a worker in one task, at most ... (a task costs the scheduler a few
BYTES_PER_TASK = 1 << 18  # ... and until they hold this much                    milliseconds: more than the pool's)
TASKS_PER_THREAD = 4     # tasks in flight per worker thread: enough to hide the round trips
DRAIN = 30.0             # seconds a stopped batch waits for the tasks it sent (a few per worker thread, each
                         # a quarter of a megabyte: about a second), so that each file they write is reported;
                         # a second Ctrl-C stops at once


def check_address(address: str) -> str:
    """``address`` if it is one ``--scheduler`` takes; else a ``UsageError``."""
    local, remote = LOCAL.fullmatch(address), REMOTE.fullmatch(address)
    if local and int(local[1]) >= 1:
        return address
    if local:
        raise UsageError(f"--scheduler {address}: a local cluster needs at least one worker (local:1 or more)")
    if remote and 0 < int(remote[3]) < 65536:
        return address.rstrip("/")
    raise UsageError(f"--scheduler {address}: expected tcp://HOST:PORT, tls://HOST:PORT or local:N")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise RestoreError("--scheduler needs Dask: pip install 'restore[dask]'") from None
    return distributed


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


@contextlib.contextmanager
def _interrupts_left_to_us() -> Iterator[None]:
    """Start processes that ignore Ctrl-C: a terminal sends it to the whole process group, and a
    local cluster's workers then died with tracebacks while the batch, stopping, waited on them for
    good.  A Python started with SIGINT ignored keeps ignoring it, and the batch stops the cluster.
    (A Ctrl-C in the second or so the cluster takes to start is ignored too: blocking SIGINT instead,
    which would keep it for later, did not reach the workers, which Dask starts afresh.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client of the scheduler at ``address`` (``local:N``: of a new ``LocalCluster`` of N worker
    processes, one thread each, closed on leaving).  A scheduler that cannot be reached within
    Dask's connect timeout (``distributed.comm.timeouts.connect``) is a one-line ``RestoreError``."""
    import logging
    distributed = _distributed()
    address = check_address(address)
    local = LOCAL.fullmatch(address)
    if address.startswith("tls://") and distributed.security.Security().get_connection_args("client")["ssl_context"] is None:
        # else Dask fails in Client() with a TypeError, and the half-made client's __del__ prints a traceback
        raise UsageError(f"--scheduler {address}: tls:// needs Dask's TLS settings (distributed.comm.tls: ca-file, "
                         "and the client's cert and key)")
    with contextlib.ExitStack() as stack:
        try:
            if local:
                # its web pages on any free port (8787 may be another cluster's); its logs only when
                # critical: a worker logs a failed heartbeat or a dead peer's stream as an ERROR with a
                # traceback (seen under load when a worker was killed), and the batch reports every
                # file's outcome itself; its folders in one of ours, removed once it is closed (Dask's
                # own, dask-scratch-space, would stay in the machine's temporary folder)
                import dask.config
                home = scratch_folder("restore-dask-")
                stack.callback(remove_scratch_folder, home)
                stack.enter_context(dask.config.set({"temporary-directory": home}))
                with _interrupts_left_to_us():
                    cluster = stack.enter_context(distributed.LocalCluster(
                        n_workers=int(local[1]), threads_per_worker=1, processes=True, dashboard_address=":0",
                        silence_logs=logging.CRITICAL))
                client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
            else:
                client = stack.enter_context(distributed.Client(address, set_as_default=False))
        except (OSError, TimeoutError, RuntimeError) as e:       # RuntimeError: a nanny could not start its worker
            where = "start a local Dask cluster" if local else f"reach the Dask scheduler at {address}"
            raise RestoreError(f"cannot {where} ({_first_line(e)})") from None
        yield client


# -- in each worker process ---------------------------------------------------------------------

_here: tuple[Settings, Worker] | None = None
_scratch: str | None = None


def _worker(settings: Settings) -> Worker:
    """This process's ``Worker`` for ``settings``: made (and its model loaded) once per process."""
    global _here, _scratch
    if _here is None or _here[0] != settings:
        if _scratch is None:
            _scratch = _scratch_folder()
        _here = (settings, Worker(dataclasses.replace(settings, scratch=_scratch)))
    return _here[1]


def _scratch_folder() -> str:
    """A folder for this process's scratch files, inside its Dask worker's own folder, which Dask
    removes when the worker ends, however it ends (the nanny ends a worker without running its
    ``atexit`` hooks); outside a worker, a temporary folder removed at exit."""
    try:
        home = _distributed().get_worker().local_directory
    except ValueError:                      # not in a Dask worker
        folder = scratch_folder("restore-dask-")
        atexit.register(remove_scratch_folder, folder)
        return folder
    return tempfile.mkdtemp(prefix="restore-", dir=home)


def _take(path: str | None) -> str:
    """The text of the scratch file ``path`` (None: none), which is deleted."""
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    finally:
        os.unlink(path)


def repair_files(settings: Settings, jobs: list[Job]) -> list[tuple[Outcome, str]]:
    """A Dask task: repair ``jobs`` with this process's worker; each one's ``Outcome`` and its
    ``--changes`` lines.  Whatever an earlier attempt at a job left (its worker died) is deleted."""
    worker = _worker(settings)
    done = []
    for job in jobs:
        outcome = worker.run(job)
        changes = _take(outcome.changes)
        for name in (outcome.output, outcome.review):     # none: the batch writes no standard output
            _take(name)
        outcome.changes = outcome.output = outcome.review = None
        sweep(job, settings.token)
        done.append((outcome, changes))
    return done


# -- in the main process ------------------------------------------------------------------------

@dataclasses.dataclass
class _Task:
    jobs: list[Job]                     # as planned (the paths the report shows)
    alone: bool = False                 # split from a group whose workers kept dying


class DaskBatch:
    """Runs jobs on the Dask cluster at ``address``: ``restore.pool.Batch``'s interface (``run``,
    ``stop``, ``stopped``), so that ``restore.batch.run`` tallies, logs and reports as ever.

    ``run`` yields each ``Outcome`` as its task finishes; ``stop`` sends no more, and waits for those
    sent (``DRAIN``), so that every file written is reported and logged; what is still unfinished
    then is cancelled, its files ``interrupted``."""

    def __init__(self, settings: Settings, address: str):
        self.address = check_address(address)
        model = os.path.abspath(settings.model) if settings.model else None
        self.settings = dataclasses.replace(settings, model=model)
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    @staticmethod
    def waiting_on_stream() -> bool:
        """Never: the cluster's workers read files, not stdin (see ``Batch.waiting_on_stream``)."""
        return False

    def run(self, jobs: Iterable[Job], ordered: bool = False) -> Iterator[Outcome]:
        if ordered:
            raise UsageError("--scheduler writes to --output-dir or --in-place, not to standard output")
        scratch = scratch_folder()
        settings = dataclasses.replace(self.settings, scratch=None, token=f"restore-{os.path.basename(scratch)}")
        flying: dict[Future, _Task] = {}
        try:
            with connect(self.address) as client:
                try:
                    yield from self._run(client, jobs, settings, scratch, flying)
                finally:
                    if flying:
                        client.cancel(list(flying))
        finally:                            # the cluster is gone, or is dropping these tasks
            for task in flying.values():
                for job in task.jobs:
                    sweep(_absolute(job), settings.token)
            remove_scratch_folder(scratch)

    def _run(self, client: Client, jobs: Iterable[Job], settings: Settings, scratch: str,
             flying: dict[Future, _Task]) -> Iterator[Outcome]:
        distributed = _distributed()
        finished = distributed.as_completed(loop=client.loop)
        _wait_for_workers(client, self.address)
        limit = _limit(client)

        def send(task: _Task) -> None:
            future = client.submit(repair_files, settings, [_absolute(job) for job in task.jobs], pure=False)
            flying[future] = task
            finished.add(future)

        group: list[Job] = []
        size = 0
        for job in jobs:
            if self.stopped:
                break
            if job.status:                  # nothing to send: skipped or failed when planned
                yield Outcome(job.source, job.target, job.status, job.message)
                continue
            group.append(job)
            size += _size(job.source)
            if len(group) == FILES_PER_TASK or size >= BYTES_PER_TASK:
                send(_Task(group))
                group, size = [], 0
            while len(flying) >= limit() and not self.stopped:
                yield from self._collect(next(finished), flying, send, scratch)
        if group and not self.stopped:
            send(_Task(group))
        while flying and not self.stopped:
            yield from self._collect(next(finished), flying, send, scratch)
        unsent: list[_Task] = []            # a lost task's files, which a stopped batch does not send again
        if flying:                          # stopped: a task already sent may be writing its files now
            deadline = time.monotonic() + DRAIN
            for future in list(flying):
                with contextlib.suppress(Exception):          # its outcome, whatever it is, comes below
                    future.exception(timeout=max(0.0, deadline - time.monotonic()))
            for future in [f for f in flying if f.done()]:
                yield from self._collect(future, flying, unsent.append, scratch)
        for task in unsent + list(flying.values()):
            for job in task.jobs:
                yield Outcome(job.source, job.target, "interrupted")

    def _collect(self, future: Future, flying: dict[Future, _Task], send, scratch: str) -> Iterator[Outcome]:
        """The outcomes of a finished task; a task lost with its workers is sent again file by file."""
        distributed = _distributed()
        task = flying.pop(future)
        try:
            results = future.result()
        except distributed.KilledWorker:
            if not task.alone and len(task.jobs) > 1:
                for job in task.jobs:
                    send(_Task([job], alone=True))
                return
            results = [(Outcome(job.source, job.target, "failed", DIED), "") for job in task.jobs]
        except distributed.CancelledError:
            results = [(Outcome(job.source, job.target, "interrupted"), "") for job in task.jobs]
        except RestoreError:                # every file would fail alike (the workers cannot load the model)
            raise
        except Exception as e:              # a bug: those files failed, the batch goes on
            results = [(Outcome(job.source, job.target, "failed", f"internal error ({type(e).__name__}: {e})"), "")
                       for job in task.jobs]
        for job, (outcome, changes) in zip(task.jobs, results):
            outcome.source, outcome.target = job.source, job.target
            if changes:
                changes = _renamed(changes, os.path.abspath(job.source), job.source)
                with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=scratch, suffix=".tmp",
                                                 delete=False) as f:
                    f.write(changes)
                outcome.changes = f.name
            yield outcome


def _renamed(changes: str, sent: str, named: str) -> str:
    """``--changes`` lines written for the path ``sent`` to the worker, naming the file as the user did.

    >>> _renamed('{"file": "/in/a.txt", "line": 1}\\n', "/in/a.txt", "a.txt")
    '{"file": "a.txt", "line": 1}\\n'
    """
    if sent == named:
        return changes
    old, new = (f'{{"file": {json_text(path)}, ' for path in (sent, named))
    return "".join(new + line[len(old):] if line.startswith(old) else line for line in changes.splitlines(True))


def _absolute(job: Job) -> Job:
    """``job`` with absolute paths, for workers whose working folder is not this one's."""
    target = os.path.abspath(job.target) if job.target else None
    return dataclasses.replace(job, source=os.path.abspath(job.source), target=target)


def _wait_for_workers(client: Client, address: str) -> None:
    """Wait (as long as Dask waits to connect) for the cluster to have a worker."""
    import dask
    from dask.utils import parse_timedelta
    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        raise RestoreError(f"the Dask scheduler at {address} has no workers (none joined in {timeout:g} s)") from None


def _limit(client: Client):
    """How many tasks to keep in flight: ``TASKS_PER_THREAD`` per worker thread, looked up at most
    once a second (a cluster may grow or shrink)."""
    seen = [0.0, 1]

    def limit() -> int:
        if time.monotonic() - seen[0] > 1.0:
            seen[0], seen[1] = time.monotonic(), max(1, sum(client.nthreads().values()))
        return TASKS_PER_THREAD * int(seen[1])
    return limit
