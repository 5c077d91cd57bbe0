"""Find the restorable text in plain text, HTML and JSON Lines, and put the restored words back.

Each format turns a stream of decoded text blocks into ``Piece``\\ s: a stretch of
the file as read, the same stretch as it is to be written, and ``View``\\ s of
the text that was restored in it with the changes made.  Nothing outside a
restored word changes, byte for byte:

* text: restored in chunks cut at blank lines, so a 100 MB file streams;
* HTML: only text nodes and the ``alt`` and ``title`` attributes; markup,
  scripts, styles, comments and entities stay exactly as they were;
* JSON Lines: only the string fields named by dotted paths (``meta.title``),
  line by line; the rest of each line is kept as it was.

>>> from restore import Change
>>> class Stub:                                  # a Restorer that knows one word
...     def restore_with_changes(self, text):
...         found = [Change(m.start(), m.end(), m.group(), "at", 1.0) for m in re.finditer("astatine", text)]
...         return text.replace("astatine", "at"), found
>>> fixer = Fixer(Stub(), fix_mojibake=False)
>>> doc = '<p title="astatine">astatine &amp; <script>astatine</script>'
>>> [piece.out for piece in repair("html", [doc], fixer)]
['<p title="at">at &amp; <script>astatine</script>']
"""
from __future__ import annotations

import bisect
import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, Callable, Iterable, Iterator

from . import markup
from .errors import BadInput
from .fixer import Fixer, Interrupted
from .tokenize import PARAGRAPH_BREAK, WORD

__all__ = ["FORMATS", "BATCH_FORMATS", "BadInput", "Fixer", "Interrupted", "Piece", "View", "documents", "format_of",
           "json_strings", "lines", "paragraphs", "repair"]

