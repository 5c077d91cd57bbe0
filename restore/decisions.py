"""Decisions files: what an editor decided about each change, one JSON object a line.

The review page exports one line per change it shows, in order::

    {"change": 0, "start": 103, "end": 111, "garbled": "astatine", "restored": "at",
     "confidence": 1.0, "decision": "accept", "text": "at", "reviewed": true}

``change`` is the change's index, ``start``/``end`` its place (characters into the document's text
after mojibake repair, as ``restore fix --changes`` counts them; in JSON Lines, into the line with
each restored field's value read out of its quotes, where ``--changes`` counts into the value),
``decision`` one of ``accept``
(write ``restored``), ``reject`` (keep ``garbled``) or ``replace`` (write ``text``, an alternative the
editor chose).  ``text`` is what goes into the output; it may be left out for accept and reject.
``confidence`` and ``reviewed`` (false: left as restore proposed) are for people and are not checked.
``document`` (the page's ``Document.fingerprint``) and ``of`` (how many changes it exported) are
checked where given: decisions for another reading of the file, or a file cut short, are refused.
A change with no line (in a file without ``of``) is not made.

``apply`` checks every line against the document (the garbled text must stand at its offsets) and
writes exactly the text the page exports.  In HTML a change must lie in a text node or an alt or
title value, and a text other than the garbled one is written escaped (``<`` as ``&lt;``; in an alt
or title value, quotes too), so no decision adds markup.

>>> from restore import Change
>>> from restore.document import Document, Region
>>> doc = Document("a.txt", "text", [Region("We met astatine noon.")])
>>> lines = ['{"change": 0, "start": 7, "end": 15, "garbled": "astatine", "restored": "at", "decision": "accept"}']
>>> apply(doc, parse(lines, "a.decisions.jsonl"))
'We met at noon.'
>>> apply(doc, parse([lines[0].replace('"end": 15', '"end": 14')], "a.decisions.jsonl"))
Traceback (most recent call last):
restore.decisions.DecisionsError: a.decisions.jsonl:1: change 0 does not match a.txt: expected 'astatine' at 7..14, found 'astatin' (made for another file, or with other --format, --field or --no-ftfy?)
"""
from __future__ import annotations

import bisect
import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Iterable

from . import markup
from .changes import Change
from .document import Document, Region, ReviewError

DECISIONS = ("accept", "reject", "replace")


class DecisionsError(ReviewError):
    """A decisions file that is malformed or does not match its document; names the file and line."""


@dataclass
class Decision:
    """What to write in place of one change."""

    change: int
    start: int
    end: int
    garbled: str
    restored: str
    decision: str = "accept"
    text: str = ""
    confidence: float | None = None
    reviewed: bool = True
    document: str | None = None     # the fingerprint of the document the page showed (``Document.fingerprint``)
    of: int | None = None           # how many changes the page exported
    where: str = field(default="", compare=False)   # the file and line it was read from, for messages

    def as_dict(self) -> dict:
        """The decision as the page writes it (a line of a decisions file)."""
        out = {"change": self.change, "start": self.start, "end": self.end, "garbled": self.garbled,
               "restored": self.restored}
        if self.confidence is not None:
            out["confidence"] = self.confidence
        out.update(decision=self.decision, text=self.text, reviewed=self.reviewed)
        if self.document is not None:
            out.update(document=self.document, of=self.of)
        return out


def proposed(doc: Document) -> list[Decision]:
    """Every change of ``doc`` accepted, unreviewed: what the page exports when nobody touched it."""
    return [Decision(i, c.start, c.end, c.garbled, c.restored, "accept", c.restored, round(c.confidence, 4), False,
                     doc.fingerprint, len(doc.changes)) for i, c in enumerate(doc.changes)]


def dumps(decisions: Iterable[Decision]) -> str:
    """A decisions file's text, one JSON object a line."""
    return "".join(json.dumps(d.as_dict(), ensure_ascii=False) + "\n" for d in decisions)


def read(path: str) -> list[Decision]:
    """The decisions in the file at ``path``, checked line by line."""
    from .pairs import PairError, read_text
    try:
        text = read_text(path)
    except PairError as e:
        raise DecisionsError(str(e)) from None
    return parse(text.split("\n"), path)    # not splitlines(): U+2028 may stand inside a string


def parse(lines: Iterable[str], path: str) -> list[Decision]:
    """Decisions from the lines of a decisions file (blank lines are skipped); a malformed line,
    or one out of order, is a ``DecisionsError`` naming ``path`` and the line.

    >>> parse(['{"change": 0, "start": 3, "end": 1, "garbled": "x", "restored": "y", "decision": "accept"}'], "d.jsonl")
    Traceback (most recent call last):
    restore.decisions.DecisionsError: d.jsonl:1: "end" must be a number after "start"
    """
    out: list[Decision] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DecisionsError(f"{where}: not JSON ({e.msg}, column {e.colno})") from None
        except ValueError:                  # int(): a number of thousands of digits
            raise DecisionsError(f"{where}: a number too long to read") from None
        except RecursionError:
            raise DecisionsError(f"{where}: JSON nested too deeply") from None
        d = _decision(row, where)
        d.where = where
        if out and d.change <= out[-1].change:
            raise DecisionsError(f"{where}: change {d.change} comes after change {out[-1].change}; "
                                 f"give each change once, in order")
        if out and d.start < out[-1].start:
            raise DecisionsError(f"{where}: change {d.change} at {d.start}..{d.end} stands before change "
                                 f"{out[-1].change} at {out[-1].start}..{out[-1].end} ({out[-1].where}): one of them "
                                 f"is misplaced")
        if out and d.start < out[-1].end:
            raise DecisionsError(f"{where}: change {d.change} starts at {d.start}, inside change {out[-1].change} "
                                 f"(which ends at {out[-1].end})")
        out.append(d)
    return out


