"""Issue 12's findings, each reproduced: no lost originals, no tracebacks, workers that end with the batch."""
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from test_batch import CLEAN, SPUN, fix, make_archive, tree
from test_batch import restore as command

import restore
from restore import files, worker
from restore.errors import RestoreError


def temporary(folder):
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def children(pid):
    """The process ids of ``pid``'s children (Linux)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


# -- 2. a second --in-place --backup run ----------------------------------------------------------

def test_a_second_in_place_backup_run_never_overwrites_the_backup(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    assert fix(capsys, tmp_path / "a.txt", "--in-place", "--backup", ".bak")[0] == 0
    code, _, err = fix(capsys, tmp_path / "a.txt", "--in-place", "--backup", ".bak")
    assert (tmp_path / "a.txt.bak").read_text() == SPUN
    assert code == 1 and "a.txt.bak already exists" in err and "Traceback" not in err


# -- 3. --report or --changes at an input ------------------------------------------------------------

@pytest.mark.parametrize("option", ["--report", "--changes"])
def test_a_report_or_log_that_names_an_input_is_a_usage_error(capsys, tmp_path, option):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN)
    for args in ([tmp_path / "in" / "a.txt", option, tmp_path / "in" / "a.txt"],
                 [tmp_path / "in", "--output-dir", tmp_path / "out", option, tmp_path / "in" / "a.txt"],
                 [tmp_path / "in", "--in-place", option, tmp_path / "in" / "new.json"],
                 [f"{tmp_path}/in/*.txt", "--in-place", option, tmp_path / "in" / "a.txt"]):
        code, _, err = fix(capsys, *args)
        assert code == 2 and err.startswith("restore fix: error: ") and option in err and err.count("\n") == 1
        assert (tmp_path / "in" / "a.txt").read_text() == SPUN
    assert sorted(os.listdir(tmp_path / "in")) == ["a.txt"]


# -- 4. a killed worker -------------------------------------------------------------------------------

# Run as a script: ``restore ARGS`` with workers that kill themselves (SIGKILL) on poison.txt, the
# first TIMES times (counted in the file DEATHS).  A process of its own, since the batch forks its
# workers only from a process of one thread, and pytest's may hold a Dask client's.
DYING = """
import os, signal, sys
from pathlib import Path
from restore import files, worker
from restore.cli import main

times, deaths, real = int(sys.argv[1]), Path(sys.argv[2]), worker.Worker.run

def run(self, job):
    if job.source.endswith("poison.txt") and len(deaths.read_text() if deaths.exists() else "") < times:
        with open(deaths, "a") as f:
            f.write("x")
        files.Spool(final=job.target, token=self.settings.token).write("half")     # as a real death leaves
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, job)

worker.Worker.run = run
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize("times, code", [(1, 0), (5, 1)])
def test_a_killed_worker_costs_at_most_its_files_and_the_report_is_written(tmp_path, times, code):
    make_archive(tmp_path / "in", 30)
    (tmp_path / "in" / "3" / "poison.txt").write_text(SPUN)
    result = subprocess.run([sys.executable, "-c", DYING, str(times), str(tmp_path / "deaths"), "fix",
                             str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "--jobs", "2",
                             "--report", str(tmp_path / "report.json")], capture_output=True, text=True, timeout=300)
    assert result.returncode == code and "Traceback" not in result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    statuses = {f["path"].rsplit("/", 1)[1]: f["status"] for f in report["files"]}
    assert len(statuses) == 31
    assert statuses.pop("poison.txt") == ("done" if times == 1 else "failed")
    assert set(statuses.values()) == {"done"}
    if times > 1:
        assert "poison.txt: its worker process died" in result.stderr
    assert temporary(tmp_path / "out") == []


def test_a_batch_started_beside_other_threads_spawns_its_workers_and_restores_every_file(capsys, tmp_path):
    # forked beside a thread, a worker could inherit a lock that thread held, held for ever
    from restore.pool import worker_context
    make_archive(tmp_path / "in", 6)
    idle = threading.Event()
    beside = threading.Thread(target=idle.wait)
    beside.start()
    try:
        assert worker_context().get_start_method() == "spawn"
        code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "out", "--jobs", "2")
    finally:
        idle.set()
        beside.join()
    assert code == 0 and "6 files done, 0 failed" in err
    assert len(list((tmp_path / "out").rglob("*.txt"))) == 6


def test_kill_9_of_a_worker_midway_does_not_sink_the_batch(tmp_path):
    make_archive(tmp_path / "in", 300, paragraphs=4)
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--jobs", "2", "--report", str(tmp_path / "r.json")],
                            stderr=subprocess.PIPE, text=True)
    assert wait_for(lambda: len(list((tmp_path / "out").rglob("*.txt"))) >= 20 and children(proc.pid))
    os.kill(children(proc.pid)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1) and "Traceback" not in err and "files done" in err
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["done"] + summary["failed"] == 300 and summary["done"] >= 290
    assert temporary(tmp_path / "out") == []


# -- 5. SIGTERM, and the parent's death --------------------------------------------------------------

