"""Pick the most likely original of a spun text, and leave everything else alone.

Every word gets options: itself, and each original the channel knows for it
(single words, or a phrase the spinner expanded).  A trigram context model
scores the options; Viterbi runs over each stretch of nearby ambiguous words,
so words with no options cost next to nothing.  How spun the document is, is
estimated from the text itself, so clean prose is left alone.

>>> Restorer().restore("Workers astatine the agency person been told.")
'Workers at the agency have been told.'
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from .model import Model
from .tokenize import BOUNDARY, gap_tokens, match_case, normalize, split_words, starts_sentence

SPUN_PRIOR = -5.0         # prior log-odds that a text is spun: restoring needs this much net evidence
PRIOR_SPIN = 0.1          # prior mean of a document's spin rate (relative to the training data)
PRIOR_STRENGTH = 10.0     # ... worth this many rewritable words of evidence
MIN_SPIN = 0.02           # floor of the spin estimate of a document that reads as spun
SPIN_ITERATIONS = 4
LM_WEIGHT = 1.0           # scale of context-model log-probabilities against the channel
UNSEEN = -30.0            # log-probability of a context the batch lookup did not cover


def fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, leaving quotes, widths, line breaks and entities as they were.

    >>> fix_mojibake("The SSAâ€™s “safe spaceâ€\\x9d")
    'The SSA’s “safe space”'
    """
    import ftfy
    return ftfy.fix_text(text, config=_ftfy_config())


@functools.lru_cache(maxsize=1)
def _ftfy_config():
    import ftfy
    return ftfy.TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
                                fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
                                remove_control_chars=False, normalization=None, explain=False)


@dataclass
class Change:
    """One restored word (or phrase) of the input."""

    start: int                      # character offsets in the (ftfy-fixed) input
    end: int
    garbled: str
    restored: str
    confidence: float               # posterior probability of the restored option
    alternatives: list = field(default_factory=list)   # [(word, probability)], best first

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "garbled": self.garbled, "restored": self.restored,
                "confidence": round(self.confidence, 4),
                "alternatives": [[w, round(p, 4)] for w, p in self.alternatives]}


class _Document:
    """One text as a lattice: its words, the options of the ambiguous ones, and its token stream.

    ``options[k]`` lists ``(original or None, tokens, channel score, words spanned)`` for
    ambiguous word ``k``; option 0 keeps the word.  ``stream`` is the context-model token
    sequence with the kept words, and ``where[k]`` the position of word ``k`` in it.
    """

    def __init__(self, parts: list[str], channel):
        self.parts = parts
        words = parts[1::2]
        self.fixed = fixed = [normalize(w) for w in words]
        self.options = {}
        originals, propensity, phrases, phrase_starts = (
            channel.originals, channel.propensity, channel.phrases, channel.phrase_starts)
        for k, word in enumerate(words):
            n = fixed[k]
            cands = originals.get(n)
            longest = phrase_starts.get(n)
            if cands is None and longest is None:
                continue
            if not (word.islower() or (word.istitle() and starts_sentence(parts[2 * k], words[k - 1] if k else None))):
                continue
            options = [(None, (n,), propensity.get(n, 0.0), 1)]
            options.extend((c, tuple(c.split()), score, 1) for c, score in cands or ())
            for length in range(2, (longest or 1) + 1):
                if k + length > len(words) or parts[2 * (k + length - 1)] != " ":
                    break
                options.extend((c, tuple(c.split()), score, length)
                               for c, score in phrases.get(tuple(fixed[k:k + length]), ()))
            if len(options) > 1:
                self.options[k] = options
        stream, where = [BOUNDARY, BOUNDARY], []
        for k, n in enumerate(fixed):
            stream.extend(gap_tokens(parts[2 * k]))
            where.append(len(stream))
            stream.append(n)
        stream.extend(gap_tokens(parts[-1]))
        stream.extend((BOUNDARY, BOUNDARY))
        self.stream, self.where = stream, where
        self.segments = self._segments()

    def _segments(self) -> list[tuple[int, int]]:
        """Runs of words ``[first, stop)`` decoded together: ambiguous words less than three tokens apart."""
        segments = []
        for k in sorted(self.options):
            reach = k + max(o[3] for o in self.options[k])
            if segments and (k < segments[-1][1] or self.where[k] - self.where[segments[-1][1] - 1] <= 2):
                segments[-1][1] = max(segments[-1][1], reach)
            else:
                segments.append([k, reach])
        return [tuple(s) for s in segments]

    def choices(self, k: int):
        return self.options.get(k) or ((None, (self.fixed[k],), None, 1),)

    def gap(self, k: int) -> list[str]:
        """Context tokens between word ``k - 1`` and word ``k``."""
        return self.stream[self.where[k - 1] + 1:self.where[k]] if k else self.stream[2:self.where[0]]

    def right(self, stop: int) -> tuple[str, str]:
        """The two kept tokens after word ``stop - 1``."""
        p = self.where[stop - 1] + 1
        return self.stream[p], self.stream[p + 1]


