from restore.align import align


def test_equal_length_stretches_pair_word_for_word():
    assert align(["we", "tin", "go"], ["we", "can", "go"]) == [
        (("we",), ("we",)), (("can",), ("tin",)), (("go",), ("go",))]


def test_a_phrase_swap_aligns_as_one_unequal_pair():
    pairs = align("left due to the fact that it".split(), "left because it".split())
    assert (("because",), ("due", "to", "the", "fact", "that")) in pairs


def test_words_only_the_spun_text_has_are_a_phrase_swap_with_their_neighbours():
    pairs = align("it is simply a test".split(), "it is a test".split())
    assert pairs == [(("it",), ("it",)), (("is", "a"), ("is", "simply", "a")), (("test",), ("test",))]


def test_words_only_the_spun_text_has_at_its_start_stay_unpaired():
    # no word before them to anchor a phrase, so nothing to learn a rewrite of
    assert align("simply it is here".split(), "it is here".split())[0] == ((), ("simply",))
