"""The spinner emulator rewrites text the way the real spinner does (as the seed article shows it)."""
from restore.spin import Spinner

TABLE = {"at": "astatine", "in": "successful", "successful": "boffo"}


def spin(text: str, rate: float = 1.0, seed: int = 0) -> str:
    return Spinner(TABLE, rate).spin(text, seed=seed)


def test_every_lone_occurrence_of_a_picked_word_is_rewritten():
    assert spin("meet at noon or at one") == "meet astatine noon or astatine one"


def test_words_touching_punctuation_are_left_alone():
    assert spin("meet at noon, not at. (at) at") == "meet astatine noon, not at. (at) astatine"


def test_capitalised_words_are_left_alone():
    assert spin("At noon we met at home") == "At noon we met astatine home"


def test_a_rewrite_is_final_whatever_words_the_article_holds():
    # new -> caller in real articles that hold no "fresh": the chain new -> fresh -> caller is the
    # spinner's, not the article's, so the table holds its end
    assert Spinner({"new": "caller", "fresh": "caller"}, 1.0).spin("a new and fresh start") == "a caller and caller start"


def test_a_rewrite_is_not_rewritten_again():
    assert spin("in a successful year") == "successful a boffo year"


def test_a_share_of_the_words_is_picked_and_the_same_seed_picks_the_same():
    text = " ".join(["at", "in", "public"] * 20)
    assert spin(text, rate=0.5, seed=3) == spin(text, rate=0.5, seed=3)
    assert spin(text, rate=0.0) == text
