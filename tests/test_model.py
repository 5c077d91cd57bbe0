"""The context model's look-ups: the hash table agrees with binary search."""
import numpy as np
import pytest

from restore.hashtable import HashTable


@pytest.mark.parametrize("sparse", [False, True])
def test_the_hash_table_finds_exactly_what_binary_search_finds(sparse):
    rng = np.random.default_rng(0)
    table = np.unique(rng.integers(0, 2**63, 50_000, dtype=np.uint64))
    values = rng.random(len(table)).astype(np.float32)
    queries = np.concatenate([table[rng.integers(0, len(table), 30_000)],
                              rng.integers(0, 2**63, 30_000, dtype=np.uint64)])
    seen, (found,) = HashTable(table, sparse=sparse, value=values).find(queries)
    expected = np.searchsorted(table, queries)
    expected_seen = table[np.minimum(expected, len(table) - 1)] == queries
    assert (seen == expected_seen).all()
    assert (found[seen] == values[expected[seen]]).all()


def test_the_hash_table_survives_colliding_keys():
    table = np.arange(0, 2**20, 2**10, dtype=np.uint64)     # many keys, few distinct top bits
    seen, (first, second) = HashTable(table, first=np.arange(len(table), dtype=np.float32),
                                      second=-np.arange(len(table), dtype=np.float32)).find(table)
    assert seen.all() and (first == np.arange(len(table))).all() and (second == -first).all()


def test_a_context_model_that_never_counted_a_sentence_boundary_reads_it_as_an_unknown_word():
    from restore import Restorer
    from restore.model import Channel, ContextModel, Model
    model = Model(Channel(originals={"astatine": (("at", -0.1),)}), ContextModel.from_counts({("at", "the"): 2}, {}))
    assert "<s>" not in model.context.ids
    assert Restorer(model).restore("Look astatine the sky.") in ("Look at the sky.", "Look astatine the sky.")
