"""Property: the output differs from the input only inside the word tokens that were replaced."""
from hypothesis import given, settings
from hypothesis import strategies as st

from restore import Restorer

SPUN_WORDS = ["astatine", "successful", "oregon", "person", "helium", "idiosyncratic", "radical", "the",
              "due", "to", "fact", "that", "stock", "accusation", "In", "Successful"]
_restorer = None


def restorer():
    global _restorer
    _restorer = _restorer or Restorer(fix_mojibake=False)
    return _restorer


texts = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(SPUN_WORDS)), max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_only_replaced_words_change(text):
    out, changes = restorer().restore_with_changes(text)
    rebuilt, pos = [], 0
    for c in changes:
        assert text[c.start:c.end] == c.garbled
        rebuilt.append(text[pos:c.start])
        rebuilt.append(c.restored)
        pos = c.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == out


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_text_without_spun_words_comes_back_unchanged(text):
    out, changes = restorer().restore_with_changes(text)
    assert out == text or changes


@given(st.lists(st.sampled_from(["café ", "naïve ", "the ", "SSA’s ", "don’t ", "a\u00a0b ", "x ", "—", "\t"]),
                min_size=0, max_size=400))
def test_ftfys_edits_of_a_line_of_any_length_turn_the_raw_text_into_the_repaired_one(words):
    from restore.fixer import mojibake_edits
    fixed = "".join(words)
    raw = fixed.encode("utf-8").decode("cp1252", errors="replace")     # the classic mojibake of it
    out, pos = [], 0
    for edit in mojibake_edits(raw, fixed):
        assert fixed[edit.start:edit.end] == edit.restored
        out += [fixed[pos:edit.start], edit.garbled]
        pos = edit.end
    back = "".join(out) + fixed[pos:]
    assert back == raw
