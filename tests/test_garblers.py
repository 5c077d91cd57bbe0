"""Learning garblers other than the seed's spinner: tiny hand-written fixtures only."""
import math

import pytest

from restore.align import align
from restore.decipher import first_letter_habit
from restore.habits import survivor_odds
from restore.learn import consistency, fit_channel, learn_channel
from restore.mixing import mix
from restore.model import ContextModel

# a garbler that rewrites "can" in some of its occurrences only, each text
BY_CHANCE = [("we tin go, we can go and we tin see", "we can go, we can go and we can see")] * 5


def test_equal_length_texts_align_by_position_even_where_forms_are_genuine_words():
    assert align("of the way".split(), "to the way".split())[0] == (("to",), ("of",))


def test_a_garbler_that_rewrites_by_chance_is_seen_to_leave_words_standing():
    assert consistency(learn_channel(BY_CHANCE)) < 1


def test_a_word_standing_unspun_does_not_veto_restorations_for_a_garbler_that_rewrites_by_chance():
    reach = fit_channel(learn_channel(BY_CHANCE)).reach
    assert survivor_odds(reach) > 0.5


def test_the_seed_spinners_habit_is_kept_where_every_occurrence_is_rewritten():
    every = [("we tin go, we tin see", "we can go, we can see")] * 5
    assert survivor_odds(fit_channel(learn_channel(every)).reach) == 0.05


def test_a_mixed_context_model_knows_the_words_of_both():
    own = ContextModel.from_counts({("the", "file"): 3, ("file", "is"): 3}, {("the", "file", "is"): 3})
    base = ContextModel.from_counts({("the", "cat"): 3, ("cat", "is"): 3}, {("the", "cat", "is"): 3})
    both = mix(own, base, 0.5)
    the, file, cat, dog = (both.id(w) for w in ("the", "file", "cat", "dog"))
    p_file, p_cat, p_dog = both.logprobs([(the, the, file), (the, the, cat), (the, the, dog)])
    assert p_file > p_dog and p_cat > p_dog


LETTER_SWAPS = [("in", "internal"), ("be", "behind"), ("for", "field"), ("an", "algorithm"), ("will", "without"),
                ("on", "objects"), ("used", "undefined"), ("from", "four"), ("value", "validate"), ("use", "uri"),
                ("string", "symlink"), ("all", "assignments"), ("may", "msi"), ("one", "optional"),
                ("default", "desired"), ("using", "updates"), ("at", "accurate"), ("should", "static"),
                ("only", "operators"), ("but", "backwards"), ("example", "executable"), ("have", "higher")]


def test_a_garbler_that_keeps_first_letters_is_learned_to_keep_them():
    same, other = first_letter_habit(LETTER_SWAPS)
    assert same > 2 and other < -2


def test_a_handful_of_swaps_teaches_no_habit():
    assert first_letter_habit(LETTER_SWAPS[:5]) == (0.0, 0.0)


# -- learning from spun text alone (restore.decipher) ---------------------------------------------

CLEAN = "we can go. they can see. " * 20


def _context() -> ContextModel:
    from restore.learn import count_context
    return ContextModel.from_counts(*count_context([CLEAN, "a tin box. " * 3]), min_trigram=1)


def test_an_original_the_caller_rules_out_is_never_a_candidate():
    from restore.candidates import candidates, corpus_tokens
    context = _context()
    stream = corpus_tokens([CLEAN.replace("can", "tin")] * 3, context)
    found = candidates(stream, context, min_count=3, rewritable=lambda w: w != "can")
    assert context.ids["can"] not in {c for options in found.values() for c, _ in options}


def test_learning_over_the_base_models_own_garbler_keeps_its_rewrite_rates():
    from restore.decipher import decipher
    from restore.model import Channel, Model
    base = Model(Channel(originals={"tin": (("can", -0.1),)}, propensity={"can": 0.9, "go": 0.5}), _context())
    model, _ = decipher([CLEAN.replace("can", "tin")] * 3, base, iterations=2, min_count=3)
    assert model.channel.propensity["can"] == 0.9 and model.channel.propensity["go"] == 0.5


