"""The default model on real spun text, and on genuine words it must leave alone."""
import random
import re
from pathlib import Path

import pytest

import restore


def test_the_seed_sentence_is_restored():
    spun = "Workers astatine the agency person been told to stock accusation astir in-person appointments."
    assert restore.restore_text(spun) == (
        "Workers at the agency have been told to share information about in-person appointments.")


def test_a_capitalised_spun_word_at_a_sentence_start_keeps_its_capital():
    assert restore.restore_text("It rained. Successful April, helium left.").startswith("It rained. In April, he")


@pytest.mark.parametrize("genuine", [
    "The company celebrated a successful launch of its new rocket.",
    "Voters in the state of Oregon went to the polls on Tuesday.",
    "The children let go of their helium balloons at the fair.",
    "She is a successful person by any measure.",
    "Stock prices fell sharply on Monday.",
])
def test_genuine_words_in_clean_prose_are_left_alone(genuine):
    assert restore.restore_text(genuine) == genuine


CLEAN_SENTENCES = (Path(__file__).parent / "fixtures" / "clean-sentences.txt").read_text(encoding="utf-8")
# Genuine sentences the default model still changes ("Our postulation was rejected." and "I bought a
# fistful of candy." were, until the context model's weight was fitted; "The town was astir early."
# until the spinner's dictionary was weighed by frequency band).  "antithetic" is a form the context
# model never counted: kept, it scores as an unknown word, and a short text has little else to say it
# is clean.  In "Her successful enactment of the reforms ...", three spinner words in a row, "in
# support of the reforms" is a phrase the context model knows well: "successful" -> "in" (0.99),
# "enactment" -> "support" (0.6).  "An albescent glow filled the sky." (of 50 written fresh on
# 2026-11-30 and tried before they were added; 47 new, the only one changed) became "An white glow"
# until the decoder weighed the article before a word (``restore.articles``).  Of 150 written on
# 2026-11-30 with three to five of the spinner's forms each, and tried before they were added, two
# change alone: each has three or four forms that are rare words ("reappraisal", "constabulary",
# "exertion", "nighttime"), each some 3 to 4 nats likelier in spun text than in clean English by the
# model's unigrams and channel, so that together they pass the prior against a text being spun
# (``decode.SPUN_PRIOR``, -8 nats; fitted, and left at -8 when -9 and -10 cost short spun texts, see the
# CHANGELOG; the second sentence stands from -10, the first only from -12).  Of 200 more written on
# 2026-11-30 (two to four forms each, a third of them four to eight words long), one changes alone:
# in "Nurses often work unsocial hours." the context model never counted "unsocial" (an observed form
# of "unique" and "alone"), so kept it scores as an unknown word, and "often read unique hours" reads
# 8.6 nats likelier; it stands only from a prior of -12.  Of 756 more written on 2026-12-01 in other
# genres (fiction, legal, recipes, abstracts, forum posts, headlines, tweets; two thirds aimed at the
# model's weak spots: short, two or more rare forms), nine change alone.  Each is short and holds two
# or more of the spinner's forms that are also rare genuine words ("pistillate", "apical", "azygous",
# "taxon", "erstwhile", "archetypal", "lone", "caller"): they pass the prior against a text being
# spun, and then a plain word beside them is read as spun too ("successful" -> "in", "superior" ->
# "primary", "caller" -> "new" in "The new was the former mayor").  Three of them were tried inside a
# paragraph of two or three sentences, and there none changes.
STILL_CHANGED: set[str] = {
    "She wore an antithetic smile.",
    "Her successful enactment of the reforms surprised the bureau.",
    "After a reappraisal of the evidence, prosecutors dropped the accusation against the aged farmer.",
    "The constabulary praised the exertion of volunteers who filled sandbags throughout the nighttime storm.",
    "Nurses often work unsocial hours.",
    "The pistillate inflorescence is a short apical spike.",
    "A pistillate inflorescence is a spike.",
    "The taxon has pistillate flowers.",
    "The azygous vein is anterior to the spine.",
    "The azygous vein joins the superior vena cava.",
    "The caller was the erstwhile mayor.",
    "The caller was my erstwhile boss.",
    "She is the archetypal successful person.",
    "The lone caller hung up.",
}


