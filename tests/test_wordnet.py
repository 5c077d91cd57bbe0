"""How the spinner's choice is read off WordNet: first candidates, adjectives first, chains through its dictionary."""
from restore.wordnet import WordNet


def wordnet(synsets: dict) -> WordNet:
    """A WordNet of ``{(pos, offset): (lemmas, pointers)}``, indexed by lemma in offset order."""
    wn = WordNet(synsets=synsets)
    for key in sorted(synsets, key=lambda k: k[1]):
        for lemma in synsets[key][0]:
            wn.index.setdefault(lemma, []).append(key)
    return wn


# new -> fresh -> caller, as the real spinner writes it: each word's first candidate
SMALL = wordnet({
    ("a", 1): (["new"], [("sim", ("a", 2))]),
    ("a", 2): (["fresh", "caller"], []),
    ("n", 3): (["caller", "visitor"], []),
    ("n", 4): (["new", "newness"], []),
})


def test_the_first_candidate_of_the_first_synset_comes_first_adjectives_first():
    assert SMALL._ranked("new")[0][0] == "fresh"          # the adjective's similar-to head, not "newness"


def test_a_chain_runs_on_through_words_of_the_spinners_dictionary():
    ranked = [w for w, _, _ in SMALL.neighbours("new", in_dictionary=lambda w: True)]
    assert ranked[:2] == ["caller", "fresh"]               # the chain's end first, then its step


def test_a_chain_stops_at_a_word_the_spinner_does_not_rewrite():
    ranked = [w for w, _, _ in SMALL.neighbours("new", in_dictionary=lambda w: w != "fresh")]
    assert ranked[0] == "fresh"


def test_a_chain_runs_only_downhill_in_the_alphabet():
    # the spinner rewrites in reverse alphabetical order: a rewrite that sorts after its word
    # was already passed over when it is written
    wn = wordnet({("a", 1): (["apt"], [("sim", ("a", 2))]), ("a", 2): (["bold", "brave"], [])})
    assert [w for w, _, _ in wn.neighbours("apt")][:1] == ["bold"]


def test_a_chain_runs_on_through_the_rewrite_real_articles_showed():
    # real articles show "fresh" rewritten as "novel", which is not its first candidate
    ranked = [w for w, _, _ in SMALL.neighbours("new", in_dictionary=lambda w: True, rewrites={"fresh": "novel"})]
    assert ranked[:2] == ["novel", "fresh"]
