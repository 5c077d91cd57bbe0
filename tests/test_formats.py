"""Formats: which text of a file is restored, and that nothing else changes.

These tests restore with a stub that knows five swaps, so that they are about formats, not
the model; tests/test_batch.py runs the real model end to end.
"""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restore import Change, Restorer, formats
from restore.formats import BadInput, Fixer, documents, format_of, paragraphs, repair
from restore.tokenize import match_case, split_words

SPUN = "Workers astatine the agency person been told to stock accusation astir it."
CLEAN = "Workers at the agency have been told to share information about it."


class Stub:
    """Restores five words wherever they stand, with confidence 0.9."""

    SWAPS = {"astatine": "at", "person": "have", "stock": "share", "accusation": "information", "astir": "about",
             "helium": "he"}

    def restore_with_changes(self, text):
        out, changes, pos = [], [], 0
        for i, part in enumerate(split_words(text)):
            if i % 2 and part.lower() in self.SWAPS:
                restored = match_case(part, self.SWAPS[part.lower()])
                changes.append(Change(pos, pos + len(part), part, restored, 0.9, [(part.lower(), 0.1)]))
                part_out = restored
            else:
                part_out = part
            out.append(part_out)
            pos += len(part)
        return "".join(out), changes


@pytest.fixture(scope="module")
def fixer():
    return Fixer(Stub(), fix_mojibake=False)


def repaired(fmt, text, fixer, **options) -> str:
    return "".join(piece.out for piece in repair(fmt, [text], fixer, **options))


def test_the_format_comes_from_the_extension_and_an_override_wins():
    assert [format_of(p) for p in ("a.txt", "b.html", "c.HTM", "d.jsonl", "e", "f.md")] == \
        ["text", "html", "html", "jsonl", "text", "text"]
    assert format_of("a.txt", "html") == "html"


def test_text_is_cut_at_blank_lines_and_nothing_is_lost():
    text = "".join(f"Paragraph {i} has a few words in it.\n{'' if i % 3 else '  '}\n" for i in range(200))
    chunks = list(paragraphs([text[i:i + 100] for i in range(0, len(text), 100)], size=500))
    assert "".join(chunks) == text
    assert len(chunks) > 5
    assert all(chunk.rstrip(" ").endswith("\n\n") or chunk.endswith("\n  \n") for chunk in chunks[:-1])


@pytest.mark.parametrize("break_", ["\r\n", "\r"])
def test_text_with_lines_ended_another_way_is_cut_at_its_blank_lines_too(break_):
    text = "".join(f"Paragraph {i} has a few words{break_}in it.{break_ * 2}" for i in range(200))
    chunks = list(paragraphs([text[i:i + 100] for i in range(0, len(text), 100)], size=500))
    assert "".join(chunks) == text and len(chunks) > 5
    assert all(chunk.endswith(f"it.{break_ * 2}") for chunk in chunks)


def test_a_paragraph_longer_than_the_limit_is_cut_at_a_line_break(monkeypatch):
    monkeypatch.setattr(formats, "LONGEST_PARAGRAPH", 1000)
    text = "A line of words without any blank line after it.\n" * 100
    chunks = list(paragraphs([text], size=100))
    assert "".join(chunks) == text and len(chunks) > 1
    assert all(chunk.endswith("\n") for chunk in chunks)


def test_plain_text_is_restored_chunk_by_chunk(fixer, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 200)
    text = f"{SPUN}\n\n" * 20
    pieces = list(repair("text", [text], fixer))
    assert len(pieces) > 1
    assert "".join(p.out for p in pieces) == f"{CLEAN}\n\n" * 20


def test_plain_text_keeps_every_byte_but_the_restored_words(fixer):
    text = f"  {SPUN}\r\n\r\n\t“{SPUN}”  \n"
    assert repaired("text", text, fixer) == f"  {CLEAN}\r\n\r\n\t“{CLEAN}”  \n"


def test_change_positions_count_lines_and_offsets_in_the_file(fixer, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 10)
    text = "Nothing here.\n\nWe met astatine noon.\n"
    located = [(line, offset, c.garbled) for p in repair("text", [text], fixer) for v in p.views
               for line, offset, c in v.located()]
    assert located == [(3, text.index("astatine"), "astatine")]


