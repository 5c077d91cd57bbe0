"""Bad input is one line naming the file, and a batch goes on past it: deep JSON, encodings that
cannot read a file, field names no record has, filenames that are not UTF-8 or hold control
characters."""
import json
import os
import shutil
import subprocess

import pytest
from test_batch import CLEAN, SPUN, fix
from test_batch import restore as command
from test_formats import Stub

from restore import files
from restore.errors import UsageError, one_line, shown
from restore.files import Reader, text_encoding
from restore.formats import BadInput, Fixer, documents, repair
from restore.report import json_text

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


# -- 2. encodings that cannot read a file ------------------------------------------------------------

@pytest.mark.parametrize("name", ["idna", "punycode", "undefined", "rot13", "base64", "zlib"])
def test_a_codec_that_cannot_read_a_text_file_is_refused(name):
    with pytest.raises(UsageError, match=rf"^--encoding {name} is not a text encoding$"):
        text_encoding(name)


@pytest.mark.parametrize("name", ["utf-16", "utf-32", "cp037", "utf-7", "shift_jis", "latin-1"])
def test_text_encodings_are_accepted(name):
    assert text_encoding(name)


def test_the_command_line_refuses_idna_before_any_work(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--encoding", "idna", "-o", tmp_path / "out")
    assert code == 2 and err == "restore fix: error: --encoding idna is not a text encoding (see restore fix --help)\n"
    assert not (tmp_path / "out").exists()


def test_a_reader_given_a_codec_that_cannot_read_text_fails_the_file(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    with pytest.raises(BadInput, match="^--encoding undefined is not a text encoding$"):
        Reader(tmp_path / "a.txt", "undefined")


def test_utf16_without_a_byte_order_mark_fails_that_file_alone(capsys, tmp_path):
    (tmp_path / "a.txt").write_bytes(SPUN.encode("utf-16-le"))
    (tmp_path / "b.txt").write_bytes(("\ufeff" + SPUN).encode("utf-16-le"))
    code, _, err = fix(capsys, tmp_path / "a.txt", tmp_path / "b.txt", "--encoding", "utf-16", "-o", tmp_path / "out")
    assert code == 1 and f"restore: error: {tmp_path / 'a.txt'}: utf-16 without a byte-order mark: " \
        "give --encoding utf-16-le or utf-16-be" in err.splitlines()
    assert "1 files done, 1 failed" in err and (tmp_path / "out" / "b.txt").read_bytes().decode("utf-16") == CLEAN


def test_in_worker_processes_a_file_that_cannot_be_decoded_fails_alone(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(("\ufeff" + SPUN).encode("utf-16-le"))
    (tmp_path / "in" / "b.txt").write_bytes(SPUN.encode("utf-16-le"))
    code, _, err = fix(capsys, tmp_path / "in", "--encoding", "utf-16", "-o", tmp_path / "out", "-j", "2")
    assert code == 1 and "1 files done, 1 failed" in err and "internal error" not in err
    assert [line.split(": ")[2] for line in err.splitlines() if "error" in line] == [str(tmp_path / "in" / "b.txt")]


def test_a_decoder_that_raises_a_unicode_error_fails_the_file(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_bytes(b"abc")

    class Refusing:
        def __init__(self, errors="strict"):
            pass

        def getstate(self):
            return b"", 0

        def decode(self, data, final=False):
            raise UnicodeError("no such thing")

    monkeypatch.setattr(files.codecs, "getincrementaldecoder", lambda name: Refusing)
    with Reader(tmp_path / "a.txt") as reader, pytest.raises(BadInput, match=r"^not utf-8 text \(no such thing;"):
        list(reader.blocks())


# -- 3. and 5. file names that are not UTF-8, or hold control characters ----------------------------

BAD_NAME = os.fsdecode(b"bad\xffname.txt")
EVIL_NAME = "evil\nrestore: 0 files done.txt"


def named(folder, name, text=SPUN):
    """``folder/name`` holding ``text``; the test is skipped where the file system refuses the name."""
    folder.mkdir(exist_ok=True)
    try:
        (folder / name).write_text(text)
    except (OSError, UnicodeError):
        pytest.skip(f"this file system refuses the name {name!r}")
    return folder / name


def test_a_printable_name_is_shown_as_it_is():
    assert shown("in/a b/ça va.txt") == "in/a b/ça va.txt"


def test_a_name_with_a_line_break_is_shown_quoted_on_one_line():
    assert shown(EVIL_NAME) == "'evil\\nrestore: 0 files done.txt'"


def test_an_undecodable_byte_is_shown_as_the_byte():
    assert shown(BAD_NAME) == "'bad\\xffname.txt'"


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
@pytest.mark.parametrize("raw", [b"bad\xffname's.txt", b"evil\nx\ty\\z", "a\u0085b\u2028c".encode(), b"\x1b[31m"])
def test_a_shown_name_is_the_name_in_bash_quoting(raw):
    back = subprocess.run(["bash", "-c", "printf %s $" + shown(os.fsdecode(raw))], capture_output=True, check=True)
    assert back.stdout == raw


def test_one_line_escapes_line_breaks_anywhere_in_a_message():
    assert one_line("a.txt: its output out/a\nb.txt failed") == "a.txt: its output out/a\\nb.txt failed"


def test_json_text_escapes_undecodable_bytes_so_the_name_comes_back():
    text = json_text({"path": BAD_NAME, "note": "café"})
    assert text.encode("utf-8") and "café" in text
    assert os.fsencode(json.loads(text)["path"]) == b"bad\xffname.txt"


def test_a_report_names_a_file_that_is_not_utf8_losslessly(capsys, tmp_path):
    named(tmp_path / "in", BAD_NAME)
    code, _, err = fix(capsys, tmp_path / "in", "-o", tmp_path / "out", "--report", tmp_path / "rep.json")
    assert code == 0 and "'" + str(tmp_path / "in") + "/bad\\xffname.txt'" in err
    report = json.loads((tmp_path / "rep.json").read_bytes().decode("utf-8"))
    assert [os.fsencode(f["path"]) for f in report["files"]] == [os.fsencode(tmp_path / "in" / BAD_NAME)]
    assert os.fsencode(report["summary"]["most_changed"][0]["path"]).endswith(b"bad\xffname.txt")
    assert (tmp_path / "out" / BAD_NAME).read_text() == CLEAN


def test_the_changes_log_names_a_file_that_is_not_utf8_losslessly(capsys, tmp_path):
    named(tmp_path / "in", BAD_NAME)
    code, _, _ = fix(capsys, tmp_path / "in", "-o", tmp_path / "out", "--changes", tmp_path / "log.jsonl")
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_bytes().decode("utf-8").splitlines()]
    assert code == 0 and (tmp_path / "out" / BAD_NAME).read_text() == CLEAN
    assert records and {os.fsencode(r["file"]) for r in records} == {os.fsencode(tmp_path / "in" / BAD_NAME)}


def test_detect_shows_a_name_that_is_not_utf8(capsys, tmp_path):
    named(tmp_path, BAD_NAME)
    code, out, err = command(capsys, "detect", tmp_path / BAD_NAME)
    assert code == 0 and err == "" and out.endswith(f"\t'{tmp_path}/bad\\xffname.txt'\n")


def test_detect_prints_one_line_for_a_name_with_a_line_break(capsys, tmp_path):
    named(tmp_path, EVIL_NAME)
    code, out, _ = command(capsys, "detect", tmp_path)
    assert code == 0 and out.splitlines() == [out.split("\t")[0] + f"\t'{tmp_path}/evil\\nrestore: 0 files done.txt'"]


def test_the_diff_header_shows_a_name_with_a_line_break_on_one_line(capsys, tmp_path):
    named(tmp_path, EVIL_NAME)
    code, out, _ = fix(capsys, tmp_path / EVIL_NAME, "--diff")
    assert code == 0 and out.splitlines()[0] == f"--- '{tmp_path}/evil\\nrestore: 0 files done.txt'"


def test_the_summary_lists_a_name_with_a_line_break_on_one_line(capsys, tmp_path):
    named(tmp_path / "in", EVIL_NAME)
    code, _, err = fix(capsys, tmp_path / "in", "-o", tmp_path / "out")
    assert code == 0 and err.splitlines()[-1].endswith("  '" + str(tmp_path / "in") + "/evil\\nrestore: 0 files done.txt'")
    assert (tmp_path / "out" / EVIL_NAME).read_text() == CLEAN


def test_a_message_about_another_file_shows_its_name_on_one_line(capsys, tmp_path):
    named(tmp_path, EVIL_NAME)
    (tmp_path / (EVIL_NAME + ".bak")).write_text("an older backup")
    code, _, err = fix(capsys, tmp_path / EVIL_NAME, "--in-place", "--backup", ".bak")
    assert code == 1 and "its backup '" + str(tmp_path) + "/evil\\nrestore: 0 files done.txt.bak' already exists" in err


def test_an_error_about_a_name_with_a_line_break_is_one_line(capsys, tmp_path):
    named(tmp_path, "bin\nrestore: ok.txt", "\0\1\2")
    code, _, err = fix(capsys, tmp_path / "bin\nrestore: ok.txt")
    assert code == 1 and err == f"restore: error: '{tmp_path}/bin\\nrestore: ok.txt': binary file\n"
