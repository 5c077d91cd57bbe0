"""Context models read from ARPA files and mixed with counted ones: hand-written fixtures only."""
import math

import numpy as np
import pytest

from corpora.arpa import read_arpa
from restore.mixing import mix
from restore.model import ContextModel

# a speech model's view: no punctuation, sentences between <s> and </s>
SPEECH = """\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t<s>\t-0.3
-0.6\tthe\t-0.2
-0.9\tfile\t-0.2
-1.1\tu.s.\t0.0
-1.0\t</s>

\\2-grams:
-0.3\t<s>\tthe\t0.0
-0.2\tthe\tfile\t0.0
-0.5\tfile\t</s>

\\3-grams:
-0.1\t<s>\tthe\tfile

\\end\\
""".splitlines()


@pytest.fixture
def speech() -> ContextModel:
    return read_arpa(SPEECH)


def test_an_arpa_sentence_end_is_a_full_stop(speech):
    file, stop = speech.id("file"), speech.id(".")
    assert speech.logprobs([(file, file, stop)])[0] == pytest.approx(-0.5 * math.log(10), abs=1e-4)


def test_an_arpa_sentence_start_follows_a_full_stop_and_a_paragraph_break(speech):
    the = speech.id("the")
    after_stop, after_break = speech.logprobs([(the, speech.id("."), the), (the, speech.id("<s>"), the)])
    assert after_stop == after_break == pytest.approx(-0.3 * math.log(10), abs=1e-4)


def test_arpa_words_restore_never_sees_whole_are_left_out(speech):
    assert "u.s." not in speech.ids


def test_a_partial_model_leaves_punctuation_to_the_counted_one(speech):
    counted = ContextModel.from_counts({("the", "file"): 3, ("file", ","): 3, (",", "the"): 2})
    both = mix(counted, speech, 0.4, partial_base=True)
    ids = [both.id(w) for w in ("the", "file", ",")]
    alone = counted.logprobs([tuple(counted.id(w) for w in ("the", "file", ","))])[0]
    assert both.logprobs([tuple(ids)])[0] == pytest.approx(alone, abs=1e-3)


def test_a_partial_model_still_weighs_in_on_words_it_knows(speech):
    counted = ContextModel.from_counts({("the", "file"): 1, ("the", "the"): 5, ("file", ","): 3})
    both = mix(counted, speech, 0.4, partial_base=True)
    the, file = both.id("the"), both.id("file")
    alone = counted.logprobs([(counted.id("the"), counted.id("the"), counted.id("file"))])[0]
    assert both.logprobs([(the, the, file)])[0] > alone




def test_a_mixture_with_a_partial_model_still_sums_to_one():
    # after ", page" the counted model mostly expects a digit, which the other cannot say
    counted = ContextModel.from_counts({("page", "4"): 6, ("page", "one"): 1, ("4", ","): 6, ("one", ","): 1,
                                        (",", "page"): 7, ("page", ","): 2}, {(",", "page", "4"): 5})
    words = ContextModel.from_counts({("page", "one"): 9, ("one", "page"): 9, ("page", "page"): 1})
    both = mix(counted, words, 0.4, partial_base=True)
    every = np.arange(len(both.vocab))
    after = [np.full(len(every), both.id(w)) for w in (",", "page")]
    assert np.exp(both.logprobs_array(*after, every)).sum() == pytest.approx(1.0, abs=0.01)


def test_a_context_model_of_a_few_odd_texts_has_no_impossible_probabilities():
    # count-of-counts from which modified Kneser-Ney would discount a trigram seen 3+ times by -0.2
    from restore.learn import count_context
    texts = ([f"we saw {w} house. " * 5 for w in "a my our his her old new big red one".split()]
             + ["we saw the house. " * 2, "we saw the header. " * 4, "we saw the dog. " * 30, "they handled it. " * 5])
    lm = ContextModel.from_counts(*count_context(texts), min_trigram=1)
    assert np.isfinite(lm.values3).all() and np.isfinite(lm.backoff2).all() and (lm.backoff2 <= 0).all()
