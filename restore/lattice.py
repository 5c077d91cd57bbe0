"""One text as a lattice: its words, the options of its ambiguous words, and its context stream.

The decoder scores the lattice; this module builds it, fast: each distinct word's and gap's
properties are worked out once per model (``Tables``) and the rest is array arithmetic.

>>> from restore.tokenize import split_words
>>> lattice = Lattice(split_words("Workers astatine the agency."), tables(Model.default()))
>>> [lattice.parts[2 * k + 1] for k in lattice.slot_word.tolist()]       # the ambiguous words
['astatine', 'agency']
"""
from __future__ import annotations

import itertools
import math
import threading
from typing import Callable

import numpy as np

from .habits import highest_rate, listed_share, reaches_capitals, steady, survivor_odds
from .model import Model
from .tokenize import BOUNDARY, gap_tokens, normalize, stands_alone, starts_sentence

__all__ = ["Lattice", "Tables", "tables"]


class Tables:
    """What the decoder reads from a model: its channel layout, word ids and phrases."""

    def __init__(self, model: Model):
        layout = model.layout
        self.ids, self.unknown, self.vocab = model.context.ids, model.context.unknown, model.context.vocab
        self.span, self.multi = layout.span, layout.multi
        self.originals, self.scores = layout.originals, layout.scores
        share = listed_share(model.channel.reach)           # the rates the text's own rate scales (restore.habits)
        self.propensity = layout.propensity * share if share != 1.0 else layout.propensity
        self.highest_rate = highest_rate(model.channel.reach)
        self.phrases, self.phrase_starts = model.channel.phrases, model.channel.phrase_starts
        self.phrase_prefixes = {phrase[:n] for phrase in self.phrases for n in range(2, len(phrase) + 1)}
        # how much less often the garbler rewrites a word touching punctuation, or a capitalised one
        self.touching = model.channel.reach.get("touching", 1.0)
        self.capitalised = model.channel.reach.get("capitalised", 1.0)
        self.capitals_anywhere = reaches_capitals(model.channel.reach)
        self.survived = math.log(survivor_odds(model.channel.reach))   # a standing word was not picked
        self.steady = steady(model.channel.reach)
        ids, unknown = self.ids, self.unknown
        # each distinct word's context-model id, whether it has no capital letter, whether it has options;
        # and of those options: whether they need a sentence start (a capital), the word's rows in the
        # channel (first and last, -1 if none), whether it may begin a phrase, whether it may be late
        self.words = _Interned(self._word, (np.int64, bool, bool, bool, np.int64, np.int64, bool, bool))
        # each distinct gap's number of context tokens and whether it ends, and starts, with whitespace
        # (or is empty: see ``stands_alone``); its tokens' ids are its payload
        self.gaps = _Interned(lambda gap: self._gap(gap, ids, unknown), (np.int64, bool, bool))

    def _word(self, word: str) -> tuple[tuple, None]:
        """A distinct word's columns of ``words`` (see there), worked out once."""
        found = self._options(word)
        word_id = self.ids.get(normalize(word), self.unknown)
        if found is None:
            return (word_id, uncapitalised(word), False, False, -1, -1, False, False), None
        capitalised, rows, more = found
        lo, hi = rows if rows is not None else (-1, -1)
        return (word_id, uncapitalised(word), True, capitalised, lo, hi, more, rows is not None and self._late(word)), None

    @staticmethod
    def _gap(gap: str, ids: dict, unknown: int) -> tuple[tuple, tuple]:
        tokens = tuple(ids.get(t, unknown) for t in gap_tokens(gap))
        return (len(tokens), stands_alone(gap, ""), stands_alone("", gap)), tokens

    def _options(self, word: str) -> tuple | None:
        """``(capitalised, rows, more)`` of a word the decoder may restore, else None.

        ``rows`` is its span of single-word originals, if any; ``more`` whether it may also
        stand for several words or begin a garbled phrase.  Only lower-case words and
        capitalised ones (at a sentence start, which the caller checks) are restored.
        """
        n = word.lower()                   # the channel's keys keep their digits ("2nd")
        more = n in self.multi or n in self.phrase_starts
        rows = self.span.get(n)
        if not (rows or more) or not (uncapitalised(word) or word.istitle()
                                      or (self.capitals_anywhere and word.isupper())):
            return None
        return not uncapitalised(word), rows, more

    def _late(self, word: str) -> bool:
        """Whether ``word`` may stand for an original that sorts before it.

        The spinner works in reverse alphabetical order, so such a word may have been
        written after its own turn came (data -> information, after information -> accusation).
        """
        n = word.lower()
        rows = self.span.get(n, (0, 0))
        return any(self.vocab[o] < n for o in self.originals[rows[0]:rows[1]])


