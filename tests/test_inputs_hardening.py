"""Bad input is one line naming the file, and a batch goes on past it: deep JSON, encodings that
cannot read a file, field names no record has, filenames that are not UTF-8 or hold control
characters."""
import json

import pytest
from test_batch import CLEAN, SPUN, fix
from test_formats import Stub

from restore.formats import BadInput, Fixer, documents, repair

DEEP = '{"text": "a", "list": ' + "[" * 100_000 + "\n"


@pytest.fixture(scope="module")
def fixer():
    return Fixer(Stub(), fix_mojibake=False)


def restored(fmt, text, fixer, **options) -> str:
    return "".join(piece.out for piece in repair(fmt, [text], fixer, **options))


# -- 1. JSON nested too deeply -------------------------------------------------------------------

def test_json_nested_too_deeply_is_a_bad_input_naming_the_line(fixer):
    with pytest.raises(BadInput, match=r"^line 2: JSON nested too deeply$"):
        restored("jsonl", '{"text": "astatine"}\n' + DEEP, fixer)


def test_detect_reads_json_nested_too_deeply_as_a_bad_input():
    with pytest.raises(BadInput, match=r"^line 1: JSON nested too deeply$"):
        list(documents("jsonl", [DEEP]))


def test_a_batch_goes_on_past_json_nested_too_deeply(capsys, tmp_path):
    for name, text in [("a.txt", SPUN), ("deep.jsonl", DEEP), ("c.txt", SPUN)]:
        (tmp_path / name).write_text(text)
    code, _, err = fix(capsys, tmp_path / "a.txt", tmp_path / "deep.jsonl", tmp_path / "c.txt", "-o", tmp_path / "out")
    assert code == 1 and f"restore: error: {tmp_path / 'deep.jsonl'}: line 1: JSON nested too deeply" in err
    assert "internal error" not in err and "2 files done, 1 failed" in err
    assert (tmp_path / "out" / "c.txt").read_text() == CLEAN


def test_json_nested_too_deeply_on_stdin_is_one_line(capsys):
    code, out, err = fix(capsys, "--format", "jsonl", stdin=DEEP)
    assert code == 1 and err == "restore: error: -: line 1: JSON nested too deeply\n" and out == ""


# -- 4. a field no record has --------------------------------------------------------------------

def test_a_field_no_record_has_is_a_bad_input_naming_it(fixer):
    with pytest.raises(BadInput, match=r"^no record has the field 'nope'$"):
        restored("jsonl", '{"text": "astatine"}\n{"id": 2}\n', fixer, fields=["nope"])


def test_records_without_a_field_that_others_have_pass_through_unchanged(fixer):
    text = '{"id": 1}\n{"t": "astatine", "id": 2}\n{"t": null}\n'
    assert restored("jsonl", text, fixer, fields=["t"]) == '{"id": 1}\n{"t": "at", "id": 2}\n{"t": null}\n'


def test_a_field_only_some_record_has_as_a_number_is_no_error(fixer):
    assert restored("jsonl", '{"id": 1}\n{"t": 5}\n', fixer, fields=["t"]) == '{"id": 1}\n{"t": 5}\n'


def test_each_field_no_record_has_is_named(fixer):
    with pytest.raises(BadInput, match=r"^no record has the fields 'a\.b', 'c'$"):
        restored("jsonl", '{"text": "x", "a": {"d": 1}}\n', fixer, fields=["text", "a.b", "c"])


def test_a_file_of_blank_lines_has_no_record_to_lack_a_field(fixer):
    assert restored("jsonl", "\n  \n", fixer, fields=["nope"]) == "\n  \n"


def test_detect_fails_a_file_no_record_of_which_has_the_field():
    with pytest.raises(BadInput, match=r"^no record has the field 'nope'$"):
        list(documents("jsonl", ['{"text": "a"}\n'], fields=["nope"]))


def test_fix_fails_a_file_with_a_wrong_field_and_writes_no_output(capsys, tmp_path):
    (tmp_path / "data.jsonl").write_text(json.dumps({"text": SPUN}) + "\n")
    code, out, err = fix(capsys, "--field", "nope", tmp_path / "data.jsonl")
    assert code == 1 and out == ""
    assert err == f"restore: error: {tmp_path / 'data.jsonl'}: no record has the field 'nope'\n"
