from restore.align import align


def test_equal_length_stretches_pair_word_for_word():
    assert align(["we", "tin", "go"], ["we", "can", "go"]) == [
        (("we",), ("we",)), (("can",), ("tin",)), (("go",), ("go",))]


def test_a_phrase_swap_aligns_as_one_unequal_pair():
    pairs = align("left due to the fact that it".split(), "left because it".split())
    assert (("because",), ("due", "to", "the", "fact", "that")) in pairs