@pytest.mark.parametrize("sentence", [pytest.param(s, marks=pytest.mark.xfail(strict=True, reason="known failure"))
                                      if s in STILL_CHANGED else s for s in CLEAN_SENTENCES.splitlines()])
def test_a_short_clean_sentence_full_of_spinner_words_comes_back_unchanged(sentence):
    assert restore.restore_text(sentence) == sentence


def test_clean_sentences_full_of_spinner_words_read_together_come_back_unchanged():
    assert restore.restore_text(CLEAN_SENTENCES) == CLEAN_SENTENCES


def test_everything_but_restored_words_is_kept_byte_for_byte():
    spun = "<p>Workers\r\nastatine  the “agency” person\tbeen told.</p>\r\n"
    assert restore.restore_text(spun) == "<p>Workers\r\nat  the “agency” have\tbeen told.</p>\r\n"


def test_mojibake_is_repaired_too():
    assert restore.restore_text("Workers astatine the SSAâ€™s office.") == "Workers at the SSA’s office."


def test_changes_report_position_confidence_and_alternatives(restorer):
    text, changes = restorer.restore_with_changes("Workers astatine the agency.")
    assert text == "Workers at the agency."
    (change,) = changes
    assert (change.start, change.end, change.garbled, change.restored) == (8, 16, "astatine", "at")
    assert 0.5 < change.confidence <= 1.0
    assert change.alternatives[0][0] == "astatine"


def test_low_confidence_changes_can_be_left_unmade():
    from restore import Restorer
    strict = Restorer(min_confidence=1.0)
    assert strict.restore("Workers astatine the agency.") == "Workers astatine the agency."


def _odds(change):
    """How many times likelier a change's restoration was than the word as written."""
    kept = [p for w, p in change.alternatives if w.lower() == change.garbled.lower()]
    return change.confidence / kept[0] if kept and kept[0] else float("inf")


def test_min_odds_makes_only_the_changes_that_many_times_likelier_than_the_word_as_written():
    from restore import Restorer
    from restore.spin import Spinner
    text = Spinner.default().spin("Just after dawn on Tuesday a small crew released a white balloon into a "
                                  "cloudless sky, and the instruments drifted back to earth under a bright "
                                  "orange parachute at noon. Its readings reached the lab by evening.", seed=3)
    every = Restorer().restore_with_changes(text)[1]
    cautious = Restorer(min_odds=5).restore_with_changes(text)[1]
    assert any(_odds(c) <= 5 for c in every)
    assert cautious == [c for c in every if _odds(c) > 5]


@pytest.mark.parametrize("odds", [0.5, 0, -1, float("nan"), float("inf")])
def test_min_odds_that_is_not_a_finite_number_of_one_or_more_is_a_clear_error(odds):
    from restore import Restorer
    with pytest.raises(restore.RestoreError, match="^min_odds must be a finite number of 1 or more"):
        Restorer(min_odds=odds)


def test_a_rare_word_after_the_article_it_takes_is_left_as_written():
    assert restore.restore_text("An albescent glow filled the sky.") == "An albescent glow filled the sky."


def test_the_article_before_a_garbled_word_picks_among_its_originals():
    spun = "Workers astatine the agency said it was an ocular aid for them."       # "visual" takes "a"
    assert restore.restore_text(spun) == "Workers at the agency said it was an optical aid for them."


def test_an_article_that_is_itself_a_garbled_form_is_no_evidence():
    import dataclasses

    from restore import Model, Restorer
    base = Model.default()
    channel = dataclasses.replace(base.channel, originals={**base.channel.originals, "an": (("of", -0.1),)},
                                  propensity={**base.channel.propensity, "of": 0.5})
    restorer = Restorer(Model(channel, base.context))        # a garbler that writes "an" for "of"
    spun = "Workers astatine the agency drank a bottle an albescent milk."
    assert restorer.restore(spun) == "Workers at the agency drank a bottle of white milk."