FORMATS = ("text", "html", "jsonl")
BATCH_FORMATS = (*FORMATS, "parquet")     # fix and detect also read Parquet (restore.parquet)
EXTENSIONS = {".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".parquet": "parquet"}
CHUNK = 16_384              # characters of text restored at a time (a chunk ends at a blank line)
LONGEST_PARAGRAPH = 1 << 20  # a paragraph longer than this is cut at a line break or a space
DETECT_SAMPLE = 65_536      # characters of a document that `detect` scores


def format_of(path: str, override: str | None = None) -> str:
    """The format of ``path``, from its extension (plain text when unknown), unless ``override`` says.

    >>> format_of("a/b.HTM"), format_of("notes"), format_of("x.txt", "jsonl")
    ('html', 'text', 'jsonl')
    """
    return override or EXTENSIONS.get(os.path.splitext(path)[1].lower(), "text")


@dataclass
class View:
    """Text that was restored, and the changes made to it (offsets into ``text``).

    ``offset`` and ``line`` place ``text`` in the file; for JSON Lines ``field`` names the
    field, ``line`` is the file's line and ``offset`` counts within the field's value.  For HTML,
    ``attributes`` are the alt and title values in ``text`` as ``(start, end, quoted)``, for
    ``markup.escape``.
    """

    text: str
    changes: list
    offset: int = 0
    line: int = 1
    field: str | None = None
    repairs: list = dataclasses.field(default_factory=list)     # ftfy's edits of the text as read, changes too
    attributes: tuple | None = None

    def located(self) -> Iterator[tuple[int, int, Any]]:
        """``(line, offset, change)`` for each change, in order."""
        for line, offset, change, _ in self._located([(c, "") for c in self.changes]):
            yield line, offset, change

    def located_all(self) -> Iterator[tuple[int, int, Any, str]]:
        """``(line, offset, change, by)`` for ftfy's repairs (``by`` is "ftfy") and the changes, in order."""
        both = [(c, "ftfy") for c in self.repairs] + [(c, "") for c in self.changes]
        return self._located(sorted(both, key=lambda pair: pair[0].start))

    def _located(self, changes: list) -> Iterator[tuple[int, int, Any, str]]:
        line, pos = self.line, 0
        for c, by in changes:
            if self.field is None:
                line += len(NEWLINE.findall(self.text, pos, c.start))
                pos = c.start
            yield line, self.offset + c.start, c, by


@dataclass
class Piece:
    """A stretch of a file as read (``raw``) and as written (``out``), with what was restored in it."""

    raw: str
    out: str
    views: list = field(default_factory=list)


def repair(fmt: str, blocks: Iterable[str], fixer: Fixer, fields: Iterable[str] = ("text",)) -> Iterator[Piece]:
    """Restore the text of a file of format ``fmt`` given as decoded ``blocks``, piece by piece (a
    ``--field`` no JSON record has is a ``BadInput`` at the end: the caller drops what it wrote)."""
    if fmt == "html":
        return _repair_html(blocks, fixer)
    if fmt == "jsonl":
        return _repair_jsonl(blocks, fixer, _Records(fields))
    return _repair_text(blocks, fixer)


def documents(fmt: str, blocks: Iterable[str], fields: Iterable[str] = ("text",),
              sample: int = DETECT_SAMPLE) -> Iterator[tuple[int | None, str]]:
    """The restorable text of each document in a file: ``(None, text)`` for a whole file,
    ``(line number, text)`` for each JSON line with words in its fields (as Parquet's rows with
    none are passed over, ``restore.parquet.documents``).  Long documents are cut to a sample of
    about ``sample`` characters from their first word (``restore learn`` reads them whole).

    >>> list(documents("jsonl", ['{"text": "a b"}\\n', '{"text": null}\\n', '{"text": "c"}\\n']))
    [(1, 'a b'), (3, 'c')]
    """
    if fmt == "jsonl":
        records = _Records(fields)
        for n, raw in enumerate(lines(blocks), 1):
            if raw.strip():
                texts = [value for _, _, _, value in records.strings(raw, n) if WORD.search(value)]
                if texts:
                    yield n, "\n\n".join(texts)
        records.check()
        return
    if fmt == "html":
        doc = "".join(blocks)
        text, attributes = markup.text_spans(doc)
        shown = "\n\n".join(markup.view(doc, spans)[0] for spans in (text, attributes))
        first = WORD.search(shown) if len(shown) > sample else None
        yield None, shown[first.start() if first else 0:][:sample]        # long: from the first word
        return
    taken: list[str] = []
    for chunk in paragraphs(blocks):
        if taken or WORD.search(chunk):     # from the first paragraph with words
            taken.append(chunk)
        if sum(map(len, taken)) >= sample:
            break
    yield None, "".join(taken)


# -- plain text ---------------------------------------------------------------------------------

NEWLINE = re.compile(r"\r\n|\r|\n")     # a line as editors count them, whichever convention the file keeps



def paragraphs(blocks: Iterable[str], size: int | None = None) -> Iterator[str]:
    """Join ``blocks`` and cut them again into chunks of at least ``size`` (default ``CHUNK``)
    characters, at blank lines.

    >>> list(paragraphs(["one\\n\\ntwo\\n", "\\nthree"], size=4))
    ['one\\n\\ntwo\\n\\n', 'three']
    """
    size = size or CHUNK
    buf = ""
    for block in blocks:
        buf = buf + block if buf else block
        while len(buf) > size:
            cut = _cut(buf, size)
            if cut is None:
                break
            yield buf[:cut]
            buf = buf[cut:]
    if buf:
        yield buf


def _cut(buf: str, size: int) -> int | None:
    """Where the next chunk of ``buf`` ends: after the first blank line past ``size``, or, in a
    paragraph too long to hold, after a line break or a space past ``size``; None: read on."""
    m = PARAGRAPH_BREAK.search(buf, size)
    if m and not (m.end() == len(buf) and buf.endswith("\r")):      # a CR whose LF may come next
        return m.end()
    if len(buf) < LONGEST_PARAGRAPH:
        return None
    for sep in ("\n", " "):
        at = buf.find(sep, size)
        if at >= 0:
            return at + 1
    return len(buf)


def lines(blocks: Iterable[str]) -> Iterator[str]:
    """The lines of the text in ``blocks``, each with its line break.

    >>> list(lines(["a\\nb", "c\\n", "d"]))
    ['a\\n', 'bc\\n', 'd']
    """
    buf = ""
    for block in blocks:
        *complete, buf = (buf + block).split("\n")
        for line in complete:
            yield line + "\n"
    if buf:
        yield buf


def _repair_text(blocks: Iterable[str], fixer: Fixer) -> Iterator[Piece]:
    offset, line = 0, 1
    for raw in paragraphs(blocks):
        fixed, repairs = fixer.repair_with_edits(raw)
        out, changes = fixer.restore(fixed)
        yield Piece(raw, out, [View(fixed, changes, offset, line, repairs=repairs)])
        offset += len(fixed)
        line += len(NEWLINE.findall(raw))


def _restore_long(text: str, fixer: Fixer) -> list:
    """Restore ``text`` chunk by chunk; the changes with offsets into ``text``."""
    changes, pos = [], 0
    for chunk in paragraphs([text]):
        _, found = fixer.restore(chunk)
        changes += [dataclasses.replace(c, start=c.start + pos, end=c.end + pos) for c in found]
        pos += len(chunk)
    return changes


# -- JSON Lines -------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def respliced(quoted: str, value: str, changes: list, ascii: bool) -> str | None:
    """The JSON string ``quoted`` (which reads as ``value``) with only the words ``changes`` made
    rewritten (their offsets count ``value``), so its other escapes stay as written (``\\/``,
    ``\\u00E9``); None if its escapes do not decode as ``json`` decodes them.

    >>> from restore.changes import Change
    >>> respliced('"caf\\\\u00E9 \\\\/ astatine"', "café / astatine", [Change(7, 15, "astatine", "at", 1.0)], True)
    '"caf\\\\u00E9 \\\\/ at"'
    """
    starts, i = [], 1                          # where each character of the value starts in ``quoted``
    while i < len(quoted) - 1:
        starts.append(i)
        if quoted[i] != "\\":
            i += 1
        elif quoted[i + 1] != "u":
            i += 2
        elif (0xD800 <= int(quoted[i + 2:i + 6], 16) < 0xDC00 and quoted[i + 6:i + 8] == "\\u"
              and 0xDC00 <= int(quoted[i + 8:i + 12], 16) < 0xE000):
            i += 12                            # a surrogate pair: one character, as json reads it
        else:
            i += 6
    starts.append(len(quoted) - 1)
    if len(starts) - 1 != len(value):
        return None
    out, pos = [], 0
    for c in changes:
        out += [quoted[pos:starts[c.start]], json.dumps(c.restored, ensure_ascii=ascii)[1:-1]]
        pos = starts[c.end]
    return "".join(out) + quoted[pos:]


def _paths(fields: Iterable[str]) -> frozenset:
    return frozenset(tuple(f.split(".")) for f in fields)


def _repair_jsonl(blocks: Iterable[str], fixer: Fixer, records: _Records) -> Iterator[Piece]:
    for n, raw in enumerate(lines(blocks), 1):
        if not raw.strip():
            yield Piece(raw, raw)
            continue
        out, pos, views = [], 0, []
        for name, start, end, value in records.strings(raw, n):
            fixed, repairs = fixer.repair_with_edits(value)
            restored, changes = fixer.restore(fixed)
            if restored != value:
                written = respliced(raw[start:end], value, changes, raw.isascii()) if fixed == value else None
                out += [raw[pos:start], written or json.dumps(restored, ensure_ascii=raw.isascii())]
                pos = end
            views.append(View(fixed, changes, 0, n, name, repairs))
        out.append(raw[pos:])
        yield Piece(raw, "".join(out), views)
    records.check()


class _Records:
    """The records of a JSON Lines file, read one line at a time: which of the wanted fields
    (dotted paths) any record has, so that a field no record has is an error, not a silent no-op.

    >>> records = _Records(["text", "meta.title"])
    >>> records.strings('{"text": "a", "meta": 1}', 1)
    [('text', 9, 12, 'a')]
    >>> records.check()
    Traceback (most recent call last):
    restore.errors.BadInput: no record has the field 'meta.title'
    """

    def __init__(self, fields: Iterable[str]):
        self.paths = _paths(fields)
        self.seen: set = set()          # the wanted paths some record has (whatever their value)
        self.count = 0

    def strings(self, line: str, n: int) -> list:
        """``json_strings`` of the record on line ``n``, with errors that say the line."""
        self.count += 1
        try:
            return _strings(line, self.paths, self.seen)
        except ValueError as e:
            raise BadInput(f"line {n}: not a JSON object ({e})") from None
        except RecursionError:
            raise BadInput(f"line {n}: JSON nested too deeply") from None

    def check(self) -> None:
        """A ``BadInput`` naming the wanted fields that no record had (a record lacking one is no error)."""
        missing = sorted(".".join(p) for p in self.paths - self.seen)
        if self.count and missing:
            raise BadInput(f"no record has the field{'s' if len(missing) > 1 else ''} "
                           + ", ".join(map(repr, missing)))


def json_strings(line: str, paths: frozenset) -> list[tuple[str, int, int, str]]:
    """Where the string values at ``paths`` (tuples of keys) stand in the JSON object ``line``:
    ``[(dotted path, start, end, value)]``, with ``start:end`` spanning the quoted string.

    >>> json_strings('{"id": 1, "meta": {"title": "A \\\\"b\\\\""}}', {("meta", "title")})
    [('meta.title', 28, 37, 'A "b"')]
    """
    return _strings(line, paths, set())


def _strings(line: str, paths: frozenset, seen: set) -> list[tuple[str, int, int, str]]:
    """``json_strings``, adding to ``seen`` the paths the object has (a ``RecursionError`` when
    its values nest too deeply)."""
    found: list = []
    start = _skip(line, 1 if line.startswith("\ufeff") else 0)
    end = _object(line, start, (), paths, found, seen)
    if _skip(line, end) != len(line):
        raise ValueError(f"extra data at column {_skip(line, end) + 1}")
    return found


def _skip(s: str, i: int) -> int:
    return _SPACE.match(s, i).end()  # type: ignore[union-attr]    # the pattern matches the empty string too


def _object(s: str, i: int, prefix: tuple, paths: frozenset, found: list, seen: set) -> int:
    """Walk the object at ``s[i]``, recording wanted strings in ``found`` and the wanted paths it
    has in ``seen``; return where it ends."""
    if s[i:i + 1] != "{":
        raise ValueError(f"expected an object at column {i + 1}")
    i = _skip(s, i + 1)
    if s[i:i + 1] == "}":
        return i + 1
    while True:
        if s[i:i + 1] != '"':
            raise ValueError(f"expected a key at column {i + 1}")
        key, i = scanstring(s, i + 1)
        i = _skip(s, i)
        if s[i:i + 1] != ":":
            raise ValueError(f"expected ':' at column {i + 1}")
        i = _skip(s, i + 1)
        path = prefix + (key,)
        if path in paths:
            seen.add(path)
        if path in paths and s[i:i + 1] == '"':
            value, end = scanstring(s, i + 1)
            found.append((".".join(path), i, end, value))
            i = end
        elif s[i:i + 1] == "{" and any(p[:len(path)] == path and len(p) > len(path) for p in paths):
            i = _object(s, i, path, paths, found, seen)
        else:
            _, i = _DECODER.raw_decode(s, i)
        i = _skip(s, i)
        if s[i:i + 1] == ",":
            i = _skip(s, i + 1)
        elif s[i:i + 1] == "}":
            return i + 1
        else:
            raise ValueError(f"expected ',' or '}}' at column {i + 1}")


# -- HTML ---------------------------------------------------------------------------------------

def _repair_html(blocks: Iterable[str], fixer: Fixer) -> Iterator[Piece]:
    raw = "".join(blocks)
    doc, spans, repairs = _fix_spans(raw, markup.text_spans(raw), fixer.repair_with_edits)
    edits = []
    for group in spans:
        view, starts = markup.view(doc, group)
        for c in _restore_long(view, fixer):
            i = bisect.bisect_right(starts, c.start) - 1
            if i < 0:
                continue
            start, end = group[i][:2]
            if c.end - starts[i] <= end - start:      # a change across markup or an entity is not made
                at = start + c.start - starts[i]
                edits.append(dataclasses.replace(c, start=at, end=at + c.end - c.start))
    edits.sort(key=lambda c: c.start)
    attributes = tuple((start, end, quoted) for start, end, _, quoted in spans[1])
    out, pos = [], 0
    for c in edits:
        out += [doc[pos:c.start], markup.escape(c.restored, markup.context(attributes, c.start))]
        pos = c.end
    out.append(doc[pos:])
    yield Piece(raw, "".join(out), [View(doc, edits, repairs=repairs, attributes=attributes)])


def _fix_spans(doc: str, groups: tuple, repair: Callable[[str], tuple[str, list]]) -> tuple[str, tuple, list]:
    """``doc`` with the mojibake in its text spans repaired, the spans moved to match, and the repairs."""
    every = sorted((start, end, g, k) for g, spans in enumerate(groups) for k, (start, end, *_) in enumerate(spans))
    out, pos, shift, repairs = [], 0, 0, []
    moved = [list(spans) for spans in groups]
    for start, end, g, k in every:
        text = doc[start:end]
        fixed, edits = repair(text)
        if fixed == text and not shift:
            continue
        repairs += [dataclasses.replace(c, start=c.start + start + shift, end=c.end + start + shift) for c in edits]
        out += [doc[pos:start], fixed]
        pos = end
        moved[g][k] = (start + shift, start + shift + len(fixed), *groups[g][k][2:])
        shift += len(fixed) - len(text)
    if not out:
        return doc, groups, []
    out.append(doc[pos:])
    return "".join(out), tuple(moved), repairs