def test_html_restores_text_nodes_and_alt_and_title_attributes(fixer):
    doc = f'<p title="{SPUN}">{SPUN}</p><img src="a.png" alt="{SPUN}">'
    assert repaired("html", doc, fixer) == f'<p title="{CLEAN}">{CLEAN}</p><img src="a.png" alt="{CLEAN}">'


def test_html_gets_a_restored_word_as_text_wherever_it_stands():
    class Odd(Stub):
        SWAPS = {"astatine": "\"it's\" <b> & co"}
    doc = '<p title="astatine" alt=astatine>astatine</p>'
    assert repaired("html", doc, Fixer(Odd(), fix_mojibake=False)) == (
        '<p title="&quot;it&#x27;s&quot; &lt;b&gt; &amp; co" alt=&quot;it&#x27;s&quot;&#32;&lt;b&gt;&#32;&amp;&#32;co>'
        '"it\'s" &lt;b&gt; &amp; co</p>')


def test_html_leaves_scripts_styles_comments_other_attributes_and_entities_alone(fixer):
    doc = (f'<!DOCTYPE html><html><head><style>/* {SPUN} */</style>'
           f'<script>var s = "{SPUN}";</script></head>'
           f'<body data-x="{SPUN}"><!-- {SPUN} --><p>Workers astatine&nbsp;the &amp; agency</p></body></html>')
    out = repaired("html", doc, fixer)
    assert out == doc.replace("Workers astatine&nbsp;", "Workers at&nbsp;")


def test_html_leaves_a_script_that_writes_a_script_inside_a_comment_alone(fixer):
    script = f'<script><!--\ndocument.write("<script src=a.js></script>"); var s = "{SPUN}";\n//--></script>'
    doc = f"<p>Workers astatine the agency</p>{script}<p>Workers astatine the agency</p>"
    assert repaired("html", doc, fixer) == f"<p>Workers at the agency</p>{script}<p>Workers at the agency</p>"


@pytest.mark.parametrize("script", [
    '<script><!-->; w("<script>"); </script>',                          # "<!-->" closes as it opens
    '<script><!-- w("<script></script>"); w("<!--"); </script>',        # a comment opener inside the script
    '<script><!-- w("<script></script>"); x="<style>"; --></script>',   # a style opener inside the script
    '<script>x = 1</script/>', '<script>x = 1</script foo>',             # end tags as browsers read them
])
def test_the_text_after_a_script_is_restored_wherever_its_script_ends(fixer, script):
    doc = f"{script}<p>Workers astatine the agency</p>"
    assert repaired("html", doc, fixer) == f"{script}<p>Workers at the agency</p>"


def test_html_is_byte_identical_outside_the_restored_words():
    fixer = Fixer(Restorer(fix_mojibake=False))          # the real model
    doc = (f"<HTML>\r\n<Body CLASS=x>\r\n  <P>{SPUN}<BR/>\r\n  <A HREF='/x' TITLE={SPUN.split()[1]}>"
           f"stock</A> accusation &#8217;s &copy; <b>helium</b> said.</P>\r\n"
           f"<img alt='{SPUN}'/><textarea>astatine</textarea></Body>\r\n</HTML>\r\n")
    (piece,) = repair("html", [doc], fixer)
    (view,) = piece.views
    assert len(view.changes) >= 4, "the words were restored"
    rebuilt, pos = [], 0
    for c in view.changes:
        assert doc[c.start:c.end] == c.garbled
        rebuilt += [doc[pos:c.start], c.restored]
        pos = c.end
    assert piece.out == "".join(rebuilt) + doc[pos:]


def test_a_word_split_by_markup_is_left_alone(fixer):
    doc = "<p>Workers astat<b>ine</b> the agency.</p>"
    assert repaired("html", doc, fixer) == doc


def test_html_mojibake_is_repaired_in_text_but_not_in_markup():
    fixer = Fixer(Stub(), fix_mojibake=True)
    doc = '<p data-note="SSAâ€™s">The SSAâ€™s office.</p><!-- SSAâ€™s -->'
    assert repaired("html", doc, fixer) == '<p data-note="SSAâ€™s">The SSA’s office.</p><!-- SSAâ€™s -->'


