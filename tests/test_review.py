"""Review pages and decisions files, without a browser (tests/test_review_browser.py drives one).

The page's promise is that its export equals `restore apply` given the same decisions, and that
accepting everything equals `restore fix`; here the Python side of both is checked per format.
"""
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from restore import Model, Restorer, decisions
from restore.decisions import DecisionsError
from restore.document import Region, ReviewError, read_document
from restore.review import page, page_data, script_json

SPUN = "Workers astatine the agency person been told to stock accusation astir it.\n"


def run(*args):
    """Run restore; its output decoded as UTF-8 with line ends kept as they are."""
    result = subprocess.run([sys.executable, "-m", "restore", *args], capture_output=True)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode("utf-8"),
                                       result.stderr.decode("utf-8"))


def data_of(html: str):
    """The JSON the page's script reads, as the browser would parse it."""
    m = re.search(r'<script id="review-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def restorer():
    from restore import Restorer
    return Restorer(fix_mojibake=False)


# -- documents: the text and changes `restore fix` sees ------------------------------------------

FILES = {
    "a.txt": SPUN + "\n" + "The meeting astatine noon\r\nwas long. 😀 So helium said.\n",
    "b.html": '<p title="astatine noon">Workers astatine the agency &amp; <b>person</b> been told.</p>\n'
              '<script>var astatine = "</p>";</script>\n',
    "c.jsonl": '{"id": 1, "text": "Workers astatine the agency person been told.", "n": 2}\n\n'
               '{"text": "caf\\u00e9 astatine noon \\"quoted\\"", "meta": {"title": "person been told"}}\n'
               '{"text": "naïve workers astatine the agency"}\n',
    "d.txt": "The SSAâ€™s workers astatine the agency person been told.\n",        # mojibake
    "e.txt": "Foundry is simply a Palantir level, and you’re astir apt inactive a idiosyncratic of it.\n",  # phrases
    "f.jsonl": '{"text": "Workers astatine the caf\\u00E9 \\/ bar person been told.", "meta": {"title": ""}}\n',  # escapes
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


@pytest.mark.parametrize("name", sorted(FILES))
def test_accepting_every_change_writes_what_fix_writes(files, restorer, name):
    path = str(files / name)
    fields = ["text", "meta.title"]
    doc = read_document(path, restorer, fields=fields)
    assert doc.changes, "the example should have changes"
    fixed = run("fix", path, "--field", "text", "--field", "meta.title").stdout
    assert doc.render({i: c.restored for i, c in enumerate(doc.changes)}) == fixed
    assert decisions.apply(read_document(path, fields=fields), decisions.proposed(doc)) == fixed


@pytest.mark.parametrize("name", sorted(FILES))
def test_rejecting_every_change_writes_the_input(files, restorer, name):
    path = files / name
    doc = read_document(str(path), restorer, fix_mojibake=False, fields=["text", "meta.title"])
    assert doc.render({}) == path.read_bytes().decode("utf-8")


def test_changes_stand_where_fix_changes_reports_them(files, restorer, tmp_path):
    path = files / "a.txt"
    run("fix", str(path), "--changes", str(tmp_path / "c.jsonl"))
    logged = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    doc = read_document(str(path), restorer)
    assert [(c.start, c.garbled, c.restored) for c in doc.changes] == [(r["offset"], r["garbled"], r["restored"])
                                                                        for r in logged]


def test_a_json_line_keeps_the_escapes_of_what_it_does_not_change(files, restorer):
    doc = read_document(str(files / "c.jsonl"), restorer, fields=["text"])
    regions = [p for p in doc.parts if isinstance(p, Region)]
    assert [r.ascii for r in regions] == [True, True, False]
    assert regions[1].quoted == '"caf\\u00e9 astatine noon \\"quoted\\""'
    assert regions[1].render([None]) == regions[1].quoted
    assert regions[1].render(["at"]) == '"caf\\u00e9 at noon \\"quoted\\""'
    escaped = [p for p in read_document(str(files / "f.jsonl"), restorer).parts if isinstance(p, Region)][0]
    assert escaped.render(["at", None]) == '"Workers at the caf\\u00E9 \\/ bar person been told."'


def test_an_unreadable_file_is_a_one_line_error_naming_it(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"fine \xff text")
    with pytest.raises(ReviewError, match=r"^.*bad\.txt: not utf-8 text \(undecodable byte at offset 5"):
        read_document(str(tmp_path / "bad.txt"))


# -- the page ---------------------------------------------------------------------------------

NASTY = ("Workers astatine the agency </script><script>alert(1)</script> <!-- person been told\u2028"
         "to stock accusation \u2029 & \x85 astatine \"quoted\" 'single' \\ back \U0001F600 astatine.\n")


def test_the_page_carries_untrusted_text_as_inert_json(tmp_path, restorer):
    (tmp_path / "n.txt").write_text(NASTY, encoding="utf-8")
    doc = read_document(str(tmp_path / "n.txt"), restorer)
    html = page(doc)
    script = re.search(r'<script id="review-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    for unsafe in ("<", ">", "&", "\u2028", "\u2029", "\x85"):
        assert unsafe not in script
    assert json.loads(script) == page_data(doc)
    assert html.count("<script") == 2 and html.count("</script>") == 2
    gaps_and_words = "".join(g for p in page_data(doc)["parts"] for g in p["gaps"])
    assert len(gaps_and_words) + sum(len(c.garbled) for c in doc.changes) == len(NASTY)


def test_script_json_escapes_lone_surrogates():
    assert script_json("a\ud800b") == '"a\\ud800b"'
    assert json.loads(script_json("a\ud800b")) == "a\ud800b"


def test_the_file_name_is_escaped_in_the_page(tmp_path, restorer):
    path = tmp_path / "<b>&x.txt"
    path.write_text(SPUN)
    html = page(read_document(str(path), restorer))
    assert "<b>&x" not in html and "&lt;b&gt;&amp;x.txt" in html


def test_the_page_loads_nothing_from_outside(tmp_path, restorer):
    (tmp_path / "a.txt").write_text(SPUN)
    html = page(read_document(str(tmp_path / "a.txt"), restorer))
    assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", html, re.I)
    assert "@import" not in html and "default-src 'none'" in html


def test_every_change_carries_confidence_and_alternatives(files, restorer):
    data = page_data(read_document(str(files / "a.txt"), restorer))
    start, end, garbled, restored, confidence, alternatives, keep = data["changes"][0]
    assert (garbled, restored) == ("astatine", "at") and 0 < confidence <= 1
    assert all(isinstance(w, str) and w != garbled for w, _ in alternatives)


def test_a_capitalised_word_offers_capitalised_alternatives(tmp_path, restorer):
    # the seed's spinner never rewrites a capitalised word; a garbler that does
    model = restorer.model
    reaching = Model(dataclasses.replace(model.channel, reach={}), model.context, layout=model.layout)
    (tmp_path / "a.txt").write_text("Successful April, helium said.\n")
    data = page_data(read_document(str(tmp_path / "a.txt"), Restorer(reaching, fix_mojibake=False)))
    first = data["changes"][0]
    assert first[2:4] == ["Successful", "In"]
    assert all(w[:1].isupper() for w, _ in first[5])


# -- the review command ---------------------------------------------------------------------------

def test_review_writes_one_page_for_one_file(files, tmp_path):
    result = run("review", str(files / "a.txt"), "-o", str(tmp_path / "out" / "a.html"))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "a.html").read_text(encoding="utf-8")
    run("fix", str(files / "a.txt"), "--changes", str(tmp_path / "c.jsonl"))
    # 7 changes: the 7 spun words ("The meeting astatine noon" keeps its genuine "meeting")
    assert len(data_of(html)["changes"]) == len((tmp_path / "c.jsonl").read_text().splitlines()) == 7
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.html"]          # no temporary file left


def test_review_of_a_folder_writes_an_index_sorted_and_linked_both_ways(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "few.txt").write_text("We met astatine noon, helium said.\n")
    (docs / "sub" / "many.txt").write_text(SPUN)
    (docs / "clean.txt").write_text("Workers at the agency have been told.\n")
    (docs / "empty.txt").write_text("")
    result = run("review", str(docs), "-o", str(tmp_path / "review"))
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr and "empty.txt" in result.stderr
    index = (tmp_path / "review" / "index.html").read_text()
    links = re.findall(r'<td class="doc"><a href="([^"]+)">', index)
    assert links == ["./sub/many.txt.html", "./few.txt.html", "./clean.txt.html"]
    for href in links:
        target = (tmp_path / "review" / href).resolve()
        back = re.search(r'<a href="([^"]+)">&larr; All documents</a>', target.read_text()).group(1)
        assert (target.parent / back).resolve() == (tmp_path / "review" / "index.html").resolve()
    many = (tmp_path / "review" / "sub" / "many.txt.html").read_text()
    assert 'rel="next"' in many and 'rel="prev"' not in many
    assert "Not reviewed" in index and "empty file" in index


def test_review_goes_on_past_a_bad_file_and_exits_1(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(SPUN)
    (docs / "bad.txt").write_bytes(b"caf\xe9")
    result = run("review", str(docs), "-o", str(tmp_path / "review"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"restore: error: {docs / 'bad.txt'}: not utf-8 text" in result.stderr
    assert (tmp_path / "review" / "a.txt.html").exists()


def test_a_file_named_twice_gets_one_page(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(SPUN)
    result = run("review", str(tmp_path / "docs"), str(tmp_path / "docs" / "a.txt"), "-o", str(tmp_path / "review"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "review").iterdir()) == ["a.txt.html", "index.html"]


def test_review_refuses_an_output_folder_inside_the_input(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    result = run("review", str(tmp_path), "-o", str(tmp_path / "review"))
    assert result.returncode == 2 and "inside the input folder" in result.stderr


def test_review_of_a_missing_file_is_one_line(tmp_path):
    result = run("review", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "p.html"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"restore: error: {tmp_path / 'nope.txt'}: no such file"]


# -- file names that are not UTF-8, or hold a line break ---------------------------------------------

BAD_NAME = os.fsdecode(b"b\xffname.txt")           # Python's name for the bytes: a lone surrogate for 0xff
ODD_NAMES = [pytest.param(BAD_NAME, "./b%FFname.txt.html", id="not-utf8"),
             pytest.param("new\nline.txt", "./new%0Aline.txt.html", id="line-break")]


def spun_files(folder: Path, *names: str) -> Path:
    """``folder`` holding a spun text under each of ``names``; the test is skipped where the file
    system refuses a name."""
    folder.mkdir(exist_ok=True)
    for name in names:
        try:
            (folder / name).write_text(SPUN)
        except (OSError, UnicodeError):
            pytest.skip(f"this file system refuses the name {name!r}")
    return folder


@pytest.mark.parametrize("name, href", ODD_NAMES)
def test_review_of_a_folder_writes_a_page_for_an_odd_name_and_the_others(tmp_path, name, href):
    result = run("review", str(spun_files(tmp_path / "in", "ok.txt", name)), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == sorted(["index.html", "ok.txt.html", name + ".html"])


@pytest.mark.parametrize("name, href", ODD_NAMES)
def test_the_index_links_an_odd_name_percent_encoded_from_its_bytes(tmp_path, name, href):
    run("review", str(spun_files(tmp_path / "in", "ok.txt", name)), "-o", str(tmp_path / "out"))
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'<td class="doc"><a href="([^"]+)">', index)) == sorted([href, "./ok.txt.html"])


def test_pages_link_their_neighbours_by_the_bytes_of_their_names(tmp_path):
    result = run("review", str(spun_files(tmp_path / "in", "ok.txt", BAD_NAME, "new\nline.txt")), "-o", str(tmp_path / "out"))
    assert result.returncode == 0 and len(os.listdir(tmp_path / "out")) == 4, result.stderr
    for name in os.listdir(tmp_path / "out"):
        hrefs = re.findall(r'href="([^"]+)"', (tmp_path / "out" / name).read_text(encoding="utf-8"))
        assert hrefs and all((tmp_path / "out" / os.fsdecode(unquote_to_bytes(h))).exists() for h in hrefs)


def test_a_page_shows_a_name_that_is_not_utf8_with_the_byte_escaped(tmp_path):
    run("review", str(spun_files(tmp_path / "in", "ok.txt", BAD_NAME)), "-o", str(tmp_path / "out"))
    shown = f"&#x27;{tmp_path / 'in'}/b\\xffname.txt&#x27;"
    assert f"<h1>{shown}</h1>" in (tmp_path / "out" / (BAD_NAME + ".html")).read_text(encoding="utf-8")
    assert f">{shown}</a></td>" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_review_of_one_file_whose_name_is_not_utf8_writes_its_page(tmp_path):
    spun_files(tmp_path / "in", BAD_NAME)
    result = run("review", str(tmp_path / "in" / BAD_NAME), "-o", str(tmp_path / "page.html"))
    assert result.returncode == 0, result.stderr
    assert "b\\xffname.txt&#x27;</h1>" in (tmp_path / "page.html").read_text(encoding="utf-8")


# -- decisions and apply ------------------------------------------------------------------------

@pytest.fixture()
def reviewed(tmp_path, restorer):
    """A spun file and the decisions the untouched page would export."""
    path = tmp_path / "a.txt"
    path.write_text(SPUN)
    doc = read_document(str(path), restorer)
    return path, doc, decisions.proposed(doc)


def write(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_apply_writes_each_decision(reviewed, tmp_path):
    path, doc, chosen = reviewed
    rows = [d.as_dict() for d in chosen]
    rows[0].update(decision="reject", text="astatine")
    rows[1].update(decision="replace", text="leader")
    del rows[2]["text"]
    result = run("apply", str(path), str(write(tmp_path / "d.jsonl", rows)), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.txt").read_text() == "Workers astatine the agency leader been told to share information about it.\n"


def test_apply_to_stdout(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen))
    assert run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", "-").stdout == run("fix", str(path)).stdout


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows.__setitem__(0, "not json"), "not JSON"),
    (lambda rows: rows.__setitem__(0, [1, 2]), "expected a JSON object"),
    (lambda rows: rows[0].pop("start"), '"start" must be a whole number'),
    (lambda rows: rows[0].update(end=True), '"end" must be a whole number'),
    (lambda rows: rows[0].update(decision="maybe"), '"decision" must be one of accept, reject, replace, not "maybe"'),
    (lambda rows: rows[0].update(decision="replace", text=None), '"text" must be a string (the replacement)'),
    (lambda rows: rows[0].update(decision="accept", text="hat"), '"text" of a change to accept must be'),
    (lambda rows: rows[0].update(reviewed="yes"), '"reviewed" must be true or false'),
    (lambda rows: rows.insert(1, dict(rows[0])), "change 0 comes after change 0"),
    (lambda rows: rows[1].update(start=rows[0]["start"] + 1), "inside change 0"),
])
def test_a_bad_decisions_line_is_one_line_naming_file_and_line(reviewed, tmp_path, edit, message):
    path, doc, chosen = reviewed
    rows = [d.as_dict() for d in chosen]
    edit(rows)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"restore: error: {tmp_path / 'd.jsonl'}:") and message in line
    assert not (tmp_path / "out.txt").exists()


def test_apply_refuses_hand_made_decisions_whose_words_do_not_stand_at_their_offsets(reviewed, tmp_path):
    path, doc, chosen = reviewed
    for d in chosen:                    # as a script might write them: no fingerprint, no count
        d.document = d.of = None
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen))
    path.write_text("Workers astatine an agency person been told to stock accusation astir it.\n")
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"restore: error: {tmp_path / 'd.jsonl'}:2: change 1 does not match {path}: ")
    assert "expected 'person' at 28..34, found 'erson '" in line
    assert not (tmp_path / "out.txt").exists()


