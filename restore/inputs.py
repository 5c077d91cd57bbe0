"""Finding the inputs of a batch, planning where each one's output goes, and reading a corpus of them.

Files are found lazily: directories are searched recursively (hidden names
skipped, symbolic links to folders noted and not followed, so a tree with a
link loop is searched once), globs expanded.  The options are checked eagerly,
so that a run that cannot work stops before it starts (``UsageError``).

>>> list(find_files(["-", "no/such/*.txt"]))
[Found(path='-', relative='-', problem='', skipped=False), Found(path='no/such/*.txt', relative=None, problem='no file matches', skipped=False)]
"""
from __future__ import annotations

import dataclasses
import glob
import os
import stat
import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable, Iterable, Iterator, NamedTuple

from .errors import UsageError, shown
from .formats import EXTENSIONS

__all__ = ["Job", "Found", "find_files", "plan", "check_log_path", "spare_logs", "refuse_overwriting",
           "read_corpus"]


@dataclass(frozen=True)
class Job:
    """One input file and where its output goes (None: standard output)."""

    source: str
    target: str | None = None
    status: str | None = None           # set when the job needs no work ("skipped", "failed")
    message: str = ""
    named: bool = False                 # the user named this file (or it is stdin): not text is a failure


class Found(NamedTuple):
    """An input: its path, its path under an output folder, and what is wrong with it, if anything."""

    path: str
    relative: str | None
    problem: str = ""
    skipped: bool = False               # the problem is no failure


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


def find_files(args: Iterable[str], ignore_suffix: str | None = None) -> Iterator[Found]:
    """Every input named by ``args``: files as they are, directories searched recursively (hidden
    names skipped), globs expanded; ``-`` is stdin.  A glob that matches nothing, or a folder that
    cannot be listed, has a problem."""
    for arg in args:
        if arg == "-" or (not os.path.isdir(arg) and (os.path.lexists(arg) or not _is_glob(arg))):
            yield Found(arg, os.path.basename(arg))
        elif os.path.isdir(arg):
            yield from _walk(arg, arg, ignore_suffix)
        else:
            root, found = _glob_root(arg), False
            for path in glob.iglob(arg, recursive=True):
                if os.path.isdir(path) and "**" in arg:
                    continue
                for match in _walk(path, root, ignore_suffix) if os.path.isdir(path) else [
                        Found(path, os.path.relpath(path, root))]:
                    found = True
                    yield match
            if not found:
                yield Found(arg, None, "no file matches")


