"""Where the text is in an HTML document: its text nodes and its ``alt`` and ``title`` values.

``restore.formats`` restores them and puts them back; everything else (markup, scripts, styles,
comments, entities) stays byte for byte.  The stdlib's tokenizer finds them, and its positions
say where each one is.

>>> doc = '<p>Workers <b>astatine</b> the agency.<!-- astatine --></p>'
>>> text, attributes = text_spans(doc)
>>> view(doc, text)[0]
'\\n\\nWorkers astatine the agency.'
"""
from __future__ import annotations

import bisect
import html
import math
import re
from html.parser import HTMLParser, attrfind_tolerant, tagfind_tolerant  # type: ignore[attr-defined]
from typing import Sequence

__all__ = ["QUOTED", "TEXT", "UNQUOTED", "context", "escape", "script_end", "text_spans", "view"]

INLINE = frozenset("a abbr acronym b bdi bdo big cite code data del dfn em font i img ins kbd label mark q "
                   "s samp small span strike strong sub sup time tt u var wbr".split())
RAW_TEXT = frozenset({"script", "style"})
ATTRIBUTES = frozenset({"alt", "title"})
_ENTITY = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_UNQUOTED_ENDS = re.compile(r"[\t\n\f\r =`]")
_SCRIPT_MARKS = re.compile(r"<!--|-->|</?script(?=[\t\n\f\r />])", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script(?=[\t\n\f\r />])[^>]*>", re.IGNORECASE)

TEXT, QUOTED, UNQUOTED = 0, 1, 2     # where a word is written: a text node, an attribute value in quotes or not


def view(doc: str, spans: list) -> tuple[str, list[int]]:
    """The text a reader sees in ``spans`` of ``doc`` (each with what stands before it), and where
    each span starts in that text."""
    parts, starts, pos = [], [], 0
    for start, end, before, *_ in spans:
        pos += len(before)
        starts.append(pos)
        parts += [before, doc[start:end]]
        pos += end - start
    return "".join(parts), starts


def escape(text: str, context: int) -> str:
    """``text`` as HTML writes it where ``context`` says, so that it is only ever text: in a text
    node ``&``, ``<`` and ``>`` as entities; in a ``QUOTED`` attribute value quotes too; in an
    ``UNQUOTED`` one also white space, ``=`` and the backquote, which would end the value there.

    >>> escape("</p><b>A&B's</b>", TEXT), escape('x" onload="y', QUOTED), escape("x onload=y", UNQUOTED)
    ("&lt;/p&gt;&lt;b&gt;A&amp;B's&lt;/b&gt;", 'x&quot; onload=&quot;y', 'x&#32;onload&#61;y')
    """
    text = html.escape(text, quote=context != TEXT)
    return _UNQUOTED_ENDS.sub(lambda m: f"&#{ord(m.group())};", text) if context == UNQUOTED else text


def context(attributes: Sequence[tuple[int, int, int]], at: int) -> int:
    """Where ``at`` is: in one of ``attributes`` (``(start, end, QUOTED or UNQUOTED)``, in order),
    that value's ``QUOTED`` or ``UNQUOTED``, else ``TEXT``.

    >>> values = [(3, 5, QUOTED), (9, 12, UNQUOTED)]
    >>> context(values, 4) == QUOTED, context(values, 9) == UNQUOTED, context(values, 5) == TEXT
    (True, True, True)
    """
    k = bisect.bisect_right(attributes, (at, math.inf)) - 1
    return attributes[k][2] if k >= 0 and at < attributes[k][1] else TEXT


def script_end(doc: str, start: int) -> int:
    """Where the script whose content begins at ``start`` ends, as the HTML standard reads it: a
    ``</script>`` inside ``<!-- ... <script> ... -->`` (old pages' ``document.write``) does not end it.

    >>> doc = '<script><!-- w("<script></script>"); --></script>'
    >>> script_end(doc, 8) == doc.rindex("</script>"), script_end("<script><!-->w('<script>')</script>", 8)
    (True, 26)
    """
    escaped = double = False
    for mark in _SCRIPT_MARKS.finditer(doc, start):
        word = mark.group().lower()
        if word == "<!--":                  # "<!-->" and "<!--->" close as they open
            escaped = escaped or (not double and not doc.startswith((">", "->"), mark.end()))
        elif word == "-->":
            escaped = double = False
        elif word == "<script":
            double = double or escaped
        elif double:                        # "</script" closes the nested script
            double = False
        else:
            return mark.start()
    return len(doc)


class _ScriptEnd:
    """What the tokenizer searches a script's raw text with: a match where the script ends."""

    def search(self, rawdata: str, start: int) -> re.Match | None:
        return _SCRIPT_CLOSE.match(rawdata, script_end(rawdata, start))


def text_spans(doc: str) -> tuple[list, list]:
    """The text nodes and the ``alt``/``title`` values of ``doc``: two lists of
    ``(start, end, what stands before it)``, each span free of markup and entities, a value's
    with a fourth item: whether it is ``QUOTED`` or ``UNQUOTED``.

    >>> doc = '<p>A <b>b</b>&amp;c</p><img alt="d">'
    >>> text, attributes = text_spans(doc)
    >>> text, attributes
    ([(3, 5, '\\n\\n'), (8, 9, ''), (18, 19, '&')], [(33, 34, '\\n\\n', 1)])
    >>> view(doc, text)[0]
    '\\n\\nA b&c'
    """
    finder = _TextFinder(doc)
    finder.feed(doc)
    finder.close()
    return finder.text, finder.attributes


class _TextFinder(HTMLParser):
    """Records where text nodes and alt/title values are, using the stdlib tokenizer's positions."""

    def __init__(self, doc: str):
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", doc)]
        self.text: list = []
        self.attributes: list = []
        self._break = ""            # what the markup since the last text node stands for
        self._entities: list = []   # entities since the last text node, decoded
        self._raw_text = None       # inside <script> or <style>
        self._closing = False       # the document has ended: what the tokenizer could not finish comes now
        self._tail, self._last_gt = "", -1     # the text left at the end, and its last ">"
        self._unfinished = False    # ... and it has begun: the rest is markup left open
        self._bracket = False       # ... or a "<" has come, which the next piece tells about

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _tag(self, tag: str) -> None:
        if tag == "br":
            self._break = self._break or "\n"
        elif tag not in INLINE:
            self._break = "\n\n"

    def set_cdata_mode(self, elem):
        """In a script, look for its end where the HTML standard finds it (``script_end``), not at
        the first ``</script>``: the tokenizer asks ``interesting`` where the raw text ends."""
        super().set_cdata_mode(elem)
        if self.cdata_elem == "script":
            self.interesting = _ScriptEnd()

    def parse_endtag(self, i):
        """A script's end tag with attributes or a slash (``</script foo>``) ends it, as in browsers."""
        if self._unclosed(i):
            return -1
        if self.cdata_elem == "script":
            end = _SCRIPT_CLOSE.match(self.rawdata, i)
            if end:
                self.handle_endtag("script")
                self.clear_cdata_mode()
                return end.end()
        return super().parse_endtag(i)

    def handle_starttag(self, tag, attrs):
        self._tag(tag)
        self._attributes(attrs)
        if tag in RAW_TEXT:
            self._raw_text = tag

    def handle_startendtag(self, tag, attrs):
        self._tag(tag)
        self._attributes(attrs)

    def handle_endtag(self, tag):
        self._tag(tag)
        if tag == self._raw_text:
            self._raw_text = None

    def handle_decl(self, decl):
        self._break = "\n\n"

    def handle_entityref(self, name):
        self._entities.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._entities.append(html.unescape(f"&#{name};"))

    def close(self) -> None:
        self._closing = True
        super().close()

    def _unclosed(self, i: int) -> bool:
        """Whether the document has ended with no ``>`` after ``i``: a ``<``, ``</`` or ``<?`` there
        opens nothing.  Python 3.11's tokenizer scans to the end to find that out, for each of them
        (time in the square of the document's length; CPython gh-135462), then hands it on as text."""
        if not self._closing:
            return False
        if self._tail is not self.rawdata:
            self._tail, self._last_gt = self.rawdata, self.rawdata.rfind(">")
        return self._last_gt < i

    def parse_starttag(self, i):
        return -1 if self._unclosed(i) else super().parse_starttag(i)

    def parse_pi(self, i):
        return -1 if self._unclosed(i) else super().parse_pi(i)

    def _cut_off(self, data: str) -> bool:
        """Whether ``data`` is markup the document leaves unfinished at its end (``<!-- ...`` never
        closed, ``<p title="...`` whose quote never closes), which the tokenizer hands on as text when
        the document ends, a lone "<" first.  A browser shows none of it, so none of it is restored.

        >>> text_spans("<p>Workers <!-- astatine the agency")[0], text_spans("<p>a < b astatine")[0]
        ([(3, 11, '\\n\\n')], [(3, 17, '\\n\\n')])
        """
        if not self._closing:
            return False
        opens = data[:1] == "<" and (data[1:2] in ("!", "/", "?") or data[1:2].isalpha())
        self._unfinished = self._unfinished or opens or (self._bracket and (data[:1] in ("!", "/", "?")
                                                                           or data[:1].isalpha()))
        self._bracket = data == "<"
        return self._unfinished or self._bracket

    def handle_data(self, data):
        if self._raw_text or self._cut_off(data):
            return
        start = self._offset()
        before = self._break or "".join(self._entities)
        if self.text and not before and self.text[-1][1] == start and not self._entities:
            self.text[-1] = (self.text[-1][0], start + len(data), self.text[-1][2])
        else:
            self.text.append((start, start + len(data), before))
        self._break, self._entities = "", []

    def _attributes(self, attrs) -> None:
        if not any(name in ATTRIBUTES for name, _ in attrs):
            return
        tag, at = self.get_starttag_text() or "", self._offset()
        k = tagfind_tolerant.match(tag, 1).end()
        while k < len(tag):
            m = attrfind_tolerant.match(tag, k)
            if not m:
                break
            k = m.end()
            if m.group(1).lower() not in ATTRIBUTES or not m.group(3):
                continue
            start, end = m.span(3)
            quoted = QUOTED if tag[start] in "'\"" else UNQUOTED
            if quoted == QUOTED:
                start, end = start + 1, end - 1
            before = "\n\n"
            for part in _ENTITY.split(tag[start:end]) if "&" in tag[start:end] else [tag[start:end]]:
                if part:
                    self.attributes.append((at + start, at + start + len(part), before, quoted))
                    before = ""
                start += len(part)
                entity = _ENTITY.match(tag, start)
                if entity and start < end:
                    before += html.unescape(entity.group())
                    start = entity.end()
