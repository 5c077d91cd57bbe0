"""Text of another synonym spinner than the model's own: read as such, and only where it is."""
from dataclasses import replace
from pathlib import Path

import pytest

from restore import Restorer
from restore.model import Model
from restore.others import looks_rewritten, other_model
from restore.tokenize import match_case, split_words, stands_alone

# Written for this test.  Spun below by a spinner that takes each word's second WordNet neighbour,
# where the seed's spinner mostly takes the first.
NEWS = ("The city council voted on Tuesday to close two public libraries after a long debate about the budget. "
        "Members said the decision was hard, but the money had run out and the buildings needed costly repairs. "
        "Several residents spoke at the meeting and asked the council to find another way to keep the doors open. "
        "One mother told the members that her children read there every week and had nowhere else to study. "
        "The mayor promised to look for new funding next year and said the books would be moved to the main "
        "library. Staff will keep their jobs, and the reading rooms will stay open until the end of the month.")
EXAMPLE = Path(__file__).parents[1] / "examples" / "spun-news.txt"
PROSE = (Path(__file__).parent / "fixtures" / "clean-prose.txt").read_text(encoding="utf-8")


def second_neighbours(text: str, model: Model) -> str:
    """``text`` with every lone lower-case word that has two neighbours or more written as its second."""
    parts = split_words(text)
    for i in range(1, len(parts), 2):
        options = model.channel.neighbours.get(parts[i], ())
        if parts[i].islower() and stands_alone(parts[i - 1], parts[i + 1]) and len(options) > 1:
            parts[i] = options[1]
    return "".join(parts)


def second_neighbours_everywhere(text: str, model: Model) -> str:
    """``text`` with every word that has two neighbours or more, capitalised or touching punctuation too,
    written as its second."""
    parts = split_words(text)
    for i in range(1, len(parts), 2):
        options = model.channel.neighbours.get(parts[i].lower(), ())
        if len(options) > 1:
            parts[i] = match_case(parts[i], options[1])
    return "".join(parts)


def some_second_neighbours(text: str, model: Model) -> str:
    """``text`` with every other lone lower-case word that has two neighbours or more written as its second:
    a spinner that rewrites a word at some of its occurrences only."""
    parts, seen = split_words(text), 0
    for i in range(1, len(parts), 2):
        options = model.channel.neighbours.get(parts[i], ())
        if parts[i].islower() and stands_alone(parts[i - 1], parts[i + 1]) and len(options) > 1:
            if seen % 2 == 0:
                parts[i] = options[1]
            seen += 1
    return "".join(parts)


def without_neighbours(model: Model) -> Model:
    return Model(replace(model.channel, neighbours={}), model.context, model.info, model.layout)


@pytest.fixture(scope="module")
def spun():
    return second_neighbours(NEWS, Model.default())


def words(text):
    return split_words(text)[1::2]


def test_the_text_of_another_spinner_is_mostly_restored(spun):
    restored = words(Restorer().restore(spun))
    pairs = list(zip(words(NEWS), words(spun), restored))
    swapped = [(clean, out) for clean, garbled, out in pairs if clean != garbled]
    assert len(swapped) > 40
    assert sum(clean == out for clean, out in swapped) >= len(swapped) / 2
    assert sum(clean == garbled != out for clean, garbled, out in pairs) <= 2


def test_without_neighbours_the_model_restores_little_of_it(spun):
    restored = words(Restorer(without_neighbours(Model.default())).restore(spun))
    swapped = [(clean, out) for clean, garbled, out in zip(words(NEWS), words(spun), restored) if clean != garbled]
    assert sum(clean == out for clean, out in swapped) < len(swapped) / 10


def test_a_spinner_that_rewrites_some_occurrences_of_a_word_has_most_of_its_swaps_restored():
    # the own spinner rewrites "used" wherever it stands (at 0.998): another may leave it at one place
    spun = some_second_neighbours(PROSE, Model.default())
    trios = list(zip(words(PROSE), words(spun), words(Restorer().restore(spun))))
    swapped = [clean == out for clean, garbled, out in trios if clean != garbled]
    kept = [clean == out for clean, garbled, out in trios if clean == garbled]
    assert len(swapped) > 1000
    assert sum(swapped) > len(swapped) / 2                 # 57%; at the own spinner's rates 44%
    assert kept.count(False) < 0.02 * len(kept)            # 1.3% broken; 0.6% at the own rates