def _walk(folder: str, root: str, ignore_suffix: str | None) -> Iterator[Found]:
    """Files below ``folder`` in name order, one directory listing in memory at a time.

    Symbolic links to files are inputs; links to folders are noted and not followed (so no
    loop), and a link that leads nowhere, or in a circle, is a failed input."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        yield Found(folder, None, f"cannot list ({e.strerror})")
        return
    for entry in entries:
        if entry.name.startswith(".") or (ignore_suffix and entry.name.endswith(ignore_suffix)):
            continue
        relative = os.path.relpath(entry.path, root)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path, root, ignore_suffix)
            elif entry.is_symlink():
                try:
                    to_folder = entry.is_dir()
                except OSError as e:
                    yield Found(entry.path, relative, f"cannot read ({e.strerror})")
                    continue
                if to_folder:
                    yield Found(entry.path, relative, "symbolic link to a folder: not followed", skipped=True)
                else:
                    yield Found(entry.path, relative)
            elif entry.is_file(follow_symlinks=False):
                yield Found(entry.path, relative)
            else:                   # a pipe, socket or device: reading one from a folder could block
                yield Found(entry.path, relative, "not a regular file", skipped=True)
        except OSError as e:
            yield Found(entry.path, relative, f"cannot read ({e.strerror})")


def _check_output_dir(output_dir: str) -> None:
    """A ``UsageError`` if ``output_dir``, or the nearest of its folders that exists, is no folder;
    or if it does not exist yet and is named like a file ("out.txt"), since ``-o`` names a folder."""
    if not os.path.lexists(output_dir) and os.path.splitext(output_dir)[1].lower() in EXTENSIONS:
        raise UsageError(f"--output-dir {shown(output_dir)} is named like a file, but -o names a folder to write "
                         f"into; to restore one file to another, redirect: restore fix IN > {shown(output_dir)}")
    probe = os.path.abspath(output_dir)
    while not os.path.lexists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        where = "" if probe == os.path.abspath(output_dir) else f" ({shown(probe)} is a file)"
        raise UsageError(f"--output-dir {shown(output_dir)} is not a folder{where}")


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
        _check_output_dir(output_dir)
        out = os.path.realpath(output_dir)
        for arg in args:
            if os.path.isdir(arg) and _under(out, os.path.realpath(arg)):
                raise UsageError(f"the output folder {shown(output_dir)} is inside the input folder {shown(arg)}")
    return _jobs(args, output_dir, in_place, backup, resume)


def check_log_path(option: str, path: str | None, args: list[str]) -> None:
    """A ``UsageError`` if the file ``path`` that ``option`` (--report, --changes) names is also an
    input: named, found in an input folder, or matched by an input glob; or if it is ``-``, which
    names standard output everywhere else but would be a file called "-" here."""
    if not path:
        return
    if path == "-":
        raise UsageError(f"{option} -: give it a file name (it writes a file, not standard output)")
    real = os.path.realpath(path)
    for arg in args:
        if arg == "-":
            continue
        if os.path.isdir(arg):
            folder = os.path.realpath(arg)
            below = os.path.relpath(real, folder).split(os.sep)
            if _under(real, folder) and not any(part.startswith(".") for part in below):
                raise UsageError(f"{option} {shown(path)} is inside the input folder {shown(arg)}: it would be read as an input")
        elif (os.path.lexists(arg) and os.path.realpath(arg) == real) or (
                _is_glob(arg) and _glob_matches(real, os.path.abspath(arg))):
            raise UsageError(f"{option} {shown(path)} is an input: restore never writes over its inputs")


def spare_logs(jobs: Iterable[Job], logs: dict[str, str | None]) -> Iterator[Job]:
    """``jobs``, but one whose output would be the file of a log option (``{"--report": path}``) fails
    instead (``fix DIR -o OUT --report OUT/a.txt``: the report would replace a.txt's restored text).

    >>> [j.message for j in spare_logs([Job("a.txt", "out/a.txt")], {"--report": "out/a.txt"})]
    ['its output is the --report file']
    """
    taken = {os.path.realpath(path): option for option, path in logs.items() if path}
    for job in jobs:
        option = taken.get(os.path.realpath(job.target)) if job.target and not job.status else None
        yield dataclasses.replace(job, status="failed", message=f"its output is the {option} file") if option else job


def refuse_overwriting(output: str, inputs: Iterable[str | None]) -> None:
    """A ``UsageError`` if the file ``output`` is one of ``inputs``: restore never writes over what it reads."""
    real = os.path.realpath(output)
    for path in inputs:
        if path and path != "-" and os.path.lexists(path) and os.path.realpath(path) == real:
            raise UsageError(f"-o {shown(output)} is an input ({shown(path)}): restore never writes over its inputs")


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def named_by(args: Iterable[str]) -> Callable[[str], bool]:
    """A test of whether an input was named in ``args`` itself (stdin included), not found in a
    folder or by a glob: a binary file is then an error, not skipped.

    >>> is_named = named_by(["-", "notes.txt", "a"])
    >>> is_named("-"), is_named("notes.txt"), is_named("a/b.txt")
    (True, True, False)
    """
    return _named_in(_explicit(args))


def _named_in(explicit: set[str]) -> Callable[[str], bool]:
    return lambda path: path == "-" or os.path.realpath(path) in explicit


def _explicit(args: Iterable[str]) -> set[str]:
    """The real paths of the files ``args`` name directly (not folders, globs or stdin)."""
    return {os.path.realpath(a) for a in args if a != "-" and not _is_glob(a) and not os.path.isdir(a)}


def _jobs(args, output_dir, in_place, backup, resume) -> Iterator[Job]:
    explicit = _explicit(args)
    is_named = _named_in(explicit)
    patterns = {os.path.abspath(a): a for a in args if _is_glob(a) and not os.path.lexists(a)}
    started = time.time_ns()     # file times lag the clock by up to a tick: no false alarm, late ones missed
    rewritten: set[str] = set()  # in place, the files (real paths) already planned: one named twice is done once
    for path, relative, problem, skipped in find_files(args, backup):
        if problem:
            yield Job(path, status="skipped" if skipped else "failed", message=problem)
        elif in_place and not _regular(path):
            yield Job(path, status="failed", message="not a regular file: --in-place rewrites files only")
        elif in_place and os.path.realpath(path) in rewritten:
            yield Job(path, status="skipped", message="the same file as an input before it")
        elif in_place:
            rewritten.add(os.path.realpath(path))
            job = Job(path, path, named=is_named(path))
            job = _done_in_place(job, path + backup) if resume and backup else job
            if backup and not job.status and _backup_taken(path, path + backup):
                job = dataclasses.replace(job, status="failed", message=f"its backup {shown(path + backup)} already exists "
                                          f"(restore never overwrites a backup: remove it, or choose another --backup)")
            yield job
        elif output_dir:
            target = os.path.join(output_dir, relative or os.path.basename(path))
            real = os.path.realpath(target)
            glob = next((a for p, a in patterns.items() if _glob_matches(real, p)), None)
            if real in explicit:
                yield Job(path, target, "failed", f"its output {shown(target)} is an input (--in-place overwrites inputs)")
            elif glob is not None:
                yield Job(path, target, "failed", f"its output {shown(target)} matches the input glob {shown(glob)}, "
                          "and would be read as an input next time: choose an output folder outside it")
            else:
                yield _check_target(Job(path, target, named=is_named(path)), started, resume)
        else:
            yield Job(path, named=is_named(path))


def _regular(path: str) -> bool:
    """Whether ``path`` is (or links to) a regular file, which can be rewritten: not stdin, a pipe or a device."""
    try:
        return path != "-" and stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True                 # gone or unreadable: reading it will say so


def _backup_taken(path: str, saved: str) -> bool:
    """Whether ``saved`` exists and is not ``path`` itself (a run stopped between keeping and replacing)."""
    if not os.path.lexists(saved):
        return False
    try:
        return not os.path.samefile(path, saved)
    except OSError:
        return True


def _check_target(job: Job, started: int, resume: bool) -> Job:
    """``job`` failed when another input of this run already wrote its output, skipped when
    resuming and its output is newer than its input."""
    assert job.target is not None
    written = _mtime(job.target)
    if written is None:
        return job
    if written >= started:
        return dataclasses.replace(job, status="failed", message=f"another input already wrote {shown(job.target)}")
    source = _mtime(job.source) if resume else None
    return _up_to_date(job) if source is not None and written >= source else job


def _done_in_place(job: Job, backup: str) -> Job:
    """``job`` skipped when its file was restored in place: the file is newer than its backup."""
    saved, source = _mtime(backup), _mtime(job.source)
    return _up_to_date(job) if saved is not None and source is not None and source > saved else job


def _up_to_date(job: Job) -> Job:
    return dataclasses.replace(job, status="skipped", message="up to date")


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _glob_matches(path: str, pattern: str) -> bool:
    """Whether the absolute ``path`` is one the absolute glob ``pattern`` can match."""
    if "**" not in pattern:
        return PurePath(path).match(pattern)
    return _under(path, os.path.abspath(_glob_root(pattern))) and PurePath(path).match(PurePath(pattern).name)


def _parquet_texts(path: str, fields: Iterable[str]) -> list[str]:
    """The text of each row of a Parquet file's text columns (``restore.parquet``): all of it, or an error."""
    from . import parquet
    with parquet.ParquetSource(path, list(fields)) as source:
        return [text for _, text in parquet.documents(source) if text.strip()]


def read_corpus(inputs: list[str], *, fmt: str | None = None, fields: Iterable[str] = ("text",),
                encoding: str = "utf-8", skipped: Callable[[str], None] = lambda _: None,
                failed: Callable[[str], None] | None = None, found: Iterable[Found] | None = None) -> list[str]:
    """The text of every document among ``inputs`` (files, folders, globs; plain text, HTML,
    JSON Lines or Parquet), read as ``restore fix`` reads them; empty files, and binary ones a folder or a glob
    turned up, are passed to ``skipped``; anything unreadable, or a binary file named in ``inputs``,
    is a ``BadInput`` naming the file, or with ``failed``, passed to it, and the rest is read.
    ``found`` may give what ``find_files(inputs)`` found, if the caller walked them already.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.jsonl").write_text('{"text": "we tin go"}\\n{"text": "tin we"}\\n')
    >>> read_corpus([str(d)])
    ['we tin go', 'tin we']
    """
    from . import formats
    from .errors import BadInput
    from .files import NotText, Reader, Skipped
    def fail(message: str) -> None:
        if failed is None:
            raise BadInput(message)
        failed(message)
    texts: list[str] = []
    is_named = named_by(inputs)
    for item in (find_files(inputs) if found is None else found):
        if item.problem:
            (skipped if item.skipped else fail)(f"{item.path}: {item.problem}")
            continue
        try:
            if formats.format_of(item.path, fmt) == "parquet":
                texts.extend(_parquet_texts(item.path, fields))
                continue
            with Reader(item.path, encoding) as reader:
                reader.skip_if_no_text()
                texts.extend([text for _, text in formats.documents(       # all of a file, or none of it
                    formats.format_of(item.path, fmt), reader.blocks(), fields, sample=1 << 62) if text.strip()])
        except Skipped as e:
            (fail if isinstance(e, NotText) and is_named(item.path) else skipped)(f"{item.path}: {e}")
        except BadInput as e:
            fail(f"{item.path}: {e}")
    return texts