def test_a_swap_the_base_model_finds_unlikely_is_raised_where_the_spun_text_makes_it_surely():
    # another synonym spinner: it writes "tin" for "can", which the base lists behind "box"
    from restore.decipher import decipher, raised_swaps
    from restore.model import Channel, Model
    base = Model(Channel(originals={"tin": (("box", -0.1), ("can", -3.0))}, propensity={"can": 0.9, "box": 0.9}),
                 _context())
    model, _ = decipher([CLEAN.replace("can", "tin")] * 3, base, iterations=2, min_count=3)
    assert raised_swaps(model, base) == {("can", "tin")}


def test_a_swap_the_base_model_finds_all_but_impossible_is_a_candidate_where_the_contexts_point_to_it():
    # the base reads the texts as its own garbler's ("look" for "see"), and lists "tin" for "can" at odds
    # it would never restore
    from restore.decipher import base_garbler, decipher, raised_swaps
    from restore.model import Channel, Model
    channel = Channel(originals={"look": (("see", -0.1),), "tin": (("box", -0.1), ("can", -30.0))},
                      propensity={"can": 0.9, "box": 0.9, "see": 0.9})
    base, texts = Model(channel, _context()), [CLEAN.replace("can", "tin").replace("see", "look")] * 3
    assert base_garbler(texts, base) is base
    model, _ = decipher(texts, base, iterations=2, min_count=3)
    assert ("can", "tin") in raised_swaps(model, base)


def test_a_word_the_spun_text_shows_rewritten_throughout_may_be_an_original_though_the_base_never_rewrites_it():
    # the base reads the texts as its own garbler's ("look" for "see") but has no rate for "can", which
    # these texts show only capitalised, never standing alone
    from restore.decipher import decipher
    from restore.model import Channel, Model
    base = Model(Channel(originals={"look": (("see", -0.1),)}, propensity={"see": 0.9}), _context())
    texts = [CLEAN.replace("can", "tin").replace("see", "look") + "Can they?"] * 3
    model, _ = decipher(texts, base, iterations=2, min_count=3)
    assert "can" in dict(model.channel.originals.get("tin", ()))


def test_what_is_learned_from_spun_text_does_not_depend_on_the_hash_seed():
    import subprocess
    import sys
    script = ("from tests.test_garblers import CLEAN, _context\n"
              "from restore.decipher import decipher\n"
              "from restore.model import Channel, Model\n"
              "texts = [CLEAN.replace('can', 'tin').replace('see', 'look')] * 3\n"
              "model, _ = decipher(texts, Model(Channel(), _context()), iterations=2, min_count=3)\n"
              "print(sorted((g, o) for g, o in model.channel.originals.items()))\n")
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and "'tin'" in runs.pop()


def test_a_habit_never_evens_out_what_the_corpus_counted():
    from restore.decipher import EXPLORE, _channel
    habit = first_letter_habit(LETTER_SWAPS)             # same first letter: some 2.3 nats likelier
    pairs = {("argument", "active"): 0.7, ("amendment", "active"): 0.3, ("army", "active"): EXPLORE}
    options = dict(_channel(pairs, {}, {}, habit=habit).originals["active"])
    assert options["argument"] - options["amendment"] == pytest.approx(math.log(0.7 / 0.3))
    assert options["amendment"] > options["army"]


def _house_or_header() -> tuple:
    """A context model of another domain, where "house" is common and "header" rare but a better
    fit after "saw the"; and a channel in which the form "handled" may stand for either."""
    from restore.learn import count_context
    from restore.model import Channel, Model
    text = ([f"we saw {w} house. " * 5 for w in "a my our his her old new big red one".split()]
            + ["we saw the house. " * 4, "we saw the header. " * 3, "we saw the dog. " * 30])
    channel = Channel(originals={"handled": (("house", -0.1), ("header", -0.1))},
                      propensity={"house": 0.9, "header": 0.9})
    return Model(channel, ContextModel.from_counts(*count_context(text), min_trigram=1)), ["we saw the handled. " * 3]


