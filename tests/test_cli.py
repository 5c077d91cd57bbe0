import json
import os
import subprocess
import sys

import pytest

SPUN = "Workers astatine the agency person been told.\n"
CLEAN = "Workers at the agency have been told.\n"


def run(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "restore", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd)


def test_fix_reads_stdin_and_writes_stdout():
    result = run("fix", stdin=SPUN)
    assert (result.returncode, result.stdout) == (0, CLEAN)


def test_fix_reads_a_file_and_writes_stdout(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    assert run("fix", str(tmp_path / "a.txt")).stdout == CLEAN


def test_fix_writes_each_file_to_the_output_dir_under_its_name(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text("So helium said.\n")
    result = run("fix", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 0
    assert (tmp_path / "out" / "a.txt").read_text() == CLEAN
    assert (tmp_path / "out" / "a.txt").exists() and (tmp_path / "out" / "b.txt").exists()


def test_fix_takes_o_for_the_output_dir_as_train_and_learn_take_it_for_their_output(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    assert run("fix", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")).returncode == 0
    assert (tmp_path / "out" / "a.txt").read_text() == CLEAN


def test_fix_refuses_an_output_dir_named_like_a_file_that_does_not_exist_yet(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    result = run("fix", str(tmp_path / "a.txt"), "-o", str(tmp_path / "clean.txt"))
    assert result.returncode == 2 and not (tmp_path / "clean.txt").exists()
    assert len(result.stderr.splitlines()) == 1 and "clean.txt is named like a file" in result.stderr


def test_fix_writes_into_an_existing_folder_whatever_its_name(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "archive.txt").mkdir()
    assert run("fix", str(tmp_path / "a.txt"), "-o", str(tmp_path / "archive.txt"), "-q").returncode == 0
    assert (tmp_path / "archive.txt" / "a.txt").read_text() == CLEAN


def test_a_missing_file_is_one_line_naming_it_and_a_nonzero_exit(tmp_path):
    result = run("fix", str(tmp_path / "nope.txt"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"restore: error: {tmp_path / 'nope.txt'}: no such file"]


def test_undecodable_bytes_are_reported_with_their_offset(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"fine text \xff\xfe more")
    result = run("fix", str(tmp_path / "bad.txt"))
    assert result.returncode != 0 and "offset 10" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_model_file_is_a_clean_error(tmp_path):
    (tmp_path / "m.model").write_text("not a model")
    result = run("fix", "--model", str(tmp_path / "m.model"), stdin=SPUN)
    assert result.returncode != 0 and "not a restore model" in result.stderr and "Traceback" not in result.stderr


def test_train_writes_a_model_that_fix_can_use(tmp_path, pairs):
    model = tmp_path / "tiny.model"
    assert run("train", str(pairs / "pairs.jsonl"), str(pairs / "small.spun.txt"), "-o", str(model),
               "--own-context").returncode == 0
    result = run("fix", "--model", str(model), stdin="The meeting astatine noon, helium said.\n")
    assert result.stdout == "The meeting at noon, he said.\n"


def test_train_mixes_the_pairs_context_with_the_shipped_model(tmp_path, pairs):
    model = tmp_path / "mixed.model"
    assert run("train", str(pairs / "pairs.jsonl"), "-o", str(model)).returncode == 0
    from restore.model import Model
    assert "parliament" in Model.load(model).context.ids          # a word the pairs never use


def test_learn_writes_a_model_from_spun_text_alone_that_fix_can_use(tmp_path):
    from restore.learn import count_context
    from restore.model import Channel, ContextModel, Model
    clean = "we can go. they can see. " * 20
    Model(Channel(), ContextModel.from_counts(*count_context([clean, "a tin box. " * 3]), min_trigram=1)).save(
        tmp_path / "base.model")
    (tmp_path / "spun").mkdir()
    for i in range(3):
        (tmp_path / "spun" / f"{i}.txt").write_text(clean.replace("can", "tin"))
    result = run("learn", str(tmp_path / "spun"), "-o", str(tmp_path / "m.model"), "--base", str(tmp_path / "base.model"))
    assert result.returncode == 0 and "tin -> can" in result.stderr
    assert run("fix", "--model", str(tmp_path / "m.model"), stdin="we tin go.\n").stdout == "we can go.\n"


def test_learn_says_a_garblers_forms_stand_for_themselves_and_writes_a_model_that_restores_them_in_context(tmp_path):
    from restore.learn import count_context
    from restore.model import Channel, ContextModel, Model
    clean = "we can go. they can see. a tin box. " * 20
    Model(Channel(), ContextModel.from_counts(*count_context([clean]), min_trigram=1)).save(tmp_path / "base.model")
    # "tin" stands for "can" in two of its three occurrences, and for itself in the third
    (tmp_path / "spun.txt").write_text("we tin go. they can see. a tin box. they tin go. " * 30)
    result = run("learn", str(tmp_path / "spun.txt"), "-o", str(tmp_path / "m.model"), "--base", str(tmp_path / "base.model"))
    assert result.returncode == 0 and "its forms stand for themselves 33% of the time" in result.stderr
    assert run("fix", "--model", str(tmp_path / "m.model"), stdin="we tin go. a tin box.\n").stdout == "we can go. a tin box.\n"


def test_learn_says_how_many_of_the_base_models_swaps_it_raised_and_lists_them(tmp_path):
    # the base reads the texts as its garbler's ("look" for "see") but lists "tin" for "can" as all but impossible
    from restore.learn import count_context
    from restore.model import Channel, ContextModel, Model
    clean = "we can go. they can see. " * 20
    channel = Channel(originals={"look": (("see", -0.1),), "tin": (("box", -0.1), ("can", -30.0))},
                      propensity={"can": 0.9, "box": 0.9, "see": 0.9})
    Model(channel, ContextModel.from_counts(*count_context([clean, "a tin box. " * 3]), min_trigram=1)).save(
        tmp_path / "base.model")
    (tmp_path / "spun.txt").write_text(clean.replace("can", "tin").replace("see", "look") * 3)
    result = run("learn", str(tmp_path / "spun.txt"), "-o", str(tmp_path / "m.model"), "--base", str(tmp_path / "base.model"))
    assert result.returncode == 0 and "raised 1 of the base model's" in result.stderr and "tin -> can" in result.stderr


def test_learn_warns_that_a_few_words_are_too_little_to_learn_from_and_says_it_learned_nothing_new(tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN)
    result = run("learn", str(tmp_path / "spun.txt"), "-o", str(tmp_path / "m.model"))
    assert result.returncode == 0 and (tmp_path / "m.model").exists()
    assert "restore: warning: 7 words is little to learn a garbler from" in result.stderr
    assert "learned 0 new swaps (and kept the base model's" in result.stderr
    assert "garbled -> original" not in result.stderr            # nothing learned: no table of the base's swaps


def test_learn_over_a_few_clean_words_learns_no_new_garbler_and_still_writes_a_model(tmp_path):
    # the base reads them as clean, so it looks for a new garbler, and no word is seen often enough to be a form
    (tmp_path / "clean.txt").write_text(CLEAN)
    result = run("learn", str(tmp_path / "clean.txt"), "-o", str(tmp_path / "m.model"))
    assert result.returncode == 0 and (tmp_path / "m.model").exists(), result.stderr
    assert "learned 0 new swaps" in result.stderr


def test_learn_names_an_input_that_is_missing(tmp_path):
    result = run("learn", str(tmp_path / "nothing.txt"), "-o", str(tmp_path / "m.model"))
    assert result.returncode == 1 and "nothing.txt" in result.stderr and "Traceback" not in result.stderr


def test_learn_refuses_a_binary_file_it_was_named(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    result = run("learn", str(tmp_path / "image.png"), "-o", str(tmp_path / "m.model"))
    assert result.returncode == 1 and not (tmp_path / "m.model").exists()
    assert result.stderr == f"restore: error: {tmp_path}/image.png: binary file\n"


def test_train_rejects_a_malformed_pairs_file(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"spun": "x"}\n')
    result = run("train", str(tmp_path / "p.jsonl"), "-o", str(tmp_path / "m.model"))
    assert result.returncode != 0 and "p.jsonl:1" in result.stderr and not (tmp_path / "m.model").exists()


def test_spin_garbles_clean_text_the_way_the_spinner_does():
    result = run("spin", "--rate", "1", stdin="Workers at the agency have been told.\n")
    assert "astatine" in result.stdout


def test_eval_prints_error_rates_before_and_after(pairs):
    result = run("eval", str(pairs / "pairs.jsonl"), "--json")
    figures = json.loads(result.stdout)
    assert figures["wer_after"] < figures["wer_before"]


@pytest.mark.parametrize("spun, clean, message", [
    ("we tin go now", " ", "p.jsonl:1: the clean side has no words but the spun side has"),
    ("we tin go now", "--", "p.jsonl:1: the clean side has no words but the spun side has"),
    ("", "we can go now", "p.jsonl:1: the spun side has no words but the clean side has"),
])
def test_eval_refuses_a_pair_with_words_on_one_side_only_which_would_count_every_word_wrong(tmp_path, spun, clean, message):
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": spun, "clean": clean}) + "\n")
    result = run("eval", "p.jsonl", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == f"restore: error: {message}\n"


@pytest.mark.parametrize("name, message", [
    ("lone.spun.txt", "lone.spun.txt: its other half lone.clean.txt is missing (a pair is NAME.spun.txt and "
                      "NAME.clean.txt side by side)"),
    (".", ".: is a folder: name the pairs files in it (NAME.spun.txt, NAME.clean.txt or .jsonl)"),
])
def test_eval_names_what_is_wrong_with_a_pairs_file(tmp_path, name, message):
    (tmp_path / "lone.spun.txt").write_text("we tin go\n")
    result = run("eval", name, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == f"restore: error: {message}\n"


def test_a_pairs_line_holding_a_raw_line_separator_is_one_pair(tmp_path):
    pair = {"spun": "We tin go\u2028now.", "clean": "We can go\u2028now."}
    (tmp_path / "p.jsonl").write_text(json.dumps(pair, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("eval", "p.jsonl", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pairs"] == 1


def test_eval_says_n_a_for_a_share_of_nothing(tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": "We can go now.", "clean": "We can go now."}) + "\n")
    result = run("eval", "p.jsonl", cwd=tmp_path)
    assert "swapped words restored n/a  correct words broken 0.00%" in result.stdout
    assert json.loads(run("eval", "p.jsonl", "--json", cwd=tmp_path).stdout)["restored"] is None


@pytest.mark.parametrize("command", ["fix", "detect", "train", "learn", "spin", "eval"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: restore" in result.stdout


def test_learn_refuses_fewer_than_one_round_of_decoding_before_reading_anything(tmp_path):
    result = run("learn", str(tmp_path / "nothing.txt"), "-o", str(tmp_path / "m.model"), "--iterations", "0")
    assert result.returncode == 2 and "--iterations: 0 is not a whole number of 1 or more" in result.stderr


@pytest.mark.parametrize("command", ["train", "learn"])
def test_a_model_output_that_is_a_folder_is_refused_before_any_work(tmp_path, command):
    (tmp_path / "spun.txt").write_text(SPUN)
    (tmp_path / "out").mkdir()
    result = run(command, str(tmp_path / "spun.txt"), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr == f"restore: error: {tmp_path / 'out'}: cannot write the model (it is a folder)\n"


def test_train_on_pairs_without_a_word_is_no_training_pairs(tmp_path):
    (tmp_path / "e.spun.txt").write_text("")
    (tmp_path / "e.clean.txt").write_text("\n")
    result = run("train", str(tmp_path / "e.spun.txt"), "-o", str(tmp_path / "m.model"), "--own-context")
    assert result.returncode == 1 and "no training pairs in" in result.stderr
    assert not (tmp_path / "m.model").exists()


def test_detect_says_an_empty_folder_held_no_files(tmp_path):
    result = run("detect", str(tmp_path))
    assert result.returncode == 0 and result.stderr == f"restore: no files found in {tmp_path}\n"


@pytest.mark.parametrize("option", ["--changes", "--report"])
def test_a_log_option_given_a_dash_asks_for_a_file_name_instead_of_writing_a_file_called_dash(tmp_path, option):
    (tmp_path / "a.txt").write_text(SPUN)
    result = run("fix", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), option, "-", cwd=tmp_path)
    assert result.returncode == 2 and f"{option} -: give it a file name" in result.stderr
    assert not (tmp_path / "-").exists()


def test_spin_eval_and_train_read_another_encoding_as_their_error_suggests(tmp_path):
    (tmp_path / "a.txt").write_bytes("Café workers at the agency have been told.\n".encode("latin-1"))
    (tmp_path / "p.jsonl").write_bytes('{"spun": "Café workers astatine the agency.", "clean": "Café workers at the '
                                       'agency."}\n'.encode("latin-1"))
    refused = run("spin", str(tmp_path / "a.txt"))
    assert refused.returncode == 1 and "--encoding may help" in refused.stderr
    spun = subprocess.run([sys.executable, "-m", "restore", "spin", "--encoding", "latin-1", str(tmp_path / "a.txt")],
                          capture_output=True).stdout
    assert spun.startswith("Café workers astatine".encode("latin-1"))
    assert "swapped words restored 100.00%" in run("eval", "--encoding", "latin-1", str(tmp_path / "p.jsonl")).stdout
    trained = run("train", "--encoding", "latin-1", str(tmp_path / "p.jsonl"), "-o", str(tmp_path / "m.model"))
    assert trained.returncode == 0 and (tmp_path / "m.model").exists()


def test_an_unknown_option_is_a_usage_error_of_the_command_it_was_given_to():
    result = run("fix", "--bogus", stdin=SPUN)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "restore fix: error: unrecognized arguments: --bogus (see restore fix --help)\n"


def test_an_unknown_option_before_the_command_is_a_usage_error_of_restore_itself():
    result = run("--bogus", "fix", stdin=SPUN)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "restore: error: unrecognized arguments: --bogus (see restore --help)\n"


def test_a_parquet_files_output_is_not_sent_to_a_terminal(tmp_path):
    pa, pq, pty = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet"), pytest.importorskip("pty")
    pq.write_table(pa.table({"text": [SPUN]}), tmp_path / "d.parquet")
    terminal, other_end = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "restore", "fix", str(tmp_path / "d.parquet")],
                                stdout=other_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(terminal)
        os.close(other_end)
    assert result.returncode == 2 and "a Parquet file's output is binary, not for the terminal" in result.stderr


@pytest.mark.parametrize("row", ["hospital\tzorbax\t0", "at\tastatine\t\u00b2", "\tzorbax\t10", "hospital\t\t10"])
def test_a_lexicon_row_without_two_words_and_a_count_of_one_or_more_is_one_line_naming_it(tmp_path, row):
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": SPUN, "clean": CLEAN}) + "\n")
    (tmp_path / "z.tsv").write_text(row + "\n")
    result = run("train", str(tmp_path / "p.jsonl"), "--lexicon", str(tmp_path / "z.tsv"), "-o", str(tmp_path / "m"))
    assert result.returncode == 1 and result.stderr.startswith(f"restore: error: {tmp_path / 'z.tsv'}:1: expected")
    assert "internal error" not in result.stderr and not (tmp_path / "m").exists()


def test_train_reads_its_lexicon_in_the_encoding_given(tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": SPUN, "clean": CLEAN}) + "\n")
    (tmp_path / "l.tsv").write_bytes("café\tastatine\t5\n".encode("latin-1"))
    result = run("train", "--encoding", "latin-1", str(tmp_path / "p.jsonl"), "--lexicon", str(tmp_path / "l.tsv"),
                 "-o", str(tmp_path / "m.model"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("encoding, mark", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("latin-1", b"")])
def test_spin_writes_each_file_in_its_own_encoding_with_its_byte_order_mark(tmp_path, encoding, mark):
    clean = "Café workers at the agency have been told.\r\n"
    (tmp_path / "a.txt").write_bytes(mark + clean.encode(encoding))
    options = ["--encoding", encoding] if encoding == "latin-1" else []
    result = subprocess.run([sys.executable, "-m", "restore", "spin", *options, str(tmp_path / "a.txt")],
                            capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == mark + "Café workers astatine the bureau person been told.\r\n".encode(encoding)


def test_a_files_spin_depends_on_its_text_and_seed_not_on_where_it_stands(tmp_path):
    text = "the people said it was a big day at the agency and in the city of the new year\n"
    (tmp_path / "a.txt").write_text("one more line\n")
    (tmp_path / "b.txt").write_text(text)
    alone = run("spin", "--rate", "0.5", "--seed", "3", str(tmp_path / "b.txt")).stdout
    second = run("spin", "--rate", "0.5", "--seed", "3", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")).stdout
    assert second.endswith(alone) and alone != text
    assert run("spin", "--seed", "-1", str(tmp_path / "b.txt")).returncode == 2


def test_detect_passes_over_a_json_line_with_no_text_as_it_does_a_parquet_row():
    feed = '{"other": 1}\n{"text": null}\n{"text": ""}\n' + json.dumps({"text": SPUN}) + "\n"
    result = run("detect", "--format", "jsonl", stdin=feed)
    assert result.returncode == 0 and result.stdout.splitlines() == ["1.000\t-:4"]


def test_detect_passes_over_documents_with_no_words_instead_of_scoring_them_clean(tmp_path):
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "script.html").write_text("<script>var a;</script>")
    (tmp_path / "a.jsonl").write_text('{"text": "  "}\n' + json.dumps({"text": SPUN}) + "\n")
    result = run("detect", "blank.txt", "script.html", "a.jsonl", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.splitlines() == ["1.000\ta.jsonl:2"]
    assert "skipped: blank.txt: no words" in result.stderr and "skipped: script.html: no words" in result.stderr


def test_detect_samples_a_document_from_its_first_words(tmp_path):
    (tmp_path / "a.txt").write_text("=-=-=-=-=-=-=-=-=-=-=-=-=-\n\n" * 5000 + SPUN)
    result = run("detect", "a.txt", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "1.000\ta.txt\n"


def test_sigterm_while_a_model_is_saved_is_taken_as_an_interruption_which_leaves_no_file(tmp_path):
    import signal

    from restore.cli import _save
    from restore.errors import Terminated

    class Saving:
        def save(self, path):
            os.kill(os.getpid(), signal.SIGTERM)           # as a user's kill comes mid-write
            raise AssertionError("the signal did not interrupt the save")

    with pytest.raises(Terminated):
        _save(Saving(), str(tmp_path / "m.model"))
    assert signal.getsignal(signal.SIGTERM) is not None and os.listdir(tmp_path) == []
