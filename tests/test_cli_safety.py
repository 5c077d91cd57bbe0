"""What the command line does with closed streams, signals, odd output paths and its own inputs.

Each case here was once a traceback, a lost file or a hang, found by trying restore as a hostile user.
"""
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from test_batch import SPUN, fix

from restore.inputs import Job
from restore.pool import Batch
from restore.worker import Settings


def run(*args, **popen):
    return subprocess.run([sys.executable, "-m", "restore", *map(str, args)], capture_output=True, text=True,
                          timeout=120, **popen)


# -- closed standard streams ------------------------------------------------------------------------

def test_a_closed_standard_output_is_one_line_naming_it(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    result = subprocess.run([sys.executable, "-m", "restore", "fix", str(tmp_path / "a.txt")],
                            stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert result.returncode == 1 and result.stderr == "restore: error: standard output is closed\n"


@pytest.mark.parametrize("args", [["fix", "--help"], ["--version"]])
def test_help_or_the_version_to_a_closed_standard_output_is_one_line_naming_it(args):
    result = subprocess.run([sys.executable, "-m", "restore", *args], stderr=subprocess.PIPE, text=True,
                            timeout=120, preexec_fn=lambda: os.close(1))
    assert result.returncode == 1 and result.stderr == "restore: error: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_help_to_a_full_disk_is_one_line_saying_so():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "restore", "spin", "--help"], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr == "restore: error: No space left on device\n"


def test_a_closed_standard_output_does_not_matter_when_the_output_goes_to_a_folder(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    result = subprocess.run([sys.executable, "-m", "restore", "fix", str(tmp_path / "a.txt"), "-q", "-o",
                             str(tmp_path / "out")], stderr=subprocess.PIPE, text=True, timeout=120,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 0 and (tmp_path / "out" / "a.txt").read_text().startswith("Workers at the")


def test_a_closed_standard_input_is_one_line_naming_it():
    result = run("fix", preexec_fn=lambda: os.close(0))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "standard input is closed" in result.stderr


# -- signals while waiting for input ------------------------------------------------------------------

@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_one_signal_ends_a_run_that_waits_on_standard_input(sig, code):
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)                       # past the start-up, into the read (where one signal used to be ignored)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    proc.stdin.close()
    assert proc.returncode == code and err == "restore: interrupted\n"


# -- --jobs -------------------------------------------------------------------------------------------------

def test_more_jobs_than_the_machine_can_use_run_with_as_many_as_it_can_and_say_so(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out", "--jobs", "100000")
    most = 4 * (os.cpu_count() or 1)
    assert code == 0 and err.startswith(f"restore: --jobs 100000 is more than this machine can use: {most} workers")
    assert (tmp_path / "out" / "a.txt").read_text().startswith("Workers at the")


def test_a_batch_starts_no_more_workers_than_it_has_files(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    batch = Batch(Settings(), 8)
    outcomes = list(batch.run([Job(str(tmp_path / "a.txt"))]))
    assert [o.status for o in outcomes] == ["done"] and batch.jobs == 1


# -- outputs that are inputs, or each other ------------------------------------------------------------------

def test_train_never_writes_its_model_over_a_pairs_file(tmp_path):
    clean = tmp_path / "x.clean.txt"
    (tmp_path / "x.spun.txt").write_text(SPUN)
    clean.write_text("Workers at the agency have been told.")
    result = run("train", tmp_path / "x.spun.txt", "-o", clean)
    assert result.returncode == 2 and "is an input" in result.stderr and result.stderr.count("\n") == 1
    assert clean.read_text() == "Workers at the agency have been told."


def test_train_on_json_pairs_with_a_lone_surrogate_writes_its_model(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"spun": "we \\ud800 tin go", "clean": "we can \\ud800 go"}\n')
    result = run("train", "-o", tmp_path / "p.model", "--own-context", tmp_path / "p.jsonl")
    assert result.returncode == 0 and "internal error" not in result.stderr, result.stderr
    assert (tmp_path / "p.model").stat().st_size > 0


def test_learn_never_writes_its_model_over_a_text_it_learns_from(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN)
    result = run("learn", tmp_path / "in", "-o", tmp_path / "in" / "a.txt")
    assert result.returncode == 2 and "is an input" in result.stderr
    assert (tmp_path / "in" / "a.txt").read_text() == SPUN


def test_a_file_whose_output_would_be_the_report_fails_and_the_report_is_kept(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "-o", tmp_path / "out", "--report", tmp_path / "out" / "a.txt")
    assert code == 1 and "its output is the --report file" in err
    assert (tmp_path / "out" / "a.txt").read_text().startswith('{"files": [')


# -- where the report and the log may go ----------------------------------------------------------------------

def test_a_report_through_a_symbolic_link_replaces_the_file_and_keeps_the_link(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "target.json").write_text("old")
    (tmp_path / "link.json").symlink_to("target.json")
    code, _, _ = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "link.json")
    assert code == 0 and (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "target.json").read_text().startswith('{"files": [')


def test_a_report_through_a_dangling_link_makes_the_file_it_names_and_keeps_the_link(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "link.json").symlink_to("made.json")
    code, _, _ = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "link.json")
    assert code == 0 and (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "made.json").read_text().startswith('{"files": [')


def test_a_report_through_a_loop_of_links_is_refused_and_the_links_kept(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "one.json").symlink_to("two.json")
    (tmp_path / "two.json").symlink_to("one.json")
    code, _, err = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "one.json")
    assert code == 1 and "Too many levels of symbolic links" in err
    assert (tmp_path / "one.json").is_symlink() and (tmp_path / "two.json").is_symlink()


def test_a_report_to_a_device_writes_to_it_and_leaves_the_device(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, _ = fix(capsys, tmp_path / "a.txt", "-q", "--report", os.devnull)
    assert code == 0 and stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode),
                    reason="needs /dev/full")
def test_a_log_that_cannot_be_written_is_one_line_naming_it(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN * 400)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--changes", "/dev/full")
    assert code == 1 and err.strip().endswith("/dev/full: No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_report_that_names_a_folder_is_one_line_and_leaves_no_temporary_file(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "report").mkdir()
    code, _, err = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "report")
    assert code == 1 and err.strip().endswith("report: Is a directory") and ".tmp" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "report"]