def uncapitalised(word: str) -> bool:
    """Whether ``word`` has no capital letter: lower case, or digits ("1" is a spun "one").

    >>> uncapitalised("astatine"), uncapitalised("1"), uncapitalised("2nd"), uncapitalised("TV")
    (True, True, True, False)
    """
    return word == word.lower()


class _Interned:
    """Each distinct key's properties, worked out once and kept as NumPy columns by key number.

    Words and gaps repeat a lot: ``numbers(keys)`` looks each key up once, and the columns it
    returns give all its properties at once (``columns[i][numbers]``); ``payload[n]`` is key ``n``'s
    extra.  The tables are the model's, shared by every ``Restorer`` of it and every thread: new
    keys are added under a lock, and each call gets columns that hold all of its numbers.

    >>> lengths = _Interned(lambda word: ((len(word), word.islower()), None), (np.int64, bool))
    >>> n, columns, _ = lengths.numbers(["at", "the", "at", "The"])
    >>> n.tolist(), columns[0][n].tolist(), columns[1][n].tolist()
    ([0, 1, 0, 2], [2, 3, 2, 3], [True, True, True, False])
    """

    LIMIT = 1_000_000                 # distinct keys kept; a stream of new ones starts afresh

    def __init__(self, describe: Callable[[str], tuple], dtypes: tuple):
        self.describe, self.dtypes = describe, dtypes
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        self.index: dict[str, int] = {}
        self.payload: list = []
        self.columns = [np.zeros(0, dtype=dtype) for dtype in self.dtypes]

    def numbers(self, keys: list[str]) -> tuple[np.ndarray, list[np.ndarray], list]:
        """Each key's number (new keys are described and numbered first), and the columns and payload
        those numbers index (another thread's new keys may start the tables afresh meanwhile)."""
        with self._lock:
            index = self.index
            new = [k for k in dict.fromkeys(keys) if k not in index]      # distinct keys, in order of first use
            if index and len(index) + len(new) > self.LIMIT:
                self._start()
                index, new = self.index, list(dict.fromkeys(keys))
            if new:
                described = [self.describe(k) for k in new]
                self.columns = [np.concatenate([column, np.array([props[i] for props, _ in described], dtype=dtype)])
                                for i, (column, dtype) in enumerate(zip(self.columns, self.dtypes))]
                self.payload.extend(extra for _, extra in described)
                index.update(zip(new, range(len(index), len(index) + len(new))))
            numbers = np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))
            return numbers, self.columns, self.payload


def tables(model: Model) -> Tables:
    """The decoding tables of ``model``, made on first use and kept by the model."""
    return model.memo("lattice", Tables)


