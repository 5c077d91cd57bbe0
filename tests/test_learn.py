import math

import pytest

from restore.learn import ChannelCounts, fit_channel, learn_channel, mix_garbler, rank_prior
from restore.pairs import read_pairs


def test_learning_counts_survivals_and_swaps(pairs):
    counts = learn_channel(read_pairs([pairs / "pairs.jsonl"]))
    assert counts.swaps["at"]["astatine"] == 2
    assert counts.kept["the"] == 3                           # a capitalised "The" is out of reach, not kept
    assert counts.placed["the", "capitalised", False] == 1


def test_a_words_rate_counts_swaps_and_survivals_in_the_same_places():
    # a garbler reaching capitals rewrote "python" at both sentence starts and left one of two lone
    # occurrences: its rate is that of the lone ones (1 of 2), not 3 swaps against 1 survival
    counts = learn_channel([("Pyre is here. Pyre is there. use pyre or python", "Python is here. Python is there. use python or python")])
    assert (counts.aligned["python"], counts.kept["python"]) == (1, 1)
    assert counts.swaps["python"]["pyre"] == 3


def test_a_word_set_with_another_apostrophe_is_kept_not_swapped():
    counts = learn_channel([("it’s here and it is astatine home", "it's here and it is at home")])
    assert "it's" not in counts.swaps and counts.kept["it's"] == 1
    counts.add_lexicon([("year's", "year’s", 1), ("at", "astatine", 1)])
    assert "year's" not in counts.swaps and counts.swaps["at"]["astatine"] == 2


def test_phrase_swaps_are_learned_as_phrases(tiny_model):
    phrase = ("due", "to", "the", "fact", "that")
    assert tiny_model.channel.phrases[phrase][0][0] == "because"


def test_words_a_garbler_inserts_are_learned_as_a_phrase_swap_of_their_neighbours():
    from restore import Restorer
    from restore.learn import train_model
    model = train_model([("The plan is simply a test, and this is simply a draft.",
                          "The plan is a test, and this is a draft.")])
    assert model.channel.phrases["is", "simply", "a"][0][0] == "is a"
    assert Restorer(model, spin_rate=1.0).restore("It is simply a draft.") == "It is a draft."


def test_parallel_files_are_read_as_one_pair(pairs):
    assert list(read_pairs([pairs / "small.spun.txt"])) == [
        ((pairs / "small.spun.txt").read_text(), (pairs / "small.clean.txt").read_text())]


def test_a_lone_surrogate_in_json_pairs_is_read_as_a_replacement_character(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"spun": "we \\ud800 tin go", "clean": "we can \\udcff go"}\n')
    assert list(read_pairs([tmp_path / "p.jsonl"])) == [("we \ufffd tin go", "we can \ufffd go")]


def test_unseen_words_borrow_the_spinners_ranked_neighbours():
    counts = ChannelCounts()
    counts.add_lexicon([("at", "astatine", 1), ("he", "helium", 1)])
    neighbours = {"at": ["astatine", "element"], "he": ["helium", "gas"], "be": ["beryllium", "exist"]}.get
    channel = fit_channel(counts, lambda w: neighbours(w) or [], vocabulary=["be"], base_rate=0.3)
    assert [c for c, _ in channel.originals["beryllium"]] == ["be"]


def test_the_rank_prior_favours_the_rank_the_spinner_chose():
    counts = ChannelCounts()
    counts.add_lexicon([("at", "astatine", 1), ("he", "helium", 1), ("or", "surgery", 1)])
    prior = rank_prior(counts, {"at": ["astatine"], "he": ["helium"], "or": ["oregon", "surgery"]}.get)
    assert prior[0] > prior[1] > prior[2]


def test_a_swap_seen_one_way_is_not_guessed_the_other_way():
    # the spinner rewrites "agency" to "bureau", so a "bureau" it rewrote never became "agency"
    counts = ChannelCounts()
    counts.add_lexicon([("at", "astatine", 1), ("agency", "bureau", 1)])
    neighbours = {"at": ["astatine"], "agency": ["bureau"], "bureau": ["agency", "office"]}.get
    channel = fit_channel(counts, lambda w: neighbours(w) or [], vocabulary=["bureau"], base_rate=0.3)
    assert "bureau" not in [c for c, _ in channel.originals.get("agency", ())]
    assert [c for c, _ in channel.originals["office"]] == ["bureau"]


def _texts_of_a_steady_spinner() -> ChannelCounts:
    """Sixty texts of a spinner that rewrites every occurrence of the words it picks: "at" is
    rewritten in each, "the" stands in each, and forty other words are rewritten wherever they stand."""
    pair = ("the cat sat astatine the mat", "the cat sat at the mat")
    counts = learn_channel([pair] * 60)
    for n in range(60):
        counts.fates[f"w{n}", n < 40] += 2
    return counts


def test_a_word_standing_in_text_after_text_is_not_in_the_spinners_dictionary():
    counts = _texts_of_a_steady_spinner()
    channel = fit_channel(counts, vocabulary=["the", "cat", "at"])
    assert channel.propensity["at"] > 0.95
    assert channel.propensity["the"] < 0.01


def test_one_text_rewriting_a_word_puts_it_in_the_dictionary():
    counts = _texts_of_a_steady_spinner()
    counts.add_lexicon([("official", "authoritative", 1)])
    counts.fates["official", True] += 1
    channel = fit_channel(counts, vocabulary=["official"])
    assert channel.propensity["official"] > 0.5


def test_a_second_garblers_swaps_are_mixed_in_at_its_share():
    # the first garbler leaves "the" standing in every text; a variant spinning one text in fifty
    # writes "nan" for it
    channel = fit_channel(_texts_of_a_steady_spinner(), vocabulary=["the", "cat", "at"])
    variant = learn_channel([("nan cat sat connected nan mat", "the cat sat on the mat")])
    mixed = mix_garbler(channel, variant, share=0.02)
    assert dict(mixed.originals["nan"])["the"] == pytest.approx(math.log(0.02))
    assert mixed.originals["astatine"] == channel.originals["astatine"]


def test_mixing_in_a_second_garbler_leaves_how_often_words_survive_alone():
    channel = fit_channel(_texts_of_a_steady_spinner(), vocabulary=["the", "cat", "at"])
    variant = learn_channel([("nan cat sat", "the cat sat")])
    assert mix_garbler(channel, variant, share=0.02).propensity == channel.propensity


def test_a_swap_both_garblers_make_adds_up_both_chances_even_past_certain():
    channel = fit_channel(_texts_of_a_steady_spinner(), vocabulary=["the", "cat", "at"])
    variant = learn_channel([("nan cat sat astatine home", "the cat sat at home")] * 3)
    (_, alone), = channel.originals["astatine"]
    (original, mixed), = mix_garbler(channel, variant, share=0.5).originals["astatine"]
    assert original == "at" and alone < 0.0 < mixed