def test_learning_a_new_garbler_weighs_how_well_a_word_fits_above_how_common_it_is():
    from restore.decipher import PRIOR, _decode
    model, texts = _house_or_header()
    learned = _decode(texts, model, lambda xs, **_: xs, "", PRIOR)
    assert learned.swaps["header", "handled"] == 3 and not learned.swaps["house", "handled"]


def test_the_full_prior_of_the_base_text_prefers_its_common_word():
    from restore.decipher import _decode
    model, texts = _house_or_header()
    learned = _decode(texts, model, lambda xs, **_: xs, "", 1.0)
    assert learned.swaps["house", "handled"] > learned.swaps["header", "handled"]


# "zork" is a word the context model never counted, as a domain's own terms ("tzinfo") are to the shipped one
UNKNOWN_FORM = [CLEAN.replace("can", "zork")] * 3


def test_a_form_the_context_model_never_saw_is_learned_too():
    from restore.decipher import decipher
    from restore.model import Channel, Model
    model, _ = decipher(UNKNOWN_FORM, Model(Channel(), _context()), iterations=2, min_count=3)
    assert model.channel.originals["zork"][0][0] == "can"


def test_a_swap_whose_original_the_corpus_never_shows_is_held_to_a_higher_confidence(monkeypatch):
    from restore import decipher
    from restore.model import Channel, Model
    monkeypatch.setattr(decipher, "ABSENT_CONFIDENCE", 1.01)        # a floor no swap reaches
    model, learned = decipher.decipher(UNKNOWN_FORM, Model(Channel(), _context()), iterations=2, min_count=3)
    assert learned.swaps["can", "zork"] > 0 and "zork" not in model.channel.originals


# -- a garbler whose forms are words in their own right (restore.mixture) ------------------------

# "tin" stands for "can" in two of its three occurrences, and for itself in the third
MIXED_TEXTS = ["we tin go. they can see. a tin box. they tin go. " * 10] * 3


def test_a_garbler_whose_form_also_stands_for_itself_is_learned_occurrence_by_occurrence():
    from restore.decipher import decipher
    from restore.model import Channel, Model
    model, learned = decipher(MIXED_TEXTS, Model(Channel(), _context()), iterations=2, min_count=3)
    assert model.channel.originals["tin"][0][0] == "can" and learned.swaps["can", "tin"] == 60


def test_a_garbler_learned_occurrence_by_occurrence_is_known_to_leave_words_standing():
    from restore.decipher import decipher
    from restore.model import Channel, Model
    model, _ = decipher(MIXED_TEXTS, Model(Channel(), _context()), iterations=2, min_count=3)
    assert model.channel.reach["every"] == pytest.approx(2 / 3, abs=0.01)
    assert survivor_odds(model.channel.reach) > 0.5


def test_a_swap_learned_occurrence_by_occurrence_is_weighed_at_a_fraction_of_its_rate():
    from restore.decipher import MIXED_ODDS, decipher
    from restore.model import Channel, Model
    model, _ = decipher(MIXED_TEXTS, Model(Channel(), _context()), iterations=2, min_count=3)
    ((original, score),) = model.channel.originals["tin"]
    assert original == "can" and score == pytest.approx(math.log(model.channel.propensity["can"] / MIXED_ODDS))


def test_a_form_learned_occurrence_by_occurrence_is_restored_only_where_its_context_says_so():
    from restore.decipher import decipher
    from restore.decode import Restorer
    from restore.model import Channel, Model
    model, _ = decipher(MIXED_TEXTS, Model(Channel(), _context()), iterations=2, min_count=3)
    assert Restorer(model).restore("we tin go. a tin box.") == "we can go. a tin box."


def test_a_garbler_whose_forms_never_stand_for_themselves_is_left_to_hard_em():
    from restore.decipher import decipher
    from restore.model import Channel, Model
    model, _ = decipher([CLEAN.replace("can", "tin")] * 3, Model(Channel(), _context()), iterations=2, min_count=3)
    assert model.channel.originals["tin"][0][0] == "can" and "every" not in model.channel.reach