def start_batch(tmp_path, *more):
    make_archive(tmp_path / "in", 700, paragraphs=6)
    (tmp_path / "scratch").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--jobs", "2", *map(str, more)], stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "TMPDIR": str(tmp_path / "scratch")})
    assert wait_for(lambda: len(list((tmp_path / "out").rglob("*.txt"))) >= 20 and len(children(proc.pid)) >= 2)
    return proc, children(proc.pid)


def test_sigterm_ends_the_workers_with_the_batch_and_leaves_no_temporary_file(tmp_path):
    proc, workers = start_batch(tmp_path, "--report", tmp_path / "r.json")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "interrupted" in err and "Traceback" not in err
    assert wait_for(lambda: not any(map(alive, workers)))
    assert temporary(tmp_path / "out") == [] and json.loads((tmp_path / "r.json").read_text())["summary"]["stopped"]


def test_workers_end_when_the_batch_process_is_killed(tmp_path):
    proc, workers = start_batch(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    assert wait_for(lambda: not any(map(alive, workers)))
    assert temporary(tmp_path / "out") == []


def test_the_workers_of_a_killed_batch_remove_its_scratch_folder(tmp_path):
    proc, workers = start_batch(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    assert wait_for(lambda: not any(map(alive, workers)))
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_batch_ended_by_sigterm_removes_its_scratch_folder(tmp_path):
    proc, workers = start_batch(tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert wait_for(lambda: not any(map(alive, workers)))
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_sigterm_while_a_temporary_file_is_made_is_handled_once_the_file_is_listed():
    seen = []

    def handler(signum, frame):
        seen.append("deferred" if worker.deferring(signum) else "handled")
    old = signal.signal(signal.SIGTERM, handler)
    try:
        with worker._terms_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
            seen.append("listed")
    finally:
        signal.signal(signal.SIGTERM, old)
    assert seen == ["deferred", "listed", "handled"]


# -- 6. a full disk -------------------------------------------------------------------------------------

class FullDisk:
    """A file whose data never reaches the disk: closing it fails with ENOSPC, as a full disk does."""

    def __init__(self, file):
        self.file = file

    def write(self, text):
        return len(text)

    def close(self):
        self.file.close()
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_midway_is_one_line_stops_the_batch_and_leaves_no_temporary_file(capsys, monkeypatch, tmp_path):
    make_archive(tmp_path / "in", 6)
    real = files.Spool.__init__

    def full(self, *args, **kwargs):
        real(self, *args, **kwargs)
        if self.final and f"{os.sep}out{os.sep}" in self.final and not self.final.endswith("0000.txt"):
            self.file = FullDisk(self.file)
            self.write = self.file.write
    monkeypatch.setattr(files.Spool, "__init__", full)
    code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "out", "--report", tmp_path / "r.json")
    lines = err.splitlines()
    assert code == 1 and "Traceback" not in err
    assert [line for line in lines if "error" in line] == [
        f"restore: error: {tmp_path}/in/1/0001.txt: cannot write {tmp_path}/out/1/0001.txt (No space left on device)"]
    assert "restore: stopped early: the disk is full" in lines
    assert temporary(tmp_path / "out") == [] and sorted(tree(tmp_path / "out")) == ["0/0000.txt"]
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["halted"] == "the disk is full"


def test_a_full_standard_output_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN * 5000)
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "restore", "fix", str(tmp_path / "a.txt")], stdout=full,
                                stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == ["restore: error: standard output: No space left on device"]


# -- 7. symbolic links in a tree -----------------------------------------------------------------------