def test_a_phrase_swap_is_undone():
    spun = "Workers astatine the agency left early due to the fact that helium was ill."
    assert restore.restore_text(spun) == "Workers at the agency left early because he was ill."


def test_a_word_the_spinner_inserts_is_taken_out():
    # real articles show "is a" spun as "is simply a" every time (16 of 16)
    assert restore.restore_text("That is simply a fact, helium said.") == "That is a fact, he said."


def test_a_phrase_swap_wins_over_its_words_read_one_by_one():
    # "astir" and "apt" are each a spun word too ("most", "likely"), but real articles show the pair
    # written for "probably"; read word by word it came out "most likely"
    spun = "Even if you are not a hacker, you’re astir apt inactive a prolific idiosyncratic of the apps."
    assert "you’re probably still" in restore.restore_text(spun)


def test_a_phrase_changes_alternative_is_the_reading_it_beat():
    spun = "Even if you are not a hacker, you’re astir apt inactive a prolific idiosyncratic of the apps."
    change = next(c for c in restore.Restorer().restore_with_changes(spun)[1] if c.garbled == "astir apt")
    assert [text for text, _ in change.alternatives] == ["most likely"]
    assert change.confidence + change.alternatives[0][1] == pytest.approx(1.0)


def test_a_genuine_due_to_in_spun_text_is_kept():
    spun = "Workers astatine the agency person been told the delay was due to the storm, helium said."
    assert restore.restore_text(spun) == "Workers at the agency have been told the delay was due to the storm, he said."


def test_a_clean_is_simply_a_is_left_alone():
    clean = "The agency said the hold is simply a precaution."
    assert restore.restore_text(clean) == clean


def test_a_text_from_manipis_variant_has_its_function_words_restored():
    # manipi.biz.id's variant of the spinner also rewrites the -> nan and with -> pinch
    spun = "Workers astatine nan agency person been told to stock accusation pinch nan public."
    assert restore.restore_text(spun) == "Workers at the agency have been told to share information with the public."


def test_a_short_clean_text_with_a_few_spinner_words_is_left_alone():
    clean = "The radical group claimed the bid was done in person at the national office."
    assert restore.restore_text(clean) == clean


def test_a_tiny_trained_model_restores_what_it_learned(tiny_model):
    from restore import Restorer
    r = Restorer(tiny_model, spin_rate=1.0)
    assert r.restore("The workers met astatine noon.") == "The workers met at noon."


def test_clean_prose_rich_in_spinner_words_is_left_untouched(restorer, fixtures):
    prose = (fixtures / "clean-prose.txt").read_text(encoding="utf-8")
    _, changes = restorer.restore_with_changes(prose)
    assert [(c.garbled, c.restored) for c in changes] == []


def test_spun_text_scores_as_spun_and_clean_text_as_clean(restorer, fixtures):
    from restore.spin import Spinner
    paragraphs = [p for p in (fixtures / "clean-prose.txt").read_text(encoding="utf-8").split("\n\n") if len(p) > 400]
    clean = [restorer.spin_score(p) for p in paragraphs[:10]]
    spun = [restorer.spin_score(Spinner.default().spin(p, seed=i)) for i, p in enumerate(paragraphs[:10])]
    assert max(clean) < 0.5 < min(spun)


SPUN_OPENING = "Workers astatine the agency person been told to stock accusation astir the program."


def test_a_word_touching_punctuation_is_taken_for_genuine():
    # the spinner splits at whitespace: it never sees "information." as a word
    text = SPUN_OPENING + " Experts gave their information."
    assert restore.restore_text(text).endswith(" Experts gave their information.")


def test_a_word_still_standing_unspun_in_the_text_is_not_restored_elsewhere():
    # "in" stands in "in the office", so the spinner did not pick it: "successful" is genuine
    text = SPUN_OPENING + " They waited in the office. The successful person was happy."
    assert restore.restore_text(text).endswith(" The successful person was happy.")