def test_apply_refuses_decisions_exported_for_another_version_of_the_file(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen))
    path.write_text(SPUN.replace("it.", "them."))          # the words stand where they stood; the text differs
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1 and not (tmp_path / "out.txt").exists()
    assert result.stderr == (f"restore: error: {tmp_path / 'd.jsonl'}:1: made for another document than {path} as "
                             f"read now (another file, or other --format, --field, --encoding or --no-ftfy options "
                             f"than the page's)\n")


def test_apply_refuses_decisions_read_with_other_options_than_the_page(tmp_path, restorer):
    path = tmp_path / "a.txt"
    path.write_text("Workers astatine the agency. CafÃ© noon.\n")
    doc = read_document(str(path), restorer, fix_mojibake=False)
    (tmp_path / "d.jsonl").write_text(decisions.dumps(decisions.proposed(doc)))
    assert run("apply", str(path), str(tmp_path / "d.jsonl"), "--no-ftfy", "-o", "-").stdout == (
        "Workers at the agency. CafÃ© noon.\n")
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", "-")
    assert result.returncode == 1 and "made for another document" in result.stderr


def test_apply_refuses_a_decisions_file_cut_short(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen[:2]))
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1 and not (tmp_path / "out.txt").exists()
    assert result.stderr == (f"restore: error: {tmp_path / 'd.jsonl'}: holds 2 of the {len(chosen)} changes its "
                             f"page exported: cut short? (to leave a change unmade, reject it)\n")


