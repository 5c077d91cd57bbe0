"""Batch repair: inputs, outputs, resumption, interruption, bad input, reports and review tools."""
import difflib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import tracemalloc

import pytest

from restore import batch, formats
from restore.batch import MarkedWords, Settings, UnifiedDiff, Worker
from restore.cli import main

SPUN = "Workers astatine the agency person been told to stock accusation astir it.\n"
CLEAN = "Workers at the agency have been told to share information about it.\n"


def fix(capsys, *args, stdin=None):
    """Run ``restore fix ARGS`` in this process: (exit code, stdout, stderr)."""
    return restore(capsys, "fix", *args, stdin=stdin)


def restore(capsys, *args, stdin=None):
    capsys.readouterr()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    try:
        code = main([*map(str, args)])
    except SystemExit as e:
        code = e.code
    finally:
        sys.stdin = old_stdin
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder):
    """{relative path: text} of every file below ``folder``, hidden ones included."""
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- inputs ---------------------------------------------------------------------------------------


def test_a_binary_file_named_on_the_command_line_is_an_error(capsys, tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    code, out, err = fix(capsys, tmp_path / "image.png")
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"restore: error: {tmp_path}/image.png: binary file"]


def test_binary_standard_input_is_an_error(capsys):
    code, out, err = fix(capsys, "-", stdin="PNG\r\n\x1a\n\0\0\0\rIHDR")
    assert (code, out) == (1, "")
    assert err.splitlines() == ["restore: error: -: binary file"]


def test_a_directory_is_searched_recursively_and_mirrored_under_the_output_dir(capsys, archive, tmp_path):
    code, _, _ = fix(capsys, archive, "--output-dir", tmp_path / "out")
    assert code == 0
    assert tree(tmp_path / "out") == {"a.txt": CLEAN, "sub/b.txt": "So he said.\n\n" + CLEAN,
                                      "sub/deeper/c.txt": "Nothing to see here.\n"}


def test_hidden_files_and_folders_are_not_inputs(capsys, archive, tmp_path):
    (archive / ".git").mkdir()
    (archive / ".git" / "x.txt").write_text(SPUN)
    (archive / ".draft.txt").write_text(SPUN)
    fix(capsys, archive, "--output-dir", tmp_path / "out")
    assert sorted(tree(tmp_path / "out")) == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]


def test_a_glob_is_expanded_and_mirrored_from_its_folder(capsys, archive, tmp_path):
    code, _, _ = fix(capsys, f"{archive}/**/*.txt", "--output-dir", tmp_path / "out")
    assert code == 0
    assert sorted(tree(tmp_path / "out")) == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]


def test_a_glob_that_matches_nothing_is_one_line_and_a_failure(capsys, tmp_path):
    code, _, err = fix(capsys, f"{tmp_path}/*.nope", "--output-dir", tmp_path / "out")
    assert code == 1
    assert err.splitlines()[0] == f"restore: error: {tmp_path}/*.nope: no file matches"


def test_stdin_is_a_dash_and_goes_to_stdout(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("So helium said.\n")
    code, out, _ = fix(capsys, "-", tmp_path / "a.txt", stdin=SPUN)
    assert (code, out) == (0, CLEAN + "So he said.\n")


def test_each_format_is_recognised_by_its_extension(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN)
    (tmp_path / "in" / "b.html").write_text(f"<p>{SPUN}</p><script>astatine</script>")
    (tmp_path / "in" / "c.jsonl").write_text(json.dumps({"id": 1, "text": SPUN, "raw": SPUN}) + "\n")
    fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "out")
    out = tree(tmp_path / "out")
    assert out["a.txt"] == CLEAN
    assert out["b.html"] == f"<p>{CLEAN}</p><script>astatine</script>"
    assert json.loads(out["c.jsonl"]) == {"id": 1, "text": CLEAN, "raw": SPUN}


def test_the_format_option_overrides_the_extension(capsys, tmp_path):
    (tmp_path / "page.txt").write_text(f"<p title='{SPUN.strip()}'>x</p>")
    _, out, _ = fix(capsys, tmp_path / "page.txt", "--format", "html")
    assert out == f"<p title='{CLEAN.strip()}'>x</p>"


def test_jsonl_fields_are_named_with_field_and_dotted_paths(capsys, tmp_path):
    row = {"text": SPUN, "meta": {"title": "So helium said."}}
    (tmp_path / "a.jsonl").write_text(json.dumps(row) + "\n")
    _, out, _ = fix(capsys, tmp_path / "a.jsonl", "--field", "meta.title")
    assert json.loads(out) == {"text": SPUN, "meta": {"title": "So he said."}}