def test_a_word_restored_elsewhere_was_picked_so_its_lone_form_is_a_later_rewrite():
    # "accusation" is a spun "information", so the spinner picked "information": a lone
    # "information" left in the text was written later, over a word that sorts before it
    text = SPUN_OPENING + " The city has been collecting information from drivers."
    assert restore.restore_text(text).endswith(" The city has been collecting data from drivers.")


def test_a_forms_other_occurrences_make_its_restoration_surer(restorer):
    # one article mostly writes one word where the spinner wrote one form: the law just passed is
    # the law the critics speak of (alone, "instrumentality" may as well be a "system")
    def last_law(text):
        return [c.confidence for c in restorer.restore_with_changes(text)[1] if c.restored == "law"][-1]
    second = "Critics said the instrumentality would hurt workers astatine the plant."
    assert last_law("The instrumentality was passed successful 2019. " + second) > last_law(second) + 0.1


def test_a_word_the_text_already_uses_makes_a_restoration_to_it_surer(restorer):
    # a text about a law says "law" again: "instrumentality" (law, device, machine...) is likelier the law
    def surety(text):
        return [c.confidence for c in restorer.restore_with_changes(text)[1] if c.restored == "law"][-1]
    spun = "Critics said the instrumentality would hurt workers astatine the plant."
    assert surety("They voted on the law. " + spun) > surety(spun) + 0.2


def test_a_genuine_word_beside_spun_ones_is_left_alone():
    # after a sentence full of swaps, a short text weighs the spin rate it implies
    # (restore.decode.PRIOR_STRENGTH), and "meeting" is the emulator's guess for a spun "conference":
    # a known failure (restored to "conference" at 0.51) until the model knew 27 real articles' swaps
    spun = "Workers astatine the agency person been told to stock accusation astir it. The meeting astatine noon was long."
    assert restore.restore_text(spun) == ("Workers at the agency have been told to share information about it. "
                                          "The meeting at noon was long.")


# Known failure: nothing in this text shows whether the spinner picked "information" (it rewrites
# every lone occurrence of a word it picks, 78% of its dictionary per text, and writes data ->
# information after information -> accusation), so the lone "information" is a spun "data" unless
# context says otherwise.  Since the context model learned pocketsphinx's English, "collecting data
# from drivers" tips it: restored to "data" at 0.56.
@pytest.mark.xfail(strict=True, reason="known failure: restored to 'data' at 0.56")
def test_a_word_not_picked_stays_where_it_stands():
    text = "Workers astatine the agency person been told. The city has been collecting information from drivers."
    assert restore.restore_text(text).endswith(" The city has been collecting information from drivers.")


def test_a_common_word_is_not_restored_on_the_context_model_alone():
    # "did not respond to requests" is a cliché the context model knows; "reply" is genuine here,
    # and the spinner seldom writes "reply" for "respond"
    text = SPUN_OPENING + " The mayor did not reply to requests for comment."
    assert restore.restore_text(text).endswith(" The mayor did not reply to requests for comment.")


def lightly_spun(fixtures, rate: float) -> list[tuple[str, str]]:
    """The fixture prose's long paragraphs, each with its copy spun at a lighter setting than the real
    spinner's: it rewrites only ``rate`` of the words it would."""
    from restore.spin import Spinner
    paragraphs = [p for p in (fixtures / "clean-prose.txt").read_text(encoding="utf-8").split("\n\n") if len(p) > 400]
    lighter = Spinner(Spinner.default().table, rate)
    return [(lighter.spin(p, seed=i), p) for i, p in enumerate(paragraphs[:10])]


def test_text_spun_at_a_lighter_setting_scores_as_spun(restorer, fixtures):
    # half the spinner's words stand unspun, which its own setting would read as clean
    assert min(restorer.spin_score(spun) for spun, _ in lightly_spun(fixtures, 0.5)) > 0.5


def test_text_spun_at_a_lighter_setting_is_restored(restorer, fixtures):
    from restore.evaluate import evaluate
    assert evaluate(lightly_spun(fixtures, 0.5), restorer.restore)["restored"] > 0.75


