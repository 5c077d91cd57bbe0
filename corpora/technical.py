"""Technical documentation prose from Debian's documentation packages, for the context model.

The news, speeches and Brown text the context model is counted from say little of how
manuals are written ("the function returns", "is passed to the"), so a model restoring
or learning a garbler of technical text knew its domain only from the user's own pairs.
Four manuals fill that gap (1.28 M words of prose; the recipe counts every second paragraph): PostgreSQL's, git's, Perl's and the Debian
Administrator's Handbook.  Python's documentation is left out on purpose: it is the domain
``bench/garblers.py`` measures on, which must stay unseen.

>>> plain_prose("The server writes each change to the log first.")
False
>>> plain_prose("The server writes each change to the log before it applies the change to the table, "
...             "so that nothing is lost in a crash.")
True
>>> plain_prose("Call f(x) with x = [1, 2] and y = {3: 4} to see what the return value of f(x) is here.")
False
"""
from __future__ import annotations

import html
import io
import re
import subprocess
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from restore.tokenize import split_words

CACHE = Path(__file__).resolve().parent / "cache" / "technical"
# package: (a member's path must contain this, and end with one of these)
PACKAGES = {
    "postgresql-doc-15": ("/html/", (".html",)),
    "git-doc": ("/git-doc/", (".html",)),
    "perl-doc": ("/perl/", (".pod",)),
    "debian-handbook": ("/html/en-US/", (".html",)),
}
# The versions the shipped model was counted from.  Debian's point releases update these packages,
# and any change shifts which paragraphs are every second one: built with postgresql-doc-15 15.20
# instead of 15.18, the context model held 94 more words and one more clean test sentence changed.
VERSIONS = {
    "postgresql-doc-15": "15.18-0+deb12u1",
    "git-doc": "1:2.39.5-0+deb12u3",
    "perl-doc": "5.36.0-7+deb12u4",
    "debian-handbook": "11.20220922",
}
MIN_WORDS = 15            # a paragraph shorter than this is a heading, a caption or a table cell
_CODE_LIKE = re.compile(r"[(){}\[\]=<>/\\#@$%^|]")
_POD_CODE = re.compile(r"[A-Z]<+\s*([^<>]*?)\s*>+")


def plain_prose(text: str) -> bool:
    """Whether ``text`` is a paragraph of running prose: long enough, nearly all words, little code."""
    words = split_words(text)[1::2]
    plain = sum(w.isalpha() for w in words)
    return (len(words) >= MIN_WORDS and plain >= 0.85 * len(words)
            and len(_CODE_LIKE.findall(text)) <= 0.05 * len(words))


class _Paragraphs(HTMLParser):
    """The text of every paragraph (``<p>``, or DocBook's ``<div class="para">``) of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "p" or (tag == "div" and ("class", "para") in attrs):
            self._close()
            self._open = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "li", "td", "body"):
            self._close()

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def _close(self) -> None:
        if self._open is not None:
            self.found.append(" ".join("".join(self._open).split()))
        self._open = None


def html_paragraphs(page: str) -> list[str]:
    """The paragraphs of an HTML page, as plain text.

    >>> html_paragraphs('<h1>Title</h1><p>One <b>bold</b> &amp; plain.</p><pre>code</pre><div class="para">Two.')
    ['One bold & plain.', 'Two.']
    """
    parser = _Paragraphs()
    parser.feed(page)
    parser.close()
    parser._close()
    return [p for p in parser.found if p]


def pod_paragraphs(pod: str) -> list[str]:
    """The ordinary paragraphs of a Perl POD page (no commands, no verbatim code), codes removed.

    >>> pod_paragraphs("=head1 NAME\\n\\nThe C<open> call opens L<a file|perlfunc>.\\n\\n    my $x = 1;\\n")
    ['The open call opens a file.']
    """
    out = []
    for para in re.split(r"\n\s*\n", pod):
        if not para.strip() or para[0] in " \t=":
            continue
        text = _POD_CODE.sub(lambda m: m.group(1).split("|")[0], para)
        out.append(" ".join(html.unescape(text).split()))
    return out


def deb_name(package: str, version: str) -> str:
    """The file name ``apt-get download`` gives a package's version.

    >>> deb_name("git-doc", "1:2.39.5-0+deb12u3")
    'git-doc_1%3a2.39.5-0+deb12u3_all.deb'
    """
    return f"{package}_{version.replace(':', '%3a')}_all.deb"


def fetch() -> list[Path]:
    """The packages' ``.deb`` files (``VERSIONS``) in the cache, downloaded once by ``apt-get download``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = []
    for package, version in VERSIONS.items():
        deb = CACHE / deb_name(package, version)
        if not deb.exists():
            done = subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=CACHE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if done.returncode or not deb.exists():
                raise SystemExit(f"corpora.technical: apt-get download {package}={version} failed; if that version has "
                                 f"left Debian's archive, put {deb.name} from snapshot.debian.org in {CACHE}")
        found.append(deb)
    return found


def _pages(deb: Path, inside: str, endings: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of each page of a ``.deb`` whose path contains ``inside`` and ends so."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.isfile() and inside in member.name and member.name.endswith(endings):
                raw = tar.extractfile(member)
                if raw is not None:
                    yield member.name, raw.read().decode("utf-8", "replace")


def technical() -> list[str]:
    """Every distinct prose paragraph of the four manuals, in a fixed order."""
    paragraphs: dict[str, None] = {}
    for deb in fetch():
        inside, endings = PACKAGES[deb.name.split("_")[0]]
        for name, page in _pages(deb, inside, endings):
            found = pod_paragraphs(page) if name.endswith(".pod") else html_paragraphs(page)
            paragraphs.update(dict.fromkeys(p for p in found if plain_prose(p)))
    return list(paragraphs)