def test_html_comes_out_byte_identical_outside_the_restored_words(capsys, tmp_path):
    page = (b"<!DOCTYPE html>\r\n<html><head><title>Helium said so</title>\r\n<style>p { content: 'astatine'; }"
            b"</style><script>if (a &amp;& b) { helium(); }</script></head>\r\n<body>\r\n"
            b"  <P Class=lead>Workers astatine the agency &amp; person been told to stock accusation astir it.</P>\r\n"
            b"  <!-- astatine person --><img src=x.png alt='helium said astatine noon' data-alt='astatine'>\r\n"
            b"  <p>caf\xc3\xa9 &eacute;&#233; \xe2\x80\x9cquoted\xe2\x80\x9d</p>\r\n</body></html>")
    (tmp_path / "page.html").write_bytes(page)
    code, _, _ = fix(capsys, tmp_path / "page.html", "--output-dir", tmp_path / "out", "--changes", tmp_path / "c.jsonl")
    assert code == 0
    changes = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert {c["garbled"] for c in changes} >= {"astatine", "person", "stock", "accusation", "helium"}
    text, expected, pos = page.decode(), [], 0
    for c in changes:
        assert text[c["offset"]:c["offset"] + len(c["garbled"])] == c["garbled"]
        expected += [text[pos:c["offset"]], c["restored"]]
        pos = c["offset"] + len(c["garbled"])
    assert (tmp_path / "out" / "page.html").read_bytes() == ("".join(expected) + text[pos:]).encode()


# -- outputs --------------------------------------------------------------------------------------

def test_in_place_overwrites_atomically_keeping_the_mode(capsys, archive):
    os.chmod(archive / "a.txt", 0o640)
    code, _, _ = fix(capsys, archive, "--in-place")
    assert code == 0
    assert (archive / "a.txt").read_text() == CLEAN
    assert os.stat(archive / "a.txt").st_mode & 0o777 == 0o640
    assert sorted(tree(archive)) == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]      # no temporary files


def test_backup_keeps_each_original_beside_it(capsys, archive):
    fix(capsys, archive, "--in-place", "--backup", ".orig")
    assert (archive / "a.txt").read_text() == CLEAN
    assert (archive / "a.txt.orig").read_text() == SPUN


def test_output_dir_files_keep_the_input_mode(capsys, archive, tmp_path):
    os.chmod(archive / "a.txt", 0o604)
    fix(capsys, archive, "--output-dir", tmp_path / "out")
    assert os.stat(tmp_path / "out" / "a.txt").st_mode & 0o777 == 0o604


