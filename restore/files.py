"""Reading and writing files: the one reader of every text restore reads, and atomic writes.

``Reader`` reads a file (``-`` is stdin) in decoded blocks, honouring a byte-order mark
(UTF-8, UTF-16 or UTF-32: the file is read in that encoding and ``Spool`` writes it back
so); ``read_text`` reads a whole file with it.  ``Spool`` writes beside the final path
and renames into place when complete, keeping the original's mode (and, in place, its
owner), so that no reader ever sees half a file.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = path.write_bytes("\\ufeffcaf\\u00e9".encode("utf-16-le"))
>>> read_text(path)
'café'
>>> read_text(path.with_name("missing.txt"))
Traceback (most recent call last):
restore.errors.BadInput: .../missing.txt: no such file
"""
from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
from typing import IO, Any, BinaryIO, Iterator

from .errors import BadInput, UsageError, shown

__all__ = ["BLOCK", "DISK_FULL", "NotText", "Reader", "Skipped", "Spool", "being_written", "read_text",
           "text_encoding", "new_file_mode",
           "remove_scratch_folder", "scratch_folder", "temp_prefix"]

BLOCK = 1 << 16          # bytes read at a time
HELD = ".held"           # the file a scratch folder's process holds a lock on while it lives
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
# byte-order marks, longest first (a UTF-32-LE mark starts like a UTF-16-LE one)
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class Skipped(Exception):
    """A file that is not repaired and is no failure (empty, binary)."""


class NotText(Skipped):
    """A binary file: skipped where a folder or a glob found it, an error where the user named it."""


def text_encoding(name: str) -> str:
    """The codec name of the text encoding ``name`` (``auto`` stays); a ``UsageError`` for an unknown
    encoding or a codec that cannot read a text file: one that does not turn bytes into text (rot13,
    base64, zlib...), or one that does but not of a file read in blocks (idna, punycode, undefined).

    >>> text_encoding("Latin-1"), text_encoding("auto")
    ('iso8859-1', 'auto')
    >>> text_encoding("rot13")
    Traceback (most recent call last):
    restore.errors.UsageError: --encoding rot13 is not a text encoding
    >>> text_encoding("idna")
    Traceback (most recent call last):
    restore.errors.UsageError: --encoding idna is not a text encoding
    """
    if name == "auto":
        return name
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise UsageError(f"unknown encoding {name!r}") from None
    if not _reads_text(info.name):
        raise UsageError(f"--encoding {name} is not a text encoding")
    return info.name


# plain text with line breaks and a line longer than a domain name's label
_PROBE = "Spun text, line one.\r\n\n\t" + "word " * 20 + "cafe?\n"


@functools.cache
def _reads_text(codec: str) -> bool:
    """Whether the codec turns bytes into text, and reads back plain text it wrote when fed a few bytes
    at a time, as ``Reader`` feeds it (idna, punycode and undefined cannot).

    >>> _reads_text("utf-16"), _reads_text("cp037"), _reads_text("punycode"), _reads_text("base64")
    (True, True, False, False)
    """
    info = codecs.lookup(codec)
    if not getattr(info, "_is_text_encoding", True):
        return False
    try:
        data = info.incrementalencoder("strict").encode(_PROBE, final=True)
        decoder = info.incrementaldecoder("strict")
        text = "".join(decoder.decode(data[i:i + 3]) for i in range(0, len(data), 3)) + decoder.decode(b"", True)
    except (UnicodeError, TypeError, ValueError):
        return False
    return text == _PROBE


def _check_codec(encoding: str) -> None:
    """A ``BadInput`` (each file fails) for an encoding ``text_encoding`` refuses: the command line
    refuses it before any work, and a program that gives one to ``Reader`` learns so here."""
    try:
        text_encoding(encoding)
    except UsageError as e:
        raise BadInput(str(e)) from None


def _unicode(encoding: str) -> bool:
    return encoding == "auto" or codecs.lookup(encoding).name.startswith(("utf-8", "utf-16", "utf-32"))


def _guess_encoding(head: bytes) -> str:
    from charset_normalizer import from_bytes
    best = from_bytes(head).best()
    return best.encoding if best else "utf-8"