def test_words_touching_punctuation_are_restored_when_the_garbler_reached_them(fixtures):
    # the real spinner never rewrites "information." (see above); a garbler that does shows it
    # throughout a text, as here: every word of the spinner's table rewritten wherever it stands
    from restore.spin import Spinner
    from restore.tokenize import split_words
    table = {w: g for w, g in Spinner.default().table.items() if " " not in g}
    clean = split_words((fixtures / "clean-prose.txt").read_text(encoding="utf-8"))
    spun = [table.get(w, w) if i % 2 else w for i, w in enumerate(clean)]
    restored = split_words(restore.restore_text("".join(spun)))
    touching = [i for i in range(1, len(clean), 2) if spun[i] != clean[i]
                and not (clean[i - 1][-1:] in ("", " ", "\n") and clean[i + 1][:1] in ("", " ", "\n"))]
    assert sum(restored[i] == clean[i] for i in touching) > 0.5 * len(touching)


def test_one_restorer_used_from_many_threads_restores_each_text_as_it_does_alone():
    # the decoder's tables of words are the model's, and grow with each new word: they were
    # grown by several threads at once, and texts came back wrong (or an IndexError, for good)
    from concurrent.futures import ThreadPoolExecutor
    spun = "Workers astatine the agency person been told to stock accusation astir successful prices".split()
    rng = random.Random(7)
    fresh = [f"qz{rng.randrange(10**9)}x" for _ in range(3000)]          # words no table has seen yet
    texts = [" ".join(rng.choice(spun + fresh[k * 30:(k + 1) * 30]) for _ in range(40)) + "." for k in range(100)]
    restorer = restore.Restorer()
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(restorer.restore, texts))
    assert together == [restorer.restore(text) for text in texts]


@pytest.mark.parametrize("options, message", [
    ({"min_confidence": 2}, "min_confidence must be a number from 0 to 1, not 2"),
    ({"min_confidence": float("nan")}, "min_confidence must be a number from 0 to 1, not nan"),
    ({"min_confidence": "0.5"}, "min_confidence must be a number, not str '0.5'"),
    ({"min_odds": None}, "min_odds must be a number, not NoneType None"),
    ({"spin_rate": float("inf")}, "spin_rate must be a number from 0 to 1, not inf"),
    ({"model": 123}, "model must be a restore.Model or a model file's path, not int"),
    ({"min_odds": 10**400}, "min_odds must be a finite number, not an integer of 401 digits"),
    ({"fix_mojibake": "no"}, "fix_mojibake must be True or False, not str 'no'"),
    ({"fix_mojibake": None}, "fix_mojibake must be True or False, not NoneType None"),
])
def test_a_restorer_refuses_an_option_it_cannot_use_when_it_is_made(options, message):
    with pytest.raises(restore.RestoreError, match=f"^{re.escape(message)}$"):
        restore.Restorer(**options)


def test_a_restorer_takes_a_model_files_path_and_names_one_that_is_missing(tmp_path):
    assert restore.Restorer(model=restore.model.DEFAULT).restore("Workers astatine the agency.") == (
        "Workers at the agency.")
    with pytest.raises(restore.RestoreError, match="missing.model: no such model file"):
        restore.Restorer(model=tmp_path / "missing.model")


def test_a_restorer_takes_numpys_numbers_for_its_options():
    import numpy as np
    r = restore.Restorer(min_confidence=np.float32(0.5), min_odds=np.int64(2))
    assert (r.min_confidence, r.min_odds) == (0.5, 2.0)


@pytest.mark.parametrize("break_", ["\r", "\u2028"])
def test_text_with_lines_ended_another_way_is_restored_as_with_line_feeds(break_):
    text = "Workers astatine the bureau person been told to stock accusation\nAstatine noon the squad met."
    restorer = restore.Restorer()
    assert restorer.restore(text.replace("\n", break_)) == restorer.restore(text).replace("\n", break_)
