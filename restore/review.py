"""Review pages: one self-contained HTML page per document, where an editor accepts, rejects or
replaces each change and exports the text; and an index page for many documents.

A page needs no network and no build step: its style and script are inline (the template is
``restore/data/review.html``), and the document travels as JSON inside it, escaped so that no text
can end the script.  The page exports exactly what ``restore apply`` writes from the same decisions.

>>> from restore import Change
>>> from restore.document import Document, Region
>>> change = Change(7, 15, "astatine", "at", 0.9, [("astatine", 0.1)])
>>> doc = Document("a.txt", "text", [Region("We met astatine noon. </script>", [change])], words=5)
>>> html = page(doc)
>>> html.count("</script>"), "src=" in html, '[[7,15,"astatine","at",0.9,[],0.1]]' in html
(2, False, True)
"""
from __future__ import annotations

import functools
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote

from . import markup
from .document import Document, NothingToReview, ReviewError, read_document, write_atomic
from .errors import one_line, shown
from .tokenize import match_case, normalize, split_words

DOUBTFUL = 0.6          # changes less sure than this are counted as doubtful in the index
_DATA = Path(__file__).parent / "data"


@functools.cache
def template(name: str) -> str:
    """The page template ``restore/data/<name>``, read once."""
    return (_DATA / name).read_text(encoding="utf-8")


def fill(text: str, **values: str) -> str:
    """``text`` with each ``{{name}}`` replaced by ``values[name]``, in one pass (so a value is never
    filled in again).

    >>> fill("<h1>{{a}}</h1>{{b}}", a="{{b}}", b="x")
    '<h1>{{b}}</h1>x'
    """
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


_UNSAFE = re.compile("[<>&\u007f-\u009f\u2028\u2029\ud800-\udfff]")