class Restorer:
    """Restores many texts with one loaded model.

    >>> r = Restorer()
    >>> text, changes = r.restore_with_changes("Successful April, helium said.")
    >>> text, [(c.garbled, c.restored) for c in changes]
    ('In April, he said.', [('Successful', 'In'), ('helium', 'he')])
    """

    def __init__(self, model: Model | None = None, *, fix_mojibake: bool = True,
                 min_confidence: float = 0.0, spin_rate: float | None = None):
        self.model = model or Model.default()
        self.fix_mojibake = fix_mojibake
        self.min_confidence = min_confidence
        self.spin_rate = spin_rate
        self.lm_weight = LM_WEIGHT
        self._channel = self.model.channel
        self._lm = self.model.context

    # -- public -------------------------------------------------------------------------
    def restore(self, text: str) -> str:
        """The restored text."""
        return self.restore_with_changes(text)[0]

    def restore_with_changes(self, text: str) -> tuple[str, list[Change]]:
        """The restored text and the list of changes made to it."""
        if self.fix_mojibake:
            text = fix_mojibake(text)
        doc = _Document(split_words(text), self._channel)
        if not doc.options:
            return text, []
        rate = self.spin_rate if self.spin_rate is not None else self._estimate_spin(doc)
        if rate <= 0:
            return text, []
        choice, lm, _ = self._decode(doc, rate)
        return self._apply(doc, choice, self._posteriors(doc, choice, rate, lm))

    def spin_score(self, text: str) -> float:
        """How likely ``text`` is spun, 0 (clean) to 1, from the evidence of the whole document.

        >>> r = Restorer()
        >>> r.spin_score("Workers astatine the agency person been told.") > 0.99
        True
        >>> r.spin_score("Workers at the agency have been told.") < 0.01
        True
        """
        doc = _Document(split_words(text), self._channel)
        if not doc.options:
            return 0.0
        evidence = self._spun_evidence(doc) + SPUN_PRIOR
        return 1.0 / (1.0 + math.exp(-evidence)) if evidence > -700 else 0.0

    # -- decoding ---------------------------------------------------------------------------
    @staticmethod
    def _channel_score(out, score, rate: float) -> float:
        if score is None:                         # a word with no options
            return 0.0
        if out is None:                           # keep the word: it survived the spinner
            return math.log1p(-min(rate * score, 0.999))
        return score + math.log(rate)             # the spinner rewrote ``out`` into this word

    def _viterbi(self, doc: _Document, first: int, stop: int, rate: float, lm) -> dict:
        """Best option index for each word in ``[first, stop)``, under the trigram context model."""
        p = doc.where[first]
        start_state = (doc.stream[p - 2], doc.stream[p - 1])
        states = {first: {start_state: (0.0, None)}}
        for k in range(first, stop):
            here = states.pop(k, None)
            if not here:
                continue
            gap = doc.gap(k) if k > first else ()
            for o, (out, tokens, score, length) in enumerate(doc.choices(k)):
                if k + length > stop:
                    continue
                channel = self._channel_score(out, score, rate)
                seq = (*gap, *tokens)
                target = states.setdefault(k + length, {})
                for state, (total, _) in here.items():
                    a, b = state
                    s = total + channel
                    for t in seq:
                        s += lm(a, b, t)
                        a, b = b, t
                    if (a, b) not in target or s > target[(a, b)][0]:
                        target[(a, b)] = (s, (k, o, state, here))
        final = states[stop]
        r1, r2 = doc.right(stop)
        ends = {st: final[st][0] + lm(st[0], st[1], r1) + lm(st[1], r1, r2) for st in final}
        best = max(ends, key=ends.get)
        choice, entry = {}, final[best]
        while entry[1] is not None:
            k, o, state, here = entry[1]
            choice[k] = o
            entry = here[state]
        return choice, ends[best]

    @staticmethod
    def _kept_score(doc: _Document, first: int, stop: int, lm) -> float:
        """Context-model score of words ``[first, stop)`` as they stand (the clean hypothesis)."""
        p, q = doc.where[first], doc.where[stop - 1] + 3
        tokens = doc.stream[p - 2:q]
        return sum(lm(a, b, c) for a, b, c in zip(tokens, tokens[1:], tokens[2:]))

    def _decode(self, doc: _Document, rate: float):
        """Choose an option for every ambiguous word.

        Also returns the context lookup used, and how much better the choice scores than
        keeping every word (the log-likelihood gain of restoring).
        """
        needed = set()

        def record(a, b, c):
            needed.add((a, b, c))
            return 0.0

        for first, stop in doc.segments:
            self._all_transitions(doc, first, stop, record)
        table = self._lookup(needed)
        lm = lambda a, b, c: table.get((a, b, c), UNSEEN)  # noqa: E731
        choice, gain = {}, 0.0
        for first, stop in doc.segments:
            seg, score = self._viterbi(doc, first, stop, rate, lm)
            choice.update(seg)
            gain += score - self._kept_score(doc, first, stop, lm)
        return choice, table, gain

    def _all_transitions(self, doc: _Document, first: int, stop: int, record) -> None:
        """Record every trigram Viterbi may ask for in ``[first, stop)``."""
        p = doc.where[first]
        states = {first: {(doc.stream[p - 2], doc.stream[p - 1])}}
        for k in range(first, stop):
            here = states.pop(k, ())
            gap = doc.gap(k) if k > first else ()
            for out, tokens, score, length in doc.choices(k):
                if k + length > stop:
                    continue
                target = states.setdefault(k + length, set())
                for a, b in here:
                    for t in (*gap, *tokens):
                        record(a, b, t)
                        a, b = b, t
                    target.add((a, b))
        r1, r2 = doc.right(stop)
        for a, b in states.get(stop, ()):
            record(a, b, r1)
            record(b, r1, r2)

    def _lookup(self, triples) -> dict:
        triples = list(triples)
        ids = self._lm.id
        weight = self.lm_weight
        return dict(zip(triples, (weight * x for x in self._lm.logprobs([(ids(a), ids(b), ids(c)) for a, b, c in triples]))))

    def _posteriors(self, doc: _Document, choice: dict, rate: float, table: dict) -> dict:
        """For each ambiguous word, the probability of each option with its neighbours as chosen."""
        chosen = self._chosen_stream(doc, choice)
        windows, needed = {}, set()
        for k in choice:
            if k not in doc.options:
                continue
            start = doc.where[k]
            end = max(doc.where[k + o[3] - 1] for o in doc.options[k]) + 1
            left = tuple(chosen.get(q) or doc.stream[q] for q in (start - 2, start - 1))
            seqs = []
            for out, tokens, score, length in doc.options[k]:
                tail = [t for q in range(doc.where[k + length - 1] + 1, end + 2)
                        if (t := chosen.get(q, doc.stream[q])) is not None]
                seqs.append((self._channel_score(out, score, rate), (*tokens, *tail)))
                a, b = left
                for t in (*tokens, *tail):
                    needed.add((a, b, t))
                    a, b = b, t
            windows[k] = (left, seqs)
        table = {**table, **self._lookup(needed - table.keys())}
        posteriors = {}
        for k, ((a0, b0), seqs) in windows.items():
            scores = []
            for channel, seq in seqs:
                s, a, b = channel, a0, b0
                for t in seq:
                    s += table[a, b, t]
                    a, b = b, t
                scores.append(s)
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            z = sum(weights)
            posteriors[k] = [w / z for w in weights]
        return posteriors

    @staticmethod
    def _chosen_stream(doc: _Document, choice: dict) -> dict:
        """Stream positions whose token the chosen options replace: ``{position: token}``.

        A phrase option's extra words are dropped: their positions map to ``None``.
        """
        out = {}
        for k, o in choice.items():
            if k in doc.options and o:
                _, tokens, _, length = doc.options[k][o]
                out[doc.where[k]] = tokens[-1]
                for j in range(1, length):
                    out[doc.where[k + j]] = None
        return out

    def _spun_evidence(self, doc: _Document) -> float:
        """Log-likelihood ratio of "spun" (rate 1) over "clean" (rate 0) for the whole document.

        Under "spun", every word the spinner could have rewritten but did not costs
        ``log(1 - q)``; the best restoration must earn that back in context.
        """
        gain = self._decode(doc, 1.0)[2]
        survived = sum(math.log1p(-min(q, 0.999)) for k, n in enumerate(doc.fixed)
                       if k not in doc.options and (q := self._channel.propensity.get(n)))
        return gain + survived

    def _estimate_spin(self, doc: _Document) -> float:
        """The document's spin rate: 0 if it reads as clean, else re-estimated from what decoding rewrote."""
        if self._spun_evidence(doc) + SPUN_PRIOR <= 0:
            return 0.0
        rate = 1.0
        propensity = self._channel.propensity
        for _ in range(SPIN_ITERATIONS):
            choice = self._decode(doc, rate)[0]
            changed, expected = 0, 0.0
            for k, n in enumerate(doc.fixed):
                o = choice.get(k, 0)
                if o and k in doc.options:
                    changed += 1
                    expected += propensity.get(doc.options[k][o][0], 0.0)
                else:
                    expected += propensity.get(n, 0.0)
            new = min(1.0, max(MIN_SPIN, (changed + PRIOR_STRENGTH * PRIOR_SPIN) / (expected + PRIOR_STRENGTH)))
            if abs(new - rate) < 0.05:
                return new
            rate = new
        return rate

    # -- output -------------------------------------------------------------------------------
    def _apply(self, doc: _Document, choice: dict, posteriors: dict) -> tuple[str, list[Change]]:
        parts = doc.parts
        out, changes = list(parts), []
        offsets, pos = [], 0
        for p in parts:
            offsets.append(pos)
            pos += len(p)
        for k in sorted(choice):
            o = choice[k]
            if not o or k not in doc.options:
                continue
            probs = posteriors[k]
            if probs[o] < self.min_confidence:
                continue
            options = doc.options[k]
            restored, _, _, length = options[o]
            first, last = 2 * k + 1, 2 * (k + length) - 1
            out[first] = match_case(parts[first], restored)
            for j in range(first + 1, last + 1):
                out[j] = ""
            alternatives = sorted(((opt[0] or doc.fixed[k], p) for i, (opt, p) in enumerate(zip(options, probs))
                                   if i != o), key=lambda x: -x[1])[:3]
            changes.append(Change(offsets[first], offsets[last] + len(parts[last]), "".join(parts[first:last + 1]),
                                  out[first], probs[o], alternatives))
        return "".join(out), changes
