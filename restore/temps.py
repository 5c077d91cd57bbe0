"""Temporary files and scratch folders that are held while they are written: a lock the kernel lets go
when the process ends, however it ends, tells a later run what a run killed with ``kill -9`` left, and
what a living run is writing (``restore.files.Spool`` writes through them).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile

__all__ = ["being_written", "remove_scratch_folder", "scratch_folder", "stale_temps", "temp_beside", "temp_prefix",
           "unheld"]

HELD = ".held"           # the file a scratch folder's process holds a lock on while it lives


LONG_NAME = 150           # bytes of a file name past which its temporary files take a shortened form of it,
                         # so that theirs stay within the usual limit of 255 (the run's mark and the random
                         # part add some 45)


def temp_prefix(final: str, token: str = "") -> str:
    """The name every temporary file of ``final`` starts with (``token`` names one run).  A long name
    is cut, and told apart from others cut alike by a digest of the whole.

    >>> temp_prefix("out/a.txt", "restore-x"), len(temp_prefix("y" * 250 + ".txt"))
    ('.a.txt.restore-x-', 111)
    """
    name = os.path.basename(final)
    raw = os.fsencode(name)
    if len(raw) > LONG_NAME:
        cut = raw[:100]
        while cut and (cut[-1] & 0xC0) == 0x80:           # not inside a character's bytes
            cut = cut[:-1]
        if cut and cut[-1] >= 0xC0:
            cut = cut[:-1]
        name = os.fsdecode(cut) + "~" + hashlib.sha1(raw).hexdigest()[:8]
    return f".{name}.{token + '-' if token else ''}"



_held: dict[str, int] = {}      # scratch folder -> the descriptor of its locked HELD file


def scratch_folder(prefix: str = "restore-", dir: str | None = None) -> str:
    """A new temporary folder that this process holds (a lock the kernel drops when the process
    ends, however it ends) until ``remove_scratch_folder``; first removes the folders of restore
    processes that ended without removing theirs (``kill -9``).

    >>> folder = scratch_folder()
    >>> os.path.isdir(folder), _stale(folder)
    (True, False)
    >>> remove_scratch_folder(folder); os.path.exists(folder)
    False
    """
    _remove_stale(prefix, dir)
    folder = tempfile.mkdtemp(prefix=prefix, dir=dir)
    try:
        import fcntl
        making = os.path.join(folder, HELD + ".new")
        fd = os.open(making, os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):          # no locks here: the folder is simply never swept
        return folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(making, os.path.join(folder, HELD))     # seen by another run only once it is held
    except OSError:
        os.close(fd)
        return folder
    _held[folder] = fd
    return folder


def remove_scratch_folder(folder: str) -> None:
    """Remove ``folder`` and what is in it, and let go of it."""
    shutil.rmtree(folder, ignore_errors=True)
    fd = _held.pop(folder, None)
    if fd is not None:
        os.close(fd)


def temp_beside(final: str, token: str) -> tuple[int, str]:
    """A new temporary file beside ``final``: its descriptor and path.  One marked with ``token`` is
    held (a lock the kernel lets go when the process ends, however it ends) until it is closed."""
    while True:
        fd, path = tempfile.mkstemp(dir=os.path.dirname(final) or ".", prefix=temp_prefix(final, token),
                                    suffix=".tmp")
        try:
            import fcntl
            if token:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            return fd, path
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                return fd, path             # no locks on this file system: never swept
        else:
            if os.fstat(fd).st_nlink:
                return fd, path
        os.close(fd)                        # another run took it for a dead run's file, before it was held


def _stale(folder: str) -> bool:
    """Whether ``folder`` is a scratch folder that no living process holds (its lock is free)."""
    return unheld(os.path.join(folder, HELD))


def unheld(path: str, remove: bool = False) -> bool:
    """Whether ``path`` is a regular file whose lock no living process holds; with ``remove``, such a
    file is deleted while this process holds it."""
    return _lock_of(path, remove) is False


def _lock_of(path: str, remove: bool = False) -> bool | None:
    """True where a living process holds the lock of the regular file ``path``, False where none does
    (with ``remove``, the file is then deleted while this process holds it), None where no lock can
    tell (not a regular file, or no locks here)."""
    try:
        import fcntl
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except (ImportError, OSError):          # no lock there: another program's folder, or an older restore's
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None                     # a pipe or a device put there: not ours (opened without waiting)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if remove:
            os.unlink(path)
    except OSError as e:
        return True if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK) else None
    finally:
        os.close(fd)                        # the lock goes with it
    return False


_RANDOM = "[a-z0-9_]{8}"   # tempfile's random part, as in a scratch folder's name too
_OURS = re.compile(f"restore-(?:restore-{_RANDOM}-)?{_RANDOM}\\.tmp")   # after ``temp_prefix``: a run's mark


def being_written(final: str) -> bool:
    """Whether a living restore run holds a temporary file of ``final`` (it is writing it)."""
    return any(_lock_of(entry.path) for entry in _temps_of(final))


def _temps_of(final: str) -> list[os.DirEntry]:
    """The temporary files restore runs made for ``final`` (their exact names, ``_OURS``)."""
    prefix = temp_prefix(final)
    with contextlib.suppress(OSError), os.scandir(os.path.dirname(final) or ".") as entries:
        return [entry for entry in entries if entry.name.startswith(prefix)
                and _OURS.fullmatch(entry.name[len(prefix):]) and entry.is_file(follow_symlinks=False)]
    return []


_NAMED = re.compile(f"(\\..*\\.)(?:{_OURS.pattern})")      # a temporary file's name: its ``temp_prefix``, then the mark
_found: dict[str, dict[str, list[str]]] = {}   # folder -> temp_prefix -> restore's temporary files there, as first seen


def stale_temps(final: str) -> list[str]:
    """The temporary files of ``final`` (``.NAME.restore-....tmp``, ``temp_beside``) that restore
    runs killed with ``kill -9`` left, oldest first: this user's, held by no living process.  Each is
    removed (``unheld``) while the remover holds it, so a run that has just made it finds it gone,
    and makes another.  A folder is read once per process, not once per file written into it (a
    batch of 100,000 files into one folder would read it 100,000 times)."""
    if not hasattr(os, "getuid"):
        return []
    folder = os.path.dirname(final) or "."
    if folder not in _found:
        index: dict[str, list[str]] = {}
        _found[folder] = index
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                named = _NAMED.fullmatch(entry.name)
                if named:
                    index.setdefault(named.group(1), []).append(entry.path)
    found = []
    for path in _found[folder].pop(temp_prefix(final), []):
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and unheld(path):
                found.append((st.st_mtime_ns, path))
    return [path for _, path in sorted(found)]


def _remove_stale(prefix: str, dir: str | None) -> None:
    """Remove this user's scratch folders named ``prefix...`` in ``dir`` that no process holds."""
    if not hasattr(os, "getuid"):
        return                              # no flock here either: folders are never held
    with contextlib.suppress(OSError), os.scandir(dir or tempfile.gettempdir()) as entries:
        for entry in entries:
            if (entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_uid == os.getuid() and _stale(entry.path)):
                shutil.rmtree(entry.path, ignore_errors=True)