def script_json(value) -> str:
    """``value`` as JSON that is safe inside ``<script>``: no ``</script>`` or ``<!--`` can appear,
    and line separators, C1 controls and lone surrogates are escaped.

    >>> script_json({"a": "</script><!--\\u2028"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u2028"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _alternatives(garbled: str, alternatives: list) -> tuple[list, float | None]:
    """A change's alternatives as the page offers them, in the garbled word's case, and the
    probability of keeping the garbled word (which the page offers as reject)."""
    kept = " ".join(normalize(w) for w in split_words(garbled)[1::2])
    out, keep = [], None
    for word, p in alternatives:
        if word == kept:
            keep = round(p, 4)
        else:
            out.append([match_case(garbled, word), round(p, 4)])
    return out, keep


def export_names(path: str) -> tuple[str, str]:
    """The names the page downloads: the reviewed text and the decisions file.

    >>> export_names("news/article.txt"), export_names("-")
    (('article.reviewed.txt', 'article.decisions.jsonl'), ('stdin.reviewed.txt', 'stdin.decisions.jsonl'))
    """
    stem, ext = os.path.splitext(os.path.basename(path) if path != "-" else "stdin.txt")
    return f"{stem}.reviewed{ext}", f"{stem}.decisions.jsonl"


def page_data(doc: Document) -> dict:
    """What the page's script reads: the document's parts (each region as the text between its
    changes, and for HTML where each change is) and its changes as
    ``[start, end, garbled, restored, confidence, alternatives, keep]``."""
    parts: list[str | dict] = []
    for part in doc.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        gaps, pos = [], 0
        for c in part.changes:
            gaps.append(part.text[pos:c.start])
            pos = c.end
        gaps.append(part.text[pos:])
        region: dict = {"gaps": gaps}
        if part.attributes is not None:         # HTML: where each change is, as markup.escape takes it
            region["html"] = [markup.context(part.attributes, c.start) for c in part.changes]
        if part.quoted is not None:
            region["quoted"] = part.quoted
            region["ascii"] = part.ascii
            if part.value is not None:
                region["value"] = part.value
        parts.append(region)
    changes = [[c.start, c.end, c.garbled, c.restored, round(c.confidence, 4), *_alternatives(c.garbled, c.alternatives)]
               for c in doc.changes]
    text_name, decisions_name = export_names(doc.path)
    return {"name": doc.path, "format": doc.format, "words": doc.words, "parts": parts, "changes": changes,
            "export": {"text": text_name, "decisions": decisions_name}, "document": doc.fingerprint, "bom": doc.bom}


def page(doc: Document, nav: str = "") -> str:
    """The review page of ``doc``; ``nav`` is HTML linking it to its index and neighbours."""
    return fill(template("review.html"), title=shown_html(doc.path), nav=nav, data=script_json(page_data(doc)))


def shown_html(name: str) -> str:
    """A file name as a page shows it: as ``shown`` writes it on a line (a name that is not UTF-8,
    or holds a line break, quoted with escapes), escaped for HTML.

    >>> shown_html("a <b>.txt"), shown_html("bad\\udcffname.txt")
    ('a &lt;b&gt;.txt', '&#x27;bad\\\\xffname.txt&#x27;')
    """
    return html.escape(shown(name))


# -- many documents ------------------------------------------------------------------------------

@dataclass
class Entry:
    """A reviewed document and where its page is (relative to the output folder)."""

    doc: Document
    page: str

    @property
    def changes(self) -> int:
        return sum(len(r.changes) for _, _, r in self.doc.regions())

    @property
    def lowest(self) -> float | None:
        return min((c.confidence for c in self.doc.changes), default=None)


def link(source: str, target: str) -> str:
    """A safe relative URL from the page ``source`` to the page ``target`` (both relative to the
    output folder), percent-encoded from the name's bytes (so a name that is not UTF-8 links too).

    >>> link("2024/a.txt.html", "index.html"), link("index.html", "b #1.txt.html")
    ('./../index.html', './b%20%231.txt.html')
    >>> link("index.html", "bad\\udcffname.txt.html")
    './bad%FFname.txt.html'
    """
    return "./" + quote(os.fsencode(os.path.relpath(target, os.path.dirname(source) or ".").replace(os.sep, "/")))


def _nav(entries: list[Entry], k: int) -> str:
    here = entries[k].page
    out = [f'<a href="{link(here, "index.html")}">&larr; All documents</a>',
           f"<span>Document {k + 1} of {len(entries)} (most changed first)</span>"]
    if k > 0:
        out.append(f'<a href="{link(here, entries[k - 1].page)}" rel="prev">&lsaquo; Previous: '
                   f'{shown_html(entries[k - 1].doc.path)}</a>')
    if k + 1 < len(entries):
        out.append(f'<a href="{link(here, entries[k + 1].page)}" rel="next">Next: '
                   f'{shown_html(entries[k + 1].doc.path)} &rsaquo;</a>')
    return '<nav class="docs" aria-label="Documents">' + "".join(out) + "</nav>"


def index_page(entries: list[Entry], problems: list[tuple[str, str]], title: str) -> str:
    """The index of ``entries`` (in the order given) with a list of the files that were not
    reviewed (``(path, why)``)."""
    rows = []
    for k, e in enumerate(entries, 1):
        share, lowest = e.doc.share, e.lowest
        doubtful = sum(c.confidence < DOUBTFUL for c in e.doc.changes)
        rows.append(f'<tr><td class="n">{k}</td><td class="doc"><a href="{link("index.html", e.page)}">'
                    f'{shown_html(e.doc.path)}</a></td><td class="n">{e.doc.words:,}</td>'
                    f'<td class="n">{e.changes:,}</td><td class="n"><span class="bar" style="width:{share * 10:.2f}em">'
                    f'</span>{share:.1%}</td><td class="n">{doubtful:,}</td>'
                    f'<td class="n">{"" if lowest is None else f"{lowest:.0%}"}</td></tr>')
    words, changed = sum(e.doc.words for e in entries), sum(e.changes for e in entries)
    summary = (f"{len(entries):,} documents, {words:,} words, {changed:,} changed "
               f"({changed / words if words else 0:.1%}).")
    listed = "".join(f"<li>{shown_html(p)}: {html.escape(one_line(why))}</li>" for p, why in problems)
    return fill(template("review-index.html"), title=html.escape(title), summary=summary, rows="\n".join(rows),
                problems=f'<h2>Not reviewed</h2><ul class="problems">{listed}</ul>' if problems else "")


def _page_name(relative: str, taken: set) -> str:
    """The page of the input at ``relative``: ``relative.html``, numbered if that is taken."""
    name, n = relative + ".html", 1
    while name.lower() in taken:
        n += 1
        name = f"{relative}~{n}.html"
    taken.add(name.lower())
    return name


# -- the command ---------------------------------------------------------------------------------

def review(inputs: list[str], output: str, restorer, *, say: Callable[[str], None] = lambda line: None,
           **read: Any) -> int:
    """Write review pages of ``inputs`` restored with ``restorer``: one page at ``output`` for a
    single file, else an index and a page per document in the folder ``output``.  ``read`` goes
    to ``read_document``.  Returns the number of files that failed."""
    from .errors import UsageError
    from .inputs import _is_glob
    if len(inputs) == 1 and not os.path.isdir(inputs[0]) and not _is_glob(inputs[0]):
        if os.path.isdir(output) or output.endswith(("/", os.sep)):
            output = os.path.join(output, os.path.basename(inputs[0] if inputs[0] != "-" else "stdin") + ".html")
        write_atomic(output, page(read_document(inputs[0], restorer, **read)), inputs)
        return 0
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"{output} is a file; several documents need an output folder")
    if not os.path.lexists(output) and os.path.splitext(output)[1].lower() in (".html", ".htm"):
        raise UsageError(f"-o {shown(output)} is named like a page, but several documents need an output folder "
                         f"(its index.html is the first page to open)")
    out = os.path.realpath(output)
    for arg in inputs:
        if os.path.isdir(arg) and (out + os.sep).startswith(os.path.realpath(arg).rstrip(os.sep) + os.sep):
            raise UsageError(f"the output folder {output} is inside the input folder {arg}")
    entries, problems, failed = _read_all(inputs, restorer, say, read)
    if not entries and not problems:
        say(f"no files found in {', '.join(map(shown, inputs))}")        # an empty folder: nothing written
        return 0
    entries.sort(key=lambda e: (-e.doc.share, -e.changes, e.doc.path))
    sources = {os.path.realpath(e.doc.path) for e in entries}
    for k, e in enumerate(entries):
        _write_page(os.path.join(output, e.page), page(e.doc, _nav(entries, k)), sources)
    title = "Review of " + (shown(inputs[0]) if len(inputs) == 1 else f"{len(inputs)} inputs")
    _write_page(os.path.join(output, "index.html"), index_page(entries, problems, title), sources)
    return failed


def _write_page(path: str, text: str, sources: set) -> None:
    """Write a page, unless it would overwrite one of the (real) ``sources``."""
    if os.path.realpath(path) in sources:
        raise ReviewError(f"{path} is an input: restore never overwrites its input")
    write_atomic(path, text)


def _read_all(inputs: Iterable[str], restorer, say, read) -> tuple[list[Entry], list, int]:
    from .inputs import find_files, named_by
    is_named = named_by(inputs)
    entries, problems, failed, taken = [], [], 0, {"index.html"}
    seen: set[str] = set()
    for path, relative, problem, skipped in find_files(inputs):
        real = os.path.realpath(path) if path != "-" else path
        if real in seen:                    # named twice (a folder and a glob of it): one page
            continue
        seen.add(real)
        if problem:
            problems.append((path, problem))
            failed += not skipped
            say(f"{'skipped' if skipped else 'error'}: {path}: {problem}")
            continue
        try:
            doc = read_document(path, restorer, **read)
        except NothingToReview as e:
            problems.append((path, str(e).removeprefix(f"{path}: ")))
            named = e.binary and is_named(path)          # a binary file named, not found: an error, as for fix
            failed += named
            say(f"{'error' if named else 'skipped'}: {e}")
            continue
        except ReviewError as e:
            problems.append((path, str(e).removeprefix(f"{path}: ")))
            failed += 1
            say(f"error: {e}")
            continue
        entries.append(Entry(doc, _page_name(relative or os.path.basename(path), taken)))
    return entries, problems, failed