def test_symbolic_link_loops_and_links_to_folders_are_noted_not_followed(capsys, tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text(SPUN)
    (d / "loop.txt").symlink_to(d / "loop.txt")
    (d / "again").symlink_to(d / "sub")
    (d / "up").symlink_to(d)
    (d / "link.txt").symlink_to(d / "sub" / "a.txt")
    code, _, err = fix(capsys, d, "--output-dir", tmp_path / "out")
    assert code == 1 and "Traceback" not in err
    lines = err.splitlines()
    assert f"restore: error: {d}/loop.txt: cannot read (Too many levels of symbolic links)" in lines
    assert f"restore: skipped: {d}/again: symbolic link to a folder: not followed" in lines
    assert f"restore: skipped: {d}/up: symbolic link to a folder: not followed" in lines
    assert tree(tmp_path / "out") == {"link.txt": CLEAN, "sub/a.txt": CLEAN}


# -- 9. other tracebacks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"])
def test_a_codec_that_is_no_text_encoding_is_a_usage_error(capsys, tmp_path, codec):
    (tmp_path / "a.txt").write_text(SPUN)
    for cmd in ("fix", "detect"):
        code, _, err = command(capsys, cmd, tmp_path / "a.txt", "--encoding", codec)
        assert code == 2 and "not a text encoding" in err and "Traceback" not in err


@pytest.mark.parametrize("row", [{"spun": 5, "clean": None}, {"spun": "a", "clean": ["b"]}, ["a", "b"], "a"])
def test_pairs_that_are_not_texts_are_one_line_with_file_and_line(capsys, tmp_path, row):
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": "a", "clean": "a"}) + "\n" + json.dumps(row) + "\n")
    for args in (["train", tmp_path / "p.jsonl", "-o", tmp_path / "m.model"], ["eval", tmp_path / "p.jsonl"]):
        code, _, err = command(capsys, *args)
        assert code == 1 and err.splitlines() == [
            f'restore: error: {tmp_path}/p.jsonl:2: expected a JSON object with "spun" and "clean" texts']
    assert not (tmp_path / "m.model").exists()


# -- 10. wrong outcomes on odd inputs ---------------------------------------------------------------------

@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                        ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-8", b"\xef\xbb\xbf")])
def test_a_byte_order_mark_is_honoured_and_kept(capsys, tmp_path, codec, bom):
    (tmp_path / "a.txt").write_bytes(bom + SPUN.encode(codec))
    code, _, err = fix(capsys, tmp_path / "a.txt", "--output-dir", tmp_path / "out", "--changes", tmp_path / "c.jsonl")
    assert code == 0, err
    assert (tmp_path / "out" / "a.txt").read_bytes() == bom + CLEAN.encode(codec)
    assert json.loads((tmp_path / "c.jsonl").read_text().splitlines()[0])["offset"] == 8


def test_utf16_without_a_mark_says_how_to_read_it(capsys, tmp_path):
    (tmp_path / "a.txt").write_bytes(SPUN.encode("utf-16-le"))
    code, _, err = fix(capsys, tmp_path / "a.txt")
    assert code == 1 and f"restore: error: {tmp_path}/a.txt: binary file (or UTF-16 without a byte-order mark: " \
                         "--encoding utf-16-le may help)" in err.splitlines()
    _, out, _ = fix(capsys, tmp_path / "a.txt", "--encoding", "utf-16-le")
    assert out.encode("latin-1").decode("utf-16-le") == CLEAN


def test_ftfys_own_edits_are_in_the_changes_log(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("The SSAâ€™s office.\n\n" + SPUN)
    (tmp_path / "b.html").write_text("<p>The SSAâ€™s office.</p><p>" + SPUN + "</p>")
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "The SSAâ€™s office. " + SPUN}) + "\n")
    for name in ("a.txt", "b.html", "c.jsonl"):
        fix(capsys, tmp_path / name, "--changes", tmp_path / "changes.jsonl")
        changes = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
        first = changes[0]
        assert (first["garbled"], first["restored"], first["by"], first["line"]) == ("â€™", "’", "ftfy", 1)
        assert [c["garbled"] for c in changes[1:3]] == ["astatine", "person"]
        assert all("by" not in c for c in changes[1:])


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_in_place_as_root_keeps_the_owner_and_the_setuid_bit(capsys, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(SPUN)
    os.chown(path, 12345, 23456)
    os.chmod(path, 0o4750)
    assert fix(capsys, path, "--in-place", "--backup", ".bak")[0] == 0
    info = os.stat(path)
    assert (path.read_text(), info.st_uid, info.st_gid, info.st_mode & 0o7777) == (CLEAN, 12345, 23456, 0o4750)


def test_an_output_dir_that_is_a_file_is_one_usage_error(capsys, archive, tmp_path):
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file", tmp_path / "file" / "below"):
        code, _, err = fix(capsys, archive, "--output-dir", out)
        assert code == 2 and err.count("error") == 1 and "is not a folder" in err
    assert (tmp_path / "file").read_text() == "x"


def test_the_report_and_the_log_honour_the_umask(capsys, archive, tmp_path):
    old = os.umask(0o022)
    try:
        fix(capsys, archive, "--output-dir", tmp_path / "out", "--report", tmp_path / "r.json",
            "--changes", tmp_path / "c.jsonl")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "r.json").st_mode & 0o777 == 0o644
    assert os.stat(tmp_path / "c.jsonl").st_mode & 0o777 == 0o644


def test_restoring_none_is_a_clear_error():
    with pytest.raises(RestoreError, match="expected text") as error:
        restore.restore_text(None)
    assert isinstance(error.value, TypeError)
    with pytest.raises(TypeError, match="got bytes"):
        restore.Restorer().restore_with_changes(b"bytes")


@pytest.mark.parametrize("rate", ["5", "-0.1", "nan"])
def test_spin_rejects_a_rate_outside_0_to_1(capsys, rate):
    code, _, err = command(capsys, "spin", "--rate", rate, stdin="Workers at the agency.\n")
    assert code == 2 and "--rate must be between 0 and 1" in err


@pytest.mark.parametrize("odds", ["0.5", "-1", "nan", "inf"])
def test_fix_rejects_min_odds_that_is_not_a_finite_number_of_one_or_more(capsys, odds):
    code, _, err = command(capsys, "fix", "--min-odds", odds, stdin="Workers at the agency.\n")
    assert code == 2 and "--min-odds must be a finite number of 1 or more" in err


def test_no_traceback_for_a_bug_either(capsys, monkeypatch):
    from restore.spin import Spinner

    def bug():
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(Spinner, "default", bug)
    code, _, err = command(capsys, "spin", stdin="x")
    assert code == 1 and err.startswith("restore: error: internal error (ZeroDivisionError") and "Traceback" not in err