def test_the_text_of_another_spinner_reads_as_spun(spun):
    assert Restorer().spin_score(spun) > 0.99


def test_the_clean_text_is_left_alone():
    assert Restorer().restore(NEWS) == NEWS


def test_the_seed_spinners_text_reads_the_same_with_or_without_another_spinner():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert Restorer().restore(text) == Restorer(without_neighbours(Model.default())).restore(text)


def test_the_words_of_another_spinner_look_rewritten_and_clean_ones_do_not(spun):
    assert looks_rewritten(Model.default(), words(spun))
    assert not looks_rewritten(Model.default(), words(NEWS))


def test_a_trained_model_knows_no_other_spinner(tiny_model):
    assert other_model(tiny_model) is None


# Written for this test: rare words that another spinner writes for common ones, used in their own sense.
NEIGHBOURS_IN_THEIR_OWN_SENSE = [
    "The castle donjon still stands above the river.",
    "A rundle of the ladder was broken.",
    "They rode thither on horseback.",
    "The workweek is shorter in summer.",
    "Vitamin A is also called axerophthol.",
    "The disputation lasted for hours.",
    "An elongate shape appeared on the scan.",
    "We happen to agree.",
]


@pytest.mark.parametrize("sentence", NEIGHBOURS_IN_THEIR_OWN_SENSE)
def test_a_clean_sentence_with_another_spinners_forms_comes_back_unchanged(sentence):
    assert Restorer().restore(sentence) == sentence


def test_clean_sentences_with_another_spinners_forms_read_together_come_back_unchanged():
    text = " ".join(NEIGHBOURS_IN_THEIR_OWN_SENSE)
    assert Restorer().restore(text) == text


def test_a_long_text_of_another_spinner_that_rewrites_capitals_too_has_them_restored():
    spun = second_neighbours_everywhere(PROSE, Model.default())
    capitalised = [(clean, out) for clean, garbled, out in zip(words(PROSE), words(spun), words(Restorer().restore(spun)))
                   if clean != garbled and clean[0].isupper()]
    assert len(capitalised) > 100
    assert sum(clean == out for clean, out in capitalised) >= len(capitalised) / 2


def test_a_long_text_of_another_spinner_of_lone_words_keeps_every_capitalised_word():
    spun = second_neighbours(PROSE, Model.default())
    pairs = zip(words(PROSE), words(spun), words(Restorer().restore(spun)))
    assert all(out == garbled for clean, garbled, out in pairs if garbled[0].isupper())


def test_learn_names_another_spinner_as_the_garbler_of_its_text(spun):
    from restore.decipher import base_garbler
    assert base_garbler([spun] * 3, Model.default()) is other_model(Model.default())


@pytest.fixture(scope="module")
def learned(spun):
    from restore.decipher import learn
    return learn([spun] * 3, Model.default(), iterations=2)


def test_a_model_learned_from_another_spinners_text_restores_it(spun, learned):
    restored = words(Restorer(learned).restore(spun))
    pairs = list(zip(words(NEWS), words(spun), restored))
    swapped = [(clean, out) for clean, garbled, out in pairs if clean != garbled]
    assert sum(clean == out for clean, out in swapped) >= len(swapped) / 2
    assert sum(clean == garbled != out for clean, garbled, out in pairs) <= 2


def test_a_model_learned_from_another_spinners_text_keeps_every_original_that_spinner_may_have_written(learned):
    listed = {original for original, _ in other_model(Model.default()).channel.originals["city"]}
    assert len(listed) > 100
    assert listed <= {original for original, _ in learned.channel.originals["city"]}


def test_a_model_learned_from_another_spinners_text_keeps_its_habit_of_rewriting_only_some_occurrences(learned):
    from restore.others import EVERY
    assert learned.channel.reach["every"] == EVERY


def test_learn_says_it_learned_another_spinner_and_counts_its_swaps_against_that_spinners(spun, tmp_path, capsys):
    from restore.cli import main
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(spun, encoding="utf-8")
    assert main(["learn", str(tmp_path), "-o", str(tmp_path / "m.model"), "--iterations", "2"]) == 0
    said = capsys.readouterr().err
    assert "reads these texts as another synonym spinner's" in said
    assert "of the other spinner's (and kept the other spinner's" in said
