"""Pick the most likely original of a spun text, and leave everything else alone.

Every word gets options: itself, and each original the channel knows for it
(single words, or a phrase the spinner expanded).  A bigram context model
scores the options; Viterbi runs over each stretch of adjacent ambiguous
words, so words with no options cost next to nothing.  How spun the document
is, is estimated from the text itself, so clean prose is left alone.

>>> Restorer().restore("Workers astatine the agency person been told.")   # doctest: +SKIP
'Workers at the agency have been told.'
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from .model import Model
from .tokenize import BOUNDARY, gap_tokens, match_case, normalize, split_words, starts_sentence

PRIOR_SPIN = 0.1          # prior mean of a document's spin rate (relative to the training data)
PRIOR_STRENGTH = 10.0     # ... worth this many rewritable words of evidence
MIN_SPIN = 0.02           # floor of the document spin estimate
SPIN_ITERATIONS = 4


def fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, leaving quotes, widths, line breaks and entities as they were.

    >>> fix_mojibake("The SSAâ€™s “safe spaceâ€\x9d")
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


@dataclass
class _Slot:
    """An ambiguous word: where it is and what it may have been."""

    index: int                      # word index
    options: list                   # [(output, lm_tokens, channel_logp, n_words)]


class Restorer:
    """Restores many texts with one loaded model.

    >>> r = Restorer()                                           # doctest: +SKIP
    >>> text, changes = r.restore_with_changes("Successful 2019, helium said.")   # doctest: +SKIP
    """

    def __init__(self, model: Model | None = None, *, fix_mojibake: bool = True,
                 min_confidence: float = 0.0, spin_rate: float | None = None):
        self.model = model or Model.default()
        self.fix_mojibake = fix_mojibake
        self.min_confidence = min_confidence
        self.spin_rate = spin_rate
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
        parts = split_words(text)
        slots, fixed = self._slots(parts)
        if not slots:
            return text, []
        rate = self.spin_rate
        if rate is None:
            rate = self._estimate_spin(parts, slots, fixed)
        choice, posteriors = self._decode(parts, slots, fixed, rate)
        return self._apply(parts, slots, choice, posteriors)

    def spin_score(self, text: str) -> float:
        """How spun ``text`` looks: the estimated share of rewritable words that were rewritten (0..1)."""
        parts = split_words(text)
        slots, fixed = self._slots(parts)
        return self._estimate_spin(parts, slots, fixed) if slots else 0.0

    # -- building the lattice -------------------------------------------------------------
    def _slots(self, parts: list[str]) -> tuple[dict, list]:
        """Options for each ambiguous word, and the normalized form of every word."""
        channel = self._channel
        originals, propensity, phrases, phrase_starts = (
            channel.originals, channel.propensity, channel.phrases, channel.phrase_starts)
        words = parts[1::2]
        fixed = [normalize(w) for w in words]
        slots = {}
        for k, word in enumerate(words):
            n = fixed[k]
            cands = originals.get(n)
            starts = phrase_starts.get(n)
            if cands is None and starts is None:
                continue
            if not (word.islower() or (word.istitle() and starts_sentence(parts[2 * k], words[k - 1] if k else None))):
                continue
            options = [(None, (n,), propensity.get(n, 0.0), 1)]
            for c, score in cands or ():
                options.append((c, tuple(c.split()), score, 1))
            if starts:
                for length in range(2, starts + 1):
                    if k + length > len(words) or any(parts[2 * (k + j)] != " " for j in range(1, length)):
                        break
                    for c, score in phrases.get(tuple(fixed[k:k + length]), ()):
                        options.append((c, tuple(c.split()), score, length))
            if len(options) > 1:
                slots[k] = _Slot(k, options)
        return slots, fixed

    # -- decoding ---------------------------------------------------------------------------
    def _segments(self, parts: list[str], slots: dict, fixed: list):
        """Stretches of adjacent ambiguous words with the fixed token on each side."""
        n_words = len(fixed)
        keys = sorted(slots)
        i = 0
        while i < len(keys):
            start = end = keys[i]
            reach = start + max(o[3] for o in slots[start].options)
            i += 1
            while i < len(keys) and (keys[i] < reach or (keys[i] == end + 1 and not gap_tokens(parts[2 * keys[i]]))):
                end = keys[i]
                reach = max(reach, end + max(o[3] for o in slots[end].options))
                i += 1
            stop = max(reach, end + 1)
            before = gap_tokens(parts[2 * start])
            left = before[-1] if before else (fixed[start - 1] if start else BOUNDARY)
            after = gap_tokens(parts[2 * stop]) if stop < n_words else []
            right = after[0] if after else (fixed[stop] if stop < n_words else BOUNDARY)
            yield start, stop, left, right

    def _viterbi(self, start: int, stop: int, left: str, right: str, slots: dict, fixed: list, rate: float, lm):
        """Best options for words ``start..stop-1``: ``{word index: option index}``."""
        log_rate = math.log(rate)
        states = {start: {left: (0.0, None)}}          # position -> {last token: (score, back)}
        for k in range(start, stop):
            here = states.get(k)
            if not here:
                continue
            slot = slots.get(k)
            options = slot.options if slot else ((None, (fixed[k],), None, 1),)
            for o, (out, tokens, score, length) in enumerate(options):
                if score is None:
                    channel = 0.0
                elif out is None:
                    channel = math.log1p(-min(rate * score, 0.999))
                else:
                    channel = score + log_rate
                channel += sum(lm(a, b) for a, b in zip(tokens, tokens[1:]))
                target = states.setdefault(k + length, {})
                first, last = tokens[0], tokens[-1]
                for prev, (total, _) in here.items():
                    s = total + channel + lm(prev, first)
                    if last not in target or s > target[last][0]:
                        target[last] = (s, (k, o, prev))
        final = states[stop]
        token = max(final, key=lambda t: final[t][0] + lm(t, right))
        choice, k = {}, stop
        while k > start:
            _, (k, o, prev) = final[token]
            choice[k] = o
            token, final = prev, states[k]
        return choice

    def _decode(self, parts, slots, fixed, rate):
        """Choose an option for every slot; also return each slot's option posteriors."""
        segments = list(self._segments(parts, slots, fixed))
        needed = set()

        def record(a, b):
            needed.add((a, b))
            return 0.0

        for start, stop, left, right in segments:
            self._viterbi(start, stop, left, right, slots, fixed, rate, record)
            for k in range(start, stop):
                for o in (slots[k].options if k in slots else ()):
                    needed.add((left if k == start else fixed[k - 1], o[1][0]))
                    needed.add((o[1][-1], right if k + o[3] >= stop else fixed[k + o[3]]))
        ids = self._lm.id
        pairs = list(needed)
        table = dict(zip(pairs, self._lm.logprobs([(ids(a), ids(b)) for a, b in pairs])))
        lm = lambda a, b: table[a, b]  # noqa: E731
        choice, posteriors = {}, {}
        for start, stop, left, right in segments:
            seg = self._viterbi(start, stop, left, right, slots, fixed, rate, lm)
            choice.update(seg)
            # local posterior of each slot given the chosen neighbours
            for k in seg:
                slot = slots.get(k)
                if slot is None:
                    continue
                prev_tok = left if k == start else self._token_before(k, seg, slots, fixed)
                scores = []
                for out, tokens, score, length in slot.options:
                    nxt = right if k + length >= stop else self._token_at(k + length, seg, slots, fixed)
                    channel = (math.log1p(-min(rate * score, 0.999)) if out is None else score + math.log(rate))
                    internal = sum(lm(a, b) for a, b in zip(tokens, tokens[1:]))
                    scores.append(channel + internal + lm(prev_tok, tokens[0]) + table.get((tokens[-1], nxt), -20.0))
                top = max(scores)
                weights = [math.exp(s - top) for s in scores]
                z = sum(weights)
                posteriors[k] = [w / z for w in weights]
        return choice, posteriors

    @staticmethod
    def _token_before(k, seg, slots, fixed):
        for j in range(k - 1, -1, -1):
            if j in seg:
                o = slots[j].options[seg[j]] if j in slots else None
                return o[1][-1] if o else fixed[j]
        return fixed[k - 1]

    @staticmethod
    def _token_at(k, seg, slots, fixed):
        if k in seg and k in slots:
            return slots[k].options[seg[k]][1][0]
        return fixed[k] if k < len(fixed) else BOUNDARY

    def _estimate_spin(self, parts, slots, fixed) -> float:
        """Estimate the document's spin rate by re-decoding with the rate the last pass implied."""
        rate = 1.0
        propensity = self._channel.propensity
        for _ in range(SPIN_ITERATIONS):
            choice, _ = self._decode(parts, slots, fixed, rate)
            changed, expected = 0, 0.0
            for k, n in enumerate(fixed):
                o = choice.get(k, 0)
                if k in slots and o:
                    out, tokens, _, _ = slots[k].options[o]
                    changed += 1
                    expected += propensity.get(out, 0.0)
                else:
                    expected += propensity.get(n, 0.0)
            new = min(1.0, max(MIN_SPIN, (changed + PRIOR_STRENGTH * PRIOR_SPIN) / (expected + PRIOR_STRENGTH)))
            if abs(new - rate) < 0.05:
                return new
            rate = new
        return rate

    # -- output -------------------------------------------------------------------------------
    def _apply(self, parts, slots, choice, posteriors):
        out = list(parts)
        changes = []
        offsets, pos = [], 0
        for p in parts:
            offsets.append(pos)
            pos += len(p)
        for k in sorted(choice):
            o = choice[k]
            slot = slots.get(k)
            if slot is None or o == 0:
                continue
            probs = posteriors.get(k, [])
            confidence = probs[o] if probs else 1.0
            if confidence < self.min_confidence:
                continue
            restored, _, _, length = slot.options[o]
            first, last = 2 * k + 1, 2 * (k + length) - 1
            garbled = "".join(parts[first:last + 1])
            out[first] = match_case(parts[first], restored)
            for j in range(first + 1, last + 1):
                out[j] = ""
            alternatives = sorted(((opt[0] or normalize(parts[first]), p) for opt, p in zip(slot.options, probs)
                                   if opt is not slot.options[o]), key=lambda x: -x[1])[:3]
            changes.append(Change(offsets[first], offsets[last] + len(parts[last]), garbled,
                                  out[first], confidence, alternatives))
        return "".join(out), changes
