"""A vectorised hash table from n-gram keys to their values, for the context model's look-ups.

The context model stores its n-grams as sorted uint64 keys beside float32 columns.  Binary
search (``np.searchsorted``) costs some twenty cache misses a look-up in a table of a
million keys; ``HashTable`` costs one or two, and keeps each key's values in the same
16-byte slot as the key, so that a look-up reads one cache line and no second array.

>>> table = HashTable(np.array([3, 8, 42], dtype=np.uint64), value=np.array([0.5, 1.5, 2.5], dtype=np.float32))
>>> seen, (value,) = table.find(np.array([42, 5, 3], dtype=np.uint64))
>>> seen.tolist(), value[seen].tolist()
([True, False, True], [2.5, 0.5])
"""
from __future__ import annotations

import numpy as np

__all__ = ["HashTable"]

EMPTY = np.uint64(2**64 - 1)                      # no n-gram key reaches it (3 x 21 bits)
MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)      # Fibonacci hashing: take the product's top bits
FILTER_MULTIPLIER = np.uint64(0xC2B2AE3D27D4EB4F)   # another odd constant, so the filter's bits are not the slots'
FILTER_BITS_PER_KEY = 8     # a one-hash Bloom filter this size lets through about 1 in 8 absent keys


class HashTable:
    """Open addressing over sorted, unique uint64 ``keys``, each slot holding a key and its float32 ``columns``.

    At most a third of the slots are used: at two thirds (half the memory) the decoder ran
    15% slower.  With ``sparse=True`` a Bloom filter turns most absent keys away before
    they probe the slots: in decoding spun news, 9% of trigram look-ups find one (and the
    filter made them 40% faster), but half of the bigram look-ups do (and it saved nothing).
    Building a table for the default model's 2.6 M bigrams takes about half a second.
    """

    def __init__(self, keys: np.ndarray, *, sparse: bool = False, **columns: np.ndarray):
        self.names = tuple(columns)
        bits = max(int(len(keys) * 3).bit_length(), 4)
        self.shift, self.mask = np.uint64(64 - bits), np.int64((1 << bits) - 1)
        index = self._place(keys, bits)
        used = index >= 0
        # 16 bytes a slot (key and two float32), so that a look-up reads one cache line
        self.slots = np.zeros(1 << bits, dtype=[("key", "<u8")] + [(name, "<f4") for name in self.names])
        self.slots["key"] = EMPTY
        self.slots["key"][used] = keys[index[used]]
        for name, values in columns.items():
            self.slots[name][used] = values[index[used]]
        self.filter = self._filter(keys) if sparse else None

    def _place(self, keys: np.ndarray, bits: int) -> np.ndarray:
        """Each slot's key number (-1 if empty), placed by linear probing, all keys at once."""
        index = np.full(1 << bits, -1, dtype=np.int32)
        home = self._home(keys)
        pending = np.arange(len(keys))
        while len(pending):                          # one round per step along
            want = home[pending]
            free = index[want] == -1
            index[want[free]] = pending[free]        # of several claims, the last one wins
            placed = free & (index[want] == pending)
            pending = pending[~placed]
            home[pending] = (home[pending] + 1) & self.mask
        return index

    def _filter(self, keys: np.ndarray) -> tuple[np.ndarray, np.uint64]:
        shift = np.uint64(64 - max((len(keys) * FILTER_BITS_PER_KEY).bit_length(), 6))
        bit = self._filter_bit(keys, shift)
        flags = np.zeros(1 << (64 - int(shift) - 3), dtype=np.uint8)
        np.bitwise_or.at(flags, bit >> 3, np.left_shift(1, bit & 7).astype(np.uint8))
        return flags, shift

    @staticmethod
    def _filter_bit(keys: np.ndarray, shift: np.uint64) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * FILTER_MULTIPLIER) >> shift).view(np.int64)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * MULTIPLIER) >> self.shift).view(np.int64)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Whether each key is in the table, and its columns' values (meaningless where it is not)."""
        if self.filter is None:
            seen, found = self._probe(keys)
        else:
            flags, shift = self.filter
            bit = self._filter_bit(keys, shift)
            maybe = np.flatnonzero((flags[bit >> 3] >> (bit & 7).astype(np.uint8)) & 1)
            seen, found = np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=self.slots.dtype)
            seen[maybe], found[maybe] = self._probe(keys[maybe])
        return seen, tuple(found[name] for name in self.names)

    def _probe(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot = self._home(keys)
        found = self.slots[slot]                     # most keys sit in their home slot, or are absent
        seen = found["key"] == keys
        active = np.flatnonzero(~seen & (found["key"] != EMPTY))
        while len(active):
            slot[active] = (slot[active] + 1) & self.mask
            probe = self.slots[slot[active]]
            hit = probe["key"] == keys[active]
            found[active[hit]] = probe[hit]
            seen[active[hit]] = True
            active = active[~hit & (probe["key"] != EMPTY)]
        return seen, found
