from restore.tokenize import context_tokens, match_case, split_words, starts_sentence


def test_joining_the_parts_gives_back_the_input():
    text = "Line one,\r\n  “quoted” <b>bold</b> in-person\tdata-sharing… done"
    assert "".join(split_words(text)) == text


def test_words_sit_at_odd_positions():
    assert split_words("in-person, someone’s 2nd")[1::2] == ["in-person", "someone’s", "2nd"]


def test_case_is_carried_over_from_the_garbled_word():
    assert match_case("Successful", "in") == "In"
    assert match_case("OREGON", "or") == "OR"
    assert match_case("oregon", "or") == "or"


def test_a_capital_after_a_full_stop_starts_a_sentence():
    assert starts_sentence(". ", "done")
    assert starts_sentence("\n\n", "done")
    assert not starts_sentence(" ", "the")


def test_context_tokens_keep_punctuation_and_mark_paragraphs():
    assert context_tokens("In person.\n\nYes") == ["<s>", "in", "person", ".", "<s>", "yes"]