def _decision(row, where: str) -> Decision:
    if not isinstance(row, dict):
        raise DecisionsError(f"{where}: expected a JSON object, not {type(row).__name__}")
    for key in ("change", "start", "end"):
        if not _count(row.get(key)):
            raise DecisionsError(f"{where}: {json.dumps(key)} must be a whole number, 0 or more")
    if row["end"] <= row["start"]:
        raise DecisionsError(f'{where}: "end" must be a number after "start"')
    for key in ("garbled", "restored"):
        if not isinstance(row.get(key), str):
            raise DecisionsError(f"{where}: {json.dumps(key)} must be a string")
    decision = row.get("decision")
    if decision not in DECISIONS:
        raise DecisionsError(f'{where}: "decision" must be one of {", ".join(DECISIONS)}, not {json.dumps(decision)}')
    implied = {"accept": row["restored"], "reject": row["garbled"]}.get(decision)
    text = row.get("text", implied)
    if not isinstance(text, str):
        raise DecisionsError(f'{where}: "text" must be a string' + (" (the replacement)" if decision == "replace" else ""))
    if implied is not None and text != implied:
        raise DecisionsError(f'{where}: "text" of a change to {decision} must be its '
                             f'{"restored" if decision == "accept" else "garbled"} text {json.dumps(implied)}; '
                             f'use "replace" for other text')
    confidence = row.get("confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float))):
        raise DecisionsError(f'{where}: "confidence" must be a number')
    reviewed = row.get("reviewed", True)
    if not isinstance(reviewed, bool):
        raise DecisionsError(f'{where}: "reviewed" must be true or false')
    document, of = row.get("document"), row.get("of")
    if document is not None and not isinstance(document, str):
        raise DecisionsError(f'{where}: "document" must be a string')
    if of is not None and not (_count(of) and of > row["change"]):
        raise DecisionsError(f'{where}: "of" must be a whole number, more than "change"')
    return Decision(row["change"], row["start"], row["end"], row["garbled"], row["restored"], decision, text,
                    confidence, reviewed, document, of)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def apply(doc: Document, decisions: list[Decision]) -> str:
    """``doc`` written with ``decisions``, each checked against its text."""
    _check_whole(doc, decisions)
    text = doc.text
    regions = list(doc.regions())
    starts = [start for start, _, _ in regions]
    placed: list[list] = [[] for _ in regions]
    readable: dict[int, list | None] = {}      # each region's spans of text restore reads, found once
    for d in decisions:
        where = d.where or f"change {d.change}"
        found = text[d.start:d.end]
        if found != d.garbled:
            raise DecisionsError(f"{where}: change {d.change} does not match {doc.path}: expected {_short(d.garbled)} "
                                 f"at {d.start}..{d.end}, found {_short(found)} "
                                 f"(made for another file, or with other --format, --field or --no-ftfy?)")
        k = bisect.bisect_right(starts, d.start) - 1
        if k >= 0 and k not in readable:
            readable[k] = _readable_spans(regions[k][2])
        if (k < 0 or d.end > starts[k] + len(regions[k][2].text)
                or not _within(readable[k], d.start - starts[k], d.end - starts[k])):
            raise DecisionsError(f"{where}: change {d.change} at {d.start}..{d.end} is not in text restore reads "
                                 f"in {doc.path}")
        placed[k].append(d)
    parts, k = ["\ufeff" if doc.bom else ""], 0
    for part in doc.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        base = starts[k]
        spans = [Change(d.start - base, d.end - base, d.garbled, d.text, 1.0) for d in placed[k]]
        parts.append(dataclasses.replace(part, changes=spans).render([c.restored for c in spans]))
        k += 1
    return "".join(parts)


def _check_whole(doc: Document, decisions: list[Decision]) -> None:
    """A ``DecisionsError`` if the decisions say their page showed another document, or that the
    page exported more of them than there are (a file cut short would leave changes unmade)."""
    for d in decisions:
        if d.document is not None and d.document != doc.fingerprint:
            raise DecisionsError(f"{d.where}: made for another document than {doc.path} as read now (another "
                                 f"file, or other --format, --field, --encoding or --no-ftfy options than the page's)")
    counts = {d.of for d in decisions if d.of is not None}
    if len(counts) > 1:
        raise DecisionsError(f"{decisions[0].where.rpartition(':')[0]}: its lines disagree on how many changes the "
                             f"page exported ({', '.join(map(str, sorted(counts)))})")
    if counts and len(decisions) < (of := counts.pop()):
        raise DecisionsError(f"{decisions[0].where.rpartition(':')[0]}: holds {len(decisions)} of the {of} changes "
                             f"its page exported: cut short? (to leave a change unmade, reject it)")


def _readable_spans(region: Region) -> list[tuple[int, int]] | None:
    """Where in ``region`` the text restore reads is: None for plain text and JSON strings (all of
    it), and in HTML its text nodes and alt/title values, never markup or a script.

    >>> _readable_spans(Region('<p title="astatine">astatine</p>', attributes=((10, 18, 1),)))
    [(10, 18), (20, 28)]
    """
    if region.attributes is None:
        return None
    text, attributes = markup.text_spans(region.text)
    return sorted((span[0], span[1]) for span in text + attributes)


def _within(spans: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    """Whether ``start..end`` lies within one of ``spans`` (None: anywhere)."""
    if spans is None:
        return True
    k = bisect.bisect_right(spans, (start, math.inf)) - 1
    return k >= 0 and end <= spans[k][1]


def _short(text: str, most: int = 40) -> str:
    """``text`` quoted, cut to ``most`` characters."""
    return repr(text if len(text) <= most else text[:most] + "…")
