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
import shutil
import stat
import sys
import tempfile
from typing import IO, Any, BinaryIO, Iterator

from .errors import BadInput, UsageError, shown
from .temps import stale_temps, temp_beside, unheld

__all__ = ["BLOCK", "DISK_FULL", "NotText", "Reader", "Skipped", "Spool", "read_text", "text_encoding",
           "new_file_mode"]

BLOCK = 1 << 16          # bytes read at a time
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
    return read_as_written(path, encoding)[0]


def read_as_written(path: str | os.PathLike, encoding: str = "utf-8") -> tuple[str, str, bytes]:
    """The whole text of a file, the encoding it was read in and the byte order mark it began with,
    to write text back as the file was written."""
    try:
        with Reader(path, text_encoding(encoding)) as reader:
            if reader.binary:
                raise BadInput(reader.why_binary() + ", not text")
            return "".join(reader.blocks()), reader.encoding, reader.bom
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
    the file it points to is replaced (made, if the link dangles) and the link kept; where it is a device or a pipe
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
                (sys.stdout if stream == 1 else sys.stderr).flush()
                fd = os.dup(stream)
            else:
                fd = os.open(final, os.O_WRONLY | os.O_APPEND)
            self.path = final
        elif final:
            if os.path.islink(final):       # written through, dangling too, as ``>`` does; a loop is refused
                final = os.path.realpath(final)
                if os.path.islink(final):
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), final)
            if os.path.isdir(final):                # found now, not once the work is done
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), final)
            folder = os.path.dirname(final) or "."
            try:
                os.makedirs(folder, exist_ok=True)
                stale = stale_temps(final)
                fd, self.path = temp_beside(final, token)
            except OSError as e:                    # named as the file to write, not its temporary file
                raise OSError(e.errno, e.strerror, final) from None
            if extend:
                _lines_into(fd, [final, *stale])
            for path in stale:
                unheld(path, remove=True)
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


