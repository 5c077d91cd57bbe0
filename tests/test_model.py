"""The context model's look-ups: the hash index agrees with binary search."""
import numpy as np

from restore.model import HashIndex


def test_the_hash_index_finds_exactly_what_binary_search_finds():
    rng = np.random.default_rng(0)
    table = np.unique(rng.integers(0, 2**63, 50_000, dtype=np.uint64))
    queries = np.concatenate([table[rng.integers(0, len(table), 30_000)],
                              rng.integers(0, 2**63, 30_000, dtype=np.uint64)])
    pos, seen = HashIndex(table).find(queries)
    expected = np.searchsorted(table, queries)
    expected_seen = table[np.minimum(expected, len(table) - 1)] == queries
    assert (seen == expected_seen).all()
    assert (pos[seen] == expected[seen]).all()


def test_the_hash_index_survives_colliding_keys():
    table = np.arange(0, 2**20, 2**10, dtype=np.uint64)     # many keys, few distinct top bits
    pos, seen = HashIndex(table).find(table)
    assert seen.all() and (pos == np.arange(len(table))).all()
