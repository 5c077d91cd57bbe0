"""The technical manuals' prose counted into the context model (corpora/technical.py): what counts as prose."""
from corpora.technical import html_paragraphs, plain_prose, pod_paragraphs


def test_html_paragraphs_are_read_from_p_and_docbook_para_divs_only():
    page = ('<h1>Backups</h1><p>Take a <b>full</b> copy first.</p><pre>pg_dump db</pre>'
            '<div class="para">Then copy the &ldquo;logs&rdquo;.</div><div class="note">Skip me.</div>')
    assert html_paragraphs(page) == ["Take a full copy first.", "Then copy the “logs”."]


def test_pod_commands_and_verbatim_code_are_left_out_and_formatting_codes_removed():
    pod = "=head1 DESCRIPTION\n\nUse B<strict> and see L<the manual|perlfunc>.\n\n    use strict;\n"
    assert pod_paragraphs(pod) == ["Use strict and see the manual."]


def test_a_short_line_is_not_prose():
    assert not plain_prose("Returns the number of rows.")


def test_a_paragraph_full_of_code_is_not_prose():
    assert not plain_prose("Set x = {1: [2, 3]} and y = (4, 5) then call f(x, y) and g(y) / h(x) to see it work now.")


def test_a_long_plain_sentence_is_prose():
    assert plain_prose("The server writes each change to the log before it touches the table, so that a crash "
                       "loses nothing that was committed.")