# -- a bad input among several ----------------------------------------------------------------------------------

def test_spin_goes_on_past_a_missing_file_and_exits_1(tmp_path):
    (tmp_path / "a.txt").write_text("Workers at the agency have been told.")
    result = run("spin", tmp_path / "missing.txt", tmp_path / "a.txt")
    assert result.returncode == 1 and "missing.txt: no such file" in result.stderr
    assert result.stdout.startswith("Workers astatine")


def test_eval_goes_on_past_a_bad_pairs_file_and_exits_1(tmp_path):
    (tmp_path / "bad.jsonl").write_text("not json\n")
    (tmp_path / "good.jsonl").write_text('{"spun": "Workers astatine the agency.", "clean": "Workers at the agency."}\n')
    result = run("eval", tmp_path / "bad.jsonl", tmp_path / "good.jsonl")
    assert result.returncode == 1 and "bad.jsonl:1" in result.stderr and result.stdout.startswith("pairs 1")


def test_learn_goes_on_past_a_binary_file_it_was_named_writes_its_model_and_exits_1(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (tmp_path / "a.txt").write_text("we tin go there. they tin see it. " * 20)
    result = run("learn", tmp_path / "image.png", tmp_path / "a.txt", "-o", tmp_path / "m.model", "-q")
    assert result.returncode == 1 and "image.png: binary file" in result.stderr
    assert (tmp_path / "m.model").exists()


def test_a_bug_on_one_file_fails_that_file_alone(capsys, monkeypatch, tmp_path):
    from restore.worker import Worker
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "b.txt").write_text(SPUN)
    repair = Worker._repair

    def buggy(self, job, *rest):
        if job.source.endswith("b.txt"):
            raise ZeroDivisionError("division by zero")
        return repair(self, job, *rest)
    monkeypatch.setattr(Worker, "_repair", buggy)
    code, _, err = fix(capsys, tmp_path / "a.txt", tmp_path / "b.txt", "-o", tmp_path / "out")
    assert code == 1 and "b.txt: internal error (ZeroDivisionError: division by zero)" in err
    assert (tmp_path / "out" / "a.txt").exists() and not (tmp_path / "out" / "b.txt").exists()


@pytest.mark.parametrize("command, name", [("train", "pairs.jsonl"), ("apply", "decisions.jsonl")])
def test_json_nested_too_deeply_is_one_line_naming_the_file(tmp_path, command, name):
    (tmp_path / name).write_text("[" * 100_000 + "\n")
    (tmp_path / "a.txt").write_text(SPUN)
    args = {"train": ["train", tmp_path / name, "-o", tmp_path / "m.model"],
            "apply": ["apply", tmp_path / "a.txt", tmp_path / name, "-o", tmp_path / "out.txt"]}[command]
    result = run(*args)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and f"{name}:1:" in result.stderr
    assert "internal error" not in result.stderr


def test_an_empty_folder_is_said_not_passed_over_in_silence(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = fix(capsys, tmp_path / "empty", "-o", tmp_path / "out")
    assert code == 0 and out == "" and err == f"restore: no files found in {tmp_path / 'empty'}\n"


def test_in_place_on_a_pipe_fails_that_file_and_leaves_the_pipe(capsys, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "pipe", tmp_path / "a.txt", "--in-place")
    assert code == 1 and "pipe: not a regular file: --in-place rewrites files only" in err
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    assert (tmp_path / "a.txt").read_text().startswith("Workers at the")