def test_a_swap_whose_original_never_stands_is_not_one_a_garbler_by_chance_makes():
    from restore.candidates import corpus_tokens
    from restore.mixture import learn_mixture
    context = _context()
    found = learn_mixture(corpus_tokens([CLEAN.replace("can", "tin")] * 3, context), context, min_evidence=5)
    assert (context.ids["can"], context.ids["tin"]) not in found.swaps


def test_clean_text_teaches_the_mixture_no_swap():
    from restore.candidates import corpus_tokens
    from restore.mixture import learn_mixture
    context = _context()
    assert learn_mixture(corpus_tokens([CLEAN] * 3, context), context, min_evidence=5).swaps == {}


def test_candidates_the_context_model_reads_alike_are_told_apart_by_how_the_corpus_uses_the_form():
    # the context model reads "can" and "may" alike everywhere; the spun corpus uses "tin" as it uses "can"
    from collections import Counter

    import numpy as np

    from restore.candidates import corpus_tokens
    from restore.learn import count_context
    from restore.mixture import _em
    from restore.usage import Usage
    lm = ContextModel.from_counts(*count_context(["we can go. we may go. it can rain. it may rain. a tin box. " * 20]),
                                  min_trigram=1)
    stream = corpus_tokens(["we tin go. we tin go. we can go. it may rain. " * 30], lm)
    can, may, tin = lm.ids["can"], lm.ids["may"], lm.ids["tin"]
    # a corpus of nine words: no shift of its PMIs (restore.usage.SHIFT is for a real corpus's vocabulary)
    usage = Usage(stream, np.array([tin, can, may]), np.unique(stream), shift=0)
    matched = _em(stream, stream, {tin: [may, can]}, lm, Counter(stream.tolist()), 3, 5, usage)[3]
    assert (tin, can) in matched and (tin, may) not in matched


@pytest.mark.parametrize("spun, original", [("the old fox sat down. ", "man"), ("an old fox sat down. ", "dog")])
def test_candidates_that_fit_the_next_words_alike_are_told_apart_by_the_words_beyond(spun, original):
    # "old _ sat" fits both words; only "the old" and "an old" say which
    from restore.candidates import candidates, corpus_tokens
    from restore.learn import count_context
    from restore.model import ContextModel
    lm = ContextModel.from_counts(*count_context(["the old man sat down. an old dog sat down. " * 20]), min_trigram=1)
    unseen: dict = {}
    stream = corpus_tokens([spun * 10], lm, unseen)
    vocab = lm.vocab + list(unseen)
    assert vocab[candidates(stream, lm, min_count=3, unseen=unseen)[vocab.index("fox")][0][0]] == original


def test_a_large_archive_adapts_the_context_model_from_a_spread_of_its_texts(monkeypatch):
    from restore import decipher
    from restore.model import Channel, Model
    monkeypatch.setattr(decipher, "ADAPT_WORDS", 6)     # 18 words: every third text is counted
    texts = ["we can rust.", "we can fly.", "we can swim.", "we can run.", "we can sing.", "we can hop."]
    words = decipher.adapted(Model(Channel(), _context()), texts).context.ids
    assert "rust" in words and "run" in words and "fly" not in words and "sing" not in words


def test_learning_stops_at_a_fixed_point_with_the_model_more_rounds_would_give(monkeypatch):
    from restore import decipher as learning
    from restore.model import Channel, Model
    texts = [CLEAN.replace("can", "tin").replace("see", "look")] * 3
    rounds = []
    decode = learning._decode
    monkeypatch.setattr(learning, "_decode", lambda *a, **k: rounds.append(a[3]) or decode(*a, **k))
    few, _ = learning.decipher(texts, Model(Channel(), _context()), iterations=8, min_count=3)
    many, _ = learning.decipher(texts, Model(Channel(), _context()), iterations=1000, min_count=3)
    assert few.channel.originals == many.channel.originals
    assert sum(r.startswith("round") for r in rounds) < 2 * 8
