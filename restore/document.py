"""A document under review: its text as restore reads it, the changes, and the text an editor's
decisions make of it.

A file is read with the same reader and formats as ``restore fix`` (``batch``, ``formats``), so the
offsets of a change are those ``restore fix --changes`` reports for plain text and HTML.  A document
is a list of parts: strings kept as they are (the JSON around a JSON Lines field) and ``Region``\\ s
of restorable text.  Its *text* is all the parts joined; change offsets count characters into it
(after mojibake repair).  ``render`` writes the document with a replacement for chosen changes, and
the review page's script does exactly the same (``restore/data/review.html``, ``exportText``).

>>> from restore import Change
>>> doc = Document("a.txt", "text", [Region("We met astatine noon.", [Change(7, 15, "astatine", "at", 0.9)])])
>>> doc.text, [c.garbled for c in doc.changes]
('We met astatine noon.', ['astatine'])
>>> doc.render({0: "at"}), doc.render({})
('We met at noon.', 'We met astatine noon.')
"""
from __future__ import annotations

import codecs
import dataclasses
import functools
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Iterable

from . import formats, markup
from .changes import Change
from .errors import RestoreError


class ReviewError(RestoreError):
    """A document that cannot be reviewed or written; the message names the file."""


class NothingToReview(ReviewError):
    """A file with no text to review (empty, or ``binary``)."""

    def __init__(self, message: str, *, binary: bool = False):
        super().__init__(message)
        self.binary = binary


@dataclass
class Region:
    """Restorable text as reviewed (mojibake repaired), and the changes in it (offsets into ``text``).

    For a JSON Lines field, ``quoted`` is the string as the file writes it (kept when the value
    comes out as it was read), ``value`` the value as read when mojibake repair changed it, and
    ``ascii`` whether a new value is written with ``\\u`` escapes (as the line was ASCII).
    For HTML, ``attributes`` are the alt and title values in ``text`` as ``(start, end, quoted)``,
    and a text other than the garbled one is written escaped (``markup.escape``), so it stays text.

    >>> html = Region("<p title='astatine'>astatine</p>", attributes=((10, 18, markup.QUOTED),),
    ...               changes=[Change(10, 18, "astatine", "at", 1.0), Change(20, 28, "astatine", "at", 1.0)])
    >>> html.render(["it's", "<b>"]), html.render(["astatine", None])
    ("<p title='it&#x27;s'>&lt;b&gt;</p>", "<p title='astatine'>astatine</p>")
    """

    text: str
    changes: list = field(default_factory=list)
    quoted: str | None = None
    value: str | None = None
    ascii: bool = False
    attributes: tuple | None = None

    def render(self, texts: list[str | None]) -> str:
        """The region with ``texts[k]`` in place of its ``k``-th change (None: the garbled text kept)."""
        out, pos, made = [], 0, []
        for c, text in zip(self.changes, texts):
            if text is None or text == c.garbled:
                text = c.garbled
            elif self.attributes is not None:
                text = markup.escape(text, markup.context(self.attributes, c.start))
            else:
                made.append(dataclasses.replace(c, restored=text))
            out += [self.text[pos:c.start], text]
            pos = c.end
        out.append(self.text[pos:])
        written = "".join(out)
        if self.quoted is None:
            return written
        if written == (self.text if self.value is None else self.value):
            return self.quoted
        spliced = formats.respliced(self.quoted, self.text, made, self.ascii) if self.value is None else None
        return spliced or json.dumps(written, ensure_ascii=self.ascii)     # as restore fix writes it


@dataclass
class Document:
    """A file as reviewed: its parts (``str`` kept as it is, or ``Region``) and its words."""

    path: str
    format: str
    parts: list
    words: int = 0
    bom: bool = False       # the file began with UTF-8's byte order mark, which the text written keeps

    @property
    def text(self) -> str:
        """The document's text as the review shows it: every part joined."""
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of the document as reviewed, its format and text, that its decisions carry: the
        same file read with other options (``--no-ftfy``, ``--format``, ``--field``, ``--encoding``)
        is another document.

        >>> Document("a.txt", "text", ["We met."]).fingerprint == Document("b.txt", "html", ["We met."]).fingerprint
        False
        """
        return hashlib.sha256(f"{self.format}\0{self.text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @functools.cached_property
    def changes(self) -> list:
        """Every change, in order, with offsets into ``text`` (worked out once)."""
        out: list[Change] = []
        pos = 0
        for part in self.parts:
            if isinstance(part, Region):
                out += [_moved(c, pos) for c in part.changes] if pos else part.changes
                pos += len(part.text)
            else:
                pos += len(part)
        return out

    def regions(self) -> Iterable[tuple[int, int, Region]]:
        """``(where the region starts in text, index of its first change, region)`` for each region."""
        pos = first = 0
        for part in self.parts:
            if isinstance(part, Region):
                yield pos, first, part
                first += len(part.changes)
                pos += len(part.text)
            else:
                pos += len(part)

    @property
    def share(self) -> float:
        """The share of the document's words that were changed."""
        return sum(len(r.changes) for _, _, r in self.regions()) / self.words if self.words else 0.0

    def render(self, texts: dict[int, str]) -> str:
        """The document written with ``texts[i]`` in place of change ``i``; other changes unmade."""
        out, first = ["\ufeff" if self.bom else ""], 0
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            out.append(part.render([texts.get(first + j) for j in range(len(part.changes))]))
            first += len(part.changes)
        return "".join(out)