def test_a_utf8_byte_order_mark_is_written_back_by_apply(tmp_path, restorer):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SPUN.encode())
    (tmp_path / "d.jsonl").write_text(decisions.dumps(decisions.proposed(read_document(str(path), restorer))))
    out = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == run("fix", str(path)).stdout
    assert (tmp_path / "out.txt").read_bytes().startswith(b"\xef\xbb\xbfWorkers at the agency")


def applied_html(path: Path, restorer, tmp_path, change: int, text: str) -> str:
    """The HTML file at ``path`` as apply writes it with change ``change`` replaced by ``text``."""
    rows = [d.as_dict() for d in decisions.proposed(read_document(str(path), restorer))]
    rows[change].update(decision="replace", text=text)
    result = run("apply", str(path), str(write(tmp_path / "d.jsonl", rows)), "-o", "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_replacement_in_html_is_written_as_text_not_markup(files, restorer, tmp_path):
    out = applied_html(files / "b.html", restorer, tmp_path, 1, "</p><script>alert(1)</script> & co")
    assert ">Workers &lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; co the agency &amp; <b>have</b>" in out
    assert out.count("<script>") == 1


def test_a_replacement_in_an_html_text_node_keeps_its_quotes(files, restorer, tmp_path):
    out = applied_html(files / "b.html", restorer, tmp_path, 1, "\"at\" it's")
    assert "<p title=\"at noon\">Workers \"at\" it's the agency" in out


def test_a_replacement_in_a_quoted_html_attribute_cannot_end_its_value(files, restorer, tmp_path):
    out = applied_html(files / "b.html", restorer, tmp_path, 0, "x\" onmouseover='alert(1)'")
    assert out.startswith('<p title="x&quot; onmouseover=&#x27;alert(1)&#x27; noon">Workers at the agency')


def test_a_replacement_in_an_unquoted_html_attribute_cannot_end_its_value(tmp_path, restorer):
    (tmp_path / "u.html").write_text("<p title=astatine>Workers astatine the agency</p>\n<img alt=astatine src=x.png>\n")
    out = applied_html(tmp_path / "u.html", restorer, tmp_path, 2, "x onerror=alert(1)")
    assert out == "<p title=at>Workers at the agency</p>\n<img alt=x&#32;onerror&#61;alert(1) src=x.png>\n"


def test_a_line_separator_inside_a_decision_does_not_split_its_line(reviewed, tmp_path):
    path, doc, chosen = reviewed
    chosen[0].decision, chosen[0].text = "replace", "a\u2028b"
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen), encoding="utf-8")
    assert decisions.read(str(tmp_path / "d.jsonl")) == chosen