def test_an_output_that_is_also_an_input_is_not_written(capsys, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "out" / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", tmp_path / "out" / "a.txt", "--output-dir", tmp_path / "out")
    assert code == 1
    assert (tmp_path / "out" / "a.txt").read_text() == SPUN
    assert "is an input" in err


def test_an_output_a_recursive_input_glob_would_match_is_refused_saying_so(capsys, tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(SPUN)
    monkeypatch.chdir(tmp_path)
    code, _, err = fix(capsys, "**/a.txt", "--output-dir", "out")
    assert code == 1 and not (tmp_path / "out").exists()
    assert "its output out/sub/a.txt matches the input glob **/a.txt" in err


def test_two_inputs_with_one_output_path_write_it_once(capsys, tmp_path):
    for folder in ("a", "b"):                      # long enough to be written a clock tick after the start
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(f"{folder} " + SPUN * 200)
    code, _, err = fix(capsys, tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt", "--output-dir", tmp_path / "out")
    assert code == 1 and f"restore: error: {tmp_path}/b/x.txt: another input already wrote" in err
    assert (tmp_path / "out" / "x.txt").read_text().startswith("a ")


def test_an_output_dir_inside_an_input_dir_is_a_usage_error(capsys, archive):
    code, _, err = fix(capsys, archive, "--output-dir", archive / "fixed")
    assert code == 2 and "inside the input folder" in err
    assert not (archive / "fixed").exists()


@pytest.mark.parametrize("args", [["--in-place", "--output-dir", "x"], ["--backup", ".b"], ["--resume"],
                                  ["--in-place", "--resume"], ["--jobs", "-1"], ["--encoding", "klingon"],
                                  ["--min-confidence", "2"], ["--format", "pdf"], ["--in-place", "--backup", ""]])
def test_options_that_cannot_work_are_usage_errors_in_one_line(capsys, archive, args):
    code, _, err = fix(capsys, archive, *args)
    assert code == 2 and err.startswith("restore fix: error: ") and err.count("\n") == 1
    assert err.rstrip().endswith("(see restore fix --help)")


def test_stdin_cannot_go_to_an_output_dir(capsys, tmp_path):
    code, _, _ = fix(capsys, "-", "--output-dir", tmp_path / "out", stdin=SPUN)
    assert code == 2


# -- resumption -------------------------------------------------------------------------------------

def test_resume_skips_outputs_newer_than_their_inputs_and_redoes_the_rest(capsys, archive, tmp_path):
    out = tmp_path / "out"
    fix(capsys, archive, "--output-dir", out)
    (out / "a.txt").write_text("kept")                          # newer than its input: done
    (out / "sub" / "b.txt").unlink()                            # missing: to do
    os.utime(out / "sub" / "deeper" / "c.txt", (1, 1))          # older than its input: to do again
    code, _, err = fix(capsys, archive, "--output-dir", out, "--resume")
    assert code == 0
    assert (out / "a.txt").read_text() == "kept"
    assert (out / "sub" / "b.txt").read_text() == "So he said.\n\n" + CLEAN
    assert os.stat(out / "sub" / "deeper" / "c.txt").st_mtime > 1
    assert "2 files done, 0 failed, 1 skipped" in err


def test_resume_in_place_skips_files_newer_than_their_backup(capsys, archive):
    fix(capsys, archive, "--in-place", "--backup", ".orig")
    (archive / "a.txt").write_text("kept")
    code, _, err = fix(capsys, archive, "--in-place", "--backup", ".orig", "--resume")
    assert (code, (archive / "a.txt").read_text()) == (0, "kept")
    assert "0 files done, 0 failed, 3 skipped" in err


def test_without_resume_an_output_written_earlier_is_replaced(capsys, archive, tmp_path):
    fix(capsys, archive, "--output-dir", tmp_path / "out")
    (tmp_path / "out" / "a.txt").write_text("old")
    fix(capsys, archive, "--output-dir", tmp_path / "out")
    assert (tmp_path / "out" / "a.txt").read_text() == CLEAN


# -- scale -----------------------------------------------------------------------------------------

def make_archive(folder, files, paragraphs=2):
    """``files`` spun files in sub-folders, each ending with a line holding its number (after "#",
    so that it touches punctuation and is never restored: "7" is a spun "seven" elsewhere)."""
    from restore.spin import Spinner
    spinner, rng = Spinner.default(), random.Random(0)
    sentences = [CLEAN.strip(), "He said the office would open in the spring.", "They met at noon in person.",
                 "Prices rose sharply over the past year.", "The report was late because of the storm."]
    for i in range(files):
        text = "\n\n".join(" ".join(rng.choice(sentences) for _ in range(4)) for _ in range(paragraphs))
        path = folder / f"{i % 7}" / f"{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spinner.spin(text, seed=i) + f"\n\n#{i}\n")


def test_two_jobs_write_the_same_outputs_as_one(capsys, tmp_path):
    make_archive(tmp_path / "in", 40)
    assert fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "one", "--jobs", "1")[0] == 0
    assert fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "two", "--jobs", "2")[0] == 0
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert len(tree(tmp_path / "one")) == 40


def test_two_jobs_to_stdout_keep_the_input_order(capsys, tmp_path):
    for i in range(30):
        (tmp_path / f"{i:02d}.txt").write_text(f"{i}\n")
    _, out, _ = fix(capsys, tmp_path, "--jobs", "2")
    assert out == "".join(f"{i}\n" for i in range(30))


def test_a_large_file_streams_in_bounded_memory(tmp_path):
    (tmp_path / "big.txt").write_text(("Workers astatine the agency.\n" * 40 + "\n") * 5000)   # 5.8 MB
    worker = Worker(Settings())
    worker.restorer = type("Same", (), {"restore_with_changes": lambda self, t: (t, [])})()
    tracemalloc.start()
    outcome = worker.run(batch.Job(str(tmp_path / "big.txt"), str(tmp_path / "out.txt")))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcome.status == "done" and outcome.words == 5000 * 160
    assert (tmp_path / "out.txt").read_text() == (tmp_path / "big.txt").read_text()
    assert peak < 2_000_000


@pytest.mark.parametrize("jobs", [2, 1])
def test_ctrl_c_stops_a_run_leaving_no_partial_or_temporary_files(tmp_path, jobs):
    make_archive(tmp_path / "in", 700, paragraphs=6)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--jobs", str(jobs)], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").rglob("*.txt"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert 20 <= len(written) < 700
    assert not [p for p in written if p.name.startswith(".") or p.suffix == ".tmp"]
    for path in written:
        source = (tmp_path / "in" / path.relative_to(tmp_path / "out")).read_text()
        text = path.read_text()
        assert text.count("\n") == source.count("\n") and text.endswith(f"\n\n#{int(path.stem)}\n")
    assert list(scratch.iterdir()) == []


def test_a_hard_stop_midway_through_a_file_leaves_no_temporary_file(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)

    class Stop:
        def restore_with_changes(self, text):
            raise KeyboardInterrupt

    worker = Worker(Settings())
    worker.restorer = Stop()
    with pytest.raises(KeyboardInterrupt):
        worker.run(batch.Job(str(tmp_path / "a.txt"), str(tmp_path / "out" / "a.txt")))
    assert list((tmp_path / "out").iterdir()) == []


# -- bad input ------------------------------------------------------------------------------------

def test_bad_inputs_are_one_line_each_and_the_batch_goes_on(capsys, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text(SPUN)
    (d / "latin.txt").write_bytes(b"fine text \xe9 more")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (d / "empty.txt").write_bytes(b"")
    (d / "gone.txt").symlink_to(tmp_path / "nowhere")
    (d / "rows.jsonl").write_text('{"text": "fine"}\nnot json\n')
    code, _, err = fix(capsys, d, tmp_path / "missing.txt", "--output-dir", tmp_path / "out")
    assert code == 1
    assert "Traceback" not in err
    lines = err.splitlines()
    assert f"restore: error: {d}/latin.txt: not utf-8 text (undecodable byte at offset 10; --encoding may help)" in lines
    assert f"restore: skipped: {d}/image.png: binary file" in lines
    assert f"restore: skipped: {d}/empty.txt: empty file" in lines
    assert f"restore: error: {d}/gone.txt: no such file" in lines
    assert f"restore: error: {tmp_path}/missing.txt: no such file" in lines
    assert any(line.startswith(f"restore: error: {d}/rows.jsonl: line 2: not a JSON object") for line in lines)
    assert "restore: 1 files done, 4 failed, 2 skipped; 12 words read, 5 changed (41.7%)" in lines
    assert sorted(tree(tmp_path / "out")) == ["good.txt"]


def test_skipped_files_are_no_failure(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text("")
    assert fix(capsys, tmp_path / "a.txt", tmp_path / "b.txt")[0] == 0


def test_the_encoding_option_reads_and_writes_in_that_encoding(capsys, tmp_path):
    (tmp_path / "a.txt").write_bytes("Café workers astatine the agency.\n".encode("latin-1"))
    code, _, _ = fix(capsys, tmp_path / "a.txt", "--encoding", "latin-1", "--output-dir", tmp_path / "out")
    assert code == 0
    assert (tmp_path / "out" / "a.txt").read_bytes() == "Café workers at the agency.\n".encode("latin-1")


def test_encoding_auto_guesses_each_files_encoding(capsys, tmp_path):
    (tmp_path / "a.txt").write_bytes(("\ufeff" + SPUN).encode("utf-16-le"))
    code, _, _ = fix(capsys, tmp_path / "a.txt", "--encoding", "auto", "--output-dir", tmp_path / "out")
    assert code == 0
    assert (tmp_path / "out" / "a.txt").read_bytes().decode("utf-16") == CLEAN


# -- report and review ------------------------------------------------------------------------------

def test_the_summary_lists_the_most_changed_files_first(capsys, archive, tmp_path):
    _, _, err = fix(capsys, archive, "--output-dir", tmp_path / "out")
    lines = err.splitlines()
    assert lines[0] == "restore: 3 files done, 0 failed, 0 skipped; 31 words read, 11 changed (35.5%)"
    assert lines[1] == "restore: most changed (share of words):"
    assert lines[2].split()[-1].endswith("a.txt") and lines[3].split()[-1].endswith("b.txt")
    assert len(lines) == 4                               # c.txt changed nothing


def test_quiet_prints_no_summary(capsys, archive, tmp_path):
    assert fix(capsys, archive, "--output-dir", tmp_path / "out", "--quiet")[2] == ""


def test_the_report_has_one_entry_per_file_and_the_summary(capsys, archive, tmp_path):
    (archive / "empty.txt").write_text("")
    fix(capsys, archive, "--output-dir", tmp_path / "out", "--report", tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(f["path"], f["status"], f["words"], f["changed"]) for f in report["files"]] == [
        (f"{archive}/a.txt", "done", 12, 5), (f"{archive}/empty.txt", "skipped", 0, 0),
        (f"{archive}/sub/b.txt", "done", 15, 6), (f"{archive}/sub/deeper/c.txt", "done", 4, 0)]
    assert report["files"][0]["output"] == f"{tmp_path}/out/a.txt" and report["files"][0]["share"] == round(5 / 12, 4)
    summary = report["summary"]
    assert (summary["done"], summary["skipped"], summary["words"], summary["changed"]) == (3, 1, 31, 11)
    assert summary["most_changed"][0]["path"] == f"{archive}/a.txt"


def test_the_changes_log_has_every_change_with_where_and_how_sure(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("Nothing here.\n\n" + SPUN)
    fix(capsys, tmp_path / "a.txt", "--changes", tmp_path / "changes.jsonl")
    changes = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
    assert [(c["garbled"], c["restored"]) for c in changes] == [
        ("astatine", "at"), ("person", "have"), ("stock", "share"), ("accusation", "information"), ("astir", "about")]
    first = changes[0]
    assert list(first) == ["file", "line", "offset", "garbled", "restored", "confidence", "alternatives"]
    assert (first["file"], first["line"], first["offset"]) == (str(tmp_path / "a.txt"), 3, 23)
    assert 0.5 < first["confidence"] <= 1 and first["alternatives"][0][0] == "astatine"


def test_a_changes_log_record_stays_one_line_to_splitlines_when_ftfy_replaces_a_next_line_control(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("The council met.\x85Then it rose.\n")          # U+0085, read as cp1252's "..."
    fix(capsys, tmp_path / "a.txt", "--changes", tmp_path / "changes.jsonl")
    [record] = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
    assert (record["garbled"], record["restored"], record["by"]) == ("\x85", "\u2026", "ftfy")


def test_jsonl_changes_name_the_line_and_field(capsys, tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "fine"}\n' + json.dumps({"text": SPUN}) + "\n")
    fix(capsys, tmp_path / "a.jsonl", "--changes", tmp_path / "changes.jsonl")
    first = json.loads((tmp_path / "changes.jsonl").read_text().splitlines()[0])
    assert (first["line"], first["field"], first["offset"], first["garbled"]) == (2, "text", 8, "astatine")


def _logged_changes(capsys, tmp_path, *options) -> list[dict]:
    """The changes ``fix`` logs for a spun sentence of balloons, with ``options``."""
    from restore.spin import Spinner
    text = Spinner.default().spin("Just after dawn on Tuesday a small crew released a white balloon into a "
                                  "cloudless sky, and the instruments drifted back to earth under a bright "
                                  "orange parachute at noon.\n", seed=3)
    (tmp_path / "a.txt").write_text(text)
    log = tmp_path / f"{'-'.join(map(str, options))}.jsonl"
    fix(capsys, tmp_path / "a.txt", *options, "--changes", log)
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_min_confidence_leaves_less_likely_changes_unmade(capsys, tmp_path):
    every = _logged_changes(capsys, tmp_path, "--min-confidence", 0.0)
    sure = _logged_changes(capsys, tmp_path, "--min-confidence", 0.95)
    assert any(c["confidence"] < 0.95 for c in every)
    assert sure == [c for c in every if c["confidence"] >= 0.95]


def test_min_odds_leaves_words_whose_restoration_is_not_that_much_likelier_as_written(capsys, tmp_path):
    every = {c["garbled"] for c in _logged_changes(capsys, tmp_path, "--min-odds", 1)}
    cautious = {c["garbled"] for c in _logged_changes(capsys, tmp_path, "--min-odds", 5)}
    assert "tiny" in every and cautious == every - {"tiny"}


def test_diff_is_a_unified_diff_when_stdout_is_not_a_terminal(capsys, tmp_path):
    text = "".join(f"{i}\n" for i in range(20)).replace("3\n", SPUN)
    (tmp_path / "a.txt").write_text(text)
    code, out, _ = fix(capsys, tmp_path / "a.txt", "--diff")
    assert code == 0
    assert out.splitlines()[:4] == [f"--- {tmp_path}/a.txt", f"+++ {tmp_path}/a.txt", "@@ -1,7 +1,7 @@", " 0"]
    patched = subprocess.run(["patch", "-o", "-", str(tmp_path / "a.txt")], input=out, capture_output=True, text=True)
    assert patched.stdout.endswith(text.replace(SPUN.strip(), CLEAN.strip()))


def test_the_streamed_unified_diff_matches_difflib():
    rng = random.Random(1)
    old = [f"line {i} {'astatine' if rng.random() < 0.1 else 'at'}\n" for i in range(300)]
    new = [line.replace("astatine", "at") for line in old]
    out = []
    diff = UnifiedDiff("f", out.append)
    raw, restored = "".join(old), "".join(new)
    for i in range(0, len(raw), 97):              # pieces cut mid-line
        diff.feed(formats.Piece(raw[i:i + 97], restored[i:i + 97]))
    diff.close()
    assert "".join(out) == "".join(difflib.unified_diff(old, new, "f", "f"))


def test_marked_words_strike_the_garbled_word_before_the_restored_one():
    from restore import Change
    out = []
    view = formats.View("One.\nWe met astatine noon, helium said.\n", [
        Change(12, 20, "astatine", "at", 1.0), Change(27, 33, "helium", "he", 1.0)])
    MarkedWords("a.txt", out.append).feed(formats.Piece("", "", [view]))
    assert "".join(out) == ("\x1b[1ma.txt\x1b[0m\n2: We met \x1b[9;31mastatine\x1b[0m\x1b[32mat\x1b[0m noon, "
                            "\x1b[9;31mhelium\x1b[0m\x1b[32mhe\x1b[0m said.\n")


def test_the_progress_bar_shows_files_and_words_per_second(capsys, archive):
    jobs = batch.plan([str(archive)])
    batch.run(jobs, Settings(), progress=True, stdout=io.BytesIO())
    err = capsys.readouterr().err
    assert "3 files" in err and "words/s" in err


# -- detect ----------------------------------------------------------------------------------------

def test_detect_prints_a_score_and_the_path_of_each_document(capsys, tmp_path):
    (tmp_path / "spun.txt").write_text(SPUN * 3)
    (tmp_path / "clean.txt").write_text(CLEAN * 3)
    code, out, _ = restore(capsys, "detect", tmp_path)
    scores = {path: float(score) for score, path in (line.split("\t") for line in out.splitlines())}
    assert code == 0 and list(scores) == [f"{tmp_path}/clean.txt", f"{tmp_path}/spun.txt"]
    assert scores[f"{tmp_path}/spun.txt"] > scores[f"{tmp_path}/clean.txt"]


def test_detect_with_a_threshold_prints_a_verdict_for_each_json_line(capsys, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": SPUN * 3}) + "\n" + json.dumps({"text": CLEAN * 3}) + "\n")
    _, out, _ = restore(capsys, "detect", tmp_path / "a.jsonl", "--threshold", "0.5")
    assert [line.split("\t")[1:] for line in out.splitlines()] == [
        ["spun", f"{tmp_path}/a.jsonl:1"], ["clean", f"{tmp_path}/a.jsonl:2"]]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_found_in_a_folder_is_skipped_and_said_not_read(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN)
    os.mkfifo(tmp_path / "in" / "pipe.txt")            # reading it would wait for a writer forever
    code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "out")
    assert code == 0 and f"skipped: {tmp_path / 'in' / 'pipe.txt'}: not a regular file" in err
    assert (tmp_path / "out" / "a.txt").exists() and not (tmp_path / "out" / "pipe.txt").exists()


def test_a_file_named_twice_is_rewritten_in_place_once_and_its_backup_kept(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", tmp_path, "--in-place", "--backup", ".bak")
    assert code == 0 and "the same file as an input before it" in err
    assert (tmp_path / "a.txt.bak").read_text() == SPUN
    assert (tmp_path / "a.txt").read_text() != SPUN


def test_a_backup_suffix_with_a_slash_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--in-place", "--backup", "/x")
    assert code == 2 and "--backup is a suffix added to each file's name" in err
    assert (tmp_path / "a.txt").read_text() == SPUN


def test_a_diff_keeps_a_utf8_files_byte_order_mark_on_its_first_lines_so_that_patch_finds_them(capsys, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf" + SPUN.encode())
    code, out, _ = fix(capsys, tmp_path / "a.txt", "--diff")
    removed = [line for line in out.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert code == 0 and removed[0].startswith("-\ufeffWorkers astatine") and added[0].startswith("+\ufeffWorkers at")


def test_a_diff_of_a_latin1_file_is_in_latin1_so_that_patch_applies_it(tmp_path):
    (tmp_path / "a.txt").write_bytes("Café workers astatine the agency.\n".encode("latin-1"))
    diff = subprocess.run([sys.executable, "-m", "restore", "fix", "--encoding", "latin-1", "--diff",
                           str(tmp_path / "a.txt")], capture_output=True, check=True).stdout
    patched = subprocess.run(["patch", "-o", "-", str(tmp_path / "a.txt")], input=diff, capture_output=True,
                             cwd=tmp_path)                               # where a failed patch leaves its rejects
    assert patched.returncode == 0 and patched.stdout.decode("latin-1").endswith("Café workers at the agency.\n")


def test_the_scratch_folder_of_a_run_killed_with_sigkill_is_removed_by_the_next_run(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    (scratch / "restore-not-ours").mkdir()              # no lock in it: another program's, or an older restore's
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=env)
    deadline = time.monotonic() + 60
    while len(list(scratch.glob("restore-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)                                # it reads stdin in its scratch folder's lifetime
    running = set(scratch.glob("restore-*"))
    subprocess.run([sys.executable, "-m", "restore", "fix"], input=SPUN, capture_output=True, text=True, env=env)
    assert set(scratch.glob("restore-*")) == running    # a living run's folder is never touched
    proc.kill()
    proc.wait()
    subprocess.run([sys.executable, "-m", "restore", "fix"], input=SPUN, capture_output=True, text=True, env=env)
    assert [p.name for p in scratch.iterdir()] == ["restore-not-ours"]


def test_a_diffs_header_names_the_file_by_its_bytes_on_disk_so_that_patch_p0_finds_it(tmp_path):
    (tmp_path / "café.txt").write_bytes("Café workers astatine the agency.\n".encode("latin-1"))
    diff = subprocess.run([sys.executable, "-m", "restore", "fix", "--encoding", "latin-1", "--diff", "café.txt"],
                          capture_output=True, check=True, cwd=tmp_path).stdout
    assert diff.startswith("--- café.txt\n".encode())
    subprocess.run(["patch", "-p0"], input=diff, capture_output=True, check=True, cwd=tmp_path)
    assert (tmp_path / "café.txt").read_bytes().decode("latin-1") == "Café workers at the agency.\n"


def test_a_diff_of_an_encoding_that_rewrites_ascii_is_in_utf8(tmp_path):
    (tmp_path / "a.txt").write_bytes(SPUN.encode("utf-7"))
    diff = subprocess.run([sys.executable, "-m", "restore", "fix", "--encoding", "utf-7", "--diff",
                           str(tmp_path / "a.txt")], capture_output=True, check=True).stdout.decode()
    assert diff.splitlines()[:3] == [f"--- {tmp_path}/a.txt", f"+++ {tmp_path}/a.txt", "@@ -1 +1 @@"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_where_a_scratch_folders_lock_should_be_is_passed_over_without_waiting(tmp_path):
    from restore.temps import remove_scratch_folder, scratch_folder
    (tmp_path / "restore-odd").mkdir()
    os.mkfifo(tmp_path / "restore-odd" / ".held")      # opening it to read would wait for a writer forever
    folder = scratch_folder(dir=str(tmp_path))
    remove_scratch_folder(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["restore-odd"]


def test_the_temporary_output_a_run_killed_with_sigkill_left_is_removed_when_the_file_is_written_again(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN * 200 + "\n" + SPUN * 200000)     # long enough to be caught writing
    run = [sys.executable, "-m", "restore", "fix", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")]
    proc = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("out/.a.txt.restore-*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob("out/.a.txt.restore-*.tmp"))             # what kill -9 leaves
    (tmp_path / "a.txt").write_text(SPUN)
    subprocess.run(run, check=True, capture_output=True)
    assert os.listdir(tmp_path / "out") == ["a.txt"]


def test_a_temporary_output_that_a_living_run_holds_or_that_is_not_restores_is_never_removed(capsys, tmp_path):
    import fcntl

    from restore import temps as restore_temps
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "out").mkdir()
    others = [".a.txt.other-program.tmp", ".b.txt.restore-restore-deadbeef-x1234567.tmp",
              ".a.txt.restore-restore-livebeef-x1234567.tmp", ".a.txt.restore-foo.tmp", ".a.txt.restore-x.restore-y.tmp"]
    for name in others:
        (tmp_path / "out" / name).write_text("half written")
    with open(tmp_path / "out" / others[2]) as held:
        fcntl.flock(held, fcntl.LOCK_EX)                                  # as a living run holds its own
        assert restore_temps.being_written(str(tmp_path / "out" / "a.txt"))
        code, _, _ = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out")
    assert code == 0 and sorted(os.listdir(tmp_path / "out")) == sorted(others + ["a.txt"])


def test_a_temporary_output_another_run_removed_before_it_was_held_is_made_again(tmp_path, monkeypatch):
    from restore import files
    made = []

    def removed_at_once(**kwargs):                   # another run sweeps it between its making and its lock
        fd, path = real_mkstemp(**kwargs)
        made.append(path)
        if len(made) == 1:
            os.unlink(path)
        return fd, path

    real_mkstemp = files.tempfile.mkstemp
    monkeypatch.setattr(files.tempfile, "mkstemp", removed_at_once)
    spool = files.Spool(final=str(tmp_path / "a.txt"), token="restore-test")
    spool.write(CLEAN)
    spool.commit()
    assert len(made) == 2 and os.listdir(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == CLEAN


@pytest.mark.parametrize("option, written_too", [("--report", '"summary": '), ("--changes", '"restored": "at"')])
def test_a_report_or_log_sent_to_dev_stdout_keeps_what_the_redirected_file_holds(tmp_path, option, written_too):
    if not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout here")
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "out.txt").write_text("before\n")
    with open(tmp_path / "out.txt", "a") as out:                       # restore fix ... >> out.txt
        subprocess.run([sys.executable, "-m", "restore", "fix", str(tmp_path / "a.txt"), option, "/dev/stdout"],
                       stdout=out, check=True)
    written = (tmp_path / "out.txt").read_text()
    assert written.startswith("before\n" + CLEAN) and written_too in written


@pytest.mark.parametrize("option", ["--report", "--changes"])
def test_a_report_or_log_that_names_a_folder_fails_before_any_work(capsys, tmp_path, option):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "logs").mkdir()
    code, out, err = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out", option, tmp_path / "logs")
    assert code == 1 and err == f"restore: error: {tmp_path}/logs: Is a directory\n"
    assert not (tmp_path / "out").exists() and out == ""


def test_a_resumed_run_adds_to_the_change_log_of_the_run_before(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN)
    log = tmp_path / "changes.jsonl"
    fix(capsys, tmp_path / "in", "-o", tmp_path / "out", "--changes", log)
    (tmp_path / "in" / "b.txt").write_text(SPUN)
    os.utime(tmp_path / "in" / "a.txt", (0, 0))                         # a.txt is done: older than its output
    code, _, _ = fix(capsys, tmp_path / "in", "-o", tmp_path / "out", "--changes", log, "--resume")
    files = [json.loads(line)["file"] for line in log.read_text().splitlines()]
    assert code == 0 and files == [str(tmp_path / "in" / "a.txt")] * 5 + [str(tmp_path / "in" / "b.txt")] * 5


def test_a_report_on_a_full_disk_costs_neither_the_change_log_nor_the_summary(capsys, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    (tmp_path / "a.txt").write_text(SPUN * 400)
    code, _, err = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out", "--report", "/dev/full",
                       "--changes", tmp_path / "changes.jsonl")
    assert code == 1 and err.strip().endswith("restore: error: /dev/full: No space left on device")
    assert "1 files done, 0 failed" in err and (tmp_path / "out" / "a.txt").exists()
    assert len((tmp_path / "changes.jsonl").read_text().splitlines()) == 2000


def test_a_file_whose_name_is_near_the_longest_allowed_is_restored_in_place(capsys, tmp_path):
    long = tmp_path / ("y" * 240 + ".txt")
    long.write_text(SPUN)
    code, _, _ = fix(capsys, long, "--in-place")
    assert code == 0 and long.read_text() == CLEAN and os.listdir(tmp_path) == [long.name]


def test_a_run_killed_with_sigkill_leaves_no_report_or_log_behind_and_a_resumed_log_keeps_its_lines(tmp_path):
    (tmp_path / "in").mkdir()
    for i in range(300):
        (tmp_path / "in" / f"{i:03d}.txt").write_text(SPUN * 20)
    run = [sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q",
           "--report", str(tmp_path / "report.json"), "--changes", str(tmp_path / "changes.jsonl")]
    proc = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("out/*.txt"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    assert sorted(p.name[:15] for p in tmp_path.glob(".*.tmp")) == [".changes.jsonl.", ".report.json.re"]
    subprocess.run(run + ["--resume"], check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.jsonl", "in", "out", "report.json"]
    logged = {json.loads(line)["file"] for line in (tmp_path / "changes.jsonl").read_text().splitlines()}
    written = {str(tmp_path / "in" / p.name) for p in (tmp_path / "out").iterdir()}
    assert len(written) == 300 and len(written - logged) <= 2, len(written - logged)  # written as it was killed


def test_a_temporary_output_being_put_in_place_is_not_taken_for_a_dead_runs(tmp_path, monkeypatch):
    from restore import files
    final = str(tmp_path / "a.txt")
    spool = files.Spool(final=final, token="restore-restore-abcdefgh")
    spool.write(CLEAN)
    real_replace = os.replace

    def another_run_starts_meanwhile(src, dst):
        files.Spool(final=final, token="restore-restore-ijklmnop").discard()     # it sweeps dead runs' files
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", another_run_starts_meanwhile)
    spool.commit()
    assert (tmp_path / "a.txt").read_text() == CLEAN


def test_a_change_log_another_living_run_is_writing_is_refused_before_any_work(capsys, tmp_path):
    import fcntl
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / ".log.jsonl.restore-abcdefgh.tmp").write_text("")
    with open(tmp_path / ".log.jsonl.restore-abcdefgh.tmp") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, out, err = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out", "--changes", tmp_path / "log.jsonl")
    assert code == 1 and "log.jsonl: another restore run is writing it" in err and not (tmp_path / "out").exists()


def test_a_mojibake_repair_the_files_encoding_cannot_write_is_not_made_and_the_file_is_restored(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Plain text, don\x92t touch. " + SPUN.encode())
    result = subprocess.run([sys.executable, "-m", "restore", "fix", "--encoding", "latin-1", str(tmp_path / "a.txt")],
                            capture_output=True)
    assert result.returncode == 0 and result.stdout == b"Plain text, don\x92t touch. " + CLEAN.encode()