class _Unchanged:
    """A restorer that changes nothing: reads a document's text as review saw it, for ``apply``."""

    @staticmethod
    def restore_with_changes(text: str) -> tuple[str, list]:
        return text, []


def read_document(path: str, restorer=None, *, fix_mojibake: bool = True, encoding: str = "utf-8",
                  format: str | None = None, fields: Iterable[str] = ("text",)) -> Document:
    """Read the file at ``path`` (``-``: stdin) as ``restore fix`` does, restoring it with
    ``restorer`` (a ``Restorer`` made with ``fix_mojibake=False``; None: change nothing).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.jsonl")
    >>> _ = open(path, "w").write('{"id": 1, "text": "caf\\\\u00e9 bar"}\\n')
    >>> read_document(path).parts
    ['{"id": 1, "text": ', Region(text='café bar', changes=[], quoted='"caf\\\\u00e9 bar"', value=None, ascii=True, attributes=None), '}\\n']
    """
    from .files import NotText, Reader, Skipped
    fmt = formats.format_of(path, format)
    if fmt not in formats.FORMATS:
        raise ReviewError(f"{path}: {fmt} files cannot be reviewed (restore fix --changes logs their changes)")
    fixer = formats.Fixer(restorer or _Unchanged(), fix_mojibake=fix_mojibake)
    reader = None
    try:
        reader = Reader(path, encoding)
        reader.skip_if_no_text()
        bom = reader.bom == codecs.BOM_UTF8
        parts = list(_parts(fmt, formats.repair(fmt, reader.blocks(), fixer, fields), fields))
    except Skipped as e:
        raise NothingToReview(f"{path}: {e}", binary=isinstance(e, NotText)) from None
    except formats.BadInput as e:
        raise ReviewError(f"{path}: {e}") from None
    finally:
        if reader is not None:
            reader.close()
    return Document(path, fmt, _merged(parts), fixer.words, bom)


def _parts(fmt: str, pieces: Iterable[formats.Piece], fields: Iterable[str]):
    """The parts of a file's pieces: plain text and HTML are all region; a JSON line is its
    fields' regions and the JSON around them."""
    paths = frozenset(tuple(f.split(".")) for f in fields)
    for piece in pieces:
        if fmt != "jsonl":
            for view in piece.views:
                yield Region(view.text, view.changes, attributes=view.attributes)
            continue
        if not piece.views:
            yield piece.raw
            continue
        raw, pos = piece.raw, 0
        for (_, start, end, value), view in zip(formats.json_strings(raw, paths), piece.views):
            yield raw[pos:start]
            yield Region(view.text, view.changes, raw[start:end], None if value == view.text else value,
                         raw.isascii())
            pos = end
        yield raw[pos:]


def _merged(parts: list) -> list:
    """``parts`` with neighbouring plain regions joined and empty strings dropped."""
    out: list = []
    for part in parts:
        if isinstance(part, str):
            if part:
                out.append(part)
        elif out and isinstance(out[-1], Region) and _plain(out[-1]) and _plain(part):
            last, shift = out[-1], len(out[-1].text)
            moved = [_moved(c, shift) for c in part.changes]
            out[-1] = Region(last.text + part.text, last.changes + moved)
        else:
            out.append(part)
    return out


def _plain(region: Region) -> bool:
    """Whether ``region`` is plain text (not a JSON string, nor HTML), which joins its neighbour."""
    return region.quoted is None and region.attributes is None


def _moved(change: Change, shift: int) -> Change:
    """``change`` moved ``shift`` characters on."""
    return Change(change.start + shift, change.end + shift, change.garbled, change.restored, change.confidence,
                  change.alternatives)


def write_atomic(path: str, text: str, inputs: Iterable[str] = ()) -> None:
    """Write ``text`` as UTF-8 to ``path`` (``-``: stdout) through a temporary file renamed into
    place, refusing to overwrite any of ``inputs``.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_atomic(path, "at noon"); open(path).read()
    'at noon'
    >>> write_atomic(path, "x", inputs=[path])
    Traceback (most recent call last):
    restore.document.ReviewError: ... is an input: restore never overwrites its input
    """
    from .files import Spool, new_file_mode
    if path == "-":
        sys.stdout.buffer.write(_encoded(path, text))
        sys.stdout.flush()
        return
    real = os.path.realpath(path)
    if any(i != "-" and os.path.realpath(i) == real for i in inputs):
        raise ReviewError(f"{path} is an input: restore never overwrites its input")
    try:
        spool = Spool("utf-8", final=path)
    except OSError as e:
        raise ReviewError(f"{path}: cannot write ({e.strerror})") from None
    try:
        spool.write(text)
        spool.commit(new_file_mode())
    except UnicodeEncodeError as e:
        spool.discard()
        raise ReviewError(f"{path}: the text cannot be written as UTF-8 (a lone surrogate at {e.start})") from None
    except OSError as e:
        spool.discard()
        raise ReviewError(f"{path}: cannot write ({e.strerror})") from None


def _encoded(path: str, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ReviewError(f"{path}: the text cannot be written as UTF-8 (a lone surrogate at {e.start})") from None