class Lattice:
    """One text as a lattice: its words, the options of ambiguous words, and its context-token stream.

    Built in three steps, each a method below: the context stream (``stream``, and ``where`` each
    word sits in it), each word's reach (how likely the garbler could rewrite it where it
    stands), and the option rows of the ambiguous words.  Option rows are grouped by slot:
    ``rows[first[j]:first[j + 1]]`` belong to slot ``j`` (word ``slot_word[j]``), and the first
    row of each group keeps the word.
    """

    def __init__(self, parts: list[str], tables: Tables):
        self.parts = parts
        words, gaps = parts[1::2], parts[0::2]
        numbers, columns, _ = tables.words.numbers(words)
        self.word_ids, lower, *options = (column[numbers] for column in columns)
        gap_numbers, self._gap_columns, self._gap_payload = tables.gaps.numbers(gaps)
        self._stream(gap_numbers, tables)
        reach = self._reach(gap_numbers, lower, tables)
        self._options(words, gaps, options, tables, reach)
        self._pair_up()

    def _stream(self, gap_numbers: np.ndarray, tables: Tables) -> None:
        """``stream``: the context model's tokens (two boundaries, then each gap's punctuation and each
        word, then two boundaries); ``where[k]``: the position of word ``k`` in it."""
        n_words = len(self.word_ids)
        lengths = self._gap_columns[0][gap_numbers]          # mostly 0: a space
        ends = np.cumsum(lengths)                  # gap tokens up to and including gap k
        where = 2 + np.arange(n_words) + ends[:n_words]
        stream = np.full(2 + n_words + ends[-1] + 2, tables.ids.get(BOUNDARY, tables.unknown), dtype=np.int64)
        stream[where] = self.word_ids
        marked = np.flatnonzero(lengths)           # gaps with tokens, which end just before the next word
        if len(marked):
            lengths = lengths[marked]
            gap_end = np.append(where, len(stream) - 2)[marked]
            offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            payload = self._gap_payload
            stream[np.repeat(gap_end - lengths, lengths) + offsets] = np.fromiter(
                itertools.chain.from_iterable(map(payload.__getitem__, gap_numbers[marked].tolist())),
                dtype=np.int64, count=int(lengths.sum()))
        self.stream, self.where_array, self.where = stream, where, where.tolist()

    def _reach(self, gap_numbers: np.ndarray, lower: np.ndarray, tables: Tables) -> np.ndarray:
        """Each word's reach: 1 where the garbler may rewrite it (alone between spaces, lower case),
        less where it touches punctuation or is capitalised.  Sets ``lone`` (reach 1 by place),
        ``touches`` (lower case, touching punctuation: see ``widen``) and ``survivor_q`` (the chance
        each word would have been rewritten had the text been spun)."""
        ends_open, starts_open = (column[gap_numbers] for column in self._gap_columns[1:])
        alone = ends_open[:-1] & starts_open[1:]
        reach = np.where(alone, 1.0, tables.touching) * np.where(lower, 1.0, tables.capitalised)
        self.lone = alone & lower
        self.touches = lower & ~alone
        self.survivor_q = tables.propensity[self.word_ids] * reach
        return reach

    def _options(self, words: list[str], gaps: list[str], options: list[np.ndarray], tables: Tables,
                 reach: np.ndarray) -> None:
        """The ambiguous words and their options: ``spans`` (phrase and multi-word options, as
        ``(word, n words, original, score)``) and the single-word option rows of each slot.

        ``options`` are the words' columns of ``Tables.words`` from "has options" on.
        Row arrays: ``row_slot`` (its slot), ``row_keep`` (the keep row), ``row_word`` (the word id
        it puts there), ``row_score`` (log(q(c) P(g | c)) and the reach, for swaps; 0 to keep).
        Slot arrays: ``slot_word`` (word index), ``slot_form`` (its options' first row in the channel,
        one per garbled form), ``slot_pos`` (stream position), ``reach``,
        ``keep_q`` (q(g) times reach), ``late`` (see ``Tables._late``).
        """
        has_options, capitalised, lo, hi, more, late = options
        candidates = np.flatnonzero(has_options)
        # capitalised words count only at a sentence start, where the capital is not a name's
        if not tables.capitals_anywhere:
            named = candidates[capitalised[candidates]].tolist()
            opening = [starts_sentence(gaps[k], words[k - 1] if k else None) for k in named]
            inside = [k for k, ok in zip(named, opening) if not ok]
            if inside:
                candidates = np.setdiff1d(candidates, np.array(inside, dtype=candidates.dtype))
        self.spans = self._spans(words, gaps, tables, reach, candidates[more[candidates]].tolist())
        slot_word = candidates[lo[candidates] >= 0]
        los, his = lo[slot_word], hi[slot_word]
        self.slot_word = slot_word.astype(np.int64)
        self.slot_form = los                        # the form's options in the channel: the same for each of its slots
        self.slot_pos = self.where_array[self.slot_word]
        sizes = his - los + 1                       # the keep row, then the swaps
        self.first = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        self.row_slot = np.repeat(np.arange(len(slot_word)), sizes)
        n_rows = int(self.first[-1])
        self.row_keep = np.zeros(n_rows, dtype=bool)
        self.row_keep[self.first[:-1]] = True
        swap = ~self.row_keep
        offsets = np.arange(n_rows) - self.first[:-1][self.row_slot] - 1   # index among the swaps
        table_rows = np.where(swap, los[self.row_slot] + offsets, 0)       # the swap's row in the channel
        self.reach = reach[self.slot_word]
        self.row_word = np.where(swap, tables.originals[table_rows], self.word_ids[self.slot_word][self.row_slot])
        self.row_score = np.where(swap, tables.scores[table_rows] + np.log(self.reach[self.row_slot]), 0.0)
        self.keep_q = tables.propensity[self.word_ids[self.slot_word]] * self.reach
        self.late = late[slot_word]

    def widen(self, factor: float) -> None:
        """Take the lower-case words touching punctuation as ``factor`` times likelier within the garbler's
        reach than its habits say, in place (``factor`` 1 / ``tables.touching`` puts them in full reach)."""
        scale = np.where(self.touches, factor, 1.0)
        self.survivor_q = self.survivor_q * scale
        at_slot = scale[self.slot_word]
        self.reach = self.reach * at_slot
        self.keep_q = self.keep_q * at_slot
        self.row_score = np.where(self.row_keep, 0.0, self.row_score + np.log(at_slot[self.row_slot]))

    @staticmethod
    def _spans(words: list[str], gaps: list[str], tables: Tables, reach: np.ndarray, starts: list[int]) -> list:
        """Options that span words: a word standing for several, and garbled phrases starting at ``starts``."""
        spans: list[tuple] = []
        for k in starts:
            n = words[k].lower()
            touching = math.log(reach[k])
            spans.extend((k, 1, c, score + touching) for c, score in tables.multi.get(n, ()))
            phrase: tuple[str, ...] = (n,)
            for length in range(2, tables.phrase_starts.get(n, 1) + 1):
                if k + length > len(words) or gaps[k + length - 1] != " ":
                    break
                phrase += (words[k + length - 1].lower(),)
                if phrase not in tables.phrase_prefixes:
                    break                        # no garbled phrase goes on like this
                touching = math.log(min(reach[k], reach[k + length - 1]))
                spans.extend((k, length, c, score + touching) for c, score in tables.phrases.get(phrase, ()))
        return spans

    def _pair_up(self) -> None:
        """``adjacent``: slots whose word directly follows the previous slot's (no token between)."""
        self.adjacent = np.flatnonzero(self.slot_pos[1:] == self.slot_pos[:-1] + 1)

    @property
    def n_slots(self) -> int:
        return len(self.slot_word)

    def best(self, totals: np.ndarray) -> np.ndarray:
        """Index (into rows) of the best-scoring option of each slot, the first of any tie.

        >>> from restore.tokenize import split_words
        >>> lattice = Lattice(split_words("Workers astatine the agency."), tables(Model.default()))
        >>> scores = np.zeros(int(lattice.first[-1]))        # all options alike: the first, keeping, wins
        >>> bool((lattice.best(scores) == lattice.first[:-1]).all())
        True
        """
        rows = np.flatnonzero(totals >= self.slot_max(totals)[self.row_slot])
        first_best = np.full(self.n_slots, -1)
        first_best[self.row_slot[rows[::-1]]] = rows[::-1]
        return first_best

    def slot_max(self, values: np.ndarray) -> np.ndarray:
        """The largest of ``values`` (one per row) in each slot.

        The same as ``np.maximum.reduceat(values, first[:-1])``, four times faster over slots of
        a few rows (NumPy 2's ``ufunc.at``), which the decoder takes some twenty times a text.

        >>> from restore.tokenize import split_words
        >>> lattice = Lattice(split_words("Workers astatine the agency."), tables(Model.default()))
        >>> lattice.slot_max(np.arange(lattice.first[-1], dtype=float)).tolist() == (lattice.first[1:] - 1).tolist()
        True
        """
        out = np.full(self.n_slots, -np.inf, dtype=values.dtype)
        np.maximum.at(out, self.row_slot, values)
        return out

    def slot_sum(self, values: np.ndarray) -> np.ndarray:
        """The sum of ``values`` (one per row) in each slot, added in row order as ``np.add.reduceat`` does."""
        out = np.zeros(self.n_slots, dtype=values.dtype)
        np.add.at(out, self.row_slot, values)
        return out