def test_decisions_outside_restorable_text_are_refused(tmp_path, restorer):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "astatine", "text": "Workers astatine the agency person been told."}\n')
    row = {"change": 0, "start": 8, "end": 16, "garbled": "astatine", "restored": "at", "decision": "accept"}
    (tmp_path / "d.jsonl").write_text(json.dumps(row) + "\n")
    doc = read_document(str(path))
    with pytest.raises(DecisionsError, match="is not in text restore reads"):
        decisions.apply(doc, decisions.read(str(tmp_path / "d.jsonl")))


@pytest.mark.parametrize("garbled", ["onclick", "astatine()"])
def test_decisions_in_html_markup_or_a_script_are_refused(tmp_path, garbled):
    path = tmp_path / "a.html"
    path.write_text('<p onclick="go()">Workers at the agency</p><script>astatine();</script>\n')
    start = path.read_text().index(garbled)
    row = {"change": 0, "start": start, "end": start + len(garbled), "garbled": garbled, "restored": "x",
           "decision": "replace", "text": '"+alert(1)+"'}
    (tmp_path / "d.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DecisionsError, match="is not in text restore reads"):
        decisions.apply(read_document(str(path)), decisions.read(str(tmp_path / "d.jsonl")))


def test_a_change_placed_before_the_one_above_it_names_both_lines(reviewed, tmp_path):
    path, doc, chosen = reviewed
    rows = [d.as_dict() for d in chosen]
    rows[0].update(start=rows[0]["start"] + 1000, end=rows[0]["end"] + 1000)
    write(tmp_path / "d.jsonl", rows)
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 1
    assert f"d.jsonl:2: change 1 at {rows[1]['start']}..{rows[1]['end']} stands before change 0" in result.stderr
    assert f"({tmp_path / 'd.jsonl'}:1): one of them is misplaced" in result.stderr


def test_a_number_too_long_in_a_decisions_file_is_said_plainly(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text('{"change": 0, "start": ' + "9" * 5000 + "}\n")
    result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.txt"))
    assert result.stderr == f"restore: error: {tmp_path / 'd.jsonl'}:1: a number too long to read\n"


def test_apply_refuses_stdin_for_both_the_input_and_the_decisions(reviewed, tmp_path):
    result = run("apply", "-", "-", "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 2 and "INPUT and DECISIONS cannot both be standard input" in result.stderr


def test_apply_never_overwrites_its_inputs(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen))
    for target in (path, tmp_path / "d.jsonl"):
        result = run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(target))
        assert result.returncode == 1 and "is an input" in result.stderr
    assert path.read_text() == SPUN


def test_apply_keeps_no_temporary_file_and_the_usual_permissions(reviewed, tmp_path):
    path, doc, chosen = reviewed
    (tmp_path / "d.jsonl").write_text(decisions.dumps(chosen))
    (tmp_path / "out").mkdir()
    assert run("apply", str(path), str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out" / "a.txt")).returncode == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out" / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("command", ["review", "apply"])
def test_review_and_apply_have_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: restore" in result.stdout


def test_review_fails_a_binary_file_it_was_named_and_still_reviews_the_rest(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.bin").write_bytes(b"\x00\x01binary\x00" * 50)
    result = run("review", "-o", str(tmp_path / "out"), str(tmp_path / "a.txt"), str(tmp_path / "b.bin"))
    assert result.returncode == 1 and f"error: {tmp_path / 'b.bin'}: binary file" in result.stderr
    assert (tmp_path / "out" / "a.txt.html").exists()


def test_review_of_an_empty_folder_says_so_and_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("review", "-o", str(tmp_path / "pages"), str(tmp_path / "empty"))
    assert result.returncode == 0 and f"no files found in {tmp_path / 'empty'}" in result.stderr
    assert not (tmp_path / "pages").exists()


def test_review_of_several_documents_refuses_an_output_named_like_a_page(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text(SPUN)
    result = run("review", "-o", str(tmp_path / "pages.html"), str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert result.returncode == 2 and "is named like a page, but several documents need an output folder" in result.stderr
    assert not (tmp_path / "pages.html").exists()