def test_jsonl_restores_the_named_fields_and_keeps_the_rest_as_it_was(fixer):
    line = '{"id":7,  "text": "' + SPUN + '", "url": "https://x/astatine", "n": [1, 2.50, null]}\n'
    out = repaired("jsonl", line, fixer, fields=["text"])
    assert out == line.replace(SPUN, CLEAN)


def test_jsonl_fields_can_be_nested_dotted_paths(fixer):
    line = json.dumps({"text": "astatine", "meta": {"title": SPUN, "tags": ["astatine"]}}) + "\n"
    out = json.loads(repaired("jsonl", line, fixer, fields=["meta.title"]))
    assert out == {"text": "astatine", "meta": {"title": CLEAN, "tags": ["astatine"]}}
    assert list(out) == ["text", "meta"]


def test_jsonl_lines_without_changes_pass_through_byte_for_byte(fixer):
    lines = '{ "text" : "Nothing to do\\u2019s here." }\r\n\n{"other": "astatine"}\n'
    assert repaired("jsonl", lines, fixer) == lines


def test_jsonl_escapes_stay_ascii_on_ascii_lines(fixer):
    line = '{"text": "It\\u2019s what workers astatine the agency said."}\n'
    out = repaired("jsonl", line, fixer)
    assert out.isascii() and json.loads(out)["text"] == "It’s what workers at the agency said."


def test_a_restored_jsonl_string_keeps_its_other_escapes_as_written(fixer):
    line = '{"text": "Workers astatine the agency \\/ caf\\u00E9 \\u0041 \\ud83d\\ude00 said."}\n'
    assert repaired("jsonl", line, fixer) == line.replace("astatine", "at")


def test_a_jsonl_line_that_is_not_an_object_is_bad_input_naming_the_line(fixer):
    with pytest.raises(BadInput, match="line 2"):
        repaired("jsonl", '{"text": "fine"}\n[1, 2]\n', fixer)
    with pytest.raises(BadInput, match="line 1"):
        repaired("jsonl", '{"text": "unterminated\n', fixer)


def test_each_json_line_is_a_document_and_a_file_is_one():
    assert list(documents("jsonl", ['{"text": "a"}\n\n{"text": "b", "x": 1}\n'])) == [(1, "a"), (3, "b")]
    assert list(documents("html", ["<p>a</p><script>b</script>"])) == [(None, "\n\na\n\n")]
    assert list(documents("text", ["one\n\ntwo"])) == [(None, "one\n\ntwo")]


@pytest.mark.parametrize("doc", ['<p>Workers at noon. <!-- a comment never closed: astatine the agency',
                                 '<p title="never closed>Workers astatine the agency',
                                 '<p>Workers at noon.</p><p class=x astatine'])
def test_markup_left_open_at_the_end_of_an_html_file_is_not_restored(fixer, doc):
    assert [piece.out for piece in repair("html", [doc], fixer)] == [doc]


@pytest.mark.parametrize("break_", ["\n", "\r\n", "\r"])
def test_changes_name_their_line_whichever_line_ends_the_file_keeps(fixer, break_):
    text = f"one line{break_}{SPUN.strip()}{break_}{break_}last line{break_}"
    [piece] = list(repair("text", [text], fixer))
    assert {line for view in piece.views for line, _, _ in view.located()} == {2}


@given(st.lists(st.sampled_from(["<", ">", "a", " ", "<a", "</", "<?", "</x", "<?x", "<!--", "-->", '"', "=", "/", "x y", "&amp;",
                                 "<p>", "</p>", "\n", "\x00", "<script>", "</script>", "<b c=d>", "<img alt=x"]),
                max_size=30))
def test_a_lt_that_nothing_closes_is_read_as_the_stdlibs_tokenizer_reads_it(pieces):
    from restore import markup
    doc = "".join(pieces)

    def read(fast: bool):
        finder = markup._TextFinder(doc)
        if not fast:            # the stdlib's own, which scans to the end for each "<"
            finder._unclosed = lambda i: False
        finder.feed(doc)
        finder.close()
        return finder.text, finder.attributes
    assert read(True) == read(False)