def _looks_like_utf16(head: bytes) -> bool:
    """Whether ``head`` looks like mostly-ASCII UTF-16 without a mark: one byte in two is zero."""
    sample = head[:4096]
    return len(sample) >= 8 and (sample[1::2].count(0) > 0.9 * len(sample) // 2
                                 or sample[0::2].count(0) > 0.9 * len(sample) // 2)


class Reader:
    """A file (``-`` is stdin) read in decoded blocks, with errors that say what went wrong (the caller
    names the file).  ``empty`` and ``binary`` say whether there is text at all; ``bom`` is the
    byte-order mark the file starts with, if any, and ``encoding`` the one it is read in."""

    def __init__(self, path: str | os.PathLike, encoding: str = "utf-8"):
        _check_codec(encoding)
        try:
            self.file: BinaryIO = sys.stdin.buffer if str(path) == "-" else open(path, "rb")
        except FileNotFoundError:
            raise BadInput("no such file") from None
        except IsADirectoryError:
            raise BadInput("is a directory") from None
        except OSError as e:
            raise BadInput(f"cannot read ({e.strerror})") from None
        try:
            info = None if str(path) == "-" else os.fstat(self.file.fileno())
            self.mode = None if info is None else stat.S_IMODE(info.st_mode)
            self.owner = None if info is None else (info.st_uid, info.st_gid)
            self.first = self._read()
        except BaseException:
            self.close()
            raise
        self.bom = b""
        if _unicode(encoding):
            for mark, name in BOMS:
                if self.first.startswith(mark):
                    self.bom, encoding = mark, name
                    self.first = self.first[len(mark):] or self._read()
                    break
        self.empty = not self.first
        if encoding == "auto":
            encoding = _guess_encoding(self.first)
        self.encoding = codecs.lookup(encoding).name
        self.binary = b"\0" in self.first[:8192] and not self.encoding.startswith(("utf-16", "utf-32"))

    def skip_if_no_text(self) -> None:
        """Raise ``Skipped`` for an empty or a binary file: there is nothing to repair."""
        if self.empty:
            raise Skipped("empty file")
        if self.binary:
            raise NotText(self.why_binary())

    def why_binary(self) -> str:
        if _looks_like_utf16(self.first):
            return "binary file (or UTF-16 without a byte-order mark: --encoding utf-16-le may help)"
        return "binary file"

    def _read(self) -> bytes:
        try:
            return self.file.read(BLOCK)
        except OSError as e:
            raise BadInput(f"cannot read ({e.strerror})") from None

    def blocks(self) -> Iterator[str]:
        """The text, decoded block by block; a ``BadInput`` where it cannot be decoded."""
        if self.encoding in ("utf-16", "utf-32") and not self.bom:
            raise BadInput(f"{self.encoding} without a byte-order mark: give --encoding {self.encoding}-le "
                           f"or {self.encoding}-be")
        decoder = codecs.getincrementaldecoder(self.encoding)()
        data, done = self.first, len(self.bom)
        while True:
            buffered = len(decoder.getstate()[0])
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as e:
                raise BadInput(f"not {self.encoding} text (undecodable byte at offset {done - buffered + e.start}; "
                               f"--encoding may help)") from None
            except UnicodeError as e:
                raise BadInput(f"not {self.encoding} text ({e}; --encoding may help)") from None
            done += len(data)
            if text:
                yield text
            if not data:
                return
            data = self._read()

    def close(self) -> None:
        if self.file is not sys.stdin.buffer:
            self.file.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_text(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """The whole text of a file (``-`` is stdin); a one-line ``BadInput`` naming the file if it has none."""
    try:
        with Reader(path, text_encoding(encoding)) as reader:
            if reader.binary:
                raise BadInput(reader.why_binary() + ", not text")
            return "".join(reader.blocks())
    except BadInput as e:
        raise BadInput(f"{shown(str(path))}: {e}") from None


def umask() -> int:
    """The process's umask (reading it means setting it: briefly 0o022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path: str | None = None) -> int:
    """The mode a new file gets (from the umask), or the mode of the file at ``path`` it replaces."""
    if path:
        with contextlib.suppress(OSError):
            return stat.S_IMODE(os.stat(path).st_mode)
    return 0o666 & ~umask()


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


def _open(fd: int, encoding: str | None, errors: str = "strict") -> IO[Any]:
    """The file ``fd`` for text in ``encoding``, or for bytes (None)."""
    return open(fd, "wb") if encoding is None else open(fd, "w", encoding=encoding, errors=errors, newline="")


class Spool:
    """A file written beside ``final`` (or in ``scratch``) that is renamed into place when complete.

    ``token`` marks its name (``temp_prefix``), so that a run can find what a killed worker left, and
    the file is held (a lock) while it is written: a later ``Spool`` of the same ``final`` removes
    such files that no living process holds, which a run killed with ``kill -9`` left.
    ``extend`` starts it with what ``final`` already holds, and with the lines it lacks of the files
    that killed runs were writing in its place (a resumed run's log).  ``encoding`` None
    opens it for bytes (Parquet).  Where ``final`` is a symbolic link to a file,
    the file it points to is replaced and the link kept; where it is a device or a pipe
    (``/dev/null``), nothing can replace it, so it is written directly, and so is the very file
    that stdout or stderr writes to (``/dev/stdout`` where the shell redirected it to a file: that
    file, with what is already in it, is never replaced).  A write
    that fails (a full disk) deletes the temporary file and names ``final``.
    """

    def __init__(self, encoding: str | None = "utf-8", *, final: str | None = None, scratch: str | None = None,
                 bom: bytes = b"", token: str = "", errors: str = "strict", extend: bool = False):
        stream = _standard_stream(final) if final else None
        self.direct = final is not None and (stream is not None or _is_special(final))
        if final and self.direct:
            if stream is not None:                  # its own descriptor: where the shell's redirection is
                sys.stdout.flush() if stream == 1 else sys.stderr.flush()
                fd = os.dup(stream)
            else:
                fd = os.open(final, os.O_WRONLY | os.O_APPEND)
            self.path = final
        elif final:
            final = os.path.realpath(final) if os.path.islink(final) and os.path.exists(final) else final
            if os.path.isdir(final):                # found now, not once the work is done
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), final)
            folder = os.path.dirname(final) or "."
            try:
                os.makedirs(folder, exist_ok=True)
                stale = _stale_temps(final)
                fd, self.path = _temp_beside(final, token)
            except OSError as e:                    # named as the file to write, not its temporary file
                raise OSError(e.errno, e.strerror, final) from None
            if extend:
                _lines_into(fd, [final, *stale])
            for path in stale:
                _unheld(path, remove=True)
        else:
            fd, self.path = tempfile.mkstemp(dir=scratch, suffix=".tmp")
        self.final = final
        self._fd = fd                       # the descriptor its lock is on
        self.file = _open(fd, encoding, errors)
        if bom:
            self.write("\ufeff")          # the mark, in the file's encoding

    def write(self, data: Any) -> int:
        try:
            return self.file.write(data)
        except OSError as e:
            raise self._failed(e) from None

    def _failed(self, error: OSError) -> OSError:
        """Delete the temporary file, and say which file could not be written (not the temporary one)."""
        self.discard()
        return OSError(error.errno, error.strerror, self.final) if self.final and error.errno else error

    def keep(self) -> str:
        """Close the file and leave it where it is (for another process to read); its path."""
        self.file.close()
        return self.path

    def discard(self) -> None:
        """Delete and close the file, whatever state it is in: a full disk cannot stop this, nor can a
        signal handler that comes while the file is mid-write (closing it then raises RuntimeError)."""
        if not self.direct:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        with contextlib.suppress(Exception):
            self.file.close()
        if not self.direct:
            with contextlib.suppress(OSError):
                os.unlink(self.path)        # where an open file cannot be deleted (Windows): now it is closed

    def commit(self, mode: int | None = None, *, owner: tuple[int, int] | None = None,
               backup: str | None = None) -> None:
        """Close the file and put it in place, with ``mode`` and ``owner`` (uid, gid) where given;
        with ``backup``, keep the file it replaces as ``final + backup``, which must not exist."""
        assert self.final is not None
        held = os.dup(self._fd) if not self.direct else None     # its lock lasts until it is renamed:
        try:                                                                # no other run takes it for a dead one's
            try:
                self.file.close()
            except OSError as e:
                raise self._failed(e) from None
            if self.direct:
                return
            if owner is not None and owner != (os.geteuid(), os.getegid()):
                uid = owner[0] if os.geteuid() == 0 else -1      # only root may give a file away; others keep
                with contextlib.suppress(OSError):               # the group where they are in it
                    os.chown(self.path, uid, owner[1])
            if mode is not None:
                os.chmod(self.path, mode)                # after chown, which drops setuid and setgid
            if backup:
                keep_original(self.final, self.final + backup)
            try:
                os.replace(self.path, self.final)
            except OSError as e:                # a folder of that name, say
                raise self._failed(e) from None
        finally:
            if held is not None:
                os.close(held)


def _lines_into(fd: int, paths: list[str]) -> None:
    """Write to the open file ``fd`` the lines of the first of ``paths`` (a log), then those of the
    others (what runs killed while writing its replacement had written) that it lacks: each line
    once, and no half-written last line.  A run writes the same line for the same change."""
    seen: set[bytes] = set()
    with open(fd, "wb", closefd=False) as out:
        for k, path in enumerate(paths):
            try:
                source = open(path, "rb")
            except OSError:
                continue
            with source:
                for line in source:
                    if len(paths) > 1:
                        digest = hashlib.blake2b(line, digest_size=16).digest()
                        if k and (digest in seen or not line.endswith(b"\n")):
                            continue
                        seen.add(digest)
                    out.write(line)


def _standard_stream(path: str) -> int | None:
    """1 or 2 where ``path`` is the very file that stdout or stderr writes to, else None."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            own = os.fstat(fd)
            if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
                return fd
    return None


def _is_special(path: str) -> bool:
    """Whether ``path`` is (or links to) something other than a file or a folder: a device, a pipe."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def keep_original(path: str, saved: str) -> None:
    """Keep the file ``path`` as ``saved`` too (a hard link where possible); never replace an earlier
    ``saved``, unless it is this very file (a run stopped between keeping it and replacing it)."""
    try:
        os.link(path, saved)
        return
    except FileExistsError:
        if _same_file(path, saved):
            return
        raise BadInput(f"its backup {shown(saved)} already exists (restore never overwrites a backup: remove it, "
                       f"or choose another --backup)") from None
    except OSError:
        pass                                         # no hard links here: copy
    try:
        with open(path, "rb") as source, open(saved, "xb") as copy:
            shutil.copyfileobj(source, copy)
    except FileExistsError:
        raise BadInput(f"its backup {shown(saved)} already exists (restore never overwrites a backup)") from None
    shutil.copystat(path, saved)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


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


def _temp_beside(final: str, token: str) -> tuple[int, str]:
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
    return _unheld(os.path.join(folder, HELD))


def _unheld(path: str, remove: bool = False) -> bool:
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
    prefix = temp_prefix(final)
    with contextlib.suppress(OSError), os.scandir(os.path.dirname(final) or ".") as entries:
        for entry in entries:
            if (entry.name.startswith(prefix) and _OURS.fullmatch(entry.name[len(prefix):])
                    and entry.is_file(follow_symlinks=False) and _lock_of(entry.path)):
                return True
    return False


def _stale_temps(final: str) -> list[str]:
    """The temporary files of ``final`` (``.NAME.restore-....tmp``, ``_temp_beside``) that restore
    runs killed with ``kill -9`` left, oldest first: this user's, held by no living process.  Each is
    removed (``_unheld``) while the remover holds it, so a run that has just made it finds it gone,
    and makes another."""
    if not hasattr(os, "getuid"):
        return []
    prefix = temp_prefix(final)
    found = []
    with contextlib.suppress(OSError), os.scandir(os.path.dirname(final) or ".") as entries:
        for entry in entries:
            if (entry.name.startswith(prefix) and _OURS.fullmatch(entry.name[len(prefix):])
                    and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_uid == os.getuid() and _unheld(entry.path)):
                found.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
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
